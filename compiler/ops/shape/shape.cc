// Ops that move data into a new shape: padding, pixel (un)shuffle, repeat,
// tril and triu, clone, cat and stack.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "common/status_macros.h"
#include "compiler/ops/core/builder.h"
#include "compiler/ops/core/op_definer.h"
#include "compiler/ops/core/op_util.h"
#include "compiler/ops/core/shape_util.h"
#include "compiler/ops/shape/shape.h"

namespace aotd::ops::internal {
namespace {

using ir::Argument;

// constant_pad_nd's result shape: pad holds (before, after) pairs from the
// last dim backwards; negative amounts crop.
absl::StatusOr<Dims> PaddedShape(const TensorType& self, const Dims& pad) {
  if (pad.size() % 2 != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("constant_pad_nd: padding length must be divisible by 2, got ", pad.size()));
  }
  if (static_cast<int64_t>(pad.size() / 2) > self.Rank()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "constant_pad_nd: padding length ", pad.size(), " is too large for a tensor of rank ",
        self.Rank()));
  }
  Dims shape = self.shape;
  for (size_t k = 0; k < pad.size() / 2; ++k) {
    int64_t d = self.Rank() - 1 - static_cast<int64_t>(k);
    shape[d] += pad[2 * k] + pad[2 * k + 1];
    if (shape[d] < 0) {
      return absl::InvalidArgumentError(absl::StrCat("constant_pad_nd: dim ", d, " of shape ",
                                                     ShapeString(self.shape), " would have size ",
                                                     shape[d], " after padding ", ShapeString(pad)));
    }
  }
  return shape;
}

Dims Negated(Dims pad) {
  for (int64_t& p : pad) p = -p;
  return pad;
}

void DefinePadding(OpRegistry& r) {
  // Pads with `value` (converted to self's dtype), or crops.
  OpDefiner(r, "constant_pad_nd(Tensor self, SymInt[] pad, Scalar value=0) -> Tensor",
            OpKind::kOther)
      .Infer([](const TypeCall& call) -> absl::StatusOr<std::vector<TensorType>> {
        const TensorType& self = call.tensor(0);
        ASSIGN_OR_RETURN(Dims shape, PaddedShape(self, call.Ints(1)));
        return One(self.dtype, std::move(shape));
      })
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& results)
                  -> absl::StatusOr<std::vector<HostTensor>> {
        const HostTensor& self = call.tensor(0);
        Dims pad = call.Ints(1);
        pad.resize(2 * self.Rank(), 0);
        HostTensor out = HostTensor::Full(results[0].dtype, results[0].shape, call.Float(2));
        if (self.NumElements() == 0 || out.NumElements() == 0) return std::vector<HostTensor>{out};
        Dims index(self.Rank(), 0);
        Dims out_strides = TensorType::Contiguous(out.dtype, out.shape).strides;
        int64_t i = 0;
        do {
          int64_t offset = 0;
          bool inside = true;
          for (int64_t d = 0; d < self.Rank(); ++d) {
            int64_t at = index[d] + pad[2 * (self.Rank() - 1 - d)];
            inside = inside && at >= 0 && at < out.shape[d];
            offset += at * out_strides[d];
          }
          if (inside) out.data[offset] = self.data[i];
          ++i;
        } while (reference::NextIndex(index, self.shape));
        return std::vector<HostTensor>{std::move(out)};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        return {{0, c.b.Op("aten.constant_pad_nd.default",
                           {V::V(c.grad(0)), Argument::IntList(Negated(c.arg(1).AsIntList())),
                            Argument::Int(0)})}};
      })
      .Decompose([](GraphBuilder& b, const ir::Node& node) -> std::vector<ir::ValueId> {
        // Crops become slices and pads concatenations with full tensors.
        ir::ValueId v = node.args[0].AsValue();
        const TensorType self = b.type(v);
        Dims pad = node.args[1].AsIntList();
        bool changed = false;
        for (size_t k = 0; k < pad.size() / 2; ++k) {
          int64_t d = self.Rank() - 1 - static_cast<int64_t>(k);
          int64_t before = pad[2 * k], after = pad[2 * k + 1];
          if (before < 0 || after < 0) {
            int64_t size = b.type(v).shape[d];
            v = b.Op("aten.slice.Tensor", {V::V(v), Argument::Int(d),
                                           Argument::Int(std::max<int64_t>(-before, 0)),
                                           Argument::Int(size - std::max<int64_t>(-after, 0))});
            changed = true;
          }
          auto fill = [&](int64_t n) {
            Dims shape = b.type(v).shape;
            shape[d] = n;
            return V::V(b.Op("aten.full.default", {Argument::IntList(shape), node.args[2]},
                             {{"dtype", Argument::DTypeArg(self.dtype)}}));
          };
          if (before <= 0 && after <= 0) continue;
          std::vector<Argument> parts;
          if (before > 0) parts.push_back(fill(before));
          parts.push_back(V::V(v));
          if (after > 0) parts.push_back(fill(after));
          v = b.Op("aten.cat.default", {Argument::List(std::move(parts)), Argument::Int(d)});
          changed = true;
        }
        if (!changed || !b.type(v).IsContiguous()) {
          v = b.Op("aten.clone.default", {V::V(v)},
                   {{"memory_format", Argument::MemoryFormat("contiguous_format")}});
        }
        return {v};
      });
}

