// Linear algebra and neural-network ops: matrix products, convolution,
// pooling, normalization, softmax, losses, embedding, and their backward
// ops. Numeric kernels live in nn_kernels.cc.
//
// Where ATen returns an undefined tensor (an output_mask entry that is
// false, the saved statistics of batch norm in eval mode), the result here
// is an empty 1-d tensor of shape [0], as PyTorch 1.13 reports batch norm's.
#include <algorithm>
#include <cmath>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/status_macros.h"
#include "compiler/ops/core/builder.h"
#include "compiler/ops/nn_kernels.h"
#include "compiler/ops/core/op_definer.h"
#include "compiler/ops/families.h"
#include "compiler/ops/core/op_util.h"

namespace aotd::ops::internal {
namespace {

using ir::Argument;
using ir::TensorType;
using ir::ValueId;
using V = GraphBuilder;
using Types = absl::StatusOr<std::vector<TensorType>>;
using Results = absl::StatusOr<std::vector<HostTensor>>;

constexpr ValueId kNone = GraphBuilder::kNoValue;

template <typename... Parts>
absl::Status Invalid(const Parts&... parts) {
  return absl::InvalidArgumentError(absl::StrCat(parts...));
}

absl::Status RequireFloating(absl::string_view what, DType dtype) {
  if (ir::IsFloatingPoint(dtype)) return absl::OkStatus();
  return Invalid(what, " must be floating point, got ", ir::DTypeName(dtype));
}

absl::Status RequireSameDType(absl::string_view a_name, DType a, absl::string_view b_name,
                              DType b) {
  if (a == b) return absl::OkStatus();
  return Invalid("expected ", a_name, " and ", b_name, " to have the same dtype, but got ",
                 ir::DTypeName(a), " and ", ir::DTypeName(b));
}

// The result of an output_mask entry that is false: ATen's undefined tensor.
TensorType Undefined(DType dtype) { return TensorType::Contiguous(dtype, {0}); }

std::vector<bool> Mask(const Argument& mask) {
  std::vector<bool> out;
  for (const Argument& a : mask.AsList()) out.push_back(a.AsBool());
  return out;
}

Argument MaskArg(bool a, bool b, bool c) {
  return Argument::List({Argument::Bool(a), Argument::Bool(b), Argument::Bool(c)});
}

// The result types of a backward op with an output_mask: contiguous of
// `shapes[i]` where the mask asks for result i, else undefined.
std::vector<TensorType> MaskedTypes(const Argument& mask, DType dtype,
                                    const std::vector<Dims>& shapes) {
  std::vector<bool> want = Mask(mask);
  std::vector<TensorType> types;
  for (size_t i = 0; i < shapes.size(); ++i) {
    types.push_back(want[i] ? TensorType::Contiguous(dtype, shapes[i]) : Undefined(dtype));
  }
  return types;
}

// The kernel of a backward op with a three-entry output_mask: zeroed results
// of `types`, which `compute` fills through its pointers (null for those the
// mask does not ask for).
Results MaskedKernel(const Argument& mask, const std::vector<TensorType>& types,
                     const std::function<void(HostTensor*, HostTensor*, HostTensor*)>& compute) {
  std::vector<bool> want = Mask(mask);
  std::vector<HostTensor> out;
  for (const TensorType& t : types) out.emplace_back(t.dtype, t.shape);
  compute(want[0] ? &out[0] : nullptr, want[1] ? &out[1] : nullptr, want[2] ? &out[2] : nullptr);
  return out;
}

// Argument i of a kernel call as a tensor, or null for None.
const HostTensor* Optional(const KernelCall& call, int i) {
  return call.IsNone(i) ? nullptr : &call.tensor(i);
}

// The derivative of a node whose backward op takes `args` then a
// three-entry output_mask: result i is the gradient of the node's argument
// `grad_args[i]`. As ATen does, only the gradients wanted are computed.
Grads MaskedBackward(DerivativeContext& c, absl::string_view backward_op,
                     std::vector<Argument> args, const int (&grad_args)[3]) {
  bool want[3];
  for (int i = 0; i < 3; ++i) want[i] = c.needs_grad(grad_args[i]);
  args.push_back(MaskArg(want[0], want[1], want[2]));
  std::vector<ValueId> g = c.b.MultiOp(backward_op, std::move(args));
  if (!c.b.ok()) return {};
  Grads grads;
  for (int i = 0; i < 3; ++i) {
    if (want[i]) grads.push_back({grad_args[i], g[i]});
  }
  return grads;
}

Reduction ReductionOf(int64_t r) { return static_cast<Reduction>(r); }

absl::Status CheckReduction(int64_t r) {
  if (r >= 0 && r <= 2) return absl::OkStatus();
  return Invalid("reduction must be 0 (none), 1 (mean) or 2 (sum), got ", r);
}

Argument DimArg(int64_t dim) { return Argument::IntList({dim}); }

// sum(v, dim, keepdim=True).
ValueId SumKeepDim(GraphBuilder& b, ValueId v, const Argument& dim) {
  return b.Op("aten.sum.dim_IntList", {V::V(v), dim, Argument::Bool(true)});
}

// ---- Matrix products ----

absl::Status CheckMatmulDType(DType a, DType b) {
  RETURN_IF_ERROR(RequireSameDType("mat1", a, "mat2", b));
  if (a == DType::kBool) return Invalid("matrix products do not support bool");
  return absl::OkStatus();
}

// [n, m] x [m, p] -> [n, p], the shapes checked.
absl::StatusOr<Dims> MmShape(const TensorType& a, const TensorType& b) {
  if (a.Rank() != 2 || b.Rank() != 2) {
    return Invalid("expected 2-d matrices, got ", ShapeString(a.shape), " and ",
                   ShapeString(b.shape));
  }
  if (a.shape[1] != b.shape[0]) {
    return Invalid("mat1 and mat2 shapes cannot be multiplied (", a.shape[0], "x", a.shape[1],
                   " and ", b.shape[0], "x", b.shape[1], ")");
  }
  RETURN_IF_ERROR(CheckMatmulDType(a.dtype, b.dtype));
  return Dims{a.shape[0], b.shape[1]};
}

Types InferMm(const TypeCall& call) {
  ASSIGN_OR_RETURN(Dims shape, MmShape(call.tensor(0), call.tensor(1)));
  return One(call.tensor(0).dtype, shape);
}

Types InferAddmm(const TypeCall& call) {
  const TensorType& self = call.tensor(0);
  ASSIGN_OR_RETURN(Dims shape, MmShape(call.tensor(1), call.tensor(2)));
  absl::StatusOr<Dims> b = BroadcastShapes(self.shape, shape);
  if (!b.ok() || *b != shape) {
    return Invalid("self of size ", ShapeString(self.shape),
                   " does not broadcast to the product's size ", ShapeString(shape));
  }
  RETURN_IF_ERROR(RequireSameDType("self", self.dtype, "mat1", call.tensor(1).dtype));
  return One(self.dtype, shape);
}

Types InferBmm(const TypeCall& call) {
  const TensorType& a = call.tensor(0);
  const TensorType& b = call.tensor(1);
  if (a.Rank() != 3 || b.Rank() != 3) {
    return Invalid("bmm expects 3-d tensors, got ", ShapeString(a.shape), " and ",
                   ShapeString(b.shape));
  }
  if (a.shape[0] != b.shape[0] || a.shape[2] != b.shape[1]) {
    return Invalid("bmm shapes do not match: ", ShapeString(a.shape), " and ", ShapeString(b.shape),
                   " (expected [b, n, m] and [b, m, p])");
  }
  RETURN_IF_ERROR(CheckMatmulDType(a.dtype, b.dtype));
  return One(a.dtype, {a.shape[0], a.shape[1], b.shape[2]});
}

// a @ b for 2-d (batch 1) or 3-d operands, as a tensor of `type`.
HostTensor Matmul(const HostTensor& a, const HostTensor& b, const TensorType& type) {
  bool batched = a.Rank() == 3;
  int64_t batch = batched ? a.shape[0] : 1;
  int64_t n = a.shape[a.Rank() - 2], m = a.shape[a.Rank() - 1], p = b.shape[b.Rank() - 1];
  HostTensor out(type.dtype, type.shape);
  out.data = BatchedMatmul(a.data, b.data, batch, n, m, p);
  return out;
}

// PyTorch's maybe_multiply: v * s unless s is 1.
ValueId MaybeMultiply(GraphBuilder& b, ValueId v, const Argument& s) {
  if (s.AsFloat() == 1.0) return v;
  return b.Op("aten.mul.Tensor", {V::V(v), s});
}

bool IsColumnMajor(const TensorType& t) { return t.strides[0] == 1 && t.strides[1] == t.shape[0]; }

// derivatives.yaml's mm_mat1_backward: the gradient of mat1 in
// alpha * mat1 @ mat2, column-major when mat1 was.
ValueId MmMat1Backward(GraphBuilder& b, ValueId grad, ValueId mat1, ValueId mat2,
                       const Argument& alpha) {
  ValueId g;
  if (IsColumnMajor(b.type(mat1))) {
    ValueId grad_t = b.Op("aten.t.default", {V::V(grad)});
    g = b.Op("aten.t.default", {V::V(b.Op("aten.mm.default", {V::V(mat2), V::V(grad_t)}))});
  } else {
    ValueId mat2_t = b.Op("aten.t.default", {V::V(mat2)});
    g = b.Op("aten.mm.default", {V::V(grad), V::V(mat2_t)});
  }
  return MaybeMultiply(b, g, alpha);
}

// mm_mat2_backward: the gradient of mat2, column-major when mat2 was.
ValueId MmMat2Backward(GraphBuilder& b, ValueId grad, ValueId mat1, ValueId mat2,
                       const Argument& alpha) {
  ValueId g;
  if (IsColumnMajor(b.type(mat2))) {
    ValueId grad_t = b.Op("aten.t.default", {V::V(grad)});
    g = b.Op("aten.t.default", {V::V(b.Op("aten.mm.default", {V::V(grad_t), V::V(mat1)}))});
  } else {
    ValueId mat1_t = b.Op("aten.t.default", {V::V(mat1)});
    g = b.Op("aten.mm.default", {V::V(mat1_t), V::V(grad)});
  }
  return MaybeMultiply(b, g, alpha);
}

void DefineMatmul(OpRegistry& r) {
  OpDefiner(r, "mm(Tensor self, Tensor mat2) -> Tensor", OpKind::kMatmul)
      .LowerToKernel("mm")
      .Infer(InferMm)
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& types) -> Results {
        HostTensor out = Matmul(call.tensor(0), call.tensor(1), types[0]);
        out.RoundToDType();
        return std::vector<HostTensor>{std::move(out)};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        Argument one = Argument::Int(1);
        return {{0, MmMat1Backward(c.b, c.grad(0), c.input(0), c.input(1), one)},
                {1, MmMat2Backward(c.b, c.grad(0), c.input(0), c.input(1), one)}};
      });

  OpDefiner(r,
            "addmm(Tensor self, Tensor mat1, Tensor mat2, *, Scalar beta=1, "
            "Scalar alpha=1) -> Tensor",
            OpKind::kMatmul)
      .LowerToKernel("addmm")
      .Infer(InferAddmm)
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& types) -> Results {
        HostTensor out = Matmul(call.tensor(1), call.tensor(2), types[0]);
        double beta = call.Float(3), alpha = call.Float(4);
        // beta == 0 ignores self entirely (NaN and inf included), as ATen does.
        HostTensor self = beta == 0 ? HostTensor(types[0].dtype, types[0].shape)
                                    : reference::BroadcastTo(call.tensor(0), types[0].shape);
        for (int64_t i = 0; i < out.NumElements(); ++i) {
          out.data[i] = alpha * out.data[i] + (beta == 0 ? 0.0 : beta * self.data[i]);
        }
        out.RoundToDType();
        return std::vector<HostTensor>{std::move(out)};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        return {{0, MaybeMultiply(c.b, c.grad(0), c.arg(3))},
                {1, MmMat1Backward(c.b, c.grad(0), c.input(1), c.input(2), c.arg(4))},
                {2, MmMat2Backward(c.b, c.grad(0), c.input(1), c.input(2), c.arg(4))}};
      });

  OpDefiner(r, "bmm(Tensor self, Tensor mat2) -> Tensor", OpKind::kMatmul)
      .LowerToKernel("bmm")
      .Infer(InferBmm)
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& types) -> Results {
        HostTensor out = Matmul(call.tensor(0), call.tensor(1), types[0]);
        out.RoundToDType();
        return std::vector<HostTensor>{std::move(out)};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        GraphBuilder& b = c.b;
        auto transpose = [&](ValueId v) {
          return b.Op("aten.transpose.int", {V::V(v), Argument::Int(1), Argument::Int(2)});
        };
        return {{0, b.Op("aten.bmm.default", {V::V(c.grad(0)), V::V(transpose(c.input(1)))})},
                {1, b.Op("aten.bmm.default", {V::V(transpose(c.input(0))), V::V(c.grad(0))})}};
      });
}

// ---- Convolution ----

// A stride/padding/dilation list for `spatial` dims: one value stands for
// all of them, as ATen's expand_param_if_needed allows.
Dims ExpandParam(const Dims& v, int64_t spatial) {
  if (v.size() == 1 && spatial > 1) return Dims(spatial, v[0]);
  return v;
}

// The geometry of a convolution over `rank`-d tensors.
ConvGeometry ConvGeometryOf(const Argument& stride, const Argument& padding,
                            const Argument& dilation, bool transposed,
                            const Argument& output_padding, int64_t groups, int64_t rank) {
  int64_t spatial = rank - 2;
  return ConvGeometry{ExpandParam(stride.AsIntList(), spatial),
                      ExpandParam(padding.AsIntList(), spatial),
                      ExpandParam(dilation.AsIntList(), spatial),
                      groups,
                      transposed,
                      ExpandParam(output_padding.AsIntList(), spatial)};
}

template <typename T>
ConvGeometry ConvolutionGeometry(const Call<T>& call, int64_t rank) {
  return ConvGeometryOf(call.arg(3), call.arg(4), call.arg(5), call.Bool(6), call.arg(7),
                        call.Int(8), rank);
}
template <typename T>
ConvGeometry ConvBackwardGeometry(const Call<T>& call, int64_t rank) {
  return ConvGeometryOf(call.arg(4), call.arg(5), call.arg(6), call.Bool(7), call.arg(8),
                        call.Int(9), rank);
}

absl::Status CheckConvDTypes(DType input, DType weight, std::optional<DType> bias) {
  RETURN_IF_ERROR(RequireFloating("convolution input", input));
  RETURN_IF_ERROR(RequireSameDType("input", input, "weight", weight));
  if (bias) RETURN_IF_ERROR(RequireSameDType("input", input, "bias", *bias));
  return absl::OkStatus();
}

Types InferConvolution(const TypeCall& call) {
  const TensorType& input = call.tensor(0);
  const TensorType& weight = call.tensor(1);
  std::optional<Dims> bias;
  std::optional<DType> bias_dtype;
  if (!call.IsNone(2)) {
    bias = call.tensor(2).shape;
    bias_dtype = call.tensor(2).dtype;
  }
  ConvGeometry g = ConvolutionGeometry(call, input.Rank());
  ASSIGN_OR_RETURN(Dims shape, ConvOutputShape(input.shape, weight.shape, bias, g));
  RETURN_IF_ERROR(CheckConvDTypes(input.dtype, weight.dtype, bias_dtype));
  return One(input.dtype, shape);
}

Types InferConvolutionBackward(const TypeCall& call) {
  const TensorType& grad = call.tensor(0);
  const TensorType& input = call.tensor(1);
  const TensorType& weight = call.tensor(2);
  std::optional<Dims> bias;
  if (!call.IsNone(3)) bias = call.Ints(3);
  ConvGeometry g = ConvBackwardGeometry(call, input.Rank());
  ASSIGN_OR_RETURN(Dims shape, ConvOutputShape(input.shape, weight.shape, bias, g));
  if (grad.shape != shape) {
    return Invalid("grad_output of size ", ShapeString(grad.shape),
                   " does not match the convolution's output size ", ShapeString(shape));
  }
  RETURN_IF_ERROR(CheckConvDTypes(input.dtype, weight.dtype, grad.dtype));
  return MaskedTypes(call.arg(10), input.dtype, {input.shape, weight.shape, {shape[1]}});
}

// The convolution arguments after input, weight and bias, taken from a
// convolution_backward node.
std::vector<Argument> ConvArgs(const DerivativeContext& c, ValueId input, ValueId weight,
                               Argument bias) {
  return {V::V(input), V::V(weight), std::move(bias), c.arg(4), c.arg(5),
          c.arg(6),    c.arg(7),     c.arg(8),        c.arg(9)};
}

