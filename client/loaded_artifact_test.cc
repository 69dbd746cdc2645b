#include "client/loaded_artifact.h"

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace aotd::client {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

constexpr char kLoadedProbe[] = "AOTD_TEST_KERNEL_LOADED";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  return std::string(std::istreambuf_iterator<char>(in),
                     std::istreambuf_iterator<char>());
}

void AddSpec(google::protobuf::RepeatedPtrField<proto::TensorSpec>* specs,
             const std::string& name, std::vector<int64_t> shape,
             std::vector<int64_t> strides) {
  proto::TensorSpec* spec = specs->Add();
  spec->set_name(name);
  spec->mutable_meta()->set_dtype(proto::FLOAT32);
  for (int64_t size : shape) spec->mutable_meta()->add_shape(size);
  for (int64_t stride : strides) spec->mutable_meta()->add_strides(stride);
}

// The artifact that testdata/test_kernel.cc implements (see its comment),
// sealed with `signer` (unsigned if null).
proto::Artifact KernelArtifact(const std::string& so_path,
                               const Signer* signer) {
  proto::Artifact a;
  a.set_format_version(kArtifactFormatVersion);
  a.set_shared_object(ReadFile(so_path));
  a.set_forward_symbol("aotd_forward");
  a.set_backward_symbol("aotd_backward");
  AddSpec(a.mutable_inputs(), "x", {2, 3}, {3, 1});
  AddSpec(a.mutable_inputs(), "w", {2, 3}, {1, 2});
  AddSpec(a.mutable_inputs(), "running", {3}, {1});
  AddSpec(a.mutable_outputs(), "y", {2, 3}, {3, 1});
  AddSpec(a.mutable_outputs(), "total", {}, {});
  AddSpec(a.mutable_write_backs(), "running_new", {3}, {1});
  a.add_write_back_inputs(2);
  AddSpec(a.mutable_saved(), "x", {2, 3}, {3, 1});
  AddSpec(a.mutable_saved(), "w", {2, 3}, {3, 1});
  a.add_saved_inputs(0);
  a.add_saved_inputs(-1);
  a.add_saved_offsets(-1);
  a.add_saved_offsets(0);
  a.set_saved_arena_bytes(64);
  a.add_tangent_outputs(0);
  a.add_grad_inputs(0);
  a.add_grad_inputs(1);
  EXPECT_TRUE(SealArtifact(a, signer).ok());
  return a;
}

proto::Artifact TestKernelArtifact(const Signer* signer = nullptr) {
  return KernelArtifact("client/libtest_kernel.so", signer);
}

// A float32 tensor of `shape` and `strides` whose element at logical
// (row-major) position k is values[k].
Tensor MakeTensor(std::vector<float> values, std::vector<int64_t> shape,
                  std::vector<int64_t> strides) {
  absl::StatusOr<Tensor> dense = Tensor::AllocateContiguous(proto::FLOAT32, shape);
  EXPECT_TRUE(dense.ok());
  EXPECT_EQ(static_cast<int64_t>(values.size()), dense->num_elements());
  std::memcpy(dense->data(), values.data(), values.size() * sizeof(float));
  absl::StatusOr<Tensor> strided =
      Tensor::Allocate(proto::FLOAT32, shape, strides);
  EXPECT_TRUE(strided.ok());
  EXPECT_TRUE(CopyElements(*dense, *strided).ok());
  return *strided;
}

Tensor MakeTensor(std::vector<float> values, std::vector<int64_t> shape) {
  std::vector<int64_t> strides = ContiguousStrides(shape);
  return MakeTensor(std::move(values), std::move(shape), std::move(strides));
}

// The logical elements of a float32 tensor, row-major.
std::vector<float> Values(const Tensor& tensor) {
  absl::StatusOr<Tensor> dense =
      Tensor::AllocateContiguous(proto::FLOAT32, tensor.shape());
  EXPECT_TRUE(dense.ok());
  EXPECT_TRUE(CopyElements(tensor, *dense).ok());
  const float* data = static_cast<const float*>(dense->data());
  return std::vector<float>(data, data + dense->num_elements());
}

