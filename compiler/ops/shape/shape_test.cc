// Shape ops (clone, joins, triangles, padding, pixel shuffle, repeat): layouts,
// kernels, gradients.
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

TEST(ShapeTest, CloneKeepsDenseLayouts) {
  // No memory format: preserve; a dense transposed layout stays.
  TensorType t = InferOne("aten.clone.default", {{Strided(kF32, {3, 2}, {1, 3})}, {X(0)}});
  EXPECT_EQ(t.strides, (Dims{1, 3}));
  t = InferOne(
      "aten.clone.default",
      {{Strided(kF32, {128, 8, 256}, {256, 32768, 1})}, {X(0)}, WithFormat("contiguous_format")});
  EXPECT_EQ(t.strides, (Dims{2048, 256, 1}));
  // A non-dense input: dense strides in its order.
  t = InferOne("aten.clone.default", {{Strided(kF32, {4, 3}, {1, 8})}, {X(0)}});
  EXPECT_EQ(t.strides, (Dims{1, 4}));
  t = InferOne("aten.clone.default", {{Strided(kF32, {2, 3}, {0, 1})}, {X(0)}});
  EXPECT_EQ(t.strides, (Dims{3, 1}));
  t = InferOne("aten.clone.default",
               {{T(kF32, {2, 3, 4, 5})}, {X(0)}, WithFormat("channels_last")});
  EXPECT_EQ(t.strides, (Dims{60, 1, 15, 3}));
}

TEST(ShapeTest, JoinsAndTriangles) {
  // cat promotes dtypes and takes a negative dim.
  HostTensor y = EvaluateOne("aten.cat.default",
                             {Iota(kI64, {2, 1}), Values(kF32, {2, 2}, {.5, 1.5, 2.5, 3.5})},
                             {Argument::ValueList({0, 1}), I(-1)});
  EXPECT_EQ(y.dtype, kF32);
  EXPECT_EQ(y.data, (std::vector<double>{0, .5, 1.5, 1, 2.5, 3.5}));

  y = EvaluateOne("aten.stack.default", {Iota(kF32, {2}), Values(kF32, {2}, {5, 6})},
                  {Argument::ValueList({0, 1}), I(-1)});
  EXPECT_EQ(y.shape, (Dims{2, 2}));
  EXPECT_EQ(y.data, (std::vector<double>{0, 5, 1, 6}));

  y = EvaluateOne("aten.tril.default", {Iota(kF32, {3, 3})}, {X(0), I(-1)});
  EXPECT_EQ(y.data, (std::vector<double>{0, 0, 0, 3, 0, 0, 6, 7, 0}));
  y = EvaluateOne("aten.triu.default", {Iota(kF32, {2, 2, 3})}, {X(0), I(1)});
  EXPECT_EQ(y.data, (std::vector<double>{0, 1, 2, 0, 0, 5, 0, 7, 8, 0, 0, 11}));

  std::string e = ErrorOf("aten.cat.default", {{T(kF32, {2, 3}), T(kF32, {3, 3})},
                                               {Argument::ValueList({0, 1}), I(1)}});
  EXPECT_THAT(e, HasSubstr("shapes [2,3] and [3,3]"));
  e = ErrorOf("aten.stack.default",
              {{T(kF32, {2, 3}), T(kF32, {3, 2})}, {Argument::ValueList({0, 1})}});
  EXPECT_THAT(e, HasSubstr("shapes [2,3] and [3,2]"));
  e = ErrorOf("aten.tril.default", {{T(kF32, {3})}, {X(0)}});
  EXPECT_THAT(e, HasSubstr("[3]"));
}

TEST(ShapeTest, UnbindUnsafeSplitAndConstantPad) {
  ExpectGradients({
      {"aten.unbind.int", {{Transposed(kF64, {3, 4})}, {X(0), I(1)}}},
      {"aten.unbind.int", {{T(kF64, {2, 3})}, {X(0)}}},
      {"aten.unsafe_split.Tensor", {{Transposed(kF64, {5, 4})}, {X(0), I(2)}}},
      {"aten.constant_pad_nd.default",
       {{Transposed(kF64, {3, 4})}, {X(0), L({1, 2, -1, 1}), F(0.5)}}},
      {"aten.constant_pad_nd.default", {{T(kF64, {2, 3, 4})}, {X(0), L({0, -2})}}},
  });
  std::vector<TensorType> pieces = *Infer("aten.unbind.int", {{T(kF32, {2, 3})}, {X(0), I(1)}});
  ASSERT_EQ(pieces.size(), 3u);
  EXPECT_EQ(pieces[0].shape, Dims({2}));
  EXPECT_EQ(pieces[0].strides, Dims({3}));
  HostTensor padded = EvaluateOne("aten.constant_pad_nd.default",
                                  {Values(kI64, {2, 2}, {1, 2, 3, 4})}, {X(0), L({1, -1}), I(7)});
  EXPECT_EQ(padded.shape, Dims({2, 2}));
  EXPECT_EQ(padded.data, std::vector<double>({7, 1, 7, 3}));
  EXPECT_NE(ErrorOf("aten.constant_pad_nd.default", {{T(kF32, {2})}, {X(0), L({1})}}), "");
}

