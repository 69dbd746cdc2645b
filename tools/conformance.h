// Conformance against PyTorch: compile a recorded workload (in this process
// or through an aotd server), run its forward and backward through the
// client runtime on the recorded inputs and tangents, and compare outputs,
// gradients and mutated inputs with what PyTorch recorded
// (vectors/vectors.json beside forward.json).
#ifndef AOTD_TOOLS_CONFORMANCE_H_
#define AOTD_TOOLS_CONFORMANCE_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/loaded_artifact.h"
#include "client/remote_client.h"
#include "client/tensor.h"
#include "compiler/partition/partition.h"
#include "compiler/reference/host_tensor.h"

namespace aotd::tools {

// What PyTorch recorded for one call: inputs in graph-input order; outputs,
// tangents and gradients keyed by output or input index; inputs the forward
// mutated, with their values after the call.
struct RecordedStep {
  std::vector<reference::HostTensor> inputs;
  std::map<int, reference::HostTensor> outputs;
  std::map<int, reference::HostTensor> tangents;
  std::map<int, reference::HostTensor> grads;
  std::map<int, reference::HostTensor> mutated_after;
};

// Reads `dir`/vectors/vectors.json and its .npy files. NOT_FOUND or
// INVALID_ARGUMENT naming the file.
absl::StatusOr<RecordedStep> LoadRecordedStep(const std::string& dir);

// A contiguous runtime tensor holding `host`'s values, and back.
absl::StatusOr<client::Tensor> ToClientTensor(const reference::HostTensor& host);
absl::StatusOr<reference::HostTensor> ToHostTensor(const client::Tensor& tensor);

// A compiled artifact for a check, and where it came from.
struct SourcedArtifact {
  std::shared_ptr<client::LoadedArtifact> artifact;  // Loaded and verified.
  // Whether a server had it cached; nullopt when it was compiled here.
  std::optional<bool> cache_hit;
};

// How a check gets the artifact of a forward graph file compiled with a
// partitioner's options: the one step in which a local check and a check
// through a server differ. Errors are the compile's or the server's.
using ArtifactSource = std::function<absl::StatusOr<SourcedArtifact>(
    const std::string& forward_file, const partition::Options& options)>;

// Compiles in this process with the system toolchain.
ArtifactSource LocalArtifactSource();

// Asks a server through `client` (not owned; must outlive the source), which
// looks the graph up by key and uploads it only on a miss.
ArtifactSource ServerArtifactSource(client::Client* client);

struct ConformanceResult {
  std::string dir;
  std::string partitioner;
  std::optional<bool> cache_hit;  // SourcedArtifact::cache_hit.
  bool passed = false;
  double max_output_error = 0, max_grad_error = 0, max_mutated_error = 0;
  std::string failure;  // What did not match, when !passed.
};

// Gets the artifact of `dir`/forward.json compiled with `options` from
// `source`, runs it on the recorded step and compares (|a - e| <= atol +
// rtol |e|). Errors are for what kept the check from running (unreadable
// files, a failed compile, an unreachable server); mismatches are reported
// in the result.
absl::StatusOr<ConformanceResult> CheckConformance(const std::string& dir,
                                                   const partition::Options& options,
                                                   double rtol, double atol,
                                                   const ArtifactSource& source);

// `aotctl conformance DIR...` (`--local`, or through a server): every folder
// with both partitioners; prints a table of max errors and whether the
// artifact was a cache hit. INVALID_ARGUMENT if anything mismatched or
// failed.
absl::Status ConformanceCommand(const std::vector<std::string>& dirs,
                                const ArtifactSource& source, std::ostream& out);

}  // namespace aotd::tools

#endif  // AOTD_TOOLS_CONFORMANCE_H_
