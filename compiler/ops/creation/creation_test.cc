// Factory ops: result types (dtype defaults, layouts), values, errors.
#include <string>
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

TEST(CreationTest, SizedFactories) {
  TensorType t = InferOne("aten.zeros.default", {{}, {L({2, 3})}});
  EXPECT_EQ(t, TensorType::Contiguous(kF32, {2, 3}));
  EXPECT_EQ(InferOne("aten.ones.default", {{}, {L({4})}, WithDType(kI64)}).dtype, kI64);
  // The CNN workload's call.
  t = InferOne("aten.empty.memory_format", {{},
                                            {L({0})},
                                            {{"dtype", D(DType::kUInt8)},
                                             {"layout", Argument::Layout("strided")},
                                             {"device", Argument::Device("cpu")}}});
  EXPECT_EQ(t, TensorType::Contiguous(DType::kUInt8, {0}));
  t = InferOne("aten.empty.memory_format", {{}, {L({2, 3, 4, 5})}, WithFormat("channels_last")});
  EXPECT_EQ(t.strides, (Dims{60, 1, 15, 3}));
  // full takes its dtype from the fill value.
  EXPECT_EQ(InferOne("aten.full.default", {{}, {L({2}), I(3)}}).dtype, kI64);
  EXPECT_EQ(InferOne("aten.full.default", {{}, {L({2}), F(.5)}}).dtype, kF32);
  EXPECT_EQ(InferOne("aten.full.default", {{}, {L({2}), B(true)}}).dtype, kBool);
  EXPECT_EQ(InferOne("aten.full.default", {{}, {L({2}), I(3)}, WithDType(kF64)}).dtype, kF64);
  // scalar_tensor does not: it is float32 unless told.
  t = InferOne("aten.scalar_tensor.default", {{}, {I(3)}});
  EXPECT_EQ(t, TensorType::Contiguous(kF32, {}));

  std::string e = ErrorOf("aten.zeros.default", {{}, {L({2, -1})}});
  EXPECT_THAT(e, HasSubstr("negative dimension -1: [2,-1]"));
  e = ErrorOf("aten.empty.memory_format", {{}, {L({2, 3})}, WithFormat("channels_last")});
  EXPECT_THAT(e, HasSubstr("[2,3]"));
  e = ErrorOf("aten.empty.memory_format", {{}, {L({2, 3})}, WithFormat("preserve_format")});
  EXPECT_THAT(e, HasSubstr("preserve_format"));
}

TEST(CreationTest, LikeFactoriesPreserveLayout) {
  // Dense layouts are kept, as empty_like keeps them.
  TensorType t = InferOne("aten.zeros_like.default", {{Transposed(kF32, {2, 3})}, {X(0)}});
  EXPECT_EQ(t.shape, (Dims{2, 3}));
  EXPECT_EQ(t.strides, (Dims{1, 2}));
  t = InferOne("aten.ones_like.default",
               {{Transposed(kF32, {2, 3})}, {X(0)}, WithFormat("contiguous_format")});
  EXPECT_EQ(t.strides, (Dims{3, 1}));
  // An expanded input gets dense strides.
  t = InferOne("aten.empty_like.default", {{TensorType{kF32, {2, 3}, {0, 1}}}, {X(0)}});
  EXPECT_EQ(t.strides, (Dims{3, 1}));
  // A sliced one keeps its dims' order.
  t = InferOne("aten.empty_like.default", {{TensorType{kF32, {3, 2}, {1, 6}}}, {X(0)}});
  EXPECT_EQ(t.strides, (Dims{1, 3}));
  // dtype defaults to the input's, also for full_like.
  EXPECT_EQ(InferOne("aten.full_like.default", {{T(kI32, {2})}, {X(0), F(2.7)}}).dtype, kI32);
  EXPECT_EQ(InferOne("aten.zeros_like.default", {{T(kI32, {2})}, {X(0)}, WithDType(kF64)}).dtype,
            kF64);
  // new_*: the input's dtype, contiguous, the given size.
  t = InferOne("aten.new_zeros.default", {{Transposed(kF64, {2, 3})}, {X(0), L({4, 5})}});
  EXPECT_EQ(t, TensorType::Contiguous(kF64, {4, 5}));
  EXPECT_EQ(InferOne("aten.new_full.default", {{T(kF64, {2})}, {X(0), L({3}), I(1)}}).dtype, kF64);
  EXPECT_EQ(
      InferOne("aten.new_empty.default", {{T(kF64, {2})}, {X(0), L({3})}, WithDType(kI64)}).dtype,
      kI64);
  std::string e = ErrorOf("aten.new_zeros.default", {{T(kF64, {2})}, {X(0), L({-3})}});
  EXPECT_THAT(e, HasSubstr("[-3]"));
}

