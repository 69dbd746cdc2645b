// Reductions over all or some dimensions.
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "common/status_macros.h"
#include "compiler/ops/core/builder.h"
#include "compiler/ops/core/op_definer.h"
#include "compiler/ops/core/op_util.h"
#include "compiler/ops/reduction/reduction.h"

namespace aotd::ops::internal {
namespace {

using ir::Argument;

using V = GraphBuilder;

// The dims an `int[1]? dim` argument names; None and [] name every dim.
absl::StatusOr<std::vector<int64_t>> ReducedDims(const Argument& dim, int64_t rank) {
  return NormalizeDims(dim.is_none() ? Dims{} : dim.AsIntList(), rank);
}

// The values of `x` grouped by the result element they reduce into, in the
// result's row-major order.
std::vector<std::vector<double>> Groups(const HostTensor& x, const std::vector<int64_t>& dims) {
  Dims kept = ReducedShape(x.shape, dims, /*keepdim=*/true);
  Dims strides = ir::ContiguousStrides(kept);
  for (int64_t d : dims) {
    if (d < x.Rank()) strides[d] = 0;
  }
  int64_t n = 1;
  for (int64_t d : kept) n *= d;
  std::vector<std::vector<double>> groups(n);
  if (x.NumElements() == 0) return groups;
  Dims index(x.shape.size(), 0);
  int64_t i = 0;
  do {
    groups[reference::Offset(index, strides)].push_back(x.data[i++]);
  } while (reference::NextIndex(index, x.shape));
  return groups;
}

// A reduction kernel's result: f over each group, rounded to `type`.
HostTensor Reduce(const HostTensor& x, const std::vector<int64_t>& dims, const TensorType& type,
                  const std::function<double(const std::vector<double>&)>& f) {
  HostTensor out(type.dtype, type.shape);
  std::vector<std::vector<double>> groups = Groups(x, dims);
  for (size_t i = 0; i < groups.size(); ++i) out.data[i] = f(groups[i]);
  out.RoundToDType();
  return out;
}

double Sum(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s;
}

double Mean(const std::vector<double>& v) { return Sum(v) / v.size(); }

double Product(const std::vector<double>& v) {
  double p = 1;
  for (double x : v) p *= x;
  return p;
}

// The kernel of sum, mean and prod: `f` over each group of argument 0, cast
// to the result's dtype, reducing the dims the int[1]? argument `dim_arg`
// names (every dim for -1).
KernelFn CastReduceKernel(int dim_arg, double (*f)(const std::vector<double>&)) {
  return [dim_arg, f](const KernelCall& call, const std::vector<TensorType>& results)
             -> absl::StatusOr<std::vector<HostTensor>> {
    const HostTensor& self = call.tensor(0);
    ASSIGN_OR_RETURN(std::vector<int64_t> dims,
                     ReducedDims(dim_arg >= 0 ? call.arg(dim_arg) : Argument::None(), self.Rank()));
    return std::vector<HostTensor>{Reduce(self.Cast(results[0].dtype), dims, results[0], f)};
  };
}

// PyTorch's dtype for sum and prod: `dtype` if given, else int64 for
// integer and bool inputs, else the input's.
DType AccumulatingDType(DType self, std::optional<DType> dtype) {
  if (dtype.has_value()) return *dtype;
  return ir::IsFloatingPoint(self) ? self : DType::kInt64;
}

// mean's dtype: only floating results are defined.
absl::StatusOr<DType> MeanDType(DType self, std::optional<DType> dtype) {
  DType d = dtype.value_or(self);
  if (!ir::IsFloatingPoint(d)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "mean(): could not infer output dtype: the input dtype must be floating point, got ",
        ir::DTypeName(d)));
  }
  return d;
}

absl::Status CheckNonEmptyReduction(absl::string_view op, const Dims& shape,
                                    const std::vector<int64_t>& dims) {
  for (int64_t d : dims) {
    if (d < static_cast<int64_t>(shape.size()) && shape[d] == 0) {
      return absl::InvalidArgumentError(absl::StrCat(op, "(): reducing dim ", d, " of shape ",
                                                     ShapeString(shape), ", which has size 0"));
    }
  }
  return absl::OkStatus();
}

// Number of elements each result element reduces.
int64_t ReducedCount(const Dims& shape, const std::vector<int64_t>& dims) {
  int64_t n = 1;
  for (int64_t d : dims) {
    if (d < static_cast<int64_t>(shape.size())) n *= shape[d];
  }
  return n;
}

