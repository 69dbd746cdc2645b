// Shape ops: view strides as PyTorch computes them, kernels, gradients.
#include <string>
#include <utility>
#include <vector>

#include "compiler/ops/infer.h"
#include "compiler/ops/registry.h"
#include "compiler/ops/schema.h"
#include "compiler/ops/testing/op_check.h"
#include "compiler/passes/autograd.h"
#include "compiler/reference/evaluate.h"
#include "gtest/gtest.h"

namespace aotd::ops {
namespace {

using ir::Argument;
using ir::Dims;
using ir::DType;
using ir::TensorType;
using reference::HostTensor;
using testing::CheckGradients;
using testing::Sample;
using testing::T;
using testing::Transposed;

constexpr DType kF32 = DType::kFloat32;
constexpr DType kF64 = DType::kFloat64;
const Argument x0 = Argument::Value(0);
const Argument x1 = Argument::Value(1);
const Argument x2 = Argument::Value(2);

Argument I(int64_t v) { return Argument::Int(v); }
Argument L(const Dims& v) { return Argument::IntList(v); }

TensorType Strided(DType dtype, Dims shape, Dims strides) {
  return TensorType{dtype, std::move(shape), std::move(strides)};
}

// The result types of one call, or the inference error.
absl::StatusOr<std::vector<TensorType>> Infer(const char* op, const Sample& sample) {
  ir::Graph g;
  for (size_t i = 0; i < sample.tensors.size(); ++i) {
    g.AddInput("x" + std::to_string(i), sample.tensors[i], false);
  }
  const OpDef* def = OpRegistry::Global().Find(op);
  if (def == nullptr) return absl::NotFoundError(op);
  absl::StatusOr<std::vector<Argument>> bound = BindArguments(def->schema, sample.args, sample.kwargs);
  if (!bound.ok()) return bound.status();
  return InferTypes(*def, g, *bound);
}

TensorType InferOne(const char* op, const Sample& sample) {
  absl::StatusOr<std::vector<TensorType>> t = Infer(op, sample);
  EXPECT_TRUE(t.ok()) << op << ": " << t.status();
  return t.ok() && t->size() == 1 ? (*t)[0] : TensorType{};
}

// The error message of a call that must fail with INVALID_ARGUMENT.
std::string ErrorOf(const char* op, const Sample& sample) {
  absl::StatusOr<std::vector<TensorType>> t = Infer(op, sample);
  EXPECT_FALSE(t.ok()) << op << " should fail";
  if (t.ok()) return "";
  EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument) << t.status();
  return std::string(t.status().message());
}

HostTensor Values(DType dtype, Dims shape, std::vector<double> data) {
  HostTensor h(dtype, std::move(shape));
  h.data = std::move(data);
  return h;
}

HostTensor Iota(DType dtype, Dims shape) {
  HostTensor h(dtype, std::move(shape));
  for (int64_t i = 0; i < h.NumElements(); ++i) h.data[i] = i;
  return h;
}

// Evaluates one call on the given values.
std::vector<HostTensor> Evaluate(const char* op, const std::vector<HostTensor>& inputs,
                            std::vector<Argument> args, Kwargs kwargs = {}) {
  Sample s;
  for (const HostTensor& h : inputs) s.tensors.push_back(T(h.dtype, h.shape));
  s.args = std::move(args);
  s.kwargs = std::move(kwargs);
  absl::StatusOr<ir::Graph> g = testing::OneNodeGraph(op, s);
  EXPECT_TRUE(g.ok()) << op << ": " << g.status();
  if (!g.ok()) return {};
  absl::StatusOr<std::vector<HostTensor>> out = reference::Evaluate(*g, inputs);
  EXPECT_TRUE(out.ok()) << op << ": " << out.status();
  return out.ok() ? *out : std::vector<HostTensor>{};
}

void ExpectGradients(const std::vector<std::pair<const char*, Sample>>& cases) {
  for (const auto& [op, sample] : cases) {
    absl::Status s = CheckGradients(op, sample);
    EXPECT_TRUE(s.ok()) << op << " " << sample.note << ": " << s;
  }
}

TEST(ShapeTest, ViewStridesFollowComputeStride) {
  // A transposed [4,6] (strides [1,6]) viewed as [6,2,2]: PyTorch gives
  // strides (1, 12, 6).
  TensorType t = InferOne("aten.view.default", {{Strided(kF32, {6, 4}, {1, 6})}, {x0, L({6, 2, 2})}});
  EXPECT_EQ(t.shape, (Dims{6, 2, 2}));
  EXPECT_EQ(t.strides, (Dims{1, 12, 6}));
  // -1 is inferred; size-1 dims get the stride PyTorch gives them.
  t = InferOne("aten.view.default", {{T(kF32, {2, 3})}, {x0, L({-1, 1, 3})}});
  EXPECT_EQ(t.shape, (Dims{2, 1, 3}));
  EXPECT_EQ(t.strides, (Dims{3, 3, 1}));
  // A slice's rows stay apart: [4,3] with strides [6,2] viewed as [2,2,3].
  t = InferOne("aten.view.default", {{Strided(kF32, {4, 3}, {6, 2})}, {x0, L({2, 2, 3})}});
  EXPECT_EQ(t.strides, (Dims{12, 6, 2}));
  // 0-dim input.
  t = InferOne("aten.view.default", {{T(kF32, {})}, {x0, L({1, 1})}});
  EXPECT_EQ(t.strides, (Dims{1, 1}));
  // From the transformer workload.
  t = InferOne("aten._unsafe_view.default", {{T(kF32, {128, 8, 256})}, {x0, L({1024, 256})}});
  EXPECT_EQ(t.strides, (Dims{256, 1}));
}

TEST(ShapeTest, ViewErrors) {
  std::string e = ErrorOf("aten.view.default", {{Strided(kF32, {6, 4}, {1, 6})}, {x0, L({24})}});
  EXPECT_NE(e.find("view size [24] is not compatible with the input's shape [6,4] and strides [1,6]"),
            std::string::npos)
      << e;
  e = ErrorOf("aten.view.default", {{T(kF32, {2, 3})}, {x0, L({4, -1})}});
  EXPECT_NE(e.find("shape [4,-1] is invalid for input of shape [2,3]"), std::string::npos) << e;
  e = ErrorOf("aten.reshape.default", {{T(kF32, {2, 3})}, {x0, L({-1, -1})}});
  EXPECT_NE(e.find("only one dimension can be inferred"), std::string::npos) << e;
  e = ErrorOf("aten.reshape.default", {{T(kF32, {0, 3})}, {x0, L({0, -1})}});
  EXPECT_NE(e.find("0 elements"), std::string::npos) << e;
}

TEST(ShapeTest, ReshapeIsAViewWhenItCanBe) {
  TensorType t = InferOne("aten.reshape.default", {{Strided(kF32, {6, 4}, {1, 6})}, {x0, L({6, 2, 2})}});
  EXPECT_EQ(t.strides, (Dims{1, 12, 6}));
  // Else a contiguous copy.
  t = InferOne("aten.reshape.default", {{Strided(kF32, {6, 4}, {1, 6})}, {x0, L({24})}});
  EXPECT_EQ(t.strides, (Dims{1}));
  t = InferOne("aten.flatten.using_ints", {{Strided(kF32, {2, 3, 4}, {1, 8, 2})}, {x0, I(1)}});
  EXPECT_EQ(t.shape, (Dims{2, 12}));
  EXPECT_EQ(t.strides, (Dims{1, 2}));
  t = InferOne("aten.flatten.using_ints", {{Strided(kF32, {2, 3, 4}, {1, 2, 6})}, {x0, I(1)}});
  EXPECT_EQ(t.strides, (Dims{12, 1}));
  t = InferOne("aten.flatten.using_ints", {{T(kF32, {})}, {x0}});
  EXPECT_EQ(t.shape, (Dims{1}));
  t = InferOne("aten._reshape_alias.default", {{T(kF32, {2, 8, 2, 2})}, {x0, L({2, 32}), L({32, 1})}});
  EXPECT_EQ(t.strides, (Dims{32, 1}));
}

TEST(ShapeTest, ExpandStrides) {
  TensorType t = InferOne("aten.expand.default", {{T(kF32, {3, 1})}, {x0, L({2, 3, 4})}});
  EXPECT_EQ(t.shape, (Dims{2, 3, 4}));
  EXPECT_EQ(t.strides, (Dims{0, 1, 0}));
  // -1 keeps a size; a new leading dim of size 1 gets the stride of a
  // dim wrapping the rest.
  t = InferOne("aten.expand.default", {{Strided(kF32, {3, 2}, {1, 3})}, {x0, L({1, -1, 2})}});
  EXPECT_EQ(t.shape, (Dims{1, 3, 2}));
  EXPECT_EQ(t.strides, (Dims{3, 1, 3}));
  t = InferOne("aten.expand.default", {{T(kF32, {})}, {x0, L({2, 3})}});
  EXPECT_EQ(t.strides, (Dims{0, 0}));
  std::string e = ErrorOf("aten.expand.default", {{T(kF32, {3, 2})}, {x0, L({3, 4})}});
  EXPECT_NE(e.find("cannot expand shape [3,2] to [3,4]"), std::string::npos) << e;
  e = ErrorOf("aten.expand.default", {{T(kF32, {3, 2})}, {x0, L({2})}});
  EXPECT_NE(e.find("[3,2]"), std::string::npos) << e;
  e = ErrorOf("aten.expand.default", {{T(kF32, {3})}, {x0, L({-1, 3})}});
  EXPECT_NE(e.find("-1"), std::string::npos) << e;
}

TEST(ShapeTest, DimensionViewStrides) {
  TensorType t = InferOne("aten.unsqueeze.default", {{T(kF32, {2, 3})}, {x0, I(-1)}});
  EXPECT_EQ(t.shape, (Dims{2, 3, 1}));
  EXPECT_EQ(t.strides, (Dims{3, 1, 1}));
  t = InferOne("aten.unsqueeze.default", {{Strided(kF32, {2, 3}, {1, 2})}, {x0, I(1)}});
  EXPECT_EQ(t.strides, (Dims{1, 6, 2}));
  t = InferOne("aten.squeeze.default", {{Strided(kF32, {1, 3, 1, 2}, {9, 1, 5, 3})}, {x0}});
  EXPECT_EQ(t.shape, (Dims{3, 2}));
  EXPECT_EQ(t.strides, (Dims{1, 3}));
  t = InferOne("aten.squeeze.dim", {{T(kF32, {1, 3})}, {x0, I(-1)}});  // Size 3: kept.
  EXPECT_EQ(t.shape, (Dims{1, 3}));
  t = InferOne("aten.squeeze.dim", {{T(kF32, {2, 1, 3})}, {x0, I(-2)}});
  EXPECT_EQ(t.shape, (Dims{2, 3}));
  // From the workloads.
  t = InferOne("aten.transpose.int", {{T(kF32, {8, 128, 256})}, {x0, I(1), I(0)}});
  EXPECT_EQ(t.strides, (Dims{256, 32768, 1}));
  t = InferOne("aten.transpose.int", {{Strided(kF32, {64, 128, 32}, {32, 2048, 1})}, {x0, I(-2), I(-1)}});
  EXPECT_EQ(t.strides, (Dims{32, 1, 2048}));
  t = InferOne("aten.t.default", {{T(kF32, {10, 4096})}, {x0}});
  EXPECT_EQ(t.strides, (Dims{1, 4096}));
  t = InferOne("aten.t.default", {{T(kF32, {5})}, {x0}});
  EXPECT_EQ(t.strides, (Dims{1}));
  t = InferOne("aten.permute.default", {{T(kF32, {2, 3, 4})}, {x0, L({2, -3, 1})}});
  EXPECT_EQ(t.shape, (Dims{4, 2, 3}));
  EXPECT_EQ(t.strides, (Dims{1, 12, 4}));

  EXPECT_NE(ErrorOf("aten.t.default", {{T(kF32, {2, 3, 4})}, {x0}}).find("[2,3,4]"),
            std::string::npos);
  EXPECT_NE(ErrorOf("aten.permute.default", {{T(kF32, {2, 3})}, {x0, L({0, 0})}}).find("twice"),
            std::string::npos);
  EXPECT_NE(ErrorOf("aten.permute.default", {{T(kF32, {2, 3})}, {x0, L({0})}}).find("[2,3]"),
            std::string::npos);
  EXPECT_NE(ErrorOf("aten.transpose.int", {{T(kF32, {2, 3})}, {x0, I(0), I(2)}}).find("dim 2"),
            std::string::npos);
}

TEST(ShapeTest, SelectSliceAndSplitStrides) {
  TensorType t = InferOne("aten.select.int", {{T(kF32, {4, 6})}, {x0, I(1), I(-1)}});
  EXPECT_EQ(t.shape, (Dims{4}));
  EXPECT_EQ(t.strides, (Dims{6}));
  t = InferOne("aten.slice.Tensor", {{T(kF32, {4, 6})}, {x0, I(1), I(1), Argument::None(), I(2)}});
  EXPECT_EQ(t.shape, (Dims{4, 3}));
  EXPECT_EQ(t.strides, (Dims{6, 2}));
  // Out-of-range bounds are clamped; negative ones count from the end.
  t = InferOne("aten.slice.Tensor", {{T(kF32, {5})}, {x0, I(0), I(-3), I(100)}});
  EXPECT_EQ(t.shape, (Dims{3}));
  t = InferOne("aten.slice.Tensor", {{T(kF32, {5})}, {x0, I(0), I(-100), I(-4)}});
  EXPECT_EQ(t.shape, (Dims{1}));
  t = InferOne("aten.slice.Tensor", {{T(kF32, {5})}, {x0, I(0), I(4), I(2)}});
  EXPECT_EQ(t.shape, (Dims{0}));
  t = InferOne("aten.slice.Tensor", {{T(kF32, {5, 2})}, {x0}});
  EXPECT_EQ(t.shape, (Dims{5, 2}));

  absl::StatusOr<std::vector<TensorType>> parts =
      Infer("aten.split.Tensor", {{T(kF32, {8, 2, 96})}, {x0, I(32), I(-1)}});
  ASSERT_TRUE(parts.ok()) << parts.status();
  ASSERT_EQ(parts->size(), 3u);
  EXPECT_EQ((*parts)[2].shape, (Dims{8, 2, 32}));
  EXPECT_EQ((*parts)[2].strides, (Dims{192, 96, 1}));
  parts = Infer("aten.split.Tensor", {{T(kF32, {5, 2})}, {x0, I(2)}});
  ASSERT_TRUE(parts.ok()) << parts.status();
  ASSERT_EQ(parts->size(), 3u);
  EXPECT_EQ((*parts)[2].shape, (Dims{1, 2}));
  parts = Infer("aten.split_with_sizes.default", {{T(kF32, {2, 5})}, {x0, L({1, 0, 4}), I(1)}});
  ASSERT_TRUE(parts.ok()) << parts.status();
  ASSERT_EQ(parts->size(), 3u);
  EXPECT_EQ((*parts)[1].shape, (Dims{2, 0}));
  EXPECT_EQ((*parts)[2].shape, (Dims{2, 4}));

  std::string e = ErrorOf("aten.select.int", {{T(kF32, {3, 4})}, {x0, I(0), I(3)}});
  EXPECT_NE(e.find("index 3 out of range for shape [3,4]"), std::string::npos) << e;
  e = ErrorOf("aten.slice.Tensor", {{T(kF32, {3})}, {x0, I(0), I(0), I(3), I(0)}});
  EXPECT_NE(e.find("step"), std::string::npos) << e;
  e = ErrorOf("aten.split_with_sizes.default", {{T(kF32, {2, 5})}, {x0, L({1, 3}), I(1)}});
  EXPECT_NE(e.find("[1,3]"), std::string::npos) << e;
  EXPECT_NE(e.find("[2,5]"), std::string::npos) << e;
}

TEST(ShapeTest, CloneKeepsDenseLayouts) {
  // No memory format: preserve; a dense transposed layout stays.
  TensorType t = InferOne("aten.clone.default", {{Strided(kF32, {3, 2}, {1, 3})}, {x0}});
  EXPECT_EQ(t.strides, (Dims{1, 3}));
  t = InferOne("aten.clone.default",
               {{Strided(kF32, {128, 8, 256}, {256, 32768, 1})},
                {x0},
                {{"memory_format", Argument::MemoryFormat("contiguous_format")}}});
  EXPECT_EQ(t.strides, (Dims{2048, 256, 1}));
  // A non-dense input: dense strides in its order.
  t = InferOne("aten.clone.default", {{Strided(kF32, {4, 3}, {1, 8})}, {x0}});
  EXPECT_EQ(t.strides, (Dims{1, 4}));
  t = InferOne("aten.clone.default", {{Strided(kF32, {2, 3}, {0, 1})}, {x0}});
  EXPECT_EQ(t.strides, (Dims{3, 1}));
  t = InferOne("aten.clone.default", {{T(kF32, {2, 3, 4, 5})},
                                      {x0},
                                      {{"memory_format", Argument::MemoryFormat("channels_last")}}});
  EXPECT_EQ(t.strides, (Dims{60, 1, 15, 3}));
}

TEST(ShapeTest, ViewKernels) {
  HostTensor x = Iota(kF32, {2, 3});
  std::vector<HostTensor> out = Evaluate("aten.t.default", {x}, {x0});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].shape, (Dims{3, 2}));
  EXPECT_EQ(out[0].data, (std::vector<double>{0, 3, 1, 4, 2, 5}));

  out = Evaluate("aten.slice.Tensor", {Iota(kF32, {7})}, {x0, I(0), I(1), I(-1), I(2)});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].data, (std::vector<double>{1, 3, 5}));

  out = Evaluate("aten.select.int", {x}, {x0, I(1), I(-2)});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].data, (std::vector<double>{1, 4}));

  out = Evaluate("aten.expand.default", {Values(kF32, {2, 1}, {7, 8})}, {x0, L({2, 2, 3})});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].data, (std::vector<double>{7, 7, 7, 8, 8, 8, 7, 7, 7, 8, 8, 8}));

  out = Evaluate("aten.permute.default", {Iota(kF32, {2, 1, 3})}, {x0, L({2, 0, 1})});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].shape, (Dims{3, 2, 1}));
  EXPECT_EQ(out[0].data, (std::vector<double>{0, 3, 1, 4, 2, 5}));

  out = Evaluate("aten.split.Tensor", {Iota(kF32, {5})}, {x0, I(2)});
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[1].data, (std::vector<double>{2, 3}));
  EXPECT_EQ(out[2].data, (std::vector<double>{4}));

  out = Evaluate("aten.split_with_sizes.default", {x}, {x0, L({2, 1}), I(-1)});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].data, (std::vector<double>{0, 1, 3, 4}));
  EXPECT_EQ(out[1].data, (std::vector<double>{2, 5}));

  // Overlapping windows of a contiguous input, from storage offset 1.
  out = Evaluate("aten.as_strided.default", {Iota(kF32, {5})}, {x0, L({3, 2}), L({1, 1}), I(1)});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].data, (std::vector<double>{1, 2, 2, 3, 3, 4}));

  out = Evaluate("aten.view.default", {x}, {x0, L({3, -1})});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].shape, (Dims{3, 2}));
  EXPECT_EQ(out[0].data, x.data);
}

