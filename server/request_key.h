// The cache key of a compile request, computed in one place for every
// service that needs it: the compile service keys what it stores and looks
// up with it, and the admin service's Explain keys a request the same way
// to say why it would miss.
#ifndef AOTD_SERVER_REQUEST_KEY_H_
#define AOTD_SERVER_REQUEST_KEY_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/cache_key.h"
#include "compiler/ir/graph.h"
#include "compiler/partition/partition.h"
#include "compiler/toolchain/toolchain.h"
#include "proto/service.pb.h"

namespace aotd::server {

// The namespace of a request that names none.
inline constexpr char kDefaultNamespace[] = "default";

// A request's cache key and what it is made of.
struct RequestKey {
  std::string key;                  // CacheKey(components, cache_namespace).
  CacheKeyComponents components;
  std::string cache_namespace;      // Defaulted.
  partition::Options partition;     // The options, parsed.
};

// Keys a request given its graph's canonical key (hex): the options in
// canonical form, the target with the toolchain's fingerprint, this
// compiler's version, the namespace. INVALID_ARGUMENT for an unknown
// partitioner or a memory budget outside [0, 1].
absl::StatusOr<RequestKey> KeyRequest(absl::string_view graph_key,
                                      const proto::CompileOptions& options,
                                      absl::string_view target,
                                      absl::string_view cache_namespace,
                                      const toolchain::Toolchain& toolchain);

// A compile request imported and keyed.
struct ImportedRequest {
  ir::Graph graph;  // Verified.
  RequestKey key;
};

// Imports and verifies request.graph (INVALID_ARGUMENT naming what is
// wrong; also when it has more than `max_nodes` nodes) and keys it with
// KeyRequest over the canonical key of the graph as received, which a
// client can compute too.
absl::StatusOr<ImportedRequest> ImportAndKey(const proto::CompileRequest& request,
                                             const toolchain::Toolchain& toolchain,
                                             int max_nodes);

}  // namespace aotd::server

#endif  // AOTD_SERVER_REQUEST_KEY_H_