// convolution_backward(grad, input, weight) with `mask`, from the geometry
// of the convolution_backward node in `c`.
std::vector<ValueId> ConvBackwardCall(DerivativeContext& c, ValueId grad, ValueId input,
                                      ValueId weight, Argument mask) {
  return c.b.MultiOp("aten.convolution_backward.default",
                     {V::V(grad), V::V(input), V::V(weight), Argument::None(), c.arg(4), c.arg(5),
                      c.arg(6), c.arg(7), c.arg(8), c.arg(9), std::move(mask)});
}

void DefineConvolution(OpRegistry& r) {
  OpDefiner(r,
            "convolution(Tensor input, Tensor weight, Tensor? bias, int[] stride, "
            "SymInt[] padding, int[] dilation, bool transposed, "
            "SymInt[] output_padding, int groups) -> Tensor",
            OpKind::kMatmul)
      .LowerToKernel("convolution")
      .Infer(InferConvolution)
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& types) -> Results {
        ConvGeometry g = ConvolutionGeometry(call, call.tensor(0).Rank());
        return std::vector<HostTensor>{ConvForward(
            call.tensor(0), call.tensor(1), Optional(call, 2), g, types[0].shape, types[0].dtype)};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        Argument bias_sizes =
            c.arg(2).is_value() ? Argument::IntList(c.b.type(c.input(2)).shape) : Argument::None();
        return MaskedBackward(c, "aten.convolution_backward.default",
                              {V::V(c.grad(0)), V::V(c.input(0)), V::V(c.input(1)), bias_sizes,
                               c.arg(3), c.arg(4), c.arg(5), c.arg(6), c.arg(7), c.arg(8)},
                              {0, 1, 2});
      });

  OpDefiner(r,
            "convolution_backward(Tensor grad_output, Tensor input, Tensor weight, "
            "SymInt[]? bias_sizes, int[] stride, SymInt[] padding, int[] dilation, "
            "bool transposed, SymInt[] output_padding, int groups, "
            "bool[3] output_mask) -> (Tensor, Tensor, Tensor)",
            OpKind::kMatmul)
      .LowerToKernel("convolution_backward")
      .Infer(InferConvolutionBackward)
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& types) -> Results {
        ConvGeometry g = ConvBackwardGeometry(call, call.tensor(1).Rank());
        return MaskedKernel(
            call.arg(10), types,
            [&](HostTensor* grad_input, HostTensor* grad_weight, HostTensor* grad_bias) {
              ConvBackward(call.tensor(0), call.tensor(1), call.tensor(2), g, grad_input,
                           grad_weight, grad_bias);
            });
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        // The results are bilinear in (grad_output, weight) and
        // (grad_output, input), and linear in grad_output for the bias.
        std::vector<bool> mask = Mask(c.arg(10));
        GraphBuilder& b = c.b;
        ValueId grad_out = c.input(0), input = c.input(1), weight = c.input(2);
        ValueId gg_out = kNone;
        auto accumulate = [&](ValueId v) { gg_out = gg_out == kNone ? v : b.Add(gg_out, v); };
        Grads grads;
        if (mask[0] && c.has_grad(0)) {
          accumulate(
              b.Op("aten.convolution.default", ConvArgs(c, c.grad(0), weight, Argument::None())));
          std::vector<ValueId> g =
              ConvBackwardCall(c, grad_out, c.grad(0), weight, MaskArg(false, true, false));
          if (b.ok()) grads.push_back({2, g[1]});
        }
        if (mask[1] && c.has_grad(1)) {
          accumulate(
              b.Op("aten.convolution.default", ConvArgs(c, input, c.grad(1), Argument::None())));
          std::vector<ValueId> g =
              ConvBackwardCall(c, grad_out, input, c.grad(1), MaskArg(true, false, false));
          if (b.ok()) grads.push_back({1, g[0]});
        }
        if (mask[2] && c.has_grad(2)) {
          const Dims shape = b.type(grad_out).shape;
          Dims bias_shape(shape.size(), 1);
          bias_shape[1] = shape[1];
          accumulate(b.Expand(b.Reshape(c.grad(2), bias_shape), shape));
        }
        if (gg_out != kNone) grads.push_back({0, gg_out});
        return grads;
      });
}

// ---- Pooling ----

template <typename T>
absl::StatusOr<Pool2dGeometry> MaxPoolGeometry(const Call<T>& call, const Dims& input, int first) {
  return MakePool2d(input, call.Ints(first), call.Ints(first + 1), call.Ints(first + 2),
                    call.Ints(first + 3), call.Bool(first + 4));
}

template <typename T>
absl::StatusOr<Pool2dGeometry> AvgPoolGeometry(const Call<T>& call, const Dims& input, int first) {
  return MakePool2d(input, call.Ints(first), call.Ints(first + 1), call.Ints(first + 2), {1},
                    call.Bool(first + 3));
}

template <typename T>
AvgPoolOptions AvgOptions(const Call<T>& call, int first) {
  return {call.Bool(first), call.OptInt(first + 1)};
}

absl::Status CheckGradShape(const TensorType& grad, const Dims& expected) {
  if (grad.shape == expected) return absl::OkStatus();
  return Invalid("grad_output of size ", ShapeString(grad.shape), " does not match the size ",
                 ShapeString(expected), " the forward computes");
}

absl::Status CheckDivisor(std::optional<int64_t> divisor) {
  if (divisor && *divisor == 0) return Invalid("divisor must be not zero");
  return absl::OkStatus();
}

absl::Status RequireAvgPoolDType(DType d) {
  if (ir::IsFloatingPoint(d) || d == DType::kInt64) return absl::OkStatus();
  return Invalid("avg_pool2d supports floating point and int64 input, got ", ir::DTypeName(d));
}

Types InferAdaptiveAvgPool(const TypeCall& call) {
  const TensorType& self = call.tensor(0);
  Dims size = call.Ints(1);
  bool empty = false;
  for (int d = self.Rank() == 4 ? 1 : 0; d < self.Rank(); ++d) empty = empty || self.shape[d] == 0;
  if ((self.Rank() != 3 && self.Rank() != 4) || empty) {
    return Invalid(
        "adaptive_avg_pool2d expects a 3-d or 4-d input with non-zero sizes for "
        "non-batch dims, got input of size ",
        ShapeString(self.shape));
  }
  if (size.size() != 2 || size[0] < 0 || size[1] < 0) {
    return Invalid("adaptive_avg_pool2d: output_size must be 2 non-negative sizes, got ",
                   ShapeString(size));
  }
  RETURN_IF_ERROR(RequireFloating("adaptive_avg_pool2d input", self.dtype));
  Dims shape = self.shape;
  shape[shape.size() - 2] = size[0];
  shape[shape.size() - 1] = size[1];
  return One(self.dtype, shape);
}

Types InferAdaptiveAvgPoolBackward(const TypeCall& call) {
  const TensorType& grad = call.tensor(0);
  const TensorType& self = call.tensor(1);
  bool ok = (self.Rank() == 3 || self.Rank() == 4) && grad.Rank() == self.Rank();
  for (int d = 0; ok && d < self.Rank() - 2; ++d) ok = grad.shape[d] == self.shape[d];
  if (!ok) {
    return Invalid("adaptive_avg_pool2d_backward: grad_output of size ", ShapeString(grad.shape),
                   " does not fit input of size ", ShapeString(self.shape));
  }
  RETURN_IF_ERROR(RequireFloating("adaptive_avg_pool2d input", self.dtype));
  RETURN_IF_ERROR(RequireSameDType("grad_output", grad.dtype, "self", self.dtype));
  return One(self.dtype, self.shape);
}

void DefinePooling(OpRegistry& r) {
  OpDefiner(r,
            "max_pool2d_with_indices(Tensor self, int[2] kernel_size, "
            "int[2] stride=[], int[2] padding=0, int[2] dilation=1, "
            "bool ceil_mode=False) -> (Tensor, Tensor)",
            OpKind::kOther)
      .LowerToKernel("max_pool2d_with_indices")
      .Infer([](const TypeCall& call) -> Types {
        const TensorType& self = call.tensor(0);
        ASSIGN_OR_RETURN(Pool2dGeometry g, MaxPoolGeometry(call, self.shape, 1));
        RETURN_IF_ERROR(RequireFloating("max_pool2d input", self.dtype));
        Dims shape = PooledShape(self.shape, g);
        return std::vector<TensorType>{TensorType::Contiguous(self.dtype, shape),
                                       TensorType::Contiguous(DType::kInt64, shape)};
      })
      .Kernel([](const KernelCall& call, const std::vector<TensorType>&) -> Results {
        ASSIGN_OR_RETURN(Pool2dGeometry g, MaxPoolGeometry(call, call.tensor(0).shape, 1));
        auto [out, indices] = MaxPool2d(call.tensor(0), g);
        out.RoundToDType();
        return std::vector<HostTensor>{std::move(out), std::move(indices)};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        if (!c.has_grad(0)) return {};  // The indices take no gradient.
        return {{0, c.b.Op("aten.max_pool2d_with_indices_backward.default",
                           {V::V(c.grad(0)), V::V(c.input(0)), c.arg(1), c.arg(2), c.arg(3),
                            c.arg(4), c.arg(5), V::V(c.output(1))})}};
      });

  OpDefiner(r,
            "max_pool2d_with_indices_backward(Tensor grad_output, Tensor self, "
            "int[2] kernel_size, int[2] stride, int[2] padding, int[2] dilation, "
            "bool ceil_mode, Tensor indices) -> Tensor",
            OpKind::kOther)
      .LowerToKernel("max_pool2d_with_indices_backward")
      .Infer([](const TypeCall& call) -> Types {
        const TensorType& self = call.tensor(1);
        ASSIGN_OR_RETURN(Pool2dGeometry g, MaxPoolGeometry(call, self.shape, 2));
        Dims pooled = PooledShape(self.shape, g);
        RETURN_IF_ERROR(CheckGradShape(call.tensor(0), pooled));
        const TensorType& indices = call.tensor(7);
        if (indices.shape != pooled || indices.dtype != DType::kInt64) {
          return Invalid("indices must be int64 of size ", ShapeString(pooled), ", got ",
                         ir::DTypeName(indices.dtype), " ", ShapeString(indices.shape));
        }
        RETURN_IF_ERROR(RequireFloating("max_pool2d input", self.dtype));
        RETURN_IF_ERROR(RequireSameDType("grad_output", call.tensor(0).dtype, "self", self.dtype));
        return One(self.dtype, self.shape);
      })
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& types) -> Results {
        ASSIGN_OR_RETURN(Pool2dGeometry g, MaxPoolGeometry(call, call.tensor(1).shape, 2));
        ASSIGN_OR_RETURN(HostTensor grad, MaxPool2dBackward(call.tensor(0), call.tensor(7), g,
                                                            types[0].shape, types[0].dtype));
        return std::vector<HostTensor>{std::move(grad)};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        // Linear in grad_output; its adjoint reads the incoming gradient
        // back at the indices. PyTorch gathers over the flattened planes;
        // gather is not an op here, so the planes are flattened into one
        // table and read with embedding at index + plane * H * W. Constant
        // in self.
        GraphBuilder& b = c.b;
        const Dims self = b.type(c.input(1)).shape;
        const Dims pooled = b.type(c.input(7)).shape;
        Dims planes(self.begin(), self.end() - 2);
        int64_t plane_size = self[self.size() - 2] * self[self.size() - 1];
        int64_t num_planes = 1;
        for (int64_t d : planes) num_planes *= d;
        ValueId table = b.Reshape(c.grad(0), {num_planes * plane_size, 1});
        ValueId offsets = b.Op("aten.arange.default", {Argument::Int(num_planes)},
                               {{"dtype", Argument::DTypeArg(DType::kInt64)}});
        offsets = b.Op("aten.mul.Tensor", {V::V(offsets), Argument::Int(plane_size)});
        Dims offset_shape = planes;
        offset_shape.insert(offset_shape.end(), {1, 1});
        ValueId flat_indices = b.Add(c.input(7), b.Reshape(offsets, offset_shape));
        ValueId picked = b.Op("aten.embedding.default", {V::V(table), V::V(flat_indices)});
        return {{0, b.Reshape(picked, pooled)}};
      });

  OpDefiner(r,
            "avg_pool2d(Tensor self, int[2] kernel_size, int[2] stride=[], "
            "int[2] padding=0, bool ceil_mode=False, bool count_include_pad=True, "
            "int? divisor_override=None) -> Tensor",
            OpKind::kOther)
      .LowerToKernel("avg_pool2d")
      .Infer([](const TypeCall& call) -> Types {
        const TensorType& self = call.tensor(0);
        ASSIGN_OR_RETURN(Pool2dGeometry g, AvgPoolGeometry(call, self.shape, 1));
        RETURN_IF_ERROR(CheckDivisor(call.OptInt(6)));
        RETURN_IF_ERROR(RequireAvgPoolDType(self.dtype));
        return One(self.dtype, PooledShape(self.shape, g));
      })
      .Kernel([](const KernelCall& call, const std::vector<TensorType>&) -> Results {
        ASSIGN_OR_RETURN(Pool2dGeometry g, AvgPoolGeometry(call, call.tensor(0).shape, 1));
        return std::vector<HostTensor>{AvgPool2d(call.tensor(0), g, AvgOptions(call, 5))};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        return {{0, c.b.Op("aten.avg_pool2d_backward.default",
                           {V::V(c.grad(0)), V::V(c.input(0)), c.arg(1), c.arg(2), c.arg(3),
                            c.arg(4), c.arg(5), c.arg(6)})}};
      });

  OpDefiner(r,
            "avg_pool2d_backward(Tensor grad_output, Tensor self, "
            "int[2] kernel_size, int[2] stride, int[2] padding, bool ceil_mode, "
            "bool count_include_pad, int? divisor_override) -> Tensor",
            OpKind::kOther)
      .LowerToKernel("avg_pool2d_backward")
      .Infer([](const TypeCall& call) -> Types {
        const TensorType& self = call.tensor(1);
        ASSIGN_OR_RETURN(Pool2dGeometry g, AvgPoolGeometry(call, self.shape, 2));
        RETURN_IF_ERROR(CheckGradShape(call.tensor(0), PooledShape(self.shape, g)));
        RETURN_IF_ERROR(CheckDivisor(call.OptInt(7)));
        RETURN_IF_ERROR(RequireAvgPoolDType(self.dtype));
        RETURN_IF_ERROR(RequireSameDType("grad_output", call.tensor(0).dtype, "self", self.dtype));
        return One(self.dtype, self.shape);
      })
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& types) -> Results {
        ASSIGN_OR_RETURN(Pool2dGeometry g, AvgPoolGeometry(call, call.tensor(1).shape, 2));
        return std::vector<HostTensor>{AvgPool2dBackward(call.tensor(0), g, AvgOptions(call, 6),
                                                         types[0].shape, types[0].dtype)};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        // Linear in grad_output; constant in self.
        return {{0, c.b.Op("aten.avg_pool2d.default", {V::V(c.grad(0)), c.arg(2), c.arg(3),
                                                       c.arg(4), c.arg(5), c.arg(6), c.arg(7)})}};
      });

  OpDefiner(r, "_adaptive_avg_pool2d(Tensor self, SymInt[2] output_size) -> Tensor", OpKind::kOther)
      .LowerToKernel("adaptive_avg_pool2d")
      .Infer(InferAdaptiveAvgPool)
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& types) -> Results {
        Dims size = call.Ints(1);
        return std::vector<HostTensor>{AdaptiveAvgPool2d(call.tensor(0), size[0], size[1])};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        return {{0, c.b.Op("aten._adaptive_avg_pool2d_backward.default",
                           {V::V(c.grad(0)), V::V(c.input(0))})}};
      });

  OpDefiner(r, "_adaptive_avg_pool2d_backward(Tensor grad_output, Tensor self) -> Tensor",
            OpKind::kOther)
      .LowerToKernel("adaptive_avg_pool2d_backward")
      .Infer(InferAdaptiveAvgPoolBackward)
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& types) -> Results {
        return std::vector<HostTensor>{
            AdaptiveAvgPool2dBackward(call.tensor(0), types[0].shape, types[0].dtype)};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        const Dims size = c.b.type(c.input(0)).shape;
        Dims out = {size[size.size() - 2], size[size.size() - 1]};
        return {{0, c.b.Op("aten._adaptive_avg_pool2d.default",
                           {V::V(c.grad(0)), Argument::IntList(out)})}};
      });
}

