// The recorded PyTorch workloads under tests/testdata/workloads, for tests
// and benchmarks that run from Bazel runfiles.
#ifndef AOTD_TESTS_WORKLOADS_H_
#define AOTD_TESTS_WORKLOADS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "proto/graph.pb.h"
#include "tools/conformance.h"

namespace aotd::testing {

struct Workload {
  std::string name;  // "a_mlp"
  std::string size;  // "small" or "full"
  std::string dir;   // Folder with forward.json, reference.json, vectors/.

  std::string ForwardJson() const { return dir + "/forward.json"; }
  std::string ReferenceJson() const { return dir + "/reference.json"; }
  std::string Id() const { return name + "/" + size; }
};

// Every workload folder of the given size ("small", "full", or "" for
// both), sorted by name. Aborts if the test data is missing: a test that
// needs it must fail, not skip.
std::vector<Workload> Workloads(const std::string& size = "");

// The forward graph of workload `id` ("e_loss/small") in the wire format,
// as a client sends it. Aborts if it cannot be read or converted, as
// Workloads() does.
proto::Graph WorkloadGraph(const std::string& id);

// What PyTorch recorded for the workload (its vectors/ folder).
using tools::RecordedStep;
absl::StatusOr<RecordedStep> LoadRecordedStep(const Workload& workload);

}  // namespace aotd::testing

#endif  // AOTD_TESTS_WORKLOADS_H_
