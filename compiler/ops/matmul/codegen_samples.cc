// The matmul family's codegen samples (codegen_sample.h).
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "compiler/ops/testing/codegen_sample.h"
#include "compiler/ops/testing/op_check.h"

namespace aotd::ops::testing {

void AddMatmulSamples(SampleTable& t) {
  t.Add("aten.mm.default", {T(kF32, {3, 4}), T(kF32, {4, 5})}, {X(0), X(1)}, "contiguous");
  t.Add("aten.mm.default", {Transposed(kF32, {2, 3}), Transposed(kF32, {3, 4})}, {X(0), X(1)},
        "column-major operands");
  t.Add("aten.addmm.default", {T(kF32, {4}), T(kF32, {2, 3}), Transposed(kF32, {3, 4})},
        {X(0), X(1), X(2)}, "broadcast self, beta, alpha, column-major mat2")
      .Kw({{"beta", F(0.5)}, {"alpha", F(-2)}});
  t.Add("aten.addmm.default", {T(kF32, {2, 1}), Transposed(kF32, {2, 3}), T(kF32, {3, 4})},
        {X(0), X(1), X(2)}, "beta 0")
      .Kw({{"beta", I(0)}});
  t.Add("aten.bmm.default", {T(kF32, {2, 3, 4}), T(kF32, {2, 4, 2})}, {X(0), X(1)}, "contiguous");
  t.Add("aten.bmm.default", {Transposed(kF32, {2, 3, 4}), Transposed(kF32, {2, 4, 2})},
        {X(0), X(1)}, "non-contiguous");
  t.Add("aten.baddbmm.default", {T(kF32, {3, 1}), Transposed(kF32, {2, 3, 4}), T(kF32, {2, 4, 2})},
        {X(0), X(1), X(2)}, "broadcast self, non-contiguous")
      .Kw({{"beta", F(0.5)}, {"alpha", F(2)}});
  t.Add("aten.baddbmm.default", {T(kF32, {2, 3, 2}), T(kF32, {2, 3, 4}), T(kF32, {2, 4, 2})},
        {X(0), X(1), X(2)}, "beta 0")
      .Kw({{"beta", I(0)}});
}

}  // namespace aotd::ops::testing
