#include "compiler/ops/nn_kernels.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace aotd::ops::internal {
namespace {

int64_t Product(Dims::const_iterator begin, Dims::const_iterator end) {
  int64_t n = 1;
  for (auto it = begin; it != end; ++it) n *= *it;
  return n;
}

// Floor division (ATen's div_rtn).
int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b, r = a % b;
  if (r != 0 && ((r < 0) != (b < 0))) --q;
  return q;
}

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

// Outer, dim and inner extents of `shape` around `dim`.
struct Lanes {
  int64_t outer, n, inner;
};
Lanes LanesOf(const Dims& shape, int64_t dim) {
  if (shape.empty()) return {1, 1, 1};
  return {Product(shape.begin(), shape.begin() + dim), shape[dim],
          Product(shape.begin() + dim + 1, shape.end())};
}

absl::Status IndexError(int64_t index, int64_t size) {
  return absl::InvalidArgumentError(
      absl::StrCat("index ", index, " is out of bounds for size ", size));
}

}  // namespace

std::string ShapeString(const Dims& shape) {
  return absl::StrCat("[", absl::StrJoin(shape, ","), "]");
}

std::vector<double> BatchedMatmul(const std::vector<double>& a, const std::vector<double>& c,
                                  int64_t batch, int64_t n, int64_t m, int64_t p) {
  std::vector<double> out(batch * n * p, 0.0);
  for (int64_t b = 0; b < batch; ++b) {
    const double* x = a.data() + b * n * m;
    const double* y = c.data() + b * m * p;
    double* z = out.data() + b * n * p;
    for (int64_t i = 0; i < n; ++i) {
      for (int64_t k = 0; k < m; ++k) {
        double xv = x[i * m + k];
        for (int64_t j = 0; j < p; ++j) z[i * p + j] += xv * y[k * p + j];
      }
    }
  }
  return out;
}

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

Dims PooledShape(const Dims& input, const Pool2dGeometry& g) {
  Dims out = input;
  out[out.size() - 2] = g.out[0];
  out[out.size() - 1] = g.out[1];
  return out;
}

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

LayerNormResult LayerNorm(const HostTensor& input, int64_t inner, const HostTensor* weight,
                          const HostTensor* bias, double eps) {
  const int64_t outer = inner == 0 ? 0 : input.NumElements() / inner;
  LayerNormResult r{HostTensor(input.dtype, input.shape), {}, {}};
  for (int64_t i = 0; i < outer; ++i) {
    const double* x = input.data.data() + i * inner;
    double mean = 0, var = 0;
    for (int64_t j = 0; j < inner; ++j) mean += x[j];
    mean /= static_cast<double>(inner);
    for (int64_t j = 0; j < inner; ++j) var += (x[j] - mean) * (x[j] - mean);
    var /= static_cast<double>(inner);
    double rstd = 1.0 / std::sqrt(var + eps);
    for (int64_t j = 0; j < inner; ++j) {
      double y = (x[j] - mean) * rstd;
      if (weight != nullptr) y *= weight->data[j];
      if (bias != nullptr) y += bias->data[j];
      r.out.data[i * inner + j] = y;
    }
    r.mean.push_back(mean);
    r.rstd.push_back(rstd);
  }
  r.out.RoundToDType();
  return r;
}

void LayerNormBackward(const HostTensor& grad_out, const HostTensor& input, const HostTensor& mean,
                       const HostTensor& rstd, int64_t inner, const HostTensor* weight,
                       HostTensor* grad_input, HostTensor* grad_weight, HostTensor* grad_bias) {
  const int64_t outer = inner == 0 ? 0 : input.NumElements() / inner;
  for (int64_t i = 0; i < outer; ++i) {
    const double* x = input.data.data() + i * inner;
    const double* go = grad_out.data.data() + i * inner;
    const double m = mean.data[i], rs = rstd.data[i];
    double sum_g = 0, sum_g_xhat = 0;
    for (int64_t j = 0; j < inner; ++j) {
      double xhat = (x[j] - m) * rs;
      double g = go[j] * (weight != nullptr ? weight->data[j] : 1.0);
      sum_g += g;
      sum_g_xhat += g * xhat;
      if (grad_weight != nullptr) grad_weight->data[j] += go[j] * xhat;
      if (grad_bias != nullptr) grad_bias->data[j] += go[j];
    }
    if (grad_input == nullptr) continue;
    const double n = static_cast<double>(inner);
    for (int64_t j = 0; j < inner; ++j) {
      double xhat = (x[j] - m) * rs;
      double g = go[j] * (weight != nullptr ? weight->data[j] : 1.0);
      grad_input->data[i * inner + j] = rs * (g - sum_g / n - xhat * sum_g_xhat / n);
    }
  }
  for (HostTensor* t : {grad_input, grad_weight, grad_bias}) {
    if (t != nullptr) t->RoundToDType();
  }
}

