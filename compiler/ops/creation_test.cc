// Factory ops: result types (dtype defaults, layouts), values, errors.
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
using testing::Sample;
using testing::T;
using testing::Transposed;

constexpr DType kF32 = DType::kFloat32;
constexpr DType kF64 = DType::kFloat64;
constexpr DType kI64 = DType::kInt64;
const Argument x0 = Argument::Value(0);

Argument I(int64_t v) { return Argument::Int(v); }
Argument F(double v) { return Argument::Float(v); }
Argument L(const Dims& v) { return Argument::IntList(v); }
Kwargs WithDType(DType d) { return {{"dtype", Argument::DTypeArg(d)}}; }
Kwargs WithFormat(const char* f) { return {{"memory_format", Argument::MemoryFormat(f)}}; }

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

// The single result of one call; `inputs` are random.
HostTensor Evaluate(const char* op, const Sample& sample) {
  absl::StatusOr<ir::Graph> g = testing::OneNodeGraph(op, sample);
  EXPECT_TRUE(g.ok()) << op << ": " << g.status();
  if (!g.ok()) return {};
  std::mt19937 rng(1);
  absl::StatusOr<std::vector<HostTensor>> out =
      reference::Evaluate(*g, testing::RandomInputs(*g, sample, rng));
  EXPECT_TRUE(out.ok()) << op << ": " << out.status();
  return out.ok() && out->size() == 1 ? (*out)[0] : HostTensor{};
}

TEST(CreationTest, SizedFactories) {
  TensorType t = InferOne("aten.zeros.default", {{}, {L({2, 3})}});
  EXPECT_EQ(t, TensorType::Contiguous(kF32, {2, 3}));
  EXPECT_EQ(InferOne("aten.ones.default", {{}, {L({4})}, WithDType(kI64)}).dtype, kI64);
  // The CNN workload's call.
  t = InferOne("aten.empty.memory_format",
               {{},
                {L({0})},
                {{"dtype", Argument::DTypeArg(DType::kUInt8)},
                 {"layout", Argument::Layout("strided")},
                 {"device", Argument::Device("cpu")}}});
  EXPECT_EQ(t, TensorType::Contiguous(DType::kUInt8, {0}));
  t = InferOne("aten.empty.memory_format", {{}, {L({2, 3, 4, 5})}, WithFormat("channels_last")});
  EXPECT_EQ(t.strides, (Dims{60, 1, 15, 3}));
  // full takes its dtype from the fill value.
  EXPECT_EQ(InferOne("aten.full.default", {{}, {L({2}), I(3)}}).dtype, kI64);
  EXPECT_EQ(InferOne("aten.full.default", {{}, {L({2}), F(.5)}}).dtype, kF32);
  EXPECT_EQ(InferOne("aten.full.default", {{}, {L({2}), Argument::Bool(true)}}).dtype, DType::kBool);
  EXPECT_EQ(InferOne("aten.full.default", {{}, {L({2}), I(3)}, WithDType(kF64)}).dtype, kF64);
  // scalar_tensor does not: it is float32 unless told.
  t = InferOne("aten.scalar_tensor.default", {{}, {I(3)}});
  EXPECT_EQ(t, TensorType::Contiguous(kF32, {}));

  std::string e = ErrorOf("aten.zeros.default", {{}, {L({2, -1})}});
  EXPECT_NE(e.find("negative dimension -1: [2,-1]"), std::string::npos) << e;
  e = ErrorOf("aten.empty.memory_format", {{}, {L({2, 3})}, WithFormat("channels_last")});
  EXPECT_NE(e.find("[2,3]"), std::string::npos) << e;
  e = ErrorOf("aten.empty.memory_format", {{}, {L({2, 3})}, WithFormat("preserve_format")});
  EXPECT_NE(e.find("preserve_format"), std::string::npos) << e;
}

TEST(CreationTest, LikeFactoriesPreserveLayout) {
  // Dense layouts are kept, as empty_like keeps them.
  TensorType t = InferOne("aten.zeros_like.default", {{Transposed(kF32, {2, 3})}, {x0}});
  EXPECT_EQ(t.shape, (Dims{2, 3}));
  EXPECT_EQ(t.strides, (Dims{1, 2}));
  t = InferOne("aten.ones_like.default", {{Transposed(kF32, {2, 3})}, {x0}, WithFormat("contiguous_format")});
  EXPECT_EQ(t.strides, (Dims{3, 1}));
  // An expanded input gets dense strides.
  t = InferOne("aten.empty_like.default", {{TensorType{kF32, {2, 3}, {0, 1}}}, {x0}});
  EXPECT_EQ(t.strides, (Dims{3, 1}));
  // A sliced one keeps its dims' order.
  t = InferOne("aten.empty_like.default", {{TensorType{kF32, {3, 2}, {1, 6}}}, {x0}});
  EXPECT_EQ(t.strides, (Dims{1, 3}));
  // dtype defaults to the input's, also for full_like.
  EXPECT_EQ(InferOne("aten.full_like.default", {{T(DType::kInt32, {2})}, {x0, F(2.7)}}).dtype,
            DType::kInt32);
  EXPECT_EQ(InferOne("aten.zeros_like.default", {{T(DType::kInt32, {2})}, {x0}, WithDType(kF64)}).dtype,
            kF64);
  // new_*: the input's dtype, contiguous, the given size.
  t = InferOne("aten.new_zeros.default", {{Transposed(kF64, {2, 3})}, {x0, L({4, 5})}});
  EXPECT_EQ(t, TensorType::Contiguous(kF64, {4, 5}));
  EXPECT_EQ(InferOne("aten.new_full.default", {{T(kF64, {2})}, {x0, L({3}), I(1)}}).dtype, kF64);
  EXPECT_EQ(InferOne("aten.new_empty.default", {{T(kF64, {2})}, {x0, L({3})}, WithDType(kI64)}).dtype,
            kI64);
  std::string e = ErrorOf("aten.new_zeros.default", {{T(kF64, {2})}, {x0, L({-3})}});
  EXPECT_NE(e.find("[-3]"), std::string::npos) << e;
}

