#include "common/artifact_seal.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <climits>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/sha256.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"

namespace aotd {
namespace {

constexpr size_t kEd25519SignatureBytes = 64;

// The oldest OpenSSL error on this thread's queue, for a message; clears the
// queue so that a later failure does not report a stale error.
std::string TakeOpenSslError() {
  unsigned long code = ERR_get_error();  // NOLINT(runtime/int): OpenSSL's type.
  std::string text = "unknown OpenSSL error";
  if (code != 0) {
    char buffer[256];
    ERR_error_string_n(code, buffer, sizeof(buffer));
    text = buffer;
  }
  ERR_clear_error();
  return text;
}

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

// A PEM password callback that supplies no password, so that an encrypted
// key fails to parse instead of OpenSSL prompting on the terminal.
int NoPassword(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*u*/) {
  return 0;
}

BioPtr ReadOnlyBio(absl::string_view text) {
  return BioPtr(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
}

absl::StatusOr<std::string> DrainBio(BIO* bio) {
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);  // NOLINT(runtime/int)
  if (size < 0 || data == nullptr) {
    return absl::InternalError("cannot read an OpenSSL memory BIO");
  }
  return std::string(data, static_cast<size_t>(size));
}

absl::StatusOr<std::string> PublicKeyPem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || PEM_write_bio_PUBKEY(bio.get(), key) != 1) {
    return absl::InternalError(
        absl::StrCat("cannot encode a public key: ", TakeOpenSslError()));
  }
  return DrainBio(bio.get());
}

bool IsEd25519(EVP_PKEY* key) {
  return EVP_PKEY_get_id(key) == EVP_PKEY_ED25519;
}

// Feeds everything written to it into a SHA-256.
class Sha256Sink final : public google::protobuf::io::CopyingOutputStream {
 public:
  explicit Sha256Sink(Sha256& sha) : sha_(sha) {}
  bool Write(const void* buffer, int size) override {
    sha_.Update(absl::string_view(static_cast<const char*>(buffer),
                                  static_cast<size_t>(size)));
    return true;
  }

 private:
  Sha256& sha_;
};

}  // namespace

Signer::Signer(EVP_PKEY* key, std::string public_key_pem)
    : key_(key), public_key_pem_(std::move(public_key_pem)) {}

Signer::~Signer() { EVP_PKEY_free(key_); }

absl::StatusOr<std::unique_ptr<Signer>> Signer::FromPrivateKeyPem(
    absl::string_view pem) {
  if (pem.size() > INT_MAX) {
    return absl::InvalidArgumentError("private key PEM is too large");
  }
  BioPtr bio = ReadOnlyBio(pem);
  if (bio == nullptr) return absl::InternalError(TakeOpenSslError());
  PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassword, nullptr));
  if (key == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "not an unencrypted PEM private key: ", TakeOpenSslError()));
  }
  if (!IsEd25519(key.get())) {
    return absl::InvalidArgumentError("the private key is not an Ed25519 key");
  }
  absl::StatusOr<std::string> public_pem = PublicKeyPem(key.get());
  if (!public_pem.ok()) return public_pem.status();
  return std::unique_ptr<Signer>(
      new Signer(key.release(), *std::move(public_pem)));
}

absl::StatusOr<std::unique_ptr<Signer>> Signer::Generate() {
  PkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (key == nullptr) {
    return absl::InternalError(
        absl::StrCat("cannot generate an Ed25519 key: ", TakeOpenSslError()));
  }
  absl::StatusOr<std::string> public_pem = PublicKeyPem(key.get());
  if (!public_pem.ok()) return public_pem.status();
  return std::unique_ptr<Signer>(
      new Signer(key.release(), *std::move(public_pem)));
}

absl::StatusOr<std::string> Signer::Sign(absl::string_view message) const {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  std::string signature(kEd25519SignatureBytes, '\0');
  size_t size = signature.size();
  // Ed25519 is a one-shot scheme: no digest, a single EVP_DigestSign call.
  if (ctx == nullptr ||
      EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key_) != 1 ||
      EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()),
                     &size,
                     reinterpret_cast<const unsigned char*>(message.data()),
                     message.size()) != 1) {
    return absl::InternalError(
        absl::StrCat("Ed25519 signing failed: ", TakeOpenSslError()));
  }
  signature.resize(size);
  return signature;
}

