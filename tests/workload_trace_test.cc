// The joint graph of every small workload, run by the reference evaluator on
// what PyTorch recorded, reproduces PyTorch's outputs, gradients and mutated
// buffers.
#include <cstdio>

#include "compiler/frontend/load.h"
#include "compiler/pipeline/trace.h"
#include "compiler/reference/evaluate.h"
#include "gtest/gtest.h"
#include "tests/workloads.h"

namespace aotd {
namespace {

using reference::HostTensor;

constexpr double kRtol = 1e-4, kAtol = 1e-5;

void ExpectClose(const std::string& what, const HostTensor& actual, const HostTensor& expected,
                 double& max_error) {
  reference::Closeness c = reference::CompareClose(actual, expected, kRtol, kAtol);
  max_error = std::max(max_error, c.max_abs_error);
  EXPECT_TRUE(c.close) << what << ": max abs error " << c.max_abs_error << " (actual "
                       << reference::DescribeTensor(actual) << ", expected "
                       << reference::DescribeTensor(expected) << ")";
  EXPECT_EQ(actual.dtype, expected.dtype) << what;
}

TEST(WorkloadTraceTest, JointGraphReproducesPyTorch) {
  for (const testing::Workload& w : testing::Workloads("small")) {
    SCOPED_TRACE(w.Id());
    absl::StatusOr<ir::Graph> forward = frontend::LoadGraphFile(w.ForwardJson());
    ASSERT_TRUE(forward.ok()) << forward.status();
    absl::StatusOr<pipeline::Traced> traced = pipeline::Trace(*forward);
    ASSERT_TRUE(traced.ok()) << traced.status();
    absl::StatusOr<testing::RecordedStep> step = testing::LoadRecordedStep(w);
    ASSERT_TRUE(step.ok()) << step.status();
    const passes::JointGraph& joint = traced->joint;

    // Primals, then the recorded tangent of each output that takes one.
    std::vector<HostTensor> inputs = step->inputs;
    ASSERT_EQ(joint.tangent_outputs.size(), step->tangents.size());
    for (int o : joint.tangent_outputs) {
      ASSERT_TRUE(step->tangents.count(o)) << "PyTorch fed no tangent to output " << o;
      inputs.push_back(step->tangents.at(o));
    }
    absl::StatusOr<std::vector<HostTensor>> outs = reference::Evaluate(joint.graph, inputs);
    ASSERT_TRUE(outs.ok()) << outs.status();

    double max_output = 0, max_grad = 0, max_mutated = 0;
    for (const auto& [index, expected] : step->outputs) {
      ExpectClose("output " + std::to_string(index), (*outs)[index], expected, max_output);
    }
    ASSERT_EQ(joint.grad_inputs.size(), step->grads.size());
    for (size_t k = 0; k < joint.grad_inputs.size(); ++k) {
      int input = joint.grad_inputs[k];
      ASSERT_TRUE(step->grads.count(input)) << "PyTorch has no gradient for input " << input;
      ExpectClose("grad of input " + std::to_string(input),
                  (*outs)[joint.num_forward_outputs + k], step->grads.at(input), max_grad);
    }
    ASSERT_EQ(traced->write_back_inputs.size(), step->mutated_after.size());
    for (size_t k = 0; k < traced->write_back_inputs.size(); ++k) {
      int input = traced->write_back_inputs[k];
      ASSERT_TRUE(step->mutated_after.count(input)) << "PyTorch did not mutate input " << input;
      ExpectClose("mutated input " + std::to_string(input),
                  (*outs)[traced->num_user_outputs + k], step->mutated_after.at(input),
                  max_mutated);
    }
    std::printf("%-16s max abs error: outputs %.3g, grads %.3g, mutated %.3g\n", w.Id().c_str(),
                max_output, max_grad, max_mutated);
  }
}

}  // namespace
}  // namespace aotd
