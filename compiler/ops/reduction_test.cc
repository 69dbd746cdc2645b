// Reductions: result types, kernels, gradients (ties and zeros included).
#include <cmath>
#include <limits>
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
constexpr DType kI64 = DType::kInt64;
const Argument x0 = Argument::Value(0);
const double kNaN = std::numeric_limits<double>::quiet_NaN();

Argument I(int64_t v) { return Argument::Int(v); }
Argument L(const Dims& v) { return Argument::IntList(v); }
Argument B(bool v) { return Argument::Bool(v); }
Kwargs WithDType(DType d) { return {{"dtype", Argument::DTypeArg(d)}}; }

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

// The single result of one call evaluated on `input`.
HostTensor Evaluate(const char* op, const HostTensor& input, std::vector<Argument> args,
                    Kwargs kwargs = {}) {
  absl::StatusOr<ir::Graph> g =
      testing::OneNodeGraph(op, {{T(input.dtype, input.shape)}, std::move(args), std::move(kwargs)});
  EXPECT_TRUE(g.ok()) << op << ": " << g.status();
  if (!g.ok()) return {};
  absl::StatusOr<std::vector<HostTensor>> out = reference::Evaluate(*g, {input});
  EXPECT_TRUE(out.ok()) << op << ": " << out.status();
  return out.ok() && out->size() == 1 ? (*out)[0] : HostTensor{};
}

// The gradient of `input` when the result's gradient is all ones.
HostTensor GradientOf(const char* op, const HostTensor& input, std::vector<Argument> args) {
  absl::StatusOr<ir::Graph> g =
      testing::OneNodeGraph(op, {{T(input.dtype, input.shape)}, std::move(args)});
  EXPECT_TRUE(g.ok()) << op << ": " << g.status();
  if (!g.ok()) return {};
  absl::StatusOr<passes::JointGraph> joint = passes::BuildJointGraph(*g, 1);
  EXPECT_TRUE(joint.ok()) << op << ": " << joint.status();
  if (!joint.ok()) return {};
  const TensorType& out = g->type(g->outputs()[0]);
  HostTensor ones = HostTensor::Full(out.dtype, out.shape, 1);
  absl::StatusOr<std::vector<HostTensor>> values = reference::Evaluate(joint->graph, {input, ones});
  EXPECT_TRUE(values.ok()) << op << ": " << values.status();
  return values.ok() ? values->back() : HostTensor{};
}

void ExpectGradients(const std::vector<std::pair<const char*, Sample>>& cases) {
  for (const auto& [op, sample] : cases) {
    absl::Status s = CheckGradients(op, sample);
    EXPECT_TRUE(s.ok()) << op << " " << sample.note << ": " << s;
  }
}

TEST(ReductionTest, ResultTypes) {
  TensorType t = InferOne("aten.sum.dim_IntList", {{T(kF32, {2, 3, 4})}, {x0, L({0, -1}), B(true)}});
  EXPECT_EQ(t.shape, (Dims{1, 3, 1}));
  EXPECT_EQ(t.dtype, kF32);
  t = InferOne("aten.sum.dim_IntList", {{T(kF32, {2, 3, 4})}, {x0, L({-2})}});
  EXPECT_EQ(t.shape, (Dims{2, 4}));
  EXPECT_EQ(t.strides, (Dims{4, 1}));
  // None and [] reduce every dim.
  EXPECT_EQ(InferOne("aten.sum.dim_IntList", {{T(kF32, {2, 3})}, {x0, Argument::None()}}).shape, Dims{});
  EXPECT_EQ(InferOne("aten.sum.dim_IntList", {{T(kF32, {2, 3})}, {x0, L({}), B(true)}}).shape,
            (Dims{1, 1}));
  // Integer and bool sums and products are int64; dtype overrides.
  EXPECT_EQ(InferOne("aten.sum.dim_IntList", {{T(DType::kInt32, {2})}, {x0, L({0})}}).dtype, kI64);
  EXPECT_EQ(InferOne("aten.sum.default", {{T(DType::kBool, {2})}, {x0}}).dtype, kI64);
  EXPECT_EQ(InferOne("aten.prod.default", {{T(DType::kUInt8, {2})}, {x0}}).dtype, kI64);
  EXPECT_EQ(InferOne("aten.prod.dim_int", {{T(DType::kInt8, {2, 3})}, {x0, I(-1)}}).shape, (Dims{2}));
  EXPECT_EQ(InferOne("aten.sum.default", {{T(DType::kInt32, {2})}, {x0}, WithDType(kF64)}).dtype,
            kF64);
  EXPECT_EQ(InferOne("aten.sum.default", {{T(DType::kFloat16, {2})}, {x0}}).dtype, DType::kFloat16);
  // mean needs a floating dtype, the input's or the one asked for.
  EXPECT_EQ(InferOne("aten.mean.dim", {{T(kI64, {2, 3})}, {x0, L({1})}, WithDType(kF32)}).dtype,
            kF32);
  EXPECT_NE(ErrorOf("aten.mean.default", {{T(kI64, {2})}, {x0}}).find("int64"), std::string::npos);
  EXPECT_NE(ErrorOf("aten.var.correction", {{T(kI64, {2})}, {x0, Argument::None()}, {{"correction", I(1)}}}).find("int64"),
            std::string::npos);
  EXPECT_EQ(InferOne("aten.var.dim", {{T(kF64, {2, 3})}, {x0, L({0}), B(true), B(true)}}).shape,
            (Dims{1, 3}));
  EXPECT_EQ(InferOne("aten.amax.default", {{T(DType::kInt32, {2, 3})}, {x0, L({1})}}).dtype,
            DType::kInt32);
  EXPECT_EQ(InferOne("aten.amin.default", {{T(kF32, {2, 3})}, {x0}}).shape, Dims{});
  // argmax: int64; dim None flattens, and keepdim keeps every dim as 1.
  t = InferOne("aten.argmax.default", {{T(kF32, {2, 3})}, {x0, Argument::None(), B(true)}});
  EXPECT_EQ(t.dtype, kI64);
  EXPECT_EQ(t.shape, (Dims{1, 1}));
  EXPECT_EQ(InferOne("aten.argmax.default", {{T(kF32, {2, 3})}, {x0, I(0)}}).shape, (Dims{3}));
  // 0-dim inputs accept dim 0 and -1.
  EXPECT_EQ(InferOne("aten.sum.dim_IntList", {{T(kF32, {})}, {x0, L({-1}), B(true)}}).shape, Dims{});
}

