// Sealing and checking compiled artifacts: digest and Ed25519 signature.
//
// An artifact (proto/artifact.proto, format version 1) carries
//   digest    = SHA-256 over the deterministic serialization of the artifact
//               with `digest` and `signature` cleared (32 raw bytes);
//   signature = Ed25519 signature over those 32 digest bytes (64 raw bytes),
//               or empty when the producer has no signing key.
// The server seals an artifact once it is complete; the cache and the client
// verify it before they trust it, and the client before it loads any code.
// docs/formats.md, "Artifact (version 1)", is the normative description.
#ifndef AOTD_COMMON_ARTIFACT_SEAL_H_
#define AOTD_COMMON_ARTIFACT_SEAL_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/artifact.pb.h"

struct evp_pkey_st;  // OpenSSL's EVP_PKEY.

namespace aotd {

// The only artifact format version this code reads or writes.
inline constexpr uint32_t kArtifactFormatVersion = 1;

// An Ed25519 private key. Immutable after construction; Sign may be called
// from several threads at once.
class Signer {
 public:
  // Parses an unencrypted PKCS#8 PEM private key ("-----BEGIN PRIVATE
  // KEY-----"). INVALID_ARGUMENT if the text is not such a key (an encrypted
  // key is refused, never prompted for) or the key is not Ed25519.
  static absl::StatusOr<std::unique_ptr<Signer>> FromPrivateKeyPem(
      absl::string_view pem);
  // A fresh random key. INTERNAL if OpenSSL cannot make one.
  static absl::StatusOr<std::unique_ptr<Signer>> Generate();

  ~Signer();
  Signer(const Signer&) = delete;
  Signer& operator=(const Signer&) = delete;

  // The 64-byte Ed25519 signature of `message`. INTERNAL on an OpenSSL
  // failure (which a valid key does not produce short of running out of
  // memory).
  absl::StatusOr<std::string> Sign(absl::string_view message) const;

  // The matching public key as SubjectPublicKeyInfo PEM ("-----BEGIN PUBLIC
  // KEY-----"), for Verifier::FromPublicKeyPem.
  const std::string& public_key_pem() const { return public_key_pem_; }

  // The private key as unencrypted PKCS#8 PEM, e.g. to store a generated key.
  // The caller is responsible for keeping the text secret.
  absl::StatusOr<std::string> PrivateKeyPem() const;

 private:
  Signer(evp_pkey_st* key, std::string public_key_pem);

  evp_pkey_st* const key_;  // Owned.
  const std::string public_key_pem_;
};

// An Ed25519 public key. Immutable after construction; Verify may be called
// from several threads at once.
class Verifier {
 public:
  // Parses a SubjectPublicKeyInfo PEM public key. INVALID_ARGUMENT if the
  // text is not such a key or the key is not Ed25519.
  static absl::StatusOr<std::unique_ptr<Verifier>> FromPublicKeyPem(
      absl::string_view pem);

  ~Verifier();
  Verifier(const Verifier&) = delete;
  Verifier& operator=(const Verifier&) = delete;

  // OK if `signature` is this key's signature of `message`;
  // PERMISSION_DENIED otherwise (including a signature of the wrong length);
  // INTERNAL if OpenSSL cannot run the check (out of memory).
  absl::Status Verify(absl::string_view message,
                      absl::string_view signature) const;

 private:
  explicit Verifier(evp_pkey_st* key);

  evp_pkey_st* const key_;  // Owned.
};

// SHA-256 (32 raw bytes) over the deterministic serialization of `artifact`
// with `digest` and `signature` cleared. Unknown fields are included.
// INVALID_ARGUMENT if the artifact is too large for protobuf to serialize
// (2 GiB).
absl::StatusOr<std::string> ArtifactDigest(const proto::Artifact& artifact);

// Sets `artifact.digest` and, when `signer` is not null, `artifact.signature`
// (otherwise clears it). Call it last, after every other field is final:
// any later change invalidates the seal. Errors are ArtifactDigest's and
// Signer::Sign's; on error the artifact's digest and signature are cleared.
absl::Status SealArtifact(proto::Artifact& artifact, const Signer* signer);

// Checks, in this order, and returns the first failure:
//   FAILED_PRECONDITION  format_version is not kArtifactFormatVersion (the
//                        message names the version found);
//   DATA_LOSS            "artifact digest mismatch": the stored digest is
//                        missing or differs from ArtifactDigest;
//   PERMISSION_DENIED    `verifier` is not null and the signature is missing
//                        or is not its key's signature of the digest.
// With a null `verifier` the signature is not looked at. Errors of
// ArtifactDigest, and INTERNAL for an OpenSSL failure, are returned as they
// are.
absl::Status VerifyArtifact(const proto::Artifact& artifact,
                            const Verifier* verifier);

}  // namespace aotd

#endif  // AOTD_COMMON_ARTIFACT_SEAL_H_
