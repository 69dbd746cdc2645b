#include "tools/graph_commands.h"

#include "absl/strings/str_cat.h"
#include "common/graph_key.h"
#include "common/status_macros.h"
#include "compiler/frontend/load.h"
#include "compiler/frontend/proto_convert.h"
#include "compiler/ir/text.h"

namespace aotd::tools {
namespace {

absl::StatusOr<std::string> KeyHex(const ir::Graph& graph) {
  ASSIGN_OR_RETURN(Sha256Digest key, GraphKey(frontend::GraphToProto(graph)));
  return ToHex(key);
}

}  // namespace

absl::Status GraphCheck(const std::vector<std::string>& files, std::ostream& out) {
  int failed = 0;
  for (const std::string& file : files) {
    absl::StatusOr<ir::Graph> graph = frontend::LoadGraphFile(file);
    absl::StatusOr<std::string> key =
        graph.ok() ? KeyHex(*graph) : absl::StatusOr<std::string>(graph.status());
    if (key.ok()) {
      out << "OK   " << file << " (" << graph->nodes().size() << " nodes, key "
          << key->substr(0, 16) << ")\n";
    } else {
      ++failed;
      out << "FAIL " << key.status().message() << "\n";
    }
  }
  if (failed > 0) {
    return absl::InvalidArgumentError(absl::StrCat(failed, " of ", files.size(), " graphs failed"));
  }
  return absl::OkStatus();
}

absl::Status GraphPrint(const std::string& file, std::ostream& out) {
  ASSIGN_OR_RETURN(ir::Graph graph, frontend::LoadGraphFile(file));
  out << ir::PrintGraph(graph);
  return absl::OkStatus();
}

absl::Status GraphKeyCommand(const std::string& file, std::ostream& out) {
  ASSIGN_OR_RETURN(ir::Graph graph, frontend::LoadGraphFile(file));
  ASSIGN_OR_RETURN(std::string key, KeyHex(graph));
  out << key << "\n";
  return absl::OkStatus();
}

}  // namespace aotd::tools