TEST(ReductionTest, Errors) {
  std::string e = ErrorOf("aten.sum.dim_IntList", {{T(kF32, {2, 3})}, {x0, L({2})}});
  EXPECT_NE(e.find("dim 2 out of range for a tensor of rank 2"), std::string::npos) << e;
  e = ErrorOf("aten.mean.dim", {{T(kF32, {2, 3})}, {x0, L({1, -1})}});
  EXPECT_NE(e.find("twice"), std::string::npos) << e;
  e = ErrorOf("aten.amax.default", {{T(kF32, {2, 0})}, {x0, L({1})}});
  EXPECT_NE(e.find("[2,0]"), std::string::npos) << e;
  e = ErrorOf("aten.argmax.default", {{T(kF32, {0, 3})}, {x0}});
  EXPECT_NE(e.find("[0,3]"), std::string::npos) << e;
}

TEST(ReductionTest, Kernels) {
  HostTensor x = Values(kF32, {2, 3}, {1, 5, 3, 4, 2, 6});
  HostTensor s = Evaluate("aten.sum.dim_IntList", x, {x0, L({-1}), B(true)});
  EXPECT_EQ(s.shape, (Dims{2, 1}));
  EXPECT_EQ(s.data, (std::vector<double>{9, 12}));
  EXPECT_EQ(Evaluate("aten.sum.default", Values(DType::kBool, {3}, {1, 0, 1}), {x0}).data,
            (std::vector<double>{2}));
  EXPECT_EQ(Evaluate("aten.mean.dim", x, {x0, L({0})}).data, (std::vector<double>{2.5, 3.5, 4.5}));
  // Variance of {1, 5, 3}: squares sum to 8.
  HostTensor v = Evaluate("aten.var.correction", x, {x0, L({1})}, {{"correction", I(0)}});
  EXPECT_NEAR(v.data[0], 8.0 / 3, 1e-6);
  v = Evaluate("aten.var.correction", x, {x0, L({1})}, {{"correction", I(2)}});
  EXPECT_NEAR(v.data[0], 8.0, 1e-6);
  v = Evaluate("aten.var.correction", x, {x0, L({1})}, {{"correction", Argument::None()}});  // 1.
  EXPECT_NEAR(v.data[0], 4.0, 1e-6);
  v = Evaluate("aten.var.dim", x, {x0, L({1}), B(false)});
  EXPECT_NEAR(v.data[0], 8.0 / 3, 1e-6);
  EXPECT_EQ(Evaluate("aten.amax.default", x, {x0, L({0})}).data, (std::vector<double>{4, 5, 6}));
  EXPECT_EQ(Evaluate("aten.amin.default", x, {x0}).data, (std::vector<double>{1}));
  EXPECT_TRUE(std::isnan(
      Evaluate("aten.amax.default", Values(kF32, {3}, {1, kNaN, 2}), {x0}).data[0]));
  // argmax: the first maximum; NaN counts as the maximum.
  EXPECT_EQ(Evaluate("aten.argmax.default", Values(kF32, {4}, {1, 3, 3, 2}), {x0}).data,
            (std::vector<double>{1}));
  EXPECT_EQ(Evaluate("aten.argmax.default", Values(kF32, {3}, {1, kNaN, 2}), {x0}).data,
            (std::vector<double>{1}));
  EXPECT_EQ(Evaluate("aten.argmax.default", x, {x0, I(0), B(true)}).data,
            (std::vector<double>{1, 0, 1}));
  EXPECT_EQ(Evaluate("aten.argmax.default", x, {x0}).data, (std::vector<double>{5}));
  EXPECT_EQ(Evaluate("aten.prod.dim_int", x, {x0, I(1)}).data, (std::vector<double>{15, 48}));
  EXPECT_EQ(Evaluate("aten.prod.default", Values(DType::kInt32, {3}, {2, -3, 4}), {x0}).data,
            (std::vector<double>{-24}));
}

