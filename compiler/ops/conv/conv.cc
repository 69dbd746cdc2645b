// Convolution and its backward (1-d, 2-d and 3-d, transposed, grouped).
//
// Where ATen returns an undefined tensor (an output_mask entry that is
// false, the saved statistics of batch norm in eval mode), the result here
// is an empty 1-d tensor of shape [0], as PyTorch 1.13 reports batch norm's.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "common/status_macros.h"
#include "compiler/ir/graph.h"
#include "compiler/ops/conv/conv.h"
#include "compiler/ops/core/builder.h"
#include "compiler/ops/core/nn_util.h"
#include "compiler/ops/core/op_definer.h"
#include "compiler/ops/core/op_util.h"
#include "compiler/reference/host_tensor.h"

namespace aotd::ops::internal {
namespace {

using ir::Argument;
using ir::TensorType;
using ir::ValueId;

// Stride, padding, dilation and output padding per spatial dim, the group
// count, and whether the convolution is transposed: the adjoint of the
// convolution of that stride, padding and dilation, its output larger by
// output_padding (ignored when not transposed).
struct ConvGeometry {
  Dims stride, padding, dilation;
  int64_t groups = 1;
  bool transposed = false;
  Dims output_padding;
};

// "2 x 3", as ATen prints spatial sizes.
std::string SpatialString(const Dims& d) { return absl::StrJoin(d, " x "); }

// A convolution's spatial geometry padded to three dims (leading dims of
// size 1), so one loop nest serves 1-d, 2-d and 3-d.
struct Conv3d {
  int64_t n, c_in, c_out, c_in_group, c_out_group;
  std::array<int64_t, 3> in, k, out, stride, pad, dil;
  int64_t in_size, k_size, out_size;  // Spatial element counts.
};

Conv3d MakeConv3d(const Dims& input, const Dims& weight, const ConvGeometry& g) {
  Conv3d c;
  c.n = input[0];
  c.c_in = input[1];
  c.c_out = weight[0];
  c.c_in_group = weight[1];
  c.c_out_group = c.c_out / g.groups;
  int s = static_cast<int>(input.size()) - 2;
  for (int d = 0; d < 3; ++d) {
    int src = d - (3 - s);
    bool real = src >= 0;
    c.in[d] = real ? input[2 + src] : 1;
    c.k[d] = real ? weight[2 + src] : 1;
    c.stride[d] = real ? g.stride[src] : 1;
    c.pad[d] = real ? g.padding[src] : 0;
    c.dil[d] = real ? g.dilation[src] : 1;
    c.out[d] = (c.in[d] + 2 * c.pad[d] - c.dil[d] * (c.k[d] - 1) - 1) / c.stride[d] + 1;
  }
  c.in_size = c.in[0] * c.in[1] * c.in[2];
  c.k_size = c.k[0] * c.k[1] * c.k[2];
  c.out_size = c.out[0] * c.out[1] * c.out[2];
  return c;
}

// The geometry of a transposed convolution from input to out: that of the
// convolution from out's shape to input's, whose adjoint it is, with the
// input's sizes as its output sizes (output_padding may make the
// convolution's own output one larger).
Conv3d TransposedConv3d(const Dims& input, const Dims& weight, const Dims& out,
                        const ConvGeometry& g) {
  Conv3d c = MakeConv3d(out, weight, g);
  int s = static_cast<int>(input.size()) - 2;
  for (int d = 3 - s; d < 3; ++d) c.out[d] = input[2 + d - (3 - s)];
  c.out_size = c.out[0] * c.out[1] * c.out[2];
  return c;
}

// Calls f(out_offset, in_offset, weight_offset) for every product term of
// the convolution whose input position lies inside the (unpadded) input.
template <typename F>
void ForEachConvTap(const Conv3d& c, F&& f) {
  for (int64_t n = 0; n < c.n; ++n) {
    for (int64_t co = 0; co < c.c_out; ++co) {
      int64_t group = co / c.c_out_group;
      int64_t out_base = (n * c.c_out + co) * c.out_size;
      for (int64_t od = 0; od < c.out[0]; ++od) {
        for (int64_t oh = 0; oh < c.out[1]; ++oh) {
          for (int64_t ow = 0; ow < c.out[2]; ++ow) {
            int64_t out_off = out_base + (od * c.out[1] + oh) * c.out[2] + ow;
            for (int64_t ci = 0; ci < c.c_in_group; ++ci) {
              int64_t in_base = (n * c.c_in + group * c.c_in_group + ci) * c.in_size;
              int64_t w_base = (co * c.c_in_group + ci) * c.k_size;
              for (int64_t kd = 0; kd < c.k[0]; ++kd) {
                int64_t id = od * c.stride[0] - c.pad[0] + kd * c.dil[0];
                if (id < 0 || id >= c.in[0]) continue;
                for (int64_t kh = 0; kh < c.k[1]; ++kh) {
                  int64_t ih = oh * c.stride[1] - c.pad[1] + kh * c.dil[1];
                  if (ih < 0 || ih >= c.in[1]) continue;
                  for (int64_t kw = 0; kw < c.k[2]; ++kw) {
                    int64_t iw = ow * c.stride[2] - c.pad[2] + kw * c.dil[2];
                    if (iw < 0 || iw >= c.in[2]) continue;
                    f(out_off, in_base + (id * c.in[1] + ih) * c.in[2] + iw,
                      w_base + (kd * c.k[1] + kh) * c.k[2] + kw);
                  }
                }
              }
            }
          }
        }
      }
    }
  }
}

// Checks input [N, C_in, *spatial] against weight [C_out, C_in / groups,
// *kernel] (transposed: [C_in, C_out / groups, *kernel]) and an optional
// bias [C_out] as ATen's convolution does, and returns the output shape
// [N, C_out, *out]. INVALID_ARGUMENT naming the shapes otherwise.
absl::StatusOr<Dims> ConvOutputShape(const Dims& input, const Dims& weight,
                                     const std::optional<Dims>& bias, const ConvGeometry& g) {
  const int rank = static_cast<int>(input.size());
  if (rank < 3 || rank > 5) {
    return absl::InvalidArgumentError(
        absl::StrCat("convolution expects an input [N, C, *spatial] with 1 to 3 spatial dims, got "
                     "input of size ",
                     ShapeString(input)));
  }
  if (static_cast<int>(weight.size()) != rank) {
    return absl::InvalidArgumentError(absl::StrCat("expected weight of rank ", rank,
                                                   " for input of size ", ShapeString(input),
                                                   ", got weight of size ", ShapeString(weight)));
  }
  const size_t s = rank - 2;
  for (const auto& [list, name] : {std::pair<const Dims*, const char*>{&g.stride, "stride"},
                                   {&g.padding, "padding"},
                                   {&g.dilation, "dilation"},
                                   {&g.output_padding, "output_padding"}}) {
    if (list->size() != s && !(list == &g.output_padding && !g.transposed)) {
      return absl::InvalidArgumentError(absl::StrCat("expected ", name, " to have ", s,
                                                     " values to match the convolution dims, got ",
                                                     ShapeString(*list)));
    }
  }
  for (size_t d = 0; d < s; ++d) {
    if (g.stride[d] <= 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("non-positive stride is not supported, got stride=", ShapeString(g.stride)));
    }
    if (g.padding[d] < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("negative padding is not supported, got padding=", ShapeString(g.padding)));
    }
    if (g.dilation[d] <= 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "dilation should be greater than zero, got dilation=", ShapeString(g.dilation)));
    }
    if (g.transposed && g.output_padding[d] < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "negative output_padding is not supported, got output_padding=",
          ShapeString(g.output_padding)));
    }
  }
  if (g.groups <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("non-positive groups is not supported, got groups=", g.groups));
  }
  if (weight[0] < g.groups || weight[0] % g.groups != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("Given groups=", g.groups, ", expected weight to be divisible by ", g.groups,
                     " at dimension 0, but got weight of size ", ShapeString(weight), " instead"));
  }
  const int64_t in_channels = g.transposed ? weight[0] : weight[1] * g.groups;
  const int64_t out_channels = g.transposed ? weight[1] * g.groups : weight[0];
  const char* transposed_note = g.transposed ? "Given transposed=1, " : "";
  if (input[1] != in_channels) {
    return absl::InvalidArgumentError(absl::StrCat(
        transposed_note, g.transposed ? "" : absl::StrCat("Given groups=", g.groups, ", "),
        "weight of size ", ShapeString(weight), ", expected input", ShapeString(input), " to have ",
        in_channels, " channels, but got ", input[1], " channels instead"));
  }
  if (bias && (bias->size() != 1 || (*bias)[0] != out_channels)) {
    return absl::InvalidArgumentError(absl::StrCat(
        transposed_note, "Given weight of size ", ShapeString(weight),
        ", expected bias to be 1-dimensional with ", out_channels,
        " elements, but got bias of size ", ShapeString(*bias), " instead"));
  }
  Dims out = {input[0], out_channels};
  if (g.transposed) {
    bool too_small = false, padding_too_large = false;
    Dims in_spatial(input.begin() + 2, input.end()), out_spatial;
    for (size_t d = 0; d < s; ++d) {
      padding_too_large = padding_too_large || (g.output_padding[d] >= g.stride[d] &&
                                                g.output_padding[d] >= g.dilation[d]);
      out_spatial.push_back((input[2 + d] - 1) * g.stride[d] - 2 * g.padding[d] +
                            g.dilation[d] * (weight[2 + d] - 1) + g.output_padding[d] + 1);
      too_small = too_small || out_spatial.back() < 1;
      out.push_back(out_spatial.back());
    }
    if (padding_too_large) {
      return absl::InvalidArgumentError(absl::StrCat(
          "output padding must be smaller than either stride or dilation, but got output_padding=",
          ShapeString(g.output_padding), ", stride=", ShapeString(g.stride),
          ", dilation=", ShapeString(g.dilation)));
    }
    if (too_small) {
      return absl::InvalidArgumentError(absl::StrCat(
          "Given input size per channel: (", SpatialString(in_spatial),
          "). Calculated output size per channel: (", SpatialString(out_spatial),
          "). Output size is too small"));
    }
    return out;
  }
  Dims padded, kernel;
  bool too_small = false;
  for (size_t d = 0; d < s; ++d) {
    padded.push_back(input[2 + d] + 2 * g.padding[d]);
    kernel.push_back(g.dilation[d] * (weight[2 + d] - 1) + 1);
    too_small = too_small || padded.back() < kernel.back();
    out.push_back((padded.back() - kernel.back()) / g.stride[d] + 1);
  }
  if (too_small) {
    return absl::InvalidArgumentError(absl::StrCat(
        "input of size ", ShapeString(input), ": calculated padded input size per channel: (",
        SpatialString(padded), "). Kernel size: (", SpatialString(kernel),
        "). Kernel size can't be greater than actual input size"));
  }
  return out;
}