TEST(ShapeTest, JoinsAndTriangles) {
  // cat promotes dtypes and takes a negative dim.
  std::vector<HostTensor> out =
      Evaluate("aten.cat.default", {Iota(DType::kInt64, {2, 1}), Values(kF32, {2, 2}, {.5, 1.5, 2.5, 3.5})},
          {Argument::ValueList({0, 1}), I(-1)});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].dtype, kF32);
  EXPECT_EQ(out[0].data, (std::vector<double>{0, .5, 1.5, 1, 2.5, 3.5}));

  out = Evaluate("aten.stack.default", {Iota(kF32, {2}), Values(kF32, {2}, {5, 6})},
            {Argument::ValueList({0, 1}), I(-1)});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].shape, (Dims{2, 2}));
  EXPECT_EQ(out[0].data, (std::vector<double>{0, 5, 1, 6}));

  out = Evaluate("aten.tril.default", {Iota(kF32, {3, 3})}, {x0, I(-1)});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].data, (std::vector<double>{0, 0, 0, 3, 0, 0, 6, 7, 0}));
  out = Evaluate("aten.triu.default", {Iota(kF32, {2, 2, 3})}, {x0, I(1)});
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].data, (std::vector<double>{0, 1, 2, 0, 0, 5, 0, 7, 8, 0, 0, 11}));

  std::string e = ErrorOf("aten.cat.default", {{T(kF32, {2, 3}), T(kF32, {3, 3})},
                                                {Argument::ValueList({0, 1}), I(1)}});
  EXPECT_NE(e.find("shapes [2,3] and [3,3]"), std::string::npos) << e;
  e = ErrorOf("aten.stack.default", {{T(kF32, {2, 3}), T(kF32, {3, 2})},
                                     {Argument::ValueList({0, 1})}});
  EXPECT_NE(e.find("shapes [2,3] and [3,2]"), std::string::npos) << e;
  e = ErrorOf("aten.tril.default", {{T(kF32, {3})}, {x0}});
  EXPECT_NE(e.find("[3]"), std::string::npos) << e;
}

