#include "client/loaded_artifact.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/base/call_once.h"
#include "absl/strings/str_cat.h"
#include "common/shared_object_abi.h"
#include "common/status_macros.h"

namespace aotd::client {
namespace {

// Closes a file descriptor on scope exit.
class ScopedFd {
 public:
  explicit ScopedFd(int fd) : fd_(fd) {}
  ~ScopedFd() {
    if (fd_ >= 0) close(fd_);
  }
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  int get() const { return fd_; }
  // Gives up ownership.
  int Release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

std::string SpecLabel(absl::string_view kind, int index,
                      const proto::TensorSpec& spec) {
  return absl::StrCat(kind, " ", index, " ('", spec.name(), "')");
}

std::vector<int64_t> ToVector(
    const google::protobuf::RepeatedField<int64_t>& values) {
  return std::vector<int64_t>(values.begin(), values.end());
}

absl::Status CheckSpecList(
    absl::string_view kind,
    const google::protobuf::RepeatedPtrField<proto::TensorSpec>& specs) {
  for (int i = 0; i < specs.size(); ++i) {
    const proto::TensorMeta& meta = specs[i].meta();
    absl::Status valid = Tensor::ValidateLayout(
        meta.dtype(), ToVector(meta.shape()), ToVector(meta.strides()));
    if (!valid.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("artifact ", SpecLabel(kind, i, specs[i]), ": ",
                       valid.message()));
    }
  }
  return absl::OkStatus();
}

absl::Status CheckIndices(absl::string_view what,
                          const google::protobuf::RepeatedField<int32_t>& indices,
                          int limit, absl::string_view of) {
  for (int i = 0; i < indices.size(); ++i) {
    if (indices[i] < 0 || indices[i] >= limit) {
      return absl::InvalidArgumentError(
          absl::StrCat("artifact ", what, "[", i, "] = ", indices[i],
                       " is not one of the ", limit, " ", of));
    }
  }
  return absl::OkStatus();
}

// Bytes a buffer laid out as `meta` spans (a valid layout: see
// CheckSpecList).
int64_t ByteSize(const proto::TensorMeta& meta) {
  int64_t last = 0;
  for (int d = 0; d < meta.shape_size(); ++d) {
    if (meta.shape(d) == 0) return 0;
    last += (meta.shape(d) - 1) * meta.strides(d);
  }
  return (last + 1) * ItemSize(meta.dtype());
}

// The saved arena holds every saved tensor that is not a forward input, each
// in its own region, at a multiple of abi::kArenaAlignment, within the arena.
absl::Status CheckSavedArena(const proto::Artifact& artifact) {
  constexpr int64_t kMaxArenaBytes = int64_t{1} << 50;
  const int64_t arena_bytes = artifact.saved_arena_bytes();
  if (arena_bytes < 0 || arena_bytes > kMaxArenaBytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("artifact saved_arena_bytes = ", arena_bytes, " is out of range"));
  }
  if (artifact.saved_offsets_size() != artifact.saved_size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "artifact has ", artifact.saved_offsets_size(), " saved_offsets for ",
        artifact.saved_size(), " saved tensors"));
  }
  std::vector<std::pair<int64_t, int64_t>> regions;  // [start, end) in bytes.
  for (int k = 0; k < artifact.saved_size(); ++k) {
    const int64_t offset = artifact.saved_offsets(k);
    const bool kept_input =
        k < artifact.saved_inputs_size() && artifact.saved_inputs(k) >= 0;
    if (kept_input != (offset == -1)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "artifact saved_offsets[", k, "] = ", offset, " but saved tensor ", k,
          kept_input ? " is a forward input" : " is not a forward input"));
    }
    if (kept_input) continue;
    const proto::TensorMeta& meta = artifact.saved(k).meta();
    const int64_t bytes = ByteSize(meta);
    if (offset < 0 || offset % abi::kArenaAlignment != 0 || offset > arena_bytes ||
        bytes > arena_bytes - offset) {
      return absl::InvalidArgumentError(absl::StrCat(
          "artifact ", SpecLabel("saved tensor", k, artifact.saved(k)), " at offset ",
          offset, " (", bytes, " bytes) does not fit a ", arena_bytes,
          "-byte saved arena at a multiple of ", abi::kArenaAlignment));
    }
    if (bytes > 0) regions.emplace_back(offset, offset + bytes);
  }
  std::sort(regions.begin(), regions.end());
  for (size_t i = 1; i < regions.size(); ++i) {
    if (regions[i].first < regions[i - 1].second) {
      return absl::InvalidArgumentError(absl::StrCat(
          "artifact saved tensors overlap in the saved arena at byte ",
          regions[i].first));
    }
  }
  return absl::OkStatus();
}