// The gradient of a reduction's result with its reduced dims restored as
// size 1 (unsqueezed when the reduction dropped them).
ir::ValueId RestoreReducedDims(GraphBuilder& b, ir::ValueId grad, std::vector<int64_t> dims,
                               bool keepdim, int64_t rank) {
  if (keepdim || rank == 0) return grad;
  std::sort(dims.begin(), dims.end());
  for (int64_t d : dims) grad = b.Op("aten.unsqueeze.default", {V::V(grad), Argument::Int(d)});
  return grad;
}

// Context of a reduction's derivative: the input's type and reduced dims.
struct Reduced {
  TensorType self;
  std::vector<int64_t> dims;
  bool keepdim;
};

Reduced ReducedOf(DerivativeContext& c, const Argument& dim, bool keepdim) {
  TensorType self = c.b.type(c.input(0));
  absl::StatusOr<std::vector<int64_t>> dims = ReducedDims(dim, self.Rank());
  return {self, dims.ok() ? *dims : std::vector<int64_t>{}, keepdim};
}

// grad of a sum: the result's gradient broadcast back over the input.
ir::ValueId SumBackward(GraphBuilder& b, ir::ValueId grad, const Reduced& r) {
  return b.Expand(RestoreReducedDims(b, grad, r.dims, r.keepdim, r.self.Rank()), r.self.shape);
}

ir::ValueId DivByCount(GraphBuilder& b, ir::ValueId v, int64_t n) {
  return b.Op("aten.div.Tensor", {V::V(v), Argument::Int(n)});
}

void DefineSumAndMean(OpRegistry& r) {
  OpDefiner(r,
            "sum.dim_IntList(Tensor self, int[1]? dim, bool keepdim=False, *, "
            "ScalarType? dtype=None) -> Tensor",
            OpKind::kReduction)
      .LowerReduction({ReductionLowering::Combine::kSum, false, 1, 2})
      .Infer([](const TypeCall& call) -> absl::StatusOr<std::vector<TensorType>> {
        const TensorType& self = call.tensor(0);
        ASSIGN_OR_RETURN(std::vector<int64_t> dims, ReducedDims(call.arg(1), self.Rank()));
        return One(AccumulatingDType(self.dtype, call.OptDType(3)),
                   ReducedShape(self.shape, dims, call.Bool(2)));
      })
      .Kernel(CastReduceKernel(/*dim_arg=*/1, Sum))
      .Derivative([](DerivativeContext& c) -> Grads {
        return {{0, SumBackward(c.b, c.grad(0), ReducedOf(c, c.arg(1), c.arg(2).AsBool()))}};
      });

  OpDefiner(r, "sum(Tensor self, *, ScalarType? dtype=None) -> Tensor", OpKind::kReduction)
      .LowerReduction({ReductionLowering::Combine::kSum, false, -1, -1})
      .Infer([](const TypeCall& call) -> absl::StatusOr<std::vector<TensorType>> {
        return One(AccumulatingDType(call.tensor(0).dtype, call.OptDType(1)), {});
      })
      .Kernel(CastReduceKernel(/*dim_arg=*/-1, Sum))
      .Derivative([](DerivativeContext& c) -> Grads {
        Dims shape = c.b.type(c.input(0)).shape;
        return {{0, c.b.Expand(c.grad(0), shape)}};
      });

  OpDefiner(r,
            "mean.dim(Tensor self, int[1]? dim, bool keepdim=False, *, "
            "ScalarType? dtype=None) -> Tensor",
            OpKind::kReduction)
      .LowerReduction({ReductionLowering::Combine::kSum, true, 1, 2})
      .Infer([](const TypeCall& call) -> absl::StatusOr<std::vector<TensorType>> {
        const TensorType& self = call.tensor(0);
        ASSIGN_OR_RETURN(std::vector<int64_t> dims, ReducedDims(call.arg(1), self.Rank()));
        ASSIGN_OR_RETURN(DType dtype, MeanDType(self.dtype, call.OptDType(3)));
        return One(dtype, ReducedShape(self.shape, dims, call.Bool(2)));
      })
      .Kernel(CastReduceKernel(/*dim_arg=*/1, Mean))
      .Derivative([](DerivativeContext& c) -> Grads {
        Reduced r = ReducedOf(c, c.arg(1), c.arg(2).AsBool());
        return {{0, DivByCount(c.b, SumBackward(c.b, c.grad(0), r),
                               ReducedCount(r.self.shape, r.dims))}};
      });

  OpDefiner(r, "mean(Tensor self, *, ScalarType? dtype=None) -> Tensor", OpKind::kReduction)
      .LowerReduction({ReductionLowering::Combine::kSum, true, -1, -1})
      .Infer([](const TypeCall& call) -> absl::StatusOr<std::vector<TensorType>> {
        ASSIGN_OR_RETURN(DType dtype, MeanDType(call.tensor(0).dtype, call.OptDType(1)));
        return One(dtype, {});
      })
      .Kernel(CastReduceKernel(/*dim_arg=*/-1, Mean))
      .Derivative([](DerivativeContext& c) -> Grads {
        TensorType self = c.b.type(c.input(0));
        return {{0, DivByCount(c.b, c.b.Expand(c.grad(0), self.shape), self.NumElements())}};
      });
}

