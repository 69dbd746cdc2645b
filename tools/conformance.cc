#include "tools/conformance.h"

#include <cstdio>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "client/loaded_artifact.h"
#include "common/status_macros.h"
#include "compiler/frontend/load.h"
#include "compiler/frontend/proto_convert.h"
#include "compiler/pipeline/compile.h"
#include "compiler/reference/npy.h"
#include "compiler/toolchain/toolchain.h"
#include "nlohmann/json.hpp"

namespace aotd::tools {
namespace {

using reference::HostTensor;

template <typename T>
void StoreAs(const HostTensor& h, void* data) {
  T* out = static_cast<T*>(data);
  for (int64_t i = 0; i < h.NumElements(); ++i) out[i] = static_cast<T>(h.data[i]);
}

template <typename T>
double LoadAs(const void* data, int64_t offset) {
  return static_cast<double>(static_cast<const T*>(data)[offset]);
}

// Compares one result; records the error and the first mismatch.
void Compare(const std::string& what, const absl::StatusOr<HostTensor>& got,
             const HostTensor& expected, double rtol, double atol, double& max_error,
             ConformanceResult& result) {
  if (!got.ok()) {
    if (result.failure.empty()) result.failure = absl::StrCat(what, ": ", got.status().message());
    return;
  }
  reference::Closeness c = reference::CompareClose(*got, expected, rtol, atol);
  max_error = std::max(max_error, c.max_abs_error);
  if (!c.close && result.failure.empty()) {
    result.failure = absl::StrCat(what, " differs: max abs error ", c.max_abs_error);
  }
}

// The partitioner's name on the wire and in the table.
const char* PartitionerName(partition::Strategy strategy) {
  return strategy == partition::Strategy::kDefault ? "default" : "min_cut";
}

}  // namespace

absl::StatusOr<RecordedStep> LoadRecordedStep(const std::string& dir) {
  const std::string vectors = dir + "/vectors/";
  std::ifstream in(vectors + "vectors.json");
  if (!in) return absl::NotFoundError(absl::StrCat("no ", vectors, "vectors.json"));
  nlohmann::json doc = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(vectors, "vectors.json: not a JSON object"));
  }
  auto read = [&](const nlohmann::json& entry) -> absl::StatusOr<HostTensor> {
    if (!entry.is_object() || !entry.contains("file") || !entry["file"].is_string()) {
      return absl::InvalidArgumentError(absl::StrCat(vectors, "vectors.json: entry without a file"));
    }
    return reference::ReadNpy(vectors + entry["file"].get<std::string>());
  };
  RecordedStep step;
  for (const nlohmann::json& entry : doc.value("inputs", nlohmann::json::array())) {
    ASSIGN_OR_RETURN(HostTensor t, read(entry));
    step.inputs.push_back(std::move(t));
  }
  struct Keyed {
    const char* list;
    const char* key;
    std::map<int, HostTensor>* into;
  };
  for (const Keyed& k : {Keyed{"outputs", "index", &step.outputs},
                         Keyed{"tangents", "output", &step.tangents},
                         Keyed{"grads", "input", &step.grads},
                         Keyed{"mutated_after", "input", &step.mutated_after}}) {
    for (const nlohmann::json& entry : doc.value(k.list, nlohmann::json::array())) {
      if (!entry.is_object() || !entry.contains(k.key) || !entry[k.key].is_number_integer()) {
        return absl::InvalidArgumentError(
            absl::StrCat(vectors, "vectors.json: a ", k.list, " entry lacks '", k.key, "'"));
      }
      ASSIGN_OR_RETURN(HostTensor t, read(entry));
      (*k.into)[entry[k.key].get<int>()] = std::move(t);
    }
  }
  return step;
}