// The result shape of pixel_shuffle (upscale, `shuffle`) or
// pixel_unshuffle: [*, C * r^2, H, W] <-> [*, C, H * r, W * r].
absl::StatusOr<Dims> PixelShuffleShape(const TensorType& self, int64_t r, bool shuffle) {
  const char* name = shuffle ? "pixel_shuffle" : "pixel_unshuffle";
  const char* factor = shuffle ? "upscale_factor" : "downscale_factor";
  if (self.Rank() < 3) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, " expects input to have at least 3 dimensions, but got input with ",
                     self.Rank(), " dimension(s)"));
  }
  if (r <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(name, " expects a positive ", factor, ", but got ", r));
  }
  Dims shape = self.shape;
  const size_t c = shape.size() - 3, h = c + 1, w = c + 2;
  if (shuffle) {
    if (shape[c] % (r * r) != 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of "
          "upscale_factor, but input.size(-3)=",
          shape[c], " is not divisible by ", r * r));
    }
    shape[c] /= r * r;
    shape[h] *= r;
    shape[w] *= r;
    return shape;
  }
  for (size_t d : {h, w}) {
    if (shape[d] % r != 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "pixel_unshuffle expects ", d == h ? "height" : "width",
          " to be divisible by downscale_factor, but input.size(", d == h ? "-2" : "-1", ")=",
          shape[d], " is not divisible by ", r));
    }
  }
  shape[c] *= r * r;
  shape[h] /= r;
  shape[w] /= r;
  return shape;
}

// pixel_shuffle's values: out[b, c, h * r + i, w * r + j] = in[b, c * r * r
// + i * r + j, h, w], with [b, c, h, w] indexing the small side (`low`,
// the result of pixel_unshuffle); the other direction reads it backwards.
HostTensor PixelShuffleValues(const HostTensor& in, const Dims& out_shape, int64_t r,
                              bool shuffle) {
  HostTensor out(in.dtype, out_shape);
  const Dims& low = shuffle ? in.shape : out_shape;
  const size_t k = low.size() - 3;
  const int64_t batch = NumElements(Dims(low.begin(), low.begin() + k));
  const int64_t channels = low[k] / (r * r), height = low[k + 1], width = low[k + 2];
  for (int64_t b = 0; b < batch; ++b) {
    for (int64_t c = 0; c < channels; ++c) {
      for (int64_t h = 0; h < height; ++h) {
        for (int64_t i = 0; i < r; ++i) {
          for (int64_t w = 0; w < width; ++w) {
            for (int64_t j = 0; j < r; ++j) {
              const int64_t small =
                  ((b * channels * r * r + (c * r + i) * r + j) * height + h) * width + w;
              const int64_t large =
                  ((b * channels + c) * height * r + h * r + i) * width * r + w * r + j;
              if (shuffle) {
                out.data[large] = in.data[small];
              } else {
                out.data[small] = in.data[large];
              }
            }
          }
        }
      }
    }
  }
  return out;
}

// A contiguous copy of `v`.
ir::ValueId ContiguousCopy(GraphBuilder& b, ir::ValueId v) {
  return b.Op("aten.clone.default", {V::V(v)},
              {{"memory_format", Argument::MemoryFormat("contiguous_format")}});
}

