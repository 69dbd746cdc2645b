// Conformance against PyTorch: compile a recorded workload, run its forward
// and backward through the client runtime on the recorded inputs and
// tangents, and compare outputs, gradients and mutated inputs with what
// PyTorch recorded (vectors/vectors.json beside forward.json).
#ifndef AOTD_TOOLS_CONFORMANCE_H_
#define AOTD_TOOLS_CONFORMANCE_H_

#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
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

struct ConformanceResult {
  std::string dir;
  std::string partitioner;
  bool passed = false;
  double max_output_error = 0, max_grad_error = 0, max_mutated_error = 0;
  std::string failure;  // What did not match, when !passed.
};

// Compiles `dir`/forward.json locally with `options`, runs it on the
// recorded step and compares (|a - e| <= atol + rtol |e|). Errors are for
// what kept the check from running (unreadable files, a failed compile);
// mismatches are reported in the result.
absl::StatusOr<ConformanceResult> CheckConformance(const std::string& dir,
                                                   const partition::Options& options,
                                                   double rtol, double atol);

// `aotctl conformance DIR... --local`: every folder with both partitioners;
// prints a table of max errors. INVALID_ARGUMENT if anything mismatched or
// failed.
absl::Status ConformanceCommand(const std::vector<std::string>& dirs, std::ostream& out);

}  // namespace aotd::tools

#endif  // AOTD_TOOLS_CONFORMANCE_H_