// The consistency Forward and Backward rely on: valid layouts, indices in
// range, write-backs shaped like the inputs they mutate, a sound saved arena.
absl::Status CheckSpecs(const proto::Artifact& artifact) {
  RETURN_IF_ERROR(CheckSpecList("input", artifact.inputs()));
  RETURN_IF_ERROR(CheckSpecList("output", artifact.outputs()));
  RETURN_IF_ERROR(CheckSpecList("write-back", artifact.write_backs()));
  RETURN_IF_ERROR(CheckSpecList("saved tensor", artifact.saved()));
  const int num_inputs = artifact.inputs_size();
  if (artifact.write_back_inputs_size() != artifact.write_backs_size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "artifact has ", artifact.write_backs_size(), " write-backs but ",
        artifact.write_back_inputs_size(), " write-back input indices"));
  }
  RETURN_IF_ERROR(CheckIndices("write_back_inputs", artifact.write_back_inputs(),
                               num_inputs, "inputs"));
  RETURN_IF_ERROR(CheckIndices("tangent_outputs", artifact.tangent_outputs(),
                               artifact.outputs_size(), "outputs"));
  RETURN_IF_ERROR(CheckIndices("grad_inputs", artifact.grad_inputs(),
                               num_inputs, "inputs"));
  if (artifact.saved_inputs_size() != 0 &&
      artifact.saved_inputs_size() != artifact.saved_size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "artifact has ", artifact.saved_inputs_size(), " saved_inputs for ",
        artifact.saved_size(), " saved tensors"));
  }
  for (int k = 0; k < artifact.saved_inputs_size(); ++k) {
    const int input = artifact.saved_inputs(k);
    if (input < -1 || input >= num_inputs) {
      return absl::InvalidArgumentError(absl::StrCat(
          "artifact saved_inputs[", k, "] = ", input, " names no input"));
    }
  }
  RETURN_IF_ERROR(CheckSavedArena(artifact));
  absl::flat_hash_set<int> mutated;
  for (int k = 0; k < artifact.write_backs_size(); ++k) {
    const int input = artifact.write_back_inputs(k);
    const proto::TensorMeta& result = artifact.write_backs(k).meta();
    const proto::TensorMeta& target = artifact.inputs(input).meta();
    if (!mutated.insert(input).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("artifact writes input ", input, " back twice"));
    }
    if (result.dtype() != target.dtype() ||
        ToVector(result.shape()) != ToVector(target.shape())) {
      return absl::InvalidArgumentError(absl::StrCat(
          "artifact ", SpecLabel("write-back", k, artifact.write_backs(k)),
          " is ", DescribeLayout(result.dtype(), ToVector(result.shape()),
                                 ToVector(result.strides())),
          " but its target ", SpecLabel("input", input, artifact.inputs(input)),
          " is ",
          DescribeLayout(target.dtype(), ToVector(target.shape()),
                         ToVector(target.strides()))));
    }
  }
  return absl::OkStatus();
}

// Whether `strides` lay `shape` out densely without overlap: contiguous for
// some order of the dimensions (size-1 dimensions ignored).
bool IsDense(const std::vector<int64_t>& shape, const std::vector<int64_t>& strides) {
  std::vector<std::pair<int64_t, int64_t>> dims;  // (stride, size), size > 1.
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 0) return true;
    if (shape[d] > 1) dims.emplace_back(strides[d], shape[d]);
  }
  std::sort(dims.begin(), dims.end());
  int64_t expected = 1;
  for (const auto& [stride, size] : dims) {
    if (stride != expected) return false;
    expected *= size;
  }
  return true;
}

