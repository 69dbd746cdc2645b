// Normalization: inference, kernels and finite-difference gradients.
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

Argument Mask(bool a, bool b, bool c) { return Argument::List({B(a), B(b), B(c)}); }

TEST(NnTest, NormalizationInference) {
  // The a_mlp workload's layer norm: mean and rstd keep the normalized dims.
  absl::StatusOr<std::vector<TensorType>> r =
      Infer("aten.native_layer_norm.default", {{T(kF32, {64, 512}), T(kF32, {512}), T(kF32, {512})},
                                               {X(0), L({512}), X(1), X(2), F(1e-5)}});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF32, {64, 512});
  ExpectType((*r)[1], kF32, {64, 1});
  ExpectType((*r)[2], kF32, {64, 1});
  EXPECT_EQ((*r)[1].strides, (Dims{1, 1}));
  r = Infer("aten.native_layer_norm.default",
            {{T(kF64, {2, 3, 4, 5})}, {X(0), L({4, 5}), None(), None(), F(1e-5)}});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[1], kF64, {2, 3, 1, 1});
  r = Infer("aten.native_layer_norm_backward.default",
            {{T(kF32, {6, 4}), T(kF32, {6, 4}), T(kF32, {6, 1}), T(kF32, {6, 1}), T(kF32, {4})},
             {X(0), X(1), L({4}), X(2), X(3), X(4), None(), Mask(true, true, false)}});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF32, {6, 4});
  ExpectType((*r)[1], kF32, {4});
  ExpectType((*r)[2], kF32, {0});

  // Batch norm: saved statistics per channel when training, empty in eval.
  std::vector<TensorType> bn = {T(kF32, {2, 4, 8, 8}), T(kF32, {4}), T(kF32, {4}), T(kF32, {4}),
                                T(kF32, {4})};
  r = Infer("aten.native_batch_norm.default",
            {bn, {X(0), X(1), X(2), X(3), X(4), B(true), F(0.1), F(1e-5)}});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF32, {2, 4, 8, 8});
  ExpectType((*r)[1], kF32, {4});
  ExpectType((*r)[2], kF32, {4});
  r = Infer("aten.native_batch_norm.default",
            {bn, {X(0), X(1), X(2), X(3), X(4), B(false), F(0.1), F(1e-5)}});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[1], kF32, {0});
  ExpectType((*r)[2], kF32, {0});
  r = Infer("aten.native_batch_norm_backward.default",
            {{T(kF32, {2, 4, 3}), T(kF32, {2, 4, 3}), T(kF32, {4}), T(kF32, {4})},
             {X(0), X(1), None(), None(), None(), X(2), X(3), B(true), F(1e-5),
              Mask(true, false, true)}});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF32, {2, 4, 3});
  ExpectType((*r)[1], kF32, {0});
  ExpectType((*r)[2], kF32, {4});

  EXPECT_THAT(
      ErrorOf("aten.native_layer_norm.default",
              {{T(kF32, {64, 256})}, {X(0), L({512}), None(), None(), F(1e-5)}}),
      HasSubstr("Given normalized_shape=[512], expected input with shape [*, 512], but got input "
                "of size [64,256]"));
  EXPECT_THAT(ErrorOf("aten.native_layer_norm.default", {{T(kF32, {64, 512}), T(kF32, {256})},
                                                         {X(0), L({512}), X(1), None(), F(1e-5)}}),
              HasSubstr("weight of shape [256]"));
  EXPECT_THAT(ErrorOf("aten.native_batch_norm.default",
                      {{T(kF32, {2, 4, 8}), T(kF32, {5})},
                       {X(0), X(1), None(), None(), None(), B(true), F(0.1), F(1e-5)}}),
              HasSubstr("weight should contain 4 elements not 5"));
  EXPECT_THAT(ErrorOf("aten.native_batch_norm.default",
                      {{T(kF32, {2, 4, 8})},
                       {X(0), None(), None(), None(), None(), B(false), F(0.1), F(1e-5)}}),
              HasSubstr("must be defined in evaluation mode"));
}