// pixel_shuffle or pixel_unshuffle as a view, permute, copy and view.
ir::ValueId PixelShuffleDecomposition(GraphBuilder& b, ir::ValueId x, int64_t r, bool shuffle) {
  const Dims shape = b.type(x).shape;
  const int64_t k = static_cast<int64_t>(shape.size()) - 3;
  Dims split(shape.begin(), shape.begin() + k), out(split);
  Dims perm;
  for (int64_t d = 0; d < k; ++d) perm.push_back(d);
  const int64_t c = shape[k], h = shape[k + 1], w = shape[k + 2];
  if (shuffle) {
    // [*, C, r, r, H, W] -> [*, C, H, r, W, r].
    for (int64_t s : {c / (r * r), r, r, h, w}) split.push_back(s);
    for (int64_t p : {0, 3, 1, 4, 2}) perm.push_back(k + p);
    for (int64_t s : {c / (r * r), h * r, w * r}) out.push_back(s);
  } else {
    // [*, C, H, r, W, r] -> [*, C, r, r, H, W].
    for (int64_t s : {c, h / r, r, w / r, r}) split.push_back(s);
    for (int64_t p : {0, 2, 4, 1, 3}) perm.push_back(k + p);
    for (int64_t s : {c * r * r, h / r, w / r}) out.push_back(s);
  }
  ir::ValueId v = b.Op("aten.permute.default", {V::V(b.Reshape(x, split)), Argument::IntList(perm)});
  return b.Reshape(ContiguousCopy(b, v), out);
}

// repeat's result shape: self's shape padded with leading ones to the
// length of `repeats`, times the repeats.
absl::StatusOr<Dims> RepeatShape(const TensorType& self, const Dims& repeats) {
  if (static_cast<int64_t>(repeats.size()) < self.Rank()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Number of dimensions of repeat dims can not be smaller than number of dimensions of "
        "tensor: repeats ",
        ShapeString(repeats), " for a tensor of shape ", ShapeString(self.shape)));
  }
  Dims shape(repeats.size() - self.Rank(), 1);
  shape.insert(shape.end(), self.shape.begin(), self.shape.end());
  for (size_t d = 0; d < shape.size(); ++d) {
    if (repeats[d] < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          "Trying to create tensor with negative dimension ", repeats[d], ": repeats ",
          ShapeString(repeats)));
    }
    shape[d] *= repeats[d];
  }
  return shape;
}

