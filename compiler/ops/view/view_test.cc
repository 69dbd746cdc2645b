// Views: strides as PyTorch computes them, kernels, gradients.
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "compiler/ir/graph.h"
#include "compiler/ops/testing/op_check.h"
#include "compiler/passes/autograd.h"
#include "compiler/reference/host_tensor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace aotd::ops::testing {
namespace {

using ::testing::HasSubstr;

TEST(ShapeTest, ViewStridesFollowComputeStride) {
  // A transposed [4,6] (strides [1,6]) viewed as [6,2,2]: PyTorch gives
  // strides (1, 12, 6).
  TensorType t =
      InferOne("aten.view.default", {{Strided(kF32, {6, 4}, {1, 6})}, {X(0), L({6, 2, 2})}});
  EXPECT_EQ(t.shape, (Dims{6, 2, 2}));
  EXPECT_EQ(t.strides, (Dims{1, 12, 6}));
  // -1 is inferred; size-1 dims get the stride PyTorch gives them.
  t = InferOne("aten.view.default", {{T(kF32, {2, 3})}, {X(0), L({-1, 1, 3})}});
  EXPECT_EQ(t.shape, (Dims{2, 1, 3}));
  EXPECT_EQ(t.strides, (Dims{3, 3, 1}));
  // A slice's rows stay apart: [4,3] with strides [6,2] viewed as [2,2,3].
  t = InferOne("aten.view.default", {{Strided(kF32, {4, 3}, {6, 2})}, {X(0), L({2, 2, 3})}});
  EXPECT_EQ(t.strides, (Dims{12, 6, 2}));
  // 0-dim input.
  t = InferOne("aten.view.default", {{T(kF32, {})}, {X(0), L({1, 1})}});
  EXPECT_EQ(t.strides, (Dims{1, 1}));
  // From the transformer workload.
  t = InferOne("aten._unsafe_view.default", {{T(kF32, {128, 8, 256})}, {X(0), L({1024, 256})}});
  EXPECT_EQ(t.strides, (Dims{256, 1}));
}

TEST(ShapeTest, ViewErrors) {
  std::string e = ErrorOf("aten.view.default", {{Strided(kF32, {6, 4}, {1, 6})}, {X(0), L({24})}});
  EXPECT_THAT(
      e,
      HasSubstr("view size [24] is not compatible with the input's shape [6,4] and strides [1,6]"));
  e = ErrorOf("aten.view.default", {{T(kF32, {2, 3})}, {X(0), L({4, -1})}});
  EXPECT_THAT(e, HasSubstr("shape [4,-1] is invalid for input of shape [2,3]"));
  e = ErrorOf("aten.reshape.default", {{T(kF32, {2, 3})}, {X(0), L({-1, -1})}});
  EXPECT_THAT(e, HasSubstr("only one dimension can be inferred"));
  e = ErrorOf("aten.reshape.default", {{T(kF32, {0, 3})}, {X(0), L({0, -1})}});
  EXPECT_THAT(e, HasSubstr("0 elements"));
}

TEST(ShapeTest, ReshapeIsAViewWhenItCanBe) {
  TensorType t =
      InferOne("aten.reshape.default", {{Strided(kF32, {6, 4}, {1, 6})}, {X(0), L({6, 2, 2})}});
  EXPECT_EQ(t.strides, (Dims{1, 12, 6}));
  // Else a contiguous copy.
  t = InferOne("aten.reshape.default", {{Strided(kF32, {6, 4}, {1, 6})}, {X(0), L({24})}});
  EXPECT_EQ(t.strides, (Dims{1}));
  t = InferOne("aten.flatten.using_ints", {{Strided(kF32, {2, 3, 4}, {1, 8, 2})}, {X(0), I(1)}});
  EXPECT_EQ(t.shape, (Dims{2, 12}));
  EXPECT_EQ(t.strides, (Dims{1, 2}));
  t = InferOne("aten.flatten.using_ints", {{Strided(kF32, {2, 3, 4}, {1, 2, 6})}, {X(0), I(1)}});
  EXPECT_EQ(t.strides, (Dims{12, 1}));
  t = InferOne("aten.flatten.using_ints", {{T(kF32, {})}, {X(0)}});
  EXPECT_EQ(t.shape, (Dims{1}));
  t = InferOne("aten._reshape_alias.default",
               {{T(kF32, {2, 8, 2, 2})}, {X(0), L({2, 32}), L({32, 1})}});
  EXPECT_EQ(t.strides, (Dims{32, 1}));
}

TEST(ShapeTest, ExpandStrides) {
  TensorType t = InferOne("aten.expand.default", {{T(kF32, {3, 1})}, {X(0), L({2, 3, 4})}});
  EXPECT_EQ(t.shape, (Dims{2, 3, 4}));
  EXPECT_EQ(t.strides, (Dims{0, 1, 0}));
  // -1 keeps a size; a new leading dim of size 1 gets the stride of a
  // dim wrapping the rest.
  t = InferOne("aten.expand.default", {{Strided(kF32, {3, 2}, {1, 3})}, {X(0), L({1, -1, 2})}});
  EXPECT_EQ(t.shape, (Dims{1, 3, 2}));
  EXPECT_EQ(t.strides, (Dims{3, 1, 3}));
  t = InferOne("aten.expand.default", {{T(kF32, {})}, {X(0), L({2, 3})}});
  EXPECT_EQ(t.strides, (Dims{0, 0}));
  std::string e = ErrorOf("aten.expand.default", {{T(kF32, {3, 2})}, {X(0), L({3, 4})}});
  EXPECT_THAT(e, HasSubstr("cannot expand shape [3,2] to [3,4]"));
  e = ErrorOf("aten.expand.default", {{T(kF32, {3, 2})}, {X(0), L({2})}});
  EXPECT_THAT(e, HasSubstr("[3,2]"));
  e = ErrorOf("aten.expand.default", {{T(kF32, {3})}, {X(0), L({-1, 3})}});
  EXPECT_THAT(e, HasSubstr("-1"));
}

TEST(ShapeTest, DimensionViewStrides) {
  TensorType t = InferOne("aten.unsqueeze.default", {{T(kF32, {2, 3})}, {X(0), I(-1)}});
  EXPECT_EQ(t.shape, (Dims{2, 3, 1}));
  EXPECT_EQ(t.strides, (Dims{3, 1, 1}));
  t = InferOne("aten.unsqueeze.default", {{Strided(kF32, {2, 3}, {1, 2})}, {X(0), I(1)}});
  EXPECT_EQ(t.strides, (Dims{1, 6, 2}));
  t = InferOne("aten.squeeze.default", {{Strided(kF32, {1, 3, 1, 2}, {9, 1, 5, 3})}, {X(0)}});
  EXPECT_EQ(t.shape, (Dims{3, 2}));
  EXPECT_EQ(t.strides, (Dims{1, 3}));
  t = InferOne("aten.squeeze.dim", {{T(kF32, {1, 3})}, {X(0), I(-1)}});  // Size 3: kept.
  EXPECT_EQ(t.shape, (Dims{1, 3}));
  t = InferOne("aten.squeeze.dim", {{T(kF32, {2, 1, 3})}, {X(0), I(-2)}});
  EXPECT_EQ(t.shape, (Dims{2, 3}));
  // From the workloads.
  t = InferOne("aten.transpose.int", {{T(kF32, {8, 128, 256})}, {X(0), I(1), I(0)}});
  EXPECT_EQ(t.strides, (Dims{256, 32768, 1}));
  t = InferOne("aten.transpose.int",
               {{Strided(kF32, {64, 128, 32}, {32, 2048, 1})}, {X(0), I(-2), I(-1)}});
  EXPECT_EQ(t.strides, (Dims{32, 1, 2048}));
  t = InferOne("aten.t.default", {{T(kF32, {10, 4096})}, {X(0)}});
  EXPECT_EQ(t.strides, (Dims{1, 4096}));
  t = InferOne("aten.t.default", {{T(kF32, {5})}, {X(0)}});
  EXPECT_EQ(t.strides, (Dims{1}));
  t = InferOne("aten.permute.default", {{T(kF32, {2, 3, 4})}, {X(0), L({2, -3, 1})}});
  EXPECT_EQ(t.shape, (Dims{4, 2, 3}));
  EXPECT_EQ(t.strides, (Dims{1, 12, 4}));

  EXPECT_THAT(ErrorOf("aten.t.default", {{T(kF32, {2, 3, 4})}, {X(0)}}), HasSubstr("[2,3,4]"));
  EXPECT_THAT(ErrorOf("aten.permute.default", {{T(kF32, {2, 3})}, {X(0), L({0, 0})}}),
              HasSubstr("twice"));
  EXPECT_THAT(ErrorOf("aten.permute.default", {{T(kF32, {2, 3})}, {X(0), L({0})}}),
              HasSubstr("[2,3]"));
  EXPECT_THAT(ErrorOf("aten.transpose.int", {{T(kF32, {2, 3})}, {X(0), I(0), I(2)}}),
              HasSubstr("dim 2"));
}

TEST(ShapeTest, SelectSliceAndSplitStrides) {
  TensorType t = InferOne("aten.select.int", {{T(kF32, {4, 6})}, {X(0), I(1), I(-1)}});
  EXPECT_EQ(t.shape, (Dims{4}));
  EXPECT_EQ(t.strides, (Dims{6}));
  t = InferOne("aten.slice.Tensor", {{T(kF32, {4, 6})}, {X(0), I(1), I(1), None(), I(2)}});
  EXPECT_EQ(t.shape, (Dims{4, 3}));
  EXPECT_EQ(t.strides, (Dims{6, 2}));
  // Out-of-range bounds are clamped; negative ones count from the end.
  t = InferOne("aten.slice.Tensor", {{T(kF32, {5})}, {X(0), I(0), I(-3), I(100)}});
  EXPECT_EQ(t.shape, (Dims{3}));
  t = InferOne("aten.slice.Tensor", {{T(kF32, {5})}, {X(0), I(0), I(-100), I(-4)}});
  EXPECT_EQ(t.shape, (Dims{1}));
  t = InferOne("aten.slice.Tensor", {{T(kF32, {5})}, {X(0), I(0), I(4), I(2)}});
  EXPECT_EQ(t.shape, (Dims{0}));
  t = InferOne("aten.slice.Tensor", {{T(kF32, {5, 2})}, {X(0)}});
  EXPECT_EQ(t.shape, (Dims{5, 2}));

  absl::StatusOr<std::vector<TensorType>> parts =
      Infer("aten.split.Tensor", {{T(kF32, {8, 2, 96})}, {X(0), I(32), I(-1)}});
  ASSERT_TRUE(parts.ok()) << parts.status();
  ASSERT_EQ(parts->size(), 3u);
  EXPECT_EQ((*parts)[2].shape, (Dims{8, 2, 32}));
  EXPECT_EQ((*parts)[2].strides, (Dims{192, 96, 1}));
  parts = Infer("aten.split.Tensor", {{T(kF32, {5, 2})}, {X(0), I(2)}});
  ASSERT_TRUE(parts.ok()) << parts.status();
  ASSERT_EQ(parts->size(), 3u);
  EXPECT_EQ((*parts)[2].shape, (Dims{1, 2}));
  parts = Infer("aten.split_with_sizes.default", {{T(kF32, {2, 5})}, {X(0), L({1, 0, 4}), I(1)}});
  ASSERT_TRUE(parts.ok()) << parts.status();
  ASSERT_EQ(parts->size(), 3u);
  EXPECT_EQ((*parts)[1].shape, (Dims{2, 0}));
  EXPECT_EQ((*parts)[2].shape, (Dims{2, 4}));

  std::string e = ErrorOf("aten.select.int", {{T(kF32, {3, 4})}, {X(0), I(0), I(3)}});
  EXPECT_THAT(e, HasSubstr("index 3 out of range for shape [3,4]"));
  e = ErrorOf("aten.slice.Tensor", {{T(kF32, {3})}, {X(0), I(0), I(0), I(3), I(0)}});
  EXPECT_THAT(e, HasSubstr("step"));
  e = ErrorOf("aten.split_with_sizes.default", {{T(kF32, {2, 5})}, {X(0), L({1, 3}), I(1)}});
  EXPECT_THAT(e, HasSubstr("[1,3]"));
  EXPECT_THAT(e, HasSubstr("[2,5]"));
}

TEST(ShapeTest, ViewKernels) {
  HostTensor x = Iota(kF32, {2, 3});
  HostTensor y = EvaluateOne("aten.t.default", {x}, {X(0)});
  EXPECT_EQ(y.shape, (Dims{3, 2}));
  EXPECT_EQ(y.data, (std::vector<double>{0, 3, 1, 4, 2, 5}));

  y = EvaluateOne("aten.slice.Tensor", {Iota(kF32, {7})}, {X(0), I(0), I(1), I(-1), I(2)});
  EXPECT_EQ(y.data, (std::vector<double>{1, 3, 5}));

  y = EvaluateOne("aten.select.int", {x}, {X(0), I(1), I(-2)});
  EXPECT_EQ(y.data, (std::vector<double>{1, 4}));

  y = EvaluateOne("aten.expand.default", {Values(kF32, {2, 1}, {7, 8})}, {X(0), L({2, 2, 3})});
  EXPECT_EQ(y.data, (std::vector<double>{7, 7, 7, 8, 8, 8, 7, 7, 7, 8, 8, 8}));

  y = EvaluateOne("aten.permute.default", {Iota(kF32, {2, 1, 3})}, {X(0), L({2, 0, 1})});
  EXPECT_EQ(y.shape, (Dims{3, 2, 1}));
  EXPECT_EQ(y.data, (std::vector<double>{0, 3, 1, 4, 2, 5}));

  absl::StatusOr<std::vector<HostTensor>> parts =
      Evaluate("aten.split.Tensor", {Iota(kF32, {5})}, {X(0), I(2)});
  ASSERT_TRUE(parts.ok()) << parts.status();
  ASSERT_EQ(parts->size(), 3u);
  EXPECT_EQ((*parts)[1].data, (std::vector<double>{2, 3}));
  EXPECT_EQ((*parts)[2].data, (std::vector<double>{4}));

  parts = Evaluate("aten.split_with_sizes.default", {x}, {X(0), L({2, 1}), I(-1)});
  ASSERT_TRUE(parts.ok()) << parts.status();
  ASSERT_EQ(parts->size(), 2u);
  EXPECT_EQ((*parts)[0].data, (std::vector<double>{0, 1, 3, 4}));
  EXPECT_EQ((*parts)[1].data, (std::vector<double>{2, 5}));

  // Overlapping windows of a contiguous input, from storage offset 1.
  y = EvaluateOne("aten.as_strided.default", {Iota(kF32, {5})}, {X(0), L({3, 2}), L({1, 1}), I(1)});
  EXPECT_EQ(y.data, (std::vector<double>{1, 2, 2, 3, 3, 4}));

  y = EvaluateOne("aten.view.default", {x}, {X(0), L({3, -1})});
  EXPECT_EQ(y.shape, (Dims{3, 2}));
  EXPECT_EQ(y.data, x.data);
}

TEST(ShapeTest, ViewGradients) {
  ExpectGradients({
      {"aten.view.default", {{T(kF64, {2, 6})}, {X(0), L({3, -1, 2})}}},
      {"aten.view.default",
       {{Transposed(kF64, {4, 3})}, {X(0), L({2, 2, 3})}, {}, -2, 2, "non-contiguous"}},
      {"aten._unsafe_view.default", {{T(kF64, {2, 3})}, {X(0), L({6})}}},
      {"aten.reshape.default", {{Transposed(kF64, {2, 3})}, {X(0), L({6})}, {}, -2, 2, "copy"}},
      {"aten._reshape_alias.default", {{T(kF64, {2, 3})}, {X(0), L({3, 2}), L({2, 1})}}},
      {"aten.flatten.using_ints", {{T(kF64, {2, 3, 2})}, {X(0), I(-2), I(-1)}}},
      {"aten.flatten.using_ints", {{Transposed(kF64, {2, 3, 2})}, {X(0)}, {}, -2, 2, "copy"}},
      {"aten.expand.default", {{T(kF64, {3, 1})}, {X(0), L({2, -1, 4})}, {}, -2, 2, "broadcast"}},
      {"aten.expand.default",
       {{Transposed(kF64, {1, 3})}, {X(0), L({2, 3})}, {}, -2, 2, "non-contiguous"}},
      {"aten.unsqueeze.default", {{Transposed(kF64, {2, 3})}, {X(0), I(-2)}}},
      {"aten.squeeze.default", {{T(kF64, {1, 3, 1})}, {X(0)}}},
      {"aten.squeeze.default", {{Transposed(kF64, {3, 1})}, {X(0)}, {}, -2, 2, "non-contiguous"}},
      {"aten.squeeze.dim", {{Transposed(kF64, {2, 1})}, {X(0), I(-1)}}},
      {"aten.squeeze.dim", {{T(kF64, {2, 3})}, {X(0), I(0)}, {}, -2, 2, "not size 1"}},
      {"aten.t.default", {{Transposed(kF64, {2, 3})}, {X(0)}}},
      {"aten.transpose.int", {{T(kF64, {2, 3, 4})}, {X(0), I(-1), I(0)}}},
      {"aten.permute.default", {{Transposed(kF64, {2, 3, 4})}, {X(0), L({1, -1, 0})}}},
      {"aten.alias.default", {{Transposed(kF64, {3, 2})}, {X(0)}}},
      {"aten.clone.default", {{Transposed(kF64, {2, 3})}, {X(0)}}},
  });
}

TEST(ShapeTest, SlicingGradients) {
  ExpectGradients({
      {"aten.select.int", {{T(kF64, {3, 4})}, {X(0), I(1), I(-1)}}},
      {"aten.select.int", {{Transposed(kF64, {3, 4})}, {X(0), I(0), I(1)}, {}, -2, 2, "middle"}},
      {"aten.slice.Tensor",
       {{T(kF64, {3, 7})}, {X(0), I(-1), I(1), I(-1), I(3)}, {}, -2, 2, "step"}},
      {"aten.slice.Tensor",
       {{T(kF64, {3, 7})}, {X(0), I(1), I(2), I(7), I(2)}, {}, -2, 2, "step at end"}},
      {"aten.slice.Tensor",
       {{Transposed(kF64, {5, 2})}, {X(0), I(0), None(), I(100)}, {}, -2, 2, "clamped"}},
      {"aten.slice.Tensor", {{T(kF64, {5})}, {X(0), I(0), I(-2)}, {}, -2, 2, "negative start"}},
      {"aten.split.Tensor", {{T(kF64, {5, 2})}, {X(0), I(2)}}},
      {"aten.split_with_sizes.default", {{Transposed(kF64, {2, 5})}, {X(0), L({1, 4}), I(-1)}}},
      {"aten.cat.default",
       {{T(kF64, {2, 3}), T(kF64, {2, 1}), Transposed(kF64, {2, 2})},
        {Argument::ValueList({0, 1, 2}), I(-1)}}},
      {"aten.stack.default",
       {{T(kF64, {2, 3}), Transposed(kF64, {2, 3})}, {Argument::ValueList({0, 1}), I(1)}}},
      {"aten.tril.default", {{T(kF64, {3, 4})}, {X(0), I(1)}}},
      {"aten.triu.default", {{Transposed(kF64, {2, 3, 3})}, {X(0), I(-1)}}},
  });
}

TEST(ShapeTest, AsStridedGradientAddsOverlaps) {
  ExpectGradients({
      {"aten.as_strided.default",
       {{T(kF64, {6})}, {X(0), L({3, 2}), L({1, 2}), I(1)}, {}, -2, 2, "overlapping"}},
      {"aten.as_strided.default",
       {{T(kF64, {2, 3})}, {X(0), L({3, 2}), L({1, 3})}, {}, -2, 2, "transpose"}},
  });
}

TEST(ShapeTest, DetachStopsGradients) {
  absl::StatusOr<passes::JointGraph> joint =
      OneNodeJointGraph("aten.detach.default", {{T(kF64, {2})}, {X(0)}});
  ASSERT_TRUE(joint.ok()) << joint.status();
  EXPECT_TRUE(joint->tangent_outputs.empty());
}

}  // namespace
}  // namespace aotd::ops::testing
