// aotd: the compile service. Flags only; see server/server.h.
#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>
#include <thread>

#include "CLI/CLI.hpp"
#include "server/server.h"

namespace {

volatile std::sig_atomic_t stop_requested = 0;
void OnSignal(int) { stop_requested = 1; }

}  // namespace

int main(int argc, char** argv) {
  aotd::server::ServerOptions options;
  options.metrics_listen = "127.0.0.1:9464";
  std::string log_format = "text";
  CLI::App app{"aotd: a compilation service for autograd graphs"};
  app.add_option("--listen", options.listen, "HOST:PORT to listen on")->capture_default_str();
  app.add_option("--cache_dir", options.cache_dir,
                 "Folder of the RocksDB cache (default $XDG_CACHE_HOME/aotd or ~/.cache/aotd)");
  app.add_option("--cache_max_bytes", options.cache_max_bytes, "Bound on the cache's size")
      ->capture_default_str();
  app.add_option("--workers", options.workers, "Compiles at once")->capture_default_str();
  app.add_option("--max_queue", options.max_queue, "Compiles waiting before refusals")
      ->capture_default_str();
  app.add_option("--max_nodes", options.max_nodes, "Largest graph accepted")->capture_default_str();
  app.add_option("--max_message_bytes", options.max_message_bytes,
                 "Largest request or reply; larger requests get RESOURCE_EXHAUSTED")
      ->capture_default_str();
  app.add_option("--admin_token_file", options.admin_token_file,
                 "File holding the token admin RPCs must carry (Bearer); without it admin RPCs "
                 "are refused")
      ->check(CLI::ExistingFile);
  app.add_flag("--insecure_admin", options.insecure_admin,
               "Serve admin RPCs without a token (trusted networks only)")
      ->excludes("--admin_token_file");
  app.add_option("--tls_cert_file", options.tls_cert_file,
                 "PEM certificate (chain) of the server; with --tls_key_file, serve TLS")
      ->check(CLI::ExistingFile);
  app.add_option("--tls_key_file", options.tls_key_file, "PEM private key of the server")
      ->check(CLI::ExistingFile);
  app.add_option("--tls_client_ca_file", options.tls_client_ca_file,
                 "PEM CA certificates; clients must present a certificate they sign (mTLS)")
      ->check(CLI::ExistingFile);
  app.add_option("--admin_cert_cn", options.admin_cert_common_names,
                 "Client certificate subject CN that is an admin credential (repeatable; mTLS)");
  app.add_option("--metrics_listen", options.metrics_listen,
                 "HOST:PORT of the Prometheus endpoint (/metrics); none (or empty) disables it")
      ->capture_default_str();
  app.add_option("--log_format", log_format, "One line per RPC on stderr: json, text or none")
      ->check(CLI::IsMember({"json", "text", "none"}))
      ->capture_default_str();
  app.set_config("--config", "", "A TOML/INI file with the same options");
  CLI11_PARSE(app, argc, argv);
  options.log_format = *aotd::server::ParseLogFormat(log_format);
  if (options.metrics_listen == "none") options.metrics_listen.clear();

  absl::StatusOr<std::unique_ptr<aotd::server::Server>> server =
      aotd::server::StartServer(options);
  if (!server.ok()) {
    std::cerr << "aotd: " << server.status().message() << "\n";
    return 1;
  }
  std::cerr << "aotd: listening on port " << (*server)->port()
            << (options.tls_client_ca_file.empty()
                    ? (options.tls_cert_file.empty() ? " (plaintext)" : " (TLS)")
                    : " (mutual TLS)")
            << ", cache in "
            << (options.cache_dir.empty() ? aotd::server::DefaultCacheDir() : options.cache_dir)
            << "\n";
  if ((*server)->metrics_port() != 0) {
    std::cerr << "aotd: metrics on port " << (*server)->metrics_port() << " (/metrics)\n";
  }
  if (!options.admin_cert_common_names.empty()) {
    std::cerr << "aotd: client certificates with an --admin_cert_cn are admins\n";
  }
  if (!options.admin_token_file.empty()) {
    std::cerr << "aotd: admin RPCs need the token in " << options.admin_token_file << "\n";
  } else if (options.insecure_admin) {
    std::cerr << "aotd: admin RPCs are open to anyone (--insecure_admin)\n";
  } else if (options.admin_cert_common_names.empty()) {
    std::cerr << "aotd: admin RPCs are disabled (no --admin_token_file)\n";
  }
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGINT, OnSignal);
  std::thread waiter([&] { (*server)->Wait(); });
  while (!stop_requested) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::cerr << "aotd: shutting down\n";
  (*server)->Shutdown();
  waiter.join();
  return 0;
}