HostTensor ConvForward(const HostTensor& input, const HostTensor& weight, const HostTensor* bias,
                       const ConvGeometry& g, const Dims& out_shape, DType dtype) {
  HostTensor out(dtype, out_shape);
  if (g.transposed) {
    // The convolution from out to input, read backwards.
    Conv3d c = TransposedConv3d(input.shape, weight.shape, out_shape, g);
    ForEachConvTap(c, [&](int64_t o, int64_t i, int64_t w) {
      out.data[i] += input.data[o] * weight.data[w];
    });
  } else {
    Conv3d c = MakeConv3d(input.shape, weight.shape, g);
    ForEachConvTap(
        c, [&](int64_t o, int64_t i, int64_t w) { out.data[o] += input.data[i] * weight.data[w]; });
  }
  if (bias != nullptr && out.NumElements() > 0) {
    const int64_t channels = out_shape[1], size = out.NumElements() / (out_shape[0] * channels);
    for (int64_t k = 0; k < out.NumElements(); ++k) {
      out.data[k] += bias->data[(k / size) % channels];
    }
  }
  out.RoundToDType();
  return out;
}

// Gradients of the convolution for the non-null results, whose dtype and
// shape (input's, weight's, [C_out]) the caller sets.
void ConvBackward(const HostTensor& grad_out, const HostTensor& input, const HostTensor& weight,
                  const ConvGeometry& g, HostTensor* grad_input, HostTensor* grad_weight,
                  HostTensor* grad_bias) {
  if (grad_input != nullptr || grad_weight != nullptr) {
    if (g.transposed) {
      Conv3d c = TransposedConv3d(input.shape, weight.shape, grad_out.shape, g);
      ForEachConvTap(c, [&](int64_t o, int64_t i, int64_t w) {
        double go = grad_out.data[i];
        if (grad_input != nullptr) grad_input->data[o] += go * weight.data[w];
        if (grad_weight != nullptr) grad_weight->data[w] += go * input.data[o];
      });
    } else {
      Conv3d c = MakeConv3d(input.shape, weight.shape, g);
      ForEachConvTap(c, [&](int64_t o, int64_t i, int64_t w) {
        double go = grad_out.data[o];
        if (grad_input != nullptr) grad_input->data[i] += go * weight.data[w];
        if (grad_weight != nullptr) grad_weight->data[w] += go * input.data[i];
      });
    }
  }
  if (grad_bias != nullptr && grad_out.NumElements() > 0) {
    const int64_t channels = grad_out.shape[1];
    const int64_t size = grad_out.NumElements() / (grad_out.shape[0] * channels);
    for (int64_t k = 0; k < grad_out.NumElements(); ++k) {
      grad_bias->data[(k / size) % channels] += grad_out.data[k];
    }
  }
  for (HostTensor* t : {grad_input, grad_weight, grad_bias}) {
    if (t != nullptr) t->RoundToDType();
  }
}

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
        ValueId gg_out = kNoValue;
        auto accumulate = [&](ValueId v) { gg_out = gg_out == kNoValue ? v : b.Add(gg_out, v); };
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
        if (gg_out != kNoValue) grads.push_back({0, gg_out});
        return grads;
      });
}

}  // namespace

absl::Status RegisterConvOps(OpRegistry& registry) {
  DefineConvolution(registry);
  return absl::OkStatus();
}

}  // namespace aotd::ops::internal
