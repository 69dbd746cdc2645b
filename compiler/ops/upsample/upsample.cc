// Upsampling: nearest and bilinear 2-d, and their backward ops.
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
#include "compiler/ops/core/builder.h"
#include "compiler/ops/core/nn_util.h"
#include "compiler/ops/core/op_definer.h"
#include "compiler/ops/core/op_util.h"
#include "compiler/ops/upsample/upsample.h"
#include "compiler/reference/host_tensor.h"

namespace aotd::ops::internal {
namespace {

using ir::Argument;
using ir::TensorType;
using ir::ValueId;

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
        if (!g.ok()) return {kNoValue};
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
        if (!g.ok()) return {kNoValue};
        return {DecomposeUpsampleBackward(b, node.args[0].AsValue(), *g)};
      });
}

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
        if (!g.ok()) return {kNoValue};
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
        if (!g.ok()) return {kNoValue};
        return {DecomposeUpsampleBilinearBackward(b, node.args[0].AsValue(), *g,
                                                  node.args[3].AsBool())};
      });
}

}  // namespace

absl::Status RegisterUpsampleOps(OpRegistry& registry) {
  DefineUpsampling(registry);
  DefineUpsampleBilinear(registry);
  return absl::OkStatus();
}

}  // namespace aotd::ops::internal
