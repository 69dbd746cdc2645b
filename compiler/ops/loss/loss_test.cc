// Losses: inference, kernels and finite-difference gradients.
#include <cmath>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "compiler/ir/graph.h"
#include "compiler/ir/text.h"
#include "compiler/ops/core/builder.h"
#include "compiler/ops/testing/op_check.h"
#include "compiler/passes/autograd.h"
#include "compiler/reference/host_tensor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace aotd::ops::testing {
namespace {

using ::testing::HasSubstr;

TEST(NnTest, LossInference) {
  // The e_loss workload.
  absl::StatusOr<std::vector<TensorType>> r =
      Infer("aten.nll_loss_forward.default",
            {{T(kF32, {8, 10}), T(kI64, {8})}, {X(0), X(1), None(), I(1), I(-100)}});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF32, {});
  ExpectType((*r)[1], kF32, {});
  r = Infer("aten.nll_loss_forward.default",
            {{T(kF32, {8, 10}), T(kI64, {8})}, {X(0), X(1), None(), I(0), I(-100)}});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF32, {8});
  r = Infer("aten.nll_loss_forward.default",
            {{T(kF32, {10}), T(kI64, {})}, {X(0), X(1), None(), I(0), I(-100)}});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF32, {});
  r = Infer("aten.mse_loss.default", {{T(kF32, {3, 4}), T(kF64, {4})}, {X(0), X(1), I(0)}});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF64, {3, 4});
  r = Infer("aten.smooth_l1_loss.default", {{T(kF32, {3, 4}), T(kF32, {3, 4})}, {X(0), X(1)}});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF32, {});
  r = Infer("aten.mse_loss_backward.default",
            {{T(kF32, {}), T(kF32, {4}), T(kF32, {3, 4})}, {X(0), X(1), X(2), I(1)}});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF32, {3, 4});

  EXPECT_THAT(ErrorOf("aten.nll_loss_forward.default",
                      {{T(kF32, {8, 10}), T(kI64, {7})}, {X(0), X(1), None(), I(1), I(-100)}}),
              HasSubstr("size mismatch (got input: [8,10], target: [7])"));
  EXPECT_THAT(ErrorOf("aten.nll_loss_forward.default",
                      {{T(kF32, {8, 10}), T(kF32, {8})}, {X(0), X(1), None(), I(1), I(-100)}}),
              HasSubstr("int64 target"));
  EXPECT_THAT(
      ErrorOf("aten.nll_loss_forward.default",
              {{T(kF32, {8, 10}), T(kI64, {8}), T(kF32, {9})}, {X(0), X(1), X(2), I(1), I(-100)}}),
      HasSubstr("all 10 classes"));
  EXPECT_THAT(ErrorOf("aten.nll_loss_forward.default",
                      {{T(kF32, {8, 10}), T(kI64, {8})}, {X(0), X(1), None(), I(3), I(-100)}}),
              HasSubstr("reduction"));
  EXPECT_THAT(ErrorOf("aten.mse_loss.default", {{T(kF32, {3, 4}), T(kF32, {3})}, {X(0), X(1)}}),
              HasSubstr("shapes [3,4] and [3] do not broadcast"));
  EXPECT_THAT(ErrorOf("aten.smooth_l1_loss.default",
                      {{T(kF32, {3}), T(kF32, {3})}, {X(0), X(1), I(1), F(-1)}}),
              HasSubstr("negative values for beta"));
}