// Returns `tensor` if it can be passed where `meta` is expected, or a copy in
// `meta`'s layout if only its strides differ and `meta` is dense.
absl::StatusOr<Tensor> PrepareArgument(const proto::TensorMeta& meta,
                                       const Tensor& tensor,
                                       absl::string_view label) {
  std::vector<int64_t> shape = ToVector(meta.shape());
  std::vector<int64_t> strides = ToVector(meta.strides());
  const bool dtype_ok =
      tensor.dtype() == meta.dtype() ||
      (meta.dtype() == proto::BOOL && tensor.dtype() == proto::UINT8);
  if (dtype_ok && tensor.shape() == shape) {
    if (SameLayout(shape, strides, tensor.strides())) return tensor;
    if (IsDense(shape, strides)) {
      ASSIGN_OR_RETURN(Tensor copy, Tensor::Allocate(meta.dtype(), shape,
                                                     std::move(strides)));
      RETURN_IF_ERROR(CopyElements(tensor, copy));
      return copy;
    }
  }
  return absl::InvalidArgumentError(absl::StrCat(
      label, ": expected ", DescribeLayout(meta.dtype(), shape, strides),
      ", got ", tensor.DescribeLayout()));
}

absl::StatusOr<Tensor> AllocateFor(const proto::TensorMeta& meta) {
  return Tensor::Allocate(meta.dtype(), ToVector(meta.shape()),
                          ToVector(meta.strides()));
}

// Writes all of `bytes` to `fd`.
absl::Status WriteAll(int fd, absl::string_view bytes) {
  while (!bytes.empty()) {
    ssize_t written = write(fd, bytes.data(), bytes.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return absl::ErrnoToStatus(errno, "writing the shared object to a memfd");
    }
    bytes.remove_prefix(static_cast<size_t>(written));
  }
  return absl::OkStatus();
}

// The path under which the loader opens (and knows) a memfd's library.
std::string MemfdPath(int fd) { return absl::StrCat("/proc/self/fd/", fd); }

uint64_t NextArtifactId() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

std::string DlError() {
  const char* error = dlerror();
  return error != nullptr ? error : "unknown dynamic loader error";
}

// Keeps the shared runtimes an artifact loaded (the OpenMP runtime and
// OpenBLAS) loaded for good: their threads outlive any one artifact, and
// unloading the code they wait in would crash them.
void PinRuntimeLibraries() {
  for (const char* library : {"libgomp.so.1", "libopenblas.so.0"}) {
    void* handle = dlopen(library, RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE);
    if (handle != nullptr) dlclose(handle);  // Drops our reference; NODELETE stays.
  }
}

}  // namespace

SavedActivations::SavedActivations(uint64_t artifact_id, Tensor arena,
                                   std::vector<Tensor> inputs)
    : artifact_id_(artifact_id),
      arena_(std::move(arena)),
      inputs_(std::move(inputs)) {}

bool SavedActivations::consumed() const {
  absl::MutexLock lock(&mu_);
  return consumed_;
}

LoadedArtifact::LoadedArtifact(proto::Artifact artifact)
    : artifact_(std::move(artifact)), id_(NextArtifactId()) {}

LoadedArtifact::~LoadedArtifact() {
  if (handle_ != nullptr) dlclose(handle_);
  if (memfd_ < 0) return;
  // The loader knows the library by its path, which names memfd_. If it keeps
  // the library (a NODELETE object), keep the descriptor too, so that no
  // later artifact gets the same path and is taken for this one.
  void* kept = handle_ != nullptr ? dlopen(MemfdPath(memfd_).c_str(), RTLD_NOW | RTLD_NOLOAD)
                                  : nullptr;
  if (kept != nullptr) {
    dlclose(kept);
    return;
  }
  close(memfd_);
}

// OpenBLAS picks its kernels from the CPU model, and falls back to its
// slowest ones for a model it does not know (virtual machines often report
// none). Unless the user chose, name the core from the instruction set,
// before the artifact's code loads OpenBLAS. No effect when OpenBLAS is
// already loaded.
namespace {

void ChooseBlasCore() {
  static absl::once_flag once;
  absl::call_once(once, [] {
    if (std::getenv("OPENBLAS_CORETYPE") != nullptr) return;
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) {
      setenv("OPENBLAS_CORETYPE", "SkylakeX", /*overwrite=*/0);
    } else if (__builtin_cpu_supports("avx2")) {
      setenv("OPENBLAS_CORETYPE", "Haswell", /*overwrite=*/0);
    }
  });
}

}  // namespace