// ---- Normalization ----

// The first normalized dim of `input` for layer norm over `normalized`.
absl::StatusOr<int64_t> LayerNormAxis(const Dims& input, const Dims& normalized) {
  if (normalized.empty()) {
    return Invalid(
        "Expected normalized_shape to be at least 1-dimensional, i.e., containing at "
        "least one element, but got normalized_shape = []");
  }
  int64_t axis = static_cast<int64_t>(input.size()) - static_cast<int64_t>(normalized.size());
  bool ok = axis >= 0;
  for (size_t i = 0; ok && i < normalized.size(); ++i) ok = input[axis + i] == normalized[i];
  if (!ok) {
    std::string expected = ShapeString(normalized);
    return Invalid("Given normalized_shape=", expected, ", expected input with shape [*, ",
                   expected.substr(1), ", but got input of size ", ShapeString(input));
  }
  return axis;
}

absl::Status CheckAffine(const TypeCall& call, int i, absl::string_view name,
                         const Dims& normalized) {
  if (call.IsNone(i) || call.tensor(i).shape == normalized) return absl::OkStatus();
  return Invalid("Expected ", name, " to be of same shape as normalized_shape, but got ", name,
                 " of shape ", ShapeString(call.tensor(i).shape),
                 " and normalized_shape = ", ShapeString(normalized));
}

int64_t NumElementsOf(const Dims& d) {
  int64_t n = 1;
  for (int64_t v : d) n *= v;
  return n;
}

Types InferLayerNorm(const TypeCall& call) {
  const TensorType& input = call.tensor(0);
  Dims normalized = call.Ints(1);
  ASSIGN_OR_RETURN(int64_t axis, LayerNormAxis(input.shape, normalized));
  RETURN_IF_ERROR(CheckAffine(call, 2, "weight", normalized));
  RETURN_IF_ERROR(CheckAffine(call, 3, "bias", normalized));
  RETURN_IF_ERROR(RequireFloating("layer_norm input", input.dtype));
  Dims stats(input.shape.begin(), input.shape.begin() + axis);
  stats.resize(input.shape.size(), 1);
  return std::vector<TensorType>{TensorType::Contiguous(input.dtype, input.shape),
                                 TensorType::Contiguous(input.dtype, stats),
                                 TensorType::Contiguous(input.dtype, stats)};
}

Types InferLayerNormBackward(const TypeCall& call) {
  const TensorType& grad = call.tensor(0);
  const TensorType& input = call.tensor(1);
  Dims normalized = call.Ints(2);
  ASSIGN_OR_RETURN(int64_t axis, LayerNormAxis(input.shape, normalized));
  RETURN_IF_ERROR(CheckAffine(call, 5, "weight", normalized));
  RETURN_IF_ERROR(CheckAffine(call, 6, "bias", normalized));
  RETURN_IF_ERROR(CheckGradShape(grad, input.shape));
  int64_t rows = NumElementsOf(Dims(input.shape.begin(), input.shape.begin() + axis));
  for (int i : {3, 4}) {
    if (call.tensor(i).NumElements() != rows) {
      return Invalid(i == 3 ? "mean" : "rstd", " of size ", ShapeString(call.tensor(i).shape),
                     " does not hold one value per row of input ", ShapeString(input.shape));
    }
  }
  RETURN_IF_ERROR(RequireFloating("layer_norm input", input.dtype));
  return MaskedTypes(call.arg(7), input.dtype, {input.shape, normalized, normalized});
}

absl::Status CheckChannels(const TypeCall& call, int i, absl::string_view name, int64_t c) {
  if (call.IsNone(i) || call.tensor(i).NumElements() == c) return absl::OkStatus();
  return Invalid(name, " should contain ", c, " elements not ", call.tensor(i).NumElements(),
                 " (size ", ShapeString(call.tensor(i).shape), ")");
}

// Channel count of a batch-norm input, checked.
absl::StatusOr<int64_t> BatchNormChannels(const TensorType& input) {
  if (input.Rank() < 2) {
    return Invalid("batch_norm expects an input of rank 2 or more, got input of size ",
                   ShapeString(input.shape));
  }
  RETURN_IF_ERROR(RequireFloating("batch_norm input", input.dtype));
  return input.shape[1];
}

Types InferBatchNorm(const TypeCall& call) {
  const TensorType& input = call.tensor(0);
  ASSIGN_OR_RETURN(int64_t c, BatchNormChannels(input));
  const bool training = call.Bool(5);
  const char* names[] = {"", "weight", "bias", "running_mean", "running_var"};
  for (int i = 1; i <= 4; ++i) RETURN_IF_ERROR(CheckChannels(call, i, names[i], c));
  if (!training && (call.IsNone(3) || call.IsNone(4))) {
    return Invalid("running_mean and running_var must be defined in evaluation mode");
  }
  DType d = input.dtype;
  TensorType stat = training ? TensorType::Contiguous(d, {c}) : Undefined(d);
  return std::vector<TensorType>{TensorType::Contiguous(d, input.shape), stat, stat};
}

Types InferBatchNormBackward(const TypeCall& call) {
  const TensorType& input = call.tensor(1);
  ASSIGN_OR_RETURN(int64_t c, BatchNormChannels(input));
  RETURN_IF_ERROR(CheckGradShape(call.tensor(0), input.shape));
  const bool training = call.Bool(7);
  const char* names[] = {"",          "",           "weight", "running_mean", "running_var",
                         "save_mean", "save_invstd"};
  // Eval ignores the saved statistics (empty, as the forward returns them).
  for (int i = 2; i <= (training ? 6 : 4); ++i) {
    RETURN_IF_ERROR(CheckChannels(call, i, names[i], c));
  }
  if (training && (call.IsNone(5) || call.IsNone(6))) {
    return Invalid("save_mean and save_invstd must be defined in training mode");
  }
  if (!training && (call.IsNone(3) || call.IsNone(4))) {
    return Invalid("running_mean and running_var must be defined in evaluation mode");
  }
  return MaskedTypes(call.arg(9), input.dtype, {input.shape, {c}, {c}});
}

// How a normalization's backward sees its operands: x and grad_out viewed
// as `shape`, each statistic normalizing the `count` elements of `reduce`
// (its mean and rstd viewed as `stat_shape`), the weight viewed as
// `weight_shape`.
struct NormView {
  Dims shape;
  Dims reduce;
  Dims stat_shape;
  Dims weight_shape;
  int64_t count;
};

// Where a normalization backward's operands are among its arguments, and
// its statistics as graph values (any shape holding v.stat_shape's values).
// With fixed_stats (batch norm in eval), mean and rstd are constants.
struct NormBackwardArgs {
  int grad_out, input, weight, mask;
  ValueId mean, rstd;
  bool fixed_stats = false;
};

// The derivative of a normalization backward in training form:
//   dx = rstd * P(w * dy), dw = sum(dy * xhat), db = sum(dy),
// where xhat = (x - mean) * rstd and P(v) = v - mean(v) - xhat * mean(v *
// xhat) per statistic, mean and rstd being functions of x (derivatives.yaml's
// layer_norm_double_backward, batchnorm_double_backward); with fixed_stats,
// P is the identity and the statistics do not move with x. Gradients
// reaching mean and rstd do not exist: they are not differentiable.
Grads NormDoubleBackward(DerivativeContext& c, const NormView& v, const NormBackwardArgs& a) {
  GraphBuilder& b = c.b;
  const std::vector<bool> mask = Mask(c.arg(a.mask));
  const Argument dims = Argument::IntList(v.reduce);
  const double inv_count = 1 / static_cast<double>(v.count);
  auto mean = [&](ValueId t) { return b.MulScalar(SumKeepDim(b, t, dims), inv_count); };
  ValueId x = b.Reshape(c.input(a.input), v.shape);
  ValueId dy = b.Reshape(c.input(a.grad_out), v.shape);
  ValueId rstd = b.Reshape(a.rstd, v.stat_shape);
  ValueId xhat = b.Mul(b.Sub(x, b.Reshape(a.mean, v.stat_shape)), rstd);
  const bool has_weight = !c.arg(a.weight).is_none();
  ValueId w = has_weight ? b.Reshape(c.input(a.weight), v.weight_shape) : kNone;
  auto weighted = [&](ValueId t) { return has_weight ? b.Mul(t, w) : t; };
  auto project = [&](ValueId t) {
    if (a.fixed_stats) return t;
    return b.Sub(b.Sub(t, mean(t)), b.Mul(xhat, mean(b.Mul(t, xhat))));
  };
  auto accumulate = [&](ValueId& sum, ValueId t) { sum = sum == kNone ? t : b.Add(sum, t); };
  // d_dy and d_w: the gradients of grad_out and weight; u: the gradient of
  // xhat; s: of rstd where it scales dx directly.
  ValueId d_dy = kNone, d_w = kNone, u = kNone, s = kNone;
  if (mask[0] && c.has_grad(0)) {
    ValueId ggi = b.Reshape(c.grad(0), v.shape);
    ValueId p = b.Mul(rstd, project(ggi));
    accumulate(d_dy, weighted(p));
    if (has_weight) d_w = b.Mul(dy, p);
    if (!a.fixed_stats) {
      ValueId g = weighted(dy);
      s = SumKeepDim(b, b.Mul(ggi, project(g)), dims);
      accumulate(u, b.Neg(b.Mul(rstd, b.Add(b.Mul(ggi, mean(b.Mul(g, xhat))),
                                            b.Mul(g, mean(b.Mul(ggi, xhat)))))));
    }
  }
  if (mask[1] && c.has_grad(1)) {
    ValueId ggw = b.Reshape(c.grad(1), v.weight_shape);
    accumulate(d_dy, b.Mul(ggw, xhat));
    accumulate(u, b.Mul(ggw, dy));
  }
  if (mask[2] && c.has_grad(2)) {
    accumulate(d_dy, b.Expand(b.Reshape(c.grad(2), v.weight_shape), v.shape));
  }
  const Dims x_shape = b.type(c.input(a.input)).shape;
  Grads grads;
  if (c.needs_grad(a.input) && u != kNone) {
    ValueId dx = b.Mul(rstd, project(u));
    if (s != kNone) {
      dx = b.Sub(dx, b.Mul(b.MulScalar(b.Mul(rstd, rstd), inv_count), b.Mul(xhat, s)));
    }
    grads.push_back({a.input, b.Reshape(dx, x_shape)});
  }
  if (c.needs_grad(a.grad_out) && d_dy != kNone) {
    grads.push_back({a.grad_out, b.Reshape(d_dy, x_shape)});
  }
  if (has_weight && c.needs_grad(a.weight) && d_w != kNone) {
    grads.push_back({a.weight, b.Reshape(b.SumToShape(d_w, v.weight_shape),
                                         b.type(c.input(a.weight)).shape)});
  }
  return grads;
}

void DefineNormalization(OpRegistry& r) {
  OpDefiner(r,
            "native_layer_norm(Tensor input, SymInt[] normalized_shape, "
            "Tensor? weight, Tensor? bias, float eps) -> (Tensor, Tensor, Tensor)",
            OpKind::kOther)
      .LowerToKernel("native_layer_norm")
      .Infer(InferLayerNorm)
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& types) -> Results {
        LayerNormResult ln = LayerNorm(call.tensor(0), NumElementsOf(call.Ints(1)),
                                       Optional(call, 2), Optional(call, 3), call.Float(4));
        HostTensor mean(types[1].dtype, types[1].shape), rstd(types[2].dtype, types[2].shape);
        mean.data = std::move(ln.mean);
        rstd.data = std::move(ln.rstd);
        mean.RoundToDType();
        rstd.RoundToDType();
        return std::vector<HostTensor>{std::move(ln.out), std::move(mean), std::move(rstd)};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        // As in PyTorch, gradients reaching mean and rstd are ignored.
        if (!c.has_grad(0)) return {};
        return MaskedBackward(c, "aten.native_layer_norm_backward.default",
                              {V::V(c.grad(0)), V::V(c.input(0)), c.arg(1), V::V(c.output(1)),
                               V::V(c.output(2)), c.arg(2), c.arg(3)},
                              {0, 2, 3});
      });

  OpDefiner(r,
            "native_layer_norm_backward(Tensor grad_out, Tensor input, "
            "SymInt[] normalized_shape, Tensor mean, Tensor rstd, Tensor? weight, "
            "Tensor? bias, bool[3] output_mask) -> (Tensor, Tensor, Tensor)",
            OpKind::kOther)
      .LowerToKernel("native_layer_norm_backward")
      .Infer(InferLayerNormBackward)
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& types) -> Results {
        return MaskedKernel(
            call.arg(7), types,
            [&](HostTensor* grad_input, HostTensor* grad_weight, HostTensor* grad_bias) {
              LayerNormBackward(call.tensor(0), call.tensor(1), call.tensor(3), call.tensor(4),
                                NumElementsOf(call.Ints(2)), Optional(call, 5), grad_input,
                                grad_weight, grad_bias);
            });
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        const Dims x = c.b.type(c.input(1)).shape, normalized = c.arg(2).AsIntList();
        const size_t axis = x.size() - normalized.size();
        NormView v{x, {}, x, normalized, NumElementsOf(normalized)};
        for (size_t d = axis; d < x.size(); ++d) {
          v.reduce.push_back(static_cast<int64_t>(d));
          v.stat_shape[d] = 1;
        }
        return NormDoubleBackward(c, v, {0, 1, 5, 7, c.input(3), c.input(4)});
      });

  OpDefiner(r,
            "native_batch_norm(Tensor input, Tensor? weight, Tensor? bias, "
            "Tensor? running_mean, Tensor? running_var, bool training, "
            "float momentum, float eps) -> (Tensor, Tensor, Tensor)",
            OpKind::kOther)
      .LowerToKernel("native_batch_norm")
      .Infer(InferBatchNorm)
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& types) -> Results {
        BatchNormResult bn =
            BatchNorm(call.tensor(0), Optional(call, 1), Optional(call, 2), Optional(call, 3),
                      Optional(call, 4), call.Bool(5), call.Float(7));
        HostTensor mean(types[1].dtype, types[1].shape), invstd(types[2].dtype, types[2].shape);
        if (call.Bool(5)) {
          mean.data = std::move(bn.save_mean);
          invstd.data = std::move(bn.save_invstd);
        }
        mean.RoundToDType();
        invstd.RoundToDType();
        return std::vector<HostTensor>{std::move(bn.out), std::move(mean), std::move(invstd)};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        if (!c.has_grad(0)) return {};
        return MaskedBackward(c, "aten.native_batch_norm_backward.default",
                              {V::V(c.grad(0)), V::V(c.input(0)), c.arg(1), c.arg(3), c.arg(4),
                               V::V(c.output(1)), V::V(c.output(2)), c.arg(5), c.arg(7)},
                              {0, 1, 2});
      });

  OpDefiner(r,
            "native_batch_norm_backward(Tensor grad_out, Tensor input, "
            "Tensor? weight, Tensor? running_mean, Tensor? running_var, "
            "Tensor? save_mean, Tensor? save_invstd, bool train, float eps, "
            "bool[3] output_mask) -> (Tensor, Tensor, Tensor)",
            OpKind::kOther)
      .LowerToKernel("native_batch_norm_backward")
      .Infer(InferBatchNormBackward)
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& types) -> Results {
        const bool training = call.Bool(7);
        std::vector<double> mean, invstd;
        if (training) {
          mean = call.tensor(5).data;
          invstd = call.tensor(6).data;
        } else {
          mean = call.tensor(3).data;
          for (double v : call.tensor(4).data) invstd.push_back(1.0 / std::sqrt(v + call.Float(8)));
        }
        return MaskedKernel(
            call.arg(9), types,
            [&](HostTensor* grad_input, HostTensor* grad_weight, HostTensor* grad_bias) {
              BatchNormBackward(call.tensor(0), call.tensor(1), Optional(call, 2), mean, invstd,
                                training, grad_input, grad_weight, grad_bias);
            });
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        const Dims x = c.b.type(c.input(1)).shape;
        NormView v{x, {0}, Dims(x.size(), 1), {}, NumElementsOf(x) / x[1]};
        for (size_t d = 2; d < x.size(); ++d) v.reduce.push_back(static_cast<int64_t>(d));
        v.stat_shape[1] = x[1];
        v.weight_shape = v.stat_shape;
        if (c.arg(7).AsBool()) {
          return NormDoubleBackward(c, v, {0, 1, 2, 9, c.input(5), c.input(6)});
        }
        // Eval: the running statistics, fixed.
        ValueId var = c.b.AddScalar(c.input(4), c.arg(8).AsFloat());
        ValueId invstd = c.b.Op("aten.rsqrt.default", {V::V(var)});
        return NormDoubleBackward(c, v, {0, 1, 2, 9, c.input(3), invstd, /*fixed_stats=*/true});
      });
}

