#include "server/admin_service.h"

#include <algorithm>
#include <utility>

#include "absl/algorithm/container.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "cache/maintenance.h"
#include "common/artifact_seal.h"
#include "common/cache_key.h"
#include "common/sha256.h"
#include "common/status_macros.h"
#include "grpc/grpc_security_constants.h"
#include "grpcpp/security/auth_context.h"
#include "proto/artifact.pb.h"
#include "server/compile_service.h"
#include "server/request_key.h"

namespace aotd::server {
namespace {

// A prefix shorter than this could name many entries by accident.
constexpr size_t kMinKeyPrefix = 8;
constexpr size_t kKeyHexDigits = 64;
constexpr uint32_t kDefaultCandidates = 3;

bool ConstantTimeEquals(const Sha256Digest& a, const Sha256Digest& b) {
  uint8_t difference = 0;
  for (size_t i = 0; i < a.size(); ++i) difference |= a[i] ^ b[i];
  return difference == 0;
}

int64_t ToMicros(absl::Time t) {
  return t == absl::InfinitePast() ? 0 : absl::ToUnixMicros(t);
}

proto::KeyComponents ToProto(const CacheKeyComponents& components,
                             absl::string_view cache_namespace) {
  proto::KeyComponents out;
  out.set_graph_key(components.graph_key);
  out.set_options(components.options);
  out.set_target(components.target);
  out.set_compiler_version(components.compiler_version);
  out.set_namespace_(std::string(cache_namespace));
  return out;
}

proto::EntryInfo ToEntryInfo(absl::string_view key, const cache::EntryMetadata& m) {
  proto::EntryInfo info;
  info.set_key(std::string(key));
  info.set_namespace_(m.cache_namespace);
  *info.mutable_key_components() = ToProto(m.key_components, m.cache_namespace);
  info.set_size_bytes(m.size_bytes);
  info.set_sha256(std::string(m.digest.begin(), m.digest.end()));
  info.set_created_unix_micros(ToMicros(m.created));
  info.set_last_used_unix_micros(ToMicros(m.last_used));
  info.set_hit_count(m.hit_count);
  return info;
}

// The metadata an imported entry is stored with: times and hits kept, the
// digest given so that Put checks it again.
cache::EntryMetadata FromEntryInfo(const proto::EntryInfo& info) {
  cache::EntryMetadata m;
  m.cache_namespace = info.namespace_();
  m.key_components.graph_key = info.key_components().graph_key();
  m.key_components.options = info.key_components().options();
  m.key_components.target = info.key_components().target();
  m.key_components.compiler_version = info.key_components().compiler_version();
  m.size_bytes = info.size_bytes();
  // CheckImported checked the length.
  if (info.sha256().size() == m.digest.size()) {
    std::copy(info.sha256().begin(), info.sha256().end(), m.digest.begin());
  }
  if (info.created_unix_micros() != 0) {
    m.created = absl::FromUnixMicros(info.created_unix_micros());
  }
  if (info.last_used_unix_micros() != 0) {
    m.last_used = absl::FromUnixMicros(info.last_used_unix_micros());
  }
  m.hit_count = info.hit_count();
  return m;
}

proto::TierStats ToProto(const cache::CacheStats& stats) {
  proto::TierStats out;
  out.set_tier(stats.tier);
  out.set_entries(stats.entries);
  out.set_bytes(stats.bytes);
  out.set_max_bytes(stats.max_bytes);
  for (const auto& [name, ns] : stats.namespaces) {
    proto::NamespaceStats* n = out.add_namespaces();
    n->set_namespace_(name);
    n->set_entries(ns.entries);
    n->set_bytes(ns.bytes);
  }
  out.set_hits(stats.hits);
  out.set_misses(stats.misses);
  out.set_puts(stats.puts);
  out.set_evictions(stats.evictions);
  out.set_expirations(stats.expirations);
  out.set_digest_failures(stats.digest_failures);
  out.set_read_errors(stats.read_errors);
  out.set_write_errors(stats.write_errors);
  return out;
}

absl::StatusOr<cache::ListOrder> ToListOrder(proto::EntryOrder order) {
  switch (order) {
    case proto::ENTRY_ORDER_KEY: return cache::ListOrder::kKey;
    case proto::ENTRY_ORDER_SIZE: return cache::ListOrder::kSize;
    case proto::ENTRY_ORDER_LAST_USED: return cache::ListOrder::kLastUsed;
    case proto::ENTRY_ORDER_HITS: return cache::ListOrder::kHits;
    case proto::ENTRY_ORDER_AGE: return cache::ListOrder::kAge;
    default: break;
  }
  return absl::InvalidArgumentError(absl::StrCat("unknown entry order ", order));
}

absl::Status Prefixed(absl::string_view prefix, const absl::Status& status) {
  return absl::Status(status.code(), absl::StrCat(prefix, status.message()));
}

// Checks one bundle entry on its own (see ImportRequest in the proto).
absl::Status CheckImported(const proto::ExportedEntry& entry) {
  const proto::EntryInfo& info = entry.info();
  if (info.key().size() != kKeyHexDigits) {
    return absl::InvalidArgumentError(
        absl::StrCat("bundle entry '", info.key(), "': a key has ", kKeyHexDigits, " hex digits"));
  }
  const std::string where = absl::StrCat("bundle entry ", info.key(), ": ");
  if (info.sha256().size() != Sha256Digest().size()) {
    return absl::InvalidArgumentError(absl::StrCat(where, "a sha256 has ", Sha256Digest().size(),
                                                   " bytes, this one ", info.sha256().size()));
  }
  RETURN_IF_ERROR(Prefixed(where, CheckNamespace(info.namespace_())));
  CacheKeyComponents components = FromEntryInfo(info).key_components;
  if (CacheKey(components, info.namespace_()) != info.key()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, "the key is not the one its components and namespace give"));
  }
  const Sha256Digest digest = Sha256Of(entry.artifact());
  if (info.sha256() != absl::string_view(reinterpret_cast<const char*>(digest.data()),
                                         digest.size())) {
    return absl::DataLossError(absl::StrCat(where, "the artifact bytes do not match their digest"));
  }
  if (info.size_bytes() != entry.artifact().size()) {
    return absl::DataLossError(absl::StrCat(where, "the artifact has ", entry.artifact().size(),
                                            " bytes, its metadata says ", info.size_bytes()));
  }
  proto::Artifact artifact;
  if (!artifact.ParseFromString(entry.artifact())) {
    return absl::InvalidArgumentError(absl::StrCat(where, "the artifact does not parse"));
  }
  if (artifact.key() != info.key()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, "the artifact was compiled for key ", artifact.key()));
  }
  absl::Status sealed = VerifyArtifact(artifact, /*verifier=*/nullptr);
  if (!sealed.ok()) return Prefixed(where, sealed);
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckAdminCredential(std::optional<absl::string_view> authorization,
                                  absl::string_view admin_token, bool insecure) {
  if (admin_token.empty()) {
    if (insecure) return absl::OkStatus();
    return absl::PermissionDeniedError(
        "admin RPCs are disabled: this server has no admin token; start it with "
        "--admin_token_file=FILE (or, on a trusted network, --insecure_admin)");
  }
  if (!authorization.has_value()) {
    return absl::UnauthenticatedError(
        "admin RPCs need the admin token: metadata 'authorization: Bearer <token>'");
  }
  constexpr absl::string_view kScheme = "Bearer ";
  if (!absl::StartsWithIgnoreCase(*authorization, kScheme)) {
    return absl::UnauthenticatedError("the authorization metadata is not 'Bearer <token>'");
  }
  absl::string_view token = absl::StripAsciiWhitespace(authorization->substr(kScheme.size()));
  // Comparing digests takes the same time whatever the tokens' lengths and
  // wherever they first differ.
  if (!ConstantTimeEquals(Sha256Of(token), Sha256Of(admin_token))) {
    return absl::PermissionDeniedError("the admin token is not this server's");
  }
  return absl::OkStatus();
}

