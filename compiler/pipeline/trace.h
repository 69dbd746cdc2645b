// The tracing stage: from an imported forward graph to the joint
// forward/backward graph. Functionalize, autograd, decompose, then DCE and
// CSE.
#ifndef AOTD_COMPILER_PIPELINE_TRACE_H_
#define AOTD_COMPILER_PIPELINE_TRACE_H_

#include <vector>

#include "absl/status/statusor.h"
#include "compiler/ir/graph.h"
#include "compiler/passes/autograd.h"

namespace aotd::pipeline {

struct Traced {
  passes::JointGraph joint;
  int num_user_outputs = 0;            // Joint outputs [0, n) are the user's.
  std::vector<int> write_back_inputs;  // Then one write-back per entry.
};

// The forward is verified first (ops::VerifyNodes). INVALID_ARGUMENT for
// a malformed graph or one the compiler cannot express, UNIMPLEMENTED for a missing derivative, INTERNAL for bugs.
absl::StatusOr<Traced> Trace(const ir::Graph& forward);

}  // namespace aotd::pipeline

#endif  // AOTD_COMPILER_PIPELINE_TRACE_H_