// amax and amin: `better(a, b)` says whether a beats b; NaN beats all.
void DefineExtremum(OpRegistry& r, absl::string_view signature, const char* op,
                    bool (*better)(double, double)) {
  const bool is_max = std::string(op) == "amax";
  OpDefiner(r, signature, OpKind::kReduction)
      .LowerReduction({is_max ? ReductionLowering::Combine::kMax : ReductionLowering::Combine::kMin,
                       false, 1, 2})
      .Infer([op](const TypeCall& call) -> absl::StatusOr<std::vector<TensorType>> {
        const TensorType& self = call.tensor(0);
        ASSIGN_OR_RETURN(std::vector<int64_t> dims, ReducedDims(call.arg(1), self.Rank()));
        RETURN_IF_ERROR(CheckNonEmptyReduction(op, self.shape, dims));
        return One(self.dtype, ReducedShape(self.shape, dims, call.Bool(2)));
      })
      .Kernel([better](const KernelCall& call, const std::vector<TensorType>& results)
                  -> absl::StatusOr<std::vector<HostTensor>> {
        const HostTensor& self = call.tensor(0);
        ASSIGN_OR_RETURN(std::vector<int64_t> dims, ReducedDims(call.arg(1), self.Rank()));
        return std::vector<HostTensor>{
            Reduce(self, dims, results[0], [better](const std::vector<double>& v) {
              double best = v[0];
              for (double x : v) {
                if (std::isnan(x)) return x;
                if (better(x, best)) best = x;
              }
              return best;
            })};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        // The gradient is shared evenly among the elements equal to the
        // extremum.
        Reduced r = ReducedOf(c, c.arg(1), c.arg(2).AsBool());
        GraphBuilder& b = c.b;
        ir::ValueId grad = RestoreReducedDims(b, c.grad(0), r.dims, r.keepdim, r.self.Rank());
        ir::ValueId result = RestoreReducedDims(b, c.output(0), r.dims, r.keepdim, r.self.Rank());
        ir::ValueId mask = b.Op("aten.eq.Tensor", {V::V(result), V::V(c.input(0))});
        ir::ValueId count = b.Op("aten.sum.dim_IntList",
                                 {V::V(mask), Argument::IntList(r.dims), Argument::Bool(true)});
        return {{0, b.Mul(b.Div(grad, count), mask)}};
      });
}

// var's correction: var.correction's (default 1) or var.dim's unbiased.
absl::StatusOr<std::vector<TensorType>> VarType(const TypeCall& call, bool keepdim) {
  const TensorType& self = call.tensor(0);
  if (!ir::IsFloatingPoint(self.dtype)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "var only supports floating point dtypes, got ", ir::DTypeName(self.dtype)));
  }
  ASSIGN_OR_RETURN(std::vector<int64_t> dims, ReducedDims(call.arg(1), self.Rank()));
  return One(self.dtype, ReducedShape(self.shape, dims, keepdim));
}

absl::StatusOr<std::vector<HostTensor>> VarKernel(const KernelCall& call, const TensorType& type,
                                                  int64_t correction) {
  const HostTensor& self = call.tensor(0);
  ASSIGN_OR_RETURN(std::vector<int64_t> dims, ReducedDims(call.arg(1), self.Rank()));
  return std::vector<HostTensor>{
      Reduce(self, dims, type, [correction](const std::vector<double>& v) {
        double mean = Mean(v), squares = 0;
        for (double x : v) squares += (x - mean) * (x - mean);
        return squares / std::max<double>(0, static_cast<double>(v.size()) - correction);
      })};
}

// derivatives.yaml's var_backward: 2 / (N - correction) * grad * (x - mean).
Grads VarBackward(DerivativeContext& c, bool keepdim, int64_t correction) {
  Reduced r = ReducedOf(c, c.arg(1), keepdim);
  GraphBuilder& b = c.b;
  ir::ValueId grad = RestoreReducedDims(b, c.grad(0), r.dims, r.keepdim, r.self.Rank());
  ir::ValueId mean = b.Op("aten.mean.dim", {V::V(c.input(0)), Argument::IntList(r.dims),
                                            Argument::Bool(true)});
  ir::ValueId centered = b.Sub(c.input(0), mean);
  double dof = static_cast<double>(ReducedCount(r.self.shape, r.dims) - correction);
  return {{0, b.MulScalar(b.Mul(grad, centered), 2.0 / dof)}};
}

