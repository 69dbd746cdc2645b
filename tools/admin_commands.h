// `aotctl stats | ls | show | rm | evict | verify | export | import |
// explain | health`: an administrator's view of a running aotd's cache,
// through its Admin service (proto/service.proto) and the standard gRPC
// health service.
//
// Each command prints to `out`: text for people, or with
// AdminOptions::json one JSON document (the RPC's response in protobuf's
// JSON mapping, field names as in the .proto). Errors from the server keep
// their code and carry it in the message ("PERMISSION_DENIED from
// HOST:PORT: ..."); a server that cannot be reached is UNAVAILABLE naming
// the address.
//
// Bundle files (export, import), version 1: the line "aotd-bundle/1\n",
// then aotd.proto.ExportedEntry messages, each preceded by its byte length
// as a varint (protobuf's delimited format). An import is checked whole by
// the server before anything is stored.
#ifndef AOTD_TOOLS_ADMIN_COMMANDS_H_
#define AOTD_TOOLS_ADMIN_COMMANDS_H_

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace aotd::tools {

struct AdminOptions {
  std::string server = "127.0.0.1:50051";  // HOST:PORT.
  // A file holding the admin token (trimmed), sent as "Bearer <token>".
  // Empty: no credential is sent.
  std::string admin_token_file;
  // TLS (client/channel_credentials.h): all empty for plaintext. With mutual
  // TLS, a client certificate the server lists (--admin_cert_cn) is an admin
  // credential without a token.
  std::string tls_ca_file;
  std::string tls_cert_file;
  std::string tls_key_file;
  bool json = false;
  // Where export and import report progress as they go (a terminal); null:
  // no progress.
  std::ostream* progress = nullptr;
  absl::Duration deadline = absl::Minutes(30);  // Per RPC.
};

// Parses an age: absl's durations ("90s", "1h30m", "250ms") plus whole days
// ("7d"). INVALID_ARGUMENT naming the text otherwise, or for a negative one.
absl::StatusOr<absl::Duration> ParseAge(absl::string_view text);

// Cache content and counters per tier and per namespace, compiles started,
// queue depth.
absl::Status StatsCommand(const AdminOptions& options, std::ostream& out);

struct ListArgs {
  // "key", "size" (largest first), "last_use" (most recent first), "hits"
  // (most first) or "age" (youngest first); `reverse` flips it.
  std::string sort = "key";
  bool reverse = false;
  size_t limit = 100;                        // 0: every entry.
  std::optional<std::string> cache_namespace;  // Only this namespace.
};
// One line per entry: key prefix, namespace, size, hits, age, last use.
absl::Status ListCommand(const AdminOptions& options, const ListArgs& args, std::ostream& out);

// An entry (KEY or a unique prefix of 8 or more hex digits): metadata, key
// components, artifact and partition report summary; with `source`, the
// generated C++ too.
absl::Status ShowCommand(const AdminOptions& options, const std::string& key, bool source,
                         std::ostream& out);

// Deletes an entry (KEY or unique prefix) from every tier.
absl::Status RemoveCommand(const AdminOptions& options, const std::string& key,
                           std::ostream& out);

struct EvictArgs {
  std::string older_than;                      // ParseAge; empty: not by age.
  std::string unused_for;                      // ParseAge; empty: not by use.
  std::optional<uint64_t> max_bytes;           // Shrink to this, LRU first.
  std::optional<std::string> cache_namespace;  // Only (or, alone: all of) this.
};
absl::Status EvictCommand(const AdminOptions& options, const EvictArgs& args, std::ostream& out);

// Re-checks every stored digest; damaged entries are removed (and named).
absl::Status VerifyCommand(const AdminOptions& options, std::ostream& out);

// Writes every entry (of `cache_namespace` when set) to the bundle `file`
// (written beside it, then renamed: an interrupted export leaves no partial
// bundle).
absl::Status ExportCommand(const AdminOptions& options, const std::string& file,
                           const std::optional<std::string>& cache_namespace,
                           std::ostream& out);

// Sends the bundle `file` to the server. INVALID_ARGUMENT if it is not a
// bundle; the server's error naming the entry if one is refused.
absl::Status ImportCommand(const AdminOptions& options, const std::string& file,
                           std::ostream& out);

// How `file` (aten-fx-json or a serialized graph proto) would be compiled.
struct ExplainArgs {
  std::string partitioner;   // "": the server's default.
  double memory_budget = 0;  // 0: the default (1).
  std::string target;        // "": the server's.
  std::string cache_namespace;  // "": "default".
  int max_candidates = 3;
};
// Whether the graph would hit, and if not, which key components differ
// from the closest cached entries.
absl::Status ExplainCommand(const AdminOptions& options, const std::string& file,
                            const ExplainArgs& args, std::ostream& out);

// Asks the standard gRPC health service: prints SERVING (OK) or the status
// it reports (UNAVAILABLE). Needs no admin token.
absl::Status HealthCommand(const AdminOptions& options, std::ostream& out);

}  // namespace aotd::tools

#endif  // AOTD_TOOLS_ADMIN_COMMANDS_H_