AdminService::AdminService(Options options) : options_(std::move(options)) {}

absl::Status AdminService::Authorize(const grpc::ServerContext& context) const {
  if (!options_.admin_common_names.empty()) {
    std::shared_ptr<const grpc::AuthContext> auth = context.auth_context();
    std::string peer_names;
    if (auth != nullptr && auth->IsPeerAuthenticated()) {
      for (const grpc::string_ref& name : auth->FindPropertyValues(GRPC_X509_CN_PROPERTY_NAME)) {
        const std::string common_name(name.data(), name.size());
        if (absl::c_linear_search(options_.admin_common_names, common_name)) {
          return absl::OkStatus();
        }
        absl::StrAppend(&peer_names, peer_names.empty() ? "" : ", ", "'", common_name, "'");
      }
    }
    if (options_.admin_token.empty()) {
      return absl::PermissionDeniedError(absl::StrCat(
          "admin RPCs need a client certificate whose subject CN is an admin name of this "
          "server (--admin_cert_cn); this client's is ",
          peer_names.empty() ? "unknown" : peer_names));
    }
  }
  std::optional<absl::string_view> authorization;
  auto it = context.client_metadata().find("authorization");
  if (it != context.client_metadata().end()) {
    authorization = absl::string_view(it->second.data(), it->second.size());
  }
  return CheckAdminCredential(authorization, options_.admin_token, options_.insecure);
}