void DefineVariance(OpRegistry& r) {
  OpDefiner(r,
            "var.correction(Tensor self, int[1]? dim, *, int? correction, "
            "bool keepdim=False) -> Tensor",
            OpKind::kReduction)
      .LowerToKernel("var")
      .Infer([](const TypeCall& call) { return VarType(call, call.Bool(3)); })
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& results) {
        return VarKernel(call, results[0], call.OptInt(2).value_or(1));
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        int64_t correction = c.arg(2).is_none() ? 1 : c.arg(2).AsInt();
        return VarBackward(c, c.arg(3).AsBool(), correction);
      });

  OpDefiner(r,
            "var.dim(Tensor self, int[1]? dim, bool unbiased=True, "
            "bool keepdim=False) -> Tensor",
            OpKind::kReduction)
      .LowerToKernel("var_dim")
      .Infer([](const TypeCall& call) { return VarType(call, call.Bool(3)); })
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& results) {
        return VarKernel(call, results[0], call.Bool(2) ? 1 : 0);
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        return VarBackward(c, c.arg(3).AsBool(), c.arg(2).AsBool() ? 1 : 0);
      });
}

// The gradient of a product over `r.dims`, exact with zeros in the input:
// each element gets the product of the others, which is nonzero only when
// the others hold no zero. With zeros replaced by ones (x1), that product
// is prod(x1) / x1 wherever the others' zero count (the group's count
// minus the element's own) is 0.
ir::ValueId ProdBackward(GraphBuilder& b, ir::ValueId grad, ir::ValueId x, const Reduced& r,
                         bool all_dims) {
  ir::ValueId is_zero = b.Op("aten.eq.Scalar", {V::V(x), Argument::Int(0)});
  ir::ValueId x1 = b.Op("aten.masked_fill.Scalar", {V::V(x), V::V(is_zero), Argument::Int(1)});
  ir::ValueId product, zeros;
  if (all_dims) {
    product = b.Op("aten.prod.default", {V::V(x1)});
    zeros = b.Op("aten.sum.default", {V::V(is_zero)});
  } else {
    product = b.Op("aten.prod.dim_int", {V::V(x1), Argument::Int(r.dims[0]), Argument::Bool(true)});
    zeros = b.Op("aten.sum.dim_IntList",
                 {V::V(is_zero), Argument::IntList(r.dims), Argument::Bool(true)});
  }
  ir::ValueId others_nonzero = b.Op("aten.eq.Tensor", {V::V(zeros), V::V(is_zero)});
  ir::ValueId others = b.Mul(b.Div(product, x1), others_nonzero);
  return b.Mul(RestoreReducedDims(b, grad, r.dims, r.keepdim, r.self.Rank()), others);
}

void DefineProducts(OpRegistry& r) {
  OpDefiner(r, "prod(Tensor self, *, ScalarType? dtype=None) -> Tensor", OpKind::kReduction)
      .LowerToKernel("prod")
      .Infer([](const TypeCall& call) -> absl::StatusOr<std::vector<TensorType>> {
        return One(AccumulatingDType(call.tensor(0).dtype, call.OptDType(1)), {});
      })
      .Kernel(CastReduceKernel(/*dim_arg=*/-1, Product))
      .Derivative([](DerivativeContext& c) -> Grads {
        TensorType self = c.b.type(c.input(0));
        Reduced r{self, {}, /*keepdim=*/true};
        return {{0, ProdBackward(c.b, c.grad(0), c.input(0), r, /*all_dims=*/true)}};
      });

  OpDefiner(r,
            "prod.dim_int(Tensor self, int dim, bool keepdim=False, *, "
            "ScalarType? dtype=None) -> Tensor",
            OpKind::kReduction)
      .LowerToKernel("prod_dim")
      .Infer([](const TypeCall& call) -> absl::StatusOr<std::vector<TensorType>> {
        const TensorType& self = call.tensor(0);
        ASSIGN_OR_RETURN(int64_t dim, NormalizeDim(call.Int(1), self.Rank()));
        return One(AccumulatingDType(self.dtype, call.OptDType(3)),
                   ReducedShape(self.shape, {dim}, call.Bool(2)));
      })
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& results)
                  -> absl::StatusOr<std::vector<HostTensor>> {
        const HostTensor& self = call.tensor(0);
        ASSIGN_OR_RETURN(int64_t dim, NormalizeDim(call.Int(1), self.Rank()));
        return std::vector<HostTensor>{
            Reduce(self.Cast(results[0].dtype), {dim}, results[0], Product)};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        Reduced r = ReducedOf(c, Argument::IntList({c.arg(1).AsInt()}), c.arg(2).AsBool());
        if (r.self.Rank() == 0) {
          Reduced all{r.self, {}, true};
          return {{0, ProdBackward(c.b, c.grad(0), c.input(0), all, /*all_dims=*/true)}};
        }
        return {{0, ProdBackward(c.b, c.grad(0), c.input(0), r, /*all_dims=*/false)}};
      });
}

