// Reductions over all or some dimensions.
#include "absl/strings/string_view.h"
#include "compiler/ops/op_categories.h"

namespace aotd::ops::internal {
namespace {

constexpr absl::string_view kReductionSignatures[] = {
    "sum(Tensor self, *, ScalarType? dtype=None) -> Tensor",
    "sum.dim_IntList(Tensor self, int[1]? dim, bool keepdim=False, *, "
    "ScalarType? dtype=None) -> Tensor",
    "mean(Tensor self, *, ScalarType? dtype=None) -> Tensor",
    "mean.dim(Tensor self, int[1]? dim, bool keepdim=False, *, "
    "ScalarType? dtype=None) -> Tensor",
    "amax(Tensor self, int[1] dim=[], bool keepdim=False) -> Tensor",
    "amin(Tensor self, int[1] dim=[], bool keepdim=False) -> Tensor",
    "var.correction(Tensor self, int[1]? dim, *, int? correction, "
    "bool keepdim=False) -> Tensor",
    "var.dim(Tensor self, int[1]? dim, bool unbiased=True, "
    "bool keepdim=False) -> Tensor",
    "prod(Tensor self, *, ScalarType? dtype=None) -> Tensor",
    "prod.dim_int(Tensor self, int dim, bool keepdim=False, *, "
    "ScalarType? dtype=None) -> Tensor",
    "argmax(Tensor self, int? dim=None, bool keepdim=False) -> Tensor",
};

}  // namespace

absl::Status RegisterReductionOps(OpRegistry& registry) {
  return AddSignatures(registry, kReductionSignatures);
}

}  // namespace aotd::ops::internal
