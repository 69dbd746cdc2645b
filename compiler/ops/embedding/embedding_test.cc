// Embedding: inference, kernels and finite-difference gradients.
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

TEST(NnTest, EmbeddingInferenceAndKernels) {
  absl::StatusOr<std::vector<TensorType>> r =
      Infer("aten.embedding.default", {{T(kF32, {10, 3}), T(kI64, {2, 4})}, {X(0), X(1)}});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF32, {2, 4, 3});
  r = Infer("aten.embedding_dense_backward.default",
            {{T(kF32, {2, 4, 3}), T(kI64, {2, 4})}, {X(0), X(1), I(10), I(-1), B(false)}});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF32, {10, 3});
  EXPECT_THAT(ErrorOf("aten.embedding.default", {{T(kF32, {10}), T(kI64, {2})}, {X(0), X(1)}}),
              HasSubstr("'weight' must be 2-D, got weight of size [10]"));
  EXPECT_THAT(ErrorOf("aten.embedding.default", {{T(kF32, {10, 3}), T(kF32, {2})}, {X(0), X(1)}}),
              HasSubstr("int64 or int32"));
  EXPECT_THAT(
      ErrorOf("aten.embedding_dense_backward.default",
              {{T(kF32, {2, 3, 3}), T(kI64, {2, 4})}, {X(0), X(1), I(10), I(-1), B(false)}}),
      HasSubstr("[2,3,3]"));

  HostTensor w = Values(kF64, {3, 2}, {0, 1, 2, 3, 4, 5});
  HostTensor idx = Values(kI64, {2, 2}, {2, 0, 1, 2});
  absl::StatusOr<std::vector<HostTensor>> v =
      Evaluate("aten.embedding.default", {w, idx}, {X(0), X(1)});
  ASSERT_TRUE(v.ok()) << v.status();
  ExpectValues((*v)[0], {2, 2, 2}, {4, 5, 0, 1, 2, 3, 4, 5});
  v = Evaluate("aten.embedding.default", {w, Values(kI64, {1}, {3})}, {X(0), X(1)});
  EXPECT_FALSE(v.ok());

  HostTensor g = Values(kF64, {2, 2, 2}, {1, 1, 2, 2, 3, 3, 4, 4});
  auto backward = [&](int64_t padding_idx, bool scale) {
    absl::StatusOr<std::vector<HostTensor>> r =
        Evaluate("aten.embedding_dense_backward.default", {g, idx},
                 {X(0), X(1), I(3), I(padding_idx), B(scale)});
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? (*r)[0] : HostTensor();
  };
  ExpectValues(backward(-1, false), {3, 2}, {2, 2, 3, 3, 5, 5});
  ExpectValues(backward(-1, true), {3, 2}, {2, 2, 3, 3, 2.5, 2.5});
  ExpectValues(backward(0, false), {3, 2}, {0, 0, 3, 3, 5, 5});
}

TEST(NnTest, EmbeddingGradients) {
  ExpectGradients({
      {"aten.embedding.default",
       {{T(kF64, {5, 3}), T(kI64, {2, 4})}, {X(0), X(1)}, {}, -2, 5, "repeated indices"}},
      {"aten.embedding.default",
       {{Transposed(kF64, {5, 3}), T(kI64, {6})}, {X(0), X(1)}, {}, -2, 5, "non-contiguous"}},
      {"aten.embedding_dense_backward.default",
       {{T(kF64, {2, 4, 3}), T(kI64, {2, 4})},
        {X(0), X(1), I(5), I(-1), B(false)},
        {},
        -2,
        5,
        "double backward"}},
      {"aten.embedding_dense_backward.default",
       {{T(kF64, {8, 3}), T(kI64, {2, 4})},
        {X(0), X(1), I(5), I(2), B(true)},
        {},
        -2,
        5,
        "double backward, padding_idx, scale_grad_by_freq"}},
  });
}

}  // namespace
}  // namespace aotd::ops::testing
