// The tracing stage: from an imported forward graph to the joint
// forward/backward graph. Functionalize (then DCE), autograd, decompose,
// CSE, DCE: each a stage of compiler/pipeline/stages.h.
#ifndef AOTD_COMPILER_PIPELINE_TRACE_H_
#define AOTD_COMPILER_PIPELINE_TRACE_H_

#include <vector>

#include "absl/status/statusor.h"
#include "compiler/ir/graph.h"
#include "compiler/passes/autograd.h"
#include "compiler/pipeline/stages.h"

namespace aotd::pipeline {

struct Traced {
  passes::JointGraph joint;
  int num_user_outputs = 0;            // Joint outputs [0, n) are the user's.
  std::vector<int> write_back_inputs;  // Then one write-back per entry.
};

// `forward` must be verified (ops::VerifyNodes), as import leaves it
// (compiler/frontend): the pipeline verifies once, at import; debug builds
// check it again here and between stages. Stages are recorded into `log`.
// INVALID_ARGUMENT for a graph the compiler cannot express, UNIMPLEMENTED
// for a missing derivative, INTERNAL for bugs.
absl::StatusOr<Traced> Trace(const ir::Graph& forward, StageLog& log);
// The same, recording nothing.
absl::StatusOr<Traced> Trace(const ir::Graph& forward);

}  // namespace aotd::pipeline

#endif  // AOTD_COMPILER_PIPELINE_TRACE_H_
