#include "compiler/frontend/load.h"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "compiler/frontend/fx_json.h"
#include "compiler/frontend/proto_convert.h"

namespace aotd::frontend {

absl::StatusOr<proto::Graph> ParseGraphBytes(absl::string_view bytes) {
  size_t first = 0;
  while (first < bytes.size() && std::isspace(static_cast<unsigned char>(bytes[first]))) ++first;
  if (first < bytes.size() && bytes[first] == '{') return FxJsonToProto(bytes);
  proto::Graph graph;
  if (bytes.empty() || !graph.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::InvalidArgumentError(
        "neither an aten-fx-json document nor a serialized aotd.proto.Graph "
        "(empty, truncated or garbage bytes)");
  }
  return graph;
}

absl::StatusOr<ir::Graph> LoadGraph(absl::string_view bytes) {
  ASSIGN_OR_RETURN(proto::Graph graph, ParseGraphBytes(bytes));
  return GraphFromProto(graph);
}

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat(path, ": ", std::strerror(errno)));
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  if (in.bad()) return absl::UnavailableError(absl::StrCat(path, ": read failed"));
  return contents.str();
}

absl::StatusOr<ir::Graph> LoadGraphFile(const std::string& given) {
  // A workload folder stands for the forward.json in it.
  std::error_code error;
  const std::string path = std::filesystem::is_directory(given, error)
                               ? (std::filesystem::path(given) / "forward.json").string()
                               : given;
  ASSIGN_OR_RETURN(std::string bytes, ReadFile(path));
  absl::StatusOr<ir::Graph> graph = LoadGraph(bytes);
  if (!graph.ok()) {
    return absl::Status(graph.status().code(),
                        absl::StrCat(path, ": ", graph.status().message()));
  }
  return graph;
}

}  // namespace aotd::frontend
