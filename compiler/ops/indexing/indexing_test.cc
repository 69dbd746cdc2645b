// Indexing ops: inference, kernels and finite-difference gradients.
#include <cmath>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "compiler/ir/graph.h"
#include "compiler/ir/text.h"
#include "compiler/ops/testing/op_check.h"
#include "compiler/reference/host_tensor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace aotd::ops::testing {
namespace {

using ::testing::HasSubstr;

void ExpectType(const TensorType& t, DType dtype, const Dims& shape) {
  EXPECT_EQ(t.dtype, dtype) << ir::PrintType(t);
  EXPECT_EQ(t.shape, shape) << ir::PrintType(t);
}

void ExpectValues(const HostTensor& t, const Dims& shape, const std::vector<double>& expected) {
  ASSERT_EQ(t.shape, shape) << reference::DescribeTensor(t);
  ASSERT_EQ(t.data.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_NEAR(t.data[i], expected[i], 1e-9) << i;
}

// A sample whose integer tensors (indices) are drawn in [0, high).
Sample Indexed(std::vector<TensorType> tensors, std::vector<Argument> args, int64_t high,
               std::string note, Kwargs kwargs = {}) {
  Sample s{std::move(tensors), std::move(args), std::move(kwargs)};
  s.low = -2;
  s.high = static_cast<double>(high);
  s.note = std::move(note);
  return s;
}

// ---- gather and the scatters ----

TEST(IndexingTest, GatherScatterInference) {
  ExpectType(InferOne("aten.gather.default", {{T(kF32, {4, 5}), T(kI64, {3, 2})}, {X(0), I(-1), X(1)}}),
             kF32, {3, 2});
  ExpectType(InferOne("aten.scatter_add.default",
                      {{T(kF64, {4, 5}), T(kI64, {3, 2}), T(kF64, {3, 4})}, {X(0), I(0), X(1), X(2)}}),
             kF64, {4, 5});
  ExpectType(InferOne("aten.scatter.value", {{T(kI64, {4}), T(kI64, {2})}, {X(0), I(0), X(1), I(3)}}),
             kI64, {4});
  EXPECT_THAT(ErrorOf("aten.gather.default", {{T(kF32, {4, 5}), T(kI32, {3, 2})}, {X(0), I(1), X(1)}}),
              HasSubstr("expected index of dtype int64, got int32"));
  EXPECT_THAT(ErrorOf("aten.gather.default", {{T(kF32, {4, 5}), T(kI64, {5, 2})}, {X(0), I(1), X(1)}}),
              HasSubstr("index [5,2] is larger than self [4,5] apart from dimension 1"));
  EXPECT_THAT(ErrorOf("aten.gather.default", {{T(kF32, {4, 5}), T(kI64, {3})}, {X(0), I(1), X(1)}}),
              HasSubstr("as many dims as self"));
  EXPECT_THAT(ErrorOf("aten.gather.default", {{T(kF32, {4, 5}), T(kI64, {3, 2})}, {X(0), I(2), X(1)}}),
              HasSubstr("out of range"));
  EXPECT_THAT(ErrorOf("aten.scatter_add.default",
                      {{T(kF32, {4, 5}), T(kI64, {3, 2}), T(kF32, {2, 4})}, {X(0), I(0), X(1), X(2)}}),
              HasSubstr("larger than src"));
  EXPECT_THAT(ErrorOf("aten.scatter.src",
                      {{T(kF32, {4, 5}), T(kI64, {3, 2}), T(kF64, {3, 4})}, {X(0), I(0), X(1), X(2)}}),
              HasSubstr("same dtype"));
}

TEST(IndexingTest, GatherScatterKernels) {
  HostTensor x = Values(kF64, {2, 3}, {0, 1, 2, 3, 4, 5});
  HostTensor idx = Values(kI64, {2, 2}, {2, 0, 1, 1});
  ExpectValues(EvaluateOne("aten.gather.default", {x, idx}, {X(0), I(1), X(1)}), {2, 2}, {2, 0, 4, 4});
  ExpectValues(EvaluateOne("aten.gather.default", {x, Values(kI64, {1, 3}, {1, 0, 1})}, {X(0), I(0), X(1)}),
               {1, 3}, {3, 1, 5});
  HostTensor src = Values(kF64, {2, 2}, {10, 20, 30, 40});
  ExpectValues(EvaluateOne("aten.scatter_add.default", {x, idx, src}, {X(0), I(1), X(1), X(2)}),
               {2, 3}, {20, 1, 12, 3, 74, 5});
  ExpectValues(EvaluateOne("aten.scatter.src", {x, idx, src}, {X(0), I(1), X(1), X(2)}), {2, 3},
               {20, 1, 10, 3, 40, 5});
  ExpectValues(EvaluateOne("aten.scatter.value", {x, idx}, {X(0), I(-1), X(1), F(-1)}), {2, 3},
               {-1, 1, -1, 3, -1, 5});
  EXPECT_FALSE(Evaluate("aten.gather.default", {x, Values(kI64, {1, 1}, {3})}, {X(0), I(1), X(1)}).ok());
  EXPECT_FALSE(Evaluate("aten.scatter_add.default", {x, Values(kI64, {1, 1}, {-1}), src},
                        {X(0), I(1), X(1), X(2)})
                   .ok());
}

TEST(IndexingTest, GatherScatterGradients) {
  ExpectGradients({
      {"aten.gather.default",
       Indexed({T(kF64, {4, 5}), T(kI64, {3, 6})}, {X(0), I(1), X(1)}, 4, "repeated indices")},
      {"aten.gather.default",
       Indexed({Transposed(kF64, {4, 5}), T(kI64, {2, 5})}, {X(0), I(-2), X(1)}, 4,
               "non-contiguous, negative dim")},
      {"aten.scatter_add.default",
       Indexed({T(kF64, {4, 5}), T(kI64, {3, 3}), Transposed(kF64, {3, 4})},
               {X(0), I(0), X(1), X(2)}, 4, "non-contiguous src")},
      {"aten.scatter.src",
       Indexed({Transposed(kF64, {4, 5}), T(kI64, {3, 1}), T(kF64, {3, 4})},
               {X(0), I(-1), X(1), X(2)}, 5, "negative dim, one index per row")},
      {"aten.scatter.value",
       Indexed({T(kF64, {4, 5}), T(kI64, {3, 3})}, {X(0), I(1), X(1), F(2.5)}, 5, "value")},
  });
}

// ---- index_select, index_add, index_copy ----

TEST(IndexingTest, IndexAlongDimInference) {
  ExpectType(InferOne("aten.index_select.default", {{T(kF32, {4, 5}), T(kI32, {7})}, {X(0), I(-1), X(1)}}),
             kF32, {4, 7});
  ExpectType(InferOne("aten.index_select.default", {{T(kI64, {4}), T(kI64, {})}, {X(0), I(0), X(1)}}),
             kI64, {1});
  ExpectType(InferOne("aten.index_add.default",
                      {{T(kF32, {4, 5}), T(kI64, {3}), T(kF32, {4, 3})}, {X(0), I(1), X(1), X(2)}}),
             kF32, {4, 5});
  EXPECT_THAT(ErrorOf("aten.index_select.default", {{T(kF32, {4, 5}), T(kF32, {2})}, {X(0), I(0), X(1)}}),
              HasSubstr("expected index of dtype int64 or int32, got float32"));
  EXPECT_THAT(ErrorOf("aten.index_select.default", {{T(kF32, {4, 5}), T(kI64, {2, 2})}, {X(0), I(0), X(1)}}),
              HasSubstr("at most 1-d"));
  EXPECT_THAT(ErrorOf("aten.index_add.default",
                      {{T(kF32, {4, 5}), T(kI64, {3}), T(kF32, {3, 4})}, {X(0), I(1), X(1), X(2)}}),
              HasSubstr("source [3,4] must match self [4,5] except in dimension 1"));
  EXPECT_THAT(ErrorOf("aten.index_add.default", {{T(kI64, {4}), T(kI64, {3}), T(kI64, {3})},
                                                 {X(0), I(0), X(1), X(2)},
                                                 {{"alpha", F(0.5)}}}),
              HasSubstr("alpha must be an integer"));
}

TEST(IndexingTest, IndexAlongDimKernels) {
  HostTensor x = Values(kF64, {2, 3}, {0, 1, 2, 3, 4, 5});
  HostTensor idx = Values(kI32, {3}, {2, 0, 2});
  ExpectValues(EvaluateOne("aten.index_select.default", {x, idx}, {X(0), I(1), X(1)}), {2, 3},
               {2, 0, 2, 5, 3, 5});
  HostTensor src = Values(kF64, {2, 3}, {1, 2, 3, 4, 5, 6});
  ExpectValues(EvaluateOne("aten.index_add.default", {x, idx, src}, {X(0), I(1), X(1), X(2)},
                           {{"alpha", I(2)}}),
               {2, 3}, {4, 1, 10, 13, 4, 25});
  ExpectValues(EvaluateOne("aten.index_copy.default", {x, idx, src}, {X(0), I(1), X(1), X(2)}),
               {2, 3}, {2, 1, 3, 5, 4, 6});
  EXPECT_FALSE(Evaluate("aten.index_select.default", {x, Values(kI64, {1}, {-1})}, {X(0), I(0), X(1)}).ok());
  EXPECT_FALSE(Evaluate("aten.index_add.default", {x, Values(kI64, {1}, {3}), Values(kF64, {2, 1}, {1, 1})},
                        {X(0), I(1), X(1), X(2)})
                   .ok());
}

TEST(IndexingTest, IndexAlongDimGradients) {
  ExpectGradients({
      {"aten.index_select.default",
       Indexed({T(kF64, {4, 5}), T(kI64, {6})}, {X(0), I(0), X(1)}, 4, "repeated indices")},
      {"aten.index_select.default",
       Indexed({Transposed(kF64, {3, 4, 5}), T(kI32, {3})}, {X(0), I(-2), X(1)}, 4,
               "non-contiguous, int32, negative dim")},
      {"aten.index_add.default",
       Indexed({T(kF64, {4, 5}), T(kI64, {6}), Transposed(kF64, {4, 6})}, {X(0), I(1), X(1), X(2)},
               5, "alpha", {{"alpha", F(-1.5)}})},
      {"aten.index_copy.default",
       Indexed({T(kF64, {5, 3}), T(kI64, {1}), T(kF64, {1, 3})}, {X(0), I(0), X(1), X(2)}, 5,
               "one index")},
  });
}

// ---- index.Tensor and index_put ----

Argument Items(std::vector<Argument> items) { return Argument::List(std::move(items)); }

TEST(IndexingTest, AdvancedIndexingInference) {
  ExpectType(InferOne("aten.index.Tensor",
                      {{T(kF32, {5, 4, 6, 7}), T(kI64, {2, 1}), T(kI32, {3})},
                       {X(0), Items({None(), X(1), X(2)})}}),
             kF32, {5, 2, 3, 7});
  ExpectType(InferOne("aten.index.Tensor",
                      {{T(kF32, {5, 4, 6, 7}), T(kI64, {2, 1}), T(kI64, {3})},
                       {X(0), Items({X(1), None(), X(2)})}}),
             kF32, {2, 3, 4, 7});
  ExpectType(InferOne("aten.index_put.default",
                      {{T(kF32, {3, 4}), T(kBool, {3, 4}), T(kF32, {})},
                       {X(0), Items({X(1)}), X(2)}}),
             kF32, {3, 4});
  EXPECT_THAT(ErrorOf("aten.index.Tensor", {{T(kF32, {3, 4}), T(kF32, {2})}, {X(0), Items({X(1)})}}),
              HasSubstr("tensors used as indices must be int64, int32, bool or uint8, got float32"));
  EXPECT_THAT(ErrorOf("aten.index.Tensor", {{T(kF32, {3, 4}), T(kBool, {3})}, {X(0), Items({X(1)})}}),
              HasSubstr("depends on the mask's values"));
  EXPECT_THAT(ErrorOf("aten.index.Tensor",
                      {{T(kF32, {3}), T(kI64, {2})}, {X(0), Items({X(1), X(1)})}}),
              HasSubstr("too many indices for a tensor of dimension 1"));
  EXPECT_THAT(ErrorOf("aten.index.Tensor",
                      {{T(kF32, {3, 4}), T(kI64, {2}), T(kI64, {3})}, {X(0), Items({X(1), X(2)})}}),
              HasSubstr("[2]"));
  EXPECT_THAT(ErrorOf("aten.index_put.default",
                      {{T(kF32, {3, 4}), T(kBool, {3, 5}), T(kF32, {})}, {X(0), Items({X(1)}), X(2)}}),
              HasSubstr("does not match the shape of the indexed tensor"));
  EXPECT_THAT(ErrorOf("aten.index_put.default",
                      {{T(kF32, {3, 4}), T(kI64, {2}), T(kF32, {3, 4})}, {X(0), Items({X(1)}), X(2)}}),
              HasSubstr("do not broadcast to the indexed shape [2,4]"));
}

TEST(IndexingTest, AdvancedIndexingKernels) {
  HostTensor x = Values(kF64, {2, 3}, {0, 1, 2, 3, 4, 5});
  ExpectValues(EvaluateOne("aten.index.Tensor", {x, Values(kI64, {2}, {-1, 0})}, {X(0), Items({X(1)})}),
               {2, 3}, {3, 4, 5, 0, 1, 2});
  ExpectValues(EvaluateOne("aten.index.Tensor", {x, Values(kI32, {2, 1}, {2, 0})},
                           {X(0), Items({None(), X(1)})}),
               {2, 2, 1}, {2, 0, 5, 3});
  HostTensor y = Values(kF64, {2, 3, 2}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
  HostTensor ij = Values(kI64, {2}, {1, 0});
  ExpectValues(EvaluateOne("aten.index.Tensor", {y, ij}, {X(0), Items({X(1), None(), X(1)})}), {2, 3},
               {7, 9, 11, 0, 2, 4});
  EXPECT_FALSE(Evaluate("aten.index.Tensor", {x, Values(kI64, {1}, {-3})}, {X(0), Items({X(1)})}).ok());
  EXPECT_FALSE(Evaluate("aten.index.Tensor", {x, Values(kI64, {1}, {2})}, {X(0), Items({X(1)})}).ok());

  HostTensor idx = Values(kI64, {3}, {1, 1, 0});
  HostTensor v = Values(kF64, {3, 1}, {10, 20, 30});
  ExpectValues(EvaluateOne("aten.index_put.default", {x, idx, v}, {X(0), Items({X(1)}), X(2), B(true)}),
               {2, 3}, {30, 31, 32, 33, 34, 35});
  ExpectValues(EvaluateOne("aten.index_put.default", {x, idx, v}, {X(0), Items({X(1)}), X(2)}), {2, 3},
               {30, 30, 30, 20, 20, 20});
  HostTensor mask = Values(kBool, {3}, {1, 0, 1});
  ExpectValues(EvaluateOne("aten.index_put.default", {x, mask, Values(kF64, {}, {-1})},
                           {X(0), Items({None(), X(1)}), X(2)}),
               {2, 3}, {-1, 1, -1, -1, 4, -1});
  ExpectValues(EvaluateOne("aten.index_put.default", {x, mask, Values(kF64, {2, 1}, {1, 2})},
                           {X(0), Items({None(), X(1)}), X(2), B(true)}),
               {2, 3}, {1, 1, 3, 5, 4, 7});
}

TEST(IndexingTest, AdvancedIndexingGradients) {
  ExpectGradients({
      {"aten.index.Tensor",
       Indexed({T(kF64, {4, 5}), T(kI64, {2, 3})}, {X(0), Items({X(1)})}, 4, "first dim, repeats")},
      {"aten.index.Tensor",
       Indexed({Transposed(kF64, {3, 4, 5}), T(kI64, {2, 1}), T(kI32, {3})},
               {X(0), Items({None(), X(1), X(2)})}, 3, "adjacent, broadcast, non-contiguous")},
      {"aten.index.Tensor",
       Indexed({T(kF64, {3, 4, 5}), T(kI64, {2}), T(kI64, {2})}, {X(0), Items({X(1), None(), X(2)})},
               3, "non-adjacent")},
      {"aten.index_put.default",
       Indexed({T(kF64, {4, 5}), T(kI64, {3}), T(kF64, {5})}, {X(0), Items({X(1)}), X(2), B(true)}, 4,
               "accumulate, broadcast values")},
      {"aten.index_put.default",
       Indexed({Transposed(kF64, {3, 4, 5}), T(kI64, {2}), T(kI64, {2}), T(kF64, {2, 4})},
               {X(0), Items({X(1), None(), X(2)}), X(3), B(true)}, 3, "non-adjacent, accumulate")},
      {"aten.index_put.default",
       Indexed({T(kF64, {4, 5}), T(kI64, {1}), T(kF64, {1, 5})}, {X(0), Items({X(1)}), X(2)}, 4,
               "overwrite")},
      {"aten.index_put.default",
       Indexed({T(kF64, {2, 3, 4}), T(kBool, {3, 4}), T(kF64, {2, 1})},
               {X(0), Items({None(), X(1)}), X(2)}, 2, "mask")},
      {"aten.index_put.default",
       Indexed({T(kF64, {3, 4}), T(kBool, {3, 4}), T(kF64, {})}, {X(0), Items({X(1)}), X(2), B(true)},
               2, "mask, accumulate")},
  });
}

// ---- cumsum, flip, topk ----

TEST(IndexingTest, AlongDimInferenceAndKernels) {
  ExpectType(InferOne("aten.cumsum.default", {{T(kI32, {3, 4})}, {X(0), I(-1)}}), kI64, {3, 4});
  ExpectType(InferOne("aten.cumsum.default", {{T(kBool, {3})}, {X(0), I(0)}, WithDType(kF64)}), kF64, {3});
  ExpectType(InferOne("aten.flip.default", {{T(kF32, {3, 4})}, {X(0), L({0, -1})}}), kF32, {3, 4});
  absl::StatusOr<std::vector<TensorType>> r =
      Infer("aten.topk.default", {{T(kF32, {3, 5})}, {X(0), I(2), I(0)}});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF32, {2, 5});
  ExpectType((*r)[1], kI64, {2, 5});
  EXPECT_THAT(ErrorOf("aten.topk.default", {{T(kF32, {3, 5})}, {X(0), I(6)}}),
              HasSubstr("k 6 is out of range for dimension 1 of size 5"));
  EXPECT_THAT(ErrorOf("aten.cumsum.default", {{T(kF32, {3, 5})}, {X(0), I(2)}}), HasSubstr("out of range"));
  EXPECT_THAT(ErrorOf("aten.flip.default", {{T(kF32, {3, 5})}, {X(0), L({1, -1})}}), HasSubstr("appears twice"));

  HostTensor x = Values(kF64, {2, 3}, {1, 2, 3, 4, 5, 6});
  ExpectValues(EvaluateOne("aten.cumsum.default", {x}, {X(0), I(1)}), {2, 3}, {1, 3, 6, 4, 9, 15});
  ExpectValues(EvaluateOne("aten.cumsum.default", {x}, {X(0), I(-2)}), {2, 3}, {1, 2, 3, 5, 7, 9});
  ExpectValues(EvaluateOne("aten.flip.default", {x}, {X(0), L({0, 1})}), {2, 3}, {6, 5, 4, 3, 2, 1});
  HostTensor y = Values(kF64, {5}, {3, kNaN, 1, 3, 7});
  absl::StatusOr<std::vector<HostTensor>> t = Evaluate("aten.topk.default", {y}, {X(0), I(3)});
  ASSERT_TRUE(t.ok()) << t.status();
  ExpectValues((*t)[1], {3}, {1, 4, 0});
  t = Evaluate("aten.topk.default", {y}, {X(0), I(2), I(0), B(false)});
  ASSERT_TRUE(t.ok()) << t.status();
  ExpectValues((*t)[0], {2}, {1, 3});
  ExpectValues((*t)[1], {2}, {2, 0});
}

TEST(IndexingTest, AlongDimGradients) {
  ExpectGradients({
      {"aten.cumsum.default", {{Transposed(kF64, {3, 4})}, {X(0), I(1)}}},
      {"aten.cumsum.default", {{T(kF64, {3, 4, 2})}, {X(0), I(-3)}, WithDType(kF64)}},
      {"aten.cumsum.default", {{T(kF64, {})}, {X(0), I(0)}}},
      {"aten.flip.default", {{Transposed(kF64, {3, 4})}, {X(0), L({0, -1})}}},
      {"aten.topk.default", {{T(kF64, {4, 5})}, {X(0), I(3)}, {}, -2, 2, "largest", {0}}},
      {"aten.topk.default",
       {{Transposed(kF64, {4, 5})}, {X(0), I(2), I(0), B(false)}, {}, -2, 2, "smallest", {0}}},
  });
}

}  // namespace
}  // namespace aotd::ops::testing
