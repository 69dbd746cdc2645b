// Loads a compiled artifact's shared object and runs its forward and
// backward on CPU tensors.
//
// Usage:
//   ASSIGN_OR_RETURN(std::shared_ptr<LoadedArtifact> step,
//                    LoadedArtifact::Load(artifact, verifier));
//   ASSIGN_OR_RETURN(ForwardResult result, step->Forward(inputs));
//   ... loss from result.outputs ...
//   ASSIGN_OR_RETURN(std::vector<Tensor> grads,
//                    step->Backward(result.saved, tangents));
//
// The artifact format and the shared-object ABI are described in
// docs/formats.md ("Artifact (version 1)", "Shared-object ABI (version 2)").
//
// Thread safety: a LoadedArtifact is immutable after Load. Forward and
// Backward may be called from any number of threads at once (the ABI requires
// the entry points to be reentrant); each call allocates its own outputs.
// A SavedActivations object may be shared between threads; exactly one
// Backward consumes it.
#ifndef AOTD_CLIENT_LOADED_ARTIFACT_H_
#define AOTD_CLIENT_LOADED_ARTIFACT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "client/tensor.h"
#include "common/artifact_seal.h"
#include "common/shared_object_abi.h"
#include "proto/artifact.pb.h"

namespace aotd::client {

// The activations one Forward saved for its Backward. Opaque: it holds the
// saved arena (the buffer holding the saved tensors the forward computed,
// which the Backward overwrites as it runs) and the saved forward inputs,
// which are released when a Backward has consumed them or when the last
// reference to this object is dropped, whichever comes first.
class SavedActivations {
 public:
  SavedActivations(const SavedActivations&) = delete;
  SavedActivations& operator=(const SavedActivations&) = delete;

  // Whether a Backward has taken these activations.
  bool consumed() const;

 private:
  friend class LoadedArtifact;
  SavedActivations(uint64_t artifact_id, Tensor arena, std::vector<Tensor> inputs);

  const uint64_t artifact_id_;  // LoadedArtifact::id_ of the producer.
  mutable absl::Mutex mu_;
  Tensor arena_ ABSL_GUARDED_BY(mu_);
  // The saved tensors that are forward inputs, in Artifact.saved order.
  std::vector<Tensor> inputs_ ABSL_GUARDED_BY(mu_);
  bool consumed_ ABSL_GUARDED_BY(mu_) = false;
};

struct ForwardResult {
  // The user outputs, in Artifact.outputs order, in owned memory laid out as
  // their specs say.
  std::vector<Tensor> outputs;
  // Input for the matching Backward. Never null.
  std::shared_ptr<SavedActivations> saved;
};

class LoadedArtifact {
 public:
  // Verifies `artifact` with VerifyArtifact(artifact, verifier) before any of
  // its code is loaded; a null `verifier` skips the signature check only.
  // Then checks that the specs are consistent, loads the shared object from
  // an anonymous in-memory file (memfd, sealed against writes; no path in
  // the file system), and checks that it exports aotd_abi_version() == 2 and
  // the forward and backward symbols (Artifact.forward_symbol and
  // backward_symbol, default "aotd_forward" and "aotd_backward").
  // Errors:
  //   VerifyArtifact's (FAILED_PRECONDITION, DATA_LOSS, PERMISSION_DENIED):
  //     nothing was loaded;
  //   INVALID_ARGUMENT: inconsistent specs (including a saved arena whose
  //     regions overlap or overrun it), a shared object that the dynamic
  //     loader refuses, or a missing symbol;
  //   FAILED_PRECONDITION: the shared object's ABI version is not 2;
  //   errno-derived codes if the in-memory file cannot be made.
  // Loading runs the shared object's initializers; it is unloaded when the
  // last reference to the LoadedArtifact is dropped.
  static absl::StatusOr<std::shared_ptr<LoadedArtifact>> Load(
      const proto::Artifact& artifact, const Verifier* verifier);

  ~LoadedArtifact();
  LoadedArtifact(const LoadedArtifact&) = delete;
  LoadedArtifact& operator=(const LoadedArtifact&) = delete;

  // Runs the forward on `inputs` (one per Artifact.inputs entry).
  // Each input must have the spec's dtype and shape; a uint8 tensor is
  // accepted for a bool spec. Its strides must match the spec's (strides of
  // size-1 dimensions are ignored); if they do not and the spec's layout is
  // dense (contiguous for some order of the dimensions), the input is copied
  // into a buffer of the spec's layout first.
  // Afterwards, each write-back result is copied into the memory of the input
  // it mutates, honouring that tensor's own strides (the caller's tensor, not
  // a copy). Inputs are otherwise only read.
  // Errors:
  //   INVALID_ARGUMENT: wrong input count, or an input whose dtype, shape or
  //     (for a non-contiguous spec) strides differ from its spec; the
  //     message names the input's index and name and gives expected and
  //     actual layouts; also a mutated input whose elements overlap;
  //   RESOURCE_EXHAUSTED: out of memory for outputs or copies;
  //   INTERNAL: the forward entry point returned nonzero (write-backs are
  //     then not applied).
  absl::StatusOr<ForwardResult> Forward(const std::vector<Tensor>& inputs) const;

  // Runs the backward on activations saved by this artifact's Forward and one
  // tangent per Artifact.tangent_outputs entry (layout rule as in Forward,
  // against the spec of that user output). Returns one gradient per
  // Artifact.grad_inputs entry, contiguous, with that input's dtype and shape.
  // The activations are consumed once the tangents have been checked, and
  // released before this returns.
  // Errors:
  //   INVALID_ARGUMENT: null `saved`, activations of another artifact, wrong
  //     tangent count or layout (the message names the tangent's index and
  //     the output's name); the activations are not consumed;
  //   FAILED_PRECONDITION: the activations were already consumed;
  //   RESOURCE_EXHAUSTED: out of memory;
  //   INTERNAL: the backward entry point returned nonzero.
  absl::StatusOr<std::vector<Tensor>> Backward(
      std::shared_ptr<SavedActivations> saved,
      const std::vector<Tensor>& tangents) const;

  const proto::Artifact& artifact() const { return artifact_; }

 private:
  using EntryPoint = abi::EntryPoint;

  explicit LoadedArtifact(proto::Artifact artifact);

  // The forward input saved tensor k is (saved_inputs), or -1.
  int SavedInput(int k) const {
    return k < artifact_.saved_inputs_size() ? artifact_.saved_inputs(k) : -1;
  }

  // The artifact without its shared object (it lives in the loaded image).
  const proto::Artifact artifact_;
  // Unique per process, so that saved activations name their producer even
  // after it is gone and its address reused.
  const uint64_t id_;
  void* handle_ = nullptr;  // dlopen handle; set once by Load.
  // The memfd holding the shared object, open while it is loaded (its path
  // is the library's name to the dynamic loader); set once by Load.
  int memfd_ = -1;
  EntryPoint forward_ = nullptr;
  EntryPoint backward_ = nullptr;
};

}  // namespace aotd::client

#endif  // AOTD_CLIENT_LOADED_ARTIFACT_H_