// Values from torch.nn.functional.pixel_{un,}shuffle and Tensor.repeat
// (PyTorch 1.13).
TEST(ShapeTest, PixelShuffleAndRepeat) {
  const std::vector<double> unshuffled = {0, 2, 8,  10, 1, 3, 9,  11,
                                          4, 6, 12, 14, 5, 7, 13, 15};
  std::vector<double> counting(16);
  for (int i = 0; i < 16; ++i) counting[i] = i;
  HostTensor u = EvaluateOne("aten.pixel_unshuffle.default", {Values(kF32, {1, 1, 4, 4}, counting)},
                             {X(0), I(2)});
  EXPECT_EQ(u.shape, Dims({1, 4, 2, 2}));
  EXPECT_EQ(u.data, unshuffled);
  HostTensor s = EvaluateOne("aten.pixel_shuffle.default", {Values(kI64, {1, 4, 2, 2}, unshuffled)},
                             {X(0), I(2)});
  EXPECT_EQ(s.shape, Dims({1, 1, 4, 4}));
  EXPECT_EQ(s.data, counting);
  HostTensor r = EvaluateOne("aten.repeat.default", {Values(kF32, {2, 2}, {1, 2, 3, 4})},
                             {X(0), L({2, 1, 2})});
  EXPECT_EQ(r.shape, Dims({2, 2, 4}));
  EXPECT_EQ(r.data, std::vector<double>({1, 2, 1, 2, 3, 4, 3, 4, 1, 2, 1, 2, 3, 4, 3, 4}));

  // Any dtype; batch dims before the last three.
  absl::StatusOr<std::vector<TensorType>> t =
      Infer("aten.pixel_shuffle.default", {{T(kBool, {2, 3, 18, 2, 5})}, {X(0), I(3)}});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ((*t)[0].shape, Dims({2, 3, 2, 6, 15}));
  EXPECT_EQ((*t)[0].dtype, kBool);
  t = Infer("aten.pixel_unshuffle.default", {{Transposed(kI32, {3, 4, 6})}, {X(0), I(2)}});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ((*t)[0].shape, Dims({12, 2, 3}));
  EXPECT_EQ((*t)[0].strides, Dims({6, 3, 1}));
  t = Infer("aten.repeat.default", {{T(kI64, {2, 3})}, {X(0), L({2, 0, 1})}});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_EQ((*t)[0].shape, Dims({2, 0, 3}));

  // The messages are PyTorch 1.13's.
  EXPECT_THAT(ErrorOf("aten.pixel_shuffle.default", {{T(kF32, {1, 6, 2, 2})}, {X(0), I(2)}}),
              HasSubstr("pixel_shuffle expects its input's 'channel' dimension to be divisible by "
                        "the square of upscale_factor, but input.size(-3)=6 is not divisible by 4"));
  EXPECT_THAT(ErrorOf("aten.pixel_shuffle.default", {{T(kF32, {6, 2})}, {X(0), I(2)}}),
              HasSubstr("pixel_shuffle expects input to have at least 3 dimensions, but got input "
                        "with 2 dimension(s)"));
  EXPECT_THAT(ErrorOf("aten.pixel_shuffle.default", {{T(kF32, {1, 4, 2, 2})}, {X(0), I(0)}}),
              HasSubstr("pixel_shuffle expects a positive upscale_factor, but got 0"));
  EXPECT_THAT(ErrorOf("aten.pixel_unshuffle.default", {{T(kF32, {1, 1, 3, 4})}, {X(0), I(2)}}),
              HasSubstr("pixel_unshuffle expects height to be divisible by downscale_factor, but "
                        "input.size(-2)=3 is not divisible by 2"));
  EXPECT_THAT(ErrorOf("aten.pixel_unshuffle.default", {{T(kF32, {1, 1, 4, 3})}, {X(0), I(2)}}),
              HasSubstr("input.size(-1)=3 is not divisible by 2"));
  EXPECT_THAT(ErrorOf("aten.repeat.default", {{T(kF32, {2, 3})}, {X(0), L({2})}}),
              HasSubstr("Number of dimensions of repeat dims can not be smaller than number of "
                        "dimensions of tensor"));
  EXPECT_THAT(ErrorOf("aten.repeat.default", {{T(kF32, {2})}, {X(0), L({-1, 2})}}),
              HasSubstr("Trying to create tensor with negative dimension -1"));

  ExpectGradients({
      {"aten.pixel_shuffle.default", {{Transposed(kF64, {2, 8, 3, 2})}, {X(0), I(2)}}},
      {"aten.pixel_shuffle.default", {{T(kF64, {9, 1, 2})}, {X(0), I(3)}}},
      {"aten.pixel_unshuffle.default", {{Transposed(kF64, {2, 1, 4, 6})}, {X(0), I(2)}}},
      {"aten.repeat.default", {{Transposed(kF64, {2, 3})}, {X(0), L({2, 1, 3})}}},
      {"aten.repeat.default", {{T(kF64, {3})}, {X(0), L({1})}}},
      {"aten.repeat.default", {{T(kF64, {2, 3})}, {X(0), L({0, 2})}}},
  });
}

}  // namespace
}  // namespace aotd::ops::testing
