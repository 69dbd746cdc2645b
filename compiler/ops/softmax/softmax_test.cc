// Softmax: inference, kernels and finite-difference gradients.
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

TEST(NnTest, SoftmaxInferenceAndKernels) {
  absl::StatusOr<std::vector<TensorType>> r =
      Infer("aten._softmax.default", {{T(kF32, {8, 8, 8})}, {X(0), I(-1), B(false)}});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF32, {8, 8, 8});
  r = Infer("aten._log_softmax_backward_data.default",
            {{T(kF32, {8, 10}), T(kF32, {8, 10})}, {X(0), X(1), I(1), D(kF32)}});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF32, {8, 10});
  EXPECT_THAT(ErrorOf("aten._softmax.default", {{T(kF32, {8, 8})}, {X(0), I(2), B(false)}}),
              HasSubstr("dim 2 out of range for a tensor of rank 2"));
  EXPECT_THAT(ErrorOf("aten._softmax.default", {{T(kF32, {8, 8})}, {X(0), I(1), B(true)}}),
              HasSubstr("half to float"));
  EXPECT_THAT(ErrorOf("aten._log_softmax.default", {{T(kI64, {8, 8})}, {X(0), I(1), B(false)}}),
              HasSubstr("must be floating point"));
  EXPECT_THAT(ErrorOf("aten._softmax_backward_data.default",
                      {{T(kF32, {8, 8}), T(kF32, {8, 4})}, {X(0), X(1), I(1), D(kF32)}}),
              HasSubstr("grad_output of size [8,8] does not match output of size [8,4]"));

  const double ln3 = std::log(3.0);
  HostTensor x = Values(kF64, {2, 2}, {0, ln3, ln3, 0});
  absl::StatusOr<std::vector<HostTensor>> v =
      Evaluate("aten._softmax.default", {x}, {X(0), I(0), B(false)});
  ASSERT_TRUE(v.ok()) << v.status();
  ExpectValues((*v)[0], {2, 2}, {0.25, 0.75, 0.75, 0.25});
  v = Evaluate("aten._log_softmax.default", {x}, {X(0), I(-1), B(false)});
  ASSERT_TRUE(v.ok()) << v.status();
  ExpectValues((*v)[0], {2, 2}, {std::log(0.25), std::log(0.75), std::log(0.75), std::log(0.25)});

  HostTensor g = Values(kF64, {2}, {1, 0});
  v = Evaluate("aten._softmax_backward_data.default", {g, Values(kF64, {2}, {0.25, 0.75})},
               {X(0), X(1), I(0), D(kF64)});
  ASSERT_TRUE(v.ok()) << v.status();
  ExpectValues((*v)[0], {2}, {0.1875, -0.1875});
  v = Evaluate("aten._log_softmax_backward_data.default",
               {g, Values(kF64, {2}, {std::log(0.25), std::log(0.75)})},
               {X(0), X(1), I(0), D(kF64)});
  ASSERT_TRUE(v.ok()) << v.status();
  ExpectValues((*v)[0], {2}, {0.75, -0.75});
}

TEST(NnTest, SoftmaxGradients) {
  Argument f64 = D(kF64);
  ExpectGradients({
      {"aten._softmax.default", {{T(kF64, {3, 4})}, {X(0), I(-1), B(false)}}},
      {"aten._softmax.default",
       {{Transposed(kF64, {2, 3, 4})}, {X(0), I(1), B(false)}, {}, -2, 2, "dim 1, non-contiguous"}},
      {"aten._log_softmax.default", {{T(kF64, {3, 4})}, {X(0), I(1), B(false)}}},
      {"aten._log_softmax.default",
       {{Transposed(kF64, {2, 3, 4})},
        {X(0), I(-3), B(false)},
        {},
        -2,
        2,
        "dim -3, non-contiguous"}},
      {"aten._softmax_backward_data.default",
       {{T(kF64, {3, 4}), T(kF64, {3, 4})},
        {X(0), X(1), I(-1), f64},
        {},
        -2,
        2,
        "double backward"}},
      {"aten._log_softmax_backward_data.default",
       {{T(kF64, {3, 4}), Transposed(kF64, {3, 4})},
        {X(0), X(1), I(0), f64},
        {},
        -2,
        2,
        "double backward"}},
  });
}

}  // namespace
}  // namespace aotd::ops::testing
