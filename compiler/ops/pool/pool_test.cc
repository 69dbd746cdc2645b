// Pooling: inference, kernels and finite-difference gradients.
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

TEST(NnTest, PoolingInference) {
  // The c_cnn workload: stride defaults to the kernel size.
  absl::StatusOr<std::vector<TensorType>> r =
      Infer("aten.max_pool2d_with_indices.default", {{T(kF32, {2, 4, 8, 8})}, {X(0), L({2, 2})}});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF32, {2, 4, 4, 4});
  ExpectType((*r)[1], kI64, {2, 4, 4, 4});
  // ceil_mode: (5 + 2 - 3 + 1) / 2 + 1 = 3 windows; 3-d input.
  r = Infer("aten.max_pool2d_with_indices.default",
            {{T(kF32, {3, 5, 6})}, {X(0), L({3, 3}), L({2, 2}), L({1, 1}), L({1, 1}), B(true)}});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF32, {3, 3, 4});
  // The last window would start in the right padding: dropped.
  r = Infer("aten.avg_pool2d.default",
            {{T(kF32, {1, 1, 5, 5})}, {X(0), L({2, 2}), L({3, 3}), L({1, 1}), B(true)}});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF32, {1, 1, 2, 2});
  r = Infer("aten._adaptive_avg_pool2d.default", {{T(kF32, {2, 3, 7, 5})}, {X(0), L({3, 2})}});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF32, {2, 3, 3, 2});

  EXPECT_THAT(ErrorOf("aten.max_pool2d_with_indices.default",
                      {{T(kF32, {2, 4, 8, 8})}, {X(0), L({2, 2}), L({}), L({2, 2})}}),
              HasSubstr("pad should be"));
  EXPECT_THAT(
      ErrorOf("aten.max_pool2d_with_indices.default", {{T(kF32, {2, 4, 2, 2})}, {X(0), L({3, 3})}}),
      HasSubstr("Output size is too small"));
  EXPECT_THAT(
      ErrorOf("aten.max_pool2d_with_indices.default", {{T(kF32, {8, 8})}, {X(0), L({2, 2})}}),
      HasSubstr("got input of size [8,8]"));
  EXPECT_THAT(
      ErrorOf("aten.max_pool2d_with_indices.default", {{T(kI64, {1, 8, 8})}, {X(0), L({2, 2})}}),
      HasSubstr("must be floating point"));
  EXPECT_THAT(ErrorOf("aten.avg_pool2d.default",
                      {{T(kF32, {1, 1, 4, 4})},
                       {X(0), L({2, 2}), L({}), L({0, 0}), B(false), B(true), I(0)}}),
              HasSubstr("divisor must be not zero"));
  EXPECT_THAT(
      ErrorOf("aten.avg_pool2d.default", {{T(kF32, {1, 1, 4, 4})}, {X(0), L({2, 2}), L({0, 1})}}),
      HasSubstr("stride should be greater than zero"));
  EXPECT_THAT(ErrorOf("aten.max_pool2d_with_indices_backward.default",
                      {{T(kF32, {1, 1, 3, 3}), T(kF32, {1, 1, 4, 4}), T(kI64, {1, 1, 2, 2})},
                       {X(0), X(1), L({2, 2}), L({}), L({0, 0}), L({1, 1}), B(false), X(2)}}),
              HasSubstr("grad_output of size [1,1,3,3] does not match the size [1,1,2,2]"));
  EXPECT_THAT(
      ErrorOf("aten._adaptive_avg_pool2d.default", {{T(kF32, {2, 0, 7, 5})}, {X(0), L({3, 2})}}),
      HasSubstr("got input of size [2,0,7,5]"));
}