TEST(NnTest, NormalizationKernels) {
  absl::StatusOr<std::vector<HostTensor>> r = Evaluate(
      "aten.native_layer_norm.default",
      {Values(kF64, {2, 2}, {1, 3, 2, 2}), Values(kF64, {2}, {2, 1}), Values(kF64, {2}, {0, 10})},
      {X(0), L({2}), X(1), X(2), F(1e-5)});
  ASSERT_TRUE(r.ok()) << r.status();
  double r0 = 1 / std::sqrt(1 + 1e-5), r1 = 1 / std::sqrt(1e-5);
  ExpectValues((*r)[0], {2, 2}, {-2 * r0, r0 + 10, 0, 10});
  ExpectValues((*r)[1], {2, 1}, {2, 2});
  ExpectValues((*r)[2], {2, 1}, {r0, r1}, 1e-6);

  HostTensor x = Values(kF64, {2, 2}, {1, 10, 3, 30});
  HostTensor w = Values(kF64, {2}, {2, 3}), b = Values(kF64, {2}, {0, 1});
  HostTensor rm = Values(kF64, {2}, {1, 10}), rv = Values(kF64, {2}, {4, 100});
  r = Evaluate("aten.native_batch_norm.default", {x, w, b, rm, rv},
               {X(0), X(1), X(2), X(3), X(4), B(true), F(0.1), F(0)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectValues((*r)[0], {2, 2}, {-2, -2, 2, 4});
  ExpectValues((*r)[1], {2}, {2, 20});
  ExpectValues((*r)[2], {2}, {1, 0.1});
  // Eval normalizes with the running statistics and saves nothing.
  r = Evaluate("aten.native_batch_norm.default", {x, rm, rv},
               {X(0), None(), None(), X(1), X(2), B(false), F(0.1), F(0)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectValues((*r)[0], {2, 2}, {0, 0, 1, 2});
  ExpectValues((*r)[1], {0}, {});

  // Eval backward scales by weight * invstd; training subtracts the
  // gradient's projection on the batch statistics.
  r = Evaluate(
      "aten.native_batch_norm_backward.default", {Values(kF64, {2, 2}, {1, 1, 1, 2}), x, w, rm, rv},
      {X(0), X(1), X(2), X(3), X(4), None(), None(), B(false), F(0), Mask(true, true, true)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectValues((*r)[0], {2, 2}, {1, 0.3, 1, 0.6});
  ExpectValues((*r)[1], {2}, {0 + 1, 0 + 2 * 2});
  ExpectValues((*r)[2], {2}, {2, 3});
  r = Evaluate(
      "aten.native_batch_norm_backward.default",
      {Values(kF64, {2, 2}, {1, 1, 1, 1}), x, Values(kF64, {2}, {2, 20}),
       Values(kF64, {2}, {1, 0.1})},
      {X(0), X(1), None(), None(), None(), X(2), X(3), B(true), F(0), Mask(true, true, false)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectValues((*r)[0], {2, 2}, {0, 0, 0, 0});  // A constant shift normalizes away.
  ExpectValues((*r)[1], {2}, {0, 0});
}

TEST(NnTest, NormalizationGradients) {
  // Gradients flow from the normalized output to input, weight and bias
  // only (not to mean and rstd or the running statistics), as in PyTorch.
  ExpectGradients({
      {"aten.native_layer_norm.default",
       {{T(kF64, {3, 4, 5}), T(kF64, {4, 5}), T(kF64, {4, 5})},
        {X(0), L({4, 5}), X(1), X(2), F(1e-5)},
        {},
        -2,
        2,
        "affine, two normalized dims",
        /*tangent_outputs=*/{0}}},
      {"aten.native_layer_norm.default",
       {{Transposed(kF64, {3, 4})},
        {X(0), L({4}), None(), None(), F(1e-3)},
        {},
        -2,
        2,
        "no affine, non-contiguous",
        /*tangent_outputs=*/{0}}},
      {"aten.native_batch_norm.default",
       {{T(kF64, {4, 3, 2, 2}), T(kF64, {3}), T(kF64, {3}), T(kF64, {3}), T(kF64, {3})},
        {X(0), X(1), X(2), X(3), X(4), B(true), F(0.1), F(1e-5)},
        {},
        0.5,
        2,
        "training",
        /*tangent_outputs=*/{0},
        /*no_grad_inputs=*/{3, 4}}},
      {"aten.native_batch_norm.default",
       {{Transposed(kF64, {5, 2})},
        {X(0), None(), None(), None(), None(), B(true), F(0.1), F(1e-5)},
        {},
        -2,
        2,
        "training, no affine, no running stats, non-contiguous",
        /*tangent_outputs=*/{0}}},
      {"aten.native_batch_norm.default",
       {{T(kF64, {4, 3, 5}), T(kF64, {3}), T(kF64, {3}), T(kF64, {3}), T(kF64, {3})},
        {X(0), X(1), X(2), X(3), X(4), B(false), F(0.1), F(1e-5)},
        {},
        0.5,
        2,
        "eval",
        /*tangent_outputs=*/{0},
        /*no_grad_inputs=*/{3, 4}}},
  });
}

TEST(NnTest, GroupNorm) {
  // [N, C, H, W] = [2, 6, 2, 3] in 3 groups: statistics per (sample, group).
  std::vector<TensorType> gn = {T(kF32, {2, 6, 2, 3}), T(kF32, {6}), T(kF32, {6})};
  absl::StatusOr<std::vector<TensorType>> r = Infer(
      "aten.native_group_norm.default", {gn, {X(0), X(1), X(2), I(2), I(6), I(6), I(3), F(1e-5)}});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF32, {2, 6, 2, 3});
  ExpectType((*r)[1], kF32, {2, 3});
  ExpectType((*r)[2], kF32, {2, 3});
  r = Infer("aten.native_group_norm_backward.default",
            {{T(kF32, {2, 6, 6}), T(kF32, {2, 6, 6}), T(kF32, {2, 3}), T(kF32, {2, 3})},
             {X(0), X(1), X(2), X(3), None(), I(2), I(6), I(6), I(3), Mask(true, false, true)}});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectType((*r)[0], kF32, {2, 6, 6});
  ExpectType((*r)[1], kF32, {0});
  ExpectType((*r)[2], kF32, {6});

  auto error = [](std::vector<TensorType> tensors, int64_t c, int64_t hxw, int64_t group) {
    std::vector<Argument> args = {X(0), tensors.size() > 1 ? X(1) : None(), None(), I(2), I(c),
                                  I(hxw), I(group), F(1e-5)};
    return ErrorOf("aten.native_group_norm.default", {tensors, args});
  };
  EXPECT_THAT(error({T(kF32, {2, 6, 4})}, 6, 4, 4),
              HasSubstr("Expected number of channels in input to be divisible by num_groups, but "
                        "got input of shape [2,6,4] and num_groups=4"));
  EXPECT_THAT(error({T(kF32, {2, 6, 4}), T(kF32, {4})}, 6, 4, 3),
              HasSubstr("weight of shape [4] and input of shape [2,6,4]"));
  EXPECT_THAT(error({T(kF32, {2, 6, 4}), T(kF64, {6})}, 6, 4, 3), HasSubstr("same dtype"));
  EXPECT_THAT(error({T(kF32, {2, 6, 4})}, 6, 5, 3), HasSubstr("HxW=5"));
  EXPECT_THAT(error({T(kF32, {2, 6, 4})}, 6, 4, 0), HasSubstr("num_groups must be positive"));
  EXPECT_THAT(error({T(kI64, {2, 6, 4})}, 6, 4, 3), HasSubstr("must be floating point"));

  // One group without affine is layer norm over all but the batch dim.
  HostTensor x = Values(kF64, {2, 2, 2}, {1, 2, 4, 8, -1, 0, 3, 5});
  std::vector<HostTensor> g = *Evaluate("aten.native_group_norm.default", {x},
                                        {X(0), None(), None(), I(2), I(2), I(2), I(1), F(1e-5)});
  std::vector<HostTensor> l = *Evaluate("aten.native_layer_norm.default", {x},
                                        {X(0), L({2, 2}), None(), None(), F(1e-5)});
  ExpectValues(g[0], {2, 2, 2}, l[0].data);
  ExpectValues(g[1], {2, 1}, l[1].data);
  ExpectValues(g[2], {2, 1}, l[2].data);
  // Two groups of one channel: each channel normalized alone, then scaled.
  g = *Evaluate("aten.native_group_norm.default",
                {x, Values(kF64, {2}, {2, 1}), Values(kF64, {2}, {0, 10})},
                {X(0), X(1), X(2), I(2), I(2), I(2), I(2), F(0)});
  ExpectValues(g[0], {2, 2, 2}, {-2, 2, 9, 11, -2, 2, 9, 11});
  ExpectValues(g[1], {2, 2}, {1.5, 6, -0.5, 4});
  ExpectValues(g[2], {2, 2}, {2, 0.5, 2, 1});

  // Gradients flow to input, weight and bias, not from mean and rstd.
  ExpectGradients({
      {"aten.native_group_norm.default",
       {{T(kF64, {2, 6, 2, 2}), T(kF64, {6}), T(kF64, {6})},
        {X(0), X(1), X(2), I(2), I(6), I(4), I(3), F(1e-5)},
        {},
        -2,
        2,
        "affine",
        /*tangent_outputs=*/{0}}},
      {"aten.native_group_norm.default",
       {{Transposed(kF64, {3, 4})},
        {X(0), None(), None(), I(3), I(4), I(1), I(2), F(1e-3)},
        {},
        -2,
        2,
        "no affine, non-contiguous, HxW=1",
        /*tangent_outputs=*/{0}}},
  });
}

// Checks a norm's double backward on a graph running its forward node, then
// its backward node on the forward's saved statistics, so that they move
// with the input under finite differences. `forward_args` and
// `backward_args` use X(i) for input i and X(kSaved + k) for the forward's
// result k; the outputs are the backward's results the mask asks for.
// Inputs from `first_no_grad` on do not require grad; values lie in [low,
// high).
constexpr int kSaved = 100;

absl::Status CheckNormDoubleBackward(const std::string& forward_op, const std::string& backward_op,
                                     const std::vector<TensorType>& inputs,
                                     const std::vector<Argument>& forward_args,
                                     const std::vector<Argument>& backward_args,
                                     const std::string& label, size_t first_no_grad = 100,
                                     double low = -2, double high = 2) {
  ir::Graph g;
  GraphBuilder b(g);
  std::vector<ir::ValueId> values;
  for (size_t i = 0; i < inputs.size(); ++i) {
    values.push_back(g.AddInput("x" + std::to_string(i), inputs[i], i < first_no_grad));
  }
  std::vector<ir::ValueId> saved;
  auto resolve = [&](std::vector<Argument> args) {
    for (Argument& a : args) {
      if (!a.is_value()) continue;
      const int i = a.AsValue();
      a = Argument::Value(i >= kSaved ? saved.at(i - kSaved) : values.at(i));
    }
    return args;
  };
  saved = b.MultiOp(forward_op, resolve(forward_args));
  std::vector<ir::ValueId> grads = b.MultiOp(backward_op, resolve(backward_args));
  if (!b.ok()) return b.status();
  std::vector<ir::ValueId> outputs;
  for (size_t k = 0; k < grads.size(); ++k) {
    if (backward_args.back().AsList()[k].AsBool()) outputs.push_back(grads[k]);
  }
  g.SetOutputs(outputs);
  return CheckGraphGradients(g, label, low, high);
}

Argument Mask3(bool a, bool b, bool c) { return Argument::List({B(a), B(b), B(c)}); }

TEST(NnTest, LayerNormDoubleBackward) {
  auto check = [](const std::string& note, TensorType x, Dims normalized, bool weight,
                  Argument mask) {
    std::vector<TensorType> inputs = {x, T(kF64, x.shape)};
    Argument w = None();
    if (weight) {
      inputs.push_back(T(kF64, normalized));
      w = X(2);
    }
    absl::Status status = CheckNormDoubleBackward(
        "aten.native_layer_norm.default", "aten.native_layer_norm_backward.default", inputs,
        {X(0), L(normalized), w, None(), F(1e-5)},
        {X(1), X(0), L(normalized), X(kSaved + 1), X(kSaved + 2), w, None(), mask},
        "layer norm double backward, " + note);
    EXPECT_TRUE(status.ok()) << status;
  };
  check("all results", T(kF64, {3, 4}), {4}, true, Mask3(true, true, true));
  check("non-contiguous, two normalized dims", Transposed(kF64, {2, 3, 4}), {3, 4}, true,
        Mask3(true, true, false));
  check("no weight", T(kF64, {2, 5}), {5}, false, Mask3(true, false, false));
  check("weight and bias gradients only", T(kF64, {2, 2, 3}), {3}, true, Mask3(false, true, true));
}

TEST(NnTest, BatchNormDoubleBackward) {
  // Inputs: x, grad_out, weight, then (eval) running mean and var.
  auto check = [](const std::string& note, TensorType x, bool weight, bool training,
                  Argument mask) {
    const int64_t c = x.shape[1];
    std::vector<TensorType> inputs = {x, T(kF64, x.shape), T(kF64, {c})};
    const Argument w = weight ? X(2) : None();
    Argument running_mean = None(), running_var = None();
    if (!training) {
      inputs.push_back(T(kF64, {c}));
      inputs.push_back(T(kF64, {c}));
      running_mean = X(3);
      running_var = X(4);
    }
    absl::Status status = CheckNormDoubleBackward(
        "aten.native_batch_norm.default", "aten.native_batch_norm_backward.default", inputs,
        {X(0), w, None(), running_mean, running_var, B(training), F(0.1), F(1e-5)},
        {X(1), X(0), w, running_mean, running_var, X(kSaved + 1), X(kSaved + 2), B(training),
         F(1e-5), mask},
        "batch norm double backward, " + note, /*first_no_grad=*/3, training ? -2 : 0.5, 2);
    EXPECT_TRUE(status.ok()) << status;
  };
  check("training", T(kF64, {3, 2, 2}), true, true, Mask3(true, true, true));
  check("training, non-contiguous 4-d", Transposed(kF64, {2, 2, 2, 3}), true, true,
        Mask3(true, true, false));
  check("training, no weight", T(kF64, {4, 3}), false, true, Mask3(true, false, false));
  check("eval", T(kF64, {3, 2, 2}), true, false, Mask3(true, true, true));
}

TEST(NnTest, GroupNormDoubleBackward) {
  auto check = [](const std::string& note, TensorType x, int64_t group, bool weight,
                  Argument mask) {
    const int64_t n = x.shape[0], c = x.shape[1], hxw = x.NumElements() / (n * c);
    std::vector<TensorType> inputs = {x, T(kF64, x.shape), T(kF64, {c})};
    const Argument w = weight ? X(2) : None();
    absl::Status status = CheckNormDoubleBackward(
        "aten.native_group_norm.default", "aten.native_group_norm_backward.default", inputs,
        {X(0), w, None(), I(n), I(c), I(hxw), I(group), F(1e-5)},
        {X(1), X(0), X(kSaved + 1), X(kSaved + 2), w, I(n), I(c), I(hxw), I(group), mask},
        "group norm double backward, " + note, /*first_no_grad=*/weight ? 3 : 2);
    EXPECT_TRUE(status.ok()) << status;
  };
  check("all results", T(kF64, {2, 4, 3}), 2, true, Mask3(true, true, true));
  check("non-contiguous 4-d", Transposed(kF64, {2, 6, 2, 3}), 3, true, Mask3(true, true, false));
  check("no weight", T(kF64, {2, 4, 2}), 2, false, Mask3(true, false, true));
}

}  // namespace
}  // namespace aotd::ops::testing
