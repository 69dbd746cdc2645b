// The Admin gRPC service (proto/service.proto, `service Admin`): what
// `aotctl` calls to inspect and maintain the cache: stats, listing, one
// entry's details, delete, evict, verify, export and import of bundles, and
// Explain (why a graph would miss).
//
// Every RPC first checks the admin credential: a verified client
// certificate whose subject CN is one of Options::admin_common_names (with
// mTLS), else the metadata `authorization: Bearer <token>`
// (CheckAdminCredential). Each RPC's work is also a plain
// method returning absl::Status(Or), so the gRPC methods only authenticate
// and convert.
//
// Thread-safe; one instance serves all requests. Maintenance that runs
// while compiles store entries sees either state of each entry.
#ifndef AOTD_SERVER_ADMIN_SERVICE_H_
#define AOTD_SERVER_ADMIN_SERVICE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "cache/cache_store.h"
#include "cache/tiered_store.h"
#include "compiler/toolchain/toolchain.h"
#include "proto/service.grpc.pb.h"
#include "server/compile_scheduler.h"

namespace aotd::server {

// Checks an `authorization` metadata value against the configured admin
// token, comparing in constant time (for tokens of any length):
//   - no token configured: OK if `insecure` (anyone is an admin), else
//     PERMISSION_DENIED saying that the server has no admin token;
//   - no header (nullopt) or one that is not "Bearer <token>":
//     UNAUTHENTICATED;
//   - another token: PERMISSION_DENIED.
// `admin_token` empty means none is configured.
absl::Status CheckAdminCredential(std::optional<absl::string_view> authorization,
                                  absl::string_view admin_token, bool insecure);

class AdminService final : public proto::Admin::Service {
 public:
  struct Options {
    // The cache the compile service uses (the TieredStore). Not owned; must
    // outlive the service.
    cache::CacheStore* cache = nullptr;
    // The stores under `cache`, top first, so that Verify checks every copy
    // of an entry, not only the topmost. Not owned. Empty: Verify checks
    // `cache` alone.
    std::vector<cache::TieredStore::Tier> tiers;
    // For Stats (compiles started, queue depth). Not owned; may be null.
    const CompileScheduler* scheduler = nullptr;
    // For Explain's keys (its fingerprint is part of the target). Not
    // owned; required.
    const toolchain::Toolchain* toolchain = nullptr;
    // Explain refuses larger graphs, as Compile does.
    int max_nodes = 100000;
    // The bearer token admin RPCs must carry; empty: none configured, and
    // every admin RPC is refused unless `insecure`.
    std::string admin_token;
    // Without a token, allow admin RPCs without a credential.
    bool insecure = false;
    // Subject common names of client certificates that are an admin
    // credential too. Only for a server that requires and verifies client
    // certificates (mTLS): the CN of an unverified certificate means
    // nothing. A verified certificate with another CN falls back to the
    // token (PERMISSION_DENIED when there is none).
    std::vector<std::string> admin_common_names;
    // Import buffers a whole bundle to check it before storing anything;
    // larger bundles are refused with RESOURCE_EXHAUSTED.
    uint64_t max_import_bytes = uint64_t{2} << 30;
  };

  explicit AdminService(Options options);

  // gRPC: authenticate, run the method below, convert its status.
  grpc::Status Stats(grpc::ServerContext* context, const proto::StatsRequest* request,
                     proto::StatsResponse* response) override;
  grpc::Status ListEntries(grpc::ServerContext* context,
                           const proto::ListEntriesRequest* request,
                           proto::ListEntriesResponse* response) override;
  grpc::Status GetEntry(grpc::ServerContext* context, const proto::GetEntryRequest* request,
                        proto::GetEntryResponse* response) override;
  grpc::Status DeleteEntry(grpc::ServerContext* context,
                           const proto::DeleteEntryRequest* request,
                           proto::DeleteEntryResponse* response) override;
  grpc::Status Evict(grpc::ServerContext* context, const proto::EvictRequest* request,
                     proto::EvictResponse* response) override;
  grpc::Status Verify(grpc::ServerContext* context, const proto::VerifyRequest* request,
                      proto::VerifyResponse* response) override;
  grpc::Status Export(grpc::ServerContext* context, const proto::ExportRequest* request,
                      grpc::ServerWriter<proto::ExportResponse>* writer) override;
  grpc::Status Import(grpc::ServerContext* context,
                      grpc::ServerReader<proto::ImportRequest>* reader,
                      proto::ImportResponse* response) override;
  grpc::Status Explain(grpc::ServerContext* context, const proto::ExplainRequest* request,
                       proto::ExplainResponse* response) override;

  // The work behind the RPCs, without gRPC or authentication. Errors are the
  // cache's, and: NOT_FOUND when a key (prefix) names no entry;
  // INVALID_ARGUMENT for an ambiguous or too short prefix, a bad page token
  // or eviction request; see proto/service.proto for Import's checks.
  absl::StatusOr<proto::StatsResponse> GetStats();
  absl::StatusOr<proto::ListEntriesResponse> ListEntries(const proto::ListEntriesRequest& request);
  absl::StatusOr<proto::GetEntryResponse> GetEntry(const proto::GetEntryRequest& request);
  absl::StatusOr<proto::DeleteEntryResponse> DeleteEntry(const proto::DeleteEntryRequest& request);
  absl::StatusOr<proto::EvictResponse> Evict(const proto::EvictRequest& request);
  absl::StatusOr<proto::VerifyResponse> Verify();
  // Calls `emit` once per entry, in key order; stops at its first error.
  absl::Status Export(const proto::ExportRequest& request,
                      const std::function<absl::Status(const proto::ExportResponse&)>& emit);
  absl::StatusOr<proto::ImportResponse> Import(std::vector<proto::ExportedEntry> entries);
  absl::StatusOr<proto::ExplainResponse> Explain(const proto::ExplainRequest& request);

 private:
  absl::Status Authorize(const grpc::ServerContext& context) const;
  // The full key `key_or_prefix` names.
  absl::StatusOr<std::string> ResolveKey(absl::string_view key_or_prefix);

  const Options options_;

  absl::Mutex mu_;
  uint64_t admin_evictions_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t admin_deletions_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t verify_removals_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace aotd::server

#endif  // AOTD_SERVER_ADMIN_SERVICE_H_
