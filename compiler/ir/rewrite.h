// Copying nodes between graphs: the building block of passes that rebuild
// a graph rather than edit it in place.
#ifndef AOTD_COMPILER_IR_REWRITE_H_
#define AOTD_COMPILER_IR_REWRITE_H_

#include <vector>

#include "compiler/ir/graph.h"

namespace aotd::ir {

// Maps values of a source graph to values of a destination graph; kUnmapped
// where there is none yet.
class ValueMap {
 public:
  static constexpr ValueId kUnmapped = -1;
  explicit ValueMap(const Graph& from) : to_(from.values().size(), kUnmapped) {}
  ValueId operator[](ValueId v) const { return to_[v]; }
  void Set(ValueId from, ValueId to) { to_[from] = to; }
  bool Has(ValueId v) const { return to_[v] != kUnmapped; }

 private:
  std::vector<ValueId> to_;
};

// `arg` with every value replaced through `map` (which must map them all).
Argument RemapArgument(const Argument& arg, const ValueMap& map);

// Appends a copy of `node` (a node of `from`) to `to`: same op, the same
// name unless `to` already uses it (then a fresh one made from it),
// arguments remapped, same result types; maps its outputs. Returns the new
// node's index.
int CopyNode(const Graph& from, const Node& node, const ValueMap& args_map, Graph& to,
             ValueMap& outputs_map);

// Adds `from`'s inputs to `to` (same names, types, labels) and maps them.
void CopyInputs(const Graph& from, Graph& to, ValueMap& map);

// Calls `f` on every value an argument (or list argument) refers to.
template <typename F>
void ForEachValue(const Argument& arg, F&& f) {
  if (arg.is_value()) {
    f(arg.AsValue());
  } else if (arg.is_list()) {
    for (const Argument& item : arg.AsList()) ForEachValue(item, f);
  }
}

}  // namespace aotd::ir

#endif  // AOTD_COMPILER_IR_REWRITE_H_
