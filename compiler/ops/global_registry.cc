// OpRegistry::Global(): every family's ops (compiler/ops/<family>/).
#include <cstdio>
#include <cstdlib>

#include "compiler/ops/core/registry.h"
#include "compiler/ops/activation/activation.h"
#include "compiler/ops/arithmetic/arithmetic.h"
#include "compiler/ops/comparison/comparison.h"
#include "compiler/ops/conv/conv.h"
#include "compiler/ops/conversion/conversion.h"
#include "compiler/ops/creation/creation.h"
#include "compiler/ops/embedding/embedding.h"
#include "compiler/ops/indexing/indexing.h"
#include "compiler/ops/loss/loss.h"
#include "compiler/ops/math/math.h"
#include "compiler/ops/matmul/matmul.h"
#include "compiler/ops/norm/norm.h"
#include "compiler/ops/pool/pool.h"
#include "compiler/ops/random/random.h"
#include "compiler/ops/reduction/reduction.h"
#include "compiler/ops/shape/shape.h"
#include "compiler/ops/softmax/softmax.h"
#include "compiler/ops/upsample/upsample.h"
#include "compiler/ops/view/view.h"

namespace aotd::ops {

const OpRegistry& OpRegistry::Global() {
  static const OpRegistry* const registry = [] {
    auto* built = new OpRegistry();
    for (auto* register_ops :
         {&internal::RegisterMathOps,
          &internal::RegisterActivationOps,
          &internal::RegisterArithmeticOps,
          &internal::RegisterComparisonOps,
          &internal::RegisterConversionOps,
          &internal::RegisterMatmulOps,
          &internal::RegisterConvOps,
          &internal::RegisterPoolOps,
          &internal::RegisterNormOps,
          &internal::RegisterUpsampleOps,
          &internal::RegisterSoftmaxOps,
          &internal::RegisterLossOps,
          &internal::RegisterEmbeddingOps,
          &internal::RegisterViewOps,
          &internal::RegisterShapeOps,
          &internal::RegisterIndexingOps,
          &internal::RegisterReductionOps,
          &internal::RegisterCreationOps,
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
