#include "compiler/pipeline/trace.h"

#include "common/status_macros.h"
#include "compiler/ops/core/verify.h"
#include "compiler/passes/cse.h"
#include "compiler/passes/dce.h"
#include "compiler/passes/decompose.h"
#include "compiler/passes/functionalize.h"

namespace aotd::pipeline {

absl::StatusOr<Traced> Trace(const ir::Graph& forward) {
  RETURN_IF_ERROR(ops::VerifyNodes(forward));
  ASSIGN_OR_RETURN(passes::FunctionalGraph functional, passes::Functionalize(forward));
  passes::EliminateDeadCode(functional.graph);
  Traced traced;
  ASSIGN_OR_RETURN(traced.joint,
                   passes::BuildJointGraph(functional.graph, functional.num_user_outputs));
  traced.num_user_outputs = functional.num_user_outputs;
  traced.write_back_inputs = functional.write_back_inputs;
  RETURN_IF_ERROR(passes::Decompose(traced.joint.graph).status());
  passes::EliminateCommonSubexpressions(traced.joint.graph);
  passes::EliminateDeadCode(traced.joint.graph);
  return traced;
}

}  // namespace aotd::pipeline
