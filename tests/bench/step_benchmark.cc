// Compiled forward+backward steps of the full-size workloads, next to the
// bounds they should approach, all measured in this process:
//   - a plain copy loop over the same number of bytes the step must move
//     (its inputs, outputs and saved activations, each touched once);
//   - for d_pointwise, a hand-written fused loop nest of its forward and
//     backward (one pass each, everything recomputed in registers);
//   - an arithmetic-only pointwise chain (add, sub, mul, div, relu) over
//     64 MB, as a fraction of the copy loop's bandwidth.
// glibc is told to keep freed memory (mallopt below) so that neither side
// pays for touching fresh pages on every call.
//
// bazel run -c opt //tests/bench:step_benchmark [-- --steps=N]
#include <malloc.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/loaded_artifact.h"
#include "compiler/frontend/load.h"
#include "compiler/frontend/proto_convert.h"
#include "compiler/ir/text.h"
#include "compiler/pipeline/compile.h"
#include "tests/workloads.h"
#include "tools/conformance.h"

extern "C" {
float expf(float) __attribute__((simd("notinbranch")));
float tanhf(float) __attribute__((simd("notinbranch")));
}

namespace aotd {
namespace {

// Median wall time of `f` over `runs` calls, after two warm-up calls.
double MedianSeconds(const std::function<void()>& f, int runs) {
  f();
  f();
  std::vector<double> t;
  for (int i = 0; i < runs; ++i) {
    auto start = std::chrono::steady_clock::now();
    f();
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::sort(t.begin(), t.end());
  return t[t.size() / 2];
}

// Seconds to copy `bytes / 2` bytes (reading and writing `bytes` in all)
// with every thread.
double CopySeconds(int64_t bytes, int runs) {
  int64_t n = std::max<int64_t>(bytes / 2 / sizeof(float), 1024);
  std::vector<float> src(n, 1.0f), dst(n, 0.0f);
  float* s = src.data();
  float* d = dst.data();
  return MedianSeconds([&] {
#pragma omp parallel for simd
    for (int64_t i = 0; i < n; ++i) d[i] = s[i];
  }, runs);
}

int64_t Bytes(const proto::TensorSpec& spec) {
  int64_t n = 1;
  for (int64_t d : spec.meta().shape()) n *= d;
  int64_t item = spec.meta().dtype() == proto::FLOAT64 || spec.meta().dtype() == proto::INT64 ? 8
                 : spec.meta().dtype() == proto::BOOL || spec.meta().dtype() == proto::UINT8 ? 1
                                                                                             : 4;
  return n * item;
}

// Minimum traffic of one step: every tensor crossing the ABI once, saved
// activations twice (written, then read back).
int64_t StepBytes(const proto::Artifact& a) {
  int64_t bytes = 0;
  for (const auto& s : a.inputs()) bytes += Bytes(s);
  for (const auto& s : a.outputs()) bytes += 2 * Bytes(s);  // Output, then its tangent.
  for (const auto& s : a.write_backs()) bytes += Bytes(s);
  for (int k = 0; k < a.saved_size(); ++k) {
    bool kept_input = k < a.saved_inputs_size() && a.saved_inputs(k) >= 0;
    if (!kept_input) bytes += 2 * Bytes(a.saved(k));  // Written, then read back.
  }
  for (int input : a.grad_inputs()) bytes += Bytes(a.inputs(input));
  return bytes;
}

struct Row {
  std::string name;
  double step_ms = 0, copy_ms = 0, compile_s = 0, codegen_s = 0, cc_s = 0;
  int64_t bytes = 0;
  std::string note;
};

Row RunWorkload(const testing::Workload& w, int runs) {
  Row row{w.name};
  absl::StatusOr<ir::Graph> forward = frontend::LoadGraphFile(w.ForwardJson());
  std::unique_ptr<toolchain::Toolchain> tc = toolchain::NewSystemToolchain();
  absl::StatusOr<proto::Artifact> artifact =
      forward.ok() ? pipeline::Compile(*forward, {}, *tc) : forward.status();
  if (!artifact.ok()) {
    row.note = std::string(artifact.status().message()).substr(0, 60);
    return row;
  }
  for (const auto& t : artifact->timings()) {
    row.compile_s += t.seconds();
    if (t.stage() == "codegen") row.codegen_s = t.seconds();
    if (t.stage() == "cc") row.cc_s = t.seconds();
  }
  auto loaded = client::LoadedArtifact::Load(*artifact, nullptr);
  if (!loaded.ok()) {
    row.note = std::string(loaded.status().message());
    return row;
  }
  std::mt19937 rng(1);
  std::vector<client::Tensor> inputs;
  for (const ir::Input& in : forward->inputs()) {
    const ir::TensorType& t = forward->type(in.value);
    reference::HostTensor h(t.dtype, t.shape);
    for (double& v : h.data) {
      v = ir::IsFloatingPoint(t.dtype) ? std::uniform_real_distribution<double>(-1, 1)(rng)
                                       : static_cast<double>(rng() % 2);
    }
    inputs.push_back(*tools::ToClientTensor(h));
  }
  std::vector<client::Tensor> tangents;
  for (int o : artifact->tangent_outputs()) {
    const auto& meta = artifact->outputs(o).meta();
    reference::HostTensor h(*frontend::FromProtoDType(meta.dtype()),
                            ir::Dims(meta.shape().begin(), meta.shape().end()));
    for (double& v : h.data) v = std::uniform_real_distribution<double>(-1, 1)(rng);
    tangents.push_back(*tools::ToClientTensor(h));
  }
  row.step_ms = 1e3 * MedianSeconds([&] {
    auto fw = (*loaded)->Forward(inputs);
    auto grads = (*loaded)->Backward(fw->saved, tangents);
    if (!grads.ok()) std::abort();
  }, runs);
  row.bytes = StepBytes(*artifact);
  row.copy_ms = 1e3 * CopySeconds(row.bytes, runs);
  return row;
}

// d_pointwise's forward and backward written by hand, each one fused pass.
double HandFusedPointwiseSeconds(int64_t n, int runs) {
  std::vector<float> x(n), y(n), g(n), out(n), gx(n), gy(n);
  std::mt19937 rng(2);
  for (int64_t i = 0; i < n; ++i) {
    x[i] = std::uniform_real_distribution<float>(-1, 1)(rng);
    y[i] = std::uniform_real_distribution<float>(-1, 1)(rng);
    g[i] = std::uniform_real_distribution<float>(-1, 1)(rng);
  }
  const float *X = x.data(), *Y = y.data(), *G = g.data();
  float *O = out.data(), *GX = gx.data(), *GY = gy.data();
  return MedianSeconds([&] {
#pragma omp parallel for simd
    for (int64_t i = 0; i < n; ++i) {
      float s = 1.0f / (1.0f + std::exp(-X[i])), m = X[i] * s, th = std::tanh(Y[i]);
      float add = m * th + 0.5f, s1 = 1.0f / (1.0f + std::exp(-add));
      float sub = add * s1 - std::tanh(X[i]) * 0.25f, e = std::exp(-sub * sub);
      O[i] = e * Y[i] + add;
    }
#pragma omp parallel for simd
    for (int64_t i = 0; i < n; ++i) {
      float s = 1.0f / (1.0f + std::exp(-X[i])), m = X[i] * s, th = std::tanh(Y[i]);
      float add = m * th + 0.5f, s1 = 1.0f / (1.0f + std::exp(-add)), t1 = std::tanh(X[i]);
      float sub = add * s1 - t1 * 0.25f, e = std::exp(-sub * sub);
      float ge = G[i] * Y[i] * e;             // d out / d mul_4, times g.
      float gsub = -2.0f * sub * ge;          // mul_4 = -sub * sub.
      float gadd = G[i] + gsub * (s1 + add * s1 * (1.0f - s1));
      float gm = gadd * th;
      GY[i] = G[i] * e + gadd * m * (1.0f - th * th);
      GX[i] = gm * (s + X[i] * s * (1.0f - s)) - gsub * 0.25f * (1.0f - t1 * t1);
    }
  }, runs);
}

// add, sub, mul, div and relu over 64 MB of float32, compiled.
Row ArithmeticChain(int runs) {
  const int64_t n = 16 << 20;
  std::string text = absl::StrCat(
      "graph(%x: f32[", n, "] requires_grad, %y: f32[", n, "] requires_grad) {\n",
      "  %a = aten.add.Tensor(%x, %y, 1) : f32[", n, "]\n",
      "  %b = aten.sub.Tensor(%a, 0.5, 1) : f32[", n, "]\n",
      "  %c = aten.mul.Tensor(%b, %y) : f32[", n, "]\n",
      "  %d = aten.div.Tensor(%c, 3.0) : f32[", n, "]\n",
      "  %e = aten.relu.default(%d) : f32[", n, "]\n",
      "  return (%e)\n}\n");
  Row row{"arith_chain_fw"};
  absl::StatusOr<ir::Graph> g = ir::ParseGraph(text);
  std::unique_ptr<toolchain::Toolchain> tc = toolchain::NewSystemToolchain();
  absl::StatusOr<proto::Artifact> artifact = g.ok() ? pipeline::Compile(*g, {}, *tc) : g.status();
  if (!artifact.ok()) {
    row.note = std::string(artifact.status().message());
    return row;
  }
  auto loaded = client::LoadedArtifact::Load(*artifact, nullptr);
  reference::HostTensor h(ir::DType::kFloat32, {n});
  for (int64_t i = 0; i < n; ++i) h.data[i] = (i % 7) - 3;
  std::vector<client::Tensor> inputs = {*tools::ToClientTensor(h), *tools::ToClientTensor(h)};
  row.step_ms = 1e3 * MedianSeconds([&] { auto fw = (*loaded)->Forward(inputs); }, runs);
  row.bytes = 0;
  for (const auto& s : artifact->inputs()) row.bytes += Bytes(s);
  for (const auto& s : artifact->outputs()) row.bytes += Bytes(s);
  for (int k = 0; k < artifact->saved_size(); ++k) {
    if (artifact->saved_inputs(k) < 0) row.bytes += Bytes(artifact->saved(k));
  }
  row.copy_ms = 1e3 * CopySeconds(row.bytes, runs);
  return row;
}

}  // namespace
}  // namespace aotd

int main(int argc, char** argv) {
  int runs = 20;
  std::string only;  // --only=NAME: just that workload.
  for (int i = 1; i < argc; ++i) {
    if (std::strncmp(argv[i], "--steps=", 8) == 0) runs = std::atoi(argv[i] + 8);
    if (std::strncmp(argv[i], "--only=", 7) == 0) only = argv[i] + 7;
  }
  mallopt(M_MMAP_MAX, 0);  // Large blocks come from the heap and are reused.
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
  std::printf("threads %d, median of %d runs; glibc keeps freed memory (mallopt)\n",
              omp_get_max_threads(), runs);
  std::printf("%-16s %10s %10s %10s %9s %10s %10s %10s  %s\n", "workload", "step ms",
              "MB moved", "copy ms", "copy/step", "compile s", "codegen s", "c++ s", "note");
  std::vector<aotd::Row> rows;
  for (const aotd::testing::Workload& w : aotd::testing::Workloads("full")) {
    if (only.empty() || only == w.name) rows.push_back(aotd::RunWorkload(w, runs));
  }
  if (only.empty()) rows.push_back(aotd::ArithmeticChain(runs));
  for (const aotd::Row& r : rows) {
    std::printf("%-16s %10.3f %10.2f %10.3f %9.2f %10.3f %10.4f %10.3f  %s\n", r.name.c_str(),
                r.step_ms, r.bytes / 1e6, r.copy_ms, r.step_ms > 0 ? r.copy_ms / r.step_ms : 0.0,
                r.compile_s, r.codegen_s, r.cc_s, r.note.c_str());
  }
  double hand_ms = 1e3 * aotd::HandFusedPointwiseSeconds(1 << 20, runs);
  for (const aotd::Row& r : rows) {
    if (r.name == "d_pointwise" && r.step_ms > 0) {
      std::printf("d_pointwise hand-fused fw+bw %.3f ms; compiled/hand = %.2f\n", hand_ms,
                  r.step_ms / hand_ms);
    }
  }
  return 0;
}
