// The aotd server: the compile service over a tiered cache (memory over
// RocksDB in a local folder), the admin service over the same cache, the
// standard gRPC health service and server reflection, on one listening
// address.
#ifndef AOTD_SERVER_SERVER_H_
#define AOTD_SERVER_SERVER_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"

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
  // tests). Not allowed together with admin_token_file.
  bool insecure_admin = false;
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
};

// Opens the cache and starts listening. UNAVAILABLE naming the address if it
// cannot be bound; the cache's errors (naming the folder) if it cannot open;
// NOT_FOUND or UNAVAILABLE naming the admin token file if it cannot be read,
// INVALID_ARGUMENT if it is empty or given with insecure_admin.
absl::StatusOr<std::unique_ptr<Server>> StartServer(const ServerOptions& options);

}  // namespace aotd::server

#endif  // AOTD_SERVER_SERVER_H_