// ---- Softmax ----

Types InferSoftmax(const TypeCall& call) {
  const TensorType& self = call.tensor(0);
  RETURN_IF_ERROR(NormalizeDim(call.Int(1), self.Rank()).status());
  if (call.Bool(2)) return Invalid("softmax with half to float conversion is not supported");
  RETURN_IF_ERROR(RequireFloating("softmax input", self.dtype));
  return One(self.dtype, self.shape);
}

Types InferSoftmaxBackward(const TypeCall& call) {
  const TensorType& grad = call.tensor(0);
  const TensorType& output = call.tensor(1);
  if (grad.shape != output.shape) {
    return Invalid("grad_output of size ", ShapeString(grad.shape),
                   " does not match output of size ", ShapeString(output.shape));
  }
  RETURN_IF_ERROR(NormalizeDim(call.Int(2), grad.Rank()).status());
  RETURN_IF_ERROR(RequireFloating("grad_output", grad.dtype));
  // ATen's only mixed case (CUDA's half_to_float) gives the input's dtype.
  DType dtype = grad.dtype == DType::kFloat32 && call.arg(3).AsDType() == DType::kFloat16
                    ? DType::kFloat16
                    : grad.dtype;
  return One(dtype, grad.shape);
}

template <bool kLog>
Results SoftmaxKernel(const KernelCall& call, const std::vector<TensorType>& types) {
  ASSIGN_OR_RETURN(int64_t dim, NormalizeDim(call.Int(1), call.tensor(0).Rank()));
  return std::vector<HostTensor>{Softmax(call.tensor(0), dim, kLog, types[0].dtype)};
}

template <bool kLog>
Results SoftmaxBackwardKernel(const KernelCall& call, const std::vector<TensorType>& types) {
  ASSIGN_OR_RETURN(int64_t dim, NormalizeDim(call.Int(2), call.tensor(0).Rank()));
  return std::vector<HostTensor>{
      SoftmaxBackward(call.tensor(0), call.tensor(1), dim, kLog, types[0].dtype)};
}

void DefineSoftmax(OpRegistry& r) {
  OpDefiner(r, "_softmax(Tensor self, int dim, bool half_to_float) -> Tensor", OpKind::kOther)
      .LowerToKernel("softmax")
      .Infer(InferSoftmax)
      .Kernel(SoftmaxKernel<false>)
      .Derivative([](DerivativeContext& c) -> Grads {
        return {{0, c.b.Op("aten._softmax_backward_data.default",
                           {V::V(c.grad(0)), V::V(c.output(0)), c.arg(1),
                            Argument::DTypeArg(c.b.type(c.input(0)).dtype)})}};
      });

  OpDefiner(r, "_log_softmax(Tensor self, int dim, bool half_to_float) -> Tensor", OpKind::kOther)
      .LowerToKernel("log_softmax")
      .Infer(InferSoftmax)
      .Kernel(SoftmaxKernel<true>)
      .Derivative([](DerivativeContext& c) -> Grads {
        return {{0, c.b.Op("aten._log_softmax_backward_data.default",
                           {V::V(c.grad(0)), V::V(c.output(0)), c.arg(1),
                            Argument::DTypeArg(c.b.type(c.input(0)).dtype)})}};
      });

  OpDefiner(r,
            "_softmax_backward_data(Tensor grad_output, Tensor output, int dim, "
            "ScalarType input_dtype) -> Tensor",
            OpKind::kOther)
      .LowerToKernel("softmax_backward_data")
      .Infer(InferSoftmaxBackward)
      .Kernel(SoftmaxBackwardKernel<false>)
      .Derivative([](DerivativeContext& c) -> Grads {
        // f = y * (go - sum(go * y)): linear in go; in y,
        // df/dy . G = G * (go - sum(go * y)) - go * sum(G * y).
        GraphBuilder& b = c.b;
        ValueId g = c.grad(0), go = c.input(0), y = c.input(1);
        Argument dim = DimArg(c.arg(2).AsInt());
        ValueId grad_go =
            b.Op("aten._softmax_backward_data.default", {V::V(g), V::V(y), c.arg(2), c.arg(3)});
        ValueId grad_y = b.Sub(b.Mul(g, b.Sub(go, SumKeepDim(b, b.Mul(go, y), dim))),
                               b.Mul(go, SumKeepDim(b, b.Mul(g, y), dim)));
        return {{0, grad_go}, {1, grad_y}};
      });

  OpDefiner(r,
            "_log_softmax_backward_data(Tensor grad_output, Tensor output, int dim, "
            "ScalarType input_dtype) -> Tensor",
            OpKind::kOther)
      .LowerToKernel("log_softmax_backward_data")
      .Infer(InferSoftmaxBackward)
      .Kernel(SoftmaxBackwardKernel<true>)
      .Derivative([](DerivativeContext& c) -> Grads {
        // f = go - exp(y) * sum(go).
        GraphBuilder& b = c.b;
        ValueId g = c.grad(0), go = c.input(0), y = c.input(1);
        Argument dim = DimArg(c.arg(2).AsInt());
        ValueId exp_y = b.Op("aten.exp.default", {V::V(y)});
        ValueId grad_go = b.Sub(g, SumKeepDim(b, b.Mul(g, exp_y), dim));
        ValueId grad_y = b.Neg(b.Mul(b.Mul(g, exp_y), SumKeepDim(b, go, dim)));
        return {{0, grad_go}, {1, grad_y}};
      });
}

// ---- Losses ----

// The common shape of a pointwise loss's self and target (inference
// checked that they broadcast).
Dims LossShape(const KernelCall& call) {
  Dims shape;
  reference::BroadcastShapes(call.tensor(0).shape, call.tensor(1).shape, &shape);
  return shape;
}

// nll_loss's checks on input (arg `self`), target, weight and reduction.
absl::Status CheckNllLoss(const TypeCall& call, int self, int target, int weight, int reduction) {
  const TensorType& x = call.tensor(self);
  const TensorType& t = call.tensor(target);
  if (x.Rank() < 1 || x.Rank() > 2) {
    return Invalid("nll_loss expects a 1-d or 2-d input, got input of size ", ShapeString(x.shape));
  }
  if (t.Rank() != x.Rank() - 1 || (x.Rank() == 2 && t.shape[0] != x.shape[0])) {
    return Invalid("size mismatch (got input: ", ShapeString(x.shape),
                   ", target: ", ShapeString(t.shape), ")");
  }
  if (t.dtype != DType::kInt64 && t.dtype != DType::kUInt8) {
    return Invalid("nll_loss expects an int64 target, got ", ir::DTypeName(t.dtype));
  }
  const int64_t classes = x.shape.back();
  if (!call.IsNone(weight) &&
      (call.tensor(weight).Rank() != 1 || call.tensor(weight).shape[0] != classes)) {
    return Invalid("weight tensor should be defined either for all ", classes,
                   " classes or no classes but got weight tensor of shape: ",
                   ShapeString(call.tensor(weight).shape));
  }
  RETURN_IF_ERROR(RequireFloating("nll_loss input", x.dtype));
  return CheckReduction(call.Int(reduction));
}

// The shape of nll_loss's output: [N] for an unreduced batch, else [].
Dims NllOutputShape(const TensorType& input, int64_t reduction) {
  if (ReductionOf(reduction) == Reduction::kNone && input.Rank() == 2) return {input.shape[0]};
  return {};
}

// Broadcast shape and result dtype of a pointwise loss over args 0 and 1.
absl::StatusOr<std::pair<Dims, DType>> PointwiseLossType(const TypeCall& call, int self,
                                                         int target) {
  const TensorType& x = call.tensor(self);
  const TensorType& t = call.tensor(target);
  ASSIGN_OR_RETURN(Dims shape, BroadcastShapes(x.shape, t.shape));
  DType dtype = ResultType(OperandsOf(call, {self, target}));
  RETURN_IF_ERROR(RequireFloating("loss input", dtype));
  return std::make_pair(shape, dtype);
}

Types InferPointwiseLoss(const TypeCall& call) {
  ASSIGN_OR_RETURN(auto type, PointwiseLossType(call, 0, 1));
  RETURN_IF_ERROR(CheckReduction(call.Int(2)));
  if (ReductionOf(call.Int(2)) != Reduction::kNone) type.first.clear();
  return One(type.second, type.first);
}

// mse_loss_backward and smooth_l1_loss_backward: ATen's TensorIterator
// broadcasts grad_output, self and target together, all of one dtype.
Types InferPointwiseLossBackward(const TypeCall& call) {
  const TensorType& g = call.tensor(0);
  const TensorType& x = call.tensor(1);
  const TensorType& t = call.tensor(2);
  ASSIGN_OR_RETURN(Dims shape, BroadcastShapes(x.shape, t.shape));
  ASSIGN_OR_RETURN(shape, BroadcastShapes(shape, g.shape));
  RETURN_IF_ERROR(RequireFloating("loss input", x.dtype));
  RETURN_IF_ERROR(RequireSameDType("self", x.dtype, "target", t.dtype));
  RETURN_IF_ERROR(RequireSameDType("grad_output", g.dtype, "self", x.dtype));
  RETURN_IF_ERROR(CheckReduction(call.Int(3)));
  return One(x.dtype, shape);
}

double SmoothL1(double d, double beta) {
  double z = std::fabs(d);
  return z < beta ? 0.5 * z * z / beta : z - 0.5 * beta;
}

double SmoothL1Derivative(double d, double beta) {
  if (beta <= 0) return d > 0 ? 1.0 : d < 0 ? -1.0 : 0.0;  // l1_loss_backward.
  return d < -beta ? -1.0 : d > beta ? 1.0 : d / beta;
}

absl::Status CheckBeta(double beta) {
  if (beta >= 0) return absl::OkStatus();
  return Invalid("smooth_l1_loss does not support negative values for beta, got ", beta);
}

// self and target broadcast to their common shape (ATen's loss backward
// normalizes by self's own element count, so the formulas expand first).
std::pair<ValueId, ValueId> ExpandLossOperands(GraphBuilder& b, ValueId x, ValueId t) {
  absl::StatusOr<Dims> shape = BroadcastShapes(b.type(x).shape, b.type(t).shape);
  if (!shape.ok()) return {x, t};
  return {b.Expand(x, *shape), b.Expand(t, *shape)};
}

// The double backward of mse/smooth_l1 loss: d/d(grad_output) of
// <G, backward(go, x, t)> is backward(G, x, t) when unreduced, its sum
// otherwise (the backward is elementwise linear in grad_output).
ValueId LossGradOutputGrad(GraphBuilder& b, ValueId per_element, ValueId grad_output,
                           int64_t reduction) {
  if (ReductionOf(reduction) == Reduction::kNone) return per_element;
  ValueId total = b.Op("aten.sum.default", {V::V(per_element)});
  return b.Reshape(total, b.type(grad_output).shape);
}

void DefineLosses(OpRegistry& r) {
  OpDefiner(r,
            "nll_loss_forward(Tensor self, Tensor target, Tensor? weight, "
            "int reduction, SymInt ignore_index) "
            "-> (Tensor output, Tensor total_weight)",
            OpKind::kOther)
      .LowerToKernel("nll_loss_forward")
      .Infer([](const TypeCall& call) -> Types {
        RETURN_IF_ERROR(CheckNllLoss(call, 0, 1, 2, 3));
        const TensorType& x = call.tensor(0);
        return std::vector<TensorType>{
            TensorType::Contiguous(x.dtype, NllOutputShape(x, call.Int(3))),
            TensorType::Contiguous(x.dtype, {})};
      })
      .Kernel([](const KernelCall& call, const std::vector<TensorType>&) -> Results {
        ASSIGN_OR_RETURN(auto out, NllLoss(call.tensor(0), call.tensor(1), Optional(call, 2),
                                           ReductionOf(call.Int(3)), call.Int(4)));
        return std::vector<HostTensor>{std::move(out.first), std::move(out.second)};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        if (!c.has_grad(0)) return {};  // total_weight takes no gradient.
        return {{0, c.b.Op("aten.nll_loss_backward.default",
                           {V::V(c.grad(0)), V::V(c.input(0)), V::V(c.input(1)), c.arg(2), c.arg(3),
                            c.arg(4), V::V(c.output(1))})}};
      });

  OpDefiner(r,
            "nll_loss_backward(Tensor grad_output, Tensor self, Tensor target, "
            "Tensor? weight, int reduction, SymInt ignore_index, "
            "Tensor total_weight) -> Tensor",
            OpKind::kOther)
      .LowerToKernel("nll_loss_backward")
      .Infer([](const TypeCall& call) -> Types {
        RETURN_IF_ERROR(CheckNllLoss(call, 1, 2, 3, 4));
        const TensorType& x = call.tensor(1);
        Dims expected = NllOutputShape(x, call.Int(4));
        const TensorType& g = call.tensor(0);
        bool ok = expected.empty() ? g.NumElements() == 1 && g.Rank() <= 1 : g.shape == expected;
        if (!ok) {
          return Invalid("grad_output of size ", ShapeString(g.shape),
                         " does not match the loss's size ", ShapeString(expected));
        }
        if (call.tensor(6).NumElements() != 1) {
          return Invalid("expected total_weight to be a single element tensor, got size ",
                         ShapeString(call.tensor(6).shape));
        }
        RETURN_IF_ERROR(RequireSameDType("grad_output", g.dtype, "self", x.dtype));
        return One(x.dtype, x.shape);
      })
      .Kernel([](const KernelCall& call, const std::vector<TensorType>&) -> Results {
        ASSIGN_OR_RETURN(
            HostTensor grad,
            NllLossBackward(call.tensor(0), call.tensor(1), call.tensor(2), Optional(call, 3),
                            ReductionOf(call.Int(4)), call.Int(5), call.tensor(6).data[0]));
        return std::vector<HostTensor>{std::move(grad)};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        // Linear in grad_output: its adjoint is the loss applied to the
        // incoming gradient (PyTorch's nll_loss(grad, ...)). For mean, the
        // sum is divided by the given total_weight rather than a recomputed
        // one, so the formula holds for any total_weight. Constant in self;
        // target and total_weight take no gradient.
        GraphBuilder& b = c.b;
        bool mean = ReductionOf(c.arg(4).AsInt()) == Reduction::kMean;
        std::vector<ValueId> loss = b.MultiOp(
            "aten.nll_loss_forward.default",
            {V::V(c.grad(0)), V::V(c.input(2)), c.arg(3),
             mean ? Argument::Int(static_cast<int64_t>(Reduction::kSum)) : c.arg(4), c.arg(5)});
        if (!b.ok()) return {};
        ValueId grad = mean ? b.Div(loss[0], c.input(6)) : loss[0];
        return {{0, b.Reshape(grad, b.type(c.input(0)).shape)}};
      });

  OpDefiner(r, "mse_loss(Tensor self, Tensor target, int reduction=Mean) -> Tensor", OpKind::kOther)
      .LowerToKernel("mse_loss")
      .Infer(InferPointwiseLoss)
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& types) -> Results {
        return std::vector<HostTensor>{
            PointwiseLoss(call.tensor(0), call.tensor(1), LossShape(call), ReductionOf(call.Int(2)),
                          types[0].dtype, [](double d) { return d * d; })};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        auto [x, t] = ExpandLossOperands(c.b, c.input(0), c.input(1));
        return {{0, c.b.Op("aten.mse_loss_backward.default",
                           {V::V(c.grad(0)), V::V(x), V::V(t), c.arg(2)})},
                {1, c.b.Op("aten.mse_loss_backward.default",
                           {V::V(c.grad(0)), V::V(t), V::V(x), c.arg(2)})}};
      });

  OpDefiner(r,
            "mse_loss_backward(Tensor grad_output, Tensor self, Tensor target, "
            "int reduction) -> Tensor",
            OpKind::kOther)
      .LowerToKernel("mse_loss_backward")
      .Infer(InferPointwiseLossBackward)
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& types) -> Results {
        return std::vector<HostTensor>{PointwiseLossBackward(
            call.tensor(0), call.tensor(1), call.tensor(2), types[0].shape,
            ReductionOf(call.Int(3)), types[0].dtype, [](double d) { return 2 * d; })};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        // f = norm * 2 * (x - t) * go, norm = 1/numel(x) for mean.
        GraphBuilder& b = c.b;
        ValueId g = c.grad(0), go = c.input(0), x = c.input(1), t = c.input(2);
        int64_t reduction = c.arg(3).AsInt();
        double norm = ReductionOf(reduction) == Reduction::kMean
                          ? 2.0 / static_cast<double>(b.type(x).NumElements())
                          : 2.0;
        ValueId grad_x = b.MulScalar(b.Mul(g, go), norm);
        ValueId per_element =
            b.Op("aten.mse_loss_backward.default", {V::V(g), V::V(x), V::V(t), c.arg(3)});
        return {{0, LossGradOutputGrad(b, per_element, go, reduction)},
                {1, grad_x},
                {2, b.Neg(grad_x)}};
      });

  OpDefiner(r,
            "smooth_l1_loss(Tensor self, Tensor target, int reduction=Mean, "
            "float beta=1.0) -> Tensor",
            OpKind::kOther)
      .LowerToKernel("smooth_l1_loss")
      .Infer([](const TypeCall& call) -> Types {
        RETURN_IF_ERROR(CheckBeta(call.Float(3)));
        return InferPointwiseLoss(call);
      })
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& types) -> Results {
        double beta = call.Float(3);
        return std::vector<HostTensor>{
            PointwiseLoss(call.tensor(0), call.tensor(1), LossShape(call), ReductionOf(call.Int(2)),
                          types[0].dtype, [beta](double d) { return SmoothL1(d, beta); })};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        auto [x, t] = ExpandLossOperands(c.b, c.input(0), c.input(1));
        return {{0, c.b.Op("aten.smooth_l1_loss_backward.default",
                           {V::V(c.grad(0)), V::V(x), V::V(t), c.arg(2), c.arg(3)})},
                {1, c.b.Op("aten.smooth_l1_loss_backward.default",
                           {V::V(c.grad(0)), V::V(t), V::V(x), c.arg(2), c.arg(3)})}};
      });

  OpDefiner(r,
            "smooth_l1_loss_backward(Tensor grad_output, Tensor self, "
            "Tensor target, int reduction, float beta) -> Tensor",
            OpKind::kOther)
      .LowerToKernel("smooth_l1_loss_backward")
      .Infer([](const TypeCall& call) -> Types {
        RETURN_IF_ERROR(CheckBeta(call.Float(4)));
        return InferPointwiseLossBackward(call);
      })
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& types) -> Results {
        double beta = call.Float(4);
        return std::vector<HostTensor>{
            PointwiseLossBackward(call.tensor(0), call.tensor(1), call.tensor(2), types[0].shape,
                                  ReductionOf(call.Int(3)), types[0].dtype,
                                  [beta](double d) { return SmoothL1Derivative(d, beta); })};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        // f = norm * go * clamp((x - t) / beta, -1, 1): in x, G * go * norm / beta
        // where |x - t| < beta (0 everywhere for beta 0).
        GraphBuilder& b = c.b;
        ValueId g = c.grad(0), go = c.input(0), x = c.input(1), t = c.input(2);
        int64_t reduction = c.arg(3).AsInt();
        double beta = c.arg(4).AsFloat();
        ValueId per_element = b.Op("aten.smooth_l1_loss_backward.default",
                                   {V::V(g), V::V(x), V::V(t), c.arg(3), c.arg(4)});
        Grads grads = {{0, LossGradOutputGrad(b, per_element, go, reduction)}};
        if (beta > 0) {
          double norm = ReductionOf(reduction) == Reduction::kMean
                            ? 1.0 / static_cast<double>(b.type(x).NumElements())
                            : 1.0;
          ValueId inside =
              b.Op("aten.lt.Scalar",
                   {V::V(b.Op("aten.abs.default", {V::V(b.Sub(x, t))})), Argument::Float(beta)});
          ValueId grad_x =
              b.MulScalar(b.Mul(b.Mul(g, go), b.Cast(inside, b.type(g).dtype)), norm / beta);
          grads.push_back({1, grad_x});
          grads.push_back({2, b.Neg(grad_x)});
        }
        return grads;
      });
}