absl::StatusOr<std::shared_ptr<LoadedArtifact>> LoadedArtifact::Load(
    const proto::Artifact& artifact, const Verifier* verifier) {
  // Nothing below may run code from the artifact before this succeeds.
  RETURN_IF_ERROR(VerifyArtifact(artifact, verifier));
  RETURN_IF_ERROR(CheckSpecs(artifact));

  // An anonymous file: no path another process could write. Sealing it
  // keeps anything in this process from changing the bytes between the
  // write and the load.
  ScopedFd fd(memfd_create("aotd-artifact", MFD_CLOEXEC | MFD_ALLOW_SEALING));
  if (fd.get() < 0) return absl::ErrnoToStatus(errno, "memfd_create");
  RETURN_IF_ERROR(WriteAll(fd.get(), artifact.shared_object()));
  if (fcntl(fd.get(), F_ADD_SEALS,
            F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0) {
    return absl::ErrnoToStatus(errno, "sealing the shared object's memfd");
  }

  proto::Artifact metadata = artifact;
  metadata.clear_shared_object();
  std::shared_ptr<LoadedArtifact> loaded(
      new LoadedArtifact(std::move(metadata)));
  // dlopen returns an already loaded library of the same path instead of
  // loading the file: the descriptor stays open while the artifact is loaded,
  // so no other artifact's path names it.
  loaded->memfd_ = fd.Release();
  const std::string path = MemfdPath(loaded->memfd_);
  ChooseBlasCore();
  loaded->handle_ = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (loaded->handle_ != nullptr) PinRuntimeLibraries();
  if (loaded->handle_ == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "cannot load the artifact's shared object: ", DlError()));
  }

  auto lookup = [&](const std::string& name) -> absl::StatusOr<void*> {
    dlerror();  // Clear any earlier error.
    void* symbol = dlsym(loaded->handle_, name.c_str());
    if (symbol == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "the artifact's shared object does not export '", name, "'"));
    }
    return symbol;
  };
  ASSIGN_OR_RETURN(void* version_symbol, lookup(abi::kAbiVersionSymbol));
  const int version = reinterpret_cast<int (*)()>(version_symbol)();
  if (version != abi::kAbiVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the artifact's shared object has ABI version ", version,
        "; this runtime supports version ", abi::kAbiVersion));
  }
  const proto::Artifact& meta = loaded->artifact_;
  ASSIGN_OR_RETURN(void* forward, lookup(meta.forward_symbol().empty()
                                             ? abi::kForwardSymbol
                                             : meta.forward_symbol()));
  ASSIGN_OR_RETURN(void* backward, lookup(meta.backward_symbol().empty()
                                              ? abi::kBackwardSymbol
                                              : meta.backward_symbol()));
  loaded->forward_ = reinterpret_cast<EntryPoint>(forward);
  loaded->backward_ = reinterpret_cast<EntryPoint>(backward);
  return loaded;
}

