// Comparisons, logical ops and selection (where, masked_fill, clamp).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "common/status_macros.h"
#include "compiler/ops/comparison/comparison.h"
#include "compiler/ops/core/builder.h"
#include "compiler/ops/core/elementwise.h"
#include "compiler/ops/core/op_definer.h"
#include "compiler/ops/core/op_util.h"

namespace aotd::ops::internal {
namespace {

using ir::Argument;
using ir::Dims;
using ir::DType;
using ir::TensorType;
using ir::ValueId;
using reference::HostTensor;
using reference::RoundTo;

// masked_fill's result: self's dtype at the broadcast shape of self and
// mask, which must be bool.
Types MaskedFillType(const TypeCall& call) {
  const TensorType& self = call.tensor(0);
  const TensorType& mask = call.tensor(1);
  if (mask.dtype != DType::kBool) {
    return absl::InvalidArgumentError(
        absl::StrCat("masked_fill only supports boolean masks, but got mask with dtype ",
                     ir::DTypeName(mask.dtype)));
  }
  ASSIGN_OR_RETURN(Dims shape, BroadcastShapes(self.shape, mask.shape));
  return One(self.dtype, std::move(shape));
}

// Fills with `value` (cast to the result dtype) where the mask holds.
HostTensor MaskedFill(const KernelCall& call, const TensorType& result, double value) {
  HostTensor x = reference::BroadcastTo(call.tensor(0), result.shape);
  HostTensor mask = reference::BroadcastTo(call.tensor(1), result.shape);
  value = RoundTo(result.dtype, value);
  for (int64_t i = 0; i < x.NumElements(); ++i) {
    if (mask.data[i] != 0) x.data[i] = value;
  }
  return x;
}

// masked_fill's gradient for self: grad with the filled places zeroed.
ValueId MaskedFillSelfGrad(B& b, ValueId grad, ValueId mask) {
  return b.Op("aten.masked_fill.Scalar", {Val(grad), Val(mask), Argument::Int(0)});
}

void DefineSelection(OpRegistry& r) {
  // The condition is bool (uint8 is deprecated but accepted, as in 1.13).
  OpDefiner(r, "where.self(Tensor condition, Tensor self, Tensor other) -> Tensor",
            OpKind::kPointwise)
      .LowerElementwise([](const ElementExpr& e) {
         return absl::StrCat("(", e.as(0, DType::kBool), " ? ", e.x(1), " : ", e.x(2), ")");
       })
      .Infer([](const TypeCall& call) -> Types {
        DType cond = call.tensor(0).dtype;
        if (cond != DType::kBool && cond != DType::kUInt8) {
          return absl::InvalidArgumentError(absl::StrCat(
              "where expected condition to be a boolean tensor, but got a tensor with dtype ",
              ir::DTypeName(cond)));
        }
        ASSIGN_OR_RETURN(Dims shape, BroadcastArgs(call, {0, 1, 2}));
        return One(PromotedType(call, {1, 2}), std::move(shape));
      })
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& results) -> Values {
        DType d = results[0].dtype;
        return std::vector<HostTensor>{MapTernary(
            call.tensor(0), call.tensor(1).Cast(d), call.tensor(2).Cast(d), results[0].shape, d,
            [](double c, double x, double y) { return c != 0 ? x : y; })};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        B& b = c.b;
        ValueId cond = c.input(0), grad = c.grad(0);
        return {{1, KeepWhere(b, cond, grad)}, {2, Where(b, cond, ScalarZero(b, grad), grad)}};
      });