// ---- Embedding ----

absl::Status CheckIndices(const TensorType& indices) {
  if (indices.dtype == DType::kInt64 || indices.dtype == DType::kInt32) return absl::OkStatus();
  return Invalid("expected indices of dtype int64 or int32, got ", ir::DTypeName(indices.dtype));
}

void DefineEmbedding(OpRegistry& r) {
  OpDefiner(r,
            "embedding(Tensor weight, Tensor indices, SymInt padding_idx=-1, "
            "bool scale_grad_by_freq=False, bool sparse=False) -> Tensor",
            OpKind::kOther)
      .LowerToKernel("embedding")
      .Infer([](const TypeCall& call) -> Types {
        const TensorType& weight = call.tensor(0);
        const TensorType& indices = call.tensor(1);
        if (weight.Rank() != 2) {
          return Invalid("'weight' must be 2-D, got weight of size ", ShapeString(weight.shape));
        }
        RETURN_IF_ERROR(CheckIndices(indices));
        Dims shape = indices.shape;
        shape.push_back(weight.shape[1]);
        return One(weight.dtype, shape);
      })
      .Kernel([](const KernelCall& call, const std::vector<TensorType>&) -> Results {
        ASSIGN_OR_RETURN(HostTensor out, Embedding(call.tensor(0), call.tensor(1)));
        return std::vector<HostTensor>{std::move(out)};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        // sparse=True asks for a sparse gradient; it is given dense.
        int64_t rows = c.b.type(c.input(0)).shape[0];
        return {{0, c.b.Op("aten.embedding_dense_backward.default",
                           {V::V(c.grad(0)), V::V(c.input(1)), Argument::Int(rows), c.arg(2),
                            c.arg(3)})}};
      });

  OpDefiner(r,
            "embedding_dense_backward(Tensor grad_output, Tensor indices, "
            "SymInt num_weights, SymInt padding_idx, bool scale_grad_by_freq) "
            "-> Tensor",
            OpKind::kOther)
      .LowerToKernel("embedding_dense_backward")
      .Infer([](const TypeCall& call) -> Types {
        const TensorType& grad = call.tensor(0);
        const TensorType& indices = call.tensor(1);
        RETURN_IF_ERROR(CheckIndices(indices));
        if (grad.Rank() < 1 || grad.NumElements() != indices.NumElements() * grad.shape.back()) {
          return Invalid("grad_output of size ", ShapeString(grad.shape),
                         " does not hold one row per index of indices of size ",
                         ShapeString(indices.shape));
        }
        if (call.Int(2) < 0) return Invalid("num_weights must be non-negative, got ", call.Int(2));
        RETURN_IF_ERROR(RequireFloating("grad_output", grad.dtype));
        return One(grad.dtype, {call.Int(2), grad.shape.back()});
      })
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& types) -> Results {
        ASSIGN_OR_RETURN(HostTensor grad,
                         EmbeddingDenseBackward(call.tensor(0), call.tensor(1), call.Int(2),
                                                call.Int(3), call.Bool(4), types[0].dtype));
        return std::vector<HostTensor>{std::move(grad)};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        // The adjoint reads the table rows back: embedding(G, indices), zero
        // at padding_idx and divided by the index's count when scaled.
        // (PyTorch's embedding_dense_double_backward omits the scale.)
        GraphBuilder& b = c.b;
        ValueId indices = c.input(1);
        int64_t padding_idx = c.arg(3).AsInt();
        ValueId rows = b.Op("aten.embedding.default", {V::V(c.grad(0)), V::V(indices)});
        if (padding_idx >= 0) {
          ValueId pad = b.Op("aten.eq.Scalar", {V::V(indices), Argument::Int(padding_idx)});
          pad = b.Op("aten.unsqueeze.default", {V::V(pad), Argument::Int(-1)});
          rows = b.Op("aten.masked_fill.Scalar", {V::V(rows), V::V(pad), Argument::Int(0)});
        }
        if (c.arg(4).AsBool()) {
          Dims ones_shape = b.type(indices).shape;
          ones_shape.push_back(1);
          DType dtype = b.type(c.grad(0)).dtype;
          ValueId ones = b.Op("aten.ones.default", {Argument::IntList(ones_shape)},
                              {{"dtype", Argument::DTypeArg(dtype)}});
          ValueId counts =
              b.Op("aten.embedding_dense_backward.default",
                   {V::V(ones), V::V(indices), c.arg(2), Argument::Int(-1), Argument::Bool(false)});
          rows = b.Div(rows, b.Op("aten.embedding.default", {V::V(counts), V::V(indices)}));
        }
        return {{0, b.Reshape(rows, b.type(c.input(0)).shape)}};
      });
}

Types InferBaddbmm(const TypeCall& call) {
  std::vector<Argument> args = {call.arg(1), call.arg(2)};
  ASSIGN_OR_RETURN(std::vector<TensorType> types,
                   InferBmm(TypeCall(args, [&call](ValueId v) -> const TensorType& {
                     return v == call.arg(1).AsValue() ? call.tensor(1) : call.tensor(2);
                   })));
  const TensorType& self = call.tensor(0);
  ASSIGN_OR_RETURN(Dims shape, BroadcastShapes(self.shape, types[0].shape));
  if (shape != types[0].shape) {
    return Invalid("baddbmm: self of shape ", ShapeString(self.shape),
                   " does not broadcast to the product's ", ShapeString(types[0].shape));
  }
  RETURN_IF_ERROR(RequireSameDType("self", self.dtype, "batch1", types[0].dtype));
  return types;
}

// beta * self + alpha * batch1 @ batch2; beta 0 ignores self (NaN too).
void DefineBaddbmm(OpRegistry& r) {
  OpDefiner(r,
            "baddbmm(Tensor self, Tensor batch1, Tensor batch2, *, Scalar beta=1, "
            "Scalar alpha=1) -> Tensor",
            OpKind::kMatmul)
      .Infer(InferBaddbmm)
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& types) -> Results {
        HostTensor out = Matmul(call.tensor(1), call.tensor(2), types[0]);
        double beta = call.Float(3), alpha = call.Float(4);
        HostTensor self = reference::BroadcastTo(call.tensor(0), types[0].shape);
        for (int64_t i = 0; i < out.NumElements(); ++i) {
          out.data[i] = alpha * out.data[i] + (beta == 0 ? 0.0 : beta * self.data[i]);
        }
        out.RoundToDType();
        return std::vector<HostTensor>{std::move(out)};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        GraphBuilder& b = c.b;
        auto transpose = [&](ValueId v) {
          return b.Op("aten.transpose.int", {V::V(v), Argument::Int(1), Argument::Int(2)});
        };
        ValueId g = c.grad(0);
        return {{0, MaybeMultiply(b, g, c.arg(3))},
                {1, MaybeMultiply(b, b.Op("aten.bmm.default", {V::V(g), V::V(transpose(c.input(2)))}),
                                  c.arg(4))},
                {2, MaybeMultiply(b, b.Op("aten.bmm.default", {V::V(transpose(c.input(1))), V::V(g)}),
                                  c.arg(4))}};
      })
      .Decompose([](GraphBuilder& b, const ir::Node& node) -> std::vector<ValueId> {
        ValueId product = MaybeMultiply(b, b.Op("aten.bmm.default", {node.args[1], node.args[2]}),
                                        node.args[4]);
        if (node.args[3].AsFloat() == 0) return {product};
        ValueId self = MaybeMultiply(b, node.args[0].AsValue(), node.args[3]);
        return {b.Add(product, self)};
      });
}

// binary_cross_entropy_with_logits' per-element loss, ATen's stable form:
// (1 - t) x + lw (log(exp(-m) + exp(-x - m)) + m), m = max(-x, 0), lw =
// (pos_weight - 1) t + 1 (1 without pos_weight), times weight.
double BceWithLogits(double x, double t, double w, double pw) {
  double m = std::max(-x, 0.0);
  double lw = (pw - 1) * t + 1;
  return ((1 - t) * x + lw * (std::log(std::exp(-m) + std::exp(-x - m)) + m)) * w;
}

// The per-element losses as a graph (before reduction).
ValueId BceWithLogitsGraph(GraphBuilder& b, const std::vector<Argument>& args) {
  ValueId x = args[0].AsValue(), t = args[1].AsValue();
  ValueId m = b.Op("aten.clamp.default", {V::V(b.Neg(x)), Argument::Int(0)});
  ValueId log_term = b.Op(
      "aten.log.default",
      {V::V(b.Add(b.Op("aten.exp.default", {V::V(b.Neg(m))}),
                  b.Op("aten.exp.default", {V::V(b.Sub(b.Neg(x), m))})))});
  ValueId one_minus_t = b.Op("aten.rsub.Scalar", {V::V(t), Argument::Int(1)});
  ValueId loss;
  if (args[3].is_none()) {
    loss = b.Add(b.Add(b.Mul(one_minus_t, x), m), log_term);
  } else {
    ValueId lw = b.AddScalar(b.Mul(b.AddScalar(args[3].AsValue(), -1), t), 1);
    loss = b.Add(b.Mul(one_minus_t, x), b.Mul(lw, b.Add(log_term, m)));
  }
  if (!args[2].is_none()) loss = b.Mul(loss, args[2].AsValue());
  return loss;
}

ValueId ApplyLossReduction(GraphBuilder& b, ValueId loss, int64_t reduction) {
  if (ReductionOf(reduction) == Reduction::kMean) return b.Op("aten.mean.default", {V::V(loss)});
  if (ReductionOf(reduction) == Reduction::kSum) return b.Op("aten.sum.default", {V::V(loss)});
  return loss;
}

void DefineBceWithLogits(OpRegistry& r) {
  OpDefiner(r,
            "binary_cross_entropy_with_logits(Tensor self, Tensor target, Tensor? weight=None, "
            "Tensor? pos_weight=None, int reduction=Mean) -> Tensor",
            OpKind::kOther)
      .Infer([](const TypeCall& call) -> Types {
        const TensorType& x = call.tensor(0);
        const TensorType& t = call.tensor(1);
        if (x.shape != t.shape) {
          return Invalid("Target size (", ShapeString(t.shape),
                         ") must be the same as input size (", ShapeString(x.shape), ")");
        }
        DType dtype = ResultType(OperandsOf(call, {0, 1, 2, 3}));
        RETURN_IF_ERROR(RequireFloating("loss input", dtype));
        for (int i : {2, 3}) {
          if (call.IsNone(i)) continue;
          ASSIGN_OR_RETURN(Dims shape, BroadcastShapes(call.tensor(i).shape, x.shape));
          if (shape != x.shape) {
            return Invalid(i == 2 ? "weight" : "pos_weight", " of shape ",
                           ShapeString(call.tensor(i).shape), " does not broadcast to ",
                           ShapeString(x.shape));
          }
        }
        RETURN_IF_ERROR(CheckReduction(call.Int(4)));
        return One(dtype, ReductionOf(call.Int(4)) == Reduction::kNone ? x.shape : Dims{});
      })
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& types) -> Results {
        DType d = types[0].dtype;
        const Dims& shape = call.tensor(0).shape;
        HostTensor x = call.tensor(0).Cast(d), t = call.tensor(1).Cast(d);
        HostTensor w = call.IsNone(2) ? HostTensor::Full(d, shape, 1)
                                      : reference::BroadcastTo(call.tensor(2).Cast(d), shape);
        HostTensor pw = call.IsNone(3) ? HostTensor::Full(d, shape, 1)
                                       : reference::BroadcastTo(call.tensor(3).Cast(d), shape);
        HostTensor loss(d, shape);
        double total = 0;
        for (int64_t i = 0; i < loss.NumElements(); ++i) {
          loss.data[i] = BceWithLogits(x.data[i], t.data[i], w.data[i], pw.data[i]);
          total += loss.data[i];
        }
        Reduction reduction = ReductionOf(call.Int(4));
        if (reduction == Reduction::kNone) {
          loss.RoundToDType();
          return std::vector<HostTensor>{std::move(loss)};
        }
        if (reduction == Reduction::kMean) total /= static_cast<double>(loss.NumElements());
        return std::vector<HostTensor>{HostTensor::Full(d, {}, total)};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        // binary_cross_entropy_with_logits_backward and its target_backward.
        GraphBuilder& b = c.b;
        ValueId x = c.input(0), t = c.input(1);
        const Dims shape = b.type(x).shape;
        int64_t reduction = c.arg(4).AsInt();
        ValueId g = b.Expand(c.grad(0), shape);
        if (!c.arg(2).is_none()) g = b.Mul(g, c.input(2));
        if (ReductionOf(reduction) == Reduction::kMean) {
          g = b.Op("aten.div.Tensor", {V::V(g), Argument::Int(b.type(x).NumElements())});
        }
        ValueId s = b.Op("aten.sigmoid.default", {V::V(x)});
        Grads grads;
        if (c.arg(3).is_none()) {
          grads.push_back({0, b.Mul(b.Sub(s, t), g)});
          grads.push_back({1, b.Mul(b.Neg(x), g)});
        } else {
          ValueId pw = c.input(3);
          ValueId pt = b.Mul(pw, t);
          ValueId self_grad = b.Sub(b.Mul(b.Sub(b.AddScalar(pt, 1), t), s), pt);
          auto log_sigmoid = [&](ValueId v) {
            std::vector<ValueId> out = b.MultiOp("aten.log_sigmoid_forward.default", {V::V(v)});
            return out.empty() ? GraphBuilder::kNoValue : out[0];
          };
          ValueId target_grad = b.Sub(log_sigmoid(b.Neg(x)), b.Mul(log_sigmoid(x), pw));
          grads.push_back({0, b.Mul(self_grad, g)});
          grads.push_back({1, b.Mul(target_grad, g)});
        }
        return grads;
      })
      .Decompose([](GraphBuilder& b, const ir::Node& node) -> std::vector<ValueId> {
        return {ApplyLossReduction(b, BceWithLogitsGraph(b, node.args), node.args[4].AsInt())};
      });
}