TEST(NnTest, MaxPoolKernel) {
  HostTensor x = Values(kF64, {1, 1, 3, 3}, {1, 5, 2, 7, 3, 9, 4, 8, 6});
  auto pool = [&](const HostTensor& in, std::vector<Argument> args) {
    absl::StatusOr<std::vector<HostTensor>> r =
        Evaluate("aten.max_pool2d_with_indices.default", {in}, args);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : std::vector<HostTensor>(2);
  };
  std::vector<HostTensor> r = pool(x, {X(0), L({2, 2})});
  ExpectValues(r[0], {1, 1, 1, 1}, {7});
  ExpectValues(r[1], {1, 1, 1, 1}, {3});
  // ceil_mode keeps the clipped windows on the right and bottom.
  r = pool(x, {X(0), L({2, 2}), L({}), L({0, 0}), L({1, 1}), B(true)});
  ExpectValues(r[0], {1, 1, 2, 2}, {7, 9, 8, 6});
  ExpectValues(r[1], {1, 1, 2, 2}, {3, 5, 7, 8});
  // Padding never wins; indices are into the unpadded plane.
  r = pool(x, {X(0), L({3, 3}), L({2, 2}), L({1, 1})});
  ExpectValues(r[0], {1, 1, 2, 2}, {7, 9, 8, 9});
  ExpectValues(r[1], {1, 1, 2, 2}, {3, 5, 7, 5});
  r = pool(x, {X(0), L({2, 2}), L({1, 1}), L({0, 0}), L({2, 2})});
  ExpectValues(r[0], {1, 1, 1, 1}, {6});  // Taps at the four corners.
  ExpectValues(r[1], {1, 1, 1, 1}, {8});
  r = pool(Values(kF64, {1, 2, 2}, {1, kNaN, 3, 2}), {X(0), L({2, 2})});
  ExpectValues(r[0], {1, 1, 1}, {kNaN});
  ExpectValues(r[1], {1, 1, 1}, {1});

  absl::StatusOr<std::vector<HostTensor>> g = Evaluate(
      "aten.max_pool2d_with_indices_backward.default",
      {Values(kF64, {1, 1, 2, 2}, {1, 2, 3, 4}), x, Values(kI64, {1, 1, 2, 2}, {3, 5, 7, 5})},
      {X(0), X(1), L({3, 3}), L({2, 2}), L({1, 1}), L({1, 1}), B(false), X(2)});
  ASSERT_TRUE(g.ok()) << g.status();
  ExpectValues((*g)[0], {1, 1, 3, 3}, {0, 0, 0, 1, 0, 2 + 4, 0, 3, 0});
}

