#include "server/compile_service.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/status_macros.h"
#include "compiler/pipeline/compile.h"
#include "server/request_key.h"

namespace aotd::server {
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
  ASSIGN_OR_RETURN(ImportedRequest imported,
                   ImportAndKey(request, *options_.toolchain, options_.max_nodes));
  ir::Graph& graph = imported.graph;
  const RequestKey& keyed = imported.key;
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
  ServerMetrics* metrics = options_.metrics;
  auto compile = [graph = std::move(graph), keyed, cache, toolchain, signer]() -> CompileResult {
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
  auto work = [compile = std::move(compile), metrics]() -> CompileResult {
    const absl::Time start = absl::Now();
    CompileResult result = compile();
    if (metrics != nullptr) metrics->RecordCompile(absl::Now() - start, result.ok());
    return result;
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
  if (options_.observer != nullptr) {
    options_.observer->NoteCacheResult(context, result->cache_hit(), result->key());
  }
  *response = *std::move(result);
  return grpc::Status::OK;
}

grpc::Status CompileService::Lookup(grpc::ServerContext* context,
                                    const proto::LookupRequest* request,
                                    proto::LookupResponse* response) {
  absl::StatusOr<proto::LookupResponse> result = LookUp(*request);
  if (!result.ok()) return ToGrpc(result.status());
  if (options_.observer != nullptr) {
    options_.observer->NoteCacheResult(context, result->found(), result->artifact().key());
  }
  *response = *std::move(result);
  return grpc::Status::OK;
}

absl::StatusOr<proto::LookupResponse> CompileService::LookUp(const proto::LookupRequest& request) {
  if (request.graph_key().size() != 64) {
    return absl::InvalidArgumentError("graph_key must be 64 hex digits");
  }
  ASSIGN_OR_RETURN(RequestKey keyed, KeyRequest(request.graph_key(), request.options(),
                                                request.target(), request.namespace_(),
                                                *options_.toolchain));
  proto::LookupResponse response;
  ASSIGN_OR_RETURN(std::optional<cache::Entry> hit, options_.cache->Get(keyed.key));
  if (hit.has_value()) {
    ASSIGN_OR_RETURN(*response.mutable_artifact(), ParseArtifact(hit->artifact));
    response.set_found(true);
  }
  return response;
}

}  // namespace aotd::server
