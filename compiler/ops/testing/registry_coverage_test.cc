// Every op of OpRegistry::Global() reaches codegen one way: in-place ops are
// rewritten by functionalization and declare no lowering; an op with a
// decomposition is lowered by decomposing it; every other op declares
// exactly one lowering, with what its kind needs, and has a codegen sample
// (tests/codegen_ops_test.cc compiles them).
#include <set>
#include <string>

#include "compiler/ops/core/lowering.h"
#include "compiler/ops/core/op_def.h"
#include "compiler/ops/core/registry.h"
#include "compiler/ops/testing/all_codegen_samples.h"
#include "gtest/gtest.h"

namespace aotd::ops::testing {
namespace {

using Kind = Lowering::Kind;

bool IsDefaultReduction(const ReductionLowering& r) {
  return r.combine == ReductionLowering::Combine::kSum && !r.mean && r.dims_arg == -1 &&
         r.keepdim_arg == -1;
}

bool IsDefaultView(const ViewLowering& v) {
  return !v.offset && !v.aliases && v.copy_kernel.empty();
}

// Whether `lowering` sets nothing but what its kind uses.
bool SetsOnlyItsKind(const Lowering& lowering) {
  const Kind kind = lowering.kind;
  return (kind == Kind::kElementwise) == static_cast<bool>(lowering.element) &&
         (kind == Kind::kKernel || lowering.kernel.empty()) &&
         (kind == Kind::kReduction || IsDefaultReduction(lowering.reduction)) &&
         (kind == Kind::kView || IsDefaultView(lowering.view));
}

TEST(RegistryCoverageTest, EveryOpIsLoweredOnceAndSampled) {
  std::set<std::string> sampled;
  for (const OpSample& s : AllCodegenSamples()) sampled.insert(s.op);
  int in_place = 0, decomposed = 0, lowered = 0;
  for (const OpDef* def : OpRegistry::Global().All()) {
    const std::string& op = def->schema.name;
    SCOPED_TRACE(op);
    const Lowering& lowering = def->lowering;
    if (def->IsInPlace()) {
      ++in_place;
      EXPECT_FALSE(def->decompose) << "an in-place op is rewritten, not decomposed";
      EXPECT_EQ(lowering.kind, Kind::kDecomposition) << "an in-place op declares no lowering";
      EXPECT_TRUE(SetsOnlyItsKind(lowering));
      continue;
    }
    if (def->decompose) {
      ++decomposed;
      EXPECT_EQ(lowering.kind, Kind::kDecomposition) << "an op that decomposes declares no lowering";
      EXPECT_TRUE(SetsOnlyItsKind(lowering));
      continue;
    }
    ++lowered;
    EXPECT_NE(lowering.kind, Kind::kDecomposition) << "neither a lowering nor a decomposition";
    EXPECT_TRUE(SetsOnlyItsKind(lowering)) << "more than one lowering";
    const int args = static_cast<int>(def->schema.args.size());
    switch (lowering.kind) {
      case Kind::kDecomposition:
        break;
      case Kind::kElementwise:
        EXPECT_TRUE(static_cast<bool>(lowering.element));
        break;
      case Kind::kReduction:
        EXPECT_LT(lowering.reduction.dims_arg, args);
        EXPECT_LT(lowering.reduction.keepdim_arg, args);
        break;
      case Kind::kView:
        // A view that may not alias its input names the kernel that copies it.
        if (lowering.view.aliases) {
          EXPECT_FALSE(lowering.view.copy_kernel.empty());
        }
        break;
      case Kind::kKernel:
        EXPECT_FALSE(lowering.kernel.empty());
        break;
    }
    EXPECT_TRUE(sampled.count(op) > 0)
        << "no codegen sample (compiler/ops/<family>/codegen_samples.cc)";
  }
  EXPECT_GT(in_place, 0);
  EXPECT_GT(decomposed, 0);
  EXPECT_GT(lowered, 0);
}

}  // namespace
}  // namespace aotd::ops::testing