absl::StatusOr<std::string> Signer::PrivateKeyPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr ||
      PEM_write_bio_PrivateKey(bio.get(), key_, nullptr, nullptr, 0, nullptr,
                               nullptr) != 1) {
    return absl::InternalError(
        absl::StrCat("cannot encode the private key: ", TakeOpenSslError()));
  }
  return DrainBio(bio.get());
}

Verifier::Verifier(EVP_PKEY* key) : key_(key) {}

Verifier::~Verifier() { EVP_PKEY_free(key_); }

absl::StatusOr<std::unique_ptr<Verifier>> Verifier::FromPublicKeyPem(
    absl::string_view pem) {
  if (pem.size() > INT_MAX) {
    return absl::InvalidArgumentError("public key PEM is too large");
  }
  BioPtr bio = ReadOnlyBio(pem);
  if (bio == nullptr) return absl::InternalError(TakeOpenSslError());
  PkeyPtr key(PEM_read_bio_PUBKEY(bio.get(), nullptr, NoPassword, nullptr));
  if (key == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a PEM public key: ", TakeOpenSslError()));
  }
  if (!IsEd25519(key.get())) {
    return absl::InvalidArgumentError("the public key is not an Ed25519 key");
  }
  return std::unique_ptr<Verifier>(new Verifier(key.release()));
}

absl::Status Verifier::Verify(absl::string_view message,
                              absl::string_view signature) const {
  if (signature.size() != kEd25519SignatureBytes) {
    return absl::PermissionDeniedError(
        absl::StrCat("signature has ", signature.size(), " bytes, want ",
                     kEd25519SignatureBytes));
  }
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (ctx == nullptr ||
      EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key_) != 1) {
    return absl::InternalError(absl::StrCat(
        "cannot start Ed25519 verification: ", TakeOpenSslError()));
  }
  int result = EVP_DigestVerify(
      ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
      signature.size(), reinterpret_cast<const unsigned char*>(message.data()),
      message.size());
  if (result != 1) {
    ERR_clear_error();
    return absl::PermissionDeniedError("signature does not verify");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ArtifactDigest(const proto::Artifact& artifact) {
  proto::Artifact unsealed = artifact;
  unsealed.clear_digest();
  unsealed.clear_signature();
  const size_t size = unsealed.ByteSizeLong();
  if (size > static_cast<size_t>(INT_MAX)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "artifact of ", size, " bytes exceeds protobuf's 2 GiB limit"));
  }
  Sha256 sha;
  {
    Sha256Sink sink(sha);
    google::protobuf::io::CopyingOutputStreamAdaptor adaptor(&sink);
    google::protobuf::io::CodedOutputStream coded(&adaptor);
    coded.SetSerializationDeterministic(true);
    unsealed.SerializeWithCachedSizes(&coded);
    if (coded.HadError()) {
      return absl::InternalError("artifact serialization failed");
    }
    // Destroying `coded` then `adaptor` flushes the last bytes into `sha`.
  }
  const Sha256Digest digest = sha.Finish();
  return std::string(digest.begin(), digest.end());
}

absl::Status SealArtifact(proto::Artifact& artifact, const Signer* signer) {
  artifact.clear_digest();
  artifact.clear_signature();
  absl::StatusOr<std::string> digest = ArtifactDigest(artifact);
  if (!digest.ok()) return digest.status();
  if (signer != nullptr) {
    absl::StatusOr<std::string> signature = signer->Sign(*digest);
    if (!signature.ok()) return signature.status();
    artifact.set_signature(*std::move(signature));
  }
  artifact.set_digest(*std::move(digest));
  return absl::OkStatus();
}

absl::Status VerifyArtifact(const proto::Artifact& artifact,
                            const Verifier* verifier) {
  if (artifact.format_version() != kArtifactFormatVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        "artifact format version ", artifact.format_version(),
        " is not supported (this reader knows version ",
        kArtifactFormatVersion, ")"));
  }
  absl::StatusOr<std::string> digest = ArtifactDigest(artifact);
  if (!digest.ok()) return digest.status();
  if (artifact.digest() != *digest) {
    return absl::DataLossError(
        artifact.digest().empty()
            ? "artifact digest mismatch: the artifact has no digest"
            : "artifact digest mismatch");
  }
  if (verifier != nullptr) {
    if (artifact.signature().empty()) {
      return absl::PermissionDeniedError("artifact is not signed");
    }
    absl::Status status = verifier->Verify(artifact.digest(), artifact.signature());
    if (absl::IsPermissionDenied(status)) {
      return absl::PermissionDeniedError(
          absl::StrCat("artifact signature rejected: ", status.message()));
    }
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

}  // namespace aotd
