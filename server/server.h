// The aotd server: the compile service over a tiered cache (memory over
// RocksDB in a local folder), the admin service over the same cache, the
// standard gRPC health service and server reflection, on one listening
// address, plaintext, TLS or mutual TLS. Beside it: Prometheus metrics over
// HTTP (server/metrics.h) and one log line per RPC (server/rpc_observer.h).
// docs/operations.md is the operator's guide.
#ifndef AOTD_SERVER_SERVER_H_
#define AOTD_SERVER_SERVER_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/rpc_observer.h"

namespace aotd::server {

struct ServerOptions {
  std::string listen = "127.0.0.1:50051";  // HOST:PORT; port 0 picks one.
  std::string cache_dir;                   // Empty: DefaultCacheDir().
  uint64_t cache_max_bytes = uint64_t{8} << 30;   // RocksDB tier bound.
  uint64_t memory_max_bytes = uint64_t{256} << 20;  // In-process tier bound.
  int workers = 2;      // Compiles at once.
  int max_queue = 64;   // Compiles waiting; more get RESOURCE_EXHAUSTED.
  int max_nodes = 100000;                          // Per graph.
  int max_message_bytes = 256 << 20;               // Per request and reply.
  // A file holding the admin token (its content, whitespace trimmed), which
  // admin RPCs must carry as "authorization: Bearer <token>". Empty: no
  // token, and admin RPCs are refused unless insecure_admin.
  std::string admin_token_file;
  // Without an admin token, serve admin RPCs to anyone (trusted networks,
  // tests). Not allowed together with admin_token_file or
  // admin_cert_common_names.
  bool insecure_admin = false;

  // TLS: PEM files of the server's certificate (chain) and private key; both
  // or neither. Neither: plaintext.
  std::string tls_cert_file;
  std::string tls_key_file;
  // Mutual TLS: a PEM file of the CAs that client certificates must chain
  // to. Every client must then present a certificate they verify, or the
  // handshake fails. Needs tls_cert_file.
  std::string tls_client_ca_file;
  // Subject CNs of client certificates that are an admin credential (as
  // the token is). Needs tls_client_ca_file.
  std::vector<std::string> admin_cert_common_names;

  // HOST:PORT of the Prometheus endpoint, http://HOST:PORT/metrics; port 0
  // picks one. Empty: no endpoint (aotd's --metrics_listen defaults to
  // 127.0.0.1:9464; the library does not, so that tests never collide).
  std::string metrics_listen;
  // One line per RPC (server/rpc_observer.h).
  LogFormat log_format = LogFormat::kText;
  // Receives each log line (without its newline) instead of stderr.
  std::function<void(absl::string_view line)> log_writer;
};

// $XDG_CACHE_HOME/aotd, else $HOME/.cache/aotd.
std::string DefaultCacheDir();

class Server {
 public:
  virtual ~Server() = default;
  // The port it listens on (the one picked, for port 0).
  virtual int port() const = 0;
  // Stops accepting requests, lets running ones finish, waits for them.
  virtual void Shutdown() = 0;
  // Blocks until Shutdown.
  virtual void Wait() = 0;
  // Compiles started since the server started (misses that compiled).
  virtual int64_t compiles_started() const = 0;
  // The metrics endpoint's port (the one picked, for port 0); 0 without
  // metrics_listen.
  virtual int metrics_port() const = 0;
};

// Opens the cache and starts listening. UNAVAILABLE naming the address (or
// the metrics address) if it cannot be bound, or the TLS files are not a
// valid certificate and key; the cache's errors (naming the folder) if it
// cannot open; NOT_FOUND or UNAVAILABLE naming the admin token file or a TLS
// file that cannot be read; INVALID_ARGUMENT for an empty token file or
// options that do not go together (see their comments).
absl::StatusOr<std::unique_ptr<Server>> StartServer(const ServerOptions& options);

}  // namespace aotd::server

#endif  // AOTD_SERVER_SERVER_H_