TEST(CreationTest, Values) {
  EXPECT_EQ(EvaluateOne("aten.zeros.default", {}, {L({2})}).data, (std::vector<double>{0, 0}));
  EXPECT_EQ(EvaluateOne("aten.ones_like.default", {Values(kF32, {2}, {5, -7})}, {X(0)}).data,
            (std::vector<double>{1, 1}));
  // Fill values are rounded to the dtype.
  EXPECT_EQ(
      EvaluateOne("aten.full_like.default", {Values(kI32, {2}, {5, -7})}, {X(0), F(2.7)}).data,
      (std::vector<double>{2, 2}));
  HostTensor f = EvaluateOne("aten.full.default", {}, {L({1}), F(0.1)});
  EXPECT_EQ(f.data[0], static_cast<double>(0.1f));
  EXPECT_EQ(
      EvaluateOne("aten.new_full.default", {Values(kF64, {2}, {5, -7})}, {X(0), L({1, 2}), F(-1.5)})
          .data,
      (std::vector<double>{-1.5, -1.5}));
  EXPECT_EQ(EvaluateOne("aten.scalar_tensor.default", {}, {I(3)}).data, (std::vector<double>{3}));
}

TEST(CreationTest, Arange) {
  HostTensor r = EvaluateOne("aten.arange.default", {}, {I(5)});
  EXPECT_EQ(r.dtype, kI64);
  EXPECT_EQ(r.data, (std::vector<double>{0, 1, 2, 3, 4}));
  r = EvaluateOne("aten.arange.start", {}, {F(0.5), I(3)});
  EXPECT_EQ(r.dtype, kF32);
  EXPECT_EQ(r.data, (std::vector<double>{0.5, 1.5, 2.5}));
  EXPECT_EQ(EvaluateOne("aten.arange.start_step", {}, {I(1), I(10), I(3)}).data,
            (std::vector<double>{1, 4, 7}));
  EXPECT_EQ(EvaluateOne("aten.arange.start_step", {}, {I(10), I(0), I(-3)}).data,
            (std::vector<double>{10, 7, 4, 1}));
  EXPECT_EQ(InferOne("aten.arange.start_step", {{}, {I(0), I(1), F(0.1)}}).shape, (Dims{10}));
  EXPECT_EQ(InferOne("aten.arange.default", {{}, {I(5)}, WithDType(kF64)}).dtype, kF64);
  EXPECT_EQ(InferOne("aten.arange.start", {{}, {I(3), I(3)}}).shape, (Dims{0}));
  // An integer dtype truncates the bounds first: 0.5 -> 0 and 4.9 -> 4.
  r = EvaluateOne("aten.arange.start", {}, {F(0.5), F(4.9)}, WithDType(kI64));
  EXPECT_EQ(r.data, (std::vector<double>{0, 1, 2, 3}));

  EXPECT_THAT(ErrorOf("aten.arange.start_step", {{}, {I(0), I(3), I(0)}}), HasSubstr("nonzero"));
  EXPECT_THAT(ErrorOf("aten.arange.start_step", {{}, {I(0), I(3), I(-1)}}), HasSubstr("sign"));
  EXPECT_THAT(ErrorOf("aten.arange.start_step", {{}, {I(0), F(2.5), F(0.5)}, WithDType(kI64)}),
              HasSubstr("nonzero"));
}

TEST(CreationTest, NotDifferentiable) {
  absl::StatusOr<passes::JointGraph> joint =
      OneNodeJointGraph("aten.zeros_like.default", {{T(kF64, {3})}, {X(0)}});
  ASSERT_TRUE(joint.ok()) << joint.status();
  EXPECT_TRUE(joint->tangent_outputs.empty());
}

}  // namespace
}  // namespace aotd::ops::testing