// ---- Group norm ----

// N, C, HxW and group of a group-norm call (arguments `first`..first+3),
// checked against input: [N, C, *] with HxW elements per channel, C a
// multiple of group.
struct GroupGeometry {
  int64_t n, c, hxw, group;
  int64_t per_group() const { return c / group; }
};

template <typename T>
absl::StatusOr<GroupGeometry> GroupNormGeometry(const Call<T>& call, const TensorType& input,
                                                int first) {
  GroupGeometry g{call.Int(first), call.Int(first + 1), call.Int(first + 2), call.Int(first + 3)};
  RETURN_IF_ERROR(RequireFloating("group_norm input", input.dtype));
  if (g.group <= 0) return Invalid("group_norm: num_groups must be positive, got ", g.group);
  if (input.Rank() < 2 || input.shape[0] != g.n || input.shape[1] != g.c ||
      input.NumElements() != g.n * g.c * g.hxw) {
    return Invalid("group_norm: input of shape ", ShapeString(input.shape), " is not [N=", g.n,
                   ", C=", g.c, ", ...] with HxW=", g.hxw, " elements per channel");
  }
  if (g.c % g.group != 0) {
    return Invalid("Expected number of channels in input to be divisible by num_groups, but got "
                   "input of shape ",
                   ShapeString(input.shape), " and num_groups=", g.group);
  }
  return g;
}

// weight or bias (argument i), if given: C values of input's dtype.
absl::Status CheckGroupAffine(const TypeCall& call, int i, absl::string_view name,
                              const TensorType& input, int64_t c) {
  if (call.IsNone(i)) return absl::OkStatus();
  const TensorType& t = call.tensor(i);
  if (t.Rank() != 1 || t.shape[0] != c) {
    return Invalid("Expected ", name,
                   " to be a vector of size equal to the number of channels in input, but got ",
                   name, " of shape ", ShapeString(t.shape), " and input of shape ",
                   ShapeString(input.shape));
  }
  return RequireSameDType("input", input.dtype, name, t.dtype);
}

Types InferGroupNorm(const TypeCall& call) {
  const TensorType& input = call.tensor(0);
  ASSIGN_OR_RETURN(GroupGeometry g, GroupNormGeometry(call, input, 3));
  RETURN_IF_ERROR(CheckGroupAffine(call, 1, "weight", input, g.c));
  RETURN_IF_ERROR(CheckGroupAffine(call, 2, "bias", input, g.c));
  TensorType stats = TensorType::Contiguous(input.dtype, {g.n, g.group});
  return std::vector<TensorType>{TensorType::Contiguous(input.dtype, input.shape), stats, stats};
}

Types InferGroupNormBackward(const TypeCall& call) {
  const TensorType& input = call.tensor(1);
  ASSIGN_OR_RETURN(GroupGeometry g, GroupNormGeometry(call, input, 5));
  RETURN_IF_ERROR(CheckGradShape(call.tensor(0), input.shape));
  RETURN_IF_ERROR(CheckGroupAffine(call, 4, "weight", input, g.c));
  for (int i : {2, 3}) {
    if (call.tensor(i).NumElements() != g.n * g.group) {
      return Invalid(i == 2 ? "mean" : "rstd", " of size ", ShapeString(call.tensor(i).shape),
                     " does not hold N * num_groups = ", g.n * g.group, " values");
    }
  }
  return MaskedTypes(call.arg(9), input.dtype, {input.shape, {g.c}, {g.c}});
}

// Group norm in double: each of the N * group rows of cpg * HxW elements
// normalized by its mean and biased variance, then scaled per channel.
Results GroupNormKernel(const KernelCall& call, const std::vector<TensorType>& types) {
  const HostTensor& x = call.tensor(0);
  ASSIGN_OR_RETURN(GroupGeometry g, GroupNormGeometry(call, TensorType::Contiguous(x.dtype, x.shape), 3));
  const HostTensor* weight = Optional(call, 1);
  const HostTensor* bias = Optional(call, 2);
  const double eps = call.Float(7);
  const int64_t inner = g.per_group() * g.hxw;
  HostTensor out(types[0].dtype, types[0].shape), mean(types[1].dtype, types[1].shape),
      rstd(types[2].dtype, types[2].shape);
  for (int64_t row = 0; row < g.n * g.group; ++row) {
    const double* in = x.data.data() + row * inner;
    double sum = 0, sq = 0;
    for (int64_t k = 0; k < inner; ++k) sum += in[k];
    const double m = inner == 0 ? 0 : sum / static_cast<double>(inner);
    for (int64_t k = 0; k < inner; ++k) sq += (in[k] - m) * (in[k] - m);
    const double var = inner == 0 ? 0 : sq / static_cast<double>(inner);
    const double rs = 1 / std::sqrt(var + eps);
    mean.data[row] = m;
    rstd.data[row] = rs;
    for (int64_t k = 0; k < inner; ++k) {
      const int64_t c = (row % g.group) * g.per_group() + k / std::max<int64_t>(g.hxw, 1);
      double y = (in[k] - m) * rs;
      if (weight != nullptr) y *= weight->data[c];
      if (bias != nullptr) y += bias->data[c];
      out.data[row * inner + k] = y;
    }
  }
  for (HostTensor* t : {&out, &mean, &rstd}) t->RoundToDType();
  return std::vector<HostTensor>{std::move(out), std::move(mean), std::move(rstd)};
}

// ATen's native_group_norm_backward in double: ds and db are the per
// (sample, channel) sums of dy * x and dy.
Results GroupNormBackwardKernel(const KernelCall& call, const std::vector<TensorType>& types) {
  const HostTensor& dy = call.tensor(0);
  const HostTensor& x = call.tensor(1);
  const HostTensor& mean = call.tensor(2);
  const HostTensor& rstd = call.tensor(3);
  const HostTensor* weight = Optional(call, 4);
  ASSIGN_OR_RETURN(GroupGeometry g, GroupNormGeometry(call, TensorType::Contiguous(x.dtype, x.shape), 5));
  const int64_t cpg = g.per_group();
  std::vector<double> ds(g.n * g.c, 0), db(g.n * g.c, 0);
  for (int64_t nc = 0; nc < g.n * g.c; ++nc) {
    for (int64_t k = 0; k < g.hxw; ++k) {
      ds[nc] += dy.data[nc * g.hxw + k] * x.data[nc * g.hxw + k];
      db[nc] += dy.data[nc * g.hxw + k];
    }
  }
  auto w = [&](int64_t c) { return weight != nullptr ? weight->data[c] : 1.0; };
  return MaskedKernel(call.arg(9), types, [&](HostTensor* dx, HostTensor* dw, HostTensor* dbias) {
    const double s = 1 / static_cast<double>(cpg * g.hxw);
    for (int64_t n = 0; n < g.n; ++n) {
      for (int64_t grp = 0; grp < g.group; ++grp) {
        const double m = mean.data[n * g.group + grp], rs = rstd.data[n * g.group + grp];
        double ds_g = 0, db_g = 0;
        for (int64_t c = grp * cpg; c < (grp + 1) * cpg; ++c) {
          ds_g += ds[n * g.c + c] * w(c);
          db_g += db[n * g.c + c] * w(c);
          if (dw != nullptr) dw->data[c] += (ds[n * g.c + c] - db[n * g.c + c] * m) * rs;
          if (dbias != nullptr) dbias->data[c] += db[n * g.c + c];
        }
        if (dx == nullptr) continue;
        const double c2 = (db_g * m - ds_g) * rs * rs * rs * s;
        const double c3 = -c2 * m - db_g * rs * s;
        for (int64_t c = grp * cpg; c < (grp + 1) * cpg; ++c) {
          for (int64_t k = 0; k < g.hxw; ++k) {
            const int64_t at = (n * g.c + c) * g.hxw + k;
            dx->data[at] = rs * w(c) * dy.data[at] + c2 * x.data[at] + c3;
          }
        }
      }
    }
    for (HostTensor* t : {dx, dw, dbias}) {
      if (t != nullptr) t->RoundToDType();
    }
  });
}

// Statistics over [N, group, cpg * HxW] (reductions accumulate in double),
// then the per-channel affine.
std::vector<ValueId> DecomposeGroupNorm(GraphBuilder& b, const ir::Node& node) {
  ValueId input = node.args[0].AsValue();
  const TensorType in = b.type(input);
  const int64_t n = node.args[3].AsInt(), c = node.args[4].AsInt(), hxw = node.args[5].AsInt(),
                group = node.args[6].AsInt();
  const double eps = node.args[7].AsFloat();
  ValueId x = b.Reshape(input, {n, group, (c / group) * hxw});
  const Argument last = DimArg(2);
  ValueId mean = b.Op("aten.mean.dim", {V::V(x), last, Argument::Bool(true)});
  ValueId var = b.Op("aten.var.correction", {V::V(x), last},
                     {{"correction", Argument::Int(0)}, {"keepdim", Argument::Bool(true)}});
  ValueId rstd = b.Op("aten.rsqrt.default", {V::V(b.AddScalar(var, eps))});
  ValueId y = b.Reshape(b.Mul(b.Sub(x, mean), rstd), in.shape);
  Dims channel(in.Rank() - 1, 1);
  channel[0] = c;  // Broadcasts against [N, C, *].
  if (!node.args[1].is_none()) y = b.Mul(y, b.Reshape(node.args[1].AsValue(), channel));
  if (!node.args[2].is_none()) y = b.Add(y, b.Reshape(node.args[2].AsValue(), channel));
  return {y, b.Reshape(mean, {n, group}), b.Reshape(rstd, {n, group})};
}

// The kernel's formula in ops over [N, C, HxW] and [N, group, cpg, HxW].
std::vector<ValueId> DecomposeGroupNormBackward(GraphBuilder& b, const ir::Node& node) {
  ValueId dy_in = node.args[0].AsValue(), x_in = node.args[1].AsValue();
  const TensorType in = b.type(x_in);
  const int64_t n = node.args[5].AsInt(), c = node.args[6].AsInt(), hxw = node.args[7].AsInt(),
                group = node.args[8].AsInt(), cpg = c / group;
  const std::vector<bool> want = Mask(node.args[9]);
  const bool has_weight = !node.args[4].is_none();
  ValueId weight = has_weight ? node.args[4].AsValue() : kNone;
  ValueId dy = b.Reshape(dy_in, {n, c, hxw}), x = b.Reshape(x_in, {n, c, hxw});
  auto sum = [&](ValueId v, int64_t dim) {
    return b.Op("aten.sum.dim_IntList", {V::V(v), DimArg(dim)});
  };
  ValueId ds = sum(b.Mul(dy, x), 2), db = sum(dy, 2);  // [N, C]
  ValueId mean = b.Reshape(node.args[2].AsValue(), {n, group, 1});
  ValueId rstd = b.Reshape(node.args[3].AsValue(), {n, group, 1});
  std::vector<ValueId> out;
  if (want[0]) {
    ValueId dsw = has_weight ? b.Mul(ds, weight) : ds, dbw = has_weight ? b.Mul(db, weight) : db;
    ValueId ds_g = sum(b.Reshape(dsw, {n, group, cpg}), 2);  // [N, G]
    ValueId db_g = sum(b.Reshape(dbw, {n, group, cpg}), 2);
    ValueId m = b.Reshape(mean, {n, group}), rs = b.Reshape(rstd, {n, group});
    const double s = 1 / static_cast<double>(cpg * hxw);
    ValueId c2 = b.MulScalar(b.Mul(b.Mul(b.Sub(b.Mul(db_g, m), ds_g), rs), b.Mul(rs, rs)), s);
    ValueId c3 = b.Sub(b.Neg(b.Mul(c2, m)), b.MulScalar(b.Mul(db_g, rs), s));
    ValueId c1 = has_weight ? b.Mul(rstd, b.Reshape(weight, {1, group, cpg})) : rstd;
    ValueId dx = b.Add(b.Add(b.Mul(b.Reshape(dy, {n, group, cpg, hxw}),
                                   b.Reshape(b.Expand(c1, {n, group, cpg}), {n, group, cpg, 1})),
                             b.Mul(b.Reshape(x, {n, group, cpg, hxw}), b.Reshape(c2, {n, group, 1, 1}))),
                       b.Reshape(c3, {n, group, 1, 1}));
    out.push_back(b.Reshape(dx, in.shape));
  } else {
    out.push_back(b.Zeros({0}, in.dtype));
  }
  if (want[1]) {
    ValueId centered = b.Sub(b.Reshape(ds, {n, group, cpg}), b.Mul(b.Reshape(db, {n, group, cpg}), mean));
    out.push_back(b.Reshape(sum(b.Mul(centered, rstd), 0), {c}));
  } else {
    out.push_back(b.Zeros({0}, in.dtype));
  }
  out.push_back(want[2] ? sum(db, 0) : b.Zeros({0}, in.dtype));
  return out;
}

void DefineGroupNorm(OpRegistry& r) {
  OpDefiner(r,
            "native_group_norm(Tensor input, Tensor? weight, Tensor? bias, SymInt N, SymInt C, "
            "SymInt HxW, int group, float eps) -> (Tensor, Tensor, Tensor)",
            OpKind::kOther)
      .Infer(InferGroupNorm)
      .Kernel(GroupNormKernel)
      .Derivative([](DerivativeContext& c) -> Grads {
        // As in PyTorch, gradients reaching mean and rstd are ignored.
        if (!c.has_grad(0)) return {};
        return MaskedBackward(c, "aten.native_group_norm_backward.default",
                              {V::V(c.grad(0)), V::V(c.input(0)), V::V(c.output(1)),
                               V::V(c.output(2)), c.arg(1), c.arg(3), c.arg(4), c.arg(5), c.arg(6)},
                              {0, 1, 2});
      })
      .Decompose(DecomposeGroupNorm);

  OpDefiner(r,
            "native_group_norm_backward(Tensor grad_out, Tensor input, Tensor mean, Tensor rstd, "
            "Tensor? weight, SymInt N, SymInt C, SymInt HxW, int group, bool[3] output_mask) "
            "-> (Tensor, Tensor, Tensor)",
            OpKind::kOther)
      .Infer(InferGroupNormBackward)
      .Kernel(GroupNormBackwardKernel)
      .Derivative([](DerivativeContext& c) -> Grads {
        const int64_t n = c.arg(5).AsInt(), channels = c.arg(6).AsInt(),
                      hxw = c.arg(7).AsInt(), group = c.arg(8).AsInt();
        const int64_t cpg = channels / group;
        const NormView v{{n, group, cpg, hxw}, {2, 3}, {n, group, 1, 1}, {1, group, cpg, 1},
                         cpg * hxw};
        return NormDoubleBackward(c, v, {0, 1, 4, 9, c.input(2), c.input(3)});
      })
      .Decompose(DecomposeGroupNormBackward);
}

// ---- Upsampling ----

// The geometry of an upsample_nearest2d call: input [N, C, H, W] and the
// output's H and W, with the scales given (0 when None), as ATen's
// compute_output_size and get_scale_value make them.
struct Upsample2d {
  int64_t n, c, in[2], out[2];
  double scales[2] = {0, 0};
};