TEST(ReductionTest, Gradients) {
  ExpectGradients({
      {"aten.sum.dim_IntList", {{T(kF64, {2, 3, 4})}, {x0, L({0, -1})}}},
      {"aten.sum.dim_IntList", {{Transposed(kF64, {3, 4})}, {x0, L({-2}), B(true)}, {}, -2, 2, "keepdim"}},
      {"aten.sum.dim_IntList", {{T(kF64, {2, 3})}, {x0, Argument::None()}, {}, -2, 2, "all dims"}},
      {"aten.sum.default", {{Transposed(kF64, {2, 3})}, {x0}}},
      {"aten.mean.dim", {{T(kF64, {2, 3, 4})}, {x0, L({1}), B(true)}}},
      {"aten.mean.dim", {{Transposed(kF64, {3, 4})}, {x0, L({-1, 0})}}},
      {"aten.mean.default", {{Transposed(kF64, {2, 4})}, {x0}}},
      {"aten.amax.default", {{T(kF64, {3, 4})}, {x0, L({-1})}}},
      {"aten.amax.default", {{Transposed(kF64, {3, 4})}, {x0, L({0}), B(true)}, {}, -2, 2, "keepdim"}},
      {"aten.amin.default", {{Transposed(kF64, {2, 3})}, {x0}}},
      {"aten.var.correction", {{T(kF64, {3, 4})}, {x0, L({1})}, {{"correction", Argument::None()}}}},
      {"aten.var.correction", {{Transposed(kF64, {3, 4})}, {x0, Argument::None()}, {{"correction", I(0)}, {"keepdim", B(true)}}, -2, 2, "correction 0"}},
      {"aten.var.dim", {{T(kF64, {3, 4})}, {x0, L({-2}), B(false), B(true)}}},
      {"aten.var.dim", {{Transposed(kF64, {3, 4})}, {x0, L({0, 1})}}},
      {"aten.prod.default", {{Transposed(kF64, {2, 3})}, {x0}, {}, 0.5, 1.5}},
      {"aten.prod.dim_int", {{Transposed(kF64, {3, 4})}, {x0, I(-1)}, {}, -2, 2, "non-contiguous"}},
      {"aten.prod.dim_int", {{T(kF64, {3, 4})}, {x0, I(0), B(true)}, {}, -2, 2, "keepdim"}},
  });
}

TEST(ReductionTest, ExtremumGradientIsSharedAmongTies) {
  HostTensor g = GradientOf("aten.amax.default", Values(kF64, {4}, {1, 3, 3, 2}), {x0});
  EXPECT_EQ(g.data, (std::vector<double>{0, 0.5, 0.5, 0}));
  g = GradientOf("aten.amin.default", Values(kF64, {2, 3}, {1, 1, 1, 4, 2, 2}), {x0, L({1})});
  EXPECT_EQ(g.data, (std::vector<double>{1.0 / 3, 1.0 / 3, 1.0 / 3, 0, 0.5, 0.5}));
}

TEST(ReductionTest, ProdGradientWithZeros) {
  // One zero: only it gets the product of the others. Two: nothing.
  HostTensor g = GradientOf("aten.prod.default", Values(kF64, {3}, {2, 0, 3}), {x0});
  EXPECT_EQ(g.data, (std::vector<double>{0, 6, 0}));
  g = GradientOf("aten.prod.default", Values(kF64, {3}, {0, 0, 3}), {x0});
  EXPECT_EQ(g.data, (std::vector<double>{0, 0, 0}));
  g = GradientOf("aten.prod.dim_int", Values(kF64, {2, 3}, {2, 0, 3, 1, 2, 3}), {x0, I(-1)});
  EXPECT_EQ(g.data, (std::vector<double>{0, 6, 0, 6, 3, 2}));
}

TEST(ReductionTest, ArgmaxIsNotDifferentiable) {
  absl::StatusOr<ir::Graph> forward =
      testing::OneNodeGraph("aten.argmax.default", {{T(kF64, {3})}, {x0}});
  ASSERT_TRUE(forward.ok()) << forward.status();
  absl::StatusOr<passes::JointGraph> joint = passes::BuildJointGraph(*forward, 1);
  ASSERT_TRUE(joint.ok()) << joint.status();
  EXPECT_TRUE(joint->tangent_outputs.empty());
}

}  // namespace
}  // namespace aotd::ops
