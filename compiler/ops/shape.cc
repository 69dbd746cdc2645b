// Views and other ops that move data without computing: reshapes,
// transposes, slicing, splitting, concatenation, copies of layout.
#include "absl/strings/string_view.h"
#include "compiler/ops/op_categories.h"

namespace aotd::ops::internal {
namespace {

constexpr absl::string_view kShapeSignatures[] = {
    // Views: the result aliases `self` (alias set a).
    "view(Tensor(a) self, SymInt[] size) -> Tensor(a)",
    "reshape(Tensor(a) self, SymInt[] shape) -> Tensor(a)",
    "_reshape_alias(Tensor(a) self, SymInt[] size, SymInt[] stride) "
    "-> Tensor(a)",
    "t(Tensor(a) self) -> Tensor(a)",
    "transpose.int(Tensor(a) self, int dim0, int dim1) -> Tensor(a)",
    "permute(Tensor(a) self, int[] dims) -> Tensor(a)",
    "expand(Tensor(a) self, SymInt[] size, *, bool implicit=False) "
    "-> Tensor(a)",
    "squeeze(Tensor(a) self) -> Tensor(a)",
    "squeeze.dim(Tensor(a) self, int dim) -> Tensor(a)",
    "unsqueeze(Tensor(a) self, int dim) -> Tensor(a)",
    "select.int(Tensor(a) self, int dim, int index) -> Tensor(a)",
    "slice.Tensor(Tensor(a) self, int dim=0, SymInt? start=None, "
    "SymInt? end=None, SymInt step=1) -> Tensor(a)",
    "split.Tensor(Tensor(a -> *) self, SymInt split_size, int dim=0) "
    "-> Tensor(a)[]",
    "split_with_sizes(Tensor(a -> *) self, SymInt[] split_sizes, int dim=0) "
    "-> Tensor(a)[]",
    "detach(Tensor(a) self) -> Tensor(a)",
    "alias(Tensor(a) self) -> Tensor(a)",
    "flatten.using_ints(Tensor(a) self, int start_dim=0, int end_dim=-1) "
    "-> Tensor(a)",
    "as_strided(Tensor(a) self, SymInt[] size, SymInt[] stride, "
    "SymInt? storage_offset=None) -> Tensor(a)",

    // New tensors.
    "_unsafe_view(Tensor self, SymInt[] size) -> Tensor",
    "cat(Tensor[] tensors, int dim=0) -> Tensor",
    "stack(Tensor[] tensors, int dim=0) -> Tensor",
    "clone(Tensor self, *, MemoryFormat? memory_format=None) -> Tensor",
    "tril(Tensor self, int diagonal=0) -> Tensor",
    "triu(Tensor self, int diagonal=0) -> Tensor",
};

}  // namespace

absl::Status RegisterShapeOps(OpRegistry& registry) {
  return AddSignatures(registry, kShapeSignatures);
}

}  // namespace aotd::ops::internal