TEST(NnTest, NllLossKernel) {
  HostTensor x = Values(kF64, {3, 3}, {-1, -2, -3, -4, -5, -6, -7, -8, -9});
  HostTensor t = Values(kI64, {3}, {0, 2, 1});
  HostTensor w = Values(kF64, {3}, {1, 2, 3});
  auto nll = [&](int64_t reduction) {
    absl::StatusOr<std::vector<HostTensor>> r = Evaluate("aten.nll_loss_forward.default", {x, t, w},
                                                         {X(0), X(1), X(2), I(reduction), I(1)});
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : std::vector<HostTensor>(2);
  };
  std::vector<HostTensor> r = nll(0);
  ExpectValues(r[0], {3}, {1, 18, 0});
  ExpectValues(r[1], {}, {0});
  r = nll(2);
  ExpectValues(r[0], {}, {19});
  ExpectValues(r[1], {}, {4});
  r = nll(1);
  ExpectValues(r[0], {}, {4.75});
  absl::StatusOr<std::vector<HostTensor>> v = Evaluate(
      "aten.nll_loss_forward.default", {Values(kF64, {3}, {-1, -2, -3}), Values(kI64, {}, {2})},
      {X(0), X(1), None(), I(1), I(-100)});
  ASSERT_TRUE(v.ok()) << v.status();
  ExpectValues((*v)[0], {}, {3});
  ExpectValues((*v)[1], {}, {1});
  // Every target ignored: the mean is 0 / 0.
  v = Evaluate("aten.nll_loss_forward.default", {x, Values(kI64, {3}, {1, 1, 1})},
               {X(0), X(1), None(), I(1), I(1)});
  ASSERT_TRUE(v.ok()) << v.status();
  ExpectValues((*v)[0], {}, {kNaN});
  v = Evaluate("aten.nll_loss_forward.default", {x, Values(kI64, {3}, {0, 3, 1})},
               {X(0), X(1), None(), I(1), I(-100)});
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.status().message().find("Target 3 is out of bounds"), std::string::npos)
      << v.status();

  v = Evaluate("aten.nll_loss_backward.default",
               {Values(kF64, {}, {1}), x, t, w, Values(kF64, {}, {4})},
               {X(0), X(1), X(2), X(3), I(1), I(1), X(4)});
  ASSERT_TRUE(v.ok()) << v.status();
  ExpectValues((*v)[0], {3, 3}, {-0.25, 0, 0, 0, 0, -0.75, 0, 0, 0});
  v = Evaluate("aten.nll_loss_backward.default",
               {Values(kF64, {3}, {1, 2, 3}), x, t, w, Values(kF64, {}, {0})},
               {X(0), X(1), X(2), X(3), I(0), I(1), X(4)});
  ASSERT_TRUE(v.ok()) << v.status();
  ExpectValues((*v)[0], {3, 3}, {-1, 0, 0, 0, 0, -6, 0, 0, 0});
}

