// Pooling: max_pool2d_with_indices, avg_pool2d, _adaptive_avg_pool2d and
// their backward ops.
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
#include "compiler/ops/pool/pool.h"
#include "compiler/reference/host_tensor.h"

namespace aotd::ops::internal {
namespace {

using ir::Argument;
using ir::TensorType;
using ir::ValueId;

struct Pool2dGeometry {
  std::array<int64_t, 2> kernel, stride, padding, dilation;
  bool ceil_mode = false;
  std::array<int64_t, 2> in, out;  // Spatial sizes.
  int64_t planes = 0;              // Product of the leading dims.
};

struct AvgPoolOptions {
  bool count_include_pad = true;
  std::optional<int64_t> divisor_override;
};

// Floor division (ATen's div_rtn).
int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b, r = a % b;
  if (r != 0 && ((r < 0) != (b < 0))) --q;
  return q;
}

int64_t PoolOutputSize(int64_t in, int64_t k, int64_t pad, int64_t stride, int64_t dil,
                       bool ceil_mode) {
  int64_t out =
      FloorDiv(in + 2 * pad - dil * (k - 1) - 1 + (ceil_mode ? stride - 1 : 0), stride) + 1;
  // The last window must start inside the input or its left padding.
  if (ceil_mode && (out - 1) * stride >= in + pad) --out;
  return out;
}

// A one- or two-item list as two values.
absl::StatusOr<std::array<int64_t, 2>> Pair(const Dims& v, const char* name) {
  if (v.size() == 1) return std::array<int64_t, 2>{v[0], v[0]};
  if (v.size() == 2) return std::array<int64_t, 2>{v[0], v[1]};
  return absl::InvalidArgumentError(
      absl::StrCat(name, " must be a single int or a pair of ints, got ", ShapeString(v)));
}

// Window [start, end) of an adaptive pool: ATen's start_index/end_index.
int64_t AdaptiveStart(int64_t o, int64_t out, int64_t in) { return (o * in) / out; }

int64_t AdaptiveEnd(int64_t o, int64_t out, int64_t in) { return ((o + 1) * in + out - 1) / out; }

// The avg-pool window of output (oh, ow), clipped to the input, and its
// divisor.
struct AvgWindow {
  int64_t h0, h1, w0, w1, divisor;
};

AvgWindow AvgPoolWindow(const Pool2dGeometry& g, const AvgPoolOptions& o, int64_t oh, int64_t ow) {
  AvgWindow w;
  w.h0 = oh * g.stride[0] - g.padding[0];
  w.w0 = ow * g.stride[1] - g.padding[1];
  w.h1 = std::min(w.h0 + g.kernel[0], g.in[0] + g.padding[0]);
  w.w1 = std::min(w.w0 + g.kernel[1], g.in[1] + g.padding[1]);
  int64_t pool_size = (w.h1 - w.h0) * (w.w1 - w.w0);
  w.h0 = std::max<int64_t>(w.h0, 0);
  w.w0 = std::max<int64_t>(w.w0, 0);
  w.h1 = std::min(w.h1, g.in[0]);
  w.w1 = std::min(w.w1, g.in[1]);
  if (o.divisor_override) {
    w.divisor = *o.divisor_override;
  } else if (o.count_include_pad) {
    w.divisor = pool_size;
  } else {
    w.divisor = (w.h1 - w.h0) * (w.w1 - w.w0);
  }
  return w;
}

// Validates the window as ATen's pool2d_shape_check does (positive kernel,
// stride and dilation; padding at most half the kernel; a non-empty input of
// rank 3 or 4; an output of at least 1x1) and computes the output size. An
// empty `stride` means the kernel size. Lists have 1 or 2 items.
absl::StatusOr<Pool2dGeometry> MakePool2d(const Dims& input, const Dims& kernel, const Dims& stride,
                                          const Dims& padding, const Dims& dilation,
                                          bool ceil_mode) {
  const int rank = static_cast<int>(input.size());
  bool empty = false;
  for (int d = rank == 4 ? 1 : 0; d < rank; ++d) empty = empty || input[d] == 0;
  if ((rank != 3 && rank != 4) || empty) {
    return absl::InvalidArgumentError(absl::StrCat(
        "expected a 3-d or 4-d (batch mode) input with non-zero sizes for non-batch dims, got "
        "input of size ",
        ShapeString(input)));
  }
  Pool2dGeometry g;
  g.ceil_mode = ceil_mode;
  absl::StatusOr<std::array<int64_t, 2>> k = Pair(kernel, "kernel_size");
  if (!k.ok()) return k.status();
  g.kernel = *k;
  absl::StatusOr<std::array<int64_t, 2>> st = stride.empty() ? k : Pair(stride, "stride");
  if (!st.ok()) return st.status();
  g.stride = *st;
  absl::StatusOr<std::array<int64_t, 2>> p = Pair(padding, "padding");
  if (!p.ok()) return p.status();
  g.padding = *p;
  absl::StatusOr<std::array<int64_t, 2>> dl = Pair(dilation, "dilation");
  if (!dl.ok()) return dl.status();
  g.dilation = *dl;
  if (g.kernel[0] <= 0 || g.kernel[1] <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("kernel size should be greater than zero, but got kH: ", g.kernel[0],
                     " kW: ", g.kernel[1]));
  }
  if (g.stride[0] <= 0 || g.stride[1] <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "stride should be greater than zero, but got dH: ", g.stride[0], " dW: ", g.stride[1]));
  }
  if (g.dilation[0] <= 0 || g.dilation[1] <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("dilation should be greater than zero, but got dilationH: ", g.dilation[0],
                     " dilationW: ", g.dilation[1]));
  }
  if (g.padding[0] < 0 || g.padding[1] < 0 || g.padding[0] > g.kernel[0] / 2 ||
      g.padding[1] > g.kernel[1] / 2) {
    return absl::InvalidArgumentError(absl::StrCat(
        "pad should be non-negative and at most half of kernel size, but got padH = ", g.padding[0],
        ", padW = ", g.padding[1], ", kH = ", g.kernel[0], ", kW = ", g.kernel[1]));
  }
  g.in = {input[rank - 2], input[rank - 1]};
  g.planes = Product(input.begin(), input.end() - 2);
  for (int d = 0; d < 2; ++d) {
    g.out[d] =
        PoolOutputSize(g.in[d], g.kernel[d], g.padding[d], g.stride[d], g.dilation[d], ceil_mode);
  }
  if (g.out[0] < 1 || g.out[1] < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("Given input size: (", input[rank - 3], "x", g.in[0], "x", g.in[1],
                     "). Calculated output size: (", input[rank - 3], "x", g.out[0], "x", g.out[1],
                     "). Output size is too small"));
  }
  return g;
}

