#include "compiler/passes/decompose.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "compiler/ir/rewrite.h"
#include "compiler/ir/verify.h"
#include "compiler/ops/core/builder.h"
#include "compiler/ops/core/registry.h"

namespace aotd::passes {
namespace {

// Decompositions may emit ops that decompose again; no chain is longer.
constexpr int kMaxRounds = 16;

// Same dtype, shape and strides (ignoring dims of size 1): tangents and
// program outputs are laid out by the types autograd saw.
bool SameLayout(const ir::TensorType& a, const ir::TensorType& b) {
  if (a.dtype != b.dtype || a.shape != b.shape) return false;
  for (int d = 0; d < a.Rank(); ++d) {
    if (a.shape[d] > 1 && a.strides[d] != b.strides[d]) return false;
  }
  return true;
}

// One round: each decomposable node replaced by its decomposition.
absl::StatusOr<bool> DecomposeOnce(ir::Graph& graph) {
  ir::Graph out;
  ir::ValueMap map(graph);
  ir::CopyInputs(graph, out, map);
  ops::GraphBuilder b(out);
  bool changed = false;
  for (const ir::Node& node : graph.nodes()) {
    const ops::OpDef* def = ops::OpRegistry::Global().Find(node.op);
    if (def == nullptr || !def->decompose) {
      ir::CopyNode(graph, node, map, out, map);
      continue;
    }
    changed = true;
    ir::Node call = node;
    for (ir::Argument& a : call.args) a = ir::RemapArgument(a, map);
    call.outputs.clear();
    std::vector<ir::ValueId> results = def->decompose(b, call);
    if (!b.ok()) {
      return absl::InternalError(
          absl::StrCat("decompose: ", ir::DescribeNode(node), ": ", b.status().message()));
    }
    if (results.size() != node.outputs.size()) {
      return absl::InternalError(absl::StrCat("decompose: ", ir::DescribeNode(node), " gave ",
                                              results.size(), " results for ",
                                              node.outputs.size()));
    }
    for (size_t k = 0; k < results.size(); ++k) {
      const ir::TensorType& want = graph.type(node.outputs[k]);
      const ir::TensorType got = out.type(results[k]);
      if (!SameLayout(got, want)) {
        return absl::InternalError(absl::StrCat("decompose: ", ir::DescribeNode(node), " result ",
                                                k, " has another dtype, shape or layout"));
      }
      map.Set(node.outputs[k], results[k]);
    }
  }
  if (!changed) return false;
  for (ir::ValueId v : graph.outputs()) out.AddOutput(map[v]);
  graph = std::move(out);
  return true;
}

}  // namespace

absl::StatusOr<bool> Decompose(ir::Graph& graph) {
  bool changed = false;
  for (int round = 0; round < kMaxRounds; ++round) {
    absl::StatusOr<bool> once = DecomposeOnce(graph);
    if (!once.ok()) return once.status();
    if (!*once) return changed;
    changed = true;
  }
  return absl::InternalError("decompose: decompositions do not terminate");
}

}  // namespace aotd::passes