TEST(NnTest, PointwiseLossKernels) {
  HostTensor x = Values(kF64, {2}, {1, 2}), t = Values(kF64, {2, 2}, {0, 0, 1, 1});
  absl::StatusOr<std::vector<HostTensor>> r =
      Evaluate("aten.mse_loss.default", {x, t}, {X(0), X(1), I(0)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectValues((*r)[0], {2, 2}, {1, 4, 0, 1});
  r = Evaluate("aten.mse_loss.default", {x, t}, {X(0), X(1)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectValues((*r)[0], {}, {1.5});
  // ATen normalizes the mean by self's own element count, even broadcast.
  r = Evaluate("aten.mse_loss_backward.default", {Values(kF64, {}, {1}), x, t},
               {X(0), X(1), X(2), I(1)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectValues((*r)[0], {2, 2}, {1, 2, 0, 1});

  HostTensor d = Values(kF64, {4}, {0, 0.5, 2, -3}), zero = Values(kF64, {}, {0});
  r = Evaluate("aten.smooth_l1_loss.default", {d, zero}, {X(0), X(1), I(0), F(1)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectValues((*r)[0], {4}, {0, 0.125, 1.5, 2.5});
  r = Evaluate("aten.smooth_l1_loss.default", {d, zero}, {X(0), X(1), I(1), F(1)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectValues((*r)[0], {}, {4.125 / 4});
  r = Evaluate("aten.smooth_l1_loss.default", {d, zero}, {X(0), X(1), I(2), F(0)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectValues((*r)[0], {}, {5.5});
  r = Evaluate("aten.smooth_l1_loss_backward.default", {Values(kF64, {}, {1}), d, zero},
               {X(0), X(1), X(2), I(2), F(1)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectValues((*r)[0], {4}, {0, 0.5, 1, -1});
  r = Evaluate("aten.smooth_l1_loss_backward.default", {Values(kF64, {}, {1}), d, zero},
               {X(0), X(1), X(2), I(1), F(0)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectValues((*r)[0], {4}, {0, 0.25, 0.25, -0.25});
}

TEST(NnTest, LossGradients) {
  ExpectGradients({
      {"aten.mse_loss.default", {{T(kF64, {3, 4}), T(kF64, {3, 4})}, {X(0), X(1)}}},
      {"aten.mse_loss.default",
       {{T(kF64, {3, 4}), T(kF64, {4})}, {X(0), X(1), I(1)}, {}, -2, 2, "broadcast target, mean"}},
      {"aten.mse_loss.default",
       {{Transposed(kF64, {3, 4}), T(kF64, {1, 4})},
        {X(0), X(1), I(0)},
        {},
        -2,
        2,
        "none, broadcast, non-contiguous"}},
      {"aten.mse_loss.default",
       {{T(kF64, {2}), T(kF64, {3, 2})}, {X(0), X(1), I(2)}, {}, -2, 2, "sum"}},
      {"aten.mse_loss_backward.default",
       {{T(kF64, {}), T(kF64, {3, 4}), T(kF64, {3, 4})},
        {X(0), X(1), X(2), I(1)},
        {},
        -2,
        2,
        "double backward, mean"}},
      {"aten.mse_loss_backward.default",
       {{T(kF64, {3, 4}), Transposed(kF64, {3, 4}), T(kF64, {4})},
        {X(0), X(1), X(2), I(0)},
        {},
        -2,
        2,
        "double backward, none"}},
      {"aten.smooth_l1_loss.default",
       {{T(kF64, {3, 4}), T(kF64, {3, 4})}, {X(0), X(1), I(1), F(0.5)}, {}, -2, 2, "beta 0.5"}},
      {"aten.smooth_l1_loss.default",
       {{Transposed(kF64, {3, 4}), T(kF64, {4})},
        {X(0), X(1), I(0)},
        {},
        -2,
        2,
        "none, broadcast, non-contiguous"}},
      {"aten.smooth_l1_loss.default",
       {{T(kF64, {5}), T(kF64, {5})}, {X(0), X(1), I(2), F(0)}, {}, -2, 2, "beta 0, sum"}},
      {"aten.smooth_l1_loss_backward.default",
       {{T(kF64, {}), T(kF64, {3, 4}), T(kF64, {3, 4})},
        {X(0), X(1), X(2), I(1), F(0.7)},
        {},
        -2,
        2,
        "double backward, mean"}},
      {"aten.smooth_l1_loss_backward.default",
       {{T(kF64, {3, 4}), T(kF64, {3, 4}), T(kF64, {3, 4})},
        {X(0), X(1), X(2), I(0), F(1.5)},
        {},
        -2,
        2,
        "double backward, none"}},
  });

  // nll_loss: the class scores take the gradient; weight and total_weight
  // do not (as in PyTorch). Targets are drawn from [0, high).
  ExpectGradients({
      {"aten.nll_loss_forward.default",
       {{T(kF64, {5, 4}), T(kI64, {5}), T(kF64, {4})},
        {X(0), X(1), X(2), I(1), I(1)},
        {},
        -2,
        4,
        "mean, weight, ignore_index",
        /*tangent_outputs=*/{0},
        /*no_grad_inputs=*/{2}}},
      {"aten.nll_loss_forward.default",
       {{Transposed(kF64, {5, 4}), T(kI64, {5})},
        {X(0), X(1), None(), I(0), I(-100)},
        {},
        -2,
        4,
        "none, non-contiguous",
        /*tangent_outputs=*/{0}}},
      {"aten.nll_loss_forward.default",
       {{T(kF64, {4}), T(kI64, {})},
        {X(0), X(1), None(), I(2), I(-100)},
        {},
        -2,
        4,
        "1-d, sum",
        /*tangent_outputs=*/{0}}},
      {"aten.nll_loss_backward.default",
       {{T(kF64, {}), T(kF64, {5, 4}), T(kI64, {5}), T(kF64, {4}), T(kF64, {})},
        {X(0), X(1), X(2), X(3), I(1), I(1), X(4)},
        {},
        1,
        4,
        "mean, weight, any total_weight",
        /*tangent_outputs=*/{0},
        /*no_grad_inputs=*/{3, 4}}},
      {"aten.nll_loss_backward.default",
       {{T(kF64, {5}), T(kF64, {5, 4}), T(kI64, {5}), T(kF64, {})},
        {X(0), X(1), X(2), None(), I(0), I(-100), X(3)},
        {},
        -2,
        4,
        "none",
        /*tangent_outputs=*/{0},
        /*no_grad_inputs=*/{3}}},
  });
}

}  // namespace
}  // namespace aotd::ops::testing
