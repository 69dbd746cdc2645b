#include "server/server.h"

#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "cache/memory_store.h"
#include "cache/rocksdb_store.h"
#include "cache/tiered_store.h"
#include "common/status_macros.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/grpcpp.h"
#include "compiler/frontend/load.h"
#include "grpcpp/health_check_service_interface.h"
#include "server/admin_service.h"
#include "server/compile_scheduler.h"
#include "server/compile_service.h"

namespace aotd::server {
namespace {

// The admin token of `options`; empty when none is configured.
absl::StatusOr<std::string> AdminToken(const ServerOptions& options) {
  if (options.admin_token_file.empty()) return std::string();
  if (options.insecure_admin) {
    return absl::InvalidArgumentError(
        "--admin_token_file and --insecure_admin exclude each other");
  }
  ASSIGN_OR_RETURN(std::string text, frontend::ReadFile(options.admin_token_file));
  std::string token(absl::StripAsciiWhitespace(text));
  if (token.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the admin token file ", options.admin_token_file, " is empty"));
  }
  return token;
}

class GrpcServer final : public Server {
 public:
  absl::Status Start(const ServerOptions& options) {
    ASSIGN_OR_RETURN(std::string admin_token, AdminToken(options));
    std::string dir = options.cache_dir.empty() ? DefaultCacheDir() : options.cache_dir;
    cache::RocksDbStore::Options disk;
    disk.path = dir;
    disk.max_bytes = options.cache_max_bytes;
    ASSIGN_OR_RETURN(disk_, cache::RocksDbStore::Open(disk));
    cache::MemoryStore::Options memory;
    memory.max_bytes = options.memory_max_bytes;
    memory_ = std::make_unique<cache::MemoryStore>(memory);
    const std::vector<cache::TieredStore::Tier> tiers = {{"memory", memory_.get(), false},
                                                         {"rocksdb", disk_.get(), false}};
    ASSIGN_OR_RETURN(cache_, cache::TieredStore::Create({tiers}));
    toolchain_ = toolchain::NewSystemToolchain();
    scheduler_ = std::make_unique<CompileScheduler>(
        CompileScheduler::Options{options.workers, options.max_queue});
    CompileService::Options service;
    service.cache = cache_.get();
    service.toolchain = toolchain_.get();
    service.scheduler = scheduler_.get();
    service.max_nodes = options.max_nodes;
    compile_service_ = std::make_unique<CompileService>(service);
    AdminService::Options admin;
    admin.cache = cache_.get();
    admin.tiers = tiers;
    admin.scheduler = scheduler_.get();
    admin.toolchain = toolchain_.get();
    admin.max_nodes = options.max_nodes;
    admin.admin_token = std::move(admin_token);
    admin.insecure = options.insecure_admin;
    admin_service_ = std::make_unique<AdminService>(std::move(admin));

    grpc::EnableDefaultHealthCheckService(true);
    grpc::reflection::InitProtoReflectionServerBuilderPlugin();
    grpc::ServerBuilder builder;
    builder.AddListeningPort(options.listen, grpc::InsecureServerCredentials(), &port_);
    builder.SetMaxReceiveMessageSize(options.max_message_bytes);
    builder.SetMaxSendMessageSize(options.max_message_bytes);
    builder.RegisterService(compile_service_.get());
    builder.RegisterService(admin_service_.get());
    server_ = builder.BuildAndStart();
    if (server_ == nullptr || port_ == 0) {
      return absl::UnavailableError(absl::StrCat("cannot listen on ", options.listen));
    }
    return absl::OkStatus();
  }

  int port() const override { return port_; }
  void Shutdown() override {
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(30));
  }
  void Wait() override { server_->Wait(); }
  int64_t compiles_started() const override { return scheduler_->compiles_started(); }

  ~GrpcServer() override {
    if (server_ != nullptr) {
      Shutdown();
      server_->Wait();
    }
    scheduler_.reset();  // Finishes running compiles before the cache closes.
  }

 private:
  std::unique_ptr<cache::RocksDbStore> disk_;
  std::unique_ptr<cache::MemoryStore> memory_;
  std::unique_ptr<cache::TieredStore> cache_;
  std::unique_ptr<toolchain::Toolchain> toolchain_;
  std::unique_ptr<CompileScheduler> scheduler_;
  std::unique_ptr<CompileService> compile_service_;
  std::unique_ptr<AdminService> admin_service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

}  // namespace

std::string DefaultCacheDir() {
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  if (xdg != nullptr && xdg[0] != '\0') return absl::StrCat(xdg, "/aotd");
  const char* home = std::getenv("HOME");
  return absl::StrCat(home != nullptr ? home : ".", "/.cache/aotd");
}

absl::StatusOr<std::unique_ptr<Server>> StartServer(const ServerOptions& options) {
  auto server = std::make_unique<GrpcServer>();
  RETURN_IF_ERROR(server->Start(options));
  return server;
}

}  // namespace aotd::server
