#include "compiler/ir/rewrite.h"

namespace aotd::ir {

Argument RemapArgument(const Argument& arg, const ValueMap& map) {
  if (arg.is_value()) return Argument::Value(map[arg.AsValue()]);
  if (!arg.is_list()) return arg;
  std::vector<Argument> items;
  items.reserve(arg.AsList().size());
  for (const Argument& item : arg.AsList()) items.push_back(RemapArgument(item, map));
  return Argument::List(std::move(items));
}

int CopyNode(const Graph& from, const Node& node, const ValueMap& args_map, Graph& to,
             ValueMap& outputs_map) {
  std::vector<Argument> args;
  args.reserve(node.args.size());
  for (const Argument& a : node.args) args.push_back(RemapArgument(a, args_map));
  std::vector<TensorType> types;
  for (ValueId v : node.outputs) types.push_back(from.type(v));
  int index = to.AddNode(to.FreshName(node.name), node.op, std::move(args), std::move(types));
  for (size_t i = 0; i < node.outputs.size(); ++i) {
    outputs_map.Set(node.outputs[i], to.node(index).outputs[i]);
  }
  return index;
}

void CopyInputs(const Graph& from, Graph& to, ValueMap& map) {
  for (const Input& input : from.inputs()) {
    map.Set(input.value,
            to.AddInput(input.name, from.type(input.value), input.requires_grad, input.label));
  }
}

}  // namespace aotd::ir
