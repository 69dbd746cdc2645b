// Test helpers for op definitions: sample calls of one op, their inferred
// types and values, random inputs, and a finite-difference gradient check
// through the real autograd pass and reference evaluator.
//
// Helpers returning a StatusOr leave checking to the caller. The others
// (InferOne, ErrorOf, Values, EvaluateOne, ExpectGradients) check what they
// need with non-fatal gtest expectations and, on failure, return an empty
// value the caller's own expectations will not match.
#ifndef AOTD_COMPILER_OPS_TESTING_OP_CHECK_H_
#define AOTD_COMPILER_OPS_TESTING_OP_CHECK_H_

#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "compiler/ir/graph.h"
#include "compiler/ops/core/builder.h"
#include "compiler/passes/autograd.h"
#include "compiler/reference/host_tensor.h"

namespace aotd::ops::testing {

// The IR and host-tensor names op tests use throughout (as op_util.h gives
// them to op definitions).
using ir::Argument;
using ir::Dims;
using ir::DType;
using ir::TensorType;
using reference::HostTensor;

// The dtypes and special values tests use most.
inline constexpr ir::DType kF64 = ir::DType::kFloat64;
inline constexpr ir::DType kF32 = ir::DType::kFloat32;
inline constexpr ir::DType kI64 = ir::DType::kInt64;
inline constexpr ir::DType kI32 = ir::DType::kInt32;
inline constexpr ir::DType kBool = ir::DType::kBool;
inline constexpr double kInf = std::numeric_limits<double>::infinity();
inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Argument shorthands. X(i) stands for the call's tensor i (Sample::tensors
// or Evaluate's inputs).
ir::Argument X(int i);
ir::Argument I(int64_t v);
ir::Argument F(double v);
ir::Argument B(bool v);
ir::Argument S(std::string v);
ir::Argument D(ir::DType v);
ir::Argument L(const ir::Dims& v);
ir::Argument None();
// The keyword arguments dtype=`dtype` and memory_format=`format`.
Kwargs WithDType(ir::DType dtype);
Kwargs WithFormat(absl::string_view format);

// One call of an op: tensors are described by their types (strides may be
// non-contiguous) and get random values.
struct Sample {
  std::vector<ir::TensorType> tensors;
  // Bound or unbound arguments; X(i) stands for tensors[i].
  std::vector<ir::Argument> args;
  Kwargs kwargs = {};
  double low = -2, high = 2;  // Range of random floating values.
  std::string note;           // What the sample covers, for messages.
  // For CheckGradients, the outputs whose gradients flow back (as PyTorch
  // ignores those reaching layer norm's mean and rstd or nll_loss's
  // total_weight). Empty: every floating output.
  std::vector<int> tangent_outputs = {};
  // Floating tensors that do not require grad (a loss weight, running
  // statistics); the other floating tensors do.
  std::vector<int> no_grad_inputs = {};
};

// Contiguous type shorthand: T(kF64, {2, 3}).
ir::TensorType T(ir::DType dtype, ir::Dims shape);
// A transposed (non-contiguous) type of the given logical shape: the last
// two dims have swapped strides.
ir::TensorType Transposed(ir::DType dtype, ir::Dims shape);

// ---- Inference ----

// The result types the op's own inference gives the call, with its errors
// as they are (through a GraphBuilder they would become INTERNAL):
// NOT_FOUND for an unknown op, else the INVALID_ARGUMENT of binding or
// inference.
absl::StatusOr<std::vector<ir::TensorType>> Infer(absl::string_view op, const Sample& sample);
// The single result type of a call expected to infer.
ir::TensorType InferOne(absl::string_view op, const Sample& sample);
// The message of a call whose inference is expected to fail with
// INVALID_ARGUMENT; "" if it succeeds.
std::string ErrorOf(absl::string_view op, const Sample& sample);

// ---- Values ----

// A tensor of `dtype` and `shape` holding `data` (row-major, one value per
// element expected).
reference::HostTensor Values(ir::DType dtype, ir::Dims shape, std::vector<double> data);

// The results of the call on `inputs` (X(i) is inputs[i], typed contiguous),
// or the error of building the node or evaluating it.
absl::StatusOr<std::vector<reference::HostTensor>> Evaluate(
    absl::string_view op, const std::vector<reference::HostTensor>& inputs,
    std::vector<ir::Argument> args, Kwargs kwargs = {});
// The single result of a call expected to evaluate.
reference::HostTensor EvaluateOne(absl::string_view op,
                                  const std::vector<reference::HostTensor>& inputs,
                                  std::vector<ir::Argument> args, Kwargs kwargs = {});

// ---- Graphs and gradients ----

// A graph with one input per sample tensor (the floating ones not in
// no_grad_inputs require grad) and one node of `op`, result types from
// inference; its outputs are the node's. The GraphBuilder's error if the
// call is bad.
absl::StatusOr<ir::Graph> OneNodeGraph(absl::string_view op, const Sample& sample);

// The joint graph of OneNodeGraph(op, sample), every output a user output.
absl::StatusOr<passes::JointGraph> OneNodeJointGraph(absl::string_view op, const Sample& sample);

// Random values for the graph's inputs: floats uniform in [low, high),
// integers in [0, high) (at least 0..1), bools 0/1.
std::vector<reference::HostTensor> RandomInputs(const ir::Graph& graph, const Sample& sample,
                                                std::mt19937& rng);

// Builds the one-node graph, evaluates it, and checks that the gradients of
// sum_j <out_j, tangent_j> over the tangent outputs, from the joint graph,
// match central differences (eps 1e-6, atol 1e-5, rtol 1e-3) for every
// input that requires grad. Use float64 tensors. OK; INVALID_ARGUMENT for a
// tangent output the op does not have; FAILED_PRECONDITION if no input
// takes a gradient; INTERNAL naming the input, element and both values if
// they differ; else the error of building or evaluating a graph.
absl::Status CheckGradients(absl::string_view op, const Sample& sample, uint32_t seed = 1);
// CheckGradients for a forward graph the caller builds (every output takes
// a tangent; inputs get random values in [low, high)), for formulas one node
// cannot check alone, such as a double backward whose saved statistics are
// functions of its input. `label` names the graph in messages.
absl::Status CheckGraphGradients(const ir::Graph& forward, absl::string_view label, double low,
                                 double high, uint32_t seed = 1);
// Expects CheckGradients to pass for every (op, sample).
void ExpectGradients(const std::vector<std::pair<const char*, Sample>>& cases);

// A sample of `tensors` and `args`, inputs drawn from [low, high).
Sample Make(std::vector<TensorType> tensors, std::vector<Argument> args, Kwargs kwargs = {},
            std::string note = "", double low = -2, double high = 2);
// Samples with inputs in [0.5, 2): for log, sqrt, division, pow.
Sample Positive(std::vector<TensorType> tensors, std::vector<Argument> args, Kwargs kwargs = {},
                std::string note = "");

// A tensor type with the given strides.
TensorType Strided(DType dtype, Dims shape, Dims strides);
// A tensor of `shape` holding 0, 1, 2, ... in row-major order.
HostTensor Iota(DType dtype, Dims shape);

// Expects `t` to be a contiguous tensor type of `dtype` and `shape`.
void ExpectType(const TensorType& t, DType dtype, const Dims& shape);
// Expects `result` to hold `values` of `dtype` within 1e-6 (NaNs match NaNs,
// infs equal infs).
void ExpectValues(const HostTensor& result, DType dtype, Dims shape, std::vector<double> values);
// Expects `t` of `shape` to hold `expected` within `tol` (NaNs match NaNs).
void ExpectValues(const HostTensor& t, const Dims& shape, const std::vector<double>& expected,
                  double tol = 1e-9);

}  // namespace aotd::ops::testing

#endif  // AOTD_COMPILER_OPS_TESTING_OP_CHECK_H_
