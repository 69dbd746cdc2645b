// For the op families (compiler/ops/<family>/): how they declare their ops
// into the registry OpRegistry::Global() is built from.
#ifndef AOTD_COMPILER_OPS_CORE_OP_DEFINER_H_
#define AOTD_COMPILER_OPS_CORE_OP_DEFINER_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "compiler/ops/core/op_def.h"
#include "compiler/ops/core/registry.h"

namespace aotd::ops::internal {

// Parses each signature and adds the op to `registry`. On failure, the
// status names the signature: INVALID_ARGUMENT if it does not parse,
// ALREADY_EXISTS if its op is already there.
absl::Status AddSignatures(OpRegistry& registry,
                           absl::Span<const absl::string_view> signatures);

// Declares one op fully; it is registered when the statement ends:
//   OpDefiner(registry, "exp(Tensor self) -> Tensor", OpKind::kPointwise)
//       .Infer(...).Kernel(...).Derivative(...);
// A signature that does not parse, or an op defined twice, is a bug in this
// library: the process aborts with a message naming the signature.
class OpDefiner {
 public:
  OpDefiner(OpRegistry& registry, absl::string_view signature, OpKind kind);
  ~OpDefiner();
  OpDefiner(const OpDefiner&) = delete;
  OpDefiner& operator=(const OpDefiner&) = delete;

  OpDefiner& Infer(InferFn f);
  OpDefiner& Kernel(KernelFn f);
  // The derivative formula; marks the op differentiable.
  OpDefiner& Derivative(DerivativeFn f);
  // Gradients stop at this op (comparisons, detach, integer results).
  OpDefiner& NonDifferentiable();
  OpDefiner& Decompose(DecomposeFn f);
  // Its results are random (OpDef::random).
  OpDefiner& Random();

  // How codegen lowers it (compiler/ops/core/lowering.h); at most one per
  // op, and none for an op that decomposes or works in place.
  OpDefiner& LowerElementwise(ElementFn f);
  OpDefiner& LowerReduction(ReductionLowering r);
  OpDefiner& LowerView(ViewLowering v = {});
  OpDefiner& LowerToKernel(std::string kernel);

 private:
  void SetLowering(Lowering::Kind kind);

  OpRegistry& registry_;
  std::string signature_;
  OpDef def_;
};

}  // namespace aotd::ops::internal

#endif  // AOTD_COMPILER_OPS_CORE_OP_DEFINER_H_