TEST(CreationTest, Values) {
  EXPECT_EQ(Evaluate("aten.zeros.default", {{}, {L({2})}}).data, (std::vector<double>{0, 0}));
  EXPECT_EQ(Evaluate("aten.ones_like.default", {{T(kF32, {2})}, {x0}}).data,
            (std::vector<double>{1, 1}));
  // Fill values are rounded to the dtype.
  EXPECT_EQ(Evaluate("aten.full_like.default", {{T(DType::kInt32, {2})}, {x0, F(2.7)}}).data,
            (std::vector<double>{2, 2}));
  HostTensor f = Evaluate("aten.full.default", {{}, {L({1}), F(0.1)}});
  EXPECT_EQ(f.data[0], static_cast<double>(0.1f));
  EXPECT_EQ(Evaluate("aten.new_full.default", {{T(kF64, {2})}, {x0, L({1, 2}), F(-1.5)}}).data,
            (std::vector<double>{-1.5, -1.5}));
  EXPECT_EQ(Evaluate("aten.scalar_tensor.default", {{}, {I(3)}}).data, (std::vector<double>{3}));
}

TEST(CreationTest, Arange) {
  HostTensor r = Evaluate("aten.arange.default", {{}, {I(5)}});
  EXPECT_EQ(r.dtype, kI64);
  EXPECT_EQ(r.data, (std::vector<double>{0, 1, 2, 3, 4}));
  r = Evaluate("aten.arange.start", {{}, {F(0.5), I(3)}});
  EXPECT_EQ(r.dtype, kF32);
  EXPECT_EQ(r.data, (std::vector<double>{0.5, 1.5, 2.5}));
  EXPECT_EQ(Evaluate("aten.arange.start_step", {{}, {I(1), I(10), I(3)}}).data,
            (std::vector<double>{1, 4, 7}));
  EXPECT_EQ(Evaluate("aten.arange.start_step", {{}, {I(10), I(0), I(-3)}}).data,
            (std::vector<double>{10, 7, 4, 1}));
  EXPECT_EQ(InferOne("aten.arange.start_step", {{}, {I(0), I(1), F(0.1)}}).shape, (Dims{10}));
  EXPECT_EQ(InferOne("aten.arange.default", {{}, {I(5)}, WithDType(kF64)}).dtype, kF64);
  EXPECT_EQ(InferOne("aten.arange.start", {{}, {I(3), I(3)}}).shape, (Dims{0}));
  // An integer dtype truncates the bounds first: 0.5 -> 0 and 4.9 -> 4.
  r = Evaluate("aten.arange.start", {{}, {F(0.5), F(4.9)}, WithDType(kI64)});
  EXPECT_EQ(r.data, (std::vector<double>{0, 1, 2, 3}));

  EXPECT_NE(ErrorOf("aten.arange.start_step", {{}, {I(0), I(3), I(0)}}).find("nonzero"),
            std::string::npos);
  EXPECT_NE(ErrorOf("aten.arange.start_step", {{}, {I(0), I(3), I(-1)}}).find("sign"),
            std::string::npos);
  EXPECT_NE(ErrorOf("aten.arange.start_step", {{}, {I(0), F(2.5), F(0.5)}, WithDType(kI64)})
                .find("nonzero"),
            std::string::npos);
}

TEST(CreationTest, NotDifferentiable) {
  absl::StatusOr<ir::Graph> forward =
      testing::OneNodeGraph("aten.zeros_like.default", {{T(kF64, {3})}, {x0}});
  ASSERT_TRUE(forward.ok()) << forward.status();
  absl::StatusOr<passes::JointGraph> joint = passes::BuildJointGraph(*forward, 1);
  ASSERT_TRUE(joint.ok()) << joint.status();
  EXPECT_TRUE(joint->tangent_outputs.empty());
}

}  // namespace
}  // namespace aotd::ops
