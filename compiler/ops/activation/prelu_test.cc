// PReLU: inference, kernels and finite-difference gradients.
#include <cmath>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "compiler/ir/graph.h"
#include "compiler/ir/text.h"
#include "compiler/ops/core/builder.h"
#include "compiler/ops/testing/op_check.h"
#include "compiler/passes/autograd.h"
#include "compiler/reference/host_tensor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace aotd::ops::testing {
namespace {

using ::testing::HasSubstr;

// Values from torch.nn.functional.prelu and its backward (PyTorch 1.13).
TEST(NnTest, Prelu) {
  HostTensor x = Values(kF64, {2, 2}, {-2, 3, 1, -4});
  HostTensor w = Values(kF64, {2}, {0.5, 0.25});
  ExpectValues(EvaluateOne("aten.prelu.default", {x, w}, {X(0), X(1)}), {2, 2}, {-1, 3, 1, -1});
  absl::StatusOr<std::vector<HostTensor>> r =
      Evaluate("aten.prelu_backward.default", {Values(kF64, {2, 2}, {1, 2, 3, 4}), x, w},
               {X(0), X(1), X(2)});
  ASSERT_TRUE(r.ok()) << r.status();
  ExpectValues((*r)[0], {2, 2}, {0.5, 2, 3, 1});
  ExpectValues((*r)[1], {2}, {-2, -16});

  absl::StatusOr<std::vector<TensorType>> t =
      Infer("aten.prelu.default", {{Transposed(kF32, {2, 3, 4}), T(kF32, {})}, {X(0), X(1)}});
  ASSERT_TRUE(t.ok()) << t.status();
  ExpectType((*t)[0], kF32, {2, 3, 4});
  t = Infer("aten.prelu_backward.default",
            {{T(kF64, {2, 3, 4}), T(kF64, {2, 3, 4}), T(kF64, {3})}, {X(0), X(1), X(2)}});
  ASSERT_TRUE(t.ok()) << t.status();
  ExpectType((*t)[0], kF64, {2, 3, 4});
  ExpectType((*t)[1], kF64, {3});
  EXPECT_THAT(ErrorOf("aten.prelu.default", {{T(kF32, {2, 3}), T(kF32, {2})}, {X(0), X(1)}}),
              HasSubstr("Mismatch of parameter numbers and input channel size. Found parameter "
                        "numbers = 2 and channel size = 3."));
  EXPECT_THAT(ErrorOf("aten.prelu.default", {{T(kF32, {2, 3}), T(kF32, {3, 1})}, {X(0), X(1)}}),
              HasSubstr("Expected `weight` to be a scalar or 1D tensor, but got: ndim = 2"));
  EXPECT_THAT(ErrorOf("aten.prelu.default", {{T(kI64, {2, 3}), T(kI64, {3})}, {X(0), X(1)}}),
              HasSubstr("must be floating point"));
  EXPECT_THAT(ErrorOf("aten.prelu.default", {{T(kF32, {2, 3}), T(kF64, {3})}, {X(0), X(1)}}),
              HasSubstr("float32 and float64"));
  EXPECT_THAT(ErrorOf("aten.prelu_backward.default",
                      {{T(kF32, {2, 4}), T(kF32, {2, 3}), T(kF32, {3})}, {X(0), X(1), X(2)}}),
              HasSubstr("grad_output of size [2,4] does not match the input's size [2,3]"));

  ExpectGradients({
      {"aten.prelu.default", {{Transposed(kF64, {2, 3, 4}), T(kF64, {3})}, {X(0), X(1)}}},
      {"aten.prelu.default", {{T(kF64, {5}), T(kF64, {1})}, {X(0), X(1)}, {}, -2, 2, "one weight"}},
      {"aten.prelu.default", {{T(kF64, {3, 2}), T(kF64, {})}, {X(0), X(1)}, {}, -2, 2, "0-d"}},
      {"aten.prelu_backward.default",
       {{T(kF64, {2, 3, 2}), Transposed(kF64, {2, 3, 2}), T(kF64, {3})},
        {X(0), X(1), X(2)},
        {},
        -2,
        2,
        "double backward, non-contiguous"}},
      {"aten.prelu_backward.default",
       {{T(kF64, {4, 2}), T(kF64, {4, 2}), T(kF64, {1})}, {X(0), X(1), X(2)}, {}, -2, 2,
        "double backward, one weight"}},
  });
}

}  // namespace
}  // namespace aotd::ops::testing
