#include "compiler/ops/core/verify.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "compiler/ir/verify.h"
#include "compiler/ops/core/infer.h"
#include "compiler/ops/core/registry.h"
#include "compiler/ops/core/schema.h"

namespace aotd::ops {

absl::Status VerifyNodes(const ir::Graph& graph) {
  RETURN_IF_ERROR(ir::VerifyGraph(graph));
  for (const ir::Node& node : graph.nodes()) {
    const OpDef* op = OpRegistry::Global().Find(node.op);
    if (op == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(ir::DescribeNode(node), ": unknown op '", node.op, "'"));
    }
    absl::Status s = CheckBoundArguments(op->schema, node.args);
    size_t count = node.outputs.size();
    if (s.ok() && (op->schema.returns_list ? count == 0 : count != op->schema.returns.size())) {
      s = absl::InvalidArgumentError(absl::StrCat("has ", count, " results, expected ",
                                                  op->schema.returns.size()));
    }
    if (!s.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(ir::DescribeNode(node), ": ", s.message()));
    }
    RETURN_IF_ERROR(CheckNodeTypes(graph, node));
  }
  return absl::OkStatus();
}

}  // namespace aotd::ops