void DefineShuffles(OpRegistry& r) {
  for (bool shuffle : {true, false}) {
    OpDefiner(r,
              shuffle ? "pixel_shuffle(Tensor self, int upscale_factor) -> Tensor"
                      : "pixel_unshuffle(Tensor self, int downscale_factor) -> Tensor",
              OpKind::kOther)
        .Infer([shuffle](const TypeCall& call) -> absl::StatusOr<std::vector<TensorType>> {
          ASSIGN_OR_RETURN(Dims shape, PixelShuffleShape(call.tensor(0), call.Int(1), shuffle));
          return One(call.tensor(0).dtype, std::move(shape));
        })
        .Kernel([shuffle](const KernelCall& call, const std::vector<TensorType>& results)
                    -> absl::StatusOr<std::vector<HostTensor>> {
          return std::vector<HostTensor>{
              PixelShuffleValues(call.tensor(0), results[0].shape, call.Int(1), shuffle)};
        })
        .Derivative([shuffle](DerivativeContext& c) -> Grads {
          return {{0, c.b.Op(shuffle ? "aten.pixel_unshuffle.default" : "aten.pixel_shuffle.default",
                             {V::V(c.grad(0)), c.arg(1)})}};
        })
        .Decompose([shuffle](GraphBuilder& b, const ir::Node& node) -> std::vector<ir::ValueId> {
          return {PixelShuffleDecomposition(b, node.args[0].AsValue(), node.args[1].AsInt(),
                                            shuffle)};
        });
  }

  OpDefiner(r, "repeat(Tensor self, SymInt[] repeats) -> Tensor", OpKind::kOther)
      .Infer([](const TypeCall& call) -> absl::StatusOr<std::vector<TensorType>> {
        ASSIGN_OR_RETURN(Dims shape, RepeatShape(call.tensor(0), call.Ints(1)));
        return One(call.tensor(0).dtype, std::move(shape));
      })
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& results)
                  -> absl::StatusOr<std::vector<HostTensor>> {
        const HostTensor& self = call.tensor(0);
        HostTensor out(self.dtype, results[0].shape);
        if (out.NumElements() == 0) return std::vector<HostTensor>{std::move(out)};
        const size_t lead = out.shape.size() - self.shape.size();
        const Dims strides = TensorType::Contiguous(self.dtype, self.shape).strides;
        Dims index(out.shape.size(), 0);
        int64_t i = 0;
        do {
          int64_t offset = 0;
          for (size_t d = 0; d < self.shape.size(); ++d) {
            offset += index[lead + d] % self.shape[d] * strides[d];
          }
          out.data[i++] = self.data[offset];
        } while (reference::NextIndex(index, out.shape));
        return std::vector<HostTensor>{std::move(out)};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        // repeat_backward: the copies summed; zeros when a repeat is 0.
        GraphBuilder& b = c.b;
        const TensorType self = b.type(c.input(0));
        const Dims repeats = c.arg(1).AsIntList();
        if (std::find(repeats.begin(), repeats.end(), 0) != repeats.end()) {
          return {{0, b.Zeros(self.shape, self.dtype)}};
        }
        const int64_t lead = static_cast<int64_t>(repeats.size()) - self.Rank();
        Dims split, sum_dims;
        for (int64_t d = 0; d < lead; ++d) {
          split.push_back(repeats[d]);
          sum_dims.push_back(d);
        }
        for (int64_t d = 0; d < self.Rank(); ++d) {
          if (repeats[lead + d] != 1) {
            sum_dims.push_back(static_cast<int64_t>(split.size()));
            split.push_back(repeats[lead + d]);
          }
          split.push_back(self.shape[d]);
        }
        ir::ValueId g = b.Reshape(c.grad(0), split);
        if (!sum_dims.empty()) {
          g = b.Op("aten.sum.dim_IntList",
                   {V::V(g), Argument::IntList(sum_dims), Argument::Bool(false)});
        }
        return {{0, b.Reshape(g, self.shape)}};
      })
      .Decompose([](GraphBuilder& b, const ir::Node& node) -> std::vector<ir::ValueId> {
        // self viewed as [1, s0, 1, s1, ...], expanded to [r0, s0, r1, s1,
        // ...], copied and viewed as [r0 * s0, r1 * s1, ...].
        const ir::ValueId x = node.args[0].AsValue();
        const TensorType self = b.type(x);
        const Dims repeats = node.args[1].AsIntList();
        const size_t lead = repeats.size() - self.shape.size();
        Dims ones, expanded, out;
        for (size_t d = 0; d < repeats.size(); ++d) {
          const int64_t s = d < lead ? 1 : self.shape[d - lead];
          for (int64_t v : {int64_t{1}, s}) ones.push_back(v);
          for (int64_t v : {repeats[d], s}) expanded.push_back(v);
          out.push_back(repeats[d] * s);
        }
        ir::ValueId v = b.Expand(b.Reshape(x, ones), expanded);
        return {b.Reshape(ContiguousCopy(b, v), out)};
      });
}

// tril/triu: whether element (row, col) is kept.
using KeepFn = bool (*)(int64_t row, int64_t col, int64_t diagonal);

void DefineTriangle(OpRegistry& r, absl::string_view signature, const char* op, KeepFn keep) {
  OpDefiner(r, signature, OpKind::kOther)
      .LowerToKernel(op)
      .Infer([op](const TypeCall& call) -> absl::StatusOr<std::vector<TensorType>> {
        const TensorType& self = call.tensor(0);
        if (self.Rank() < 2) {
          return absl::InvalidArgumentError(absl::StrCat(
              op, ": input of shape ", ShapeString(self.shape), " needs at least 2 dimensions"));
        }
        return One(self.dtype, self.shape);
      })
      .Kernel([keep](const KernelCall& call, const std::vector<TensorType>&)
                  -> absl::StatusOr<std::vector<HostTensor>> {
        HostTensor out = call.tensor(0);
        int64_t rows = out.shape[out.Rank() - 2], cols = out.shape[out.Rank() - 1];
        for (int64_t i = 0; i < out.NumElements(); ++i) {
          int64_t col = i % cols, row = (i / cols) % rows;
          if (!keep(row, col, call.Int(1))) out.data[i] = 0;
        }
        return std::vector<HostTensor>{std::move(out)};
      })
      .Derivative([op](DerivativeContext& c) -> Grads {
        return {{0, c.b.Op(absl::StrCat("aten.", op, ".default"), {V::V(c.grad(0)), c.arg(1)})}};
      });
}

