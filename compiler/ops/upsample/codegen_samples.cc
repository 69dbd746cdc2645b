// The upsample family's codegen samples (codegen_sample.h).
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "compiler/ops/testing/codegen_sample.h"
#include "compiler/ops/testing/op_check.h"

namespace aotd::ops::testing {

void AddUpsampleSamples(SampleTable& t) {
  // Nearest upsampling: dims that repeat each row k times, identity dims,
  // and dims read through index_select (fixed shapes).
  auto scales = [](double h, double w) { return List({F(h), F(w)}); };
  t.Add("aten.upsample_nearest2d.vec", {Transposed(kF32, {2, 3, 5, 7})},
        {X(0), None(), scales(2, 2)}, "non-contiguous, scale 2");
  t.Add("aten.upsample_nearest2d.vec", {T(kF32, {2, 3, 5, 7})}, {X(0), None(), scales(1.7, 2.3)},
        "fractional scales");
  t.Add("aten.upsample_nearest2d.vec", {T(kF32, {2, 2, 3, 4})}, {X(0), None(), scales(3, 1.5)},
        "scale 3 and 1.5");
  t.Add("aten.upsample_nearest2d.vec", {T(kF64, {1, 2, 5, 3})}, {X(0), L({3, 7}), None()},
        "float64, output_size, shrinking");
  t.Add("aten.upsample_nearest2d.vec", {T(kU8, {1, 2, 4, 3})}, {X(0), L({8, 3}), None()},
        "uint8, one dim kept")
      .Range(0, 200);
  t.Add("aten.upsample_nearest2d_backward.vec", {Transposed(kF32, {2, 3, 10, 14})},
        {X(0), None(), L({2, 3, 5, 7}), scales(2, 2)}, "non-contiguous, scale 2");
  t.Add("aten.upsample_nearest2d_backward.vec", {T(kF32, {2, 3, 8, 16})},
        {X(0), None(), L({2, 3, 5, 7}), scales(1.7, 2.3)}, "fractional scales");
  t.Add("aten.upsample_nearest2d_backward.vec", {T(kF32, {2, 2, 9, 6})},
        {X(0), None(), L({2, 2, 3, 4}), scales(3, 1.5)}, "scale 3 and 1.5");
  t.Add("aten.upsample_nearest2d_backward.vec", {T(kF64, {1, 2, 3, 7})},
        {X(0), L({3, 7}), L({1, 2, 5, 3}), None()}, "float64, output_size");
  // Bilinear upsampling: align_corners both ways, scales or sizes, growing,
  // shrinking and equal dims.
  t.Add("aten.upsample_bilinear2d.vec", {Transposed(kF32, {2, 3, 5, 7})},
        {X(0), None(), B(false), scales(2, 2)}, "non-contiguous, scale 2");
  t.Add("aten.upsample_bilinear2d.vec", {T(kF32, {2, 3, 5, 7})},
        {X(0), None(), B(false), scales(1.7, 2.3)}, "fractional scales");
  t.Add("aten.upsample_bilinear2d.vec", {T(kF32, {2, 2, 6, 4})},
        {X(0), L({3, 4}), B(true), None()}, "align_corners, shrinking, one dim kept");
  t.Add("aten.upsample_bilinear2d.vec", {T(kF64, {1, 2, 5, 3})},
        {X(0), L({3, 7}), B(false), None()}, "float64, output_size");
  t.Add("aten.upsample_bilinear2d_backward.vec", {Transposed(kF32, {2, 3, 10, 14})},
        {X(0), None(), L({2, 3, 5, 7}), B(false), scales(2, 2)}, "non-contiguous, scale 2");
  t.Add("aten.upsample_bilinear2d_backward.vec", {T(kF32, {2, 3, 8, 16})},
        {X(0), None(), L({2, 3, 5, 7}), B(true), scales(1.7, 2.3)}, "align_corners, scales");
  t.Add("aten.upsample_bilinear2d_backward.vec", {T(kF64, {1, 2, 3, 7})},
        {X(0), L({3, 7}), L({1, 2, 5, 3}), B(false), None()}, "float64, output_size");
}

}  // namespace aotd::ops::testing