absl::StatusOr<ForwardResult> LoadedArtifact::Forward(
    const std::vector<Tensor>& inputs) const {
  const proto::Artifact& a = artifact_;
  if (static_cast<int>(inputs.size()) != a.inputs_size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "forward takes ", a.inputs_size(), " inputs, got ", inputs.size()));
  }
  std::vector<Tensor> arguments;
  arguments.reserve(inputs.size());
  for (int i = 0; i < a.inputs_size(); ++i) {
    ASSIGN_OR_RETURN(Tensor argument,
                     PrepareArgument(a.inputs(i).meta(), inputs[i],
                                     SpecLabel("input", i, a.inputs(i))));
    arguments.push_back(std::move(argument));
  }
  for (int input : a.write_back_inputs()) {
    if (inputs[input].has_internal_overlap()) {
      return absl::InvalidArgumentError(absl::StrCat(
          SpecLabel("input", input, a.inputs(input)),
          " is mutated by the forward but its elements overlap in memory: ",
          inputs[input].DescribeLayout()));
    }
  }

  // Forward outputs: user outputs, then write-backs, then the saved arena.
  std::vector<Tensor> results;
  results.reserve(a.outputs_size() + a.write_backs_size() + 1);
  for (const auto* specs : {&a.outputs(), &a.write_backs()}) {
    for (const proto::TensorSpec& spec : *specs) {
      ASSIGN_OR_RETURN(Tensor result, AllocateFor(spec.meta()));
      results.push_back(std::move(result));
    }
  }
  ASSIGN_OR_RETURN(Tensor arena, Tensor::AllocateContiguous(
                                     proto::UINT8, {a.saved_arena_bytes()}));
  results.push_back(arena);

  std::vector<void*> input_data;
  input_data.reserve(arguments.size());
  for (const Tensor& t : arguments) input_data.push_back(t.data());
  std::vector<void*> output_data;
  output_data.reserve(results.size());
  for (const Tensor& t : results) output_data.push_back(t.data());
  const int rc = forward_(input_data.data(), output_data.data());
  if (rc != 0) {
    return absl::InternalError(
        absl::StrCat("the artifact's forward entry point returned ", rc));
  }

  auto result = results.begin();
  ForwardResult forward;
  forward.outputs.assign(std::make_move_iterator(result),
                         std::make_move_iterator(result + a.outputs_size()));
  result += a.outputs_size();
  for (int k = 0; k < a.write_backs_size(); ++k, ++result) {
    RETURN_IF_ERROR(CopyElements(*result, inputs[a.write_back_inputs(k)]));
  }
  results.clear();  // The arena's only handle is now `arena`.
  std::vector<Tensor> saved_inputs;
  for (int k = 0; k < a.saved_size(); ++k) {
    if (SavedInput(k) >= 0) saved_inputs.push_back(arguments[SavedInput(k)]);
  }
  forward.saved = std::shared_ptr<SavedActivations>(
      new SavedActivations(id_, std::move(arena), std::move(saved_inputs)));
  return forward;
}

absl::StatusOr<std::vector<Tensor>> LoadedArtifact::Backward(
    std::shared_ptr<SavedActivations> saved,
    const std::vector<Tensor>& tangents) const {
  const proto::Artifact& a = artifact_;
  if (saved == nullptr) {
    return absl::InvalidArgumentError("backward needs saved activations");
  }
  if (saved->artifact_id_ != id_) {
    return absl::InvalidArgumentError(
        "the saved activations come from another artifact's forward");
  }
  if (static_cast<int>(tangents.size()) != a.tangent_outputs_size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("backward takes ", a.tangent_outputs_size(),
                     " tangents, got ", tangents.size()));
  }
  std::vector<Tensor> arguments;
  arguments.reserve(tangents.size());
  for (int j = 0; j < a.tangent_outputs_size(); ++j) {
    const int output = a.tangent_outputs(j);
    ASSIGN_OR_RETURN(
        Tensor argument,
        PrepareArgument(a.outputs(output).meta(), tangents[j],
                        absl::StrCat("tangent ", j, " (for ",
                                     SpecLabel("output", output,
                                               a.outputs(output)),
                                     ")")));
    arguments.push_back(std::move(argument));
  }

  // Taking the only handle to the arena: the backward may overwrite it.
  Tensor arena;
  std::vector<Tensor> saved_inputs;
  {
    absl::MutexLock lock(&saved->mu_);
    if (saved->consumed_) {
      return absl::FailedPreconditionError(
          "these saved activations were already consumed by a backward");
    }
    saved->consumed_ = true;
    arena = std::move(saved->arena_);
    saved_inputs.swap(saved->inputs_);
  }

  std::vector<Tensor> grads;
  grads.reserve(a.grad_inputs_size());
  for (int input : a.grad_inputs()) {
    const proto::TensorMeta& meta = a.inputs(input).meta();
    ASSIGN_OR_RETURN(Tensor grad, Tensor::AllocateContiguous(
                                      meta.dtype(), ToVector(meta.shape())));
    grads.push_back(std::move(grad));
  }

  std::vector<void*> input_data;
  input_data.reserve(1 + saved_inputs.size() + arguments.size());
  input_data.push_back(arena.data());
  for (const Tensor& t : saved_inputs) input_data.push_back(t.data());
  for (const Tensor& t : arguments) input_data.push_back(t.data());
  std::vector<void*> output_data;
  output_data.reserve(grads.size());
  for (const Tensor& t : grads) output_data.push_back(t.data());
  const int rc = backward_(input_data.data(), output_data.data());
  if (rc != 0) {
    return absl::InternalError(
        absl::StrCat("the artifact's backward entry point returned ", rc));
  }
  return grads;
}

}  // namespace aotd::client
