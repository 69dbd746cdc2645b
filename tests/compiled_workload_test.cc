// Workloads compiled to native code and run through the client runtime
// reproduce PyTorch's recorded outputs, gradients and mutated buffers.
#include <cstdio>

#include "client/loaded_artifact.h"
#include "compiler/frontend/load.h"
#include "compiler/pipeline/compile.h"
#include "gtest/gtest.h"
#include "tests/host_client_tensor.h"
#include "tests/workloads.h"

namespace aotd {
namespace {

using reference::HostTensor;

constexpr double kRtol = 1e-4, kAtol = 1e-5;

void Check(const std::string& what, const client::Tensor& got, const HostTensor& expected) {
  absl::StatusOr<HostTensor> host = testing::ToHost(got);
  ASSERT_TRUE(host.ok()) << host.status();
  reference::Closeness c = reference::CompareClose(*host, expected, kRtol, kAtol);
  EXPECT_TRUE(c.close) << what << ": max abs error " << c.max_abs_error;
}

void RunWorkload(const testing::Workload& w, partition::Strategy strategy) {
  SCOPED_TRACE(w.Id());
  absl::StatusOr<ir::Graph> forward = frontend::LoadGraphFile(w.ForwardJson());
  ASSERT_TRUE(forward.ok()) << forward.status();
  std::unique_ptr<toolchain::Toolchain> tc = toolchain::NewSystemToolchain();
  pipeline::CompileOptions options;
  options.partition.strategy = strategy;
  absl::StatusOr<proto::Artifact> artifact = pipeline::Compile(*forward, options, *tc);
  ASSERT_TRUE(artifact.ok()) << artifact.status();
  absl::StatusOr<std::shared_ptr<client::LoadedArtifact>> loaded =
      client::LoadedArtifact::Load(*artifact, /*verifier=*/nullptr);
  ASSERT_TRUE(loaded.ok()) << loaded.status();

  absl::StatusOr<testing::RecordedStep> step = testing::LoadRecordedStep(w);
  ASSERT_TRUE(step.ok()) << step.status();
  std::vector<client::Tensor> inputs;
  for (const HostTensor& h : step->inputs) {
    absl::StatusOr<client::Tensor> t = testing::ToClient(h);
    ASSERT_TRUE(t.ok()) << t.status();
    inputs.push_back(*t);
  }
  absl::StatusOr<client::ForwardResult> fw = (*loaded)->Forward(inputs);
  ASSERT_TRUE(fw.ok()) << fw.status();
  for (const auto& [index, expected] : step->outputs) {
    Check("output " + std::to_string(index), fw->outputs.at(index), expected);
  }
  for (size_t k = 0; k < artifact->write_back_inputs_size(); ++k) {
    int input = artifact->write_back_inputs(k);
    Check("mutated input " + std::to_string(input), inputs[input], step->mutated_after.at(input));
  }
  std::vector<client::Tensor> tangents;
  for (int o : artifact->tangent_outputs()) {
    absl::StatusOr<client::Tensor> t = testing::ToClient(step->tangents.at(o));
    ASSERT_TRUE(t.ok()) << t.status();
    tangents.push_back(*t);
  }
  absl::StatusOr<std::vector<client::Tensor>> grads = (*loaded)->Backward(fw->saved, tangents);
  ASSERT_TRUE(grads.ok()) << grads.status();
  ASSERT_EQ(grads->size(), step->grads.size());
  for (size_t k = 0; k < grads->size(); ++k) {
    int input = artifact->grad_inputs(k);
    Check("grad of input " + std::to_string(input), (*grads)[k], step->grads.at(input));
  }
}

TEST(CompiledWorkloadTest, PointwiseWorkloadMatchesPyTorch) {
  for (const testing::Workload& w : testing::Workloads("small")) {
    if (w.name != "d_pointwise") continue;
    RunWorkload(w, partition::Strategy::kMinCut);
    RunWorkload(w, partition::Strategy::kDefault);
  }
}

}  // namespace
}  // namespace aotd
