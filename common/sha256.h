// SHA-256 digests (OpenSSL).
#ifndef AOTD_COMMON_SHA256_H_
#define AOTD_COMMON_SHA256_H_

#include <array>
#include <cstdint>
#include <string>
#include "absl/strings/string_view.h"

namespace aotd {

using Sha256Digest = std::array<uint8_t, 32>;

// Incremental SHA-256. Not thread-safe; one instance per digest.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(absl::string_view bytes);
  // Ends the digest; the object may not be updated afterwards.
  Sha256Digest Finish();

 private:
  void* ctx_;  // EVP_MD_CTX
};

Sha256Digest Sha256Of(absl::string_view bytes);

// Lower-case hex, 64 characters.
std::string ToHex(const Sha256Digest& digest);

}  // namespace aotd

#endif  // AOTD_COMMON_SHA256_H_