BatchNormResult BatchNorm(const HostTensor& input, const HostTensor* weight, const HostTensor* bias,
                          const HostTensor* running_mean, const HostTensor* running_var,
                          bool training, double eps) {
  const int64_t n = input.shape[0], c = input.shape[1];
  const int64_t inner = Product(input.shape.begin() + 2, input.shape.end());
  const double count = static_cast<double>(n * inner);
  BatchNormResult r{HostTensor(input.dtype, input.shape), {}, {}};
  auto at = [&](int64_t b, int64_t ch, int64_t k) { return (b * c + ch) * inner + k; };
  for (int64_t ch = 0; ch < c; ++ch) {
    double mean, invstd;
    if (training) {
      double sum = 0, sq = 0;
      for (int64_t b = 0; b < n; ++b) {
        for (int64_t k = 0; k < inner; ++k) sum += input.data[at(b, ch, k)];
      }
      mean = sum / count;
      for (int64_t b = 0; b < n; ++b) {
        for (int64_t k = 0; k < inner; ++k) {
          double d = input.data[at(b, ch, k)] - mean;
          sq += d * d;
        }
      }
      invstd = 1.0 / std::sqrt(sq / count + eps);
      r.save_mean.push_back(mean);
      r.save_invstd.push_back(invstd);
    } else {
      mean = running_mean->data[ch];
      invstd = 1.0 / std::sqrt(running_var->data[ch] + eps);
    }
    double w = weight != nullptr ? weight->data[ch] : 1.0;
    double bb = bias != nullptr ? bias->data[ch] : 0.0;
    for (int64_t b = 0; b < n; ++b) {
      for (int64_t k = 0; k < inner; ++k) {
        int64_t i = at(b, ch, k);
        r.out.data[i] = (input.data[i] - mean) * invstd * w + bb;
      }
    }
  }
  r.out.RoundToDType();
  return r;
}

void BatchNormBackward(const HostTensor& grad_out, const HostTensor& input,
                       const HostTensor* weight, const std::vector<double>& mean,
                       const std::vector<double>& invstd, bool training, HostTensor* grad_input,
                       HostTensor* grad_weight, HostTensor* grad_bias) {
  const int64_t n = input.shape[0], c = input.shape[1];
  const int64_t inner = Product(input.shape.begin() + 2, input.shape.end());
  const double count = static_cast<double>(n * inner);
  auto at = [&](int64_t b, int64_t ch, int64_t k) { return (b * c + ch) * inner + k; };
  for (int64_t ch = 0; ch < c; ++ch) {
    double sum_g = 0, sum_g_xhat = 0;
    for (int64_t b = 0; b < n; ++b) {
      for (int64_t k = 0; k < inner; ++k) {
        int64_t i = at(b, ch, k);
        sum_g += grad_out.data[i];
        sum_g_xhat += grad_out.data[i] * (input.data[i] - mean[ch]) * invstd[ch];
      }
    }
    if (grad_weight != nullptr) grad_weight->data[ch] = sum_g_xhat;
    if (grad_bias != nullptr) grad_bias->data[ch] = sum_g;
    if (grad_input == nullptr) continue;
    double w = weight != nullptr ? weight->data[ch] : 1.0;
    for (int64_t b = 0; b < n; ++b) {
      for (int64_t k = 0; k < inner; ++k) {
        int64_t i = at(b, ch, k);
        double g = grad_out.data[i];
        if (training) {
          double xhat = (input.data[i] - mean[ch]) * invstd[ch];
          g = g - sum_g / count - xhat * sum_g_xhat / count;
        }
        grad_input->data[i] = g * w * invstd[ch];
      }
    }
  }
  for (HostTensor* t : {grad_input, grad_weight, grad_bias}) {
    if (t != nullptr) t->RoundToDType();
  }
}

