#include "server/compile_service.h"

#include "absl/strings/str_cat.h"
#include "common/cache_key.h"
#include "common/graph_key.h"
#include "common/status_macros.h"
#include "compiler/frontend/proto_convert.h"
#include "compiler/pipeline/compile.h"

namespace aotd::server {
namespace {

constexpr char kDefaultNamespace[] = "default";

absl::StatusOr<partition::Options> PartitionOptions(const proto::CompileOptions& options) {
  partition::Options out;
  if (!options.partitioner().empty()) {
    ASSIGN_OR_RETURN(out.strategy, partition::ParseStrategy(options.partitioner()));
  }
  out.memory_budget = options.memory_budget() == 0 ? 1.0 : options.memory_budget();
  if (!(out.memory_budget >= 0 && out.memory_budget <= 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("memory_budget ", options.memory_budget(), " is outside [0, 1]"));
  }
  return out;
}

}  // namespace

absl::StatusOr<CompileService::Keyed> CompileService::KeyOf(const std::string& graph_key,
                                            const proto::CompileOptions& options,
                                            const std::string& target,
                                            const std::string& cache_namespace) const {
  Keyed keyed;
  ASSIGN_OR_RETURN(keyed.partition, PartitionOptions(options));
  keyed.cache_namespace = cache_namespace.empty() ? kDefaultNamespace : cache_namespace;
  keyed.components.graph_key = graph_key;
  keyed.components.options = CanonicalOptions(
      keyed.partition.strategy == partition::Strategy::kDefault ? "default" : "min_cut",
      keyed.partition.memory_budget);
  keyed.components.target = absl::StrCat(target, "|", options_.toolchain->Fingerprint());
  keyed.components.compiler_version = pipeline::kCompilerVersion;
  keyed.key = CacheKey(keyed.components, keyed.cache_namespace);
  return keyed;
}

namespace {

absl::StatusOr<proto::Artifact> ParseArtifact(const std::string& bytes) {
  proto::Artifact artifact;
  if (!artifact.ParseFromString(bytes)) {
    return absl::DataLossError("a cached artifact does not parse");
  }
  return artifact;
}

}  // namespace

grpc::Status ToGrpc(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

absl::StatusOr<proto::CompileResponse> CompileService::CompileOrLookUp(
    const proto::CompileRequest& request, absl::Time deadline) {
  if (request.graph().nodes_size() > options_.max_nodes) {
    return absl::InvalidArgumentError(absl::StrCat("graph has ", request.graph().nodes_size(),
                                                   " nodes; this server accepts at most ",
                                                   options_.max_nodes));
  }
  ASSIGN_OR_RETURN(ir::Graph graph, frontend::GraphFromProto(request.graph()));
  // The key of the graph as received, so that a client can compute it too.
  ASSIGN_OR_RETURN(Sha256Digest graph_key, GraphKey(request.graph()));
  ASSIGN_OR_RETURN(Keyed keyed, KeyOf(ToHex(graph_key), request.options(), request.target(),
                                      request.namespace_()));
  const std::string& key = keyed.key;

  proto::CompileResponse response;
  response.set_key(key);
  ASSIGN_OR_RETURN(std::optional<cache::Entry> hit, options_.cache->Get(key));
  if (hit.has_value()) {
    ASSIGN_OR_RETURN(*response.mutable_artifact(), ParseArtifact(hit->artifact));
    response.set_cache_hit(true);
    return response;
  }

  // A miss: compile once per key, and store before anyone is answered.
  cache::CacheStore* cache = options_.cache;
  toolchain::Toolchain* toolchain = options_.toolchain;
  const Signer* signer = options_.signer;
  auto work = [graph = std::move(graph), keyed, cache, toolchain, signer]() -> CompileResult {
    pipeline::CompileOptions compile_options;
    compile_options.partition = keyed.partition;
    ASSIGN_OR_RETURN(proto::Artifact artifact,
                     pipeline::Compile(graph, compile_options, *toolchain));
    artifact.set_key(keyed.key);
    RETURN_IF_ERROR(SealArtifact(artifact, signer));
    cache::Entry entry;
    entry.artifact = artifact.SerializeAsString();
    entry.metadata.cache_namespace = keyed.cache_namespace;
    entry.metadata.key_components = keyed.components;
    RETURN_IF_ERROR(cache->Put(keyed.key, entry));
    return std::move(entry.artifact);
  };
  ASSIGN_OR_RETURN(CompileScheduler::Submission submission,
                   options_.scheduler->Submit(key, std::move(work)));
  std::optional<CompileResult> result = submission.flight->Wait(deadline);
  if (!result.has_value()) {
    return absl::DeadlineExceededError(
        "the compile did not finish before the deadline; it continues, and a later request "
        "for the same graph will find it in the cache");
  }
  if (!result->ok()) return result->status();
  ASSIGN_OR_RETURN(*response.mutable_artifact(), ParseArtifact(**result));
  response.set_cache_hit(false);
  return response;
}

grpc::Status CompileService::Compile(grpc::ServerContext* context,
                                     const proto::CompileRequest* request,
                                     proto::CompileResponse* response) {
  absl::Time deadline = absl::FromChrono(context->deadline());
  if (deadline > absl::Now() + options_.default_deadline) {
    deadline = absl::Now() + options_.default_deadline;
  }
  absl::StatusOr<proto::CompileResponse> result = CompileOrLookUp(*request, deadline);
  if (!result.ok()) return ToGrpc(result.status());
  *response = *std::move(result);
  return grpc::Status::OK;
}

grpc::Status CompileService::Lookup(grpc::ServerContext* context,
                                    const proto::LookupRequest* request,
                                    proto::LookupResponse* response) {
  (void)context;
  absl::StatusOr<proto::LookupResponse> result = LookUp(*request);
  if (!result.ok()) return ToGrpc(result.status());
  *response = *std::move(result);
  return grpc::Status::OK;
}

absl::StatusOr<proto::LookupResponse> CompileService::LookUp(const proto::LookupRequest& request) {
  if (request.graph_key().size() != 64) {
    return absl::InvalidArgumentError("graph_key must be 64 hex digits");
  }
  ASSIGN_OR_RETURN(Keyed keyed, KeyOf(request.graph_key(), request.options(), request.target(),
                                      request.namespace_()));
  proto::LookupResponse response;
  ASSIGN_OR_RETURN(std::optional<cache::Entry> hit, options_.cache->Get(keyed.key));
  if (hit.has_value()) {
    ASSIGN_OR_RETURN(*response.mutable_artifact(), ParseArtifact(hit->artifact));
    response.set_found(true);
  }
  return response;
}

}  // namespace aotd::server
