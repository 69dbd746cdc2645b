#include "server/request_key.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/graph_key.h"
#include "common/sha256.h"
#include "common/status_macros.h"
#include "compiler/frontend/proto_convert.h"
#include "compiler/pipeline/compile.h"

namespace aotd::server {
namespace {

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

absl::StatusOr<RequestKey> KeyRequest(absl::string_view graph_key,
                                      const proto::CompileOptions& options,
                                      absl::string_view target,
                                      absl::string_view cache_namespace,
                                      const toolchain::Toolchain& toolchain) {
  RequestKey keyed;
  ASSIGN_OR_RETURN(keyed.partition, PartitionOptions(options));
  keyed.cache_namespace =
      cache_namespace.empty() ? std::string(kDefaultNamespace) : std::string(cache_namespace);
  RETURN_IF_ERROR(CheckNamespace(keyed.cache_namespace));
  keyed.components.graph_key = std::string(graph_key);
  keyed.components.options = CanonicalOptions(
      keyed.partition.strategy == partition::Strategy::kDefault ? "default" : "min_cut",
      keyed.partition.memory_budget);
  keyed.components.target = absl::StrCat(target, "|", toolchain.Fingerprint());
  keyed.components.compiler_version = pipeline::kCompilerVersion;
  keyed.key = CacheKey(keyed.components, keyed.cache_namespace);
  return keyed;
}

absl::StatusOr<ImportedRequest> ImportAndKey(const proto::CompileRequest& request,
                                             const toolchain::Toolchain& toolchain,
                                             int max_nodes) {
  if (request.graph().nodes_size() > max_nodes) {
    return absl::InvalidArgumentError(absl::StrCat("graph has ", request.graph().nodes_size(),
                                                   " nodes; this server accepts at most ",
                                                   max_nodes));
  }
  ASSIGN_OR_RETURN(ir::Graph graph, frontend::GraphFromProto(request.graph()));
  ASSIGN_OR_RETURN(Sha256Digest graph_key, GraphKey(request.graph()));
  ASSIGN_OR_RETURN(RequestKey key, KeyRequest(ToHex(graph_key), request.options(),
                                              request.target(), request.namespace_(), toolchain));
  return ImportedRequest{std::move(graph), std::move(key)};
}

}  // namespace aotd::server