HostTensor Softmax(const HostTensor& input, int64_t dim, bool log, DType dtype) {
  HostTensor out(dtype, input.shape);
  Lanes l = LanesOf(input.shape, dim);
  for (int64_t o = 0; o < l.outer; ++o) {
    for (int64_t in = 0; in < l.inner; ++in) {
      auto at = [&](int64_t i) { return (o * l.n + i) * l.inner + in; };
      double max = -std::numeric_limits<double>::infinity();
      for (int64_t i = 0; i < l.n; ++i) max = std::max(max, input.data[at(i)]);
      double sum = 0;
      for (int64_t i = 0; i < l.n; ++i) sum += std::exp(input.data[at(i)] - max);
      for (int64_t i = 0; i < l.n; ++i) {
        double shifted = input.data[at(i)] - max;
        out.data[at(i)] = log ? shifted - std::log(sum) : std::exp(shifted) / sum;
      }
    }
  }
  out.RoundToDType();
  return out;
}

HostTensor SoftmaxBackward(const HostTensor& grad_out, const HostTensor& output, int64_t dim,
                           bool log, DType dtype) {
  HostTensor grad(dtype, grad_out.shape);
  Lanes l = LanesOf(grad_out.shape, dim);
  for (int64_t o = 0; o < l.outer; ++o) {
    for (int64_t in = 0; in < l.inner; ++in) {
      auto at = [&](int64_t i) { return (o * l.n + i) * l.inner + in; };
      double sum = 0;
      for (int64_t i = 0; i < l.n; ++i) {
        sum += log ? grad_out.data[at(i)] : grad_out.data[at(i)] * output.data[at(i)];
      }
      for (int64_t i = 0; i < l.n; ++i) {
        double g = grad_out.data[at(i)], y = output.data[at(i)];
        grad.data[at(i)] = log ? g - std::exp(y) * sum : y * (g - sum);
      }
    }
  }
  grad.RoundToDType();
  return grad;
}

absl::StatusOr<std::pair<HostTensor, HostTensor>> NllLoss(const HostTensor& input,
                                                          const HostTensor& target,
                                                          const HostTensor* weight,
                                                          Reduction reduction,
                                                          int64_t ignore_index) {
  const int64_t classes = input.shape.back();
  const int64_t batch = input.Rank() == 1 ? 1 : input.shape[0];
  HostTensor total(input.dtype, {});
  std::vector<double> losses(batch, 0.0);
  double total_weight = 0;
  for (int64_t i = 0; i < batch; ++i) {
    int64_t t = static_cast<int64_t>(target.data[i]);
    if (t == ignore_index) continue;
    if (t < 0 || t >= classes) {
      return absl::InvalidArgumentError(absl::StrCat("Target ", t, " is out of bounds."));
    }
    double w = weight != nullptr ? weight->data[t] : 1.0;
    losses[i] = -input.data[i * classes + t] * w;
    total_weight += w;
  }
  if (reduction == Reduction::kNone && input.Rank() == 2) {
    HostTensor out(input.dtype, {batch});
    out.data = losses;
    out.RoundToDType();
    return std::make_pair(std::move(out), std::move(total));
  }
  double sum = 0;
  for (double l : losses) sum += l;
  HostTensor out(input.dtype, {});
  if (batch == 0) {
    out.data[0] = reduction == Reduction::kMean ? std::numeric_limits<double>::quiet_NaN() : 0.0;
  } else {
    out.data[0] = reduction == Reduction::kMean ? sum / total_weight : sum;
    total.data[0] = total_weight;
  }
  out.RoundToDType();
  total.RoundToDType();
  return std::make_pair(std::move(out), std::move(total));
}

