// Every op of the registry but the in-place ones, compiled to native code and
// run through the client runtime, matches the reference evaluator: the
// forward outputs (rtol 1e-4, atol 1e-5 for floating dtypes; exact for
// integers and bools) and, for differentiable ops, the compiled backward's
// gradients against the reference evaluation of the joint graph fed the
// same tangents.
//
// A g++ run costs about a second, so samples are not compiled one by one:
// each batch is one forward graph holding many samples, each sample's node
// with its own fresh inputs and all its results graph outputs; half the
// batches use each partitioner. A sample whose code does not generate fails
// before any g++ run. A batch that does not compile, load or run is split in
// halves until the samples at fault are found, so a failure names its op;
// a batch that fails although its halves pass is a failure of its own.
//
// Every op but the in-place ones needs a sample here: one with a
// non-contiguous tensor where the op takes tensors, one that broadcasts
// where a pointwise op takes several, and integer and bool dtypes where the
// op allows them.
//
// Random ops (OpDef::random) draw other values natively than the reference
// does: their samples give a statistic that each native result must pass
// (values and mean of the distribution) in place of the comparison.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "client/loaded_artifact.h"
#include "client/tensor.h"
#include "common/status_macros.h"
#include "compiler/ir/graph.h"
#include "compiler/ops/core/builder.h"
#include "compiler/ops/core/registry.h"
#include "compiler/ops/testing/op_check.h"
#include "compiler/partition/partition.h"
#include "compiler/passes/autograd.h"
#include "compiler/pipeline/compile.h"
#include "compiler/reference/evaluate.h"
#include "compiler/reference/host_tensor.h"
#include "compiler/toolchain/toolchain.h"
#include "gtest/gtest.h"
#include "proto/artifact.pb.h"
#include "tools/conformance.h"