TEST(ShapeTest, ViewGradients) {
  ExpectGradients({
      {"aten.view.default", {{T(kF64, {2, 6})}, {x0, L({3, -1, 2})}}},
      {"aten.view.default", {{Transposed(kF64, {4, 3})}, {x0, L({2, 2, 3})}, {}, -2, 2, "non-contiguous"}},
      {"aten._unsafe_view.default", {{T(kF64, {2, 3})}, {x0, L({6})}}},
      {"aten.reshape.default", {{Transposed(kF64, {2, 3})}, {x0, L({6})}, {}, -2, 2, "copy"}},
      {"aten._reshape_alias.default", {{T(kF64, {2, 3})}, {x0, L({3, 2}), L({2, 1})}}},
      {"aten.flatten.using_ints", {{T(kF64, {2, 3, 2})}, {x0, I(-2), I(-1)}}},
      {"aten.flatten.using_ints", {{Transposed(kF64, {2, 3, 2})}, {x0}, {}, -2, 2, "copy"}},
      {"aten.expand.default", {{T(kF64, {3, 1})}, {x0, L({2, -1, 4})}, {}, -2, 2, "broadcast"}},
      {"aten.expand.default", {{Transposed(kF64, {1, 3})}, {x0, L({2, 3})}, {}, -2, 2, "non-contiguous"}},
      {"aten.unsqueeze.default", {{Transposed(kF64, {2, 3})}, {x0, I(-2)}}},
      {"aten.squeeze.default", {{T(kF64, {1, 3, 1})}, {x0}}},
      {"aten.squeeze.default", {{Transposed(kF64, {3, 1})}, {x0}, {}, -2, 2, "non-contiguous"}},
      {"aten.squeeze.dim", {{Transposed(kF64, {2, 1})}, {x0, I(-1)}}},
      {"aten.squeeze.dim", {{T(kF64, {2, 3})}, {x0, I(0)}, {}, -2, 2, "not size 1"}},
      {"aten.t.default", {{Transposed(kF64, {2, 3})}, {x0}}},
      {"aten.transpose.int", {{T(kF64, {2, 3, 4})}, {x0, I(-1), I(0)}}},
      {"aten.permute.default", {{Transposed(kF64, {2, 3, 4})}, {x0, L({1, -1, 0})}}},
      {"aten.alias.default", {{Transposed(kF64, {3, 2})}, {x0}}},
      {"aten.clone.default", {{Transposed(kF64, {2, 3})}, {x0}}},
  });
}

