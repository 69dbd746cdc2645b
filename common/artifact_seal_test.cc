#include "common/artifact_seal.h"

#include <memory>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace aotd {
namespace {

using ::testing::HasSubstr;

proto::Artifact SampleArtifact() {
  proto::Artifact artifact;
  artifact.set_format_version(kArtifactFormatVersion);
  std::string shared_object(4096, '\0');
  for (size_t i = 0; i < shared_object.size(); ++i) {
    shared_object[i] = static_cast<char>((i * 131 + 7) & 0xff);
  }
  artifact.set_shared_object(shared_object);
  artifact.set_forward_symbol("aotd_forward");
  artifact.set_backward_symbol("aotd_backward");
  proto::TensorSpec* input = artifact.add_inputs();
  input->set_name("x");
  input->mutable_meta()->set_dtype(proto::FLOAT32);
  input->mutable_meta()->add_shape(2);
  input->mutable_meta()->add_strides(1);
  artifact.add_grad_inputs(0);
  artifact.set_key("abc123");
  return artifact;
}

std::unique_ptr<Signer> NewSigner() {
  absl::StatusOr<std::unique_ptr<Signer>> signer = Signer::Generate();
  EXPECT_TRUE(signer.ok()) << signer.status();
  return *std::move(signer);
}

std::unique_ptr<Verifier> VerifierFor(const Signer& signer) {
  absl::StatusOr<std::unique_ptr<Verifier>> verifier =
      Verifier::FromPublicKeyPem(signer.public_key_pem());
  EXPECT_TRUE(verifier.ok()) << verifier.status();
  return *std::move(verifier);
}

TEST(ArtifactSealTest, SignedRoundTrip) {
  std::unique_ptr<Signer> signer = NewSigner();
  std::unique_ptr<Verifier> verifier = VerifierFor(*signer);
  proto::Artifact artifact = SampleArtifact();
  ASSERT_TRUE(SealArtifact(artifact, signer.get()).ok());
  EXPECT_EQ(artifact.digest().size(), 32u);
  EXPECT_EQ(artifact.signature().size(), 64u);
  EXPECT_TRUE(VerifyArtifact(artifact, verifier.get()).ok());
  EXPECT_TRUE(VerifyArtifact(artifact, nullptr).ok());

  // Survives the wire.
  proto::Artifact parsed;
  ASSERT_TRUE(parsed.ParseFromString(artifact.SerializeAsString()));
  EXPECT_TRUE(VerifyArtifact(parsed, verifier.get()).ok());
}

TEST(ArtifactSealTest, UnsignedSealVerifiesWithoutVerifierOnly) {
  proto::Artifact artifact = SampleArtifact();
  ASSERT_TRUE(SealArtifact(artifact, nullptr).ok());
  EXPECT_TRUE(artifact.signature().empty());
  EXPECT_TRUE(VerifyArtifact(artifact, nullptr).ok());
  std::unique_ptr<Signer> signer = NewSigner();
  absl::Status status = VerifyArtifact(artifact, VerifierFor(*signer).get());
  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied) << status;
}

TEST(ArtifactSealTest, DigestIgnoresDigestAndSignatureFields) {
  proto::Artifact artifact = SampleArtifact();
  absl::StatusOr<std::string> before = ArtifactDigest(artifact);
  ASSERT_TRUE(before.ok());
  artifact.set_digest("junk");
  artifact.set_signature("more junk");
  absl::StatusOr<std::string> after = ArtifactDigest(artifact);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(*before, *after);
}

TEST(ArtifactSealTest, EveryFlippedSharedObjectByteIsDetected) {
  std::unique_ptr<Signer> signer = NewSigner();
  std::unique_ptr<Verifier> verifier = VerifierFor(*signer);
  proto::Artifact artifact = SampleArtifact();
  ASSERT_TRUE(SealArtifact(artifact, signer.get()).ok());
  const std::string original = artifact.shared_object();
  for (size_t i = 0; i < original.size(); ++i) {
    std::string tampered = original;
    tampered[i] = static_cast<char>(tampered[i] ^ 0x01);
    artifact.set_shared_object(tampered);
    absl::Status status = VerifyArtifact(artifact, verifier.get());
    ASSERT_EQ(status.code(), absl::StatusCode::kDataLoss) << "byte " << i;
    EXPECT_THAT(status.message(), HasSubstr("artifact digest mismatch"));
  }
  artifact.set_shared_object(original);
  EXPECT_TRUE(VerifyArtifact(artifact, verifier.get()).ok());
}

