#include "compiler/passes/dce.h"

#include <vector>

#include "compiler/ir/rewrite.h"

namespace aotd::passes {

bool EliminateDeadCode(ir::Graph& graph) {
  std::vector<bool> live_value(graph.values().size(), false);
  for (ir::ValueId v : graph.outputs()) live_value[v] = true;
  std::vector<bool> live_node(graph.nodes().size(), false);
  bool removed = false;
  for (int i = static_cast<int>(graph.nodes().size()) - 1; i >= 0; --i) {
    const ir::Node& node = graph.node(i);
    for (ir::ValueId v : node.outputs) live_node[i] = live_node[i] || live_value[v];
    if (!live_node[i]) {
      removed = true;
      continue;
    }
    for (const ir::Argument& a : node.args) {
      ir::ForEachValue(a, [&](ir::ValueId v) { live_value[v] = true; });
    }
  }
  if (!removed) return false;
  ir::Graph out;
  ir::ValueMap map(graph);
  ir::CopyInputs(graph, out, map);
  for (size_t i = 0; i < graph.nodes().size(); ++i) {
    if (live_node[i]) ir::CopyNode(graph, graph.node(i), map, out, map);
  }
  for (ir::ValueId v : graph.outputs()) out.AddOutput(map[v]);
  graph = std::move(out);
  return true;
}

}  // namespace aotd::passes
