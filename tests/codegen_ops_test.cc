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
// The samples are the op families' (compiler/ops/<family>/codegen_samples.cc,
// collected by compiler/ops/testing/all_codegen_samples.h). Every op but the
// in-place ones needs one: one with a non-contiguous tensor where the op
// takes tensors, one that broadcasts where a pointwise op takes several, and
// integer and bool dtypes where the op allows them.
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
#include "compiler/ops/testing/all_codegen_samples.h"
#include "compiler/ops/testing/codegen_sample.h"
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
using ops::testing::Ints;
using ops::testing::L;
using ops::testing::None;
using ops::testing::OpSample;
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
  absl::StatusOr<std::string> CompileSharedObject(const toolchain::SharedObjectSources&) override {
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
  const std::vector<OpSample> table = ops::testing::AllCodegenSamples();

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
    EXPECT_TRUE(sampled.count(op) > 0)
        << op << " has no codegen sample (compiler/ops/<family>/codegen_samples.cc)";
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
