// The whole compiler: a verified forward graph in, a sealed artifact out.
// Import (and its verification) is the caller's job (compiler/frontend);
// then each stage of compiler/pipeline/stages.h, recorded into the
// artifact's timings: trace's, partition, codegen, the C++ compiler.
#ifndef AOTD_COMPILER_PIPELINE_COMPILE_H_
#define AOTD_COMPILER_PIPELINE_COMPILE_H_

#include "absl/status/statusor.h"
#include "compiler/ir/graph.h"
#include "compiler/partition/partition.h"
#include "compiler/pipeline/compiler_version.h"
#include "compiler/pipeline/stages.h"
#include "compiler/toolchain/toolchain.h"
#include "proto/artifact.pb.h"

namespace aotd::pipeline {

// kCompilerVersion (compiler_version.h, generated), part of every cache key:
// a release name and a digest of every source that decides an artifact's
// bytes.

struct CompileOptions {
  partition::Options partition;
  bool include_source = true;  // Keep the generated C++ in the artifact.
  const StageHooks* hooks = nullptr;  // Dumps after stages; not owned.
};

// Errors: those of Trace and Partition; UNIMPLEMENTED when code generation
// does not support an op or dtype yet; the toolchain's errors.
absl::StatusOr<proto::Artifact> Compile(const ir::Graph& forward, const CompileOptions& options,
                                        toolchain::Toolchain& toolchain);

}  // namespace aotd::pipeline

#endif  // AOTD_COMPILER_PIPELINE_COMPILE_H_