absl::StatusOr<std::string> AdminService::ResolveKey(absl::string_view key_or_prefix) {
  if (key_or_prefix.size() == kKeyHexDigits) return std::string(key_or_prefix);
  if (key_or_prefix.size() < kMinKeyPrefix || key_or_prefix.size() > kKeyHexDigits) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", key_or_prefix, "' is not a key: give its ", kKeyHexDigits,
        " hex digits or a unique prefix of at least ", kMinKeyPrefix));
  }
  ASSIGN_OR_RETURN(std::vector<cache::ListedEntry> entries,
                   cache::ListAll(*options_.cache, cache::ListOptions()));
  std::vector<std::string> matches;
  for (cache::ListedEntry& entry : entries) {
    if (absl::StartsWith(entry.key, key_or_prefix)) matches.push_back(std::move(entry.key));
  }
  if (matches.empty()) {
    return absl::NotFoundError(absl::StrCat("no cache entry has a key starting with ",
                                            key_or_prefix));
  }
  if (matches.size() > 1) {
    return absl::InvalidArgumentError(absl::StrCat("key prefix ", key_or_prefix, " is ambiguous: ",
                                                   matches.size(), " entries start with it"));
  }
  return matches[0];
}

absl::StatusOr<proto::StatsResponse> AdminService::GetStats() {
  proto::StatsResponse response;
  cache::CacheStats stats = options_.cache->Stats();
  *response.mutable_cache() = ToProto(stats);
  for (const cache::CacheStats& tier : stats.tiers) *response.add_tiers() = ToProto(tier);
  if (options_.scheduler != nullptr) {
    response.set_compiles_started(options_.scheduler->compiles_started());
    response.set_queue_depth(options_.scheduler->queue_depth());
  }
  absl::MutexLock lock(&mu_);
  response.set_admin_evictions(admin_evictions_);
  response.set_admin_deletions(admin_deletions_);
  response.set_verify_removals(verify_removals_);
  return response;
}

absl::StatusOr<proto::ListEntriesResponse> AdminService::ListEntries(
    const proto::ListEntriesRequest& request) {
  cache::ListOptions options;
  ASSIGN_OR_RETURN(options.order, ToListOrder(request.order()));
  options.descending = request.descending();
  if (request.has_namespace_()) options.cache_namespace = request.namespace_();
  options.page_size = request.page_size();
  options.page_token = request.page_token();
  ASSIGN_OR_RETURN(cache::ListPage page, options_.cache->List(options));
  proto::ListEntriesResponse response;
  for (const cache::ListedEntry& entry : page.entries) {
    *response.add_entries() = ToEntryInfo(entry.key, entry.metadata);
  }
  response.set_next_page_token(page.next_page_token);
  return response;
}

absl::StatusOr<proto::GetEntryResponse> AdminService::GetEntry(
    const proto::GetEntryRequest& request) {
  ASSIGN_OR_RETURN(std::string key, ResolveKey(request.key()));
  // Peek checks the digest and records no use.
  ASSIGN_OR_RETURN(std::optional<cache::Entry> entry, options_.cache->Peek(key));
  if (!entry.has_value()) {
    return absl::NotFoundError(absl::StrCat("no cache entry ", key));
  }
  proto::Artifact artifact;
  if (!artifact.ParseFromString(entry->artifact)) {
    return absl::DataLossError(absl::StrCat("the artifact of entry ", key, " does not parse"));
  }
  proto::GetEntryResponse response;
  *response.mutable_entry() = ToEntryInfo(key, entry->metadata);
  *response.mutable_partition() = std::move(*artifact.mutable_partition());
  *response.mutable_timings() = std::move(*artifact.mutable_timings());
  response.set_target(artifact.target());
  response.set_compiler_version(artifact.compiler_version());
  response.set_shared_object_bytes(artifact.shared_object().size());
  response.set_signed_(!artifact.signature().empty());
  response.set_source_bytes(artifact.source().size());
  if (request.include_source()) response.set_source(std::move(*artifact.mutable_source()));
  return response;
}

