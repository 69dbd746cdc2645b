// Ops that make tensors from sizes and scalars (factory functions; the
// keyword-only dtype, layout, device and pin_memory are TensorOptions, of
// which only dtype matters here). None of them is differentiable.
#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "common/status_macros.h"
#include "compiler/ops/core/op_definer.h"
#include "compiler/ops/core/op_util.h"
#include "compiler/ops/creation/creation.h"

namespace aotd::ops::internal {
namespace {

using ir::Argument;

absl::Status CheckSize(const Dims& size) {
  for (int64_t d : size) {
    if (d < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot create a tensor with negative dimension ", d, ": ", ShapeString(size)));
    }
  }
  return absl::OkStatus();
}

// Strides of a new tensor of `shape` in `memory_format` (None: contiguous).
absl::StatusOr<Dims> FormatStrides(const Dims& s, const Argument& memory_format) {
  std::string format = memory_format.is_none() ? "contiguous_format" : memory_format.AsString();
  if (format == "contiguous_format") return ir::ContiguousStrides(s);
  if (format == "channels_last" && s.size() == 4) {
    return Dims{s[1] * s[3] * s[2], 1, s[1] * s[3], s[1]};
  }
  if (format == "channels_last_3d" && s.size() == 5) {
    return Dims{s[1] * s[4] * s[3] * s[2], 1, s[1] * s[4] * s[3], s[1] * s[4], s[1]};
  }
  return absl::InvalidArgumentError(
      absl::StrCat("memory format ", format, " does not apply to a new tensor of shape ", ShapeString(s)));
}

// c10's is_non_overlapping_and_dense.
bool IsNonOverlappingAndDense(const TensorType& t) {
  std::vector<int> perm(t.Rank());
  for (int i = 0; i < t.Rank(); ++i) perm[i] = i;
  std::sort(perm.begin(), perm.end(), [&](int a, int b) {
    if (t.shape[a] < 2) return false;
    if (t.shape[b] < 2) return true;
    return t.strides[a] < t.strides[b];
  });
  int64_t required = 1;
  for (int d : perm) {
    if (t.shape[d] < 2) return true;
    if (t.strides[d] != required) return false;
    required *= t.shape[d];
  }
  return true;
}

// at::infer_dense_strides: dense strides ordered as `t`'s strides are.
Dims InferDenseStrides(const TensorType& t) {
  int rank = t.Rank();
  std::vector<int> perm(rank);  // Innermost dim first.
  for (int i = 0; i < rank; ++i) perm[i] = rank - 1 - i;
  // -1: a goes inside b; 1: b inside a; 0: ambiguous (stride 0), keep order.
  auto compare = [&](int a, int b) {
    int64_t sa = t.strides[a], sb = t.strides[b];
    if (sa == 0 || sb == 0) return 0;
    if (sa != sb) return sa < sb ? -1 : 1;
    return t.shape[a] > t.shape[b] ? 1 : 0;
  };
  for (int i = 1; i < rank; ++i) {
    int j = i;
    for (int k = i - 1; k >= 0; --k) {
      int c = compare(perm[k], perm[j]);
      if (c > 0) {
        std::swap(perm[k], perm[j]);
        j = k;
      } else if (c < 0) {
        break;
      }
    }
  }
  Dims strides(rank);
  int64_t stride = 1;
  for (int d : perm) {
    strides[d] = stride;
    if (t.shape[d] > 1) stride *= t.shape[d];
  }
  return strides;
}

// The type empty_like gives: `self`'s shape, `dtype` or self's, strides in
// `memory_format`, where None or preserve_format keeps self's strides when
// they are dense and non-overlapping, else their order.
absl::StatusOr<TensorType> LikeType(const TensorType& self, std::optional<DType> dtype,
                                    const Argument& memory_format) {
  TensorType t{dtype.value_or(self.dtype), self.shape, {}};
  if (memory_format.is_none() || memory_format.AsString() == "preserve_format") {
    t.strides = IsNonOverlappingAndDense(self) ? self.strides : InferDenseStrides(self);
  } else {
    ASSIGN_OR_RETURN(t.strides, FormatStrides(self.shape, memory_format));
  }
  return t;
}

// The dtype a Scalar's kind gives a new tensor: bool, int64 or float32.
DType ScalarDType(const Argument& a) {
  switch (a.kind()) {
    case Argument::Kind::kBool:
      return DType::kBool;
    case Argument::Kind::kInt:
      return DType::kInt64;
    default:
      return DType::kFloat32;
  }
}

// A kernel filling the result with a constant from the call.
KernelFn Fill(std::function<double(const KernelCall&)> value) {
  return [value](const KernelCall& call, const std::vector<TensorType>& results)
             -> absl::StatusOr<std::vector<HostTensor>> {
    const TensorType& t = results[0];
    return std::vector<HostTensor>{
        HostTensor::Full(t.dtype, t.shape, reference::RoundTo(t.dtype, value(call)))};
  };
}

double Zero(const KernelCall&) { return 0; }

double OneValue(const KernelCall&) { return 1; }

// A kernel filling the result with Scalar argument `arg`.
KernelFn FillFromArg(int arg) {
  return Fill([arg](const KernelCall& call) { return call.Float(arg); });
}

// Factories from a size list (argument 0): dtype at `dtype_arg`, defaulting
// to float32 or, if `fill_arg` >= 0, to the fill value's; strides from the
// memory format at `format_arg` if >= 0, else contiguous.
InferFn SizedInfer(int dtype_arg, int fill_arg, int format_arg) {
  return [=](const TypeCall& call) -> absl::StatusOr<std::vector<TensorType>> {
    Dims size = call.Ints(0);
    RETURN_IF_ERROR(CheckSize(size));
    DType dtype = fill_arg >= 0 ? ScalarDType(call.arg(fill_arg)) : DType::kFloat32;
    dtype = call.OptDType(dtype_arg).value_or(dtype);
    Dims strides = ir::ContiguousStrides(size);
    if (format_arg >= 0) {
      ASSIGN_OR_RETURN(strides, FormatStrides(size, call.arg(format_arg)));
    }
    return std::vector<TensorType>{{dtype, std::move(size), std::move(strides)}};
  };
}

// *_like factories: argument 0 is the model tensor.
InferFn LikeInfer(int dtype_arg, int format_arg) {
  return [=](const TypeCall& call) -> absl::StatusOr<std::vector<TensorType>> {
    ASSIGN_OR_RETURN(TensorType t,
                     LikeType(call.tensor(0), call.OptDType(dtype_arg), call.arg(format_arg)));
    return std::vector<TensorType>{std::move(t)};
  };
}

// new_* factories: size at argument 1, dtype defaulting to self's.
InferFn NewInfer(int dtype_arg) {
  return [=](const TypeCall& call) -> absl::StatusOr<std::vector<TensorType>> {
    Dims size = call.Ints(1);
    RETURN_IF_ERROR(CheckSize(size));
    return One(call.OptDType(dtype_arg).value_or(call.tensor(0).dtype), std::move(size));
  };
}

void DefineFilled(OpRegistry& r) {
  struct Factory {
    const char* signature;
    InferFn infer;
    KernelFn kernel;
    ElementFn element;
  };
  auto zero = [](const ElementExpr& e) { return Literal(0, e.result()); };
  auto one = [](const ElementExpr& e) { return Literal(1, e.result()); };
  auto arg = [](int i) { return [i](const ElementExpr& e) { return e.scalar(i); }; };
  const Factory factories[] = {
      // Zeros stand for "uninitialized": any values will do.
      {"empty.memory_format(SymInt[] size, *, ScalarType? dtype=None, "
       "Layout? layout=None, Device? device=None, bool? pin_memory=None, "
       "MemoryFormat? memory_format=None) -> Tensor",
       SizedInfer(/*dtype_arg=*/1, /*fill_arg=*/-1, /*format_arg=*/5), Fill(Zero), zero},
      {"zeros(SymInt[] size, *, ScalarType? dtype=None, Layout? layout=None, "
       "Device? device=None, bool? pin_memory=None) -> Tensor",
       SizedInfer(1, -1, -1), Fill(Zero), zero},
      {"ones(SymInt[] size, *, ScalarType? dtype=None, Layout? layout=None, "
       "Device? device=None, bool? pin_memory=None) -> Tensor",
       SizedInfer(1, -1, -1), Fill(OneValue), one},
      {"full(SymInt[] size, Scalar fill_value, *, ScalarType? dtype=None, "
       "Layout? layout=None, Device? device=None, bool? pin_memory=None) "
       "-> Tensor",
       SizedInfer(2, /*fill_arg=*/1, -1), FillFromArg(1), arg(1)},
      {"scalar_tensor(Scalar s, *, ScalarType? dtype=None, "
       "Layout? layout=None, Device? device=None, bool? pin_memory=None) "
       "-> Tensor",
       [](const TypeCall& call) -> absl::StatusOr<std::vector<TensorType>> {
         return One(call.OptDType(1).value_or(DType::kFloat32), {});
       },
       FillFromArg(0), arg(0)},

      {"empty_like(Tensor self, *, ScalarType? dtype=None, "
       "Layout? layout=None, Device? device=None, bool? pin_memory=None, "
       "MemoryFormat? memory_format=None) -> Tensor",
       LikeInfer(/*dtype_arg=*/1, /*format_arg=*/5), Fill(Zero), zero},
      {"zeros_like(Tensor self, *, ScalarType? dtype=None, "
       "Layout? layout=None, Device? device=None, bool? pin_memory=None, "
       "MemoryFormat? memory_format=None) -> Tensor",
       LikeInfer(1, 5), Fill(Zero), zero},
      {"ones_like(Tensor self, *, ScalarType? dtype=None, "
       "Layout? layout=None, Device? device=None, bool? pin_memory=None, "
       "MemoryFormat? memory_format=None) -> Tensor",
       LikeInfer(1, 5), Fill(OneValue), one},
      {"full_like(Tensor self, Scalar fill_value, *, ScalarType? dtype=None, "
       "Layout? layout=None, Device? device=None, bool? pin_memory=None, "
       "MemoryFormat? memory_format=None) -> Tensor",
       LikeInfer(2, 6), FillFromArg(1), arg(1)},

      {"new_zeros(Tensor self, SymInt[] size, *, ScalarType? dtype=None, "
       "Layout? layout=None, Device? device=None, bool? pin_memory=None) "
       "-> Tensor",
       NewInfer(2), Fill(Zero), zero},
      {"new_empty(Tensor self, SymInt[] size, *, ScalarType? dtype=None, "
       "Layout? layout=None, Device? device=None, bool? pin_memory=None) "
       "-> Tensor",
       NewInfer(2), Fill(Zero), zero},
      {"new_full(Tensor self, SymInt[] size, Scalar fill_value, *, "
       "ScalarType? dtype=None, Layout? layout=None, Device? device=None, "
       "bool? pin_memory=None) -> Tensor",
       NewInfer(3), FillFromArg(2), arg(2)},
  };
  for (const Factory& f : factories) {
    OpDefiner(r, f.signature, OpKind::kCreation)
        .LowerElementwise(f.element)
        .Infer(f.infer)
        .Kernel(f.kernel)
        .NonDifferentiable();
  }
}

// One arange call: its bounds and result dtype.
struct Range {
  DType dtype;
  double start, step;
  int64_t length;
};

// PyTorch's arange: int64 when start, end and step are all integers, else
// the default float dtype. Integer results truncate the bounds first and
// count in integers; floating ones count in double.
absl::StatusOr<Range> RangeOf(const Argument& start, const Argument& end, const Argument& step,
                              std::optional<DType> dtype_arg) {
  bool all_ints = true;
  for (const Argument* a : {&start, &end, &step}) {
    all_ints = all_ints && a->kind() != Argument::Kind::kFloat;
  }
  DType dtype = dtype_arg.value_or(all_ints ? DType::kInt64 : DType::kFloat32);
  bool integral = !ir::IsFloatingPoint(dtype);
  double lo = start.AsFloat(), hi = end.AsFloat(), by = step.AsFloat();
  if (!std::isfinite(lo) || !std::isfinite(hi)) {
    return absl::InvalidArgumentError(absl::StrCat("arange(): unsupported range ", lo, " -> ", hi));
  }
  if (integral) {
    lo = std::trunc(lo);
    hi = std::trunc(hi);
    by = std::trunc(by);
  }
  if (by == 0) return absl::InvalidArgumentError("arange(): step must be nonzero");
  if ((by > 0 && hi < lo) || (by < 0 && hi > lo)) {
    return absl::InvalidArgumentError(absl::StrCat("arange(): upper bound ", hi, " and lower bound ",
                                                   lo, " are inconsistent with step sign ", by));
  }
  double length;
  if (dtype == DType::kInt64) {
    int64_t a = static_cast<int64_t>(lo), b = static_cast<int64_t>(hi),
            s = static_cast<int64_t>(by);
    int64_t sign = s > 0 ? 1 : -1;
    length = static_cast<double>((b - a + s - sign) / s);
  } else {
    length = std::ceil((end.AsFloat() - start.AsFloat()) / step.AsFloat());
  }
  return Range{dtype, lo, by, static_cast<int64_t>(length)};
}

void DefineArange(OpRegistry& r, absl::string_view signature, int start, int end, int step,
                  int dtype) {
  // Missing bounds: start 0, step 1.
  auto range = [=](const auto& call) {
    Argument zero = Argument::Int(0), one = Argument::Int(1);
    return RangeOf(start >= 0 ? call.arg(start) : zero, call.arg(end),
                   step >= 0 ? call.arg(step) : one, call.OptDType(dtype));
  };
  OpDefiner(r, signature, OpKind::kCreation)
      .LowerElementwise([start, step](const ElementExpr& e) {
        // start + step * i, counted in double as the kernel counts, then
        // converted; integer results truncate start and step first.
        double lo = start >= 0 ? e.arg(start).AsFloat() : 0.0;
        double by = step >= 0 ? e.arg(step).AsFloat() : 1.0;
        if (!ir::IsFloatingPoint(e.result())) {
          lo = std::trunc(lo);
          by = std::trunc(by);
        }
        return Convert(absl::StrCat("(", Literal(lo, DType::kFloat64), " + ",
                                    Literal(by, DType::kFloat64), " * static_cast<double>(",
                                    e.index(0), "))"),
                       DType::kFloat64, e.result());
      })
      .Infer([range](const TypeCall& call) -> absl::StatusOr<std::vector<TensorType>> {
        ASSIGN_OR_RETURN(Range g, range(call));
        return One(g.dtype, {g.length});
      })
      .Kernel([range](const KernelCall& call, const std::vector<TensorType>& results)
                  -> absl::StatusOr<std::vector<HostTensor>> {
        ASSIGN_OR_RETURN(Range g, range(call));
        HostTensor out(results[0].dtype, results[0].shape);
        for (int64_t i = 0; i < out.NumElements(); ++i) out.data[i] = g.start + g.step * i;
        out.RoundToDType();
        return std::vector<HostTensor>{std::move(out)};
      })
      .NonDifferentiable();
}

}  // namespace

absl::Status RegisterCreationOps(OpRegistry& registry) {
  DefineFilled(registry);
  DefineArange(registry,
               "arange(Scalar end, *, ScalarType? dtype=None, Layout? layout=None, "
               "Device? device=None, bool? pin_memory=None) -> Tensor",
               /*start=*/-1, /*end=*/0, /*step=*/-1, /*dtype=*/1);
  DefineArange(registry,
               "arange.start(Scalar start, Scalar end, *, ScalarType? dtype=None, "
               "Layout? layout=None, Device? device=None, bool? pin_memory=None) "
               "-> Tensor",
               0, 1, -1, 2);
  DefineArange(registry,
               "arange.start_step(Scalar start, Scalar end, Scalar step=1, *, "
               "ScalarType? dtype=None, Layout? layout=None, Device? device=None, "
               "bool? pin_memory=None) -> Tensor",
               0, 1, 2, 3);
  return absl::OkStatus();
}

}  // namespace aotd::ops::internal