// `input_size` [N, C, H, W]; `output_size` (int[2]) and `scale_factors`
// (float[2]) are arguments, exactly one of them not None. Errors name `op`.
absl::StatusOr<Upsample2d> Upsample2dGeometry(const Dims& input_size, const Argument& output_size,
                                              const Argument& scale_factors,
                                              absl::string_view op = "upsample_nearest2d") {
  if (input_size.size() != 4) {
    return Invalid(op, ": expected a 4-d input [N, C, H, W], got size ",
                   ShapeString(input_size));
  }
  if (output_size.is_none() == scale_factors.is_none()) {
    return Invalid("Must specify exactly one of output_size and scale_factors");
  }
  Upsample2d g{input_size[0], input_size[1], {input_size[2], input_size[3]}, {0, 0}};
  if (!output_size.is_none()) {
    Dims size = output_size.AsIntList();
    if (size.size() != 2) {
      return Invalid(op, ": output_size must have 2 elements, got ", size.size());
    }
    g.out[0] = size[0];
    g.out[1] = size[1];
  } else {
    const std::vector<Argument>& scales = scale_factors.AsList();
    if (scales.size() != 2) {
      return Invalid(op, ": scale_factors must have 2 elements, got ", scales.size());
    }
    for (int d = 0; d < 2; ++d) {
      g.scales[d] = scales[d].AsFloat();
      g.out[d] = static_cast<int64_t>(static_cast<double>(g.in[d]) * g.scales[d]);
    }
  }
  if (g.in[0] <= 0 || g.in[1] <= 0 || g.out[0] <= 0 || g.out[1] <= 0) {
    return Invalid("Input and output sizes should be greater than 0, but got input (H: ", g.in[0],
                   ", W: ", g.in[1], ") output (H: ", g.out[0], ", W: ", g.out[1], ")");
  }
  return g;
}

// ATen's nearest_idx: the input index each output index of dim d reads.
// The scale is a float: 1 / scale_factor if given (and positive), else
// in / out; the index is floorf(o * scale), at most in - 1.
float NearestScale(const Upsample2d& g, int d) {
  return g.scales[d] > 0 ? static_cast<float>(1.0 / g.scales[d])
                         : static_cast<float>(g.in[d]) / static_cast<float>(g.out[d]);
}

std::vector<int64_t> NearestIndices(const Upsample2d& g, int d) {
  std::vector<int64_t> index(g.out[d]);
  const float scale = NearestScale(g, d);
  for (int64_t o = 0; o < g.out[d]; ++o) {
    if (g.out[d] == g.in[d]) {
      index[o] = o;
    } else if (g.out[d] == 2 * g.in[d]) {
      index[o] = o >> 1;
    } else {
      index[o] = std::min(static_cast<int64_t>(std::floor(static_cast<float>(o) * scale)),
                          g.in[d] - 1);
    }
  }
  return index;
}

// Whether dim d repeats each input index out / in times in order (an
// expand and a reshape compute it).
bool IsRepeat(const Upsample2d& g, int d, const std::vector<int64_t>& index) {
  if (g.out[d] % g.in[d] != 0) return false;
  const int64_t k = g.out[d] / g.in[d];
  for (int64_t o = 0; o < g.out[d]; ++o) {
    if (index[o] != o / k) return false;
  }
  return true;
}

absl::Status RequireUpsampleDType(DType d, bool backward) {
  if (ir::IsFloatingPoint(d) || (!backward && d == DType::kUInt8)) return absl::OkStatus();
  return Invalid("upsample_nearest2d", backward ? "_backward" : "",
                 " is not implemented for ", ir::DTypeName(d));
}

// A backward's grad_output must have the forward output's shape.
absl::Status CheckUpsampleGrad(const TensorType& grad, const Upsample2d& g) {
  const Dims out = {g.n, g.c, g.out[0], g.out[1]};
  if (grad.Rank() != 4) {
    return Invalid("Expected grad_output to be a tensor of dimension 4 but got: dimension ",
                   grad.Rank());
  }
  for (int d = 0; d < 4; ++d) {
    if (grad.shape[d] != out[d]) {
      return Invalid("Expected grad_output to have the same shape as output; output.size(", d,
                     ") = ", out[d], " but got grad_output.size(", d, ") = ", grad.shape[d]);
    }
  }
  return absl::OkStatus();
}

Types InferUpsampleNearest2d(const TypeCall& call) {
  const TensorType& input = call.tensor(0);
  ASSIGN_OR_RETURN(Upsample2d g, Upsample2dGeometry(input.shape, call.arg(1), call.arg(2)));
  RETURN_IF_ERROR(RequireUpsampleDType(input.dtype, false));
  return One(input.dtype, {g.n, g.c, g.out[0], g.out[1]});
}

Types InferUpsampleNearest2dBackward(const TypeCall& call) {
  const TensorType& grad = call.tensor(0);
  ASSIGN_OR_RETURN(Upsample2d g, Upsample2dGeometry(call.Ints(2), call.arg(1), call.arg(3)));
  RETURN_IF_ERROR(RequireUpsampleDType(grad.dtype, true));
  RETURN_IF_ERROR(CheckUpsampleGrad(grad, g));
  return One(grad.dtype, call.Ints(2));
}

// out[n, c, oh, ow] = input[n, c, index_h[oh], index_w[ow]], or (backward)
// grad_input[n, c, ih, iw] = the sum of grad_output over the (oh, ow)
// reading (ih, iw).
Results UpsampleNearest2dKernel(const HostTensor& from, const Upsample2d& g, bool backward,
                                const TensorType& type) {
  const std::vector<int64_t> ih = NearestIndices(g, 0), iw = NearestIndices(g, 1);
  HostTensor out(type.dtype, type.shape);
  for (int64_t nc = 0; nc < g.n * g.c; ++nc) {
    for (int64_t oh = 0; oh < g.out[0]; ++oh) {
      for (int64_t ow = 0; ow < g.out[1]; ++ow) {
        const int64_t small = (nc * g.in[0] + ih[oh]) * g.in[1] + iw[ow];
        const int64_t large = (nc * g.out[0] + oh) * g.out[1] + ow;
        if (backward) {
          out.data[small] += from.data[large];
        } else {
          out.data[large] = from.data[small];
        }
      }
    }
  }
  out.RoundToDType();
  return std::vector<HostTensor>{std::move(out)};
}

// A graph value holding dim d's indices (int64 [out]): ATen's formula on an
// arange, in float as ATen computes it.
ValueId NearestIndexValue(GraphBuilder& b, const Upsample2d& g, int d) {
  ValueId o = b.Op("aten.arange.default", {Argument::Int(g.out[d])},
                   {{"dtype", Argument::DTypeArg(DType::kFloat32)}});
  ValueId scaled = b.Op("aten.mul.Tensor", {V::V(o), Argument::Float(NearestScale(g, d))});
  // Truncation is floor here: the values are not negative.
  return b.Op("aten.clamp.default",
              {V::V(b.Cast(scaled, DType::kInt64)), Argument::None(), Argument::Int(g.in[d] - 1)});
}

// upsample_nearest2d: dims whose indices repeat each input index k times
// expand and reshape (one copy for both); the others index_select.
ValueId DecomposeUpsample(GraphBuilder& b, ValueId x, const Upsample2d& g) {
  const std::vector<int64_t> index[2] = {NearestIndices(g, 0), NearestIndices(g, 1)};
  const bool repeat[2] = {IsRepeat(g, 0, index[0]), IsRepeat(g, 1, index[1])};
  int64_t h = g.in[0], w = g.in[1];
  for (int d = 0; d < 2; ++d) {
    if (repeat[d]) continue;
    x = b.Op("aten.index_select.default",
             {V::V(x), Argument::Int(2 + d), V::V(NearestIndexValue(b, g, d))});
    (d == 0 ? h : w) = g.out[d];
  }
  if (h == g.out[0] && w == g.out[1]) {
    return repeat[0] && repeat[1] ? b.Op("aten.clone.default", {V::V(x)}) : x;
  }
  const int64_t kh = g.out[0] / h, kw = g.out[1] / w;
  ValueId expanded = b.Expand(b.Reshape(x, {g.n, g.c, h, 1, w, 1}), {g.n, g.c, h, kh, w, kw});
  return b.Reshape(expanded, {g.n, g.c, g.out[0], g.out[1]});
}

// upsample_nearest2d_backward: repeated dims sum their k copies; the others
// index_add into zeros.
ValueId DecomposeUpsampleBackward(GraphBuilder& b, ValueId grad, const Upsample2d& g) {
  const std::vector<int64_t> index[2] = {NearestIndices(g, 0), NearestIndices(g, 1)};
  const bool repeat[2] = {IsRepeat(g, 0, index[0]), IsRepeat(g, 1, index[1])};
  const int64_t h = repeat[0] ? g.in[0] : g.out[0], w = repeat[1] ? g.in[1] : g.out[1];
  const int64_t kh = g.out[0] / h, kw = g.out[1] / w;
  if (kh > 1 || kw > 1) {
    grad = b.Op("aten.sum.dim_IntList",
                {V::V(b.Reshape(grad, {g.n, g.c, h, kh, w, kw})), Argument::IntList({3, 5})});
  }
  Dims shape = {g.n, g.c, h, w};
  for (int d = 1; d >= 0; --d) {
    if (repeat[d]) continue;
    shape[2 + d] = g.in[d];
    grad = b.Op("aten.index_add.default", {V::V(b.Zeros(shape, b.type(grad).dtype)),
                                           Argument::Int(2 + d),
                                           V::V(NearestIndexValue(b, g, d)), V::V(grad)});
  }
  return grad;
}

void DefineUpsampling(OpRegistry& r) {
  OpDefiner(r,
            "upsample_nearest2d.vec(Tensor input, SymInt[]? output_size, float[]? scale_factors) "
            "-> Tensor",
            OpKind::kOther)
      .Infer(InferUpsampleNearest2d)
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& types) -> Results {
        ASSIGN_OR_RETURN(Upsample2d g,
                         Upsample2dGeometry(call.tensor(0).shape, call.arg(1), call.arg(2)));
        return UpsampleNearest2dKernel(call.tensor(0), g, /*backward=*/false, types[0]);
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        Dims size = c.b.type(c.input(0)).shape;
        return {{0, c.b.Op("aten.upsample_nearest2d_backward.vec",
                           {V::V(c.grad(0)), c.arg(1), Argument::IntList(size), c.arg(2)})}};
      })
      .Decompose([](GraphBuilder& b, const ir::Node& node) -> std::vector<ValueId> {
        ValueId x = node.args[0].AsValue();
        absl::StatusOr<Upsample2d> g = Upsample2dGeometry(b.type(x).shape, node.args[1], node.args[2]);
        if (!g.ok()) return {kNone};
        return {DecomposeUpsample(b, x, *g)};
      });

  OpDefiner(r,
            "upsample_nearest2d_backward.vec(Tensor grad_output, SymInt[]? output_size, "
            "SymInt[] input_size, float[]? scale_factors) -> Tensor",
            OpKind::kOther)
      .Infer(InferUpsampleNearest2dBackward)
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& types) -> Results {
        ASSIGN_OR_RETURN(Upsample2d g, Upsample2dGeometry(call.Ints(2), call.arg(1), call.arg(3)));
        return UpsampleNearest2dKernel(call.tensor(0), g, /*backward=*/true, types[0]);
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        return {{0, c.b.Op("aten.upsample_nearest2d.vec", {V::V(c.grad(0)), c.arg(1), c.arg(3)})}};
      })
      .Decompose([](GraphBuilder& b, const ir::Node& node) -> std::vector<ValueId> {
        absl::StatusOr<Upsample2d> g =
            Upsample2dGeometry(node.args[2].AsIntList(), node.args[1], node.args[3]);
        if (!g.ok()) return {kNone};
        return {DecomposeUpsampleBackward(b, node.args[0].AsValue(), *g)};
      });
}

// ---- Bilinear upsampling ----

// The two input indices and weights each output index of one dim reads:
// out[o] = lambda0[o] * in[index0[o]] + lambda1[o] * in[index1[o]].
struct LinearTaps {
  std::vector<int64_t> index0, index1;
  std::vector<double> lambda0, lambda1;
};

// v rounded to float when `single`.
double RoundIf(bool single, double v) {
  return single ? static_cast<double>(static_cast<float>(v)) : v;
}

// ATen's area_pixel_compute_scale: (in - 1) / (out - 1) with align_corners
// (0 for one output), else 1 / scale_factor if given (and positive), else
// in / out; in the kernel's precision, float for float32.
double LinearScale(const Upsample2d& g, int d, bool align_corners, bool single) {
  const double in = static_cast<double>(g.in[d]), out = static_cast<double>(g.out[d]);
  if (align_corners) return g.out[d] > 1 ? RoundIf(single, (in - 1) / (out - 1)) : 0;
  return RoundIf(single, g.scales[d] > 0 ? 1.0 / g.scales[d] : in / out);
}

// ATen's compute_source_index_and_lambda, each operation rounded to float
// when `single`: the source index is scale * o (align_corners) or
// max(scale * (o + 0.5) - 0.5, 0); index0 truncates it, index1 is the next
// index within the input, lambda1 the fraction clamped to [0, 1]. Equal
// sizes copy.
LinearTaps LinearTapsOf(const Upsample2d& g, int d, bool align_corners, bool single) {
  auto round = [single](double v) { return RoundIf(single, v); };
  const double scale = LinearScale(g, d, align_corners, single);
  LinearTaps t;
  for (int64_t o = 0; o < g.out[d]; ++o) {
    double src = static_cast<double>(o);
    int64_t i0 = o;
    double l1 = 0;
    if (g.out[d] != g.in[d]) {
      src = align_corners ? round(scale * src)
                          : std::max(round(round(scale * round(src + 0.5)) - 0.5), 0.0);
      i0 = static_cast<int64_t>(src);
      l1 = std::min(std::max(round(src - static_cast<double>(i0)), 0.0), 1.0);
    }
    t.index0.push_back(i0);
    t.index1.push_back(i0 + (i0 < g.in[d] - 1 ? 1 : 0));
    t.lambda0.push_back(round(1 - l1));
    t.lambda1.push_back(l1);
  }
  return t;
}

absl::Status RequireBilinearDType(DType d, bool backward) {
  if (ir::IsFloatingPoint(d)) return absl::OkStatus();
  return Invalid("upsample_bilinear2d", backward ? "_backward" : "",
                 " is not implemented for ", ir::DTypeName(d));
}

Types InferUpsampleBilinear2d(const TypeCall& call) {
  const TensorType& input = call.tensor(0);
  ASSIGN_OR_RETURN(Upsample2d g, Upsample2dGeometry(input.shape, call.arg(1), call.arg(3),
                                                    "upsample_bilinear2d"));
  RETURN_IF_ERROR(RequireBilinearDType(input.dtype, false));
  return One(input.dtype, {g.n, g.c, g.out[0], g.out[1]});
}

Types InferUpsampleBilinear2dBackward(const TypeCall& call) {
  const TensorType& grad = call.tensor(0);
  ASSIGN_OR_RETURN(Upsample2d g, Upsample2dGeometry(call.Ints(2), call.arg(1), call.arg(4),
                                                    "upsample_bilinear2d_backward"));
  RETURN_IF_ERROR(RequireBilinearDType(grad.dtype, true));
  RETURN_IF_ERROR(CheckUpsampleGrad(grad, g));
  return One(grad.dtype, call.Ints(2));
}

// out[n, c, oh, ow] = sum over the taps (h, w) of lambda_h * lambda_w *
// input[n, c, h, w] (ATen's order: rows inner), or (backward) the adjoint.
Results UpsampleBilinear2dKernel(const HostTensor& from, const Upsample2d& g, bool align_corners,
                                 bool backward, const TensorType& type) {
  const bool single = type.dtype != DType::kFloat64;
  const LinearTaps th = LinearTapsOf(g, 0, align_corners, single);
  const LinearTaps tw = LinearTapsOf(g, 1, align_corners, single);
  HostTensor out(type.dtype, type.shape);
  for (int64_t nc = 0; nc < g.n * g.c; ++nc) {
    for (int64_t oh = 0; oh < g.out[0]; ++oh) {
      const int64_t rows[2] = {th.index0[oh], th.index1[oh]};
      const double lh[2] = {th.lambda0[oh], th.lambda1[oh]};
      for (int64_t ow = 0; ow < g.out[1]; ++ow) {
        const int64_t cols[2] = {tw.index0[ow], tw.index1[ow]};
        const double lw[2] = {tw.lambda0[ow], tw.lambda1[ow]};
        const int64_t large = (nc * g.out[0] + oh) * g.out[1] + ow;
        double sum = 0;
        for (int i = 0; i < 2; ++i) {
          double row = 0;
          for (int j = 0; j < 2; ++j) {
            const int64_t small = (nc * g.in[0] + rows[i]) * g.in[1] + cols[j];
            if (backward) {
              out.data[small] += lh[i] * lw[j] * from.data[large];
            } else {
              row += lw[j] * from.data[small];
            }
          }
          sum += lh[i] * row;
        }
        if (!backward) out.data[large] = sum;
      }
    }
  }
  out.RoundToDType();
  return std::vector<HostTensor>{std::move(out)};
}