absl::StatusOr<proto::DeleteEntryResponse> AdminService::DeleteEntry(
    const proto::DeleteEntryRequest& request) {
  ASSIGN_OR_RETURN(std::string key, ResolveKey(request.key()));
  ASSIGN_OR_RETURN(std::optional<cache::EntryMetadata> metadata,
                   options_.cache->GetMetadata(key));
  ASSIGN_OR_RETURN(bool removed, options_.cache->Delete(key));
  if (!removed) return absl::NotFoundError(absl::StrCat("no cache entry ", key));
  {
    absl::MutexLock lock(&mu_);
    ++admin_deletions_;
  }
  proto::DeleteEntryResponse response;
  response.set_key(key);
  if (metadata.has_value()) response.set_size_bytes(metadata->size_bytes);
  return response;
}

absl::StatusOr<proto::EvictResponse> AdminService::Evict(const proto::EvictRequest& request) {
  if (request.older_than_ms() < 0 || request.unused_for_ms() < 0) {
    return absl::InvalidArgumentError("eviction ages must not be negative");
  }
  cache::EvictionRequest eviction;
  const absl::Time now = absl::Now();
  if (request.older_than_ms() > 0) {
    eviction.created_before = now - absl::Milliseconds(request.older_than_ms());
  }
  if (request.unused_for_ms() > 0) {
    eviction.last_used_before = now - absl::Milliseconds(request.unused_for_ms());
  }
  if (request.has_max_bytes()) eviction.max_bytes = request.max_bytes();
  if (request.has_namespace_()) eviction.cache_namespace = request.namespace_();
  ASSIGN_OR_RETURN(cache::EvictionResult result, cache::Evict(*options_.cache, eviction));
  {
    absl::MutexLock lock(&mu_);
    admin_evictions_ += result.entries;
  }
  proto::EvictResponse response;
  response.set_entries(result.entries);
  response.set_bytes(result.bytes);
  return response;
}

absl::StatusOr<proto::VerifyResponse> AdminService::Verify() {
  std::vector<cache::CacheStore*> stores;
  for (const cache::TieredStore::Tier& tier : options_.tiers) stores.push_back(tier.store);
  if (stores.empty()) stores.push_back(options_.cache);

  proto::VerifyResponse response;
  absl::flat_hash_set<std::string> seen;
  std::vector<std::string> damaged;
  for (cache::CacheStore* store : stores) {
    ASSIGN_OR_RETURN(std::vector<cache::ListedEntry> entries,
                     cache::ListAll(*store, cache::ListOptions()));
    for (const cache::ListedEntry& listed : entries) {
      seen.insert(listed.key);
      // Peek checks the digest, and removes and counts a damaged copy.
      ASSIGN_OR_RETURN(std::optional<cache::Entry> read, store->Peek(listed.key));
      response.set_copies_checked(response.copies_checked() + 1);
      if (!read.has_value()) damaged.push_back(listed.key);
    }
  }
  // The intact copies of a damaged entry go too, or an upper tier would
  // keep serving what the lower one lost.
  absl::flat_hash_set<std::string> removed;
  for (const std::string& key : damaged) {
    if (!removed.insert(key).second) continue;
    RETURN_IF_ERROR(options_.cache->Delete(key).status());
    response.add_removed_keys(key);
  }
  response.set_checked(seen.size());
  absl::MutexLock lock(&mu_);
  verify_removals_ += removed.size();
  return response;
}

