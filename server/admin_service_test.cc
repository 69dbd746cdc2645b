// The Admin service against a real server on loopback (port 0) with its
// RocksDB cache in a scratch folder: the credential, stats, listing,
// entries, eviction, verification, export/import and Explain.
#include "server/admin_service.h"

#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "cache/testing/test_entries.h"
#include "common/artifact_seal.h"
#include "common/cache_key.h"
#include "common/sha256.h"
#include "gmock/gmock.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "tests/workloads.h"
#include "proto/service.grpc.pb.h"
#include "rocksdb/db.h"
#include "rocksdb/options.h"
#include "server/server.h"

namespace aotd::server {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

constexpr char kToken[] = "s3cret-admin-token";

// A well-formed entry that no compiler made: a sealed artifact of about
// `size` bytes keyed by its components, with the given use record.
proto::ExportedEntry SyntheticEntry(const std::string& seed, const std::string& cache_namespace,
                                    size_t size, absl::Time created, absl::Time last_used,
                                    uint64_t hits) {
  CacheKeyComponents components;
  components.graph_key = ToHex(Sha256Of(seed));
  components.options = "partitioner=min_cut;memory_budget=1";
  components.target = "test|fingerprint";
  components.compiler_version = "test-compiler";
  proto::Artifact artifact;
  artifact.set_format_version(kArtifactFormatVersion);
  artifact.set_key(CacheKey(components, cache_namespace));
  artifact.set_source(std::string(size, 'x'));
  EXPECT_TRUE(SealArtifact(artifact, nullptr).ok());

  proto::ExportedEntry entry;
  entry.set_artifact(artifact.SerializeAsString());
  proto::EntryInfo& info = *entry.mutable_info();
  info.set_key(artifact.key());
  info.set_namespace_(cache_namespace);
  info.mutable_key_components()->set_graph_key(components.graph_key);
  info.mutable_key_components()->set_options(components.options);
  info.mutable_key_components()->set_target(components.target);
  info.mutable_key_components()->set_compiler_version(components.compiler_version);
  info.set_size_bytes(entry.artifact().size());
  Sha256Digest digest = Sha256Of(entry.artifact());
  info.set_sha256(std::string(digest.begin(), digest.end()));
  info.set_created_unix_micros(absl::ToUnixMicros(created));
  info.set_last_used_unix_micros(absl::ToUnixMicros(last_used));
  info.set_hit_count(hits);
  return entry;
}

// Flips one byte of an artifact in the RocksDB tier, through RocksDB's own
// API, behind the store's back. The server must be stopped.
void CorruptArtifact(const std::string& path, const std::string& key) {
  std::vector<std::string> families;
  ASSERT_TRUE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), path, &families).ok());
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const std::string& name : families) {
    descriptors.emplace_back(name, rocksdb::ColumnFamilyOptions());
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  ASSERT_TRUE(
      rocksdb::DB::Open(rocksdb::DBOptions(), path, descriptors, &handles, &raw).ok());
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::ColumnFamilyHandle* artifacts = nullptr;
  for (size_t i = 0; i < families.size(); ++i) {
    if (families[i] == "artifacts") artifacts = handles[i];
  }
  ASSERT_NE(artifacts, nullptr);
  std::string bytes;
  ASSERT_TRUE(db->Get(rocksdb::ReadOptions(), artifacts, key, &bytes).ok());
  bytes[bytes.size() / 2] ^= 0x01;
  ASSERT_TRUE(db->Put(rocksdb::WriteOptions(), artifacts, key, bytes).ok());
  for (auto* handle : handles) ASSERT_TRUE(db->DestroyColumnFamilyHandle(handle).ok());
}

class AdminServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = cache::testing::NewTempDir();
    token_file_ = root_ + "/token";
    std::ofstream(token_file_) << "  " << kToken << "\n";
    Start(root_ + "/cache");
  }
  void TearDown() override {
    server_.reset();
    std::filesystem::remove_all(root_);
  }

  // (Re)starts the server on `cache_dir` with the admin token.
  void Start(const std::string& cache_dir, bool with_token = true, bool insecure = false) {
    server_.reset();
    ServerOptions options;
    options.listen = "127.0.0.1:0";
    options.cache_dir = cache_dir;
    if (with_token) options.admin_token_file = token_file_;
    options.insecure_admin = insecure;
    absl::StatusOr<std::unique_ptr<Server>> started = StartServer(options);
    ASSERT_TRUE(started.ok()) << started.status();
    server_ = *std::move(started);
    auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                       grpc::InsecureChannelCredentials());
    admin_ = proto::Admin::NewStub(channel);
    compiler_ = proto::Compiler::NewStub(channel);
  }

  // A context carrying `authorization` (none when nullopt).
  static std::unique_ptr<grpc::ClientContext> Context(
      std::optional<std::string> authorization = absl::StrCat("Bearer ", kToken)) {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
    if (authorization.has_value()) context->AddMetadata("authorization", *authorization);
    return context;
  }

  proto::StatsResponse Stats() {
    proto::StatsResponse response;
    grpc::Status status = admin_->Stats(Context().get(), {}, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  proto::CompileResponse Compile(const proto::Graph& graph, const std::string& partitioner = "",
                                 const std::string& cache_namespace = "") {
    proto::CompileRequest request;
    *request.mutable_graph() = graph;
    request.mutable_options()->set_partitioner(partitioner);
    request.set_namespace_(cache_namespace);
    proto::CompileResponse response;
    grpc::Status status = compiler_->Compile(Context(std::nullopt).get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  grpc::Status Import(const std::vector<proto::ExportedEntry>& entries,
                      proto::ImportResponse* response, bool end = true) {
    auto context = Context();
    auto writer = admin_->Import(context.get(), response);
    for (const proto::ExportedEntry& entry : entries) {
      proto::ImportRequest message;
      *message.mutable_entry() = entry;
      writer->Write(message);
    }
    if (end) {
      proto::ImportRequest last;
      last.set_end(true);
      writer->Write(last);
    }
    writer->WritesDone();
    return writer->Finish();
  }

  void ImportOk(const std::vector<proto::ExportedEntry>& entries) {
    proto::ImportResponse response;
    grpc::Status status = Import(entries, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_EQ(response.imported(), entries.size());
  }

  std::vector<proto::ExportedEntry> Export() {
    auto context = Context();
    auto reader = admin_->Export(context.get(), {});
    std::vector<proto::ExportedEntry> entries;
    proto::ExportResponse message;
    while (reader->Read(&message)) entries.push_back(message.entry());
    grpc::Status status = reader->Finish();
    EXPECT_TRUE(status.ok()) << status.error_message();
    return entries;
  }

  std::vector<std::string> ListKeys(proto::ListEntriesRequest request) {
    std::vector<std::string> keys;
    do {
      proto::ListEntriesResponse page;
      grpc::Status status = admin_->ListEntries(Context().get(), request, &page);
      EXPECT_TRUE(status.ok()) << status.error_message();
      if (!status.ok()) break;
      for (const proto::EntryInfo& e : page.entries()) keys.push_back(e.key());
      request.set_page_token(page.next_page_token());
    } while (!request.page_token().empty());
    return keys;
  }

  std::string root_;
  std::string token_file_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<proto::Admin::Stub> admin_;
  std::unique_ptr<proto::Compiler::Stub> compiler_;
};

TEST(CheckAdminCredentialTest, CodesSayWhatIsMissing) {
  EXPECT_TRUE(CheckAdminCredential("Bearer tok", "tok", false).ok());
  EXPECT_TRUE(CheckAdminCredential("bearer  tok ", "tok", false).ok());
  EXPECT_EQ(CheckAdminCredential(std::nullopt, "tok", false).code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(CheckAdminCredential("Basic dG9rOg==", "tok", false).code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(CheckAdminCredential("Bearer tok2", "tok", false).code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(CheckAdminCredential("Bearer to", "tok", false).code(),
            absl::StatusCode::kPermissionDenied);
  absl::Status none = CheckAdminCredential("Bearer tok", "", false);
  EXPECT_EQ(none.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(none.message(), HasSubstr("no admin token"));
  EXPECT_TRUE(CheckAdminCredential(std::nullopt, "", true).ok());
}

TEST_F(AdminServiceTest, AdminRpcsNeedTheToken) {
  proto::StatsResponse stats;
  grpc::Status status = admin_->Stats(Context(std::nullopt).get(), {}, &stats);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(status.error_message(), HasSubstr("Bearer"));
  status = admin_->Stats(Context("Bearer not-the-token").get(), {}, &stats);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  status = admin_->Stats(Context().get(), {}, &stats);
  EXPECT_TRUE(status.ok()) << status.error_message();

  // Streaming RPCs too, before anything is read or written.
  auto context = Context("Bearer wrong");
  auto reader = admin_->Export(context.get(), {});
  proto::ExportResponse message;
  while (reader->Read(&message)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::PERMISSION_DENIED);
  proto::ImportResponse imported;
  EXPECT_EQ(Import({}, &imported).error_code(), grpc::StatusCode::OK);

  // The compile service needs no credential.
  proto::LookupRequest lookup;
  lookup.set_graph_key(std::string(64, '0'));
  proto::LookupResponse found;
  EXPECT_TRUE(compiler_->Lookup(Context(std::nullopt).get(), lookup, &found).ok());
}

TEST_F(AdminServiceTest, WithoutATokenAdminRpcsAreRefusedUnlessInsecure) {
  Start(root_ + "/cache", /*with_token=*/false);
  proto::StatsResponse stats;
  grpc::Status status = admin_->Stats(Context().get(), {}, &stats);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(status.error_message(), HasSubstr("no admin token"));

  Start(root_ + "/cache", /*with_token=*/false, /*insecure=*/true);
  EXPECT_TRUE(admin_->Stats(Context(std::nullopt).get(), {}, &stats).ok());

  ServerOptions both;
  both.listen = "127.0.0.1:0";
  both.cache_dir = root_ + "/other";
  both.admin_token_file = token_file_;
  both.insecure_admin = true;
  EXPECT_EQ(StartServer(both).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(AdminServiceTest, StatsMoveAfterCompiles) {
  proto::StatsResponse before = Stats();
  EXPECT_EQ(before.cache().entries(), 0u);
  EXPECT_EQ(before.compiles_started(), 0u);

  proto::Graph graph = ::aotd::testing::WorkloadGraph("e_loss/small");
  EXPECT_FALSE(Compile(graph).cache_hit());
  EXPECT_TRUE(Compile(graph).cache_hit());
  EXPECT_FALSE(Compile(graph, "", "team-a").cache_hit());

  proto::StatsResponse after = Stats();
  EXPECT_EQ(after.compiles_started(), 2u);
  EXPECT_EQ(after.queue_depth(), 0);
  EXPECT_EQ(after.cache().entries(), 2u);
  EXPECT_GT(after.cache().bytes(), 0u);
  EXPECT_EQ(after.cache().puts(), 2u);
  EXPECT_EQ(after.cache().hits(), 1u);
  EXPECT_EQ(after.cache().misses(), 2u);
  ASSERT_EQ(after.cache().namespaces_size(), 2);
  EXPECT_EQ(after.cache().namespaces(0).namespace_(), "default");
  EXPECT_EQ(after.cache().namespaces(0).entries(), 1u);
  EXPECT_EQ(after.cache().namespaces(1).namespace_(), "team-a");
  ASSERT_EQ(after.tiers_size(), 2);
  EXPECT_EQ(after.tiers(0).tier(), "memory");
  EXPECT_EQ(after.tiers(0).hits(), 1u);
  EXPECT_EQ(after.tiers(1).tier(), "rocksdb");
  EXPECT_EQ(after.tiers(1).entries(), 2u);
}

TEST_F(AdminServiceTest, ListPagesAndSorts) {
  const absl::Time now = absl::Now();
  // seed, namespace, size, created (minutes ago), last used (minutes ago), hits
  ImportOk({SyntheticEntry("a", "default", 3000, now - absl::Minutes(50), now - absl::Minutes(1), 5),
            SyntheticEntry("b", "default", 1000, now - absl::Minutes(40), now - absl::Minutes(30), 9),
            SyntheticEntry("c", "team", 5000, now - absl::Minutes(30), now - absl::Minutes(20), 1),
            SyntheticEntry("d", "team", 2000, now - absl::Minutes(20), now - absl::Minutes(10), 7),
            SyntheticEntry("e", "default", 4000, now - absl::Minutes(10), now - absl::Minutes(5), 3)});

  auto seeds_in_order = [&](proto::EntryOrder order, bool descending) {
    proto::ListEntriesRequest request;
    request.set_order(order);
    request.set_descending(descending);
    request.set_page_size(2);
    std::vector<std::string> keys = ListKeys(request);
    std::vector<std::string> seeds;
    for (const std::string& key : keys) {
      for (const char* seed : {"a", "b", "c", "d", "e"}) {
        const std::string ns = std::string(seed) == "c" || std::string(seed) == "d" ? "team"
                                                                                    : "default";
        if (SyntheticEntry(seed, ns, 1, now, now, 0).info().key() == key) seeds.push_back(seed);
      }
    }
    return seeds;
  };
  EXPECT_THAT(seeds_in_order(proto::ENTRY_ORDER_SIZE, true), ElementsAre("c", "e", "a", "d", "b"));
  EXPECT_THAT(seeds_in_order(proto::ENTRY_ORDER_HITS, true), ElementsAre("b", "d", "a", "e", "c"));
  EXPECT_THAT(seeds_in_order(proto::ENTRY_ORDER_AGE, true), ElementsAre("a", "b", "c", "d", "e"));
  EXPECT_THAT(seeds_in_order(proto::ENTRY_ORDER_LAST_USED, false),
              ElementsAre("b", "c", "d", "e", "a"));

  // Pages of two: three pages, every entry once.
  proto::ListEntriesRequest request;
  request.set_page_size(2);
  proto::ListEntriesResponse page;
  ASSERT_TRUE(admin_->ListEntries(Context().get(), request, &page).ok());
  EXPECT_EQ(page.entries_size(), 2);
  EXPECT_FALSE(page.next_page_token().empty());
  std::vector<std::string> keys = ListKeys(request);
  EXPECT_EQ(std::set<std::string>(keys.begin(), keys.end()).size(), 5u);

  request.set_namespace_("team");
  EXPECT_EQ(ListKeys(request).size(), 2u);
  request.set_namespace_("nobody");
  EXPECT_TRUE(ListKeys(request).empty());

  proto::ListEntriesRequest bad;
  bad.set_page_token("garbage");
  EXPECT_EQ(admin_->ListEntries(Context().get(), bad, &page).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(AdminServiceTest, GetEntryShowsThePartitionReportAndDeleteRemovesIt) {
  proto::CompileResponse compiled = Compile(::aotd::testing::WorkloadGraph("e_loss/small"));
  const std::string& key = compiled.key();

  proto::GetEntryRequest get;
  get.set_key(key.substr(0, 12));
  proto::GetEntryResponse entry;
  grpc::Status status = admin_->GetEntry(Context().get(), get, &entry);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(entry.entry().key(), key);
  EXPECT_EQ(entry.entry().namespace_(), "default");
  EXPECT_EQ(entry.entry().key_components().options(), "partitioner=min_cut;memory_budget=1");
  EXPECT_EQ(entry.partition().partitioner(), "min_cut");
  EXPECT_GT(entry.shared_object_bytes(), 0u);
  EXPECT_GT(entry.source_bytes(), 0u);
  EXPECT_TRUE(entry.source().empty());
  get.set_include_source(true);
  ASSERT_TRUE(admin_->GetEntry(Context().get(), get, &entry).ok());
  EXPECT_EQ(entry.source().size(), entry.source_bytes());

  get.set_key("abc");
  EXPECT_EQ(admin_->GetEntry(Context().get(), get, &entry).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  get.set_key(std::string(64, 'f'));
  EXPECT_EQ(admin_->GetEntry(Context().get(), get, &entry).error_code(),
            grpc::StatusCode::NOT_FOUND);

  proto::DeleteEntryRequest remove;
  remove.set_key(key.substr(0, 10));
  proto::DeleteEntryResponse removed;
  ASSERT_TRUE(admin_->DeleteEntry(Context().get(), remove, &removed).ok());
  EXPECT_EQ(removed.key(), key);
  EXPECT_EQ(removed.size_bytes(), entry.entry().size_bytes());
  get.set_key(key);
  EXPECT_EQ(admin_->GetEntry(Context().get(), get, &entry).error_code(),
            grpc::StatusCode::NOT_FOUND);
  remove.set_key(key);
  EXPECT_EQ(admin_->DeleteEntry(Context().get(), remove, &removed).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Stats().admin_deletions(), 1u);

  // Gone from every tier: the next request compiles again.
  EXPECT_FALSE(Compile(::aotd::testing::WorkloadGraph("e_loss/small")).cache_hit());
  EXPECT_EQ(server_->compiles_started(), 2);
}

TEST_F(AdminServiceTest, EvictByAgeSizeAndNamespace) {
  const absl::Time now = absl::Now();
  ImportOk({SyntheticEntry("old1", "default", 1000, now - absl::Hours(3), now - absl::Hours(3), 0),
            SyntheticEntry("old2", "default", 1000, now - absl::Hours(2), now - absl::Minutes(1), 0),
            SyntheticEntry("new1", "default", 1000, now, now - absl::Minutes(3), 0),
            SyntheticEntry("new2", "default", 1000, now, now - absl::Minutes(2), 0),
            SyntheticEntry("team", "team", 1000, now, now, 0)});
  proto::EvictResponse evicted;

  proto::EvictRequest nothing;
  EXPECT_EQ(admin_->Evict(Context().get(), nothing, &evicted).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  proto::EvictRequest by_age;
  by_age.set_older_than_ms(absl::ToInt64Milliseconds(absl::Hours(1)));
  ASSERT_TRUE(admin_->Evict(Context().get(), by_age, &evicted).ok());
  EXPECT_EQ(evicted.entries(), 2u);
  EXPECT_EQ(Stats().cache().entries(), 3u);

  // Least recently used first, down to what fits.
  const uint64_t one = SyntheticEntry("new1", "default", 1000, now, now, 0).artifact().size();
  proto::EvictRequest by_size;
  by_size.set_namespace_("default");
  by_size.set_max_bytes(one);
  ASSERT_TRUE(admin_->Evict(Context().get(), by_size, &evicted).ok());
  EXPECT_EQ(evicted.entries(), 1u);
  proto::ListEntriesRequest list;
  list.set_namespace_("default");
  EXPECT_THAT(ListKeys(list),
              ElementsAre(SyntheticEntry("new2", "default", 1, now, now, 0).info().key()));

  proto::EvictRequest by_namespace;
  by_namespace.set_namespace_("team");
  ASSERT_TRUE(admin_->Evict(Context().get(), by_namespace, &evicted).ok());
  EXPECT_EQ(evicted.entries(), 1u);

  // With the real clock and a small age: a fresh compile goes too.
  EXPECT_FALSE(Compile(::aotd::testing::WorkloadGraph("e_loss/small")).cache_hit());
  absl::SleepFor(absl::Milliseconds(30));
  proto::EvictRequest recent;
  recent.set_older_than_ms(10);
  ASSERT_TRUE(admin_->Evict(Context().get(), recent, &evicted).ok());
  EXPECT_EQ(evicted.entries(), 2u);
  proto::StatsResponse stats = Stats();
  EXPECT_EQ(stats.cache().entries(), 0u);
  EXPECT_EQ(stats.admin_evictions(), 6u);
  EXPECT_FALSE(Compile(::aotd::testing::WorkloadGraph("e_loss/small")).cache_hit());
}

TEST_F(AdminServiceTest, VerifyRemovesACorruptEntryAndTheNextCompileRecompiles) {
  const std::string cache_dir = root_ + "/cache";
  proto::Graph graph = ::aotd::testing::WorkloadGraph("e_loss/small");
  const std::string key = Compile(graph).key();
  const std::string other = Compile(graph, "default").key();

  proto::VerifyResponse verified;
  ASSERT_TRUE(admin_->Verify(Context().get(), {}, &verified).ok());
  EXPECT_EQ(verified.checked(), 2u);
  EXPECT_EQ(verified.copies_checked(), 4u);  // Memory and RocksDB.
  EXPECT_TRUE(verified.removed_keys().empty());

  server_.reset();
  CorruptArtifact(cache_dir, key);
  Start(cache_dir);

  ASSERT_TRUE(admin_->Verify(Context().get(), {}, &verified).ok());
  EXPECT_EQ(verified.checked(), 1u + 1u);
  EXPECT_THAT(verified.removed_keys(), ElementsAre(key));
  proto::StatsResponse stats = Stats();
  EXPECT_EQ(stats.cache().digest_failures(), 1u);
  EXPECT_EQ(stats.cache().entries(), 1u);
  EXPECT_EQ(stats.verify_removals(), 1u);

  ASSERT_TRUE(admin_->Verify(Context().get(), {}, &verified).ok());
  EXPECT_TRUE(verified.removed_keys().empty());

  proto::CompileResponse again = Compile(graph);
  EXPECT_FALSE(again.cache_hit());
  EXPECT_EQ(again.key(), key);
  EXPECT_EQ(server_->compiles_started(), 1);
  EXPECT_TRUE(Compile(graph, "default").cache_hit());
}

TEST_F(AdminServiceTest, ExportThenImportIntoAFreshServerGivesHits) {
  proto::Graph graph = ::aotd::testing::WorkloadGraph("e_loss/small");
  const std::string key = Compile(graph).key();
  std::vector<proto::ExportedEntry> bundle = Export();
  ASSERT_EQ(bundle.size(), 1u);
  EXPECT_EQ(bundle[0].info().key(), key);

  Start(root_ + "/fresh");
  EXPECT_EQ(Stats().cache().entries(), 0u);
  proto::ImportResponse imported;
  grpc::Status status = Import(bundle, &imported);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(imported.imported(), 1u);
  EXPECT_EQ(imported.bytes(), bundle[0].artifact().size());

  proto::CompileResponse hit = Compile(graph);
  EXPECT_TRUE(hit.cache_hit());
  EXPECT_EQ(hit.key(), key);
  EXPECT_EQ(server_->compiles_started(), 0);

  // Importing again changes nothing.
  ASSERT_TRUE(Import(bundle, &imported).ok());
  EXPECT_EQ(imported.imported(), 0u);
  EXPECT_EQ(imported.already_present(), 1u);
}

TEST_F(AdminServiceTest, ImportRefusesABadEntryNamingItAndStoresNothing) {
  const absl::Time now = absl::Now();
  proto::ExportedEntry good1 = SyntheticEntry("g1", "default", 500, now, now, 0);
  proto::ExportedEntry good2 = SyntheticEntry("g2", "default", 500, now, now, 0);
  proto::ExportedEntry damaged = SyntheticEntry("bad", "default", 500, now, now, 0);
  (*damaged.mutable_artifact())[100] ^= 0x01;
  proto::ImportResponse response;
  grpc::Status status = Import({good1, damaged, good2}, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DATA_LOSS);
  EXPECT_THAT(status.error_message(), HasSubstr(damaged.info().key()));
  EXPECT_EQ(Stats().cache().entries(), 0u);

  // A key that its components do not give.
  proto::ExportedEntry rekeyed = SyntheticEntry("r", "default", 500, now, now, 0);
  rekeyed.mutable_info()->set_namespace_("elsewhere");
  status = Import({good1, rekeyed}, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr(rekeyed.info().key()));

  // A digest of the wrong length.
  proto::ExportedEntry long_digest = SyntheticEntry("d", "default", 500, now, now, 0);
  long_digest.mutable_info()->set_sha256(std::string(100, 'x'));
  status = Import({good1, long_digest}, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("a sha256 has 32 bytes, this one 100"));

  // A namespace no client could have named.
  proto::ExportedEntry odd_namespace = SyntheticEntry("n", "default", 500, now, now, 0);
  odd_namespace.mutable_info()->set_namespace_(std::string(200, 'n'));
  status = Import({odd_namespace}, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("at most 128 bytes"));
  EXPECT_EQ(Stats().cache().entries(), 0u);

  // A stream that stops before its end marker.
  status = Import({good1, good2}, &response, /*end=*/false);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_EQ(Stats().cache().entries(), 0u);

  ImportOk({good1, good2});
  EXPECT_EQ(Stats().cache().entries(), 2u);
}

TEST_F(AdminServiceTest, ExplainNamesTheComponentThatDiffers) {
  proto::Graph graph = ::aotd::testing::WorkloadGraph("e_loss/small");
  const std::string key = Compile(graph).key();
  Compile(::aotd::testing::WorkloadGraph("d_pointwise/small"), "default", "team-b");

  proto::ExplainRequest request;
  *request.mutable_request()->mutable_graph() = graph;
  proto::ExplainResponse explained;
  ASSERT_TRUE(admin_->Explain(Context().get(), request, &explained).ok());
  EXPECT_TRUE(explained.found());
  EXPECT_EQ(explained.key(), key);  // Keyed as Compile keys it.
  EXPECT_EQ(explained.components().namespace_(), "default");

  request.mutable_request()->mutable_options()->set_partitioner("default");
  ASSERT_TRUE(admin_->Explain(Context().get(), request, &explained).ok());
  EXPECT_FALSE(explained.found());
  EXPECT_EQ(explained.entries_compared(), 2u);
  ASSERT_EQ(explained.closest_size(), 2);
  EXPECT_EQ(explained.closest(0).entry().key(), key);
  ASSERT_EQ(explained.closest(0).differences_size(), 1);
  EXPECT_EQ(explained.closest(0).differences(0).component(), "options");
  EXPECT_EQ(explained.closest(0).differences(0).wanted(), "partitioner=default;memory_budget=1");
  EXPECT_EQ(explained.closest(0).differences(0).cached(), "partitioner=min_cut;memory_budget=1");
  EXPECT_EQ(explained.closest(1).differences_size(), 2);  // graph_key, namespace.

  request.mutable_request()->mutable_options()->clear_partitioner();
  request.mutable_request()->set_namespace_("team-a");
  request.mutable_request()->set_target("x86-64-v3");
  ASSERT_TRUE(admin_->Explain(Context().get(), request, &explained).ok());
  ASSERT_GE(explained.closest_size(), 1);
  std::vector<std::string> components;
  for (const auto& d : explained.closest(0).differences()) components.push_back(d.component());
  EXPECT_THAT(components, ElementsAre("target", "namespace"));

  request.mutable_request()->mutable_graph()->mutable_nodes(0)->set_op("aten.nope.default");
  EXPECT_EQ(admin_->Explain(Context().get(), request, &explained).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace aotd::server