void DefineArgmax(OpRegistry& r) {
  OpDefiner(r, "argmax(Tensor self, int? dim=None, bool keepdim=False) -> Tensor",
            OpKind::kReduction)
      .LowerToKernel("argmax")
      .Infer([](const TypeCall& call) -> absl::StatusOr<std::vector<TensorType>> {
        const TensorType& self = call.tensor(0);
        std::optional<int64_t> dim = call.OptInt(1);
        bool keepdim = call.Bool(2);
        if (!dim.has_value()) {
          if (self.NumElements() == 0) {
            return absl::InvalidArgumentError(absl::StrCat(
                "argmax(): a dim is needed for an input of shape ", ShapeString(self.shape)));
          }
          return One(DType::kInt64, keepdim ? Dims(self.shape.size(), 1) : Dims{});
        }
        ASSIGN_OR_RETURN(int64_t d, NormalizeDim(*dim, self.Rank()));
        RETURN_IF_ERROR(CheckNonEmptyReduction("argmax", self.shape, {d}));
        return One(DType::kInt64, ReducedShape(self.shape, {d}, keepdim));
      })
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& results)
                  -> absl::StatusOr<std::vector<HostTensor>> {
        const HostTensor& self = call.tensor(0);
        std::vector<int64_t> dims;
        if (call.IsNone(1)) {
          ASSIGN_OR_RETURN(dims, NormalizeDims({}, self.Rank()));
        } else {
          ASSIGN_OR_RETURN(int64_t d, NormalizeDim(call.Int(1), self.Rank()));
          dims = {d};
        }
        // Groups list their values in row-major order, so a value's
        // position in its group is its index along the dim (or in the
        // flattened input). The first maximum wins; NaN is the maximum.
        return std::vector<HostTensor>{
            Reduce(self, dims, results[0], [](const std::vector<double>& v) {
              size_t best = 0;
              for (size_t i = 0; i < v.size(); ++i) {
                if (std::isnan(v[i])) return static_cast<double>(i);
                if (v[i] > v[best]) best = i;
              }
              return static_cast<double>(best);
            })};
      })
      .NonDifferentiable();
}

ir::ValueId Call1(GraphBuilder& b, absl::string_view op, ir::ValueId x) {
  return b.Op(op, {V::V(x)});
}

// `v` with zeros where `mask` holds.
ir::ValueId ZeroWhere(GraphBuilder& b, ir::ValueId v, ir::ValueId mask) {
  return b.Op("aten.masked_fill.Scalar", {V::V(v), V::V(mask), Argument::Int(0)});
}

// The reduced result `v` (of a reduction keeping dims) at the shape it has
// without them, or `v` when keepdim.
ir::ValueId DropReducedDims(GraphBuilder& b, ir::ValueId v, const TensorType& self,
                            const std::vector<int64_t>& dims, bool keepdim) {
  if (keepdim) return v;
  return b.Reshape(v, ReducedShape(self.shape, dims, false));
}

// log(sum(exp(x))) with the maximum taken out first, as ATen computes it.
double LogSumExp(const std::vector<double>& v) {
  double m = -std::numeric_limits<double>::infinity();
  for (double x : v) m = std::isnan(x) || std::isnan(m) ? std::nan("") : std::max(m, x);
  if (std::isinf(m)) m = 0;
  double sum = 0;
  for (double x : v) sum += std::exp(x - m);
  return std::log(sum) + m;
}

// norm's value for order p over one group.
double PNorm(const std::vector<double>& v, double p) {
  double acc = 0;
  if (std::isinf(p)) {
    acc = p > 0 ? 0 : std::numeric_limits<double>::infinity();
    for (double x : v) {
      double a = std::fabs(x);
      if (std::isnan(a)) return a;
      acc = p > 0 ? std::max(acc, a) : std::min(acc, a);
    }
    return acc;
  }
  for (double x : v) {
    if (p == 0) acc += x != 0;
    else if (p == 1) acc += std::fabs(x);
    else if (p == 2) acc += x * x;
    else acc += std::pow(std::fabs(x), p);
  }
  if (p == 0 || p == 1) return acc;
  if (p == 2) return std::sqrt(acc);
  return std::pow(acc, 1 / p);
}