absl::Status AdminService::Export(
    const proto::ExportRequest& request,
    const std::function<absl::Status(const proto::ExportResponse&)>& emit) {
  cache::ListOptions options;
  if (request.has_namespace_()) options.cache_namespace = request.namespace_();
  ASSIGN_OR_RETURN(std::vector<cache::ListedEntry> entries, cache::ListAll(*options_.cache, options));
  proto::ExportResponse message;
  message.set_total(entries.size());
  for (const cache::ListedEntry& listed : entries) {
    ASSIGN_OR_RETURN(std::optional<cache::Entry> entry, options_.cache->Peek(listed.key));
    if (!entry.has_value()) continue;  // Removed meanwhile, or damaged.
    *message.mutable_entry()->mutable_info() = ToEntryInfo(listed.key, entry->metadata);
    message.mutable_entry()->set_artifact(std::move(entry->artifact));
    RETURN_IF_ERROR(emit(message));
  }
  return absl::OkStatus();
}

absl::StatusOr<proto::ImportResponse> AdminService::Import(
    std::vector<proto::ExportedEntry> entries) {
  absl::flat_hash_set<std::string> keys;
  for (const proto::ExportedEntry& entry : entries) {
    RETURN_IF_ERROR(CheckImported(entry));
    if (!keys.insert(entry.info().key()).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("bundle entry ", entry.info().key(), " appears twice"));
    }
  }
  proto::ImportResponse response;
  std::vector<std::string> stored;
  for (proto::ExportedEntry& exported : entries) {
    const std::string& key = exported.info().key();
    ASSIGN_OR_RETURN(std::optional<cache::EntryMetadata> present,
                     options_.cache->GetMetadata(key));
    if (present.has_value()) {
      response.set_already_present(response.already_present() + 1);
      continue;
    }
    cache::Entry entry;
    entry.metadata = FromEntryInfo(exported.info());
    entry.artifact = std::move(*exported.mutable_artifact());
    absl::Status put = options_.cache->Put(key, entry);
    if (!put.ok()) {
      // Undo, so that a failed import changes nothing.
      for (const std::string& done : stored) options_.cache->Delete(done).IgnoreError();
      return Prefixed(absl::StrCat("storing bundle entry ", key, ": "), put);
    }
    stored.push_back(key);
    response.set_bytes(response.bytes() + entry.artifact.size());
  }
  response.set_imported(stored.size());
  return response;
}

absl::StatusOr<proto::ExplainResponse> AdminService::Explain(
    const proto::ExplainRequest& request) {
  ASSIGN_OR_RETURN(ImportedRequest imported,
                   ImportAndKey(request.request(), *options_.toolchain, options_.max_nodes));
  const RequestKey& wanted = imported.key;
  proto::ExplainResponse response;
  response.set_key(wanted.key);
  *response.mutable_components() = ToProto(wanted.components, wanted.cache_namespace);
  ASSIGN_OR_RETURN(std::optional<cache::EntryMetadata> found,
                   options_.cache->GetMetadata(wanted.key));
  response.set_found(found.has_value());

  ASSIGN_OR_RETURN(std::vector<cache::ListedEntry> entries,
                   cache::ListAll(*options_.cache, cache::ListOptions()));
  response.set_entries_compared(entries.size());
  struct Candidate {
    const cache::ListedEntry* entry;
    std::vector<proto::ComponentDifference> differences;
  };
  std::vector<Candidate> candidates;
  for (const cache::ListedEntry& entry : entries) {
    if (entry.key == wanted.key) continue;
    const CacheKeyComponents& c = entry.metadata.key_components;
    Candidate candidate{&entry, {}};
    auto compare = [&](absl::string_view name, const std::string& mine,
                       const std::string& theirs) {
      if (mine == theirs) return;
      proto::ComponentDifference d;
      d.set_component(std::string(name));
      d.set_wanted(mine);
      d.set_cached(theirs);
      candidate.differences.push_back(std::move(d));
    };
    compare("graph_key", wanted.components.graph_key, c.graph_key);
    compare("options", wanted.components.options, c.options);
    compare("target", wanted.components.target, c.target);
    compare("compiler_version", wanted.components.compiler_version, c.compiler_version);
    compare("namespace", wanted.cache_namespace, entry.metadata.cache_namespace);
    candidates.push_back(std::move(candidate));
  }
  std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
    if (a.differences.size() != b.differences.size()) {
      return a.differences.size() < b.differences.size();
    }
    if (a.entry->metadata.last_used != b.entry->metadata.last_used) {
      return a.entry->metadata.last_used > b.entry->metadata.last_used;
    }
    return a.entry->key < b.entry->key;
  });
  const size_t wanted_count =
      request.max_candidates() == 0 ? kDefaultCandidates : request.max_candidates();
  for (size_t i = 0; i < candidates.size() && i < wanted_count; ++i) {
    proto::ExplainCandidate* out = response.add_closest();
    *out->mutable_entry() = ToEntryInfo(candidates[i].entry->key, candidates[i].entry->metadata);
    for (proto::ComponentDifference& d : candidates[i].differences) {
      *out->add_differences() = std::move(d);
    }
  }
  return response;
}