void DefineCopies(OpRegistry& r) {
  OpDefiner(r, "clone(Tensor self, *, MemoryFormat? memory_format=None) -> Tensor",
            OpKind::kPointwise)
      .LowerElementwise([](const ElementExpr& e) { return e.x(0); })
      .Infer([](const TypeCall& call) -> absl::StatusOr<std::vector<TensorType>> {
        // clone is empty_like(self, memory_format) filled with self's values:
        // it has empty_like's result type.
        const OpDef* empty_like = OpRegistry::Global().Find("aten.empty_like.default");
        std::vector<Argument> args = {Argument::Value(0), Argument::None(), Argument::None(),
                                      Argument::None(), Argument::None(), call.arg(1)};
        TypeCall like(args, [&call](ir::ValueId) -> const TensorType& { return call.tensor(0); });
        return empty_like->infer(like);
      })
      .Kernel(SameValues)
      .Derivative([](DerivativeContext& c) -> Grads { return {{0, c.grad(0)}}; });

  // make_fx's copy of a tensor constant (torch.tensor(...)): a clone.
  OpDefiner(r, "lift_fresh_copy(Tensor self) -> Tensor", OpKind::kPointwise)
      .Infer([](const TypeCall& call) -> absl::StatusOr<std::vector<TensorType>> {
        const OpDef* clone = OpRegistry::Global().Find("aten.clone.default");
        std::vector<Argument> args = {call.arg(0), Argument::None()};
        return clone->infer(TypeCall(args, [&call](ir::ValueId) -> const TensorType& {
          return call.tensor(0);
        }));
      })
      .Kernel(SameValues)
      .Derivative([](DerivativeContext& c) -> Grads { return {{0, c.grad(0)}}; })
      .Decompose([](GraphBuilder& b, const ir::Node& node) -> std::vector<ir::ValueId> {
        return {b.Op("aten.clone.default", {node.args[0]})};
      });

  DefineTriangle(r, "tril(Tensor self, int diagonal=0) -> Tensor", "tril",
                 [](int64_t row, int64_t col, int64_t k) { return col - row <= k; });
  DefineTriangle(r, "triu(Tensor self, int diagonal=0) -> Tensor", "triu",
                 [](int64_t row, int64_t col, int64_t k) { return col - row >= k; });
}

// The tensors of a cat or stack, which must be at least one.
absl::Status CheckNonEmpty(const std::vector<const TensorType*>& tensors, absl::string_view op) {
  if (tensors.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(op, "(): expected a non-empty list of tensors"));
  }
  for (const TensorType* t : tensors) {
    if (t == nullptr) return absl::InvalidArgumentError(absl::StrCat(op, "(): a tensor is None"));
  }
  return absl::OkStatus();
}

DType JoinedDType(const std::vector<const TensorType*>& tensors) {
  std::vector<Operand> operands;
  for (const TensorType* t : tensors) operands.push_back({t->dtype, t->Rank()});
  return ResultType(operands);
}

// Copies `parts` (all of `outer` blocks) block by block into `out`: block
// o of part i is parts[i] elements [o * block_i, (o + 1) * block_i).
void Interleave(const std::vector<HostTensor>& parts, int64_t outer, HostTensor& out) {
  int64_t pos = 0;
  for (int64_t o = 0; o < outer; ++o) {
    for (const HostTensor& p : parts) {
      int64_t block = outer == 0 ? 0 : p.NumElements() / outer;
      for (int64_t k = 0; k < block; ++k) out.data[pos++] = p.data[o * block + k];
    }
  }
}

int64_t Prefix(const Dims& shape, int64_t dim) {
  int64_t n = 1;
  for (int64_t d = 0; d < dim; ++d) n *= shape[d];
  return n;
}

// The dim of a cat or stack (argument 1, checked by inference) as a dim of
// its result, of rank `rank`.
int64_t JoinedDim(int64_t dim, int64_t rank) { return dim < 0 ? dim + rank : dim; }

// cat's and stack's kernel: the parts, cast to the result's dtype, joined
// block by block along the result's dim.
absl::StatusOr<std::vector<HostTensor>> JoinKernel(const KernelCall& call,
                                                   const std::vector<TensorType>& results) {
  const TensorType& type = results[0];
  int64_t dim = JoinedDim(call.Int(1), type.Rank());
  std::vector<HostTensor> parts;
  for (const HostTensor* t : call.tensors(0)) parts.push_back(t->Cast(type.dtype));
  HostTensor out(type.dtype, type.shape);
  Interleave(parts, Prefix(type.shape, dim), out);
  return std::vector<HostTensor>{std::move(out)};
}