absl::StatusOr<HostTensor> NllLossBackward(const HostTensor& grad_out, const HostTensor& input,
                                           const HostTensor& target, const HostTensor* weight,
                                           Reduction reduction, int64_t ignore_index,
                                           double total_weight) {
  const int64_t classes = input.shape.back();
  const int64_t batch = input.Rank() == 1 ? 1 : input.shape[0];
  const bool per_sample = reduction == Reduction::kNone && input.Rank() == 2;
  HostTensor grad(input.dtype, input.shape);
  for (int64_t i = 0; i < batch; ++i) {
    int64_t t = static_cast<int64_t>(target.data[i]);
    if (t == ignore_index) continue;
    if (t < 0 || t >= classes) {
      return absl::InvalidArgumentError(absl::StrCat("Target ", t, " is out of bounds."));
    }
    double g = -(weight != nullptr ? weight->data[t] : 1.0) * grad_out.data[per_sample ? i : 0];
    if (!per_sample && reduction == Reduction::kMean) g /= total_weight;
    grad.data[i * classes + t] = g;
  }
  grad.RoundToDType();
  return grad;
}

HostTensor PointwiseLoss(const HostTensor& input, const HostTensor& target, const Dims& shape,
                         Reduction reduction, DType dtype,
                         const std::function<double(double)>& pointwise) {
  HostTensor x = reference::BroadcastTo(input, shape), t = reference::BroadcastTo(target, shape);
  std::vector<double> loss(x.data.size());
  for (size_t i = 0; i < loss.size(); ++i) loss[i] = pointwise(x.data[i] - t.data[i]);
  if (reduction == Reduction::kNone) {
    HostTensor out(dtype, shape);
    out.data = std::move(loss);
    out.RoundToDType();
    return out;
  }
  double sum = 0;
  for (double l : loss) sum += l;
  HostTensor out(dtype, {});
  out.data[0] = reduction == Reduction::kMean ? sum / static_cast<double>(loss.size()) : sum;
  out.RoundToDType();
  return out;
}

HostTensor PointwiseLossBackward(const HostTensor& grad_out, const HostTensor& input,
                                 const HostTensor& target, const Dims& shape, Reduction reduction,
                                 DType dtype, const std::function<double(double)>& derivative) {
  HostTensor x = reference::BroadcastTo(input, shape), t = reference::BroadcastTo(target, shape),
             g = reference::BroadcastTo(grad_out, shape);
  double norm =
      reduction == Reduction::kMean ? 1.0 / static_cast<double>(input.NumElements()) : 1.0;
  HostTensor grad(dtype, shape);
  for (int64_t i = 0; i < grad.NumElements(); ++i) {
    grad.data[i] = norm * derivative(x.data[i] - t.data[i]) * g.data[i];
  }
  grad.RoundToDType();
  return grad;
}

absl::StatusOr<HostTensor> Embedding(const HostTensor& weight, const HostTensor& indices) {
  const int64_t rows = weight.shape[0], dim = weight.shape[1];
  Dims shape = indices.shape;
  shape.push_back(dim);
  HostTensor out(weight.dtype, shape);
  for (int64_t i = 0; i < indices.NumElements(); ++i) {
    int64_t r = static_cast<int64_t>(indices.data[i]);
    if (r < 0 || r >= rows) return IndexError(r, rows);
    std::copy_n(weight.data.begin() + r * dim, dim, out.data.begin() + i * dim);
  }
  return out;
}

absl::StatusOr<HostTensor> EmbeddingDenseBackward(const HostTensor& grad_out,
                                                  const HostTensor& indices, int64_t num_weights,
                                                  int64_t padding_idx, bool scale_grad_by_freq,
                                                  DType dtype) {
  const int64_t dim = grad_out.shape.back();
  HostTensor grad(dtype, {num_weights, dim});
  std::vector<double> counts(num_weights, 0.0);
  for (double v : indices.data) {
    int64_t r = static_cast<int64_t>(v);
    if (r < 0 || r >= num_weights) return IndexError(r, num_weights);
    counts[r] += 1;
  }
  for (int64_t i = 0; i < indices.NumElements(); ++i) {
    int64_t r = static_cast<int64_t>(indices.data[i]);
    if (r == padding_idx) continue;
    double scale = scale_grad_by_freq ? 1.0 / counts[r] : 1.0;
    for (int64_t d = 0; d < dim; ++d) grad.data[r * dim + d] += scale * grad_out.data[i * dim + d];
  }
  grad.RoundToDType();
  return grad;
}

}  // namespace aotd::ops::internal