// Graph values of dim d's taps, computed from an arange in the input's
// float dtype as ATen computes them: index0 and index1 (int64 [out]),
// lambda0 and lambda1 (dtype [out]).
struct LinearTapValues {
  ValueId index0, index1, lambda0, lambda1;
};

LinearTapValues LinearTapValuesOf(GraphBuilder& b, const Upsample2d& g, int d, bool align_corners,
                                  DType dtype) {
  const double scale = LinearScale(g, d, align_corners, dtype != DType::kFloat64);
  ValueId src = b.Op("aten.arange.default", {Argument::Int(g.out[d])},
                     {{"dtype", Argument::DTypeArg(dtype)}});
  if (align_corners) {
    src = b.MulScalar(src, scale);
  } else {
    src = b.AddScalar(b.MulScalar(b.AddScalar(src, 0.5), scale), -0.5);
    src = b.Op("aten.clamp_min.default", {V::V(src), Argument::Float(0)});
  }
  // Truncation is floor here: the values are not negative.
  ValueId index0 = b.Cast(src, DType::kInt64);
  ValueId index1 = b.Op("aten.clamp_max.default",
                        {V::V(b.Op("aten.add.Tensor", {V::V(index0), Argument::Int(1)})),
                         Argument::Int(g.in[d] - 1)});
  ValueId lambda1 = b.Op("aten.clamp.default", {V::V(b.Sub(src, b.Cast(index0, dtype))),
                                                Argument::Float(0), Argument::Float(1)});
  ValueId lambda0 = b.AddScalar(b.Neg(lambda1), 1);
  return {index0, index1, lambda0, lambda1};
}

// upsample_bilinear2d: per dim (columns, then rows, as ATen sums), the two
// taps read by index_select and weighted. Dims of equal size are kept.
ValueId DecomposeUpsampleBilinear(GraphBuilder& b, ValueId x, const Upsample2d& g,
                                  bool align_corners) {
  const DType dtype = b.type(x).dtype;
  for (int d = 1; d >= 0; --d) {
    if (g.out[d] == g.in[d]) continue;
    const LinearTapValues t = LinearTapValuesOf(b, g, d, align_corners, dtype);
    const Argument dim = Argument::Int(2 + d);
    Dims weight_shape = {g.out[d], 1};
    if (d == 1) weight_shape = {g.out[d]};
    ValueId x0 = b.Op("aten.index_select.default", {V::V(x), dim, V::V(t.index0)});
    ValueId x1 = b.Op("aten.index_select.default", {V::V(x), dim, V::V(t.index1)});
    x = b.Add(b.Mul(x0, b.Reshape(t.lambda0, weight_shape)),
              b.Mul(x1, b.Reshape(t.lambda1, weight_shape)));
  }
  if (g.out[0] == g.in[0] && g.out[1] == g.in[1]) return b.Op("aten.clone.default", {V::V(x)});
  return x;
}

// upsample_bilinear2d_backward: the adjoint, rows then columns, each tap's
// weighted gradient index_added into zeros.
ValueId DecomposeUpsampleBilinearBackward(GraphBuilder& b, ValueId grad, const Upsample2d& g,
                                          bool align_corners) {
  const DType dtype = b.type(grad).dtype;
  Dims shape = {g.n, g.c, g.out[0], g.out[1]};
  for (int d = 0; d < 2; ++d) {
    if (g.out[d] == g.in[d]) continue;
    const LinearTapValues t = LinearTapValuesOf(b, g, d, align_corners, dtype);
    const Argument dim = Argument::Int(2 + d);
    Dims weight_shape = {g.out[d], 1};
    if (d == 1) weight_shape = {g.out[d]};
    shape[2 + d] = g.in[d];
    ValueId sum = b.Op("aten.index_add.default",
                       {V::V(b.Zeros(shape, dtype)), dim, V::V(t.index0),
                        V::V(b.Mul(grad, b.Reshape(t.lambda0, weight_shape)))});
    grad = b.Op("aten.index_add.default", {V::V(sum), dim, V::V(t.index1),
                                           V::V(b.Mul(grad, b.Reshape(t.lambda1, weight_shape)))});
  }
  if (g.out[0] == g.in[0] && g.out[1] == g.in[1]) return b.Op("aten.clone.default", {V::V(grad)});
  return grad;
}

void DefineUpsampleBilinear(OpRegistry& r) {
  OpDefiner(r,
            "upsample_bilinear2d.vec(Tensor input, SymInt[]? output_size, bool align_corners, "
            "float[]? scale_factors) -> Tensor",
            OpKind::kOther)
      .Infer(InferUpsampleBilinear2d)
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& types) -> Results {
        ASSIGN_OR_RETURN(Upsample2d g,
                         Upsample2dGeometry(call.tensor(0).shape, call.arg(1), call.arg(3)));
        return UpsampleBilinear2dKernel(call.tensor(0), g, call.Bool(2), /*backward=*/false,
                                        types[0]);
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        Dims size = c.b.type(c.input(0)).shape;
        return {{0, c.b.Op("aten.upsample_bilinear2d_backward.vec",
                           {V::V(c.grad(0)), c.arg(1), Argument::IntList(size), c.arg(2),
                            c.arg(3)})}};
      })
      .Decompose([](GraphBuilder& b, const ir::Node& node) -> std::vector<ValueId> {
        ValueId x = node.args[0].AsValue();
        absl::StatusOr<Upsample2d> g =
            Upsample2dGeometry(b.type(x).shape, node.args[1], node.args[3]);
        if (!g.ok()) return {kNone};
        return {DecomposeUpsampleBilinear(b, x, *g, node.args[2].AsBool())};
      });

  OpDefiner(r,
            "upsample_bilinear2d_backward.vec(Tensor grad_output, SymInt[]? output_size, "
            "SymInt[] input_size, bool align_corners, float[]? scale_factors) -> Tensor",
            OpKind::kOther)
      .Infer(InferUpsampleBilinear2dBackward)
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& types) -> Results {
        ASSIGN_OR_RETURN(Upsample2d g, Upsample2dGeometry(call.Ints(2), call.arg(1), call.arg(4)));
        return UpsampleBilinear2dKernel(call.tensor(0), g, call.Bool(3), /*backward=*/true,
                                        types[0]);
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        return {{0, c.b.Op("aten.upsample_bilinear2d.vec",
                           {V::V(c.grad(0)), c.arg(1), c.arg(3), c.arg(4)})}};
      })
      .Decompose([](GraphBuilder& b, const ir::Node& node) -> std::vector<ValueId> {
        absl::StatusOr<Upsample2d> g =
            Upsample2dGeometry(node.args[2].AsIntList(), node.args[1], node.args[4]);
        if (!g.ok()) return {kNone};
        return {DecomposeUpsampleBilinearBackward(b, node.args[0].AsValue(), *g,
                                                  node.args[3].AsBool())};
      });
}

}  // namespace

// ---- PReLU ----

// The checks of ATen's prelu: float input and weight of one dtype, weight
// a scalar or 1-d with one value or one per channel (dim 1).
absl::Status CheckPrelu(const TensorType& self, const TensorType& weight) {
  RETURN_IF_ERROR(RequireFloating("prelu input", self.dtype));
  RETURN_IF_ERROR(RequireSameDType("input", self.dtype, "weight", weight.dtype));
  if (weight.Rank() > 1) {
    return Invalid("prelu: Expected `weight` to be a scalar or 1D tensor, but got: ndim = ",
                   weight.Rank());
  }
  const int64_t weight_num = weight.NumElements();
  if (weight_num == 1) return absl::OkStatus();
  if (self.Rank() == 0) return Invalid("prelu: Not allow zero-dim input tensor.");
  const int64_t channels = self.Rank() > 1 ? self.shape[1] : 1;
  if (channels != weight_num) {
    return Invalid("Mismatch of parameter numbers and input channel size. Found parameter numbers = ",
                   weight_num, " and channel size = ", channels, ".");
  }
  return absl::OkStatus();
}

// The weight index of element i of `self` in prelu.
int64_t PreluChannel(const Dims& self, int64_t weight_num, int64_t i) {
  if (weight_num == 1) return 0;
  int64_t inner = 1;
  for (size_t d = 2; d < self.size(); ++d) inner *= self[d];
  return i / inner % weight_num;
}

// The weight shaped to broadcast against `self` along dim 1.
ValueId PreluWeight(GraphBuilder& b, ValueId weight, const TensorType& self) {
  if (b.type(weight).NumElements() == 1) return b.Reshape(weight, {});
  Dims shape(std::max<int64_t>(self.Rank() - 1, 1), 1);
  shape[0] = b.type(weight).NumElements();
  return b.Reshape(weight, shape);
}

// A 0-d zero of `like`'s dtype.
ValueId ScalarZeroLike(GraphBuilder& b, ValueId like) {
  return b.Op("aten.scalar_tensor.default", {Argument::Float(0)},
              {{"dtype", Argument::DTypeArg(b.type(like).dtype)}});
}

// `v` where self > 0, else `other` (a 0-d zero when kNone).
ValueId WherePositive(GraphBuilder& b, ValueId self, ValueId v, ValueId other) {
  ValueId positive = b.Op("aten.gt.Scalar", {V::V(self), Argument::Int(0)});
  if (other == kNone) other = ScalarZeroLike(b, v);
  return b.Op("aten.where.self", {V::V(positive), V::V(v), V::V(other)});
}

// `v` summed over every dim but the channel dim, shaped as `weight`.
ValueId SumToPreluWeight(GraphBuilder& b, ValueId v, ValueId weight) {
  const TensorType t = b.type(v);
  ValueId sum;
  if (b.type(weight).NumElements() == 1 || t.Rank() < 2) {
    sum = b.Op("aten.sum.default", {V::V(v)});
  } else {
    Dims dims = {0};
    for (int64_t d = 2; d < t.Rank(); ++d) dims.push_back(d);
    sum = b.Op("aten.sum.dim_IntList", {V::V(v), Argument::IntList(dims), Argument::Bool(false)});
  }
  return b.Reshape(sum, b.type(weight).shape);
}

void DefinePrelu(OpRegistry& r) {
  // self where self > 0, else weight * self (weight per channel).
  OpDefiner(r, "prelu(Tensor self, Tensor weight) -> Tensor", OpKind::kOther)
      .Infer([](const TypeCall& call) -> Types {
        RETURN_IF_ERROR(CheckPrelu(call.tensor(0), call.tensor(1)));
        return One(call.tensor(0).dtype, call.tensor(0).shape);
      })
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& types) -> Results {
        const HostTensor& self = call.tensor(0);
        const HostTensor& weight = call.tensor(1);
        HostTensor out(types[0].dtype, types[0].shape);
        for (int64_t i = 0; i < self.NumElements(); ++i) {
          double x = self.data[i];
          out.data[i] =
              x > 0 ? x : weight.data[PreluChannel(self.shape, weight.NumElements(), i)] * x;
        }
        out.RoundToDType();
        return std::vector<HostTensor>{std::move(out)};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        std::vector<ValueId> g = c.b.MultiOp("aten.prelu_backward.default",
                                             {V::V(c.grad(0)), V::V(c.input(0)), V::V(c.input(1))});
        if (!c.b.ok()) return {};
        return {{0, g[0]}, {1, g[1]}};
      })
      .Decompose([](GraphBuilder& b, const ir::Node& node) -> std::vector<ValueId> {
        ValueId x = node.args[0].AsValue();
        ValueId w = PreluWeight(b, node.args[1].AsValue(), b.type(x));
        return {WherePositive(b, x, x, b.Mul(w, x))};
      });

  // grad_input = grad_output where self > 0, else weight * grad_output;
  // grad_weight = the sums of self * grad_output where self <= 0, per
  // weight entry.
  OpDefiner(r,
            "prelu_backward(Tensor grad_output, Tensor self, Tensor weight) -> (Tensor, Tensor)",
            OpKind::kOther)
      .Infer([](const TypeCall& call) -> Types {
        const TensorType& grad = call.tensor(0);
        const TensorType& self = call.tensor(1);
        const TensorType& weight = call.tensor(2);
        RETURN_IF_ERROR(CheckPrelu(self, weight));
        RETURN_IF_ERROR(RequireSameDType("grad_output", grad.dtype, "input", self.dtype));
        if (grad.shape != self.shape) {
          return Invalid("prelu_backward: grad_output of size ", ShapeString(grad.shape),
                         " does not match the input's size ", ShapeString(self.shape));
        }
        return std::vector<TensorType>{TensorType::Contiguous(self.dtype, self.shape),
                                       TensorType::Contiguous(weight.dtype, weight.shape)};
      })
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& types) -> Results {
        const HostTensor& grad = call.tensor(0);
        const HostTensor& self = call.tensor(1);
        const HostTensor& weight = call.tensor(2);
        HostTensor grad_input(types[0].dtype, types[0].shape);
        HostTensor grad_weight(types[1].dtype, types[1].shape);
        for (int64_t i = 0; i < self.NumElements(); ++i) {
          const int64_t c = PreluChannel(self.shape, weight.NumElements(), i);
          const double x = self.data[i], g = grad.data[i];
          grad_input.data[i] = x > 0 ? g : weight.data[c] * g;
          if (!(x > 0)) grad_weight.data[c] += x * g;
        }
        grad_input.RoundToDType();
        grad_weight.RoundToDType();
        return std::vector<HostTensor>{std::move(grad_input), std::move(grad_weight)};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        // prelu_double_backward: grad_input is bilinear in (grad_output,
        // weight) off the positive part, grad_weight in (grad_output, self);
        // the mask self > 0 has no gradient.
        GraphBuilder& b = c.b;
        ValueId grad_out = c.input(0), self = c.input(1), weight = c.input(2);
        const TensorType self_type = b.type(self);
        ValueId w = PreluWeight(b, weight, self_type);
        ValueId gg_out = kNone, g_self = kNone, g_weight = kNone;
        if (c.has_grad(0)) {
          ValueId ggi = c.grad(0);
          gg_out = WherePositive(b, self, ggi, b.Mul(w, ggi));
          g_weight = SumToPreluWeight(b, WherePositive(b, self, ScalarZeroLike(b, ggi),
                                                       b.Mul(ggi, grad_out)),
                                      weight);
        }
        if (c.has_grad(1)) {
          ValueId ggw = PreluWeight(b, c.grad(1), self_type);
          ValueId zero = ScalarZeroLike(b, self);
          ValueId from_w = WherePositive(b, self, zero, b.Mul(ggw, self));
          gg_out = gg_out == kNone ? from_w : b.Add(gg_out, from_w);
          g_self = WherePositive(b, self, zero, b.Mul(ggw, grad_out));
        }
        Grads grads;
        if (gg_out != kNone) grads.push_back({0, b.Expand(gg_out, self_type.shape)});
        if (g_self != kNone) grads.push_back({1, b.Expand(g_self, self_type.shape)});
        if (g_weight != kNone) grads.push_back({2, g_weight});
        return grads;
      })
      .Decompose([](GraphBuilder& b, const ir::Node& node) -> std::vector<ValueId> {
        ValueId g = node.args[0].AsValue(), x = node.args[1].AsValue();
        ValueId weight = node.args[2].AsValue();
        ValueId w = PreluWeight(b, weight, b.type(x));
        ValueId grad_input = WherePositive(b, x, g, b.Mul(w, g));
        ValueId grad_weight = SumToPreluWeight(
            b, WherePositive(b, x, ScalarZeroLike(b, x), b.Mul(x, g)), weight);
        return {grad_input, grad_weight};
      });
}

absl::Status RegisterNnOps(OpRegistry& registry) {
  DefineMatmul(registry);
  DefineConvolution(registry);
  DefinePooling(registry);
  DefineNormalization(registry);
  DefineGroupNorm(registry);
  DefineUpsampling(registry);
  DefineUpsampleBilinear(registry);
  DefineSoftmax(registry);
  DefineLosses(registry);
  DefineEmbedding(registry);
  DefineBaddbmm(registry);
  DefineBceWithLogits(registry);
  DefinePrelu(registry);
  return absl::OkStatus();
}

}  // namespace aotd::ops::internal
