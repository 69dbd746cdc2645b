// What the compiler knows about one op, declared in one place: its schema,
// shape and dtype inference, reference kernel, derivative, optional
// decomposition and lowering (compiler/ops/<family>/ register them).
#ifndef AOTD_COMPILER_OPS_CORE_OP_DEF_H_
#define AOTD_COMPILER_OPS_CORE_OP_DEF_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "compiler/ir/graph.h"
#include "compiler/ops/core/lowering.h"
#include "compiler/ops/core/schema.h"
#include "compiler/reference/host_tensor.h"

namespace aotd::ops {

class GraphBuilder;

// A call's bound arguments (one per schema argument) with tensors resolved
// to T: their types for inference, their values for kernels. Accessors
// require the argument to have the matching kind; the schema guarantees it.
template <typename T>
class Call {
 public:
  using Resolve = std::function<const T&(ir::ValueId)>;
  Call(const std::vector<ir::Argument>& args, Resolve resolve)
      : args_(args), resolve_(std::move(resolve)) {}

  int size() const { return static_cast<int>(args_.size()); }
  const ir::Argument& arg(int i) const { return args_[i]; }
  bool IsNone(int i) const { return args_[i].is_none(); }
  bool IsTensor(int i) const { return args_[i].is_value(); }
  // Argument i as a tensor. A number given for a Tensor (PyTorch's wrapped
  // number, see schema.h) is not a tensor: check IsTensor first.
  const T& tensor(int i) const { return resolve_(args_[i].AsValue()); }
  // A Tensor[] or Tensor?[] argument; nullptr for None items.
  std::vector<const T*> tensors(int i) const {
    std::vector<const T*> out;
    for (const ir::Argument& a : args_[i].AsList()) {
      out.push_back(a.is_value() ? &resolve_(a.AsValue()) : nullptr);
    }
    return out;
  }
  int64_t Int(int i) const { return args_[i].AsInt(); }
  double Float(int i) const { return args_[i].AsFloat(); }
  bool Bool(int i) const { return args_[i].AsBool(); }
  ir::Dims Ints(int i) const { return args_[i].AsIntList(); }
  const std::string& Str(int i) const { return args_[i].AsString(); }
  std::optional<int64_t> OptInt(int i) const {
    return IsNone(i) ? std::nullopt : std::optional<int64_t>(Int(i));
  }
  std::optional<ir::DType> OptDType(int i) const {
    return IsNone(i) ? std::nullopt : std::optional<ir::DType>(args_[i].AsDType());
  }

 private:
  const std::vector<ir::Argument>& args_;
  Resolve resolve_;
};

using TypeCall = Call<ir::TensorType>;
using KernelCall = Call<reference::HostTensor>;

// Result types of a call, with PyTorch's broadcasting, type promotion and
// defaults. New results are contiguous; views get the view's strides.
// INVALID_ARGUMENT saying what is wrong (shapes that do not broadcast, a dim
// out of range...); the caller adds the node and op.
using InferFn = std::function<absl::StatusOr<std::vector<ir::TensorType>>(const TypeCall&)>;

// Values of a call's results, whose types (from inference) are `results`.
// Never mutates its inputs, even for in-place ops: the functional meaning.
using KernelFn = std::function<absl::StatusOr<std::vector<reference::HostTensor>>(
    const KernelCall& call, const std::vector<ir::TensorType>& results)>;

// One gradient a derivative produces: for argument `arg`, or for item `item`
// of a Tensor[] argument.
struct InputGrad {
  int arg;
  ir::ValueId grad;
  int item = -1;
};
using Grads = std::vector<InputGrad>;

// What a derivative formula sees: the forward node, the gradients flowing
// into its outputs, and a builder to emit the backward code into the joint
// graph. Forward values (inputs and outputs) are usable as they are.
class DerivativeContext {
 public:
  // `needs_grad(v)`: whether forward value v wants a gradient (requires
  // grad); formulas may skip work for inputs that do not.
  DerivativeContext(GraphBuilder& builder, const ir::Node& node,
                    std::vector<ir::ValueId> output_grads,
                    std::function<bool(ir::ValueId)> needs_grad)
      : b(builder),
        node_(node),
        output_grads_(std::move(output_grads)),
        needs_grad_(std::move(needs_grad)) {}

  GraphBuilder& b;
  const ir::Node& node() const { return node_; }
  const ir::Argument& arg(int i) const { return node_.args[i]; }
  ir::ValueId input(int i) const { return node_.args[i].AsValue(); }
  ir::ValueId output(int i) const { return node_.outputs[i]; }
  // Gradient of output i, or kNoValue when nothing flows into it.
  ir::ValueId grad(int i) const { return output_grads_[i]; }
  bool has_grad(int i) const { return output_grads_[i] != kNoValue; }
  // The gradient of output i, or zeros of its type when none flows in.
  ir::ValueId GradOrZeros(int i);
  // Whether tensor argument i wants a gradient (false for non-tensors).
  bool needs_grad(int i) const { return node_.args[i].is_value() && needs_grad_(input(i)); }

  static constexpr ir::ValueId kNoValue = ir::kNoValue;

 private:
  const ir::Node& node_;
  std::vector<ir::ValueId> output_grads_;
  std::function<bool(ir::ValueId)> needs_grad_;
};

// Emits the backward of one node (derivatives.yaml's job). Returns gradients
// for the tensor inputs that have one; inputs left out get none.
using DerivativeFn = std::function<Grads(DerivativeContext&)>;

// Emits an equivalent of `node` in simpler ops; returns one value per
// output, of the output's dtype and shape. The node's arguments are values
// of the builder's graph; its outputs are not (use the builder's types).
using DecomposeFn =
    std::function<std::vector<ir::ValueId>(GraphBuilder&, const ir::Node& node)>;

// How later stages treat an op (partitioning, fusion).
enum class OpKind {
  kPointwise,   // Elementwise, cheap, fusible.
  kReduction,   // Reduces dimensions; fusible with its producers.
  kView,        // Changes metadata only (or aliases its input).
  kCreation,    // Makes a tensor from scalars and shapes.
  kMatmul,      // mm, bmm, addmm, convolution: never recomputed.
  kOther,       // Norms, pooling, losses, indexing.
};

// Whether gradients pass through an op.
enum class Differentiability {
  kDifferentiable,     // Has a derivative.
  kNonDifferentiable,  // Gradients stop here (comparisons, detach, indices).
  kMissing,            // Should have one, does not yet: tracing through fails.
};

struct OpDef {
  OpSchema schema;
  OpKind kind = OpKind::kOther;
  InferFn infer;
  KernelFn kernel;
  DerivativeFn derivative;
  Differentiability differentiability = Differentiability::kMissing;
  DecomposeFn decompose;  // Optional.
  // Each call draws new random values: two calls with equal arguments
  // differ, so passes never merge, fold or recompute one.
  bool random = false;
  // How codegen lowers it (kDecomposition when `decompose` is set).
  Lowering lowering;
  // Whether the op writes one of its arguments (an in-place op, which
  // functionalization rewrites: it never reaches codegen).
  bool IsInPlace() const;
};

}  // namespace aotd::ops

#endif  // AOTD_COMPILER_OPS_CORE_OP_DEF_H_
