// The runtime kernels against the reference evaluator: each kernel runs on
// the random inputs of a one-node graph of its op (several shapes,
// non-contiguous and broadcast layouts, float32 and float64) and must give
// the graph's reference values (rtol = atol = 1e-4 for float32, 1e-5 for
// float64; integer results exactly).
//
// The kernels come from the Bazel-compiled kernel library, declared by the
// header generated code includes (which must compile on its own: it comes
// first).
#include "compiler/codegen/runtime/aotd_runtime.h"

#include <cmath>
#include <cstdint>
#include <fstream>
#include <limits>
#include <memory>
#include <optional>
#include <random>
#include <regex>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "compiler/ir/graph.h"
#include "compiler/ops/testing/op_check.h"
#include "compiler/reference/evaluate.h"
#include "compiler/reference/host_tensor.h"
#include "gtest/gtest.h"

namespace aotd::codegen {
namespace {

using aotd_rt::Ref;
using ir::Argument;
using ir::Dims;
using ir::DType;
using ir::TensorType;
using ops::testing::Sample;
using reference::HostTensor;

constexpr DType kI64 = DType::kInt64;
constexpr DType kI32 = DType::kInt32;
const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

template <typename U>
constexpr DType DTypeOf() {
  if constexpr (std::is_same_v<U, float>) return DType::kFloat32;
  if constexpr (std::is_same_v<U, double>) return DType::kFloat64;
  if constexpr (std::is_same_v<U, int64_t>) return DType::kInt64;
  if constexpr (std::is_same_v<U, int32_t>) return DType::kInt32;
  return DType::kUInt8;
}

template <typename U>
double Tol() {
  return std::is_same_v<U, float> ? 1e-4 : 1e-5;
}

Argument Val(int i) { return Argument::Value(i); }
Argument Int(int64_t v) { return Argument::Int(v); }
Argument Flt(double v) { return Argument::Float(v); }
Argument Bool(bool v) { return Argument::Bool(v); }
Argument Ints(const Dims& v) { return Argument::IntList(v); }
Argument NoneArg() { return Argument::None(); }
Argument Mask(bool a, bool b, bool c) { return Argument::List({Bool(a), Bool(b), Bool(c)}); }

TensorType Contig(DType dtype, Dims shape) { return ops::testing::T(dtype, std::move(shape)); }
// The last two dims' strides swapped.
TensorType Transposed(DType dtype, Dims shape) {
  return ops::testing::Transposed(dtype, std::move(shape));
}
TensorType Strided(DType dtype, Dims shape, Dims strides) {
  return TensorType{dtype, std::move(shape), std::move(strides)};
}

int64_t NumElements(const Dims& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

// A tensor's storage, laid out by its strides, in the C++ types kernels
// take (f64 is the master copy; the others are converted on demand).
struct Buffer {
  Dims shape, strides;
  DType dtype = DType::kFloat64;
  std::vector<double> f64;
  std::vector<float> f32;
  std::vector<int64_t> i64;
  std::vector<int32_t> i32;
  std::vector<uint8_t> u8;

  template <typename U>
  std::vector<U>& Typed() {
    if constexpr (std::is_same_v<U, double>) return f64;
    if constexpr (std::is_same_v<U, float>) return f32;
    if constexpr (std::is_same_v<U, int64_t>) return i64;
    if constexpr (std::is_same_v<U, int32_t>) return i32;
    if constexpr (std::is_same_v<U, uint8_t>) return u8;
  }

  double ValueAt(int64_t i) const {
    switch (dtype) {
      case DType::kFloat64: return f64[i];
      case DType::kFloat32: return f32[i];
      case DType::kInt64: return static_cast<double>(i64[i]);
      case DType::kInt32: return i32[i];
      default: return u8[i];
    }
  }
};

template <typename U>
U Convert(double v) {
  if constexpr (std::is_floating_point_v<U>) {
    return static_cast<U>(v);
  } else {
    return std::isnan(v) ? U(99) : static_cast<U>(v);  // Gaps of strided storage.
  }
}

template <typename U>
U Sentinel() {
  if constexpr (std::is_floating_point_v<U>) return std::numeric_limits<U>::quiet_NaN();
  return U(77);
}

// One call of `op` on random inputs laid out as the sample's types say, with
// its reference results and buffers for a kernel's results.
class OpRun {
 public:
  OpRun(absl::string_view op, Sample sample, uint32_t seed = 1)
      : op_(op), sample_(std::move(sample)) {
    absl::StatusOr<ir::Graph> graph = ops::testing::OneNodeGraph(op, sample_);
    if (!graph.ok()) {
      ADD_FAILURE() << Where() << ": " << graph.status();
      return;
    }
    graph_ = *std::move(graph);
    std::mt19937 rng(seed);
    inputs_ = ops::testing::RandomInputs(graph_, sample_, rng);
    buffers_.resize(inputs_.size());
    for (size_t i = 0; i < inputs_.size(); ++i) Lay(static_cast<int>(i));
    outputs_.resize(graph_.outputs().size());
    ok_ = true;
  }

  bool ok() const { return ok_; }
  std::string Where() const { return absl::StrCat(op_, " (", sample_.note, ")"); }
  const HostTensor& input(int i) const { return inputs_[i]; }
  const TensorType& result_type(int i) const { return graph_.type(graph_.outputs()[i]); }

  // Replaces input i's values (row-major), before Expected().
  void SetInput(int i, std::vector<double> values) {
    inputs_[i].data = std::move(values);
    inputs_[i].RoundToDType();
    Lay(i);
  }

  // The reference results, evaluated on first use.
  const std::vector<HostTensor>& Expected() {
    if (!evaluated_ && ok_) {
      evaluated_ = true;
      absl::StatusOr<std::vector<HostTensor>> r = reference::Evaluate(graph_, inputs_);
      if (r.ok()) {
        expected_ = *std::move(r);
      } else {
        ADD_FAILURE() << Where() << ": " << r.status();
      }
    }
    return expected_;
  }

  // Input i in the sample's layout, as U.
  template <typename U>
  Ref<const U> In(int i) {
    Buffer& b = *buffers_[i];
    std::vector<U>& v = b.Typed<U>();
    if (v.size() != b.f64.size()) {
      v.resize(b.f64.size());
      for (size_t k = 0; k < v.size(); ++k) v[k] = Convert<U>(b.f64[k]);
    }
    return Ref<const U>{v.data(), b.shape.data(), b.strides.data(), static_cast<int>(b.shape.size())};
  }

  // Contiguous storage of result i's shape, filled with a sentinel.
  template <typename U>
  Ref<U> Out(int i) {
    auto b = std::make_unique<Buffer>();
    b->shape = result_type(i).shape;
    b->strides = ir::ContiguousStrides(b->shape);
    b->dtype = DTypeOf<U>();
    b->Typed<U>().assign(std::max<int64_t>(NumElements(b->shape), 1), Sentinel<U>());
    outputs_[i] = std::move(b);
    Buffer& out = *outputs_[i];
    return Ref<U>{out.Typed<U>().data(), out.shape.data(), out.strides.data(),
                  static_cast<int>(out.shape.size())};
  }

  // Expects result i, as the kernel wrote it through Out(i), to match the
  // reference.
  void Check(int i, double tol) {
    const std::vector<HostTensor>& expected = Expected();
    if (static_cast<size_t>(i) >= expected.size() || outputs_[i] == nullptr) {
      ADD_FAILURE() << Where() << ": no result " << i;
      return;
    }
    const HostTensor& e = expected[i];
    const Buffer& b = *outputs_[i];
    HostTensor actual(e.dtype, e.shape);
    for (int64_t k = 0; k < actual.NumElements(); ++k) actual.data[k] = b.ValueAt(k);
    reference::Closeness c = reference::CompareClose(actual, e, tol, tol);
    if (c.close) return;
    int64_t first = 0;
    for (; first < e.NumElements(); ++first) {
      double a = actual.data[first], x = e.data[first];
      bool same = (std::isnan(a) && std::isnan(x)) || a == x ||
                  std::fabs(a - x) <= tol + tol * std::fabs(x);
      if (!same) break;
    }
    ADD_FAILURE() << Where() << ", result " << i << " " << reference::DescribeTensor(e)
                  << ": max abs error " << c.max_abs_error << ", max rel error "
                  << c.max_rel_error << "; element " << first << " is "
                  << (first < e.NumElements() ? actual.data[first] : 0) << ", expected "
                  << (first < e.NumElements() ? e.data[first] : 0);
  }

 private:
  // Scatters input i into storage with its strides, then reads it back so
  // the logical values agree with the storage (broadcast dims repeat).
  void Lay(int i) {
    const TensorType& t = sample_.tensors[i];
    auto b = std::make_unique<Buffer>();
    b->shape = t.shape;
    b->strides = t.strides;
    const int64_t n = NumElements(t.shape);
    int64_t span = n == 0 ? 0 : 1;
    for (size_t d = 0; d < t.shape.size() && n > 0; ++d) span += (t.shape[d] - 1) * t.strides[d];
    b->f64.assign(std::max<int64_t>(span, 1), kNaN);
    if (n > 0) {
      Dims index(t.shape.size(), 0);
      int64_t flat = 0;
      do {
        b->f64[reference::Offset(index, t.strides)] = inputs_[i].data[flat++];
      } while (reference::NextIndex(index, t.shape));
      flat = 0;
      do {
        inputs_[i].data[flat++] = b->f64[reference::Offset(index, t.strides)];
      } while (reference::NextIndex(index, t.shape));
    }
    buffers_[i] = std::move(b);
  }

  std::string op_;
  Sample sample_;
  ir::Graph graph_;
  bool ok_ = false;
  bool evaluated_ = false;
  std::vector<HostTensor> inputs_;
  std::vector<HostTensor> expected_;
  std::vector<std::unique_ptr<Buffer>> buffers_;
  std::vector<std::unique_ptr<Buffer>> outputs_;
};

Sample MakeSample(std::vector<TensorType> tensors, std::vector<Argument> args,
                  std::string note, ops::Kwargs kwargs = {}) {
  Sample s;
  s.tensors = std::move(tensors);
  s.args = std::move(args);
  s.kwargs = std::move(kwargs);
  s.note = std::move(note);
  return s;
}

template <typename T>
class KernelsTest : public ::testing::Test {};
using FloatTypes = ::testing::Types<float, double>;
TYPED_TEST_SUITE(KernelsTest, FloatTypes);

// ---------------------------------------------------------------------------
// Copies and joins

TYPED_TEST(KernelsTest, CopyStrided) {
  using T = TypeParam;
  constexpr DType kT = DTypeOf<T>();
  const std::vector<std::pair<TensorType, std::string>> layouts = {
      {Contig(kT, {3, 4}), "contiguous"},
      {Transposed(kT, {37, 53}), "transposed"},
      {Transposed(kT, {2, 3, 5}), "batched transpose"},
      {Strided(kT, {3, 4}, {10, 2}), "slice with step"},
      {Strided(kT, {4, 5, 6}, {1, 24, 4}), "permuted"},
      {Transposed(kT, {300, 200}), "large transpose"},
      {Strided(kT, {200, 300}, {600, 2}), "large slice"},
      {Contig(kT, {}), "scalar"},
  };
  for (const auto& [type, note] : layouts) {
    OpRun run("aten.clone.default", MakeSample({type}, {Val(0)}, note));
    ASSERT_TRUE(run.ok());
    aotd_rt::copy_strided(run.In<T>(0), run.Out<T>(0));
    run.Check(0, 0);
    // And converted to the other floating type.
    using Other = std::conditional_t<std::is_same_v<T, float>, double, float>;
    Ref<const T> in = run.In<T>(0);
    std::vector<Other> converted(std::max<int64_t>(run.input(0).NumElements(), 1));
    Dims shape = run.input(0).shape, strides = ir::ContiguousStrides(shape);
    aotd_rt::copy_strided(in, Ref<Other>{converted.data(), shape.data(), strides.data(),
                                         static_cast<int>(shape.size())});
    for (int64_t k = 0; k < run.input(0).NumElements(); ++k) {
      EXPECT_EQ(converted[k], static_cast<Other>(run.input(0).data[k])) << note << " " << k;
    }
  }
  // A broadcast (stride 0) input: expand's view, copied out.
  OpRun run("aten.expand.default",
            MakeSample({Contig(kT, {3, 1, 2})}, {Val(0), Ints({4, 3, 5, 2})}, "expand"));
  ASSERT_TRUE(run.ok());
  Ref<const T> in = run.In<T>(0);
  const Dims shape = {4, 3, 5, 2}, strides = {0, 2, 0, 1};
  aotd_rt::copy_strided(Ref<const T>{in.data, shape.data(), strides.data(), 4}, run.Out<T>(0));
  run.Check(0, 0);
}

TYPED_TEST(KernelsTest, Cat) {
  using T = TypeParam;
  constexpr DType kT = DTypeOf<T>();
  struct Case {
    std::vector<TensorType> tensors;
    int64_t dim;
  };
  const std::vector<Case> cases = {
      {{Contig(kT, {2, 3}), Contig(kT, {4, 3}), Contig(kT, {1, 3})}, 0},
      {{Contig(kT, {2, 3}), Transposed(kT, {2, 1}), Transposed(kT, {2, 5})}, 1},
      {{Transposed(kT, {2, 3, 4}), Contig(kT, {2, 2, 4})}, -2},
      {{Contig(kT, {3}), Contig(kT, {0}), Contig(kT, {2})}, 0},
      {{Transposed(kT, {150, 200}), Contig(kT, {150, 100})}, -1},
  };
  for (const Case& c : cases) {
    std::vector<Argument> items;
    for (size_t i = 0; i < c.tensors.size(); ++i) items.push_back(Val(static_cast<int>(i)));
    OpRun run("aten.cat.default", MakeSample(c.tensors, {Argument::List(items), Int(c.dim)},
                                             absl::StrCat("dim ", c.dim)));
    ASSERT_TRUE(run.ok());
    std::vector<Ref<const T>> refs;
    for (size_t i = 0; i < c.tensors.size(); ++i) refs.push_back(run.In<T>(static_cast<int>(i)));
    aotd_rt::cat(refs.data(), static_cast<int64_t>(refs.size()), c.dim, run.Out<T>(0));
    run.Check(0, 0);
  }
}

TYPED_TEST(KernelsTest, Stack) {
  using T = TypeParam;
  constexpr DType kT = DTypeOf<T>();
  for (int64_t dim : {0, 1, 2, -1}) {
    std::vector<TensorType> tensors = {Contig(kT, {2, 3}), Transposed(kT, {2, 3}),
                                       Contig(kT, {2, 3})};
    OpRun run("aten.stack.default",
              MakeSample(tensors, {Argument::List({Val(0), Val(1), Val(2)}), Int(dim)},
                         absl::StrCat("dim ", dim)));
    ASSERT_TRUE(run.ok());
    std::vector<Ref<const T>> refs = {run.In<T>(0), run.In<T>(1), run.In<T>(2)};
    aotd_rt::stack(refs.data(), 3, dim, run.Out<T>(0));
    run.Check(0, 0);
  }
}

TYPED_TEST(KernelsTest, TrilTriu) {
  using T = TypeParam;
  constexpr DType kT = DTypeOf<T>();
  const std::vector<std::pair<TensorType, int64_t>> cases = {
      {Contig(kT, {3, 4}), 0},        {Contig(kT, {3, 4}), -1},
      {Contig(kT, {3, 4}), 2},        {Transposed(kT, {2, 3, 5}), 1},
      {Contig(kT, {5, 3}), -7},       {Contig(kT, {5, 3}), 9},
      {Transposed(kT, {200, 300}), 3},
  };
  for (const auto& [type, diagonal] : cases) {
    std::string note = absl::StrCat("diagonal ", diagonal);
    OpRun lower("aten.tril.default", MakeSample({type}, {Val(0), Int(diagonal)}, note));
    ASSERT_TRUE(lower.ok());
    aotd_rt::tril(lower.In<T>(0), diagonal, lower.Out<T>(0));
    lower.Check(0, 0);
    OpRun upper("aten.triu.default", MakeSample({type}, {Val(0), Int(diagonal)}, note));
    ASSERT_TRUE(upper.ok());
    aotd_rt::triu(upper.In<T>(0), diagonal, upper.Out<T>(0));
    upper.Check(0, 0);
  }
}

// ---------------------------------------------------------------------------
// Matrix products

TYPED_TEST(KernelsTest, Mm) {
  using T = TypeParam;
  constexpr DType kT = DTypeOf<T>();
  const std::vector<std::pair<std::vector<TensorType>, std::string>> cases = {
      {{Contig(kT, {3, 4}), Contig(kT, {4, 5})}, "contiguous"},
      {{Transposed(kT, {3, 4}), Contig(kT, {4, 5})}, "transposed lhs"},
      {{Contig(kT, {6, 4}), Transposed(kT, {4, 7})}, "transposed rhs"},
      {{Strided(kT, {3, 4}, {10, 2}), Strided(kT, {4, 5}, {1, 8})}, "strided, column-major"},
      {{Strided(kT, {3, 4}, {0, 1}), Strided(kT, {4, 5}, {5, 0})}, "broadcast operands"},
      {{Contig(kT, {1, 7}), Contig(kT, {7, 1})}, "vectors"},
      {{Contig(kT, {3, 0}), Contig(kT, {0, 2})}, "empty inner dim"},
      {{Transposed(kT, {64, 200}), Contig(kT, {200, 96})}, "large"},
  };
  for (const auto& [tensors, note] : cases) {
    OpRun run("aten.mm.default", MakeSample(tensors, {Val(0), Val(1)}, note));
    ASSERT_TRUE(run.ok());
    aotd_rt::mm(run.In<T>(0), run.In<T>(1), run.Out<T>(0));
    run.Check(0, Tol<T>());
  }
}

TEST(KernelsIntTest, MmInt64) {
  OpRun run("aten.mm.default",
            MakeSample({Contig(kI64, {3, 4}), Transposed(kI64, {4, 5})}, {Val(0), Val(1)}, "int64"));
  ASSERT_TRUE(run.ok());
  aotd_rt::mm(run.In<int64_t>(0), run.In<int64_t>(1), run.Out<int64_t>(0));
  run.Check(0, 0);
}

TYPED_TEST(KernelsTest, Bmm) {
  using T = TypeParam;
  constexpr DType kT = DTypeOf<T>();
  const std::vector<std::pair<std::vector<TensorType>, std::string>> cases = {
      {{Contig(kT, {2, 3, 4}), Contig(kT, {2, 4, 5})}, "contiguous"},
      {{Transposed(kT, {2, 3, 4}), Transposed(kT, {2, 4, 5})}, "transposed"},
      {{Contig(kT, {3, 2, 4}), Strided(kT, {3, 4, 5}, {0, 5, 1})}, "broadcast batch"},
      {{Strided(kT, {2, 3, 4}, {1, 16, 2}), Contig(kT, {2, 4, 2})}, "strided"},
      {{Contig(kT, {0, 3, 4}), Contig(kT, {0, 4, 5})}, "no batches"},
  };
  for (const auto& [tensors, note] : cases) {
    OpRun run("aten.bmm.default", MakeSample(tensors, {Val(0), Val(1)}, note));
    ASSERT_TRUE(run.ok());
    aotd_rt::bmm(run.In<T>(0), run.In<T>(1), run.Out<T>(0));
    run.Check(0, Tol<T>());
  }
}

TYPED_TEST(KernelsTest, Addmm) {
  using T = TypeParam;
  constexpr DType kT = DTypeOf<T>();
  struct Case {
    TensorType self;
    bool transposed_mat1;
    double beta, alpha;
  };
  const std::vector<Case> cases = {
      {Contig(kT, {5}), false, 1, 1},     {Contig(kT, {3, 5}), true, 0.5, 2},
      {Contig(kT, {3, 1}), false, -1, 1}, {Contig(kT, {}), true, 2, -0.5},
      {Transposed(kT, {3, 5}), false, 1, 1}, {Contig(kT, {3, 5}), false, 0, 1.5},
  };
  for (const Case& c : cases) {
    TensorType mat1 = c.transposed_mat1 ? Transposed(kT, {3, 4}) : Contig(kT, {3, 4});
    OpRun run("aten.addmm.default",
              MakeSample({c.self, mat1, Contig(kT, {4, 5})}, {Val(0), Val(1), Val(2)},
                         absl::StrCat("beta ", c.beta, " alpha ", c.alpha),
                         {{"beta", Flt(c.beta)}, {"alpha", Flt(c.alpha)}}));
    ASSERT_TRUE(run.ok());
    if (c.beta == 0) {  // beta 0 ignores self, NaN included.
      std::vector<double> values = run.input(0).data;
      values[0] = kNaN;
      run.SetInput(0, values);
    }
    aotd_rt::addmm(run.In<T>(0), run.In<T>(1), run.In<T>(2), c.beta, c.alpha, run.Out<T>(0));
    run.Check(0, Tol<T>());
  }
}

// ---------------------------------------------------------------------------
// Convolution

struct ConvCase {
  Dims input, weight;
  bool bias;
  Dims stride, padding, dilation;
  int64_t groups;
  bool transposed_input;
  std::string note;
  // A transposed convolution: weight [C_in, C_out / groups, *K].
  bool transposed = false;
  Dims output_padding = {0};
};

// The bias size of the convolution of c.
int64_t ConvOutChannels(const ConvCase& c) {
  return c.transposed ? c.weight[1] * c.groups : c.weight[0];
}

std::vector<ConvCase> ConvCases() {
  return {
      {{2, 3, 7, 6}, {4, 3, 3, 3}, true, {1, 1}, {0, 0}, {1, 1}, 1, false, "2-d 3x3"},
      {{2, 4, 9, 8}, {6, 2, 3, 2}, false, {2, 1}, {1, 2}, {2, 1}, 2, false, "2-d strided, groups"},
      {{2, 6, 5, 5}, {4, 6, 1, 1}, true, {1, 1}, {0, 0}, {1, 1}, 1, false, "2-d 1x1"},
      {{1, 4, 6, 6}, {4, 1, 3, 3}, true, {1}, {1}, {1}, 4, false, "depthwise, one-value lists"},
      {{2, 3, 10}, {5, 3, 3}, true, {2}, {1}, {1}, 1, false, "1-d"},
      {{1, 2, 5, 6, 4}, {3, 2, 2, 3, 2}, true, {1, 2, 1}, {1, 0, 1}, {1, 1, 2}, 1, false, "3-d"},
      {{2, 3, 7, 6}, {4, 3, 3, 3}, true, {2, 2}, {1, 1}, {1, 1}, 1, true, "transposed input"},
      {{2, 8, 32, 32}, {16, 8, 3, 3}, true, {1, 1}, {1, 1}, {1, 1}, 1, false, "large"},
      {{2, 4, 3, 4}, {4, 3, 3, 2}, true, {2, 3}, {1, 0}, {1, 2}, 2, false,
       "transposed, stride, padding, output_padding, dilation, groups", true, {1, 2}},
      {{2, 3, 5}, {3, 2, 3}, false, {1}, {0}, {2}, 1, true,
       "transposed 1-d, output_padding below the dilation only", true, {1}},
      {{1, 2, 2, 3, 2}, {2, 2, 2, 2, 3}, true, {2, 1, 2}, {0, 1, 1}, {1, 1, 1}, 1, false,
       "transposed 3-d", true, {1, 0, 1}},
      {{2, 6, 4, 4}, {6, 1, 1, 1}, true, {1, 1}, {0, 0}, {1, 1}, 3, false, "transposed 1x1", true,
       {0, 0}},
  };
}

std::vector<Argument> ConvGeometryArgs(const ConvCase& c) {
  return {Ints(c.stride), Ints(c.padding), Ints(c.dilation), Bool(c.transposed),
          Ints(c.output_padding), Int(c.groups)};
}

TYPED_TEST(KernelsTest, Convolution) {
  using T = TypeParam;
  constexpr DType kT = DTypeOf<T>();
  for (const ConvCase& c : ConvCases()) {
    std::vector<TensorType> tensors = {
        c.transposed_input ? Transposed(kT, c.input) : Contig(kT, c.input), Contig(kT, c.weight)};
    std::vector<Argument> args = {Val(0), Val(1), NoneArg()};
    if (c.bias) {
      tensors.push_back(Contig(kT, {ConvOutChannels(c)}));
      args[2] = Val(2);
    }
    for (const Argument& a : ConvGeometryArgs(c)) args.push_back(a);
    OpRun run("aten.convolution.default", MakeSample(tensors, args, c.note));
    ASSERT_TRUE(run.ok());
    aotd_rt::convolution(run.In<T>(0), run.In<T>(1),
                         c.bias ? run.In<T>(2) : aotd_rt::none<const T>(), c.stride.data(),
                         static_cast<int64_t>(c.stride.size()), c.padding.data(),
                         static_cast<int64_t>(c.padding.size()), c.dilation.data(),
                         static_cast<int64_t>(c.dilation.size()), c.transposed,
                         c.output_padding.data(), static_cast<int64_t>(c.output_padding.size()),
                         c.groups, run.Out<T>(0));
    run.Check(0, Tol<T>());
  }
}

TYPED_TEST(KernelsTest, ConvolutionBackward) {
  using T = TypeParam;
  constexpr DType kT = DTypeOf<T>();
  const std::vector<std::vector<bool>> masks = {{true, true, true}, {true, false, false},
                                                {false, true, true}};
  for (const ConvCase& c : ConvCases()) {
    // The forward gives grad_output's shape.
    std::vector<Argument> forward_args = {Val(0), Val(1), NoneArg()};
    for (const Argument& a : ConvGeometryArgs(c)) forward_args.push_back(a);
    OpRun forward("aten.convolution.default",
                  MakeSample({Contig(kT, c.input), Contig(kT, c.weight)}, forward_args, c.note));
    ASSERT_TRUE(forward.ok());
    const Dims out_shape = forward.result_type(0).shape;
    for (const std::vector<bool>& mask : masks) {
      std::vector<TensorType> tensors = {
          c.transposed_input ? Transposed(kT, out_shape) : Contig(kT, out_shape),
          c.transposed_input ? Transposed(kT, c.input) : Contig(kT, c.input),
          Contig(kT, c.weight)};
      std::vector<Argument> args = {Val(0), Val(1), Val(2),
                                    c.bias ? Ints({ConvOutChannels(c)}) : NoneArg()};
      for (const Argument& a : ConvGeometryArgs(c)) args.push_back(a);
      args.push_back(Mask(mask[0], mask[1], mask[2]));
      OpRun run("aten.convolution_backward.default",
                MakeSample(tensors, args,
                           absl::StrCat(c.note, ", mask ", mask[0], mask[1], mask[2])));
      ASSERT_TRUE(run.ok());
      const Dims bias_sizes = {ConvOutChannels(c)};
      const bool output_mask[3] = {mask[0], mask[1], mask[2]};
      Ref<T> grads[3];
      for (int i = 0; i < 3; ++i) grads[i] = mask[i] ? run.Out<T>(i) : aotd_rt::none<T>();
      aotd_rt::convolution_backward(
          run.In<T>(0), run.In<T>(1), run.In<T>(2), c.bias ? bias_sizes.data() : nullptr,
          c.bias ? 1 : 0, c.stride.data(), static_cast<int64_t>(c.stride.size()),
          c.padding.data(), static_cast<int64_t>(c.padding.size()), c.dilation.data(),
          static_cast<int64_t>(c.dilation.size()), c.transposed, c.output_padding.data(),
          static_cast<int64_t>(c.output_padding.size()), c.groups, output_mask,
          grads[0], grads[1], grads[2]);
      for (int i = 0; i < 3; ++i) {
        if (mask[i]) run.Check(i, Tol<T>());
      }
    }
  }
}

// ---------------------------------------------------------------------------
// Pooling

struct PoolCase {
  Dims input, kernel, stride, padding, dilation;
  bool ceil_mode;
  bool transposed_input;
  std::string note;
};

std::vector<PoolCase> MaxPoolCases() {
  return {
      {{2, 3, 8, 7}, {3, 3}, {2, 2}, {1, 1}, {1, 1}, false, false, "3x3 stride 2"},
      {{3, 9, 9}, {2}, {}, {0}, {1}, true, false, "3-d input, default stride, ceil"},
      {{1, 2, 10, 11}, {3, 2}, {2, 3}, {1, 1}, {2, 1}, true, false, "dilated, ceil"},
      {{2, 2, 6, 5}, {2, 2}, {1, 1}, {0, 0}, {1, 1}, false, true, "transposed input"},
      {{4, 16, 32, 32}, {3, 3}, {2, 2}, {1, 1}, {1, 1}, false, false, "large"},
  };
}

template <typename T>
void RunMaxPool(OpRun& run, const PoolCase& c) {
  aotd_rt::max_pool2d_with_indices(
      run.In<T>(0), c.kernel.data(), static_cast<int64_t>(c.kernel.size()), c.stride.data(),
      static_cast<int64_t>(c.stride.size()), c.padding.data(),
      static_cast<int64_t>(c.padding.size()), c.dilation.data(),
      static_cast<int64_t>(c.dilation.size()), c.ceil_mode, run.Out<T>(0), run.Out<int64_t>(1));
}

TYPED_TEST(KernelsTest, MaxPool2d) {
  using T = TypeParam;
  constexpr DType kT = DTypeOf<T>();
  for (const PoolCase& c : MaxPoolCases()) {
    TensorType self = c.transposed_input ? Transposed(kT, c.input) : Contig(kT, c.input);
    OpRun run("aten.max_pool2d_with_indices.default",
              MakeSample({self},
                         {Val(0), Ints(c.kernel), Ints(c.stride), Ints(c.padding),
                          Ints(c.dilation), Bool(c.ceil_mode)},
                         c.note));
    ASSERT_TRUE(run.ok());
    RunMaxPool<T>(run, c);
    run.Check(0, 0);
    run.Check(1, 0);
  }
  // NaN wins, the last NaN of the window as in ATen; -inf windows keep
  // their first index.
  PoolCase c = {{1, 1, 2, 4}, {2, 2}, {2, 2}, {0, 0}, {1, 1}, false, false, "NaN and -inf"};
  OpRun run("aten.max_pool2d_with_indices.default",
            MakeSample({Contig(kT, c.input)},
                       {Val(0), Ints(c.kernel), Ints(c.stride), Ints(c.padding),
                        Ints(c.dilation), Bool(false)},
                       c.note));
  ASSERT_TRUE(run.ok());
  run.SetInput(0, {1, kNaN, -kInf, -kInf, kNaN, 3, -kInf, -kInf});
  RunMaxPool<T>(run, c);
  run.Check(0, 0);
  run.Check(1, 0);
}

TYPED_TEST(KernelsTest, MaxPool2dBackward) {
  using T = TypeParam;
  constexpr DType kT = DTypeOf<T>();
  for (const PoolCase& c : MaxPoolCases()) {
    std::vector<Argument> geometry = {Ints(c.kernel), Ints(c.stride), Ints(c.padding),
                                      Ints(c.dilation), Bool(c.ceil_mode)};
    std::vector<Argument> forward_args = {Val(0)};
    forward_args.insert(forward_args.end(), geometry.begin(), geometry.end());
    OpRun forward("aten.max_pool2d_with_indices.default",
                  MakeSample({Contig(kT, c.input)}, forward_args, c.note));
    ASSERT_TRUE(forward.ok());
    ASSERT_EQ(forward.Expected().size(), 2u);
    const Dims out = forward.result_type(0).shape;
    std::vector<Argument> args = {Val(0), Val(1)};
    args.insert(args.end(), geometry.begin(), geometry.end());
    args.push_back(Val(2));
    OpRun run("aten.max_pool2d_with_indices_backward.default",
              MakeSample({c.transposed_input ? Transposed(kT, out) : Contig(kT, out),
                          Contig(kT, c.input), Contig(kI64, out)},
                         args, c.note));
    ASSERT_TRUE(run.ok());
    run.SetInput(2, forward.Expected()[1].data);
    bool ok = aotd_rt::max_pool2d_with_indices_backward(
        run.In<T>(0), run.In<T>(1), c.kernel.data(), static_cast<int64_t>(c.kernel.size()),
        c.stride.data(), static_cast<int64_t>(c.stride.size()), c.padding.data(),
        static_cast<int64_t>(c.padding.size()), c.dilation.data(),
        static_cast<int64_t>(c.dilation.size()), c.ceil_mode, run.In<int64_t>(2), run.Out<T>(0));
    EXPECT_TRUE(ok) << c.note;
    run.Check(0, Tol<T>());
    // An index outside the plane is bad data.
    std::vector<int64_t> bad(run.input(2).data.begin(), run.input(2).data.end());
    bad.back() = c.input[c.input.size() - 1] * c.input[c.input.size() - 2];
    Ref<const int64_t> indices = run.In<int64_t>(2);
    indices.data = bad.data();
    std::vector<T> sink(run.input(1).NumElements());
    Ref<T> grad = run.Out<T>(0);
    grad.data = sink.data();
    EXPECT_FALSE(aotd_rt::max_pool2d_with_indices_backward(
        run.In<T>(0), run.In<T>(1), c.kernel.data(), static_cast<int64_t>(c.kernel.size()),
        c.stride.data(), static_cast<int64_t>(c.stride.size()), c.padding.data(),
        static_cast<int64_t>(c.padding.size()), c.dilation.data(),
        static_cast<int64_t>(c.dilation.size()), c.ceil_mode, indices, grad))
        << c.note;
  }
}

struct AvgCase {
  PoolCase pool;
  bool count_include_pad;
  std::optional<int64_t> divisor;
};

std::vector<AvgCase> AvgPoolCases() {
  return {
      {{{2, 3, 8, 7}, {3, 3}, {2, 2}, {1, 1}, {}, false, false, "include pad"}, true, {}},
      {{{2, 3, 8, 7}, {3, 3}, {2, 2}, {1, 1}, {}, false, false, "exclude pad"}, false, {}},
      {{{2, 3, 8, 7}, {3, 2}, {2, 1}, {1, 1}, {}, false, false, "divisor 5"}, true, 5},
      {{{1, 2, 9, 9}, {3, 2}, {2, 2}, {1, 1}, {}, true, false, "ceil, exclude pad"}, false, {}},
      {{{1, 2, 9, 9}, {3, 3}, {2, 2}, {1, 1}, {}, true, false, "ceil, include pad"}, true, {}},
      {{{3, 7, 7}, {2}, {}, {0}, {}, false, false, "3-d input, default stride"}, true, {}},
      {{{2, 2, 6, 5}, {2, 2}, {1, 1}, {1, 1}, {}, false, true, "transposed input"}, false, {}},
      {{{4, 16, 32, 32}, {2, 2}, {2, 2}, {0, 0}, {}, false, false, "large"}, true, {}},
  };
}

std::vector<Argument> AvgGeometryArgs(const AvgCase& c) {
  return {Ints(c.pool.kernel),        Ints(c.pool.stride),
          Ints(c.pool.padding),       Bool(c.pool.ceil_mode),
          Bool(c.count_include_pad),  c.divisor ? Int(*c.divisor) : NoneArg()};
}

template <typename T>
void RunAvgPool(OpRun& run, const AvgCase& c) {
  aotd_rt::avg_pool2d(run.In<T>(0), c.pool.kernel.data(),
                      static_cast<int64_t>(c.pool.kernel.size()), c.pool.stride.data(),
                      static_cast<int64_t>(c.pool.stride.size()), c.pool.padding.data(),
                      static_cast<int64_t>(c.pool.padding.size()), c.pool.ceil_mode,
                      c.count_include_pad, c.divisor.has_value(), c.divisor.value_or(0),
                      run.Out<T>(0));
}

TYPED_TEST(KernelsTest, AvgPool2d) {
  using T = TypeParam;
  constexpr DType kT = DTypeOf<T>();
  for (const AvgCase& c : AvgPoolCases()) {
    TensorType self =
        c.pool.transposed_input ? Transposed(kT, c.pool.input) : Contig(kT, c.pool.input);
    std::vector<Argument> args = {Val(0)};
    for (const Argument& a : AvgGeometryArgs(c)) args.push_back(a);
    OpRun run("aten.avg_pool2d.default", MakeSample({self}, args, c.pool.note));
    ASSERT_TRUE(run.ok());
    RunAvgPool<T>(run, c);
    run.Check(0, Tol<T>());
  }
}

TEST(KernelsIntTest, AvgPool2dInt64) {
  for (const AvgCase& c : AvgPoolCases()) {
    std::vector<Argument> args = {Val(0)};
    for (const Argument& a : AvgGeometryArgs(c)) args.push_back(a);
    Sample sample = MakeSample({Contig(kI64, c.pool.input)}, args, c.pool.note);
    sample.high = 50;
    OpRun run("aten.avg_pool2d.default", sample);
    ASSERT_TRUE(run.ok());
    RunAvgPool<int64_t>(run, c);
    run.Check(0, 0);
  }
}

TYPED_TEST(KernelsTest, AvgPool2dBackward) {
  using T = TypeParam;
  constexpr DType kT = DTypeOf<T>();
  for (const AvgCase& c : AvgPoolCases()) {
    std::vector<Argument> forward_args = {Val(0)};
    for (const Argument& a : AvgGeometryArgs(c)) forward_args.push_back(a);
    OpRun forward("aten.avg_pool2d.default",
                  MakeSample({Contig(kT, c.pool.input)}, forward_args, c.pool.note));
    ASSERT_TRUE(forward.ok());
    const Dims out = forward.result_type(0).shape;
    std::vector<Argument> args = {Val(0), Val(1)};
    for (const Argument& a : AvgGeometryArgs(c)) args.push_back(a);
    OpRun run("aten.avg_pool2d_backward.default",
              MakeSample({c.pool.transposed_input ? Transposed(kT, out) : Contig(kT, out),
                          Contig(kT, c.pool.input)},
                         args, c.pool.note));
    ASSERT_TRUE(run.ok());
    aotd_rt::avg_pool2d_backward(
        run.In<T>(0), run.In<T>(1), c.pool.kernel.data(),
        static_cast<int64_t>(c.pool.kernel.size()), c.pool.stride.data(),
        static_cast<int64_t>(c.pool.stride.size()), c.pool.padding.data(),
        static_cast<int64_t>(c.pool.padding.size()), c.pool.ceil_mode, c.count_include_pad,
        c.divisor.has_value(), c.divisor.value_or(0), run.Out<T>(0));
    run.Check(0, Tol<T>());
  }
}

struct AdaptiveCase {
  Dims input, size;
  bool transposed_input;
};

std::vector<AdaptiveCase> AdaptiveCases() {
  return {{{2, 3, 7, 5}, {3, 3}, false},   {{3, 8, 8}, {4, 4}, false},
          {{1, 2, 5, 9}, {1, 1}, false},   {{2, 2, 6, 5}, {4, 7}, true},
          {{8, 32, 16, 16}, {5, 3}, false}};
}

TYPED_TEST(KernelsTest, AdaptiveAvgPool2d) {
  using T = TypeParam;
  constexpr DType kT = DTypeOf<T>();
  for (const AdaptiveCase& c : AdaptiveCases()) {
    TensorType self = c.transposed_input ? Transposed(kT, c.input) : Contig(kT, c.input);
    OpRun run("aten._adaptive_avg_pool2d.default",
              MakeSample({self}, {Val(0), Ints(c.size)}, absl::StrJoin(c.size, "x")));
    ASSERT_TRUE(run.ok());
    aotd_rt::adaptive_avg_pool2d(run.In<T>(0), c.size.data(), 2, run.Out<T>(0));
    run.Check(0, Tol<T>());

    Dims out = run.result_type(0).shape;
    OpRun back("aten._adaptive_avg_pool2d_backward.default",
               MakeSample({c.transposed_input ? Transposed(kT, out) : Contig(kT, out),
                           Contig(kT, c.input)},
                          {Val(0), Val(1)}, absl::StrJoin(c.size, "x")));
    ASSERT_TRUE(back.ok());
    aotd_rt::adaptive_avg_pool2d_backward(back.In<T>(0), back.In<T>(1), back.Out<T>(0));
    back.Check(0, Tol<T>());
  }
}

// ---------------------------------------------------------------------------
// Normalization

struct LayerNormCase {
  TensorType input;
  Dims normalized;
  bool weight, bias;
  std::string note;
};

template <typename T>
std::vector<LayerNormCase> LayerNormCases() {
  constexpr DType kT = DTypeOf<T>();
  return {
      {Contig(kT, {4, 6}), {6}, true, true, "affine"},
      {Contig(kT, {2, 3, 4}), {3, 4}, true, false, "two dims, weight only"},
      {Contig(kT, {5, 8}), {8}, false, false, "plain"},
      {Transposed(kT, {3, 5, 4}), {4}, true, true, "transposed input"},
      {Contig(kT, {256, 256}), {256}, true, true, "large"},
      {Contig(kT, {1024, 48}), {48}, true, true, "many rows"},
  };
}

TYPED_TEST(KernelsTest, LayerNorm) {
  using T = TypeParam;
  constexpr DType kT = DTypeOf<T>();
  for (const LayerNormCase& c : LayerNormCases<T>()) {
    std::vector<TensorType> tensors = {c.input};
    std::vector<Argument> args = {Val(0), Ints(c.normalized), NoneArg(), NoneArg(), Flt(1e-5)};
    if (c.weight) {
      args[2] = Val(static_cast<int>(tensors.size()));
      tensors.push_back(Contig(kT, c.normalized));
    }
    if (c.bias) {
      args[3] = Val(static_cast<int>(tensors.size()));
      tensors.push_back(Contig(kT, c.normalized));
    }
    OpRun run("aten.native_layer_norm.default", MakeSample(tensors, args, c.note));
    ASSERT_TRUE(run.ok());
    aotd_rt::native_layer_norm(
        run.In<T>(0), c.normalized.data(), static_cast<int64_t>(c.normalized.size()),
        c.weight ? run.In<T>(1) : aotd_rt::none<const T>(),
        c.bias ? run.In<T>(c.weight ? 2 : 1) : aotd_rt::none<const T>(), 1e-5, run.Out<T>(0),
        run.Out<T>(1), run.Out<T>(2));
    for (int i = 0; i < 3; ++i) run.Check(i, Tol<T>());
  }
}

TYPED_TEST(KernelsTest, LayerNormBackward) {
  using T = TypeParam;
  constexpr DType kT = DTypeOf<T>();
  const std::vector<std::vector<bool>> masks = {{true, true, true}, {true, false, false},
                                                {false, true, true}};
  for (const LayerNormCase& c : LayerNormCases<T>()) {
    Dims stats(c.input.shape.begin(), c.input.shape.end() - c.normalized.size());
    stats.resize(c.input.shape.size(), 1);
    for (const std::vector<bool>& mask : masks) {
      // grad, input, mean, rstd, [weight], [bias].
      std::vector<TensorType> tensors = {c.input, Contig(kT, c.input.shape), Contig(kT, stats),
                                         Contig(kT, stats)};
      std::vector<Argument> args = {Val(0),   Val(1),    Ints(c.normalized), Val(2),
                                    Val(3),   NoneArg(), NoneArg(),          Mask(mask[0], mask[1], mask[2])};
      if (c.weight) {
        args[5] = Val(static_cast<int>(tensors.size()));
        tensors.push_back(Contig(kT, c.normalized));
      }
      if (c.bias) {
        args[6] = Val(static_cast<int>(tensors.size()));
        tensors.push_back(Contig(kT, c.normalized));
      }
      if (!c.weight && (mask[1] || mask[2]) && !mask[0]) continue;
      OpRun run("aten.native_layer_norm_backward.default",
                MakeSample(tensors, args, absl::StrCat(c.note, ", mask ", mask[0], mask[1], mask[2])));
      ASSERT_TRUE(run.ok());
      const bool output_mask[3] = {mask[0], mask[1], mask[2]};
      Ref<T> grads[3];
      for (int i = 0; i < 3; ++i) grads[i] = mask[i] ? run.Out<T>(i) : aotd_rt::none<T>();
      aotd_rt::native_layer_norm_backward(
          run.In<T>(0), run.In<T>(1), c.normalized.data(),
          static_cast<int64_t>(c.normalized.size()), run.In<T>(2), run.In<T>(3),
          c.weight ? run.In<T>(4) : aotd_rt::none<const T>(),
          c.bias ? run.In<T>(c.weight ? 5 : 4) : aotd_rt::none<const T>(), output_mask, grads[0],
          grads[1], grads[2]);
      for (int i = 0; i < 3; ++i) {
        if (mask[i]) run.Check(i, Tol<T>());
      }
    }
  }
}

struct BatchNormCase {
  TensorType input;
  bool affine;
  bool training;
  std::string note;
};

template <typename T>
std::vector<BatchNormCase> BatchNormCases() {
  constexpr DType kT = DTypeOf<T>();
  return {
      {Contig(kT, {4, 3, 5, 2}), true, true, "training"},
      {Contig(kT, {6, 4}), false, true, "training, rank 2, no affine"},
      {Transposed(kT, {2, 3, 4, 5}), true, true, "training, transposed input"},
      {Contig(kT, {8, 16, 17, 16}), true, true, "training, large"},
      {Contig(kT, {4, 3, 5, 2}), true, false, "eval"},
      {Transposed(kT, {2, 3, 4, 5}), false, false, "eval, transposed input, no affine"},
  };
}

// Positive values for a variance or inverse standard deviation.
std::vector<double> Positive(const HostTensor& t) {
  std::vector<double> v = t.data;
  for (double& x : v) x = std::fabs(x) + 0.25;
  return v;
}

TYPED_TEST(KernelsTest, BatchNorm) {
  using T = TypeParam;
  constexpr DType kT = DTypeOf<T>();
  for (const BatchNormCase& c : BatchNormCases<T>()) {
    const Dims channels = {c.input.shape[1]};
    // input, running_mean, running_var, [weight, bias].
    std::vector<TensorType> tensors = {c.input, Contig(kT, channels), Contig(kT, channels)};
    std::vector<Argument> args = {Val(0), NoneArg(),       NoneArg(), Val(1),
                                  Val(2), Bool(c.training), Flt(0.1),  Flt(1e-5)};
    if (c.affine) {
      tensors.push_back(Contig(kT, channels));
      tensors.push_back(Contig(kT, channels));
      args[1] = Val(3);
      args[2] = Val(4);
    }
    OpRun run("aten.native_batch_norm.default", MakeSample(tensors, args, c.note));
    ASSERT_TRUE(run.ok());
    run.SetInput(2, Positive(run.input(2)));
    aotd_rt::native_batch_norm(
        run.In<T>(0), c.affine ? run.In<T>(3) : aotd_rt::none<const T>(),
        c.affine ? run.In<T>(4) : aotd_rt::none<const T>(), run.In<T>(1), run.In<T>(2),
        c.training, 0.1, 1e-5, run.Out<T>(0), run.Out<T>(1), run.Out<T>(2));
    run.Check(0, Tol<T>());
    if (c.training) {
      run.Check(1, Tol<T>());
      run.Check(2, Tol<T>());
    } else {
      EXPECT_EQ(run.result_type(1).shape, Dims{0});
    }
  }
}

TYPED_TEST(KernelsTest, BatchNormBackward) {
  using T = TypeParam;
  constexpr DType kT = DTypeOf<T>();
  const std::vector<std::vector<bool>> masks = {{true, true, true}, {true, false, false},
                                                {false, true, true}};
  for (const BatchNormCase& c : BatchNormCases<T>()) {
    const Dims channels = {c.input.shape[1]};
    for (const std::vector<bool>& mask : masks) {
      // grad, input, running_mean, running_var, save_mean, save_invstd, [weight].
      std::vector<TensorType> tensors = {c.input, Contig(kT, c.input.shape)};
      for (int i = 0; i < 4; ++i) tensors.push_back(Contig(kT, channels));
      std::vector<Argument> args = {Val(0), Val(1),    NoneArg(),       Val(2),
                                    Val(3), Val(4),    Val(5),          Bool(c.training),
                                    Flt(1e-5), Mask(mask[0], mask[1], mask[2])};
      if (c.affine) {
        tensors.push_back(Contig(kT, channels));
        args[2] = Val(6);
      }
      OpRun run("aten.native_batch_norm_backward.default",
                MakeSample(tensors, args, absl::StrCat(c.note, ", mask ", mask[0], mask[1], mask[2])));
      ASSERT_TRUE(run.ok());
      run.SetInput(3, Positive(run.input(3)));
      run.SetInput(5, Positive(run.input(5)));
      const bool output_mask[3] = {mask[0], mask[1], mask[2]};
      Ref<T> grads[3];
      for (int i = 0; i < 3; ++i) grads[i] = mask[i] ? run.Out<T>(i) : aotd_rt::none<T>();
      aotd_rt::native_batch_norm_backward(
          run.In<T>(0), run.In<T>(1), c.affine ? run.In<T>(6) : aotd_rt::none<const T>(),
          run.In<T>(2), run.In<T>(3), run.In<T>(4), run.In<T>(5), c.training, 1e-5, output_mask,
          grads[0], grads[1], grads[2]);
      for (int i = 0; i < 3; ++i) {
        if (mask[i]) run.Check(i, Tol<T>());
      }
    }
  }
}

// ---------------------------------------------------------------------------
// Softmax

struct SoftmaxCase {
  TensorType input;
  int64_t dim;
};

template <typename T>
std::vector<SoftmaxCase> SoftmaxCases() {
  constexpr DType kT = DTypeOf<T>();
  return {{Contig(kT, {3, 4, 5}), 0},       {Contig(kT, {3, 4, 5}), 1},
          {Contig(kT, {3, 4, 5}), 2},       {Contig(kT, {3, 4, 5}), -1},
          {Transposed(kT, {4, 6}), 1},      {Transposed(kT, {4, 6}), 0},
          {Contig(kT, {7}), 0},             {Contig(kT, {}), 0},
          {Contig(kT, {64, 1024}), -1},     {Contig(kT, {600, 300}), 0}};
}

TYPED_TEST(KernelsTest, Softmax) {
  using T = TypeParam;
  constexpr DType kT = DTypeOf<T>();
  for (bool log : {false, true}) {
    const char* op = log ? "aten._log_softmax.default" : "aten._softmax.default";
    for (const SoftmaxCase& c : SoftmaxCases<T>()) {
      OpRun run(op, MakeSample({c.input}, {Val(0), Int(c.dim), Bool(false)},
                               absl::StrCat("dim ", c.dim)));
      ASSERT_TRUE(run.ok());
      if (log) {
        aotd_rt::log_softmax(run.In<T>(0), c.dim, false, run.Out<T>(0));
      } else {
        aotd_rt::softmax(run.In<T>(0), c.dim, false, run.Out<T>(0));
      }
      run.Check(0, Tol<T>());
    }
    // A lane of -inf gives NaN; -inf entries of a finite lane give 0 (-inf
    // for log); NaN spreads over its lane. Along rows and along columns.
    for (int64_t dim : {1, 0}) {
      OpRun run(op, MakeSample({Contig(kT, {3, 3})}, {Val(0), Int(dim), Bool(false)},
                               absl::StrCat("-inf and NaN, dim ", dim)));
      ASSERT_TRUE(run.ok());
      run.SetInput(0, {-kInf, -kInf, -kInf, 1, -kInf, 2, 0.5, kNaN, 1});
      if (log) {
        aotd_rt::log_softmax(run.In<T>(0), dim, false, run.Out<T>(0));
      } else {
        aotd_rt::softmax(run.In<T>(0), dim, false, run.Out<T>(0));
      }
      run.Check(0, Tol<T>());
    }
  }
}

TYPED_TEST(KernelsTest, SoftmaxBackward) {
  using T = TypeParam;
  constexpr DType kT = DTypeOf<T>();
  for (bool log : {false, true}) {
    const char* op = log ? "aten._log_softmax_backward_data.default"
                         : "aten._softmax_backward_data.default";
    for (const SoftmaxCase& c : SoftmaxCases<T>()) {
      TensorType grad = c.input;
      grad.strides = ir::ContiguousStrides(grad.shape);
      OpRun run(op, MakeSample({grad, c.input}, {Val(0), Val(1), Int(c.dim), Argument::DTypeArg(kT)},
                               absl::StrCat("dim ", c.dim)));
      ASSERT_TRUE(run.ok());
      if (log) {
        aotd_rt::log_softmax_backward_data(run.In<T>(0), run.In<T>(1), c.dim, run.Out<T>(0));
      } else {
        aotd_rt::softmax_backward_data(run.In<T>(0), run.In<T>(1), c.dim, run.Out<T>(0));
      }
      run.Check(0, Tol<T>());
    }
  }
}

// ---------------------------------------------------------------------------
// Losses

struct NllCase {
  Dims input;
  bool weight;
  int64_t reduction, ignore_index;
};

std::vector<NllCase> NllCases() {
  std::vector<NllCase> cases;
  for (int64_t reduction : {0, 1, 2}) {
    cases.push_back({{5, 4}, false, reduction, -100});
    cases.push_back({{5, 4}, true, reduction, 1});
    cases.push_back({{4}, true, reduction, -100});
    cases.push_back({{4}, false, reduction, 2});
    cases.push_back({{0, 4}, false, reduction, -100});
    cases.push_back({{300, 10}, true, reduction, 3});
  }
  return cases;
}

Dims NllOutputShape(const NllCase& c) {
  return c.reduction == 0 && c.input.size() == 2 ? Dims{c.input[0]} : Dims{};
}

TYPED_TEST(KernelsTest, NllLoss) {
  using T = TypeParam;
  constexpr DType kT = DTypeOf<T>();
  for (const NllCase& c : NllCases()) {
    Dims target = c.input.size() == 2 ? Dims{c.input[0]} : Dims{};
    std::vector<TensorType> tensors = {Contig(kT, c.input), Contig(kI64, target)};
    std::vector<Argument> args = {Val(0), Val(1), NoneArg(), Int(c.reduction),
                                  Int(c.ignore_index)};
    if (c.weight) {
      tensors.push_back(Contig(kT, {c.input.back()}));
      args[2] = Val(2);
    }
    Sample sample = MakeSample(tensors, args,
                               absl::StrCat("input ", absl::StrJoin(c.input, "x"), " reduction ",
                                            c.reduction, " ignore ", c.ignore_index));
    sample.high = static_cast<double>(c.input.back());  // Targets in [0, C).
    OpRun run("aten.nll_loss_forward.default", sample);
    ASSERT_TRUE(run.ok());
    bool ok = aotd_rt::nll_loss_forward(run.In<T>(0), run.In<int64_t>(1),
                                        c.weight ? run.In<T>(2) : aotd_rt::none<const T>(),
                                        c.reduction, c.ignore_index, run.Out<T>(0), run.Out<T>(1));
    EXPECT_TRUE(ok);
    run.Check(0, Tol<T>());
    run.Check(1, Tol<T>());

    // Backward: grad_output, self, target, total_weight, [weight].
    std::vector<TensorType> back_tensors = {Contig(kT, NllOutputShape(c)), Contig(kT, c.input),
                                            Contig(kI64, target), Contig(kT, {})};
    std::vector<Argument> back_args = {Val(0), Val(1), Val(2), NoneArg(), Int(c.reduction),
                                       Int(c.ignore_index), Val(3)};
    if (c.weight) {
      back_tensors.push_back(Contig(kT, {c.input.back()}));
      back_args[3] = Val(4);
    }
    sample = MakeSample(back_tensors, back_args, sample.note);
    sample.high = static_cast<double>(c.input.back());
    OpRun back("aten.nll_loss_backward.default", sample);
    ASSERT_TRUE(back.ok());
    ok = aotd_rt::nll_loss_backward(back.In<T>(0), back.In<T>(1), back.In<int64_t>(2),
                                    c.weight ? back.In<T>(4) : aotd_rt::none<const T>(),
                                    c.reduction, c.ignore_index, back.In<T>(3), back.Out<T>(0));
    EXPECT_TRUE(ok);
    back.Check(0, Tol<T>());
  }
}

TEST(KernelsIntTest, NllLossRejectsBadTargets) {
  std::vector<double> input = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6};
  std::vector<int64_t> target = {1, 3};  // 3 is out of [0, 3).
  const Dims shape = {2, 3}, strides = {3, 1}, target_shape = {2}, target_strides = {1};
  double out[2], total;
  Ref<const double> self{input.data(), shape.data(), strides.data(), 2};
  Ref<const int64_t> t{target.data(), target_shape.data(), target_strides.data(), 1};
  Ref<double> output{out, target_shape.data(), target_strides.data(), 1};
  Ref<double> total_weight{&total, nullptr, nullptr, 0};
  EXPECT_FALSE(aotd_rt::nll_loss_forward(self, t, aotd_rt::none<const double>(), 0, -100, output,
                                         total_weight));
  target[1] = -100;  // Ignored.
  EXPECT_TRUE(aotd_rt::nll_loss_forward(self, t, aotd_rt::none<const double>(), 0, -100, output,
                                        total_weight));
  EXPECT_EQ(out[0], -0.2);
  EXPECT_EQ(out[1], 0);
}

struct PointwiseLossCase {
  TensorType self, target;
  std::string note;
};

template <typename T>
std::vector<PointwiseLossCase> PointwiseLossCases() {
  constexpr DType kT = DTypeOf<T>();
  return {
      {Contig(kT, {3, 4}), Contig(kT, {3, 4}), "same shape"},
      {Contig(kT, {3, 4}), Contig(kT, {4}), "broadcast target"},
      {Contig(kT, {2, 1, 5}), Contig(kT, {3, 1}), "broadcast both"},
      {Transposed(kT, {4, 6}), Contig(kT, {4, 6}), "transposed self"},
      {Contig(kT, {300, 200}), Transposed(kT, {300, 200}), "large"},
  };
}

TYPED_TEST(KernelsTest, MseAndSmoothL1Loss) {
  using T = TypeParam;
  for (const PointwiseLossCase& c : PointwiseLossCases<T>()) {
    for (int64_t reduction : {0, 1, 2}) {
      std::string note = absl::StrCat(c.note, ", reduction ", reduction);
      OpRun mse("aten.mse_loss.default",
                MakeSample({c.self, c.target}, {Val(0), Val(1), Int(reduction)}, note));
      ASSERT_TRUE(mse.ok());
      aotd_rt::mse_loss(mse.In<T>(0), mse.In<T>(1), reduction, mse.Out<T>(0));
      mse.Check(0, Tol<T>());
      for (double beta : {1.0, 0.5, 0.0}) {
        OpRun l1("aten.smooth_l1_loss.default",
                 MakeSample({c.self, c.target}, {Val(0), Val(1), Int(reduction), Flt(beta)},
                            absl::StrCat(note, ", beta ", beta)));
        ASSERT_TRUE(l1.ok());
        aotd_rt::smooth_l1_loss(l1.In<T>(0), l1.In<T>(1), reduction, beta, l1.Out<T>(0));
        l1.Check(0, Tol<T>());
      }
    }
  }
}

TYPED_TEST(KernelsTest, MseAndSmoothL1LossBackward) {
  using T = TypeParam;
  constexpr DType kT = DTypeOf<T>();
  for (const PointwiseLossCase& c : PointwiseLossCases<T>()) {
    for (int64_t reduction : {0, 1, 2}) {
      std::string note = absl::StrCat(c.note, ", reduction ", reduction);
      Dims shape;
      ASSERT_TRUE(reference::BroadcastShapes(c.self.shape, c.target.shape, &shape));
      TensorType grad = Contig(kT, reduction == 0 ? shape : Dims{});
      OpRun mse("aten.mse_loss_backward.default",
                MakeSample({grad, c.self, c.target}, {Val(0), Val(1), Val(2), Int(reduction)},
                           note));
      ASSERT_TRUE(mse.ok());
      aotd_rt::mse_loss_backward(mse.In<T>(0), mse.In<T>(1), mse.In<T>(2), reduction,
                                 mse.Out<T>(0));
      mse.Check(0, Tol<T>());
      for (double beta : {1.0, 0.5, 0.0}) {
        OpRun l1("aten.smooth_l1_loss_backward.default",
                 MakeSample({grad, c.self, c.target},
                            {Val(0), Val(1), Val(2), Int(reduction), Flt(beta)},
                            absl::StrCat(note, ", beta ", beta)));
        ASSERT_TRUE(l1.ok());
        aotd_rt::smooth_l1_loss_backward(l1.In<T>(0), l1.In<T>(1), l1.In<T>(2), reduction, beta,
                                         l1.Out<T>(0));
        l1.Check(0, Tol<T>());
      }
    }
  }
}

// ---------------------------------------------------------------------------
// Embedding

template <typename T, typename TI>
void CheckEmbedding(DType index_dtype) {
  constexpr DType kT = DTypeOf<T>();
  const std::vector<std::pair<TensorType, Dims>> cases = {
      {Contig(kT, {10, 4}), {3, 5}},
      {Transposed(kT, {10, 4}), {7}},
      {Contig(kT, {10, 4}), {}},
      {Contig(kT, {1000, 64}), {40, 20}},
  };
  for (const auto& [weight, indices] : cases) {
    Sample sample = MakeSample({weight, Contig(index_dtype, indices)}, {Val(0), Val(1)},
                               absl::StrCat("indices ", absl::StrJoin(indices, "x")));
    sample.high = static_cast<double>(weight.shape[0]);
    OpRun run("aten.embedding.default", sample);
    ASSERT_TRUE(run.ok());
    EXPECT_TRUE(aotd_rt::embedding(run.In<T>(0), run.In<TI>(1), -1, false, false, run.Out<T>(0)));
    run.Check(0, 0);

    for (const auto& [padding_idx, scale] :
         std::vector<std::pair<int64_t, bool>>{{-1, false}, {3, false}, {-1, true}, {2, true}}) {
      Dims grad_shape = indices;
      grad_shape.push_back(weight.shape[1]);
      Sample back_sample = MakeSample(
          {Contig(kT, grad_shape), Contig(index_dtype, indices)},
          {Val(0), Val(1), Int(weight.shape[0]), Int(padding_idx), Bool(scale)},
          absl::StrCat(sample.note, " padding_idx ", padding_idx, " scale ", scale));
      back_sample.high = static_cast<double>(weight.shape[0]);
      OpRun back("aten.embedding_dense_backward.default", back_sample);
      ASSERT_TRUE(back.ok());
      EXPECT_TRUE(aotd_rt::embedding_dense_backward(back.In<T>(0), back.In<TI>(1),
                                                    weight.shape[0], padding_idx, scale,
                                                    back.Out<T>(0)));
      back.Check(0, Tol<T>());
    }
  }
  // Bad indices.
  std::vector<T> table(6, T(1)), out(6);
  std::vector<TI> bad = {0, 3};
  const Dims table_shape = {3, 2}, table_strides = {2, 1}, index_shape = {2}, index_strides = {1},
             out_shape = {2, 2}, out_strides = {2, 1};
  Ref<const T> w{table.data(), table_shape.data(), table_strides.data(), 2};
  Ref<const TI> idx{bad.data(), index_shape.data(), index_strides.data(), 1};
  EXPECT_FALSE(aotd_rt::embedding(w, idx, -1, false, false,
                                  Ref<T>{out.data(), out_shape.data(), out_strides.data(), 2}));
  Ref<const T> grad{table.data(), out_shape.data(), out_strides.data(), 2};
  EXPECT_FALSE(aotd_rt::embedding_dense_backward(
      grad, idx, 3, -1, false, Ref<T>{out.data(), table_shape.data(), table_strides.data(), 2}));
}

TYPED_TEST(KernelsTest, Embedding) {
  CheckEmbedding<TypeParam, int64_t>(kI64);
  CheckEmbedding<TypeParam, int32_t>(kI32);
}

// ---------------------------------------------------------------------------
// Reductions

TYPED_TEST(KernelsTest, Var) {
  using T = TypeParam;
  constexpr DType kT = DTypeOf<T>();
  struct Case {
    TensorType self;
    Dims dims;
    int64_t correction;
    bool keepdim;
  };
  const std::vector<Case> cases = {
      {Contig(kT, {3, 4, 5}), {1}, 1, false},   {Contig(kT, {3, 4, 5}), {0, 2}, 0, true},
      {Contig(kT, {3, 4, 5}), {}, 2, false},    {Contig(kT, {3, 4, 5}), {-1}, 1, true},
      {Transposed(kT, {4, 6}), {1}, 1, false},  {Transposed(kT, {4, 6}), {0}, 0, false},
      {Contig(kT, {}), {}, 0, false},           {Contig(kT, {2, 1}), {1}, 1, false},
      {Contig(kT, {200, 300}), {}, 1, false},   {Transposed(kT, {200, 300}), {0}, 1, false},
  };
  for (const Case& c : cases) {
    OpRun run("aten.var.correction",
              MakeSample({c.self}, {Val(0), Ints(c.dims)},
                         absl::StrCat("dims [", absl::StrJoin(c.dims, ","), "] correction ",
                                      c.correction),
                         {{"correction", Int(c.correction)}, {"keepdim", Bool(c.keepdim)}}));
    ASSERT_TRUE(run.ok());
    aotd_rt::var(run.In<T>(0), c.dims.data(), static_cast<int64_t>(c.dims.size()), true,
                 c.correction, c.keepdim, run.Out<T>(0));
    run.Check(0, Tol<T>());
  }
}

TYPED_TEST(KernelsTest, Argmax) {
  using T = TypeParam;
  constexpr DType kT = DTypeOf<T>();
  struct Case {
    TensorType self;
    std::optional<int64_t> dim;
    bool keepdim;
  };
  const std::vector<Case> cases = {
      {Contig(kT, {3, 4, 5}), {}, false},   {Contig(kT, {3, 4, 5}), {}, true},
      {Contig(kT, {3, 4, 5}), 0, false},    {Contig(kT, {3, 4, 5}), 1, true},
      {Contig(kT, {3, 4, 5}), -1, false},   {Transposed(kT, {4, 6}), 1, false},
      {Transposed(kT, {4, 6}), {}, false},  {Contig(kT, {}), {}, false},
      {Contig(kT, {300, 200}), 0, false},
  };
  for (const Case& c : cases) {
    OpRun run("aten.argmax.default",
              MakeSample({c.self}, {Val(0), c.dim ? Int(*c.dim) : NoneArg(), Bool(c.keepdim)},
                         absl::StrCat("dim ", c.dim ? absl::StrCat(*c.dim) : "none")));
    ASSERT_TRUE(run.ok());
    aotd_rt::argmax(run.In<T>(0), c.dim.has_value(), c.dim.value_or(0), c.keepdim,
                    run.Out<int64_t>(0));
    run.Check(0, 0);
  }
  // NaN is the maximum; the first of equal maxima wins.
  OpRun run("aten.argmax.default",
            MakeSample({Contig(kT, {3, 4})}, {Val(0), Int(1), Bool(false)}, "NaN and ties"));
  ASSERT_TRUE(run.ok());
  run.SetInput(0, {1, kNaN, 3, kNaN, 2, 5, 5, 1, -kInf, -kInf, -kInf, -kInf});
  aotd_rt::argmax(run.In<T>(0), true, 1, false, run.Out<int64_t>(0));
  run.Check(0, 0);
}

TYPED_TEST(KernelsTest, Prod) {
  using T = TypeParam;
  constexpr DType kT = DTypeOf<T>();
  for (const TensorType& self : {Contig(kT, {3, 4}), Transposed(kT, {2, 3, 4}), Contig(kT, {})}) {
    OpRun all("aten.prod.default", MakeSample({self}, {Val(0)}, "all"));
    ASSERT_TRUE(all.ok());
    aotd_rt::prod(all.In<T>(0), all.Out<T>(0));
    all.Check(0, Tol<T>());
    for (int64_t dim : {0, -1}) {
      OpRun run("aten.prod.dim_int",
                MakeSample({self}, {Val(0), Int(dim), Bool(dim == 0)}, absl::StrCat("dim ", dim)));
      ASSERT_TRUE(run.ok());
      aotd_rt::prod_dim(run.In<T>(0), dim, dim == 0, run.Out<T>(0));
      run.Check(0, Tol<T>());
    }
  }
}

TEST(KernelsIntTest, ProdOfIntegersIsInt64) {
  for (DType dtype : {kI64, kI32}) {
    Sample all = MakeSample({Contig(dtype, {3, 5})}, {Val(0)}, "all");
    all.high = 7;
    OpRun run("aten.prod.default", all);
    ASSERT_TRUE(run.ok());
    if (dtype == kI64) {
      aotd_rt::prod(run.In<int64_t>(0), run.Out<int64_t>(0));
    } else {
      aotd_rt::prod(run.In<int32_t>(0), run.Out<int64_t>(0));
    }
    run.Check(0, 0);
    Sample by_dim = MakeSample({Contig(dtype, {3, 5})}, {Val(0), Int(1)}, "dim 1");
    by_dim.high = 7;
    OpRun run_dim("aten.prod.dim_int", by_dim);
    ASSERT_TRUE(run_dim.ok());
    if (dtype == kI64) {
      aotd_rt::prod_dim(run_dim.In<int64_t>(0), 1, false, run_dim.Out<int64_t>(0));
    } else {
      aotd_rt::prod_dim(run_dim.In<int32_t>(0), 1, false, run_dim.Out<int64_t>(0));
    }
    run_dim.Check(0, 0);
  }
}

// ---------------------------------------------------------------------------
// The header generated code includes

TEST(KernelsHeaderTest, NoNameCanCollideWithGeneratedIdentifiers) {
  std::ifstream file("compiler/codegen/runtime/flat/aotd_runtime.h");
  ASSERT_TRUE(file.good()) << "run from the Bazel runfiles";
  std::stringstream text;
  text << file.rdbuf();
  const std::string header = text.str();
  // Generated code names values v<number> and kernels k<number>.
  std::smatch match;
  EXPECT_FALSE(std::regex_search(header, match, std::regex(R"(\b[vk][0-9]+\b)")))
      << "aotd_runtime.h contains '" << match.str() << "'";
  // Its macros are include guards and the vector-math helpers, which it
  // undefines again.
  std::regex define(R"(#\s*define\s+(\w+))");
  for (auto it = std::sregex_iterator(header.begin(), header.end(), define);
       it != std::sregex_iterator(); ++it) {
    const std::string name = (*it)[1].str();
    const bool guard = name.rfind("AOTD_COMPILER_CODEGEN_RUNTIME_", 0) == 0 &&
                       name.size() > 2 && name.substr(name.size() - 2) == "H_";
    EXPECT_TRUE(guard || header.find("#undef " + name) != std::string::npos)
        << "aotd_runtime.h leaves macro " << name << " defined";
  }
  // It includes only the few standard headers generated code needs (each
  // costs every generated unit its parse time).
  std::regex include(R"(#\s*include\s*([<"][^>"]+[>"]))");
  for (auto it = std::sregex_iterator(header.begin(), header.end(), include);
       it != std::sregex_iterator(); ++it) {
    const std::string name = (*it)[1].str();
    EXPECT_TRUE(name == "<cmath>" || name == "<cstdint>" || name == "<cstdlib>" ||
                name == "<cstring>" || name == "<limits>" || name == "<type_traits>")
        << "aotd_runtime.h includes " << name;
  }
}

}  // namespace
}  // namespace aotd::codegen
