// The random family's codegen samples (codegen_sample.h).
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "compiler/ops/testing/codegen_sample.h"
#include "compiler/ops/testing/op_check.h"

namespace aotd::ops::testing {

namespace {

// "" if `got` holds only zeros and ones whose mean is p's within five
// standard deviations.
std::string BernoulliStatistic(const HostTensor& got, double p) {
  double sum = 0;
  for (double v : got.data) {
    if (v != 0 && v != 1) return absl::StrCat("drew ", v, ", not 0 or 1");
    sum += v;
  }
  const double n = static_cast<double>(got.NumElements());
  const double mean = sum / n, tolerance = 5 * std::sqrt(p * (1 - p) / n);
  if (std::abs(mean - p) > tolerance) {
    return absl::StrCat("mean ", mean, " for p=", p, " (tolerance ", tolerance, ")");
  }
  return "";
}

}  // namespace

void AddRandomSamples(SampleTable& t) {
  for (double p : {0.0, 0.3, 1.0}) {
    t.Add("aten.bernoulli.p", {Transposed(kF32, {64, 48})}, {X(0), F(p)}, "non-contiguous")
        .Statistic([p](const HostTensor& got) { return BernoulliStatistic(got, p); });
  }
  t.Add("aten.bernoulli.p", {T(kF64, {4096})}, {X(0), F(0.5)}, "float64")
      .Statistic([](const HostTensor& got) { return BernoulliStatistic(got, 0.5); });
  t.Add("aten.bernoulli.p", {T(kI64, {40, 50})}, {X(0), F(0.75)}, "int64")
      .Statistic([](const HostTensor& got) { return BernoulliStatistic(got, 0.75); });
  t.Add("aten.bernoulli.p", {T(kBool, {3000})}, {X(0), F(0.1)}, "bool")
      .Statistic([](const HostTensor& got) { return BernoulliStatistic(got, 0.1); });
}

}  // namespace aotd::ops::testing
