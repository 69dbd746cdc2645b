#include "server/server.h"

#include <cstdlib>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "cache/memory_store.h"
#include "cache/rocksdb_store.h"
#include "cache/tiered_store.h"
#include "common/status_macros.h"
#include "compiler/frontend/load.h"
#include "google/protobuf/descriptor.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "server/admin_service.h"
#include "server/compile_scheduler.h"
#include "server/compile_service.h"
#include "server/metrics.h"
#include "server/rpc_observer.h"

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

// Plaintext, TLS, or TLS that requires and verifies client certificates.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ListeningCredentials(
    const ServerOptions& options) {
  if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    return absl::InvalidArgumentError("--tls_cert_file and --tls_key_file go together");
  }
  if (!options.tls_client_ca_file.empty() && options.tls_cert_file.empty()) {
    return absl::InvalidArgumentError(
        "--tls_client_ca_file (mutual TLS) needs --tls_cert_file and --tls_key_file");
  }
  if (!options.admin_cert_common_names.empty() && options.tls_client_ca_file.empty()) {
    return absl::InvalidArgumentError(
        "--admin_cert_cn needs --tls_client_ca_file: only verified client certificates "
        "can be an admin credential");
  }
  if (!options.admin_cert_common_names.empty() && options.insecure_admin) {
    return absl::InvalidArgumentError("--admin_cert_cn and --insecure_admin exclude each other");
  }
  if (options.tls_cert_file.empty()) return grpc::InsecureServerCredentials();

  grpc::SslServerCredentialsOptions ssl(
      options.tls_client_ca_file.empty()
          ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
          : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  grpc::SslServerCredentialsOptions::PemKeyCertPair identity;
  ASSIGN_OR_RETURN(identity.cert_chain, frontend::ReadFile(options.tls_cert_file));
  ASSIGN_OR_RETURN(identity.private_key, frontend::ReadFile(options.tls_key_file));
  ssl.pem_key_cert_pairs.push_back(std::move(identity));
  if (!options.tls_client_ca_file.empty()) {
    ASSIGN_OR_RETURN(ssl.pem_root_certs, frontend::ReadFile(options.tls_client_ca_file));
  }
  return grpc::SslServerCredentials(ssl);
}

// The full names of the methods this server serves, for the metrics' labels.
absl::flat_hash_set<std::string> ServedMethods() {
  absl::flat_hash_set<std::string> methods = {
      // Built into gRPC; the health service has no C++ descriptor.
      "/grpc.health.v1.Health/Check",
      "/grpc.health.v1.Health/Watch",
      "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
  };
  for (const char* name :
       {proto::Compiler::service_full_name(), proto::Admin::service_full_name()}) {
    const google::protobuf::ServiceDescriptor* service =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(name);
    for (int i = 0; service != nullptr && i < service->method_count(); ++i) {
      methods.insert(absl::StrCat("/", service->full_name(), "/", service->method(i)->name()));
    }
  }
  return methods;
}

class GrpcServer final : public Server {
 public:
  absl::Status Start(const ServerOptions& options) {
    ASSIGN_OR_RETURN(std::string admin_token, AdminToken(options));
    ASSIGN_OR_RETURN(std::shared_ptr<grpc::ServerCredentials> credentials,
                     ListeningCredentials(options));
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
    metrics_ = std::make_unique<ServerMetrics>(
        ServerMetrics::Options{cache_.get(), scheduler_.get()});
    if (!options.metrics_listen.empty()) RETURN_IF_ERROR(metrics_->Serve(options.metrics_listen));
    RpcObserver::Options observer;
    observer.metrics = metrics_.get();
    observer.log_format = options.log_format;
    observer.write_line = options.log_writer;
    observer.methods = ServedMethods();
    observer_ = std::make_unique<RpcObserver>(std::move(observer));
    CompileService::Options service;
    service.cache = cache_.get();
    service.toolchain = toolchain_.get();
    service.scheduler = scheduler_.get();
    service.max_nodes = options.max_nodes;
    service.metrics = metrics_.get();
    service.observer = observer_.get();
    compile_service_ = std::make_unique<CompileService>(service);
    AdminService::Options admin;
    admin.cache = cache_.get();
    admin.tiers = tiers;
    admin.scheduler = scheduler_.get();
    admin.toolchain = toolchain_.get();
    admin.max_nodes = options.max_nodes;
    admin.admin_token = std::move(admin_token);
    admin.insecure = options.insecure_admin;
    admin.admin_common_names = options.admin_cert_common_names;
    admin_service_ = std::make_unique<AdminService>(std::move(admin));

    grpc::EnableDefaultHealthCheckService(true);
    grpc::reflection::InitProtoReflectionServerBuilderPlugin();
    grpc::ServerBuilder builder;
    builder.AddListeningPort(options.listen, credentials, &port_);
    builder.SetMaxReceiveMessageSize(options.max_message_bytes);
    builder.SetMaxSendMessageSize(options.max_message_bytes);
    builder.RegisterService(compile_service_.get());
    builder.RegisterService(admin_service_.get());
    std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
        interceptors;
    interceptors.push_back(observer_->NewInterceptorFactory());
    builder.experimental().SetInterceptorCreators(std::move(interceptors));
    server_ = builder.BuildAndStart();
    if (server_ == nullptr || port_ == 0) {
      return absl::UnavailableError(absl::StrCat(
          "cannot listen on ", options.listen,
          options.tls_cert_file.empty()
              ? ""
              : " (or the TLS certificate and key are not a valid PEM key pair)"));
    }
    return absl::OkStatus();
  }

  int port() const override { return port_; }
  void Shutdown() override {
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(30));
  }
  void Wait() override { server_->Wait(); }
  int64_t compiles_started() const override { return scheduler_->compiles_started(); }
  int metrics_port() const override { return metrics_->port(); }

  ~GrpcServer() override {
    if (server_ != nullptr) {
      Shutdown();
      server_->Wait();
    }
    // Scrapes read the scheduler and the cache.
    if (metrics_ != nullptr) metrics_->StopServing();
    scheduler_.reset();  // Finishes running compiles before the cache closes.
  }

 private:
  std::unique_ptr<cache::RocksDbStore> disk_;
  std::unique_ptr<cache::MemoryStore> memory_;
  std::unique_ptr<cache::TieredStore> cache_;
  std::unique_ptr<toolchain::Toolchain> toolchain_;
  std::unique_ptr<CompileScheduler> scheduler_;
  std::unique_ptr<ServerMetrics> metrics_;
  std::unique_ptr<RpcObserver> observer_;
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
