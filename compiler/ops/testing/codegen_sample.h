// The codegen samples of the ops (tests/codegen_ops_test.cc compiles them
// natively and compares with the reference evaluator): OpSample, the table
// they are built in, and one function per op family adding the family's
// samples (compiler/ops/<family>/codegen_samples.cc). Every op but the
// in-place ones needs a sample: one with a non-contiguous tensor where the
// op takes tensors, one that broadcasts where a pointwise op takes several,
// and integer and bool dtypes where the op allows them. Test-only.
#ifndef AOTD_COMPILER_OPS_TESTING_CODEGEN_SAMPLE_H_
#define AOTD_COMPILER_OPS_TESTING_CODEGEN_SAMPLE_H_

#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "compiler/ir/graph.h"
#include "compiler/ops/core/schema.h"
#include "compiler/ops/testing/op_check.h"
#include "compiler/reference/host_tensor.h"

namespace aotd::ops::testing {

inline constexpr DType kI16 = DType::kInt16;
inline constexpr DType kU8 = DType::kUInt8;

// How a sample's integer tensors are drawn (floats are uniform in
// [low, high)).
enum class Ints {
  kIndex,    // [0, high), as RandomInputs draws them (targets, indices).
  kSigned,   // [-high, high).
  kNonzero,  // [-high, high] without 0 (divisors).
};

struct OpSample {
  std::string op;
  Sample sample;
  Ints ints = Ints::kIndex;

  OpSample& Range(double low, double high) {
    sample.low = low;
    sample.high = high;
    return *this;
  }
  OpSample& Integers(Ints how) {
    ints = how;
    return *this;
  }
  OpSample& Kw(ops::Kwargs kwargs) {
    sample.kwargs = std::move(kwargs);
    return *this;
  }
  OpSample& NoGrad(std::vector<int> inputs) {
    sample.no_grad_inputs = std::move(inputs);
    return *this;
  }
  // For a random op: what is wrong with a native result ("" if nothing).
  std::function<std::string(const HostTensor&)> statistic;
  OpSample& Statistic(std::function<std::string(const HostTensor&)> check) {
    statistic = std::move(check);
    return *this;
  }
  std::string Name() const { return absl::StrCat(op, " (", sample.note, ")"); }
};

// Argument helpers samples are written with: a list, a string, a bool[3]
// output mask.
Argument List(std::vector<Argument> items);
Argument Str(const char* s);
Argument Mask(bool a, bool b, bool c);

// The samples, built in order; shapes come from a fixed-seed generator so
// that they vary between ops yet every run checks the same ones.
class SampleTable {
 public:
  OpSample& Add(std::string op, std::vector<TensorType> tensors, std::vector<Argument> args,
                std::string note) {
    OpSample s;
    s.op = std::move(op);
    s.sample.tensors = std::move(tensors);
    s.sample.args = std::move(args);
    s.sample.note = std::move(note);
    samples_.push_back(std::move(s));
    return samples_.back();
  }

  // A random shape of `rank` dims, each in [2, 6].
  Dims Shape(int rank) {
    Dims d;
    for (int i = 0; i < rank; ++i) d.push_back(2 + static_cast<int64_t>(rng_() % 5));
    return d;
  }
  // Another shape that broadcasts to `shape` (whose dims are > 1): some
  // dims made 1, maybe the leading dim dropped.
  Dims Broadcastable(const Dims& shape) {
    Dims d = shape;
    for (int64_t& x : d) {
      if (rng_() % 2 == 0) x = 1;
    }
    if (d.size() > 1 && rng_() % 2 == 0) d.erase(d.begin());
    if (d == shape) d[0] = 1;
    return d;
  }

  std::vector<OpSample> Take() { return std::move(samples_); }

 private:
  std::mt19937 rng_{20240611};
  std::vector<OpSample> samples_;
};

// Each adds its family's samples to `t`; AllCodegenSamples
// (all_codegen_samples.h) calls them all.
void AddMathSamples(SampleTable& t);
void AddActivationSamples(SampleTable& t);
void AddArithmeticSamples(SampleTable& t);
void AddComparisonSamples(SampleTable& t);
void AddConversionSamples(SampleTable& t);
void AddMatmulSamples(SampleTable& t);
void AddConvSamples(SampleTable& t);
void AddPoolSamples(SampleTable& t);
void AddNormSamples(SampleTable& t);
void AddUpsampleSamples(SampleTable& t);
void AddSoftmaxSamples(SampleTable& t);
void AddLossSamples(SampleTable& t);
void AddEmbeddingSamples(SampleTable& t);
void AddViewSamples(SampleTable& t);
void AddShapeSamples(SampleTable& t);
void AddIndexingSamples(SampleTable& t);
void AddReductionSamples(SampleTable& t);
void AddCreationSamples(SampleTable& t);
void AddRandomSamples(SampleTable& t);

}  // namespace aotd::ops::testing

#endif  // AOTD_COMPILER_OPS_TESTING_CODEGEN_SAMPLE_H_