namespace aotd {
namespace {

using ir::Argument;
using ir::Dims;
using ir::DType;
using ir::TensorType;
using ops::testing::B;
using ops::testing::D;
using ops::testing::F;
using ops::testing::I;
using ops::testing::L;
using ops::testing::None;
using ops::testing::Sample;
using ops::testing::T;
using ops::testing::Transposed;
using ops::testing::WithDType;
using ops::testing::WithFormat;
using ops::testing::X;
using reference::HostTensor;

constexpr DType kF32 = DType::kFloat32;
constexpr DType kF64 = DType::kFloat64;
constexpr DType kI64 = DType::kInt64;
constexpr DType kI32 = DType::kInt32;
constexpr DType kI16 = DType::kInt16;
constexpr DType kU8 = DType::kUInt8;
constexpr DType kBool = DType::kBool;

constexpr double kRtol = 1e-4, kAtol = 1e-5;
constexpr int kBatches = 4;  // Graphs compiled; two at a time.

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

Argument List(std::vector<Argument> items) { return Argument::List(std::move(items)); }
Argument Str(const char* s) { return Argument::String(s); }
Argument Mask(bool a, bool b, bool c) { return List({B(a), B(b), B(c)}); }

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

void AddUnaryMath(SampleTable& t) {
  struct Unary {
    const char* op;
    double low, high;
    bool integers;  // Integer inputs are allowed.
    Ints ints;
  };
  const Unary unary[] = {
      {"aten.neg.default", -2, 2, true, Ints::kSigned},
      {"aten.abs.default", -2, 2, true, Ints::kSigned},
      {"aten.sgn.default", -2, 2, true, Ints::kSigned},
      {"aten.exp.default", -2, 2, true, Ints::kSigned},
      {"aten.log.default", 0.1, 3, true, Ints::kIndex},
      {"aten.log1p.default", -0.5, 3, true, Ints::kIndex},
      {"aten.sqrt.default", 0.1, 3, true, Ints::kIndex},
      {"aten.rsqrt.default", 0.2, 3, true, Ints::kIndex},
      {"aten.reciprocal.default", 0.3, 2, true, Ints::kNonzero},
      {"aten.sin.default", -3, 3, true, Ints::kSigned},
      {"aten.cos.default", -3, 3, true, Ints::kSigned},
      {"aten.tanh.default", -2, 2, true, Ints::kSigned},
      {"aten.erf.default", -2, 2, true, Ints::kSigned},
      {"aten.expm1.default", -2, 2, true, Ints::kSigned},
      {"aten.sign.default", -2, 2, true, Ints::kSigned},
      {"aten.lift_fresh_copy.default", -2, 2, true, Ints::kSigned},
      {"aten.sigmoid.default", -3, 3, true, Ints::kSigned},
      {"aten.relu.default", -2, 2, true, Ints::kSigned},
      {"aten.silu.default", -3, 3, false, Ints::kIndex},
      {"aten.gelu.default", -3, 3, false, Ints::kIndex},
      {"aten.elu.default", -2, 2, false, Ints::kIndex},
      {"aten.leaky_relu.default", -2, 2, false, Ints::kIndex},
      {"aten.hardtanh.default", -2, 2, true, Ints::kSigned},
      {"aten.softplus.default", -3, 3, false, Ints::kIndex},
  };
  for (const Unary& u : unary) {
    t.Add(u.op, {T(kF32, t.Shape(3))}, {X(0)}, "float32").Range(u.low, u.high);
    t.Add(u.op, {Transposed(kF32, t.Shape(2))}, {X(0)}, "non-contiguous").Range(u.low, u.high);
    if (u.integers) {
      t.Add(u.op, {T(kI64, t.Shape(1))}, {X(0)}, "int64").Range(u.low, 4).Integers(u.ints);
      t.Add(u.op, {Transposed(kI32, t.Shape(2))}, {X(0)}, "int32, non-contiguous")
          .Range(u.low, 4)
          .Integers(u.ints);
    }
  }
  t.Add("aten.gelu.default", {T(kF32, t.Shape(2))}, {X(0)}, "tanh approximation")
      .Kw({{"approximate", Str("tanh")}})
      .Range(-3, 3);
  t.Add("aten.elu.default", {Transposed(kF32, t.Shape(3))}, {X(0), F(0.5), F(1.5), F(2)},
        "alpha, scale, input_scale");
  t.Add("aten.leaky_relu.default", {T(kF32, t.Shape(2))}, {X(0), F(0.2)}, "slope 0.2");
  t.Add("aten.hardtanh.default", {Transposed(kF32, t.Shape(3))}, {X(0), F(-0.5), F(0.7)}, "bounds");
  t.Add("aten.hardtanh.default", {T(kI64, t.Shape(2))}, {X(0), I(-1), I(2)}, "int64 bounds")
      .Range(-4, 4)
      .Integers(Ints::kSigned);
  t.Add("aten.softplus.default", {T(kF32, t.Shape(2))}, {X(0), F(2), F(1)}, "beta 2, threshold 1");
  t.Add("aten.logical_not.default", {Transposed(kF32, t.Shape(2))}, {X(0)}, "float32").Range(-1, 1);
  t.Add("aten.logical_not.default", {T(kBool, t.Shape(3))}, {X(0)}, "bool");
  t.Add("aten.sign.default", {T(kBool, t.Shape(2))}, {X(0)}, "bool");
  t.Add("aten.bitwise_not.default", {T(kBool, t.Shape(3))}, {X(0)}, "bool");
  t.Add("aten.bitwise_not.default", {Transposed(kI32, t.Shape(2))}, {X(0)}, "int32, non-contiguous")
      .Range(-4, 4)
      .Integers(Ints::kSigned);
  t.Add("aten.bitwise_not.default", {T(kI64, t.Shape(2))}, {X(0)}, "int64")
      .Range(-4, 4)
      .Integers(Ints::kSigned);
  t.Add("aten.bitwise_not.default", {T(kU8, t.Shape(2))}, {X(0)}, "uint8").Range(0, 200);
  t.Add("aten.logical_not.default", {T(kI64, t.Shape(1))}, {X(0)}, "int64")
      .Range(-2, 2)
      .Integers(Ints::kSigned);
}

void AddActivationBackward(SampleTable& t) {
  struct Backward {
    const char* op;
    std::vector<Argument> args;  // X(0) the gradient, X(1) the input.
    const char* note;
  };
  const Backward backward[] = {
      {"aten.threshold_backward.default", {X(0), X(1), F(0.1)}, "threshold 0.1"},
      {"aten.threshold_backward.default", {X(0), X(1), I(0)}, "threshold 0"},
      {"aten.sigmoid_backward.default", {X(0), X(1)}, ""},
      {"aten.tanh_backward.default", {X(0), X(1)}, ""},
      {"aten.silu_backward.default", {X(0), X(1)}, ""},
      {"aten.gelu_backward.default", {X(0), X(1)}, ""},
      {"aten.elu_backward.default", {X(0), F(1), F(1), F(1), B(false), X(1)}, "defaults"},
      {"aten.elu_backward.default",
       {X(0), F(0.5), F(1.5), F(2), B(true), X(1)},
       "is_result, alpha, scale, input_scale"},
      {"aten.elu_backward.default",
       {X(0), F(0.7), F(1.2), F(0.5), B(false), X(1)},
       "alpha, scale, input_scale"},
      {"aten.leaky_relu_backward.default", {X(0), X(1), F(0.2), B(false)}, "slope 0.2"},
      {"aten.hardtanh_backward.default", {X(0), X(1), F(-0.5), F(0.5)}, "bounds"},
      {"aten.softplus_backward.default", {X(0), X(1), F(1), F(20)}, "defaults"},
      {"aten.softplus_backward.default", {X(0), X(1), F(2), F(1)}, "beta 2, threshold 1"},
  };
  for (const Backward& b : backward) {
    Dims shape = t.Shape(3);
    t.Add(b.op, {T(kF32, shape), T(kF32, shape)}, b.args, absl::StrCat("float32 ", b.note));
    Dims matrix = t.Shape(2);
    t.Add(b.op, {T(kF32, t.Broadcastable(matrix)), Transposed(kF32, matrix)}, b.args,
          absl::StrCat("broadcast, non-contiguous ", b.note));
  }
  t.Add("aten.gelu_backward.default", {T(kF32, {3, 4}), Transposed(kF32, {3, 4})}, {X(0), X(1)},
        "tanh approximation")
      .Kw({{"approximate", Str("tanh")}})
      .Range(-3, 3);
}

// Binary ops with a Tensor and a Scalar overload.
void AddArithmetic(SampleTable& t) {
  const char* tensor_ops[] = {"aten.add.Tensor",     "aten.sub.Tensor", "aten.rsub.Tensor",
                              "aten.mul.Tensor",     "aten.div.Tensor", "aten.maximum.default",
                              "aten.minimum.default"};
  for (const char* op : tensor_ops) {
    bool is_div = std::string(op) == "aten.div.Tensor";
    Dims shape = t.Shape(3);
    t.Add(op, {T(kF32, shape), T(kF32, shape)}, {X(0), X(1)}, "float32")
        .Range(is_div ? 0.5 : -2, 2);
    t.Add(op, {T(kF32, t.Broadcastable(shape)), T(kF32, shape)}, {X(0), X(1)}, "broadcast self")
        .Range(is_div ? 0.5 : -2, 2);
    Dims matrix = t.Shape(2);
    t.Add(op, {Transposed(kF32, matrix), T(kF32, t.Broadcastable(matrix))}, {X(0), X(1)},
          "non-contiguous, broadcast other")
        .Range(is_div ? 0.5 : -2, 2);
    Dims v = t.Shape(1);
    t.Add(op, {T(kI64, v), T(kI32, v)}, {X(0), X(1)}, "int64 with int32")
        .Range(-3, 3)
        .Integers(Ints::kNonzero);
    t.Add(op, {T(kI32, t.Shape(2)), T(kF32, {})}, {X(0), X(1)}, "int32 with a 0-dim float32")
        .Range(0.5, 3)
        .Integers(Ints::kSigned);
    t.Add(op, {T(kF32, {}), T(kF64, {})}, {X(0), X(1)}, "0-dim float32 with 0-dim float64")
        .Range(0.5, 3);
  }
  // Wrapped numbers, alpha.
  t.Add("aten.add.Tensor", {T(kF32, t.Shape(2))}, {X(0), F(2.5)}, "number other");
  t.Add("aten.add.Tensor", {T(kF32, {3, 4}), Transposed(kF32, {3, 4})}, {X(0), X(1)}, "alpha")
      .Kw({{"alpha", F(-0.5)}});
  t.Add("aten.add.Tensor", {T(kI64, {5}), T(kI64, {5})}, {X(0), X(1)}, "int64 alpha")
      .Kw({{"alpha", I(3)}})
      .Integers(Ints::kSigned);
  t.Add("aten.add.Tensor", {T(kBool, {6}), T(kBool, {6})}, {X(0), X(1)}, "bool");
  t.Add("aten.sub.Tensor", {T(kF32, {4, 3}), T(kF32, {3})}, {X(0), X(1)}, "alpha")
      .Kw({{"alpha", I(2)}});
  t.Add("aten.rsub.Tensor", {T(kF32, {4, 3}), T(kF32, {3})}, {X(0), X(1)}, "alpha")
      .Kw({{"alpha", F(1.5)}});
  t.Add("aten.mul.Tensor", {T(kBool, {2, 3}), T(kF32, {3})}, {X(0), X(1)}, "bool with float32");
  t.Add("aten.div.Tensor", {T(kI64, {7}), T(kI64, {7})}, {X(0), X(1)}, "int64 true division")
      .Range(-4, 4)
      .Integers(Ints::kNonzero);

  struct Scalar {
    const char* op;
    std::vector<Argument> args;
    const char* note;
  };
  const Scalar scalar[] = {
      {"aten.add.Scalar", {X(0), F(1.5)}, ""},
      {"aten.add.Scalar", {X(0), I(2), I(3)}, "alpha"},
      {"aten.sub.Scalar", {X(0), F(0.25)}, ""},
      {"aten.sub.Scalar", {X(0), I(1), F(0.5)}, "alpha"},
      {"aten.rsub.Scalar", {X(0), I(1)}, ""},
      {"aten.rsub.Scalar", {X(0), F(2), F(-1.5)}, "alpha"},
      {"aten.mul.Scalar", {X(0), F(-1.5)}, ""},
      {"aten.div.Scalar", {X(0), F(0.7)}, ""},
  };
  for (const Scalar& s : scalar) {
    t.Add(s.op, {T(kF32, t.Shape(3))}, s.args, absl::StrCat("float32 ", s.note));
    t.Add(s.op, {Transposed(kF32, t.Shape(2))}, s.args, absl::StrCat("non-contiguous ", s.note));
  }
  t.Add("aten.add.Scalar", {T(kI32, {5})}, {X(0), I(2), I(3)}, "int32").Integers(Ints::kSigned);
  t.Add("aten.sub.Scalar", {T(kI64, {5})}, {X(0), F(0.5)}, "int64 with a float number")
      .Integers(Ints::kSigned);
  t.Add("aten.rsub.Scalar", {T(kI16, {5})}, {X(0), I(7)}, "int16").Integers(Ints::kSigned);
  t.Add("aten.mul.Scalar", {T(kI64, {2, 3})}, {X(0), I(-3)}, "int64").Integers(Ints::kSigned);
  t.Add("aten.div.Scalar", {T(kI32, {2, 3})}, {X(0), I(2)}, "int32").Integers(Ints::kSigned);

  // div with a rounding mode.
  for (const char* mode : {"trunc", "floor"}) {
    Dims shape = t.Shape(2);
    t.Add("aten.div.Tensor_mode", {T(kF32, shape), Transposed(kF32, shape)}, {X(0), X(1)},
          absl::StrCat(mode, ", float32, non-contiguous"))
        .Kw({{"rounding_mode", Str(mode)}})
        .Range(-4, 4);
    t.Add("aten.div.Tensor_mode", {T(kF32, t.Broadcastable(shape)), T(kF32, shape)}, {X(0), X(1)},
          absl::StrCat(mode, ", broadcast"))
        .Kw({{"rounding_mode", Str(mode)}})
        .Range(-4, 4);
    t.Add("aten.div.Tensor_mode", {T(kI64, {12}), T(kI64, {12})}, {X(0), X(1)},
          absl::StrCat(mode, ", int64"))
        .Kw({{"rounding_mode", Str(mode)}})
        .Range(-5, 5)
        .Integers(Ints::kNonzero);
    t.Add("aten.div.Tensor_mode", {T(kI32, {3, 4}), T(kI32, {4})}, {X(0), X(1)},
          absl::StrCat(mode, ", int32 broadcast"))
        .Kw({{"rounding_mode", Str(mode)}})
        .Range(-9, 9)
        .Integers(Ints::kNonzero);
  }
  t.Add("aten.div.Tensor_mode", {T(kF32, {3, 4}), T(kF32, {4})}, {X(0), X(1)}, "true division")
      .Kw({{"rounding_mode", None()}})
      .Range(0.5, 2);
  t.Add("aten.div.Tensor_mode", {T(kI64, {6}), T(kI64, {6})}, {X(0), X(1)}, "int64 true division")
      .Kw({{"rounding_mode", None()}})
      .Integers(Ints::kNonzero);

  // pow.
  t.Add("aten.pow.Tensor_Scalar", {T(kF32, t.Shape(3))}, {X(0), F(2.5)}, "float exponent")
      .Range(0.2, 2);
  t.Add("aten.pow.Tensor_Scalar", {Transposed(kF32, t.Shape(2))}, {X(0), I(3)}, "int exponent");
  t.Add("aten.pow.Tensor_Scalar", {T(kF32, t.Shape(2))}, {X(0), I(2)}, "square");
  t.Add("aten.pow.Tensor_Scalar", {T(kF32, t.Shape(2))}, {X(0), F(-1.5)}, "negative exponent")
      .Range(0.5, 2);
  t.Add("aten.pow.Tensor_Scalar", {T(kI64, {6})}, {X(0), I(3)}, "int64").Integers(Ints::kSigned);
  t.Add("aten.pow.Tensor_Scalar", {T(kI32, {6})}, {X(0), F(0.5)}, "int32 to a float power");
  Dims pshape = t.Shape(3);
  t.Add("aten.pow.Tensor_Tensor", {T(kF32, pshape), T(kF32, pshape)}, {X(0), X(1)}, "float32")
      .Range(0.3, 2);
  Dims pmatrix = t.Shape(2);
  t.Add("aten.pow.Tensor_Tensor", {Transposed(kF32, pmatrix), T(kF32, t.Broadcastable(pmatrix))},
        {X(0), X(1)}, "non-contiguous, broadcast")
      .Range(0.3, 2);
  t.Add("aten.pow.Tensor_Tensor", {T(kI64, {3, 4}), T(kI64, {4})}, {X(0), X(1)},
        "int64, negative exponents")
      .Range(-3, 3)
      .Integers(Ints::kSigned);
  t.Add("aten.pow.Scalar", {T(kF32, t.Shape(2))}, {F(2.0), X(0)}, "float base");
  t.Add("aten.pow.Scalar", {Transposed(kF32, t.Shape(2))}, {F(0.5), X(0)}, "non-contiguous");
  t.Add("aten.pow.Scalar", {T(kI64, {5})}, {I(3), X(0)}, "int64 exponent");
  t.Add("aten.pow.Scalar", {T(kI32, {5})}, {F(1.5), X(0)}, "int32 exponent, float base");
}

void AddComparisonsAndSelection(SampleTable& t) {
  for (const char* name : {"eq", "ne", "lt", "le", "gt", "ge"}) {
    std::string tensor_op = absl::StrCat("aten.", name, ".Tensor");
    std::string scalar_op = absl::StrCat("aten.", name, ".Scalar");
    Dims shape = t.Shape(3);
    t.Add(tensor_op, {T(kF32, shape), T(kF32, t.Broadcastable(shape))}, {X(0), X(1)},
          "float32, broadcast");
    Dims matrix = t.Shape(2);
    t.Add(tensor_op, {Transposed(kI64, matrix), T(kI32, matrix)}, {X(0), X(1)},
          "int64 with int32, non-contiguous")
        .Range(-2, 2)
        .Integers(Ints::kSigned);
    t.Add(tensor_op, {T(kI32, {6}), T(kF32, {})}, {X(0), X(1)}, "int32 with a 0-dim float32")
        .Range(-2, 2)
        .Integers(Ints::kSigned);
    t.Add(tensor_op, {T(kBool, {2, 3}), T(kBool, {3})}, {X(0), X(1)}, "bool");
    t.Add(scalar_op, {T(kF32, t.Shape(2))}, {X(0), F(0.25)}, "float32").Range(-1, 1);
    t.Add(scalar_op, {Transposed(kI64, t.Shape(2))}, {X(0), I(1)}, "int64, non-contiguous")
        .Range(-2, 2)
        .Integers(Ints::kSigned);
    t.Add(scalar_op, {T(kI32, {8})}, {X(0), F(0.5)}, "int32 with a float number")
        .Range(-2, 2)
        .Integers(Ints::kSigned);
    t.Add(scalar_op, {T(kBool, {8})}, {X(0), I(2)}, "bool with the number 2");
    t.Add(scalar_op, {T(kBool, {8})}, {X(0), B(true)}, "bool with True");
  }
  for (const char* op : {"aten.logical_and.default", "aten.logical_or.default"}) {
    Dims shape = t.Shape(3);
    t.Add(op, {T(kBool, shape), T(kBool, t.Broadcastable(shape))}, {X(0), X(1)}, "bool, broadcast");
    Dims matrix = t.Shape(2);
    t.Add(op, {Transposed(kF32, matrix), T(kI64, matrix)}, {X(0), X(1)},
          "float32 with int64, non-contiguous")
        .Range(-1, 1)
        .Integers(Ints::kSigned);
  }

  Dims shape = t.Shape(3);
  t.Add("aten.where.self", {T(kBool, shape), T(kF32, t.Broadcastable(shape)), T(kF32, shape)},
        {X(0), X(1), X(2)}, "float32, broadcast");
  Dims matrix = t.Shape(2);
  t.Add("aten.where.self", {T(kBool, {matrix[1]}), Transposed(kF32, matrix), T(kF64, {})},
        {X(0), X(1), X(2)}, "non-contiguous, 0-dim float64 other");
  t.Add("aten.where.self", {T(kBool, {5}), T(kI64, {5}), T(kI32, {5})}, {X(0), X(1), X(2)},
        "int64 with int32")
      .Integers(Ints::kSigned);
  t.Add("aten.where.self", {T(kU8, {5}), T(kF32, {5}), T(kF32, {5})}, {X(0), X(1), X(2)},
        "uint8 condition");

  t.Add("aten.masked_fill.Scalar", {T(kF32, shape), T(kBool, t.Broadcastable(shape))},
        {X(0), X(1), F(-1.5)}, "float32, broadcast mask");
  t.Add("aten.masked_fill.Scalar", {Transposed(kF32, matrix), T(kBool, matrix)},
        {X(0), X(1), F(-std::numeric_limits<double>::infinity())}, "non-contiguous, -inf");
  t.Add("aten.masked_fill.Scalar", {T(kI64, {2, 5}), T(kBool, {5})}, {X(0), X(1), I(7)}, "int64")
      .Integers(Ints::kSigned);
  t.Add("aten.masked_fill.Tensor", {T(kF32, shape), T(kBool, t.Broadcastable(shape)), T(kF32, {})},
        {X(0), X(1), X(2)}, "float32, broadcast mask");
  t.Add("aten.masked_fill.Tensor", {Transposed(kF32, matrix), T(kBool, matrix), T(kF32, {})},
        {X(0), X(1), X(2)}, "non-contiguous");

  t.Add("aten.clamp.default", {T(kF32, t.Shape(3))}, {X(0), F(-0.5), F(0.5)}, "both bounds");
  t.Add("aten.clamp.default", {Transposed(kF32, t.Shape(2))}, {X(0), None(), F(0.3)},
        "max only, non-contiguous");
  t.Add("aten.clamp.default", {T(kF32, t.Shape(2))}, {X(0), I(0)}, "min only");
  t.Add("aten.clamp.default", {T(kI64, {7})}, {X(0), I(-1), I(2)}, "int64")
      .Range(-4, 4)
      .Integers(Ints::kSigned);
  t.Add("aten.clamp.default", {T(kI32, {7})}, {X(0), F(-0.5), F(1.5)}, "int32 with float bounds")
      .Range(-3, 3)
      .Integers(Ints::kSigned);
  Dims cshape = t.Shape(3);
  t.Add("aten.clamp.Tensor",
        {T(kF32, cshape), T(kF32, t.Broadcastable(cshape)), T(kF32, t.Broadcastable(cshape))},
        {X(0), X(1), X(2)}, "both bounds, broadcast");
  Dims cmatrix = t.Shape(2);
  t.Add("aten.clamp.Tensor", {Transposed(kF32, cmatrix), T(kF32, {cmatrix[1]})},
        {X(0), None(), X(1)}, "max only, non-contiguous");
  t.Add("aten.clamp.Tensor", {T(kF32, cmatrix), Transposed(kF32, cmatrix)}, {X(0), X(1)},
        "min only");
  t.Add("aten.clamp.Tensor", {T(kI64, {6}), T(kI64, {6}), T(kI32, {})}, {X(0), X(1), X(2)}, "int64")
      .Range(-3, 3)
      .Integers(Ints::kSigned);
}

void AddConversionsAndCreation(SampleTable& t) {
  t.Add("aten._to_copy.default", {T(kF32, t.Shape(3))}, {X(0)}, "float32 to float64")
      .Kw(WithDType(kF64));
  t.Add("aten._to_copy.default", {Transposed(kF32, t.Shape(2))}, {X(0)},
        "non-contiguous float32 to int32")
      .Kw(WithDType(kI32))
      .Range(-9, 9);
  t.Add("aten._to_copy.default", {T(kI64, {6})}, {X(0)}, "int64 to float32")
      .Kw(WithDType(kF32))
      .Integers(Ints::kSigned);
  t.Add("aten._to_copy.default", {T(kF32, {6})}, {X(0)}, "float32 to bool")
      .Kw(WithDType(kBool))
      .Range(-1, 1);
  t.Add("aten._to_copy.default", {T(kBool, {6})}, {X(0)}, "bool to float32").Kw(WithDType(kF32));
  t.Add("aten._to_copy.default", {Transposed(kF32, {2, 3})}, {X(0)}, "copy, contiguous_format")
      .Kw(WithFormat("contiguous_format"));
  t.Add("aten._to_copy.default", {T(kF32, {2, 3, 4, 5})}, {X(0)}, "channels_last")
      .Kw(WithFormat("channels_last"));
  t.Add("aten.to.dtype", {T(kF32, t.Shape(2))}, {X(0), D(kF64)}, "float32 to float64");
  t.Add("aten.to.dtype", {Transposed(kF32, t.Shape(2))}, {X(0), D(kF32)},
        "same dtype (self), non-contiguous");
  t.Add("aten.to.dtype", {Transposed(kF32, t.Shape(2))}, {X(0), D(kF32), B(false), B(true)},
        "same dtype, copy");
  t.Add("aten.to.dtype", {T(kF32, {7})}, {X(0), D(kI64)}, "float32 to int64").Range(-9, 9);
  t.Add("aten.to.dtype", {T(kI32, {7})}, {X(0), D(kF32)}, "int32 to float32")
      .Integers(Ints::kSigned);
  t.Add("aten.clone.default", {Transposed(kF32, t.Shape(2))}, {X(0)}, "non-contiguous");
  t.Add("aten.clone.default", {Transposed(kF32, t.Shape(3))}, {X(0)},
        "non-contiguous to contiguous_format")
      .Kw(WithFormat("contiguous_format"));
  t.Add("aten.clone.default", {T(kI64, {4})}, {X(0)}, "int64").Integers(Ints::kSigned);
  t.Add("aten.fill.Scalar", {T(kF32, t.Shape(2))}, {X(0), F(1.5)}, "float32");
  t.Add("aten.fill.Scalar", {Transposed(kI32, t.Shape(2))}, {X(0), I(-3)}, "int32, non-contiguous");

  t.Add("aten.arange.default", {}, {I(7)}, "int64");
  t.Add("aten.arange.default", {}, {F(5.5)}, "float32");
  t.Add("aten.arange.default", {}, {I(6)}, "int end, float64").Kw(WithDType(kF64));
  t.Add("aten.arange.start", {}, {I(-3), I(4)}, "int64");
  t.Add("aten.arange.start", {}, {F(0.5), F(3)}, "float32");
  t.Add("aten.arange.start_step", {}, {I(10), I(-2), I(-3)}, "int64, negative step");
  t.Add("aten.arange.start_step", {}, {F(0), F(1), F(0.1)}, "float32, step 0.1");
  t.Add("aten.arange.start_step", {}, {I(1), I(20), I(4)}, "int32").Kw(WithDType(kI32));

  t.Add("aten.empty.memory_format", {}, {L({2, 3})}, "float32");
  t.Add("aten.empty.memory_format", {}, {L({4})}, "int64").Kw(WithDType(kI64));
  t.Add("aten.zeros.default", {}, {L({3, 4})}, "float32");
  t.Add("aten.zeros.default", {}, {L({5})}, "bool").Kw(WithDType(kBool));
  t.Add("aten.ones.default", {}, {L({2, 3, 2})}, "float32");
  t.Add("aten.ones.default", {}, {L({5})}, "int32").Kw(WithDType(kI32));
  t.Add("aten.full.default", {}, {L({2, 3}), F(1.5)}, "float32");
  t.Add("aten.full.default", {}, {L({4}), I(7)}, "int64");
  t.Add("aten.full.default", {}, {L({4}), B(true)}, "bool");
  t.Add("aten.full.default", {}, {L({3}), F(-2.5)}, "float64").Kw(WithDType(kF64));
  t.Add("aten.scalar_tensor.default", {}, {F(3.5)}, "float32");
  t.Add("aten.scalar_tensor.default", {}, {I(4)}, "int64").Kw(WithDType(kI64));
  for (const char* op :
       {"aten.empty_like.default", "aten.zeros_like.default", "aten.ones_like.default"}) {
    t.Add(op, {Transposed(kF32, t.Shape(2))}, {X(0)}, "non-contiguous");
    t.Add(op, {T(kF32, t.Shape(2))}, {X(0)}, "to int64").Kw(WithDType(kI64));
  }
  t.Add("aten.full_like.default", {Transposed(kF32, t.Shape(2))}, {X(0), F(2.5)}, "non-contiguous");
  t.Add("aten.full_like.default", {T(kI64, t.Shape(1))}, {X(0), I(-4)}, "int64");
  t.Add("aten.new_zeros.default", {Transposed(kF32, {2, 4})}, {X(0), L({2, 3})}, "float32");
  t.Add("aten.new_zeros.default", {T(kI64, {2})}, {X(0), L({4})}, "int64");
  t.Add("aten.new_empty.default", {Transposed(kF32, {3, 3})}, {X(0), L({3, 2})}, "float32");
  t.Add("aten.new_full.default", {Transposed(kF32, {2, 3})}, {X(0), L({3}), F(2.5)}, "float32");
  t.Add("aten.new_full.default", {T(kI32, {2})}, {X(0), L({2, 2}), I(9)}, "int32");
}

void AddShapeOps(SampleTable& t) {
  t.Add("aten.view.default", {T(kF32, {3, 4})}, {X(0), L({-1, 2})}, "contiguous");
  t.Add("aten.view.default", {Transposed(kF32, {4, 3})}, {X(0), L({2, 2, 3})},
        "non-contiguous, split a dim");
  t.Add("aten.view.default", {T(kI64, {2, 3})}, {X(0), L({6})}, "int64").Integers(Ints::kSigned);
  t.Add("aten._unsafe_view.default", {T(kF32, {3, 4})}, {X(0), L({2, 6})}, "contiguous");
  t.Add("aten._unsafe_view.default", {Transposed(kF32, {4, 3})}, {X(0), L({2, 2, 3})},
        "non-contiguous");
  t.Add("aten.reshape.default", {T(kF32, {3, 4})}, {X(0), L({4, 3})}, "a view");
  t.Add("aten.reshape.default", {Transposed(kF32, {3, 4})}, {X(0), L({12})}, "a copy");
  t.Add("aten.reshape.default", {Transposed(kI32, {2, 3, 4})}, {X(0), L({6, 4})}, "int32, a copy")
      .Integers(Ints::kSigned);
  t.Add("aten._reshape_alias.default", {T(kF32, {3, 4})}, {X(0), L({4, 3}), L({3, 1})},
        "contiguous");
  t.Add("aten._reshape_alias.default", {Transposed(kF32, {3, 4})},
        {X(0), L({3, 2, 2}), L({1, 6, 3})}, "non-contiguous");
  t.Add("aten.flatten.using_ints", {T(kF32, {2, 3, 4})}, {X(0)}, "contiguous");
  t.Add("aten.flatten.using_ints", {Transposed(kF32, {2, 3, 4})}, {X(0), I(1), I(2)},
        "non-contiguous, a copy");
  t.Add("aten.flatten.using_ints", {Transposed(kF32, {2, 3, 4})}, {X(0), I(0), I(1)},
        "non-contiguous, a view");
  t.Add("aten.expand.default", {T(kF32, {3, 1, 4})}, {X(0), L({3, 5, -1})}, "size-1 dim");
  t.Add("aten.expand.default", {Transposed(kF32, {2, 3})}, {X(0), L({4, 2, 3})},
        "new dim, non-contiguous");
  t.Add("aten.expand.default", {T(kI64, {3})}, {X(0), L({2, 3})}, "int64").Integers(Ints::kSigned);
  t.Add("aten.unsqueeze.default", {T(kF32, {3, 4})}, {X(0), I(1)}, "middle");
  t.Add("aten.unsqueeze.default", {Transposed(kF32, {3, 4})}, {X(0), I(-1)},
        "last, non-contiguous");
  t.Add("aten.squeeze.default", {T(kF32, {3, 1, 4, 1})}, {X(0)}, "every size-1 dim");
  t.Add("aten.squeeze.default", {Transposed(kF32, {1, 3, 4})}, {X(0)}, "non-contiguous");
  t.Add("aten.squeeze.dim", {T(kF32, {3, 1, 4})}, {X(0), I(1)}, "dim 1");
  t.Add("aten.squeeze.dim", {Transposed(kF32, {2, 1, 3, 4})}, {X(0), I(1)}, "non-contiguous");
  t.Add("aten.t.default", {T(kF32, {3, 4})}, {X(0)}, "matrix");
  t.Add("aten.t.default", {Transposed(kF32, {3, 4})}, {X(0)}, "non-contiguous");
  t.Add("aten.t.default", {T(kF32, {5})}, {X(0)}, "vector");
  t.Add("aten.transpose.int", {T(kF32, {2, 3, 4})}, {X(0), I(0), I(2)}, "outer dims");
  t.Add("aten.transpose.int", {Transposed(kF32, {2, 3, 4})}, {X(0), I(-1), I(0)}, "non-contiguous");
  t.Add("aten.permute.default", {T(kF32, {2, 3, 4})}, {X(0), L({2, 0, 1})}, "rotate");
  t.Add("aten.permute.default", {Transposed(kF32, {2, 3, 4})}, {X(0), L({1, 2, 0})},
        "non-contiguous");
  t.Add("aten.permute.default", {T(kI64, {2, 3})}, {X(0), L({1, 0})}, "int64")
      .Integers(Ints::kSigned);
  t.Add("aten.select.int", {T(kF32, {3, 4, 2})}, {X(0), I(1), I(-1)}, "negative index");
  t.Add("aten.select.int", {Transposed(kF32, {3, 4})}, {X(0), I(0), I(2)}, "non-contiguous");
  t.Add("aten.slice.Tensor", {T(kF32, {3, 7})}, {X(0), I(1), I(1), I(6), I(2)}, "step 2");
  t.Add("aten.slice.Tensor", {Transposed(kF32, {5, 4})}, {X(0), I(0), I(-3)},
        "negative start, no end, non-contiguous");
  t.Add("aten.split.Tensor", {T(kF32, {3, 5})}, {X(0), I(2), I(1)}, "uneven");
  t.Add("aten.split.Tensor", {Transposed(kF32, {4, 3})}, {X(0), I(2)}, "non-contiguous");
  t.Add("aten.split_with_sizes.default", {T(kF32, {4, 3})}, {X(0), L({1, 3})}, "dim 0");
  t.Add("aten.split_with_sizes.default", {Transposed(kF32, {3, 5})}, {X(0), L({2, 2, 1}), I(1)},
        "non-contiguous, dim 1");
  t.Add("aten.detach.default", {Transposed(kF32, {3, 4})}, {X(0)}, "non-contiguous");
  t.Add("aten.alias.default", {T(kF32, {3, 4})}, {X(0)}, "contiguous");
  t.Add("aten.alias.default", {Transposed(kF32, {3, 4})}, {X(0)}, "non-contiguous");
  // as_strided reads the input's storage: contiguous inputs only (the
  // reference evaluator holds values contiguously).
  t.Add("aten.as_strided.default", {T(kF32, {4, 5})}, {X(0), L({3, 3}), L({1, 5}), I(2)},
        "storage offset");
  t.Add("aten.as_strided.default", {T(kF32, {12})}, {X(0), L({2, 2, 3}), L({6, 3, 1})},
        "no offset");

  t.Add("aten.tril.default", {T(kF32, {4, 5})}, {X(0)}, "diagonal 0");
  t.Add("aten.tril.default", {Transposed(kF32, {2, 4, 3})}, {X(0), I(-1)},
        "batched, non-contiguous, diagonal -1");
  t.Add("aten.tril.default", {T(kI64, {3, 3})}, {X(0), I(1)}, "int64").Integers(Ints::kSigned);
  t.Add("aten.triu.default", {T(kF32, {4, 5})}, {X(0), I(1)}, "diagonal 1");
  t.Add("aten.triu.default", {Transposed(kF32, {2, 4, 3})}, {X(0)}, "batched, non-contiguous");
  t.Add("aten.triu.default", {T(kI32, {3, 3})}, {X(0), I(-1)}, "int32").Integers(Ints::kSigned);
  t.Add("aten.cat.default", {T(kF32, {2, 3}), Transposed(kF32, {4, 3})}, {List({X(0), X(1)})},
        "dim 0, non-contiguous");
  t.Add("aten.cat.default", {T(kF32, {2, 1, 2}), T(kF32, {2, 3, 2}), T(kF32, {2, 2, 2})},
        {List({X(0), X(1), X(2)}), I(1)}, "three, dim 1");
  t.Add("aten.cat.default", {T(kI64, {2}), T(kI64, {3})}, {List({X(0), X(1)}), I(-1)}, "int64")
      .Integers(Ints::kSigned);
  t.Add("aten.stack.default", {T(kF32, {3, 4}), Transposed(kF32, {3, 4})},
        {List({X(0), X(1)}), I(1)}, "dim 1, non-contiguous");
  t.Add("aten.stack.default", {T(kF32, {2}), T(kF32, {2}), T(kF32, {2})},
        {List({X(0), X(1), X(2)})}, "three, dim 0");
  t.Add("aten.stack.default", {T(kBool, {3}), T(kBool, {3})}, {List({X(0), X(1)}), I(-1)}, "bool");
}

void AddReductions(SampleTable& t) {
  t.Add("aten.sum.dim_IntList", {T(kF32, t.Shape(3))}, {X(0), L({1})}, "dim 1");
  t.Add("aten.sum.dim_IntList", {Transposed(kF32, t.Shape(3))}, {X(0), L({0, 2}), B(true)},
        "dims 0 and 2, keepdim, non-contiguous");
  t.Add("aten.sum.dim_IntList", {T(kF32, t.Shape(2))}, {X(0), None()}, "every dim");
  t.Add("aten.sum.dim_IntList", {T(kI32, t.Shape(2))}, {X(0), L({0})}, "int32")
      .Integers(Ints::kSigned);
  t.Add("aten.sum.dim_IntList", {T(kF32, t.Shape(2))}, {X(0), L({-1})}, "to float64")
      .Kw({{"dtype", D(kF64)}});
  t.Add("aten.sum.default", {T(kF32, t.Shape(3))}, {X(0)}, "float32");
  t.Add("aten.sum.default", {Transposed(kF32, t.Shape(2))}, {X(0)}, "non-contiguous");
  t.Add("aten.sum.default", {T(kBool, t.Shape(2))}, {X(0)}, "bool");
  t.Add("aten.sum.default", {T(kI64, {7})}, {X(0)}, "int64").Integers(Ints::kSigned);
  t.Add("aten.mean.dim", {T(kF32, t.Shape(3))}, {X(0), L({-1}), B(true)}, "last dim, keepdim");
  t.Add("aten.mean.dim", {Transposed(kF32, t.Shape(3))}, {X(0), L({0, 1})},
        "dims 0 and 1, non-contiguous");
  t.Add("aten.mean.default", {T(kF32, t.Shape(2))}, {X(0)}, "float32");
  t.Add("aten.mean.default", {Transposed(kF32, t.Shape(2))}, {X(0)}, "non-contiguous");
  t.Add("aten.var.correction", {T(kF32, t.Shape(3))}, {X(0), L({1})}, "correction 0, keepdim")
      .Kw({{"correction", I(0)}, {"keepdim", B(true)}});
  t.Add("aten.var.correction", {Transposed(kF32, t.Shape(2))}, {X(0), None()},
        "every dim, default correction, non-contiguous")
      .Kw({{"correction", None()}});
  t.Add("aten.var.correction", {T(kF32, t.Shape(2))}, {X(0), L({0})}, "correction 2")
      .Kw({{"correction", I(2)}});
  t.Add("aten.var.dim", {T(kF32, t.Shape(3))}, {X(0), L({0, 2})}, "unbiased");
  t.Add("aten.var.dim", {Transposed(kF32, t.Shape(2))}, {X(0), L({1}), B(false), B(true)},
        "biased, keepdim, non-contiguous");
  t.Add("aten.prod.default", {T(kF32, t.Shape(2))}, {X(0)}, "float32").Range(0.5, 1.5);
  t.Add("aten.prod.default", {Transposed(kF32, t.Shape(2))}, {X(0)}, "non-contiguous")
      .Range(-1.5, 1.5);
  t.Add("aten.prod.default", {T(kI32, {6})}, {X(0)}, "int32 to int64")
      .Range(-3, 3)
      .Integers(Ints::kNonzero);
  t.Add("aten.prod.dim_int", {T(kF32, t.Shape(3))}, {X(0), I(1)}, "dim 1").Range(0.5, 1.5);
  t.Add("aten.prod.dim_int", {Transposed(kF32, t.Shape(2))}, {X(0), I(0), B(true)},
        "keepdim, non-contiguous")
      .Range(-1.5, 1.5);
  t.Add("aten.prod.dim_int", {T(kI64, {3, 4})}, {X(0), I(-1)}, "int64")
      .Range(-3, 3)
      .Integers(Ints::kSigned);
  t.Add("aten.argmax.default", {T(kF32, t.Shape(3))}, {X(0)}, "flattened");
  t.Add("aten.argmax.default", {Transposed(kF32, t.Shape(2))}, {X(0), I(1), B(true)},
        "dim 1, keepdim, non-contiguous");
  t.Add("aten.argmax.default", {T(kI64, {4, 5})}, {X(0), I(0)}, "int64")
      .Range(-3, 3)
      .Integers(Ints::kSigned);
  for (const char* op : {"aten.amax.default", "aten.amin.default"}) {
    t.Add(op, {T(kF32, t.Shape(3))}, {X(0), L({1})}, "dim 1");
    t.Add(op, {Transposed(kF32, t.Shape(3))}, {X(0), L({0, 2}), B(true)},
          "dims 0 and 2, keepdim, non-contiguous");
    t.Add(op, {T(kF32, t.Shape(2))}, {X(0)}, "every dim");
    t.Add(op, {T(kI64, {4, 5})}, {X(0), L({1})}, "int64").Range(-3, 3).Integers(Ints::kSigned);
    t.Add(op, {T(kI32, {4, 5})}, {X(0)}, "int32, every dim").Range(-3, 3).Integers(Ints::kSigned);
  }
}

void AddNn(SampleTable& t) {
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

  t.Add("aten.convolution.default", {T(kF32, {2, 3, 5, 5}), T(kF32, {4, 3, 3, 3}), T(kF32, {4})},
        {X(0), X(1), X(2), L({1, 1}), L({1, 1}), L({1, 1}), B(false), L({0, 0}), I(1)},
        "2-d, bias, padding");
  t.Add("aten.convolution.default", {T(kF32, {1, 4, 7, 6}), Transposed(kF32, {6, 2, 3, 2})},
        {X(0), X(1), None(), L({2, 1}), L({1, 0}), L({2, 1}), B(false), L({0, 0}), I(2)},
        "stride, padding, dilation, groups, no bias, non-contiguous weight");
  t.Add("aten.convolution.default", {T(kF32, {2, 2, 7}), T(kF32, {3, 2, 3}), T(kF32, {3})},
        {X(0), X(1), X(2), L({2}), L({1}), L({1}), B(false), L({0}), I(1)}, "1-d");
  t.Add("aten.convolution.default", {T(kF32, {1, 1, 3, 3, 3}), T(kF32, {2, 1, 2, 2, 2})},
        {X(0), X(1), None(), L({1}), L({0}), L({1}), B(false), L({0}), I(1)}, "3-d");
  t.Add("aten.convolution_backward.default",
        {T(kF32, {1, 2, 3, 3}), T(kF32, {1, 2, 4, 4}), T(kF32, {2, 1, 2, 2})},
        {X(0), X(1), X(2), L({2}), L({1, 1}), L({0, 0}), L({1, 1}), B(false), L({0, 0}), I(2),
         Mask(true, true, true)},
        "double backward, groups");
  t.Add("aten.convolution_backward.default",
        {Transposed(kF32, {2, 3, 3, 2}), T(kF32, {2, 2, 4, 3}), T(kF32, {3, 2, 2, 2})},
        {X(0), X(1), X(2), None(), L({2, 2}), L({1, 1}), L({1, 1}), B(false), L({0, 0}), I(1),
         Mask(true, false, true)},
        "double backward, stride, padding, mask, non-contiguous");

  t.Add("aten.convolution.default", {T(kF32, {2, 4, 3, 2}), Transposed(kF32, {4, 3, 3, 2}),
                                     T(kF32, {6})},
        {X(0), X(1), X(2), L({2, 3}), L({1, 0}), L({1, 2}), B(true), L({1, 2}), I(2)},
        "transposed: stride, padding, output_padding, dilation, groups, non-contiguous weight");
  t.Add("aten.convolution.default", {Transposed(kF32, {2, 3, 4}), T(kF32, {3, 2, 3})},
        {X(0), X(1), None(), L({1}), L({0}), L({2}), B(true), L({1}), I(1)},
        "transposed 1-d, output_padding below the dilation, non-contiguous input");
  t.Add("aten.convolution.default", {T(kF32, {1, 2, 2, 2, 2}), T(kF32, {2, 1, 2, 2, 2})},
        {X(0), X(1), None(), L({2}), L({1}), L({1}), B(true), L({1}), I(1)}, "transposed 3-d");
  t.Add("aten.convolution_backward.default",
        {T(kF32, {1, 4, 3, 3}), T(kF32, {1, 2, 2, 2}), T(kF32, {2, 2, 2, 2})},
        {X(0), X(1), X(2), L({4}), L({2, 2}), L({1, 1}), L({1, 1}), B(true), L({1, 1}), I(2),
         Mask(true, true, true)},
        "transposed, double backward, groups, output_padding");
  t.Add("aten.convolution_backward.default",
        {Transposed(kF32, {2, 2, 5, 4}), T(kF32, {2, 3, 2, 2}), T(kF32, {3, 2, 3, 2})},
        {X(0), X(1), X(2), None(), L({2, 2}), L({0, 1}), L({1, 2}), B(true), L({0, 1}), I(1),
         Mask(true, false, true)},
        "transposed, double backward, mask, non-contiguous");

  t.Add("aten.max_pool2d_with_indices.default", {T(kF32, {2, 2, 5, 5})},
        {X(0), L({3, 3}), L({2, 2}), L({1, 1}), L({1, 1}), B(true)}, "padding, ceil_mode");
  t.Add("aten.max_pool2d_with_indices.default", {Transposed(kF32, {2, 6, 5})},
        {X(0), L({2, 2}), L({}), L({0, 0}), L({2, 1})}, "3-d, dilation, non-contiguous");
  t.Add("aten.max_pool2d_with_indices_backward.default",
        {T(kF32, {2, 2, 3, 3}), T(kF32, {2, 2, 4, 5}), T(kI64, {2, 2, 3, 3})},
        {X(0), X(1), L({2, 2}), L({}), L({1, 1}), L({1, 1}), B(false), X(2)},
        "double backward (any indices in the plane)")
      .Range(-2, 20);
  t.Add("aten.max_pool2d_with_indices_backward.default",
        {T(kF32, {3, 1, 2}), Transposed(kF32, {3, 3, 5}), T(kI64, {3, 1, 2})},
        {X(0), X(1), L({3, 3}), L({2, 2}), L({0, 0}), L({1, 1}), B(false), X(2)},
        "double backward, 3-d, non-contiguous")
      .Range(-2, 15);
  t.Add("aten.avg_pool2d.default", {T(kF32, {2, 2, 5, 5})},
        {X(0), L({3, 3}), L({2, 2}), L({1, 1}), B(true), B(false)},
        "padding, ceil_mode, count_include_pad=False");
  t.Add("aten.avg_pool2d.default", {Transposed(kF32, {2, 4, 5})},
        {X(0), L({2, 3}), L({1, 2}), L({1, 1}), B(false), B(true), I(5)},
        "divisor_override, non-contiguous");
  t.Add("aten.avg_pool2d_backward.default", {T(kF32, {1, 2, 3, 3}), T(kF32, {1, 2, 5, 5})},
        {X(0), X(1), L({3, 3}), L({2, 2}), L({1, 1}), B(true), B(false), None()},
        "double backward");
  t.Add("aten.avg_pool2d_backward.default", {Transposed(kF32, {2, 5, 3}), T(kF32, {2, 4, 5})},
        {X(0), X(1), L({2, 3}), L({1, 2}), L({1, 1}), B(false), B(true), I(5)},
        "double backward, divisor_override, non-contiguous");
  t.Add("aten._adaptive_avg_pool2d.default", {T(kF32, {2, 2, 5, 7})}, {X(0), L({3, 4})}, "3x4");
  t.Add("aten._adaptive_avg_pool2d.default", {Transposed(kF32, {3, 4, 4})}, {X(0), L({1, 1})},
        "global, non-contiguous");
  t.Add("aten._adaptive_avg_pool2d_backward.default",
        {T(kF32, {2, 2, 3, 4}), T(kF32, {2, 2, 5, 7})}, {X(0), X(1)}, "double backward");
  t.Add("aten._adaptive_avg_pool2d_backward.default",
        {Transposed(kF32, {3, 2, 2}), T(kF32, {3, 5, 4})}, {X(0), X(1)},
        "double backward, non-contiguous");

  t.Add("aten.native_layer_norm.default", {T(kF32, {3, 4, 5}), T(kF32, {4, 5}), T(kF32, {4, 5})},
        {X(0), L({4, 5}), X(1), X(2), F(1e-5)}, "affine, two normalized dims");
  t.Add("aten.native_layer_norm.default", {Transposed(kF32, {3, 4})},
        {X(0), L({4}), None(), None(), F(1e-3)}, "no affine, non-contiguous");
  t.Add("aten.native_layer_norm_backward.default",
        {T(kF32, {3, 4}), T(kF32, {3, 4}), T(kF32, {3, 1}), T(kF32, {3, 1}), T(kF32, {4}),
         T(kF32, {4})},
        {X(0), X(1), L({4}), X(2), X(3), X(4), X(5), Mask(true, true, true)}, "affine")
      .Range(0.5, 2);
  t.Add("aten.native_layer_norm_backward.default",
        {Transposed(kF32, {2, 5}), T(kF32, {2, 5}), T(kF32, {2, 1}), T(kF32, {2, 1})},
        {X(0), X(1), L({5}), X(2), X(3), None(), None(), Mask(true, false, false)},
        "no affine, non-contiguous")
      .Range(0.5, 2);
  t.Add("aten.native_batch_norm.default",
        {T(kF32, {4, 3, 2, 2}), T(kF32, {3}), T(kF32, {3}), T(kF32, {3}), T(kF32, {3})},
        {X(0), X(1), X(2), X(3), X(4), B(true), F(0.1), F(1e-5)}, "training")
      .Range(0.5, 2)
      .NoGrad({3, 4});
  t.Add("aten.native_batch_norm.default", {Transposed(kF32, {5, 2})},
        {X(0), None(), None(), None(), None(), B(true), F(0.1), F(1e-5)},
        "training, no affine, no running stats, non-contiguous");
  t.Add("aten.native_batch_norm.default",
        {T(kF32, {4, 3, 5}), T(kF32, {3}), T(kF32, {3}), T(kF32, {3}), T(kF32, {3})},
        {X(0), X(1), X(2), X(3), X(4), B(false), F(0.1), F(1e-5)}, "eval")
      .Range(0.5, 2)
      .NoGrad({3, 4});
  t.Add("aten.native_batch_norm_backward.default",
        {T(kF32, {4, 3, 2}), T(kF32, {4, 3, 2}), T(kF32, {3}), T(kF32, {3}), T(kF32, {3}),
         T(kF32, {3}), T(kF32, {3})},
        {X(0), X(1), X(2), X(3), X(4), X(5), X(6), B(true), F(1e-5), Mask(true, true, true)},
        "training")
      .Range(0.5, 2);
  t.Add(
       "aten.native_batch_norm_backward.default",
       {Transposed(kF32, {3, 4}), T(kF32, {3, 4}), T(kF32, {4}), T(kF32, {4})},
       {X(0), X(1), None(), X(2), X(3), None(), None(), B(false), F(1e-3), Mask(true, true, false)},
       "eval, non-contiguous")
      .Range(0.5, 2);

  t.Add("aten._softmax.default", {T(kF32, {3, 4})}, {X(0), I(-1), B(false)}, "last dim");
  t.Add("aten._softmax.default", {Transposed(kF32, {2, 3, 4})}, {X(0), I(1), B(false)},
        "dim 1, non-contiguous");
  t.Add("aten._log_softmax.default", {T(kF32, {3, 4})}, {X(0), I(1), B(false)}, "last dim");
  t.Add("aten._log_softmax.default", {Transposed(kF32, {2, 3, 4})}, {X(0), I(-3), B(false)},
        "dim -3, non-contiguous");
  t.Add("aten._softmax_backward_data.default", {T(kF32, {3, 4}), T(kF32, {3, 4})},
        {X(0), X(1), I(-1), D(kF32)}, "double backward");
  t.Add("aten._softmax_backward_data.default", {Transposed(kF32, {3, 4}), T(kF32, {3, 4})},
        {X(0), X(1), I(0), D(kF32)}, "double backward, dim 0, non-contiguous");
  t.Add("aten._log_softmax_backward_data.default", {T(kF32, {3, 4}), Transposed(kF32, {3, 4})},
        {X(0), X(1), I(0), D(kF32)}, "double backward, non-contiguous");
  t.Add("aten._log_softmax_backward_data.default", {T(kF32, {2, 5}), T(kF32, {2, 5})},
        {X(0), X(1), I(1), D(kF32)}, "double backward, dim 1");

  // Targets and indices are drawn from [0, high).
  t.Add("aten.nll_loss_forward.default", {T(kF32, {5, 4}), T(kI64, {5}), T(kF32, {4})},
        {X(0), X(1), X(2), I(1), I(1)}, "mean, weight, ignore_index")
      .Range(-2, 4)
      .NoGrad({2});
  t.Add("aten.nll_loss_forward.default", {Transposed(kF32, {5, 4}), T(kI64, {5})},
        {X(0), X(1), None(), I(0), I(-100)}, "none, non-contiguous")
      .Range(-2, 4);
  t.Add("aten.nll_loss_forward.default", {T(kF32, {4}), T(kI64, {})},
        {X(0), X(1), None(), I(2), I(-100)}, "1-d, sum")
      .Range(-2, 4);
  t.Add("aten.nll_loss_forward.default", {T(kF32, {6, 3}), T(kI64, {6}), T(kF32, {3})},
        {X(0), X(1), X(2), I(2), I(-100)}, "sum, weight")
      .Range(-2, 3)
      .NoGrad({2});
  t.Add("aten.nll_loss_backward.default",
        {T(kF32, {}), T(kF32, {5, 4}), T(kI64, {5}), T(kF32, {4}), T(kF32, {})},
        {X(0), X(1), X(2), X(3), I(1), I(1), X(4)}, "mean, weight, any total_weight")
      .Range(1, 4)
      .NoGrad({3, 4});
  t.Add("aten.nll_loss_backward.default",
        {T(kF32, {5}), Transposed(kF32, {5, 4}), T(kI64, {5}), T(kF32, {})},
        {X(0), X(1), X(2), None(), I(0), I(-100), X(3)}, "none, non-contiguous")
      .Range(-2, 4)
      .NoGrad({3});
  t.Add("aten.mse_loss.default", {T(kF32, {3, 4}), T(kF32, {3, 4})}, {X(0), X(1)}, "mean");
  t.Add("aten.mse_loss.default", {Transposed(kF32, {3, 4}), T(kF32, {1, 4})}, {X(0), X(1), I(0)},
        "none, broadcast, non-contiguous");
  t.Add("aten.mse_loss.default", {T(kF32, {2}), T(kF32, {3, 2})}, {X(0), X(1), I(2)},
        "sum, broadcast self");
  t.Add("aten.mse_loss_backward.default", {T(kF32, {}), T(kF32, {3, 4}), T(kF32, {3, 4})},
        {X(0), X(1), X(2), I(1)}, "double backward, mean");
  t.Add("aten.mse_loss_backward.default", {T(kF32, {3, 4}), Transposed(kF32, {3, 4}), T(kF32, {4})},
        {X(0), X(1), X(2), I(0)}, "double backward, none, broadcast, non-contiguous");
  t.Add("aten.smooth_l1_loss.default", {T(kF32, {3, 4}), T(kF32, {3, 4})},
        {X(0), X(1), I(1), F(0.5)}, "beta 0.5");
  t.Add("aten.smooth_l1_loss.default", {Transposed(kF32, {3, 4}), T(kF32, {4})}, {X(0), X(1), I(0)},
        "none, broadcast, non-contiguous");
  t.Add("aten.smooth_l1_loss.default", {T(kF32, {5}), T(kF32, {5})}, {X(0), X(1), I(2), F(0)},
        "beta 0, sum");
  t.Add("aten.smooth_l1_loss_backward.default", {T(kF32, {}), T(kF32, {3, 4}), T(kF32, {3, 4})},
        {X(0), X(1), X(2), I(1), F(0.7)}, "double backward, mean");
  t.Add("aten.smooth_l1_loss_backward.default",
        {T(kF32, {3, 4}), Transposed(kF32, {3, 4}), T(kF32, {3, 4})},
        {X(0), X(1), X(2), I(0), F(1.5)}, "double backward, none, non-contiguous");
  t.Add("aten.embedding.default", {T(kF32, {5, 3}), T(kI64, {2, 4})}, {X(0), X(1)},
        "repeated indices")
      .Range(-2, 5);
  t.Add("aten.embedding.default", {Transposed(kF32, {5, 3}), T(kI32, {6})}, {X(0), X(1)},
        "non-contiguous, int32 indices")
      .Range(-2, 5);
  t.Add("aten.embedding_dense_backward.default", {T(kF32, {2, 4, 3}), T(kI64, {2, 4})},
        {X(0), X(1), I(5), I(-1), B(false)}, "double backward")
      .Range(-2, 5);
  t.Add("aten.embedding_dense_backward.default", {Transposed(kF32, {8, 3}), T(kI64, {2, 4})},
        {X(0), X(1), I(5), I(2), B(true)},
        "double backward, padding_idx, scale_grad_by_freq, non-contiguous")
      .Range(-2, 5);
  // Group norm (fixed shapes, which leave the table's shape stream as it was).
  t.Add("aten.native_group_norm.default",
        {Transposed(kF32, {2, 6, 3, 4}), T(kF32, {6}), T(kF32, {6})},
        {X(0), X(1), X(2), I(2), I(6), I(12), I(3), F(1e-5)}, "affine, non-contiguous");
  t.Add("aten.native_group_norm.default", {T(kF64, {3, 4})},
        {X(0), None(), None(), I(3), I(4), I(1), I(2), F(1e-3)}, "float64, no affine, HxW=1");
  t.Add("aten.native_group_norm_backward.default",
        {T(kF32, {2, 6, 3, 4}), Transposed(kF32, {2, 6, 3, 4}), T(kF32, {2, 3}), T(kF32, {2, 3}),
         T(kF32, {6})},
        {X(0), X(1), X(2), X(3), X(4), I(2), I(6), I(12), I(3), Mask(true, true, true)},
        "weight, non-contiguous input")
      .Range(0.5, 2);
  t.Add("aten.native_group_norm_backward.default",
        {Transposed(kF64, {4, 2, 5}), T(kF64, {4, 2, 5}), T(kF64, {4, 1}), T(kF64, {4, 1})},
        {X(0), X(1), X(2), X(3), None(), I(4), I(2), I(5), I(1), Mask(true, false, true)},
        "float64, no weight, masked")
      .Range(0.5, 2);
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

// Indexing ops; indices drawn in [0, high) lie within the indexed dims.
void AddIndexing(SampleTable& t) {
  t.Add("aten.gather.default", {T(kF32, {4, 5}), T(kI64, {3, 6})}, {X(0), I(1), X(1)},
        "repeated indices")
      .Range(-2, 4);
  t.Add("aten.gather.default", {Transposed(kF32, {4, 5}), T(kI64, {2, 5})}, {X(0), I(-2), X(1)},
        "non-contiguous, negative dim")
      .Range(-2, 4);
  t.Add("aten.gather.default", {T(kI64, {3, 4}), T(kI64, {3, 4})}, {X(0), I(0), X(1)}, "int64")
      .Range(0, 3);
  t.Add("aten.scatter_add.default", {T(kF32, {4, 5}), T(kI64, {3, 3}), Transposed(kF32, {3, 4})},
        {X(0), I(0), X(1), X(2)}, "non-contiguous src")
      .Range(-2, 4);
  t.Add("aten.scatter_add.default", {T(kI32, {4, 5}), T(kI64, {2, 5}), T(kI32, {2, 5})},
        {X(0), I(-1), X(1), X(2)}, "int32, negative dim")
      .Range(0, 5);
  t.Add("aten.scatter.src", {Transposed(kF32, {4, 5}), T(kI64, {3, 1}), T(kF32, {3, 4})},
        {X(0), I(-1), X(1), X(2)}, "non-contiguous, negative dim")
      .Range(-2, 5);
  t.Add("aten.scatter.value", {Transposed(kF32, {4, 5}), T(kI64, {3, 3})},
        {X(0), I(1), X(1), F(2.5)}, "non-contiguous")
      .Range(-2, 5);
  t.Add("aten.scatter.value", {T(kI64, {6}), T(kI64, {2})}, {X(0), I(0), X(1), I(-3)}, "int64")
      .Range(0, 6);
  t.Add("aten.index_select.default", {T(kF32, {4, 5}), T(kI64, {6})}, {X(0), I(0), X(1)},
        "repeated indices")
      .Range(-2, 4);
  t.Add("aten.index_select.default", {Transposed(kF32, {3, 4, 5}), T(kI32, {3})},
        {X(0), I(-2), X(1)}, "non-contiguous, int32, negative dim")
      .Range(-2, 4);
  t.Add("aten.index_select.default", {T(kBool, {5, 3}), T(kI64, {})}, {X(0), I(1), X(1)},
        "bool, 0-d index")
      .Range(0, 3);
  t.Add("aten.index_add.default", {T(kF32, {4, 5}), T(kI64, {6}), Transposed(kF32, {4, 6})},
        {X(0), I(1), X(1), X(2)}, "alpha, non-contiguous source")
      .Kw({{"alpha", F(-1.5)}})
      .Range(-2, 5);
  t.Add("aten.index_add.default", {T(kI64, {5, 3}), T(kI32, {4}), T(kI64, {4, 3})},
        {X(0), I(0), X(1), X(2)}, "int64, int32 index")
      .Range(0, 5);
  t.Add("aten.index_copy.default", {Transposed(kF32, {5, 3}), T(kI64, {1}), T(kF32, {1, 3})},
        {X(0), I(0), X(1), X(2)}, "non-contiguous")
      .Range(-2, 5);
  t.Add("aten.cumsum.default", {Transposed(kF32, {4, 5})}, {X(0), I(1)}, "non-contiguous");
  t.Add("aten.cumsum.default", {T(kI32, {3, 4, 2})}, {X(0), I(-3)}, "int32 to int64")
      .Integers(Ints::kSigned);
  t.Add("aten.cumsum.default", {T(kF32, {6})}, {X(0), I(0)}, "float32 to float64")
      .Kw(WithDType(kF64));
  t.Add("aten.flip.default", {Transposed(kF32, {3, 4, 5})}, {X(0), L({0, -1})},
        "non-contiguous");
  t.Add("aten.flip.default", {T(kI64, {4})}, {X(0), L({0})}, "int64");
  t.Add("aten.topk.default", {Transposed(kF32, {4, 6})}, {X(0), I(3)}, "non-contiguous");
  t.Add("aten.topk.default", {T(kF64, {5, 3})}, {X(0), I(2), I(0), B(false)}, "smallest, dim 0");
  t.Add("aten.topk.default", {T(kI64, {3, 8})}, {X(0), I(8), I(-1), B(true), B(false)}, "int64")
      .Range(0, 100);
  t.Add("aten.index.Tensor", {T(kF32, {4, 5}), T(kI64, {2, 3})}, {X(0), List({X(1)})},
        "first dim, negative indices")
      .Integers(Ints::kSigned)
      .Range(-2, 4);
  t.Add("aten.index.Tensor", {Transposed(kF32, {3, 4, 5}), T(kI64, {2, 1}), T(kI32, {3})},
        {X(0), List({None(), X(1), X(2)})}, "adjacent, broadcast, non-contiguous")
      .Range(-2, 4);
  t.Add("aten.index.Tensor", {T(kI64, {3, 4, 5}), T(kI64, {2}), T(kI64, {2})},
        {X(0), List({X(1), None(), X(2)})}, "non-adjacent, int64")
      .Range(0, 3);
  t.Add("aten.index_put.default", {T(kF32, {4, 5}), T(kI64, {3}), T(kF32, {5})},
        {X(0), List({X(1)}), X(2), B(true)}, "accumulate, broadcast values")
      .Range(-2, 4);
  t.Add("aten.index_put.default",
        {Transposed(kF32, {3, 4, 5}), T(kI64, {2}), T(kI64, {2}), T(kF32, {2, 4})},
        {X(0), List({X(1), None(), X(2)}), X(3), B(true)}, "non-adjacent, non-contiguous")
      .Integers(Ints::kSigned)
      .Range(-2, 3);
  t.Add("aten.index_put.default", {T(kF32, {4, 5}), T(kI32, {1}), T(kF32, {1, 5})},
        {X(0), List({X(1)}), X(2)}, "overwrite, int32")
      .Range(-2, 4);
  t.Add("aten.index_put.default", {T(kF32, {2, 3, 4}), T(kBool, {3, 4}), T(kF32, {2, 1})},
        {X(0), List({None(), X(1)}), X(2)}, "mask");
  t.Add("aten.index_put.default", {T(kI64, {3, 4}), T(kU8, {3, 4}), T(kI64, {})},
        {X(0), List({X(1)}), X(2), B(true)}, "uint8 mask, accumulate, int64")
      .Range(0, 2);
}

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

// Random ops, checked by the statistics of their results.
void AddRandom(SampleTable& t) {
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

// Ops that decompose into others, and their backward ops.
void AddComposedOps(SampleTable& t) {
  t.Add("aten.hardswish.default", {Transposed(kF32, t.Shape(2))}, {X(0)}, "non-contiguous")
      .Range(-5, 5);
  t.Add("aten.hardswish.default", {T(kF64, t.Shape(3))}, {X(0)}, "float64").Range(-5, 5);
  Dims m = t.Shape(2);
  t.Add("aten.hardswish_backward.default", {T(kF32, t.Broadcastable(m)), Transposed(kF32, m)},
        {X(0), X(1)}, "broadcast, non-contiguous")
      .Range(-5, 5);
  t.Add("aten.mish.default", {Transposed(kF32, t.Shape(2))}, {X(0)}, "non-contiguous").Range(-4, 4);
  t.Add("aten.log_sigmoid_forward.default", {Transposed(kF32, t.Shape(2))}, {X(0)},
        "non-contiguous")
      .Range(-4, 4);
  m = t.Shape(2);
  t.Add("aten.log_sigmoid_backward.default",
        {T(kF32, t.Broadcastable(m)), Transposed(kF32, m), T(kF32, m)}, {X(0), X(1), X(2)},
        "broadcast, non-contiguous")
      .Range(0.1, 2)
      .NoGrad({2});
  t.Add("aten.logsumexp.default", {Transposed(kF32, {4, 5})}, {X(0), L({1})}, "non-contiguous");
  t.Add("aten.logsumexp.default", {T(kF32, {2, 3, 4})}, {X(0), L({0, 2}), B(true)}, "keepdim");
  t.Add("aten.logsumexp.default", {T(kI64, {3, 4})}, {X(0), L({0})}, "int64").Range(0, 4);
  t.Add("aten.std.correction", {Transposed(kF32, {4, 5})}, {X(0), L({1})}, "non-contiguous")
      .Kw({{"correction", I(1)}});
  t.Add("aten.std.correction", {T(kF64, {3, 4})}, {X(0), None()}, "all dims, correction 0")
      .Kw({{"correction", I(0)}, {"keepdim", B(true)}});
  t.Add("aten.norm.ScalarOpt_dim", {Transposed(kF32, {4, 5})}, {X(0), F(2), L({1})},
        "p 2, non-contiguous");
  t.Add("aten.norm.ScalarOpt_dim", {T(kF32, {3, 4})}, {X(0), None(), L({})}, "all dims");
  t.Add("aten.norm.ScalarOpt_dim", {T(kF64, {3, 4})}, {X(0), I(1), L({0}), B(true)}, "p 1");
  t.Add("aten.norm.ScalarOpt_dim", {T(kF32, {3, 4})}, {X(0), F(3), L({0})}, "p 3");
  t.Add("aten.norm.ScalarOpt_dim", {T(kF32, {3, 4})}, {X(0), F(0), L({1})}, "p 0");
  t.Add("aten.max.dim", {Transposed(kF32, {4, 5})}, {X(0), I(1)}, "non-contiguous");
  t.Add("aten.max.dim", {T(kI64, {3, 4})}, {X(0), I(0), B(true)}, "int64, keepdim").Range(0, 9);
  t.Add("aten.unbind.int", {Transposed(kF32, {3, 4})}, {X(0), I(1)}, "non-contiguous");
  t.Add("aten.unbind.int", {T(kI64, {2, 3})}, {X(0)}, "int64");
  t.Add("aten.unsafe_split.Tensor", {Transposed(kF32, {5, 4})}, {X(0), I(2)}, "non-contiguous");
  t.Add("aten.constant_pad_nd.default", {Transposed(kF32, {3, 4})},
        {X(0), L({1, 2, -1, 1}), F(0.5)}, "pad and crop, non-contiguous");
  t.Add("aten.constant_pad_nd.default", {T(kI64, {2, 3, 4})}, {X(0), L({2, 1}), I(7)}, "int64");
  t.Add("aten.constant_pad_nd.default", {Transposed(kF32, {3, 4})}, {X(0), L({0, -1})}, "crop");
  t.Add("aten.baddbmm.default", {T(kF32, {3, 1}), Transposed(kF32, {2, 3, 4}), T(kF32, {2, 4, 2})},
        {X(0), X(1), X(2)}, "broadcast self, non-contiguous")
      .Kw({{"beta", F(0.5)}, {"alpha", F(2)}});
  t.Add("aten.baddbmm.default", {T(kF32, {2, 3, 2}), T(kF32, {2, 3, 4}), T(kF32, {2, 4, 2})},
        {X(0), X(1), X(2)}, "beta 0")
      .Kw({{"beta", I(0)}});
  t.Add("aten.binary_cross_entropy_with_logits.default",
        {Transposed(kF32, {3, 4}), T(kF32, {3, 4})}, {X(0), X(1)}, "mean, non-contiguous")
      .Range(0, 1);
  t.Add("aten.binary_cross_entropy_with_logits.default",
        {T(kF32, {3, 4}), T(kF32, {3, 4}), T(kF32, {4}), T(kF32, {4})},
        {X(0), X(1), X(2), X(3), I(0)}, "weights, none")
      .Range(0.1, 1)
      .NoGrad({2, 3});
  t.Add("aten.binary_cross_entropy_with_logits.default",
        {T(kF32, {3, 4}), T(kF32, {3, 4}), T(kF32, {4})}, {X(0), X(1), None(), X(2), I(2)},
        "pos_weight, sum")
      .Range(0.1, 1)
      .NoGrad({2});
  // Fixed shapes: the table's shape stream stays as it was for the samples
  // above.
  t.Add("aten.hardsigmoid.default", {Transposed(kF32, {3, 5})}, {X(0)}, "non-contiguous")
      .Range(-5, 5);
  t.Add("aten.hardsigmoid.default", {T(kF64, {2, 3, 4})}, {X(0)}, "float64").Range(-5, 5);
  t.Add("aten.hardsigmoid_backward.default", {T(kF32, {1, 5}), Transposed(kF32, {4, 5})},
        {X(0), X(1)}, "broadcast, non-contiguous")
      .Range(-5, 5);
  t.Add("aten.clamp_min.default", {Transposed(kF32, {3, 4})}, {X(0), F(0.25)}, "non-contiguous");
  t.Add("aten.clamp_min.default", {T(kI64, {6})}, {X(0), I(1)}, "int64").Range(0, 4);
  t.Add("aten.clamp_min.default", {T(kI32, {6})}, {X(0), F(1.5)}, "int32 promoted to float32")
      .Range(0, 4);
  t.Add("aten.clamp_max.default", {Transposed(kF64, {4, 3})}, {X(0), F(-0.25)}, "non-contiguous");
  t.Add("aten.clamp_max.default", {T(kI64, {6})}, {X(0), I(2)}, "int64").Range(0, 4);
  t.Add("aten.pixel_shuffle.default", {Transposed(kF32, {2, 8, 3, 2})}, {X(0), I(2)},
        "non-contiguous");
  t.Add("aten.pixel_shuffle.default", {T(kI64, {2, 9, 1, 2})}, {X(0), I(3)}, "int64")
      .Range(0, 9);
  t.Add("aten.pixel_shuffle.default", {T(kF32, {3, 2, 2})}, {X(0), I(1)}, "factor 1, 3-d");
  t.Add("aten.pixel_unshuffle.default", {Transposed(kF32, {2, 1, 4, 6})}, {X(0), I(2)},
        "non-contiguous");
  t.Add("aten.pixel_unshuffle.default", {T(kBool, {1, 2, 2, 3, 3})}, {X(0), I(3)}, "bool, 5-d");
  t.Add("aten.repeat.default", {Transposed(kF32, {2, 3})}, {X(0), L({2, 1, 3})},
        "new dim, non-contiguous");
  t.Add("aten.repeat.default", {T(kI64, {3})}, {X(0), L({1})}, "int64, no copies").Range(0, 9);
  t.Add("aten.repeat.default", {T(kF32, {2, 3})}, {X(0), L({0, 2})}, "a repeat of 0");
  t.Add("aten.prelu.default", {Transposed(kF32, {2, 3, 4}), T(kF32, {3})}, {X(0), X(1)},
        "per channel, non-contiguous");
  t.Add("aten.prelu.default", {T(kF64, {5}), T(kF64, {})}, {X(0), X(1)}, "0-d weight");
  t.Add("aten.prelu_backward.default",
        {T(kF32, {2, 3, 2}), Transposed(kF32, {2, 3, 2}), T(kF32, {3})}, {X(0), X(1), X(2)},
        "per channel, non-contiguous");
  t.Add("aten.prelu_backward.default", {T(kF32, {4, 2}), T(kF32, {4, 2}), T(kF32, {1})},
        {X(0), X(1), X(2)}, "one weight");
}

std::vector<OpSample> AllSamples() {
  SampleTable t;
  AddUnaryMath(t);
  AddActivationBackward(t);
  AddArithmetic(t);
  AddComparisonsAndSelection(t);
  AddConversionsAndCreation(t);
  AddShapeOps(t);
  AddReductions(t);
  AddNn(t);
  AddIndexing(t);
  AddRandom(t);
  AddComposedOps(t);
  return t.Take();
}

// ---- Running samples ----

const ops::OpDef& Def(const std::string& op) { return *ops::OpRegistry::Global().Find(op); }

bool IsInPlace(const ops::OpDef& def) {
  for (const ops::ArgSpec& a : def.schema.args) {
    if (a.mutated) return true;
  }
  return false;
}

// Floating tensors of differentiable ops take gradients unless the sample
// says otherwise.
bool RequiresGrad(const OpSample& s, int i) {
  const std::vector<int>& no_grad = s.sample.no_grad_inputs;
  return Def(s.op).differentiability == ops::Differentiability::kDifferentiable &&
         ir::IsFloatingPoint(s.sample.tensors[i].dtype) &&
         std::find(no_grad.begin(), no_grad.end(), i) == no_grad.end();
}

// Values for a sample's tensors from a generator seeded with `seed` (the
// sample's index), so a sample gets the same values in any batch.
std::vector<HostTensor> SampleValues(const OpSample& s, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<HostTensor> values;
  for (const TensorType& type : s.sample.tensors) {
    HostTensor h(type.dtype, type.shape);
    const int64_t n = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(s.sample.high)));
    for (double& v : h.data) {
      if (ir::IsFloatingPoint(type.dtype)) {
        v = std::uniform_real_distribution<double>(s.sample.low, s.sample.high)(rng);
      } else if (type.dtype == kBool) {
        v = rng() % 2;
      } else if (s.ints == Ints::kIndex) {
        v = static_cast<double>(rng() % std::max<int64_t>(2, n));
      } else {
        int64_t x = static_cast<int64_t>(rng() % (2 * n)) - n;
        if (s.ints == Ints::kNonzero && x >= 0) ++x;
        v = static_cast<double>(x);
      }
    }
    h.RoundToDType();
    values.push_back(std::move(h));
  }
  return values;
}

// Random tangent values for output `index` of sample `sample`.
HostTensor TangentValues(const TensorType& type, int sample, int index) {
  std::mt19937 rng(1000003u * static_cast<uint32_t>(sample + 1) + static_cast<uint32_t>(index));
  HostTensor h(type.dtype, type.shape);
  for (double& v : h.data) v = std::uniform_real_distribution<double>(-1, 1)(rng);
  h.RoundToDType();
  return h;
}

// One forward graph holding several samples.
struct BatchGraph {
  ir::Graph forward;
  std::vector<HostTensor> inputs;  // One per graph input.
  std::vector<int> input_sample;   // The sample each graph input belongs to.
  std::vector<int> output_sample;  // The sample each graph output belongs to,
  std::vector<int> output_result;  // and which of its node's results it is.
};

absl::StatusOr<BatchGraph> BuildBatch(const std::vector<OpSample>& table,
                                      const std::vector<int>& samples) {
  BatchGraph batch;
  ops::GraphBuilder builder(batch.forward);
  std::vector<ir::ValueId> outputs;
  for (int k : samples) {
    const OpSample& s = table[k];
    std::vector<HostTensor> values = SampleValues(s, static_cast<uint32_t>(k));
    std::vector<ir::ValueId> inputs;
    for (size_t i = 0; i < s.sample.tensors.size(); ++i) {
      inputs.push_back(batch.forward.AddInput(absl::StrCat("s", k, "_x", i), s.sample.tensors[i],
                                              RequiresGrad(s, static_cast<int>(i))));
      batch.inputs.push_back(std::move(values[i]));
      batch.input_sample.push_back(k);
    }
    std::function<Argument(const Argument&)> remap = [&](const Argument& a) {
      if (a.is_value()) return Argument::Value(inputs.at(a.AsValue()));
      if (!a.is_list()) return a;
      std::vector<Argument> items;
      for (const Argument& item : a.AsList()) items.push_back(remap(item));
      return Argument::List(std::move(items));
    };
    std::vector<Argument> args;
    for (const Argument& a : s.sample.args) args.push_back(remap(a));
    ops::Kwargs kwargs;
    for (const auto& [name, a] : s.sample.kwargs) kwargs.emplace_back(name, remap(a));
    std::vector<ir::ValueId> results = builder.MultiOp(s.op, std::move(args), std::move(kwargs));
    if (!builder.ok()) return builder.status();
    for (size_t j = 0; j < results.size(); ++j) {
      outputs.push_back(results[j]);
      batch.output_sample.push_back(k);
      batch.output_result.push_back(static_cast<int>(j));
    }
  }
  batch.forward.SetOutputs(std::move(outputs));
  return batch;
}

// A runtime tensor holding `host`'s values laid out as `meta` says.
absl::StatusOr<client::Tensor> ToRuntime(const HostTensor& host, const proto::TensorMeta& meta) {
  ASSIGN_OR_RETURN(client::Tensor dense, tools::ToClientTensor(host));
  std::vector<int64_t> strides(meta.strides().begin(), meta.strides().end());
  if (client::SameLayout(dense.shape(), dense.strides(), strides)) return dense;
  ASSIGN_OR_RETURN(client::Tensor t,
                   client::Tensor::Allocate(dense.dtype(), dense.shape(), std::move(strides)));
  RETURN_IF_ERROR(client::CopyElements(dense, t));
  return t;
}

// "" if `got` matches `expected`, else what differs.
std::string Mismatch(const absl::StatusOr<HostTensor>& got, const HostTensor& expected) {
  if (!got.ok()) return std::string(got.status().message());
  if (got->dtype != expected.dtype || got->shape != expected.shape) {
    return absl::StrCat("got ", reference::DescribeTensor(*got), ", expected ",
                        reference::DescribeTensor(expected));
  }
  bool exact = !ir::IsFloatingPoint(expected.dtype);
  reference::Closeness c =
      reference::CompareClose(*got, expected, exact ? 0 : kRtol, exact ? 0 : kAtol);
  if (c.close) return "";
  std::string message = absl::StrCat("max abs error ", c.max_abs_error);
  int shown = 0;
  for (int64_t i = 0; i < expected.NumElements() && shown < 4; ++i) {
    HostTensor a(expected.dtype, {}), e(expected.dtype, {});
    a.data[0] = got->data[i];
    e.data[0] = expected.data[i];
    if (reference::CompareClose(a, e, exact ? 0 : kRtol, exact ? 0 : kAtol).close) continue;
    absl::StrAppend(&message, shown == 0 ? "; " : ", ", "[", i, "] got ", got->data[i],
                    " expected ", expected.data[i]);
    ++shown;
  }
  return message;
}

// What one batch found: mismatches per sample index, and how many results
// it compared.
struct Findings {
  std::map<int, std::vector<std::string>> samples;
  int outputs = 0, gradients = 0;
};

std::string Shorten(const absl::Status& s) {
  std::string text = s.ToString();
  constexpr size_t kMax = 3000;
  if (text.size() > kMax) text = absl::StrCat(text.substr(0, kMax), " [...]");
  return text;
}

// Compiles the samples as one graph, runs forward and backward natively and
// compares with the reference evaluation of the joint graph. Mismatches go
// to `findings`; an error means the batch did not compile, load or run.
absl::Status RunBatch(const std::vector<OpSample>& table, const std::vector<int>& samples,
                      partition::Strategy strategy, toolchain::Toolchain& toolchain,
                      Findings& findings) {
  ASSIGN_OR_RETURN(BatchGraph batch, BuildBatch(table, samples));
  const std::vector<ir::ValueId>& outputs = batch.forward.outputs();
  ASSIGN_OR_RETURN(passes::JointGraph joint,
                   passes::BuildJointGraph(batch.forward, static_cast<int>(outputs.size())));
  std::vector<HostTensor> joint_inputs = batch.inputs;
  std::map<int, HostTensor> tangents;  // By forward output.
  for (int o : joint.tangent_outputs) {
    tangents[o] = TangentValues(batch.forward.type(outputs[o]), batch.output_sample[o],
                                batch.output_result[o]);
    joint_inputs.push_back(tangents[o]);
  }
  ASSIGN_OR_RETURN(std::vector<HostTensor> expected,
                   reference::Evaluate(joint.graph, joint_inputs));

  pipeline::CompileOptions options;
  options.partition.strategy = strategy;
  options.include_source = false;
  ASSIGN_OR_RETURN(proto::Artifact artifact, pipeline::Compile(batch.forward, options, toolchain));
  ASSIGN_OR_RETURN(std::shared_ptr<client::LoadedArtifact> loaded,
                   client::LoadedArtifact::Load(artifact, /*verifier=*/nullptr));
  std::vector<client::Tensor> inputs;
  for (size_t i = 0; i < batch.inputs.size(); ++i) {
    ASSIGN_OR_RETURN(client::Tensor t, ToRuntime(batch.inputs[i], artifact.inputs(i).meta()));
    inputs.push_back(std::move(t));
  }
  ASSIGN_OR_RETURN(client::ForwardResult fw, loaded->Forward(inputs));
  if (fw.outputs.size() != outputs.size()) {
    return absl::InternalError(
        absl::StrCat(fw.outputs.size(), " forward outputs for ", outputs.size(), " graph outputs"));
  }
  findings.outputs += static_cast<int>(outputs.size());
  for (size_t o = 0; o < outputs.size(); ++o) {
    const OpSample& s = table[batch.output_sample[o]];
    absl::StatusOr<HostTensor> got = tools::ToHostTensor(fw.outputs[o]);
    std::string m = s.statistic && got.ok() && got->dtype == expected[o].dtype &&
                            got->shape == expected[o].shape
                        ? s.statistic(*got)
                        : Mismatch(got, expected[o]);
    if (!m.empty()) {
      findings.samples[batch.output_sample[o]].push_back(
          absl::StrCat("result ", batch.output_result[o], ": ", m));
    }
  }

  std::vector<int> tangent_outputs(artifact.tangent_outputs().begin(),
                                   artifact.tangent_outputs().end());
  std::vector<int> grad_inputs(artifact.grad_inputs().begin(), artifact.grad_inputs().end());
  if (tangent_outputs != joint.tangent_outputs || grad_inputs != joint.grad_inputs) {
    return absl::InternalError(absl::StrCat(
        "the artifact takes tangents for outputs [", absl::StrJoin(tangent_outputs, ","),
        "] and returns gradients for inputs [", absl::StrJoin(grad_inputs, ","),
        "]; the joint graph: [", absl::StrJoin(joint.tangent_outputs, ","), "] and [",
        absl::StrJoin(joint.grad_inputs, ","), "]"));
  }
  std::vector<client::Tensor> runtime_tangents;
  for (int o : tangent_outputs) {
    ASSIGN_OR_RETURN(client::Tensor t, ToRuntime(tangents[o], artifact.outputs(o).meta()));
    runtime_tangents.push_back(std::move(t));
  }
  ASSIGN_OR_RETURN(std::vector<client::Tensor> grads, loaded->Backward(fw.saved, runtime_tangents));
  findings.gradients += static_cast<int>(grads.size());
  for (size_t k = 0; k < grads.size(); ++k) {
    int input = grad_inputs[k];
    std::string m =
        Mismatch(tools::ToHostTensor(grads[k]), expected[joint.num_forward_outputs + k]);
    if (!m.empty()) {
      findings.samples[batch.input_sample[input]].push_back(
          absl::StrCat("gradient of ", batch.forward.inputs()[input].name, ": ", m));
    }
  }
  return absl::OkStatus();
}

// What went wrong, per sample index, and batch failures no sample alone
// shows (code generation that breaks only when samples share a program).
struct Report {
  std::map<int, std::vector<std::string>> samples;
  std::vector<std::string> batches;
  int runs = 0;                    // Batches compiled and run.
  int outputs = 0, gradients = 0;  // Results compared.