void DefineLogSumExpStdNorm(OpRegistry& r) {
  // Integer inputs give float32.
  OpDefiner(r, "logsumexp(Tensor self, int[1] dim, bool keepdim=False) -> Tensor",
            OpKind::kReduction)
      .Infer([](const TypeCall& call) -> absl::StatusOr<std::vector<TensorType>> {
        const TensorType& self = call.tensor(0);
        ASSIGN_OR_RETURN(std::vector<int64_t> dims, ReducedDims(call.arg(1), self.Rank()));
        return One(ToFloating(self.dtype), ReducedShape(self.shape, dims, call.Bool(2)));
      })
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& results)
                  -> absl::StatusOr<std::vector<HostTensor>> {
        HostTensor self = call.tensor(0).Cast(results[0].dtype);
        ASSIGN_OR_RETURN(std::vector<int64_t> dims, ReducedDims(call.arg(1), self.Rank()));
        return std::vector<HostTensor>{Reduce(self, dims, results[0], LogSumExp)};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        // grad * exp(self - result), the result's reduced dims restored.
        Reduced red = ReducedOf(c, c.arg(1), c.arg(2).AsBool());
        GraphBuilder& b = c.b;
        int64_t rank = red.self.Rank();
        ir::ValueId grad = RestoreReducedDims(b, c.grad(0), red.dims, red.keepdim, rank);
        ir::ValueId result = RestoreReducedDims(b, c.output(0), red.dims, red.keepdim, rank);
        return {{0, b.Mul(grad, Call1(b, "aten.exp.default", b.Sub(c.input(0), result)))}};
      })
      .Decompose([](GraphBuilder& b, const ir::Node& node) -> std::vector<ir::ValueId> {
        TensorType self = b.type(node.args[0].AsValue());
        bool keepdim = node.args[2].AsBool();
        std::vector<int64_t> dims = ReducedDims(node.args[1], self.Rank()).value();
        ir::ValueId x = b.Cast(node.args[0].AsValue(), ToFloating(self.dtype));
        Argument dim_list = Argument::IntList(Dims(dims.begin(), dims.end()));
        auto sum_exp = [&](ir::ValueId v) {
          return b.Op("aten.sum.dim_IntList",
                      {V::V(Call1(b, "aten.exp.default", v)), dim_list, Argument::Bool(keepdim)});
        };
        if (self.NumElements() == 0) return {Call1(b, "aten.log.default", sum_exp(x))};
        // The maximum, 0 where it is infinite.
        ir::ValueId m = b.Op("aten.amax.default", {V::V(x), dim_list, Argument::Bool(true)});
        ir::ValueId infinite = b.Op("aten.eq.Scalar",
                                    {V::V(Call1(b, "aten.abs.default", m)),
                                     Argument::Float(std::numeric_limits<double>::infinity())});
        m = ZeroWhere(b, m, infinite);
        ir::ValueId log_sum = Call1(b, "aten.log.default", sum_exp(b.Sub(x, m)));
        return {b.Add(log_sum, DropReducedDims(b, m, self, dims, keepdim))};
      });

  // sqrt(var): the same arguments and dtypes as var.correction.
  OpDefiner(r,
            "std.correction(Tensor self, int[1]? dim, *, int? correction, "
            "bool keepdim=False) -> Tensor",
            OpKind::kReduction)
      .Infer([](const TypeCall& call) { return VarType(call, call.Bool(3)); })
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& results)
                  -> absl::StatusOr<std::vector<HostTensor>> {
        ASSIGN_OR_RETURN(std::vector<HostTensor> var,
                         VarKernel(call, results[0], call.OptInt(2).value_or(1)));
        for (double& v : var[0].data) v = std::sqrt(v);
        var[0].RoundToDType();
        return var;
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        // std_backward: var_backward(grad / (2 result)), 0 where result is 0.
        GraphBuilder& b = c.b;
        bool keepdim = c.arg(3).AsBool();
        int64_t correction = c.arg(2).is_none() ? 1 : c.arg(2).AsInt();
        Reduced red = ReducedOf(c, c.arg(1), keepdim);
        ir::ValueId result = c.output(0);
        ir::ValueId g = b.Div(c.grad(0), b.MulScalar(result, 2));
        g = ZeroWhere(b, g, b.Op("aten.eq.Scalar", {V::V(result), Argument::Int(0)}));
        g = RestoreReducedDims(b, g, red.dims, keepdim, red.self.Rank());
        ir::ValueId mean = b.Op("aten.mean.dim", {V::V(c.input(0)), Argument::IntList(red.dims),
                                                  Argument::Bool(true)});
        double dof = static_cast<double>(ReducedCount(red.self.shape, red.dims) - correction);
        return {{0, b.MulScalar(b.Mul(g, b.Sub(c.input(0), mean)), 2.0 / dof)}};
      })
      .Decompose([](GraphBuilder& b, const ir::Node& node) -> std::vector<ir::ValueId> {
        std::vector<ir::ValueId> var = b.BoundOp("aten.var.correction", node.args);
        if (var.empty()) return {};
        return {Call1(b, "aten.sqrt.default", var[0])};
      });

  // p-norm over `dim` (every dim for []); p None is 2. Floating only.
  OpDefiner(r, "norm.ScalarOpt_dim(Tensor self, Scalar? p, int[1] dim, bool keepdim=False) -> Tensor",
            OpKind::kReduction)
      .Infer([](const TypeCall& call) -> absl::StatusOr<std::vector<TensorType>> {
        const TensorType& self = call.tensor(0);
        if (!ir::IsFloatingPoint(self.dtype)) {
          return absl::InvalidArgumentError(
              absl::StrCat("norm(): input dtype should be floating point, got ",
                           ir::DTypeName(self.dtype)));
        }
        ASSIGN_OR_RETURN(std::vector<int64_t> dims, ReducedDims(call.arg(2), self.Rank()));
        return One(self.dtype, ReducedShape(self.shape, dims, call.Bool(3)));
      })
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& results)
                  -> absl::StatusOr<std::vector<HostTensor>> {
        const HostTensor& self = call.tensor(0);
        double p = call.IsNone(1) ? 2 : call.Float(1);
        ASSIGN_OR_RETURN(std::vector<int64_t> dims, ReducedDims(call.arg(2), self.Rank()));
        return std::vector<HostTensor>{Reduce(
            self, dims, results[0], [p](const std::vector<double>& v) { return PNorm(v, p); })};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        // derivatives.yaml's norm_backward.
        GraphBuilder& b = c.b;
        double p = c.arg(1).is_none() ? 2 : c.arg(1).AsFloat();
        if (p == 0) return {};
        Reduced red = ReducedOf(c, c.arg(2), c.arg(3).AsBool());
        int64_t rank = red.self.Rank();
        ir::ValueId x = c.input(0);
        ir::ValueId grad = RestoreReducedDims(b, c.grad(0), red.dims, red.keepdim, rank);
        ir::ValueId norm = RestoreReducedDims(b, c.output(0), red.dims, red.keepdim, rank);
        ir::ValueId sgn = Call1(b, "aten.sgn.default", x);
        ir::ValueId abs = Call1(b, "aten.abs.default", x);
        ir::ValueId norm_zero = b.Op("aten.eq.Scalar", {V::V(norm), Argument::Int(0)});
        if (p == 1) return {{0, b.Mul(sgn, grad)}};
        if (p == 2) return {{0, b.Mul(grad, ZeroWhere(b, b.Div(x, norm), norm_zero))}};
        if (std::isinf(p)) {
          ir::ValueId mask = b.Op("aten.eq.Tensor", {V::V(abs), V::V(norm)});
          ir::ValueId count = b.Op("aten.sum.dim_IntList", {V::V(mask), Argument::IntList(red.dims),
                                                            Argument::Bool(true)});
          return {{0, b.Mul(b.Mul(sgn, mask), b.Div(grad, count))}};
        }
        auto pow = [&](ir::ValueId v, double e) {
          return b.Op("aten.pow.Tensor_Scalar", {V::V(v), Argument::Float(e)});
        };
        ir::ValueId scaled, scale = b.Div(grad, pow(norm, p - 1));
        if (p < 1) {
          scaled = b.Mul(sgn, pow(abs, p - 1));
          scaled = ZeroWhere(b, scaled, b.Op("aten.eq.Scalar", {V::V(x), Argument::Int(0)}));
        } else if (p < 2) {
          scaled = b.Mul(sgn, pow(abs, p - 1));
          scale = ZeroWhere(b, scale, norm_zero);
        } else {
          scaled = b.Mul(x, pow(abs, p - 2));
          scale = ZeroWhere(b, scale, norm_zero);
        }
        return {{0, b.Mul(scaled, scale)}};
      })
      .Decompose([](GraphBuilder& b, const ir::Node& node) -> std::vector<ir::ValueId> {
        double p = node.args[1].is_none() ? 2 : node.args[1].AsFloat();
        ir::ValueId x = node.args[0].AsValue();
        const Argument& dim = node.args[2];
        const Argument& keepdim = node.args[3];
        ir::DType dtype = b.type(x).dtype;
        auto sum = [&](ir::ValueId v) {
          return b.Op("aten.sum.dim_IntList", {V::V(v), dim, keepdim},
                      {{"dtype", Argument::DTypeArg(dtype)}});
        };
        ir::ValueId abs = Call1(b, "aten.abs.default", x);
        if (std::isinf(p)) {
          return {b.Op(p > 0 ? "aten.amax.default" : "aten.amin.default", {V::V(abs), dim, keepdim})};
        }
        if (p == 0) return {sum(b.Op("aten.ne.Scalar", {V::V(x), Argument::Int(0)}))};
        if (p == 1) return {sum(abs)};
        if (p == 2) return {Call1(b, "aten.sqrt.default", sum(b.Mul(x, x)))};
        ir::ValueId powered = b.Op("aten.pow.Tensor_Scalar", {V::V(abs), Argument::Float(p)});
        return {b.Op("aten.pow.Tensor_Scalar", {V::V(sum(powered)), Argument::Float(1 / p)})};
      });
}