// The input's shape with the last two dims replaced by the output's.
Dims PooledShape(const Dims& input, const Pool2dGeometry& g) {
  Dims out = input;
  out[out.size() - 2] = g.out[0];
  out[out.size() - 1] = g.out[1];
  return out;
}

// Max pooling: values (input dtype) and int64 flat indices into each H*W
// plane, NaN winning as in ATen.
std::pair<HostTensor, HostTensor> MaxPool2d(const HostTensor& input, const Pool2dGeometry& g) {
  Dims shape = PooledShape(input.shape, g);
  HostTensor out(input.dtype, shape), indices(DType::kInt64, shape);
  const int64_t in_plane = g.in[0] * g.in[1], out_plane = g.out[0] * g.out[1];
  for (int64_t c = 0; c < g.planes; ++c) {
    const double* x = input.data.data() + c * in_plane;
    for (int64_t oh = 0; oh < g.out[0]; ++oh) {
      for (int64_t ow = 0; ow < g.out[1]; ++ow) {
        int64_t h0 = oh * g.stride[0] - g.padding[0];
        int64_t w0 = ow * g.stride[1] - g.padding[1];
        int64_t h1 = std::min(h0 + (g.kernel[0] - 1) * g.dilation[0] + 1, g.in[0]);
        int64_t w1 = std::min(w0 + (g.kernel[1] - 1) * g.dilation[1] + 1, g.in[1]);
        while (h0 < 0) h0 += g.dilation[0];
        while (w0 < 0) w0 += g.dilation[1];
        int64_t best = h0 * g.in[1] + w0;
        double best_value = -std::numeric_limits<double>::infinity();
        for (int64_t h = h0; h < h1; h += g.dilation[0]) {
          for (int64_t w = w0; w < w1; w += g.dilation[1]) {
            double v = x[h * g.in[1] + w];
            if (v > best_value || std::isnan(v)) {
              best_value = v;
              best = h * g.in[1] + w;
            }
          }
        }
        int64_t o = c * out_plane + oh * g.out[1] + ow;
        out.data[o] = best_value;
        indices.data[o] = static_cast<double>(best);
      }
    }
  }
  return {std::move(out), std::move(indices)};
}

// Scatters grad_out to the recorded indices. INVALID_ARGUMENT if an index
// is outside the plane.
absl::StatusOr<HostTensor> MaxPool2dBackward(const HostTensor& grad_out, const HostTensor& indices,
                                             const Pool2dGeometry& g, const Dims& input_shape,
                                             DType dtype) {
  HostTensor grad(dtype, input_shape);
  const int64_t in_plane = g.in[0] * g.in[1], out_plane = g.out[0] * g.out[1];
  for (int64_t c = 0; c < g.planes; ++c) {
    for (int64_t k = 0; k < out_plane; ++k) {
      int64_t o = c * out_plane + k;
      int64_t index = static_cast<int64_t>(indices.data[o]);
      if (index < 0 || index >= in_plane) return IndexError(index, in_plane);
      grad.data[c * in_plane + index] += grad_out.data[o];
    }
  }
  grad.RoundToDType();
  return grad;
}

