#include "tests/workloads.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "compiler/reference/npy.h"
#include "nlohmann/json.hpp"

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

absl::StatusOr<RecordedStep> LoadRecordedStep(const Workload& workload) {
  std::string dir = workload.dir + "/vectors/";
  std::ifstream in(dir + "vectors.json");
  if (!in) return absl::NotFoundError(absl::StrCat("no ", dir, "vectors.json"));
  nlohmann::json doc = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return absl::InvalidArgumentError(dir + "vectors.json: bad JSON");
  RecordedStep step;
  for (const nlohmann::json& entry : doc["inputs"]) {
    absl::StatusOr<reference::HostTensor> t = reference::ReadNpy(dir + entry["file"].get<std::string>());
    if (!t.ok()) return t.status();
    step.inputs.push_back(*std::move(t));
  }
  struct Keyed {
    const char* list;
    const char* key;
    std::map<int, reference::HostTensor>* into;
  };
  for (const Keyed& k : {Keyed{"outputs", "index", &step.outputs},
                         Keyed{"tangents", "output", &step.tangents},
                         Keyed{"grads", "input", &step.grads},
                         Keyed{"mutated_after", "input", &step.mutated_after}}) {
    for (const nlohmann::json& entry : doc[k.list]) {
      absl::StatusOr<reference::HostTensor> t =
          reference::ReadNpy(dir + entry["file"].get<std::string>());
      if (!t.ok()) return t.status();
      (*k.into)[entry[k.key].get<int>()] = *std::move(t);
    }
  }
  return step;
}

}  // namespace aotd::testing
