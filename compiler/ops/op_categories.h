// Internal to compiler/ops: the per-category op lists that
// OpRegistry::Global() is built from, one .cc file each.
#ifndef AOTD_COMPILER_OPS_OP_CATEGORIES_H_
#define AOTD_COMPILER_OPS_OP_CATEGORIES_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "compiler/ops/op_def.h"
#include "compiler/ops/registry.h"

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

 private:
  OpRegistry& registry_;
  std::string signature_;
  OpDef def_;
};

// Each adds one category of ops, with the errors of AddSignatures.
absl::Status RegisterPointwiseOps(OpRegistry& registry);  // pointwise.cc
absl::Status RegisterReductionOps(OpRegistry& registry);  // reduction.cc
absl::Status RegisterShapeOps(OpRegistry& registry);      // shape.cc
absl::Status RegisterCreationOps(OpRegistry& registry);   // creation.cc
absl::Status RegisterNnOps(OpRegistry& registry);         // nn.cc
absl::Status RegisterIndexingOps(OpRegistry& registry);   // indexing.cc
absl::Status RegisterRandomOps(OpRegistry& registry);     // random.cc

}  // namespace aotd::ops::internal

#endif  // AOTD_COMPILER_OPS_OP_CATEGORIES_H_