// max.dim: the first maximum along `dim` (NaN is the maximum) and its index.
void DefineMaxDim(OpRegistry& r) {
  OpDefiner(r,
            "max.dim(Tensor self, int dim, bool keepdim=False) -> (Tensor values, Tensor indices)",
            OpKind::kReduction)
      .Infer([](const TypeCall& call) -> absl::StatusOr<std::vector<TensorType>> {
        const TensorType& self = call.tensor(0);
        ASSIGN_OR_RETURN(int64_t d, NormalizeDim(call.Int(1), self.Rank()));
        RETURN_IF_ERROR(CheckNonEmptyReduction("max", self.shape, {d}));
        Dims shape = ReducedShape(self.shape, {d}, call.Bool(2));
        return std::vector<TensorType>{TensorType::Contiguous(self.dtype, shape),
                                       TensorType::Contiguous(DType::kInt64, shape)};
      })
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& results)
                  -> absl::StatusOr<std::vector<HostTensor>> {
        const HostTensor& self = call.tensor(0);
        ASSIGN_OR_RETURN(int64_t d, NormalizeDim(call.Int(1), self.Rank()));
        auto first_max = [](const std::vector<double>& v) {
          size_t best = 0;
          for (size_t i = 0; i < v.size(); ++i) {
            if (std::isnan(v[i])) return i;
            if (v[i] > v[best]) best = i;
          }
          return best;
        };
        return std::vector<HostTensor>{
            Reduce(self, {d}, results[0],
                   [&](const std::vector<double>& v) { return v[first_max(v)]; }),
            Reduce(self, {d}, results[1], [&](const std::vector<double>& v) {
              return static_cast<double>(first_max(v));
            })};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        // value_selecting_reduction_backward: grad placed at the indices.
        GraphBuilder& b = c.b;
        TensorType self = b.type(c.input(0));
        int64_t rank = self.Rank();
        int64_t d = c.arg(1).AsInt();
        if (d < 0) d += std::max<int64_t>(rank, 1);
        bool keepdim = c.arg(2).AsBool();
        ir::ValueId grad = RestoreReducedDims(b, c.grad(0), {d}, keepdim, rank);
        ir::ValueId index = RestoreReducedDims(b, c.output(1), {d}, keepdim, rank);
        int64_t n = rank == 0 ? 1 : self.shape[d];
        Dims along(std::max<int64_t>(rank, 0), 1);
        if (rank > 0) along[d] = n;
        ir::ValueId positions = b.Reshape(
            b.Op("aten.arange.default", {Argument::Int(n)}, {{"dtype", Argument::DTypeArg(DType::kInt64)}}),
            along);
        ir::ValueId hit = b.Op("aten.eq.Tensor", {V::V(positions), V::V(index)});
        ir::ValueId zero = b.Op("aten.scalar_tensor.default", {Argument::Int(0)},
                                {{"dtype", Argument::DTypeArg(b.type(grad).dtype)}});
        return {{0, b.Op("aten.where.self", {V::V(hit), V::V(grad), V::V(zero)})}};
      })
      .Decompose([](GraphBuilder& b, const ir::Node& node) -> std::vector<ir::ValueId> {
        ir::ValueId x = node.args[0].AsValue();
        return {b.Op("aten.amax.default", {V::V(x), Argument::IntList({node.args[1].AsInt()}),
                                           node.args[2]}),
                b.Op("aten.argmax.default", {V::V(x), node.args[1], node.args[2]})};
      });
}

}  // namespace

absl::Status RegisterReductionOps(OpRegistry& registry) {
  DefineSumAndMean(registry);
  DefineExtremum(registry, "amax(Tensor self, int[1] dim=[], bool keepdim=False) -> Tensor", "amax",
                 [](double a, double b) { return a > b; });
  DefineExtremum(registry, "amin(Tensor self, int[1] dim=[], bool keepdim=False) -> Tensor", "amin",
                 [](double a, double b) { return a < b; });
  DefineVariance(registry);
  DefineProducts(registry);
  DefineArgmax(registry);
  DefineLogSumExpStdNorm(registry);
  DefineMaxDim(registry);
  return absl::OkStatus();
}

}  // namespace aotd::ops::internal
