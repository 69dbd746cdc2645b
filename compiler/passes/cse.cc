#include "compiler/passes/cse.h"

#include <cstring>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "compiler/ir/rewrite.h"
#include "compiler/ops/core/registry.h"

namespace aotd::passes {
namespace {

// An exact encoding of an argument over the destination graph's values.
void AppendKey(const ir::Argument& a, std::string& key) {
  absl::StrAppend(&key, static_cast<int>(a.kind()), ":");
  switch (a.kind()) {
    case ir::Argument::Kind::kFloat: {
      double v = a.AsFloat();
      uint64_t bits;
      std::memcpy(&bits, &v, sizeof bits);
      absl::StrAppend(&key, bits);
      break;
    }
    case ir::Argument::Kind::kString:
    case ir::Argument::Kind::kDevice:
    case ir::Argument::Kind::kLayout:
    case ir::Argument::Kind::kMemoryFormat:
      absl::StrAppend(&key, a.AsString().size(), "'", a.AsString());
      break;
    case ir::Argument::Kind::kList:
      absl::StrAppend(&key, "[");
      for (const ir::Argument& item : a.AsList()) AppendKey(item, key);
      absl::StrAppend(&key, "]");
      break;
    case ir::Argument::Kind::kNone:
      break;
    default:
      absl::StrAppend(&key, a.AsInt());
  }
  key += ',';
}

}  // namespace

bool EliminateCommonSubexpressions(ir::Graph& graph) {
  ir::Graph out;
  ir::ValueMap map(graph);
  ir::CopyInputs(graph, out, map);
  absl::flat_hash_map<std::string, int> seen;  // Key -> node index in `out`.
  bool merged = false;
  for (const ir::Node& node : graph.nodes()) {
    const ops::OpDef* def = ops::OpRegistry::Global().Find(node.op);
    if (def != nullptr && def->random) {
      ir::CopyNode(graph, node, map, out, map);
      continue;
    }
    std::string key = node.op + "(";
    for (const ir::Argument& a : node.args) AppendKey(ir::RemapArgument(a, map), key);
    auto it = seen.find(key);
    if (it != seen.end()) {
      const ir::Node& earlier = out.node(it->second);
      for (size_t i = 0; i < node.outputs.size(); ++i) map.Set(node.outputs[i], earlier.outputs[i]);
      merged = true;
      continue;
    }
    seen.emplace(std::move(key), ir::CopyNode(graph, node, map, out, map));
  }
  if (!merged) return false;
  for (ir::ValueId v : graph.outputs()) out.AddOutput(map[v]);
  graph = std::move(out);
  return true;
}

}  // namespace aotd::passes
