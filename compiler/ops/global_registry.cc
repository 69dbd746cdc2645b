// OpRegistry::Global(): every family's ops.
#include <cstdio>
#include <cstdlib>

#include "compiler/ops/core/registry.h"
#include "compiler/ops/families.h"

namespace aotd::ops {

const OpRegistry& OpRegistry::Global() {
  static const OpRegistry* const registry = [] {
    auto* built = new OpRegistry();
    for (auto* register_ops :
         {&internal::RegisterPointwiseOps, &internal::RegisterReductionOps,
          &internal::RegisterShapeOps, &internal::RegisterCreationOps,
          &internal::RegisterNnOps, &internal::RegisterIndexingOps,
          &internal::RegisterRandomOps}) {
      absl::Status status = register_ops(*built);
      if (!status.ok()) {
        std::fprintf(stderr, "aotd: building the op registry failed: %s\n",
                     status.ToString().c_str());
        std::abort();
      }
    }
    return built;
  }();
  return *registry;
}

}  // namespace aotd::ops
