#include "compiler/ir/verify.h"

#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"

namespace aotd::ir {
namespace {

absl::Status CheckArgument(const Graph& graph, const Node& node, const Argument& arg,
                           const std::vector<bool>& defined, int position) {
  if (arg.is_list()) {
    for (const Argument& item : arg.AsList()) {
      RETURN_IF_ERROR(CheckArgument(graph, node, item, defined, position));
    }
    return absl::OkStatus();
  }
  if (!arg.is_value()) return absl::OkStatus();
  ValueId v = arg.AsValue();
  if (!graph.IsValidValue(v)) {
    return absl::InvalidArgumentError(absl::StrCat(
        DescribeNode(node), ": argument ", position, " refers to no value"));
  }
  if (!defined[v]) {
    return absl::InvalidArgumentError(
        absl::StrCat(DescribeNode(node), ": argument ", position, " uses %",
                     graph.ValueName(v), " before it is defined (a cycle or a forward reference)"));
  }
  return absl::OkStatus();
}

}  // namespace

std::string DescribeNode(const Node& node) {
  return absl::StrCat("node '", node.name, "' (", node.op, ")");
}

absl::Status VerifyTensorType(const TensorType& type, const std::string& what) {
  if (type.Rank() > kMaxRank) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": rank ", type.Rank(), " exceeds the limit of ", kMaxRank));
  }
  if (type.strides.size() != type.shape.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, ": ", type.strides.size(), " strides for shape [",
        absl::StrJoin(type.shape, ","), "] of rank ", type.Rank()));
  }
  int64_t elements = 1, extent = 1;
  bool empty = false;
  for (int i = 0; i < type.Rank(); ++i) {
    int64_t d = type.shape[i], s = type.strides[i];
    if (d < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          what, ": negative dimension ", d, " in shape [", absl::StrJoin(type.shape, ","), "]"));
    }
    if (s < 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          what, ": negative stride ", s, " in strides [", absl::StrJoin(type.strides, ","), "]"));
    }
    if (d == 0) empty = true;
    if (d > 0 && elements > kMaxElements / d) elements = kMaxElements + 1;
    else elements *= (d > 0 ? d : 1);
    if (d > 1 && s > 0) {
      if (s > kMaxElements / (d - 1)) extent = kMaxElements + 1;
      else extent += s * (d - 1);
    }
    if (extent > kMaxElements) break;
  }
  if (!empty && (elements > kMaxElements || extent > kMaxElements)) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, ": shape [", absl::StrJoin(type.shape, ","), "] with strides [",
        absl::StrJoin(type.strides, ","), "] exceeds the limit of 2^48 elements"));
  }
  return absl::OkStatus();
}

absl::Status VerifyGraph(const Graph& graph) {
  if (graph.nodes().empty() && graph.inputs().empty()) {
    return absl::InvalidArgumentError("empty graph: no inputs and no nodes");
  }
  if (graph.outputs().empty()) {
    return absl::InvalidArgumentError("graph has no outputs");
  }
  absl::flat_hash_set<std::string> names;
  std::vector<bool> defined(graph.values().size(), false);
  for (const Input& input : graph.inputs()) {
    if (input.name.empty()) return absl::InvalidArgumentError("an input has an empty name");
    if (!names.insert(input.name).second) {
      return absl::InvalidArgumentError(absl::StrCat("duplicate name '", input.name, "'"));
    }
    RETURN_IF_ERROR(VerifyTensorType(graph.type(input.value),
                                     absl::StrCat("input '", input.name, "'")));
    defined[input.value] = true;
  }
  for (const Node& node : graph.nodes()) {
    if (node.name.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("a node of ", node.op, " has an empty name"));
    }
    if (!names.insert(node.name).second) {
      return absl::InvalidArgumentError(absl::StrCat("duplicate name '", node.name, "'"));
    }
    if (node.op.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("node '", node.name, "' has no op"));
    }
    for (size_t i = 0; i < node.args.size(); ++i) {
      RETURN_IF_ERROR(CheckArgument(graph, node, node.args[i], defined, static_cast<int>(i)));
    }
    for (size_t i = 0; i < node.outputs.size(); ++i) {
      RETURN_IF_ERROR(VerifyTensorType(graph.type(node.outputs[i]),
                                       absl::StrCat(DescribeNode(node), " output ", i)));
      defined[node.outputs[i]] = true;
    }
  }
  for (size_t i = 0; i < graph.outputs().size(); ++i) {
    ValueId v = graph.outputs()[i];
    if (!graph.IsValidValue(v) || !defined[v]) {
      return absl::InvalidArgumentError(absl::StrCat("graph output ", i, " refers to no value"));
    }
  }
  return absl::OkStatus();
}

}  // namespace aotd::ir
