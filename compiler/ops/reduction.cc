// Reductions over all or some dimensions.
#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "common/status_macros.h"
#include "compiler/ops/builder.h"
#include "compiler/ops/op_categories.h"
#include "compiler/ops/op_util.h"

namespace aotd::ops::internal {
namespace {

using ir::Argument;
using V = GraphBuilder;

std::string Str(const Dims& d) { return absl::StrCat("[", absl::StrJoin(d, ","), "]"); }

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
                                                     Str(shape), ", which has size 0"));
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
  OpDefiner(r, signature, OpKind::kReduction)
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
      .Infer([](const TypeCall& call) -> absl::StatusOr<std::vector<TensorType>> {
        const TensorType& self = call.tensor(0);
        std::optional<int64_t> dim = call.OptInt(1);
        bool keepdim = call.Bool(2);
        if (!dim.has_value()) {
          if (self.NumElements() == 0) {
            return absl::InvalidArgumentError(absl::StrCat(
                "argmax(): a dim is needed for an input of shape ", Str(self.shape)));
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

}  // namespace

absl::Status RegisterReductionOps(OpRegistry& registry) {
  DefineSumAndMean(registry);
  DefineExtremum(registry, "amax(Tensor self, int[1] dim=[], bool keepdim=False) -> Tensor",
                 "amax", [](double a, double b) { return a > b; });
  DefineExtremum(registry, "amin(Tensor self, int[1] dim=[], bool keepdim=False) -> Tensor",
                 "amin", [](double a, double b) { return a < b; });
  DefineVariance(registry);
  DefineProducts(registry);
  DefineArgmax(registry);
  return absl::OkStatus();
}

}  // namespace aotd::ops::internal