  void Merge(const Report& other) {
    for (const auto& [k, messages] : other.samples) {
      samples[k].insert(samples[k].end(), messages.begin(), messages.end());
    }
    batches.insert(batches.end(), other.batches.begin(), other.batches.end());
    runs += other.runs;
    outputs += other.outputs;
    gradients += other.gradients;
  }
};

// RunBatch, splitting a batch that fails in halves until the failing
// samples are alone.
void CheckSamples(const std::vector<OpSample>& table, const std::vector<int>& samples,
                  partition::Strategy strategy, toolchain::Toolchain& toolchain, Report& report) {
  Findings found;
  ++report.runs;
  absl::Status s = RunBatch(table, samples, strategy, toolchain, found);
  if (s.ok()) {
    for (auto& [k, messages] : found.samples) {
      report.samples[k].insert(report.samples[k].end(), messages.begin(), messages.end());
    }
    report.outputs += found.outputs;
    report.gradients += found.gradients;
    return;
  }
  if (samples.size() == 1) {
    report.samples[samples[0]].push_back(Shorten(s));
    return;
  }
  const size_t failing = report.samples.size() + report.batches.size();
  size_t half = samples.size() / 2;
  CheckSamples(table, std::vector<int>(samples.begin(), samples.begin() + half), strategy,
               toolchain, report);
  CheckSamples(table, std::vector<int>(samples.begin() + half, samples.end()), strategy, toolchain,
               report);
  if (report.samples.size() + report.batches.size() == failing) {
    std::vector<std::string> names;
    for (int k : samples) names.push_back(table[k].Name());
    report.batches.push_back(absl::StrCat("a batch of ", samples.size(),
                                          " samples fails although its halves pass: ", Shorten(s),
                                          "\nsamples: ", absl::StrJoin(names, "; ")));
  }
}

// A toolchain that stops the pipeline after code generation, to find the
// samples whose code cannot be generated before spending g++ runs.
class CodegenOnly final : public toolchain::Toolchain {
 public:
  static constexpr char kGenerated[] = "generated";
  absl::StatusOr<std::string> CompileSharedObject(const toolchain::TranslationUnit&) override {
    return absl::CancelledError(kGenerated);
  }
  std::string CpuLevel() const override { return toolchain::HostCpuLevel(); }
  std::string Fingerprint() const override { return "codegen-only"; }
};

// Traces, partitions and generates code for one sample alone: OK, or why
// not.
absl::Status GenerateCode(const std::vector<OpSample>& table, int k) {
  ASSIGN_OR_RETURN(BatchGraph batch, BuildBatch(table, {k}));
  CodegenOnly codegen_only;
  absl::StatusOr<proto::Artifact> artifact =
      pipeline::Compile(batch.forward, pipeline::CompileOptions(), codegen_only);
  if (artifact.status().code() == absl::StatusCode::kCancelled &&
      artifact.status().message() == CodegenOnly::kGenerated) {
    return absl::OkStatus();
  }
  if (artifact.ok()) return absl::InternalError("the codegen-only toolchain compiled something");
  return artifact.status();
}

TEST(CodegenOpsTest, EveryOpCompilesAndMatchesTheReference) {
  const absl::Time start = absl::Now();
  const std::vector<OpSample> table = AllSamples();

  // Every op but the in-place ones has a sample, and every sample an op.
  // An op that takes tensors has a sample with a non-contiguous one, and a
  // pointwise op that takes several a sample that broadcasts them.
  std::set<std::string> sampled, non_contiguous, broadcast;
  for (const OpSample& s : table) {
    const ops::OpDef* def = ops::OpRegistry::Global().Find(s.op);
    ASSERT_NE(def, nullptr) << s.Name() << ": no such op";
    ASSERT_FALSE(IsInPlace(*def)) << s.Name() << ": in-place ops are not compiled";
    ASSERT_EQ(def->random, static_cast<bool>(s.statistic))
        << s.Name() << ": random ops, and only they, are checked by a statistic";
    sampled.insert(s.op);
    for (const TensorType& type : s.sample.tensors) {
      if (!type.IsContiguous()) non_contiguous.insert(s.op);
      if (type.shape != s.sample.tensors[0].shape) broadcast.insert(s.op);
    }
  }
  int covered = 0;
  for (const ops::OpDef* def : ops::OpRegistry::Global().All()) {
    const std::string& op = def->schema.name;
    if (IsInPlace(*def)) continue;
    ++covered;
    EXPECT_TRUE(sampled.count(op) > 0) << op << " has no sample in codegen_ops_test.cc";
    int tensors = 0;
    for (const ops::ArgSpec& a : def->schema.args) {
      tensors += a.type.base == ops::ArgType::Base::kTensor ? 1 : 0;
    }
    // as_strided reads storage, which the reference holds contiguously.
    if (tensors > 0 && op != "aten.as_strided.default") {
      EXPECT_TRUE(non_contiguous.count(op) > 0) << op << " has no non-contiguous sample";
    }
    if (tensors > 1 && def->kind == ops::OpKind::kPointwise) {
      EXPECT_TRUE(broadcast.count(op) > 0) << op << " has no broadcasting sample";
    }
  }

  // Samples whose code generates go to the batches.
  Report report;
  std::vector<std::vector<int>> batches(kBatches);
  int batched = 0;
  for (int k = 0; k < static_cast<int>(table.size()); ++k) {
    absl::Status s = GenerateCode(table, k);
    if (!s.ok()) {
      report.samples[k].push_back(Shorten(s));
      continue;
    }
    batches[batched++ % kBatches].push_back(k);
  }

  // Two batches at a time (g++ is single-threaded; 2 cores).
  absl::Mutex mu;
  int next = 0;
  auto worker = [&] {
    std::unique_ptr<toolchain::Toolchain> toolchain = toolchain::NewSystemToolchain();
    while (true) {
      int b;
      {
        absl::MutexLock lock(&mu);
        if (next == kBatches) return;
        b = next++;
      }
      Report found;
      // Half the batches save what the backward reads, half recompute it.
      partition::Strategy strategy =
          b % 2 == 0 ? partition::Strategy::kMinCut : partition::Strategy::kDefault;
      if (!batches[b].empty()) CheckSamples(table, batches[b], strategy, *toolchain, found);
      absl::MutexLock lock(&mu);
      report.Merge(found);
    }
  };
  std::thread first(worker), second(worker);
  first.join();
  second.join();

  std::set<std::string> failing;
  for (const auto& [k, messages] : report.samples) {
    failing.insert(table[k].op);
    ADD_FAILURE() << table[k].Name() << ":\n  " << absl::StrJoin(messages, "\n  ");
  }
  for (const std::string& message : report.batches) ADD_FAILURE() << message;
  std::cout << table.size() << " samples of " << covered << " ops; " << batched << " compiled in "
            << report.runs << " batches (" << report.outputs << " outputs, " << report.gradients
            << " gradients compared), in " << absl::ToDoubleSeconds(absl::Now() - start) << " s; "
            << failing.size() << " ops failing" << (failing.empty() ? "" : ": ")
            << absl::StrJoin(failing, ", ") << "\n";
}

// Dropout as make_fx records it (a mask drawn into a fresh empty_like, then
// scaled in place): each run draws a new mask, and the backward uses the
// forward's, whichever partitioner splits the graph.
TEST(CodegenOpsTest, DropoutBackwardUsesTheForwardMask) {
  constexpr double kP = 0.4;  // Dropout probability: the mask keeps 1 - kP.
  ir::Graph forward;
  ops::GraphBuilder b(forward);
  ir::ValueId x = forward.AddInput("x", TensorType::Contiguous(kF32, {32, 64}), true);
  ir::ValueId e = b.Op("aten.empty_like.default", {Argument::Value(x)});
  ir::ValueId m = b.Op("aten.bernoulli_.float", {Argument::Value(e), F(1 - kP)});
  ir::ValueId s = b.Op("aten.div_.Scalar", {Argument::Value(m), F(1 - kP)});
  ir::ValueId y = b.Op("aten.mul.Tensor", {Argument::Value(x), Argument::Value(s)});
  ASSERT_TRUE(b.ok()) << b.status();
  forward.SetOutputs({y});

  HostTensor x_value(kF32, {32, 64}), ones(kF32, {32, 64});
  for (int64_t i = 0; i < x_value.NumElements(); ++i) x_value.data[i] = 1 + (i % 7) * 0.125;
  ones.data.assign(ones.data.size(), 1.0);
  std::unique_ptr<toolchain::Toolchain> toolchain = toolchain::NewSystemToolchain();
  for (partition::Strategy strategy : {partition::Strategy::kDefault, partition::Strategy::kMinCut}) {
    pipeline::CompileOptions options;
    options.partition.strategy = strategy;
    options.partition.memory_budget = 0;  // Recompute all that may be.
    absl::StatusOr<proto::Artifact> artifact = pipeline::Compile(forward, options, *toolchain);
    ASSERT_TRUE(artifact.ok()) << artifact.status();
    absl::StatusOr<std::shared_ptr<client::LoadedArtifact>> loaded =
        client::LoadedArtifact::Load(*artifact, /*verifier=*/nullptr);
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    absl::StatusOr<client::Tensor> input = ToRuntime(x_value, artifact->inputs(0).meta());
    absl::StatusOr<client::Tensor> tangent = ToRuntime(ones, artifact->outputs(0).meta());
    ASSERT_TRUE(input.ok() && tangent.ok());
    std::vector<std::vector<double>> runs;
    for (int run = 0; run < 2; ++run) {
      absl::StatusOr<client::ForwardResult> fw = (*loaded)->Forward({*input});
      ASSERT_TRUE(fw.ok()) << fw.status();
      absl::StatusOr<HostTensor> out = tools::ToHostTensor(fw->outputs[0]);
      ASSERT_TRUE(out.ok()) << out.status();
      absl::StatusOr<std::vector<client::Tensor>> grads = (*loaded)->Backward(fw->saved, {*tangent});
      ASSERT_TRUE(grads.ok()) << grads.status();
      absl::StatusOr<HostTensor> grad = tools::ToHostTensor((*grads)[0]);
      ASSERT_TRUE(grad.ok()) << grad.status();
      int64_t kept = 0;
      for (int64_t i = 0; i < out->NumElements(); ++i) {
        const double scale = static_cast<float>(1 / (1 - kP));
        if (out->data[i] == 0) {
          ASSERT_EQ(grad->data[i], 0) << "element " << i;
        } else {
          ++kept;
          ASSERT_FLOAT_EQ(out->data[i], static_cast<float>(x_value.data[i] * scale)) << i;
          ASSERT_FLOAT_EQ(grad->data[i], scale) << "element " << i;
        }
      }
      const double n = static_cast<double>(out->NumElements());
      EXPECT_NEAR(kept / n, 1 - kP, 5 * std::sqrt(kP * (1 - kP) / n));
      runs.push_back(out->data);
    }
    EXPECT_NE(runs[0], runs[1]) << "two runs drew the same mask";
  }
}

}  // namespace
}  // namespace aotd
