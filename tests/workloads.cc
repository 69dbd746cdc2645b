#include "tests/workloads.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "compiler/frontend/fx_json.h"
#include "compiler/frontend/load.h"

namespace aotd::testing {

std::vector<Workload> Workloads(const std::string& size) {
  namespace fs = std::filesystem;
  const fs::path root = "tests/testdata/workloads";
  std::vector<Workload> out;
  std::error_code error;
  for (const fs::directory_entry& w : fs::directory_iterator(root, error)) {
    if (!w.is_directory()) continue;
    for (const char* s : {"full", "small"}) {
      fs::path dir = w.path() / s;
      if ((size.empty() || size == s) && fs::exists(dir / "forward.json")) {
        out.push_back({w.path().filename().string(), s, dir.string()});
      }
    }
  }
  if (out.empty()) {
    std::fprintf(stderr, "no workloads under %s (run from the Bazel runfiles)\n",
                 root.c_str());
    std::abort();
  }
  std::sort(out.begin(), out.end(), [](const Workload& a, const Workload& b) {
    return a.Id() < b.Id();
  });
  return out;
}

proto::Graph WorkloadGraph(const std::string& id) {
  const std::string path = "tests/testdata/workloads/" + id + "/forward.json";
  absl::StatusOr<std::string> text = frontend::ReadFile(path);
  absl::StatusOr<proto::Graph> graph =
      text.ok() ? frontend::FxJsonToProto(*text) : absl::StatusOr<proto::Graph>(text.status());
  if (!graph.ok()) {
    std::fprintf(stderr, "workload %s: %s\n", id.c_str(), graph.status().ToString().c_str());
    std::abort();
  }
  return *std::move(graph);
}

absl::StatusOr<RecordedStep> LoadRecordedStep(const Workload& workload) {
  return tools::LoadRecordedStep(workload.dir);
}

}  // namespace aotd::testing