// gRPC edges: authenticate, run, convert.

namespace {

template <typename Response, typename Work>
grpc::Status Serve(const absl::Status& authorized, Work&& work, Response* response) {
  if (!authorized.ok()) return ToGrpc(authorized);
  absl::StatusOr<Response> result = work();
  if (!result.ok()) return ToGrpc(result.status());
  *response = *std::move(result);
  return grpc::Status::OK;
}

}  // namespace

grpc::Status AdminService::Stats(grpc::ServerContext* context, const proto::StatsRequest*,
                                 proto::StatsResponse* response) {
  return Serve(Authorize(*context), [&] { return GetStats(); }, response);
}

grpc::Status AdminService::ListEntries(grpc::ServerContext* context,
                                       const proto::ListEntriesRequest* request,
                                       proto::ListEntriesResponse* response) {
  return Serve(Authorize(*context), [&] { return ListEntries(*request); }, response);
}

grpc::Status AdminService::GetEntry(grpc::ServerContext* context,
                                    const proto::GetEntryRequest* request,
                                    proto::GetEntryResponse* response) {
  return Serve(Authorize(*context), [&] { return GetEntry(*request); }, response);
}

grpc::Status AdminService::DeleteEntry(grpc::ServerContext* context,
                                       const proto::DeleteEntryRequest* request,
                                       proto::DeleteEntryResponse* response) {
  return Serve(Authorize(*context), [&] { return DeleteEntry(*request); }, response);
}

grpc::Status AdminService::Evict(grpc::ServerContext* context, const proto::EvictRequest* request,
                                 proto::EvictResponse* response) {
  return Serve(Authorize(*context), [&] { return Evict(*request); }, response);
}

grpc::Status AdminService::Verify(grpc::ServerContext* context, const proto::VerifyRequest*,
                                  proto::VerifyResponse* response) {
  return Serve(Authorize(*context), [&] { return Verify(); }, response);
}

grpc::Status AdminService::Explain(grpc::ServerContext* context,
                                   const proto::ExplainRequest* request,
                                   proto::ExplainResponse* response) {
  return Serve(Authorize(*context), [&] { return Explain(*request); }, response);
}

grpc::Status AdminService::Export(grpc::ServerContext* context,
                                  const proto::ExportRequest* request,
                                  grpc::ServerWriter<proto::ExportResponse>* writer) {
  absl::Status authorized = Authorize(*context);
  if (!authorized.ok()) return ToGrpc(authorized);
  return ToGrpc(Export(*request, [&](const proto::ExportResponse& message) {
    if (writer->Write(message)) return absl::OkStatus();
    return absl::CancelledError("the export's reader went away");
  }));
}

grpc::Status AdminService::Import(grpc::ServerContext* context,
                                  grpc::ServerReader<proto::ImportRequest>* reader,
                                  proto::ImportResponse* response) {
  absl::Status authorized = Authorize(*context);
  if (!authorized.ok()) return ToGrpc(authorized);
  std::vector<proto::ExportedEntry> entries;
  uint64_t bytes = 0;
  proto::ImportRequest message;
  bool ended = false;
  while (!ended && reader->Read(&message)) {
    ended = message.end();
    if (!message.has_entry()) continue;
    bytes += message.entry().artifact().size();
    if (bytes > options_.max_import_bytes) {
      return ToGrpc(absl::ResourceExhaustedError(
          absl::StrCat("the bundle is larger than this server imports at once (",
                       options_.max_import_bytes, " bytes); nothing was imported; split it")));
    }
    entries.push_back(std::move(*message.mutable_entry()));
  }
  if (!ended) {
    return ToGrpc(absl::AbortedError(
        "the import stream ended before its last message; nothing was imported"));
  }
  return Serve(absl::OkStatus(), [&] { return Import(std::move(entries)); }, response);
}

}  // namespace aotd::server