// Standard inputs, offset by `k` so that threads use different numbers.
std::vector<Tensor> Inputs(float k = 0) {
  return {MakeTensor({1 + k, 2, 3, 4, 5, 6}, {2, 3}),
          MakeTensor({0.5, -1, 2, 3 + k, 0, 1}, {2, 3}, {1, 2}),
          MakeTensor({10, 20, 30}, {3})};
}

std::shared_ptr<LoadedArtifact> MustLoad(const proto::Artifact& artifact,
                                         const Verifier* verifier = nullptr) {
  absl::StatusOr<std::shared_ptr<LoadedArtifact>> loaded =
      LoadedArtifact::Load(artifact, verifier);
  EXPECT_TRUE(loaded.ok()) << loaded.status();
  return loaded.ok() ? *loaded : nullptr;
}

// Mappings of artifact memfds in this process.
int MappedArtifactFiles() {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  int count = 0;
  while (std::getline(maps, line)) {
    if (line.find("memfd:aotd-artifact") != std::string::npos) ++count;
  }
  return count;
}

TEST(LoadedArtifactTest, ForwardAndBackwardCompute) {
  std::shared_ptr<LoadedArtifact> step = MustLoad(TestKernelArtifact());
  ASSERT_NE(step, nullptr);
  std::vector<Tensor> inputs = Inputs();
  absl::StatusOr<ForwardResult> forward = step->Forward(inputs);
  ASSERT_TRUE(forward.ok()) << forward.status();
  ASSERT_EQ(forward->outputs.size(), 2u);
  // x = [[1,2,3],[4,5,6]], w = [[0.5,-1,2],[3,0,1]].
  EXPECT_THAT(Values(forward->outputs[0]), ElementsAre(0.5, -2, 6, 12, 0, 6));
  EXPECT_EQ(forward->outputs[0].strides(), (std::vector<int64_t>{3, 1}));
  EXPECT_THAT(Values(forward->outputs[1]), ElementsAre(22.5));
  EXPECT_EQ(forward->outputs[1].rank(), 0);
  // The write-back landed in the caller's `running`.
  EXPECT_THAT(Values(inputs[2]), ElementsAre(15, 27, 39));
  ASSERT_NE(forward->saved, nullptr);
  EXPECT_FALSE(forward->saved->consumed());

  absl::StatusOr<std::vector<Tensor>> grads = step->Backward(
      forward->saved, {MakeTensor({1, 1, 1, 2, 2, 2}, {2, 3})});
  ASSERT_TRUE(grads.ok()) << grads.status();
  ASSERT_EQ(grads->size(), 2u);
  EXPECT_THAT(Values((*grads)[0]), ElementsAre(0.5, -1, 2, 6, 0, 2));
  EXPECT_THAT(Values((*grads)[1]), ElementsAre(1, 2, 3, 8, 10, 12));
  // Gradients are contiguous even where the input's spec is not.
  EXPECT_TRUE((*grads)[1].is_contiguous());
  EXPECT_TRUE(forward->saved->consumed());
}

TEST(LoadedArtifactTest, SignedArtifactLoadsWithItsKey) {
  absl::StatusOr<std::unique_ptr<Signer>> signer = Signer::Generate();
  ASSERT_TRUE(signer.ok());
  absl::StatusOr<std::unique_ptr<Verifier>> verifier =
      Verifier::FromPublicKeyPem((*signer)->public_key_pem());
  ASSERT_TRUE(verifier.ok());
  std::shared_ptr<LoadedArtifact> step =
      MustLoad(TestKernelArtifact(signer->get()), verifier->get());
  ASSERT_NE(step, nullptr);
  EXPECT_TRUE(step->Forward(Inputs()).ok());
  // The loaded artifact keeps its metadata, not a second copy of the code.
  EXPECT_TRUE(step->artifact().shared_object().empty());
  EXPECT_EQ(step->artifact().inputs_size(), 3);
}

