// The gRPC channel credentials of an aotd client (the client library and
// aotctl): plaintext, TLS, or TLS with a client certificate (mutual TLS).
#ifndef AOTD_CLIENT_CHANNEL_CREDENTIALS_H_
#define AOTD_CLIENT_CHANNEL_CREDENTIALS_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/security/credentials.h"

namespace aotd::client {

// PEM files; every field empty means plaintext.
struct TlsFiles {
  // CA certificates that the server's certificate must chain to. Empty
  // (with another field set): the system's roots.
  std::string ca_file;
  // The client's certificate (chain) and private key, for servers that
  // require one (mutual TLS). Both or neither.
  std::string cert_file;
  std::string key_file;

  bool any() const { return !ca_file.empty() || !cert_file.empty() || !key_file.empty(); }
};

// Insecure credentials when `files` names nothing, else TLS ones. The
// server's certificate must name the host the client dials (a DNS or IP
// subject alternative name). NOT_FOUND naming a file that cannot be
// opened; INVALID_ARGUMENT when only one of cert_file and key_file is set.
absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> ChannelCredentials(const TlsFiles& files);

}  // namespace aotd::client

#endif  // AOTD_CLIENT_CHANNEL_CREDENTIALS_H_