absl::StatusOr<client::Tensor> ToClientTensor(const HostTensor& host) {
  ASSIGN_OR_RETURN(client::Tensor t, client::Tensor::AllocateContiguous(
                                         frontend::ToProtoDType(host.dtype), host.shape));
  switch (host.dtype) {
    case ir::DType::kFloat32: StoreAs<float>(host, t.data()); break;
    case ir::DType::kFloat64: StoreAs<double>(host, t.data()); break;
    case ir::DType::kInt64: StoreAs<int64_t>(host, t.data()); break;
    case ir::DType::kInt32: StoreAs<int32_t>(host, t.data()); break;
    case ir::DType::kInt16: StoreAs<int16_t>(host, t.data()); break;
    case ir::DType::kInt8: StoreAs<int8_t>(host, t.data()); break;
    case ir::DType::kUInt8:
    case ir::DType::kBool: StoreAs<uint8_t>(host, t.data()); break;
    default:
      return absl::UnimplementedError(
          absl::StrCat("no runtime tensor for ", ir::DTypeName(host.dtype)));
  }
  return t;
}

absl::StatusOr<HostTensor> ToHostTensor(const client::Tensor& tensor) {
  std::optional<ir::DType> dtype = frontend::FromProtoDType(tensor.dtype());
  if (!dtype) return absl::InvalidArgumentError("tensor of unknown dtype");
  HostTensor h(*dtype, tensor.shape());
  ir::Dims index(tensor.shape().size(), 0);
  for (int64_t i = 0; i < h.NumElements(); ++i) {
    int64_t at = reference::Offset(index, tensor.strides());
    switch (tensor.dtype()) {
      case proto::FLOAT32: h.data[i] = LoadAs<float>(tensor.data(), at); break;
      case proto::FLOAT64: h.data[i] = LoadAs<double>(tensor.data(), at); break;
      case proto::INT64: h.data[i] = LoadAs<int64_t>(tensor.data(), at); break;
      case proto::INT32: h.data[i] = LoadAs<int32_t>(tensor.data(), at); break;
      case proto::INT16: h.data[i] = LoadAs<int16_t>(tensor.data(), at); break;
      case proto::INT8: h.data[i] = LoadAs<int8_t>(tensor.data(), at); break;
      default: h.data[i] = LoadAs<uint8_t>(tensor.data(), at); break;
    }
    reference::NextIndex(index, tensor.shape());
  }
  return h;
}

ArtifactSource LocalArtifactSource() {
  return [](const std::string& forward_file,
            const partition::Options& options) -> absl::StatusOr<SourcedArtifact> {
    ASSIGN_OR_RETURN(ir::Graph forward, frontend::LoadGraphFile(forward_file));
    std::unique_ptr<toolchain::Toolchain> tc = toolchain::NewSystemToolchain();
    pipeline::CompileOptions compile_options;
    compile_options.partition = options;
    ASSIGN_OR_RETURN(proto::Artifact artifact, pipeline::Compile(forward, compile_options, *tc));
    SourcedArtifact sourced;
    ASSIGN_OR_RETURN(sourced.artifact,
                     client::LoadedArtifact::Load(artifact, /*verifier=*/nullptr));
    return sourced;
  };
}

ArtifactSource ServerArtifactSource(client::Client* client) {
  return [client](const std::string& forward_file,
                  const partition::Options& options) -> absl::StatusOr<SourcedArtifact> {
    ASSIGN_OR_RETURN(std::string bytes, frontend::ReadFile(forward_file));
    absl::StatusOr<proto::Graph> graph = frontend::ParseGraphBytes(bytes);
    if (!graph.ok()) {
      return absl::Status(graph.status().code(),
                          absl::StrCat(forward_file, ": ", graph.status().message()));
    }
    proto::CompileOptions compile_options;
    compile_options.set_partitioner(PartitionerName(options.strategy));
    compile_options.set_memory_budget(options.memory_budget);
    ASSIGN_OR_RETURN(client::Client::Compiled compiled, client->Compile(*graph, compile_options));
    return SourcedArtifact{std::move(compiled.artifact), compiled.cache_hit};
  };
}