void DefineJoins(OpRegistry& r) {
  OpDefiner(r, "cat(Tensor[] tensors, int dim=0) -> Tensor", OpKind::kOther)
      .LowerToKernel("cat")
      .Infer([](const TypeCall& call) -> absl::StatusOr<std::vector<TensorType>> {
        std::vector<const TensorType*> ts = call.tensors(0);
        RETURN_IF_ERROR(CheckNonEmpty(ts, "cat"));
        const Dims& first = ts[0]->shape;
        ASSIGN_OR_RETURN(int64_t dim, NormalizeDim(call.Int(1), first.size()));
        Dims shape = first;
        for (size_t i = 0; i < ts.size(); ++i) {
          const Dims& s = ts[i]->shape;
          if (s.empty()) {
            return absl::InvalidArgumentError(
                absl::StrCat("cat(): tensor ", i, " is 0-dimensional and cannot be concatenated"));
          }
          bool match = s.size() == first.size();
          for (size_t d = 0; match && d < s.size(); ++d) {
            match = static_cast<int64_t>(d) == dim || s[d] == first[d];
          }
          if (!match) {
            return absl::InvalidArgumentError(absl::StrCat("cat() along dim ", dim, ": shapes ",
                                                           ShapeString(first), " and ", ShapeString(s),
                                                           " (tensor ", i, ") do not match"));
          }
          if (i > 0) shape[dim] += s[dim];
        }
        return One(JoinedDType(ts), shape);
      })
      .Kernel(JoinKernel)
      .Derivative([](DerivativeContext& c) -> Grads {
        std::vector<ir::ValueId> inputs = c.arg(0).AsValueList();
        int64_t dim = JoinedDim(c.arg(1).AsInt(), c.b.type(c.output(0)).Rank());
        Grads grads;
        int64_t start = 0;
        for (size_t i = 0; i < inputs.size(); ++i) {
          int64_t size = c.b.type(inputs[i]).shape[dim];
          ir::ValueId g = c.b.Op("aten.slice.Tensor", {V::V(c.grad(0)), Argument::Int(dim),
                                                       Argument::Int(start),
                                                       Argument::Int(start + size)});
          grads.push_back({0, g, static_cast<int>(i)});
          start += size;
        }
        return grads;
      });

  OpDefiner(r, "stack(Tensor[] tensors, int dim=0) -> Tensor", OpKind::kOther)
      .LowerToKernel("stack")
      .Infer([](const TypeCall& call) -> absl::StatusOr<std::vector<TensorType>> {
        std::vector<const TensorType*> ts = call.tensors(0);
        RETURN_IF_ERROR(CheckNonEmpty(ts, "stack"));
        const Dims& first = ts[0]->shape;
        ASSIGN_OR_RETURN(int64_t dim, NormalizeDim(call.Int(1), first.size() + 1));
        for (size_t i = 1; i < ts.size(); ++i) {
          if (ts[i]->shape != first) {
            return absl::InvalidArgumentError(
                absl::StrCat("stack(): shapes ", ShapeString(first), " and ", ShapeString(ts[i]->shape),
                             " (tensor ", i, ") differ"));
          }
        }
        Dims shape = first;
        shape.insert(shape.begin() + dim, static_cast<int64_t>(ts.size()));
        return One(JoinedDType(ts), shape);
      })
      .Kernel(JoinKernel)
      .Derivative([](DerivativeContext& c) -> Grads {
        int n = static_cast<int>(c.arg(0).AsList().size());
        int64_t dim = JoinedDim(c.arg(1).AsInt(), c.b.type(c.output(0)).Rank());
        Grads grads;
        for (int i = 0; i < n; ++i) {
          grads.push_back({0,
                           c.b.Op("aten.select.int",
                                  {V::V(c.grad(0)), Argument::Int(dim), Argument::Int(i)}),
                           i});
        }
        return grads;
      });
}

}  // namespace

absl::Status RegisterShapeOps(OpRegistry& registry) {
  DefinePadding(registry);
  DefineShuffles(registry);
  DefineCopies(registry);
  DefineJoins(registry);
  return absl::OkStatus();
}

}  // namespace aotd::ops::internal
