#include "compiler/pipeline/compile.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_join.h"
#include "common/artifact_seal.h"
#include "common/shared_object_abi.h"
#include "common/status_macros.h"
#include "compiler/codegen/codegen.h"
#include "compiler/codegen/runtime_library.h"
#include "compiler/frontend/proto_convert.h"
#include "compiler/pipeline/trace.h"

namespace aotd::pipeline {
namespace {

void SetSpec(proto::TensorSpec* spec, const std::string& name, const ir::TensorType& type) {
  spec->set_name(name);
  proto::TensorMeta* meta = spec->mutable_meta();
  meta->set_dtype(frontend::ToProtoDType(type.dtype));
  for (int64_t d : type.shape) meta->add_shape(d);
  for (int64_t s : type.strides) meta->add_strides(s);
}

void SetReport(const partition::Partitioned& p, const CompileOptions& options,
               proto::PartitionReport* report) {
  const partition::Report& r = p.report;
  report->set_partitioner(options.partition.strategy == partition::Strategy::kDefault ? "default"
                                                                                      : "min_cut");
  report->set_memory_budget(options.partition.memory_budget);
  for (const partition::SavedValue& s : r.saved) {
    proto::PartitionDecision* d = report->add_saved();
    d->set_name(s.name);
    d->set_bytes(s.bytes);
    d->set_new_storage(s.new_storage);
    d->set_reason(s.reason);
  }
  for (const partition::RecomputedValue& v : r.recomputed) {
    proto::PartitionDecision* d = report->add_recomputed();
    d->set_name(v.name);
    d->set_op(v.op);
    d->set_reason(v.reason);
  }
  report->set_saved_bytes(r.saved_bytes);
  report->set_saved_new_storage_tensors(r.saved_new_storage_tensors);
  report->set_saved_new_storage_bytes(r.saved_new_storage_bytes);
  report->set_recompute_flops(r.recompute_flops);
}

}  // namespace

absl::StatusOr<proto::Artifact> Compile(const ir::Graph& forward, const CompileOptions& options,
                                        toolchain::Toolchain& toolchain) {
  proto::Artifact artifact;
  StageLog log(options.hooks);
  ASSIGN_OR_RETURN(Traced traced, Trace(forward, log));
  ASSIGN_OR_RETURN(partition::Partitioned p, partition::Partition(traced, options.partition));
  // Saved tensors that are forward inputs (and not written back) reach the
  // backward without a copy: the runtime keeps the input.
  const int num_kept = p.num_user_outputs + static_cast<int>(p.write_back_inputs.size());
  std::vector<ir::ValueId> forward_outputs(p.forward.outputs().begin(),
                                           p.forward.outputs().begin() + num_kept);
  std::vector<int> saved_inputs;
  for (int k = 0; k < p.num_saved; ++k) {
    ir::ValueId v = p.forward.outputs()[num_kept + k];
    const ir::Value& value = p.forward.value(v);
    bool written_back = std::find(p.write_back_inputs.begin(), p.write_back_inputs.end(),
                                  value.index) != p.write_back_inputs.end();
    if (value.node < 0 && !written_back) {
      saved_inputs.push_back(value.index);
    } else {
      saved_inputs.push_back(-1);
      forward_outputs.push_back(v);
    }
  }
  p.forward.SetOutputs(forward_outputs);
  RETURN_IF_ERROR(log.Done("partition", /*changed=*/true, {&p.forward, &p.backward}));
  const codegen::SavedArena arena = codegen::PlanSavedArena(p.forward, num_kept, saved_inputs);
  toolchain::SharedObjectSources unit;
  ASSIGN_OR_RETURN(unit.units, codegen::EmitTranslationUnits(p.forward, p.backward, arena));
  ASSIGN_OR_RETURN(codegen::RuntimeLibrary runtime,
                   codegen::RuntimeLibraryFor(toolchain.CpuLevel()));
  unit.headers.push_back({std::string(runtime.header_name), runtime.header});
  unit.archives.push_back({std::string(runtime.archive_name), runtime.archive});
  log.Done("codegen");
  ASSIGN_OR_RETURN(std::string shared_object, toolchain.CompileSharedObject(unit));
  log.Done("cc");
  for (const StageRecord& r : log.records()) {
    proto::StageTiming* t = artifact.add_timings();
    t->set_stage(r.stage);
    t->set_seconds(r.seconds);
    t->set_changed(r.changed);
    t->set_nodes(r.nodes);
  }

  artifact.set_format_version(kArtifactFormatVersion);
  artifact.set_shared_object(std::move(shared_object));
  artifact.set_forward_symbol(abi::kForwardSymbol);
  artifact.set_backward_symbol(abi::kBackwardSymbol);
  for (const ir::Input& in : forward.inputs()) {
    SetSpec(artifact.add_inputs(), in.name, forward.type(in.value));
  }
  auto output_spec = [&](proto::TensorSpec* spec, int j) {
    SetSpec(spec, p.forward.ValueName(p.forward.outputs()[j]),
            codegen::ProgramOutputType(p.forward, j, codegen::OutputLayout::kStored));
  };
  for (int j = 0; j < num_kept; ++j) {
    output_spec(j < p.num_user_outputs ? artifact.add_outputs() : artifact.add_write_backs(), j);
  }
  int next_output = num_kept;
  for (int input : saved_inputs) {
    if (input >= 0) {
      SetSpec(artifact.add_saved(), forward.inputs()[input].name,
              forward.type(forward.inputs()[input].value));
    } else {
      output_spec(artifact.add_saved(), next_output++);
    }
    artifact.add_saved_inputs(input);
  }
  for (int64_t offset : arena.offsets) artifact.add_saved_offsets(offset);
  artifact.set_saved_arena_bytes(arena.bytes);
  for (int input : p.write_back_inputs) artifact.add_write_back_inputs(input);
  for (int output : p.tangent_outputs) artifact.add_tangent_outputs(output);
  for (int input : p.grad_inputs) artifact.add_grad_inputs(input);
  SetReport(p, options, artifact.mutable_partition());
  artifact.set_target(toolchain.Fingerprint());
  artifact.set_compiler_version(kCompilerVersion);
  if (options.include_source) artifact.set_source(absl::StrJoin(unit.units, "\n"));
  RETURN_IF_ERROR(SealArtifact(artifact, /*signer=*/nullptr));
  return artifact;
}

}  // namespace aotd::pipeline