TEST(LoadedArtifactTest, TamperedArtifactIsRefusedBeforeLoading) {
  proto::Artifact artifact = TestKernelArtifact();
  std::string code = artifact.shared_object();
  code[code.size() / 2] = static_cast<char>(code[code.size() / 2] ^ 0x20);
  artifact.set_shared_object(code);

  unsetenv(kLoadedProbe);
  const int mapped_before = MappedArtifactFiles();
  absl::StatusOr<std::shared_ptr<LoadedArtifact>> loaded =
      LoadedArtifact::Load(artifact, nullptr);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(loaded.status().message(), HasSubstr("digest mismatch"));
  // The kernel's constructor never ran and no artifact file was mapped.
  EXPECT_EQ(std::getenv(kLoadedProbe), nullptr);
  EXPECT_EQ(MappedArtifactFiles(), mapped_before);

  // Control: the probe does fire when the genuine artifact is loaded.
  std::shared_ptr<LoadedArtifact> genuine = MustLoad(TestKernelArtifact());
  ASSERT_NE(genuine, nullptr);
  EXPECT_NE(std::getenv(kLoadedProbe), nullptr);
  EXPECT_GT(MappedArtifactFiles(), mapped_before);
}

TEST(LoadedArtifactTest, BadSignaturesAreRefusedBeforeLoading) {
  absl::StatusOr<std::unique_ptr<Signer>> signer = Signer::Generate();
  absl::StatusOr<std::unique_ptr<Signer>> other = Signer::Generate();
  ASSERT_TRUE(signer.ok() && other.ok());
  absl::StatusOr<std::unique_ptr<Verifier>> verifier =
      Verifier::FromPublicKeyPem((*signer)->public_key_pem());
  ASSERT_TRUE(verifier.ok());

  unsetenv(kLoadedProbe);
  absl::StatusOr<std::shared_ptr<LoadedArtifact>> wrong_key =
      LoadedArtifact::Load(TestKernelArtifact(other->get()), verifier->get());
  EXPECT_EQ(wrong_key.status().code(), absl::StatusCode::kPermissionDenied);
  absl::StatusOr<std::shared_ptr<LoadedArtifact>> unsigned_artifact =
      LoadedArtifact::Load(TestKernelArtifact(nullptr), verifier->get());
  EXPECT_EQ(unsigned_artifact.status().code(),
            absl::StatusCode::kPermissionDenied);
  proto::Artifact future = TestKernelArtifact(signer->get());
  future.set_format_version(2);
  EXPECT_EQ(LoadedArtifact::Load(future, verifier->get()).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(std::getenv(kLoadedProbe), nullptr);
}

TEST(LoadedArtifactTest, UnusableSharedObjectsAreRefused) {
  absl::StatusOr<std::shared_ptr<LoadedArtifact>> bad_abi =
      LoadedArtifact::Load(KernelArtifact("client/libbad_abi_kernel.so", nullptr),
                           nullptr);
  EXPECT_EQ(bad_abi.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(bad_abi.status().message(), HasSubstr("ABI version 3"));

  proto::Artifact renamed = TestKernelArtifact();
  renamed.set_backward_symbol("no_such_symbol");
  ASSERT_TRUE(SealArtifact(renamed, nullptr).ok());
  absl::StatusOr<std::shared_ptr<LoadedArtifact>> missing =
      LoadedArtifact::Load(renamed, nullptr);
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(missing.status().message(), HasSubstr("no_such_symbol"));

  proto::Artifact not_elf = TestKernelArtifact();
  not_elf.set_shared_object("this is not an ELF file");
  ASSERT_TRUE(SealArtifact(not_elf, nullptr).ok());
  EXPECT_EQ(LoadedArtifact::Load(not_elf, nullptr).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// The dynamic loader identifies a library by its path, and an artifact's
// path names its memfd's descriptor: a second artifact loaded while the
// first is must not be mistaken for it (and run the first one's code).
TEST(LoadedArtifactTest, ArtifactsLoadedAtOnceRunTheirOwnCode) {
  std::shared_ptr<LoadedArtifact> first = MustLoad(TestKernelArtifact());
  ASSERT_NE(first, nullptr);
  absl::StatusOr<std::shared_ptr<LoadedArtifact>> bad_abi =
      LoadedArtifact::Load(KernelArtifact("client/libbad_abi_kernel.so", nullptr),
                           nullptr);
  EXPECT_EQ(bad_abi.status().code(), absl::StatusCode::kFailedPrecondition);
  std::shared_ptr<LoadedArtifact> second = MustLoad(TestKernelArtifact());
  ASSERT_NE(second, nullptr);
  std::vector<Tensor> inputs = Inputs();
  EXPECT_TRUE(first->Forward(inputs).ok());
  EXPECT_TRUE(second->Forward(inputs).ok());
}

TEST(LoadedArtifactTest, InconsistentSpecsAreRefused) {
  proto::Artifact artifact = TestKernelArtifact();
  artifact.set_write_back_inputs(0, 5);
  ASSERT_TRUE(SealArtifact(artifact, nullptr).ok());
  absl::StatusOr<std::shared_ptr<LoadedArtifact>> loaded =
      LoadedArtifact::Load(artifact, nullptr);
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(loaded.status().message(), HasSubstr("write_back_inputs"));

  artifact = TestKernelArtifact();
  artifact.mutable_inputs(1)->mutable_meta()->add_strides(1);
  ASSERT_TRUE(SealArtifact(artifact, nullptr).ok());
  loaded = LoadedArtifact::Load(artifact, nullptr);
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(loaded.status().message(), HasSubstr("input 1 ('w')"));
}

TEST(LoadedArtifactTest, UnsoundSavedArenasAreRefused) {
  struct Case {
    std::vector<int64_t> offsets;
    int64_t arena_bytes;
    const char* message;
  };
  const Case cases[] = {
      {{-1, 0}, 16, "does not fit a 16-byte saved arena"},      // Overruns it.
      {{-1, 32}, 128, "at a multiple of 64"},                   // Misaligned.
      {{-1, -1}, 64, "is not a forward input"},                 // No region.
      {{0, 0}, 64, "is a forward input"},                       // A kept input.
      {{-1}, 64, "1 saved_offsets for 2 saved tensors"},
      {{-1, 0}, -64, "out of range"},
  };
  for (const Case& c : cases) {
    proto::Artifact artifact = TestKernelArtifact();
    artifact.clear_saved_offsets();
    for (int64_t offset : c.offsets) artifact.add_saved_offsets(offset);
    artifact.set_saved_arena_bytes(c.arena_bytes);
    ASSERT_TRUE(SealArtifact(artifact, nullptr).ok());
    absl::StatusOr<std::shared_ptr<LoadedArtifact>> loaded =
        LoadedArtifact::Load(artifact, nullptr);
    EXPECT_EQ(loaded.status().code(), absl::StatusCode::kInvalidArgument) << c.message;
    EXPECT_THAT(loaded.status().message(), HasSubstr(c.message));
  }

  // Two computed saved tensors in one region.
  proto::Artifact overlap = TestKernelArtifact();
  overlap.set_saved_inputs(0, -1);
  overlap.set_saved_offsets(0, 0);
  ASSERT_TRUE(SealArtifact(overlap, nullptr).ok());
  absl::StatusOr<std::shared_ptr<LoadedArtifact>> loaded =
      LoadedArtifact::Load(overlap, nullptr);
  EXPECT_EQ(loaded.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(loaded.status().message(), HasSubstr("overlap in the saved arena"));
}

TEST(LoadedArtifactTest, WrongInputsAreRefusedNamingTheArgument) {
  std::shared_ptr<LoadedArtifact> step = MustLoad(TestKernelArtifact());
  ASSERT_NE(step, nullptr);

  std::vector<Tensor> inputs = Inputs();
  inputs.pop_back();
  absl::StatusOr<ForwardResult> result = step->Forward(inputs);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(), HasSubstr("3 inputs, got 2"));

  inputs = Inputs();
  absl::StatusOr<Tensor> doubles =
      Tensor::AllocateContiguous(proto::FLOAT64, {2, 3});
  ASSERT_TRUE(doubles.ok());
  inputs[0] = *doubles;
  result = step->Forward(inputs);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(),
              HasSubstr("input 0 ('x'): expected float32[2, 3] strides [3, 1], "
                        "got float64[2, 3] strides [3, 1]"));

  inputs = Inputs();
  inputs[2] = MakeTensor({1, 2, 3, 4}, {4});
  result = step->Forward(inputs);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(),
              HasSubstr("input 2 ('running'): expected float32[3] strides [1], "
                        "got float32[4] strides [1]"));

  // A refused call writes nothing back into `running`.
  inputs = Inputs();
  inputs[0] = *doubles;
  EXPECT_FALSE(step->Forward(inputs).ok());
  EXPECT_THAT(Values(inputs[2]), ElementsAre(10, 20, 30));
}

TEST(LoadedArtifactTest, InputsAreCopiedIntoTheSpecsDenseLayout) {
  std::shared_ptr<LoadedArtifact> step = MustLoad(TestKernelArtifact());
  ASSERT_NE(step, nullptr);
  std::vector<Tensor> inputs = Inputs();
  inputs[0] = MakeTensor({1, 2, 3, 4, 5, 6}, {2, 3}, {1, 2});  // Transposed.
  absl::StatusOr<ForwardResult> forward = step->Forward(inputs);
  ASSERT_TRUE(forward.ok()) << forward.status();
  EXPECT_THAT(Values(forward->outputs[0]), ElementsAre(0.5, -2, 6, 12, 0, 6));

  // w's spec is column-major; a row-major w with the same elements is copied.
  std::vector<Tensor> row_major_w = Inputs();
  row_major_w[1] = MakeTensor({0.5, -1, 2, 3, 0, 1}, {2, 3});
  absl::StatusOr<ForwardResult> copied = step->Forward(row_major_w);
  absl::StatusOr<ForwardResult> as_is = step->Forward(Inputs());
  ASSERT_TRUE(copied.ok()) << copied.status();
  ASSERT_TRUE(as_is.ok()) << as_is.status();
  EXPECT_EQ(Values(copied->outputs[0]), Values(as_is->outputs[0]));

  // Strides of size-1 dimensions do not matter.
  EXPECT_TRUE(SameLayout({1, 3}, {3, 1}, {1, 1}));
  EXPECT_FALSE(SameLayout({2, 3}, {3, 1}, {1, 2}));
}

TEST(LoadedArtifactTest, WriteBackHonoursTheMutatedInputsStrides) {
  std::shared_ptr<LoadedArtifact> step = MustLoad(TestKernelArtifact());
  ASSERT_NE(step, nullptr);
  // `running` is every other element of a 6-element buffer.
  float buffer[6] = {10, -1, 20, -1, 30, -1};
  absl::StatusOr<Tensor> running =
      Tensor::Borrow(proto::FLOAT32, {3}, {2}, buffer);
  ASSERT_TRUE(running.ok());
  std::vector<Tensor> inputs = Inputs();
  inputs[2] = *running;
  ASSERT_TRUE(step->Forward(inputs).ok());
  EXPECT_THAT(buffer, ElementsAreArray({15.0f, -1.0f, 27.0f, -1.0f, 39.0f, -1.0f}));

  // A mutated input whose elements overlap is refused.
  float one = 1;
  absl::StatusOr<Tensor> expanded = Tensor::Borrow(proto::FLOAT32, {3}, {0}, &one);
  ASSERT_TRUE(expanded.ok());
  inputs[2] = *expanded;
  absl::StatusOr<ForwardResult> result = step->Forward(inputs);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(result.status().message(), HasSubstr("overlap"));
  EXPECT_EQ(one, 1);
}

TEST(LoadedArtifactTest, SavedActivationsAreConsumedOnce) {
  std::shared_ptr<LoadedArtifact> step = MustLoad(TestKernelArtifact());
  ASSERT_NE(step, nullptr);
  absl::StatusOr<ForwardResult> forward = step->Forward(Inputs());
  ASSERT_TRUE(forward.ok());

  // A bad tangent is refused without consuming the activations.
  absl::StatusOr<std::vector<Tensor>> grads =
      step->Backward(forward->saved, {MakeTensor({1, 2, 3}, {3})});
  EXPECT_EQ(grads.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(grads.status().message(), HasSubstr("tangent 0 (for output 0 ('y'))"));
  EXPECT_FALSE(forward->saved->consumed());
  grads = step->Backward(forward->saved, {});
  EXPECT_EQ(grads.status().code(), absl::StatusCode::kInvalidArgument);

  const Tensor tangent = MakeTensor({1, 1, 1, 1, 1, 1}, {2, 3});
  ASSERT_TRUE(step->Backward(forward->saved, {tangent}).ok());
  grads = step->Backward(forward->saved, {tangent});
  EXPECT_EQ(grads.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(grads.status().message(), HasSubstr("already consumed"));

  EXPECT_EQ(step->Backward(nullptr, {tangent}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(LoadedArtifactTest, SavedActivationsOfAnotherArtifactAreRefused) {
  std::shared_ptr<LoadedArtifact> first = MustLoad(TestKernelArtifact());
  std::shared_ptr<LoadedArtifact> second = MustLoad(TestKernelArtifact());
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  absl::StatusOr<ForwardResult> forward = first->Forward(Inputs());
  ASSERT_TRUE(forward.ok());
  absl::StatusOr<std::vector<Tensor>> grads = second->Backward(
      forward->saved, {MakeTensor({1, 1, 1, 1, 1, 1}, {2, 3})});
  EXPECT_EQ(grads.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(forward->saved->consumed());
}

TEST(LoadedArtifactTest, KernelFailureIsInternalAndSkipsWriteBacks) {
  std::shared_ptr<LoadedArtifact> step = MustLoad(TestKernelArtifact());
  ASSERT_NE(step, nullptr);
  std::vector<Tensor> inputs = Inputs();
  inputs[0] = MakeTensor({-1234.5, 2, 3, 4, 5, 6}, {2, 3});
  absl::StatusOr<ForwardResult> result = step->Forward(inputs);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(result.status().message(), HasSubstr("returned 7"));
  EXPECT_THAT(Values(inputs[2]), ElementsAre(10, 20, 30));
}

TEST(LoadedArtifactTest, ConcurrentForwardAndBackward) {
  std::shared_ptr<LoadedArtifact> step = MustLoad(TestKernelArtifact());
  ASSERT_NE(step, nullptr);
  constexpr int kThreads = 4;
  constexpr int kIterations = 200;
  std::vector<int> failures(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kIterations; ++i) {
        const float k = static_cast<float>(t * 1000 + i);
        std::vector<Tensor> inputs = Inputs(k);
        absl::StatusOr<ForwardResult> forward = step->Forward(inputs);
        if (!forward.ok()) {
          ++failures[t];
          continue;
        }
        const std::vector<float> y = Values(forward->outputs[0]);
        const std::vector<float> running = Values(inputs[2]);
        absl::StatusOr<std::vector<Tensor>> grads = step->Backward(
            forward->saved, {MakeTensor({1, 1, 1, 1, 1, 1}, {2, 3})});
        if (!grads.ok() || y[0] != (1 + k) * 0.5f || y[3] != 4 * (3 + k) ||
            running[0] != 15 + k || Values((*grads)[1])[0] != 1 + k ||
            Values((*grads)[0])[3] != 3 + k) {
          ++failures[t];
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_THAT(failures, ElementsAre(0, 0, 0, 0));
}

}  // namespace
}  // namespace aotd::client