TEST(ShapeTest, SlicingGradients) {
  ExpectGradients({
      {"aten.select.int", {{T(kF64, {3, 4})}, {x0, I(1), I(-1)}}},
      {"aten.select.int", {{Transposed(kF64, {3, 4})}, {x0, I(0), I(1)}, {}, -2, 2, "middle"}},
      {"aten.slice.Tensor", {{T(kF64, {3, 7})}, {x0, I(-1), I(1), I(-1), I(3)}, {}, -2, 2, "step"}},
      {"aten.slice.Tensor", {{T(kF64, {3, 7})}, {x0, I(1), I(2), I(7), I(2)}, {}, -2, 2, "step at end"}},
      {"aten.slice.Tensor", {{Transposed(kF64, {5, 2})}, {x0, I(0), Argument::None(), I(100)}, {}, -2, 2, "clamped"}},
      {"aten.slice.Tensor", {{T(kF64, {5})}, {x0, I(0), I(-2)}, {}, -2, 2, "negative start"}},
      {"aten.split.Tensor", {{T(kF64, {5, 2})}, {x0, I(2)}}},
      {"aten.split_with_sizes.default", {{Transposed(kF64, {2, 5})}, {x0, L({1, 4}), I(-1)}}},
      {"aten.cat.default", {{T(kF64, {2, 3}), T(kF64, {2, 1}), Transposed(kF64, {2, 2})},
                            {Argument::ValueList({0, 1, 2}), I(-1)}}},
      {"aten.stack.default", {{T(kF64, {2, 3}), Transposed(kF64, {2, 3})},
                              {Argument::ValueList({0, 1}), I(1)}}},
      {"aten.tril.default", {{T(kF64, {3, 4})}, {x0, I(1)}}},
      {"aten.triu.default", {{Transposed(kF64, {2, 3, 3})}, {x0, I(-1)}}},
  });
}

TEST(ShapeTest, AsStridedGradientAddsOverlaps) {
  ExpectGradients({
      {"aten.as_strided.default", {{T(kF64, {6})}, {x0, L({3, 2}), L({1, 2}), I(1)}, {}, -2, 2, "overlapping"}},
      {"aten.as_strided.default", {{T(kF64, {2, 3})}, {x0, L({3, 2}), L({1, 3})}, {}, -2, 2, "transpose"}},
  });
}

TEST(ShapeTest, DetachStopsGradients) {
  absl::StatusOr<ir::Graph> forward = testing::OneNodeGraph("aten.detach.default", {{T(kF64, {2})}, {x0}});
  ASSERT_TRUE(forward.ok()) << forward.status();
  absl::StatusOr<passes::JointGraph> joint = passes::BuildJointGraph(*forward, 1);
  ASSERT_TRUE(joint.ok()) << joint.status();
  EXPECT_TRUE(joint->tangent_outputs.empty());
}

}  // namespace
}  // namespace aotd::ops
