#include "compiler/pipeline/trace.h"

#include "common/status_macros.h"
#include "compiler/ops/core/verify.h"
#include "compiler/passes/cse.h"
#include "compiler/passes/dce.h"
#include "compiler/passes/decompose.h"
#include "compiler/passes/functionalize.h"

namespace aotd::pipeline {

absl::StatusOr<Traced> Trace(const ir::Graph& forward, StageLog& log) {
#ifndef NDEBUG
  RETURN_IF_ERROR(ops::VerifyNodes(forward));
#endif
  ASSIGN_OR_RETURN(passes::FunctionalGraph functional, passes::Functionalize(forward));
  const bool dead = passes::EliminateDeadCode(functional.graph);
  RETURN_IF_ERROR(log.Done("functionalize", functional.changed || dead, {&functional.graph}));

  Traced traced;
  ASSIGN_OR_RETURN(traced.joint,
                   passes::BuildJointGraph(functional.graph, functional.num_user_outputs));
  traced.num_user_outputs = functional.num_user_outputs;
  traced.write_back_inputs = functional.write_back_inputs;
  ir::Graph& joint = traced.joint.graph;
  RETURN_IF_ERROR(log.Done("autograd", !traced.joint.grad_inputs.empty(), {&joint}));

  ASSIGN_OR_RETURN(const bool decomposed, passes::Decompose(joint));
  RETURN_IF_ERROR(log.Done("decompose", decomposed, {&joint}));
  RETURN_IF_ERROR(log.Done("cse", passes::EliminateCommonSubexpressions(joint), {&joint}));
  RETURN_IF_ERROR(log.Done("dce", passes::EliminateDeadCode(joint), {&joint}));
  return traced;
}

absl::StatusOr<Traced> Trace(const ir::Graph& forward) {
  StageLog log;
  return Trace(forward, log);
}

}  // namespace aotd::pipeline