  OpDefiner(r, "masked_fill.Scalar(Tensor self, Tensor mask, Scalar value) -> Tensor",
            OpKind::kPointwise)
      .LowerElementwise([](const ElementExpr& e) {
         return absl::StrCat("(", e.as(1, DType::kBool), " ? ", e.scalar(2), " : ", e.x(0), ")");
       })
      .Infer(MaskedFillType)
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& results) -> Values {
        return std::vector<HostTensor>{MaskedFill(call, results[0], call.Float(2))};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        return {{0, MaskedFillSelfGrad(c.b, c.grad(0), c.input(1))}};
      });

  // The value is a 0-dim tensor; its gradient is the sum of grad where the
  // mask holds.
  OpDefiner(r, "masked_fill.Tensor(Tensor self, Tensor mask, Tensor value) -> Tensor",
            OpKind::kPointwise)
      .LowerElementwise([](const ElementExpr& e) {
         return absl::StrCat("(", e.as(1, DType::kBool), " ? ", e.x(2), " : ", e.x(0), ")");
       })
      .Infer([](const TypeCall& call) -> Types {
        if (call.tensor(2).Rank() != 0) {
          return absl::InvalidArgumentError(absl::StrCat(
              "masked_fill only supports a 0-dimensional value tensor, but got tensor with ",
              call.tensor(2).Rank(), " dimension(s)"));
        }
        return MaskedFillType(call);
      })
      .Kernel([](const KernelCall& call, const std::vector<TensorType>& results) -> Values {
        return std::vector<HostTensor>{MaskedFill(call, results[0], call.tensor(2).data[0])};
      })
      .Derivative([](DerivativeContext& c) -> Grads {
        B& b = c.b;
        ValueId selected = KeepWhere(b, c.input(1), c.grad(0));
        return {{0, MaskedFillSelfGrad(b, c.grad(0), c.input(1))},
                {2, Call1(b, "aten.sum.default", selected)}};
      });
}

void DefineComparisons(OpRegistry& r) {
  struct Comparison {
    const char* name;
    bool (*holds)(double, double);
    const char* cpp;  // The C++ operator.
  };
  static constexpr Comparison kComparisons[] = {
      {"eq", [](double x, double y) { return x == y; }, "=="},
      {"ne", [](double x, double y) { return x != y; }, "!="},
      {"lt", [](double x, double y) { return x < y; }, "<"},
      {"le", [](double x, double y) { return x <= y; }, "<="},
      {"gt", [](double x, double y) { return x > y; }, ">"},
      {"ge", [](double x, double y) { return x >= y; }, ">="},
  };
  for (const Comparison& cmp : kComparisons) {
    auto holds = cmp.holds;
    auto kernel =
        Binary([holds](const KernelCall&, double x, double y) -> double { return holds(x, y); });
    for (const char* other : {"Tensor other", "Scalar other"}) {
      const char* overload = other[0] == 'T' ? "Tensor" : "Scalar";
      const char* cpp = cmp.cpp;
      OpDefiner(r, absl::StrCat(cmp.name, ".", overload, "(Tensor self, ", other, ") -> Tensor"),
                OpKind::kPointwise)
          .LowerElementwise([cpp](const ElementExpr& e) {
            // In the promoted dtype of the two (torch.result_type).
            DType c = e.ComparisonDType();
            return absl::StrCat("(", e.as(0, c), " ", cpp, " ", e.as(1, c), ")");
          })
          .Infer(Elementwise(ResultKind::kBool))
          .Kernel(kernel)
          .NonDifferentiable();
    }
  }

  OpDefiner(r, "logical_and(Tensor self, Tensor other) -> Tensor", OpKind::kPointwise)
      .LowerElementwise([](const ElementExpr& e) {
         return absl::StrCat("(", e.as(0, DType::kBool), " && ", e.as(1, DType::kBool), ")");
       })
      .Infer(Elementwise(ResultKind::kBool))
      .Kernel(
          Binary([](const KernelCall&, double x, double y) -> double { return x != 0 && y != 0; }))
      .NonDifferentiable();

  OpDefiner(r, "logical_or(Tensor self, Tensor other) -> Tensor", OpKind::kPointwise)
      .LowerElementwise([](const ElementExpr& e) {
         return absl::StrCat("(", e.as(0, DType::kBool), " || ", e.as(1, DType::kBool), ")");
       })
      .Infer(Elementwise(ResultKind::kBool))
      .Kernel(
          Binary([](const KernelCall&, double x, double y) -> double { return x != 0 || y != 0; }))
      .NonDifferentiable();
}

}  // namespace

absl::Status RegisterComparisonOps(OpRegistry& registry) {
  DefineSelection(registry);
  DefineComparisons(registry);
  return absl::OkStatus();
}

}  // namespace aotd::ops::internal