absl::StatusOr<ConformanceResult> CheckConformance(const std::string& dir,
                                                   const partition::Options& options,
                                                   double rtol, double atol,
                                                   const ArtifactSource& source) {
  ConformanceResult result;
  result.dir = dir;
  result.partitioner = PartitionerName(options.strategy);
  ASSIGN_OR_RETURN(RecordedStep step, LoadRecordedStep(dir));
  ASSIGN_OR_RETURN(SourcedArtifact sourced, source(dir + "/forward.json", options));
  result.cache_hit = sourced.cache_hit;
  const client::LoadedArtifact* loaded = sourced.artifact.get();
  const proto::Artifact& artifact = loaded->artifact();

  std::vector<client::Tensor> inputs;
  for (const HostTensor& h : step.inputs) {
    ASSIGN_OR_RETURN(client::Tensor t, ToClientTensor(h));
    inputs.push_back(std::move(t));
  }
  ASSIGN_OR_RETURN(client::ForwardResult fw, loaded->Forward(inputs));
  for (const auto& [index, expected] : step.outputs) {
    if (index >= static_cast<int>(fw.outputs.size())) {
      return absl::InvalidArgumentError(absl::StrCat(dir, ": no output ", index));
    }
    Compare(absl::StrCat("output ", index), ToHostTensor(fw.outputs[index]), expected, rtol, atol,
            result.max_output_error, result);
  }
  for (int k = 0; k < artifact.write_back_inputs_size(); ++k) {
    int input = artifact.write_back_inputs(k);
    auto it = step.mutated_after.find(input);
    if (it == step.mutated_after.end()) {
      if (result.failure.empty()) result.failure = absl::StrCat("PyTorch did not mutate input ", input);
      continue;
    }
    Compare(absl::StrCat("mutated input ", input), ToHostTensor(inputs[input]), it->second, rtol,
            atol, result.max_mutated_error, result);
  }
  if (step.mutated_after.size() != static_cast<size_t>(artifact.write_back_inputs_size()) &&
      result.failure.empty()) {
    result.failure = "the set of mutated inputs differs from PyTorch's";
  }
  std::vector<client::Tensor> tangents;
  for (int o : artifact.tangent_outputs()) {
    auto it = step.tangents.find(o);
    if (it == step.tangents.end()) {
      return absl::InvalidArgumentError(absl::StrCat(dir, ": PyTorch fed no tangent to output ", o));
    }
    ASSIGN_OR_RETURN(client::Tensor t, ToClientTensor(it->second));
    tangents.push_back(std::move(t));
  }
  ASSIGN_OR_RETURN(std::vector<client::Tensor> grads, loaded->Backward(fw.saved, tangents));
  if (grads.size() != step.grads.size() && result.failure.empty()) {
    result.failure = absl::StrCat(grads.size(), " gradients, PyTorch has ", step.grads.size());
  }
  for (size_t k = 0; k < grads.size(); ++k) {
    int input = artifact.grad_inputs(k);
    auto it = step.grads.find(input);
    if (it == step.grads.end()) continue;
    Compare(absl::StrCat("grad of input ", input), ToHostTensor(grads[k]), it->second, rtol, atol,
            result.max_grad_error, result);
  }
  result.passed = result.failure.empty();
  return result;
}

absl::Status ConformanceCommand(const std::vector<std::string>& dirs,
                                const ArtifactSource& source, std::ostream& out) {
  constexpr double kRtol = 1e-4, kAtol = 1e-5;
  char line[512];
  std::snprintf(line, sizeof line, "%-44s %-8s %-5s %-5s %11s %11s %11s\n", "workload",
                "parts", "hit", "ok", "outputs", "grads", "mutated");
  out << line;
  int failed = 0;
  for (const std::string& dir : dirs) {
    for (partition::Strategy s : {partition::Strategy::kDefault, partition::Strategy::kMinCut}) {
      absl::StatusOr<ConformanceResult> r = CheckConformance(dir, {s, 1.0}, kRtol, kAtol, source);
      if (!r.ok()) {
        ++failed;
        out << dir << ": " << r.status().message() << "\n";
        continue;
      }
      failed += r->passed ? 0 : 1;
      const char* hit = !r->cache_hit.has_value() ? "-" : *r->cache_hit ? "yes" : "no";
      std::snprintf(line, sizeof line, "%-44s %-8s %-5s %-5s %11.3g %11.3g %11.3g %s\n",
                    dir.c_str(), r->partitioner.c_str(), hit, r->passed ? "yes" : "NO",
                    r->max_output_error,
                    r->max_grad_error, r->max_mutated_error, r->failure.c_str());
      out << line;
    }
  }
  if (failed > 0) {
    return absl::InvalidArgumentError(absl::StrCat(failed, " conformance checks failed"));
  }
  return absl::OkStatus();
}

}  // namespace aotd::tools