TEST(ArtifactSealTest, ChangedSpecIsDetected) {
  proto::Artifact artifact = SampleArtifact();
  ASSERT_TRUE(SealArtifact(artifact, nullptr).ok());
  artifact.mutable_inputs(0)->mutable_meta()->set_shape(0, 3);
  EXPECT_EQ(VerifyArtifact(artifact, nullptr).code(),
            absl::StatusCode::kDataLoss);
}

TEST(ArtifactSealTest, MissingDigestIsDataLoss) {
  proto::Artifact artifact = SampleArtifact();
  absl::Status status = VerifyArtifact(artifact, nullptr);
  EXPECT_EQ(status.code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(status.message(), HasSubstr("artifact digest mismatch"));
}

TEST(ArtifactSealTest, WrongKeyIsRefused) {
  std::unique_ptr<Signer> signer = NewSigner();
  std::unique_ptr<Signer> other = NewSigner();
  proto::Artifact artifact = SampleArtifact();
  ASSERT_TRUE(SealArtifact(artifact, signer.get()).ok());
  absl::Status status = VerifyArtifact(artifact, VerifierFor(*other).get());
  EXPECT_EQ(status.code(), absl::StatusCode::kPermissionDenied) << status;
}

TEST(ArtifactSealTest, TamperedSignatureIsRefused) {
  std::unique_ptr<Signer> signer = NewSigner();
  proto::Artifact artifact = SampleArtifact();
  ASSERT_TRUE(SealArtifact(artifact, signer.get()).ok());
  std::string signature = artifact.signature();
  signature[10] = static_cast<char>(signature[10] ^ 0x80);
  artifact.set_signature(signature);
  EXPECT_EQ(VerifyArtifact(artifact, VerifierFor(*signer).get()).code(),
            absl::StatusCode::kPermissionDenied);
  artifact.set_signature(signature.substr(0, 63));
  EXPECT_EQ(VerifyArtifact(artifact, VerifierFor(*signer).get()).code(),
            absl::StatusCode::kPermissionDenied);
}

TEST(ArtifactSealTest, UnknownVersionIsRefusedFirst) {
  proto::Artifact artifact = SampleArtifact();
  artifact.set_format_version(2);
  ASSERT_TRUE(SealArtifact(artifact, nullptr).ok());
  absl::Status status = VerifyArtifact(artifact, nullptr);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(), HasSubstr("version 2"));

  artifact.set_format_version(0);  // Also no digest match: version wins.
  EXPECT_EQ(VerifyArtifact(artifact, nullptr).code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(ArtifactSealTest, PrivateKeyPemRoundTrip) {
  std::unique_ptr<Signer> signer = NewSigner();
  absl::StatusOr<std::string> pem = signer->PrivateKeyPem();
  ASSERT_TRUE(pem.ok()) << pem.status();
  EXPECT_THAT(*pem, HasSubstr("BEGIN PRIVATE KEY"));
  absl::StatusOr<std::unique_ptr<Signer>> reloaded =
      Signer::FromPrivateKeyPem(*pem);
  ASSERT_TRUE(reloaded.ok()) << reloaded.status();
  EXPECT_EQ((*reloaded)->public_key_pem(), signer->public_key_pem());

  // A signature by the reloaded key verifies under the original public key.
  proto::Artifact artifact = SampleArtifact();
  ASSERT_TRUE(SealArtifact(artifact, reloaded->get()).ok());
  EXPECT_TRUE(VerifyArtifact(artifact, VerifierFor(*signer).get()).ok());
}

TEST(ArtifactSealTest, BadKeysAreInvalidArgument) {
  EXPECT_EQ(Signer::FromPrivateKeyPem("not a key").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Verifier::FromPublicKeyPem("").status().code(),
            absl::StatusCode::kInvalidArgument);
  std::unique_ptr<Signer> signer = NewSigner();
  // A private key is not a public key.
  absl::StatusOr<std::string> private_pem = signer->PrivateKeyPem();
  ASSERT_TRUE(private_pem.ok());
  EXPECT_EQ(Verifier::FromPublicKeyPem(*private_pem).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ArtifactSealTest, NonEd25519KeyIsRefused) {
  // An EC P-256 public key.
  constexpr char kEcPublicKey[] =
      "-----BEGIN PUBLIC KEY-----\n"
      "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEQXo5Zn+G2XpclkYesavbIYrcR6OD\n"
      "PvpPWeJleIfzhXyxj/x7R0hIWOS5jtan2JAbKjd6fTT0wTXNycIvfpaOuA==\n"
      "-----END PUBLIC KEY-----\n";
  absl::StatusOr<std::unique_ptr<Verifier>> verifier =
      Verifier::FromPublicKeyPem(kEcPublicKey);
  ASSERT_FALSE(verifier.ok());
  EXPECT_EQ(verifier.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(verifier.status().message(), HasSubstr("Ed25519"));
}

}  // namespace
}  // namespace aotd