TEST(NnTest, AvgPoolKernel) {
  HostTensor x = Values(kF64, {1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  auto pool = [&](const HostTensor& in, std::vector<Argument> args) {
    absl::StatusOr<std::vector<HostTensor>> r = Evaluate("aten.avg_pool2d.default", {in}, args);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? (*r)[0] : HostTensor();
  };
  ExpectValues(pool(x, {X(0), L({2, 2}), L({2, 2}), L({1, 1})}), {1, 1, 2, 2},
               {0.25, 1.25, 2.75, 7});
  ExpectValues(pool(x, {X(0), L({2, 2}), L({2, 2}), L({1, 1}), B(false), B(false)}), {1, 1, 2, 2},
               {1, 2.5, 5.5, 7});
  ExpectValues(pool(x, {X(0), L({2, 2}), L({2, 2}), L({1, 1}), B(false), B(true), I(3)}),
               {1, 1, 2, 2}, {1.0 / 3, 5.0 / 3, 11.0 / 3, 28.0 / 3});
  // ceil_mode windows past the input divide by their clipped size.
  ExpectValues(pool(x, {X(0), L({2, 2}), L({}), L({0, 0}), B(true)}), {1, 1, 2, 2},
               {3, 4.5, 7.5, 9});
  // Integer pooling truncates: 13 / 4.
  ExpectValues(pool(Values(kI64, {1, 2, 2}, {1, 2, 4, 6}), {X(0), L({2, 2})}), {1, 1, 1}, {3});

  absl::StatusOr<std::vector<HostTensor>> g =
      Evaluate("aten.avg_pool2d_backward.default", {Values(kF64, {1, 1, 2, 2}, {1, 1, 1, 1}), x},
               {X(0), X(1), L({2, 2}), L({2, 2}), L({1, 1}), B(false), B(false), None()});
  ASSERT_TRUE(g.ok()) << g.status();
  ExpectValues((*g)[0], {1, 1, 3, 3}, {1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.5, 0.25, 0.25});

  // Adaptive windows overlap: [0, 2) and [1, 3).
  absl::StatusOr<std::vector<HostTensor>> a =
      Evaluate("aten._adaptive_avg_pool2d.default", {Values(kF64, {1, 1, 1, 3}, {1, 2, 4})},
               {X(0), L({1, 2})});
  ASSERT_TRUE(a.ok()) << a.status();
  ExpectValues((*a)[0], {1, 1, 1, 2}, {1.5, 3});
  a = Evaluate("aten._adaptive_avg_pool2d_backward.default",
               {Values(kF64, {1, 1, 1, 2}, {1, 1}), Values(kF64, {1, 1, 1, 3}, {1, 2, 4})},
               {X(0), X(1)});
  ASSERT_TRUE(a.ok()) << a.status();
  ExpectValues((*a)[0], {1, 1, 1, 3}, {0.5, 1, 0.5});
}

TEST(NnTest, PoolingGradients) {
  ExpectGradients({
      {"aten.max_pool2d_with_indices.default",
       {{T(kF64, {2, 2, 5, 5})},
        {X(0), L({3, 3}), L({2, 2}), L({1, 1}), L({1, 1}), B(true)},
        {},
        -2,
        2,
        "padding, ceil_mode"}},
      {"aten.max_pool2d_with_indices.default",
       {{Transposed(kF64, {2, 6, 5})},
        {X(0), L({2, 2}), L({}), L({0, 0}), L({2, 1})},
        {},
        -2,
        2,
        "3-d, dilation, non-contiguous"}},
      {"aten.max_pool2d_with_indices_backward.default",
       {{T(kF64, {2, 2, 3, 3}), T(kF64, {2, 2, 4, 5}), T(kI64, {2, 2, 3, 3})},
        {X(0), X(1), L({2, 2}), L({}), L({1, 1}), L({1, 1}), B(false), X(2)},
        {},
        -2,
        20,
        "double backward (any indices in the plane)"}},
      {"aten.max_pool2d_with_indices_backward.default",
       {{T(kF64, {3, 1, 2}), T(kF64, {3, 3, 5}), T(kI64, {3, 1, 2})},
        {X(0), X(1), L({3, 3}), L({2, 2}), L({0, 0}), L({1, 1}), B(false), X(2)},
        {},
        -2,
        15,
        "double backward, 3-d"}},
      {"aten.avg_pool2d.default",
       {{T(kF64, {2, 2, 5, 5})},
        {X(0), L({3, 3}), L({2, 2}), L({1, 1}), B(true), B(false)},
        {},
        -2,
        2,
        "padding, ceil_mode, count_include_pad=False"}},
      {"aten.avg_pool2d.default",
       {{Transposed(kF64, {2, 4, 5})},
        {X(0), L({2, 3}), L({1, 2}), L({1, 1}), B(false), B(true), I(5)},
        {},
        -2,
        2,
        "divisor_override, non-contiguous"}},
      {"aten.avg_pool2d_backward.default",
       {{T(kF64, {1, 2, 3, 3}), T(kF64, {1, 2, 5, 5})},
        {X(0), X(1), L({3, 3}), L({2, 2}), L({1, 1}), B(true), B(false), None()},
        {},
        -2,
        2,
        "double backward"}},
      {"aten._adaptive_avg_pool2d.default", {{T(kF64, {2, 2, 5, 7})}, {X(0), L({3, 4})}}},
      {"aten._adaptive_avg_pool2d.default",
       {{Transposed(kF64, {3, 4, 4})}, {X(0), L({1, 1})}, {}, -2, 2, "global, non-contiguous"}},
      {"aten._adaptive_avg_pool2d_backward.default",
       {{T(kF64, {2, 2, 3, 4}), T(kF64, {2, 2, 5, 7})},
        {X(0), X(1)},
        {},
        -2,
        2,
        "double backward"}},
  });
}

}  // namespace
}  // namespace aotd::ops::testing