HostTensor AvgPool2d(const HostTensor& input, const Pool2dGeometry& g, const AvgPoolOptions& o) {
  HostTensor out(input.dtype, PooledShape(input.shape, g));
  const int64_t in_plane = g.in[0] * g.in[1], out_plane = g.out[0] * g.out[1];
  for (int64_t c = 0; c < g.planes; ++c) {
    const double* x = input.data.data() + c * in_plane;
    for (int64_t oh = 0; oh < g.out[0]; ++oh) {
      for (int64_t ow = 0; ow < g.out[1]; ++ow) {
        AvgWindow w = AvgPoolWindow(g, o, oh, ow);
        if (w.h0 >= w.h1 || w.w0 >= w.w1) continue;  // Entirely in the padding: 0.
        double sum = 0;
        for (int64_t h = w.h0; h < w.h1; ++h) {
          for (int64_t v = w.w0; v < w.w1; ++v) sum += x[h * g.in[1] + v];
        }
        double mean = sum / static_cast<double>(w.divisor);
        // Integer pooling divides integers: truncation toward zero.
        if (!ir::IsFloatingPoint(input.dtype)) mean = std::trunc(mean);
        out.data[c * out_plane + oh * g.out[1] + ow] = mean;
      }
    }
  }
  out.RoundToDType();
  return out;
}

HostTensor AvgPool2dBackward(const HostTensor& grad_out, const Pool2dGeometry& g,
                             const AvgPoolOptions& o, const Dims& input_shape, DType dtype) {
  HostTensor grad(dtype, input_shape);
  const int64_t in_plane = g.in[0] * g.in[1], out_plane = g.out[0] * g.out[1];
  for (int64_t c = 0; c < g.planes; ++c) {
    double* gi = grad.data.data() + c * in_plane;
    for (int64_t oh = 0; oh < g.out[0]; ++oh) {
      for (int64_t ow = 0; ow < g.out[1]; ++ow) {
        AvgWindow w = AvgPoolWindow(g, o, oh, ow);
        double delta = grad_out.data[c * out_plane + oh * g.out[1] + ow] / w.divisor;
        for (int64_t h = w.h0; h < w.h1; ++h) {
          for (int64_t v = w.w0; v < w.w1; ++v) gi[h * g.in[1] + v] += delta;
        }
      }
    }
  }
  grad.RoundToDType();
  return grad;
}

// Adaptive average pooling of [..., H, W] to [..., out_h, out_w]: window i
// spans [floor(i*H/out), ceil((i+1)*H/out)).
HostTensor AdaptiveAvgPool2d(const HostTensor& input, int64_t out_h, int64_t out_w) {
  const int rank = input.Rank();
  const int64_t in_h = input.shape[rank - 2], in_w = input.shape[rank - 1];
  Dims shape = input.shape;
  shape[rank - 2] = out_h;
  shape[rank - 1] = out_w;
  HostTensor out(input.dtype, shape);
  const int64_t planes = Product(input.shape.begin(), input.shape.end() - 2);
  for (int64_t c = 0; c < planes; ++c) {
    const double* x = input.data.data() + c * in_h * in_w;
    for (int64_t oh = 0; oh < out_h; ++oh) {
      int64_t h0 = AdaptiveStart(oh, out_h, in_h), h1 = AdaptiveEnd(oh, out_h, in_h);
      for (int64_t ow = 0; ow < out_w; ++ow) {
        int64_t w0 = AdaptiveStart(ow, out_w, in_w), w1 = AdaptiveEnd(ow, out_w, in_w);
        double sum = 0;
        for (int64_t h = h0; h < h1; ++h) {
          for (int64_t w = w0; w < w1; ++w) sum += x[h * in_w + w];
        }
        out.data[(c * out_h + oh) * out_w + ow] = sum / static_cast<double>((h1 - h0) * (w1 - w0));
      }
    }
  }
  out.RoundToDType();
  return out;
}

HostTensor AdaptiveAvgPool2dBackward(const HostTensor& grad_out, const Dims& input_shape,
                                     DType dtype) {
  const int rank = static_cast<int>(input_shape.size());
  const int64_t in_h = input_shape[rank - 2], in_w = input_shape[rank - 1];
  const int64_t out_h = grad_out.shape[rank - 2], out_w = grad_out.shape[rank - 1];
  HostTensor grad(dtype, input_shape);
  const int64_t planes = Product(input_shape.begin(), input_shape.end() - 2);
  for (int64_t c = 0; c < planes; ++c) {
    double* gi = grad.data.data() + c * in_h * in_w;
    for (int64_t oh = 0; oh < out_h; ++oh) {
      int64_t h0 = AdaptiveStart(oh, out_h, in_h), h1 = AdaptiveEnd(oh, out_h, in_h);
      for (int64_t ow = 0; ow < out_w; ++ow) {
        int64_t w0 = AdaptiveStart(ow, out_w, in_w), w1 = AdaptiveEnd(ow, out_w, in_w);
        double delta = grad_out.data[(c * out_h + oh) * out_w + ow] /
                       static_cast<double>((h1 - h0) * (w1 - w0));
        for (int64_t h = h0; h < h1; ++h) {
          for (int64_t w = w0; w < w1; ++w) gi[h * in_w + w] += delta;
        }
      }
    }
  }
  grad.RoundToDType();
  return grad;
}

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

}  // namespace

absl::Status RegisterPoolOps(OpRegistry& registry) {
  DefinePooling(registry);
  return absl::OkStatus();
}

}  // namespace aotd::ops::internal
