#include "compiler/passes/functionalize.h"

#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "compiler/ir/rewrite.h"
#include "compiler/ir/verify.h"
#include "compiler/ops/core/builder.h"
#include "compiler/ops/core/lowering.h"
#include "compiler/ops/core/registry.h"

namespace aotd::passes {
namespace {

using ir::Argument;
using ir::ValueId;
using ops::GraphBuilder;

// The pure form of in-place op `def`: its name without the trailing
// underscore ("aten.add_.Tensor" -> "aten.add.Tensor") or, where ATen names
// that overload differently (transpose_.default, transpose.int), the op of
// that base name whose arguments have the same types. "" if there is none.
std::string PureForm(const ops::OpDef& def) {
  const std::string& op = def.schema.name;
  size_t first = op.find('.');
  size_t second = op.find('.', first + 1);
  if (first == std::string::npos || second == std::string::npos || op[second - 1] != '_') return "";
  std::string base = op.substr(0, second - 1);
  std::string same_overload = base + op.substr(second);
  if (ops::OpRegistry::Global().Find(same_overload) != nullptr) return same_overload;
  for (const ops::OpDef* other : ops::OpRegistry::Global().All()) {
    const std::string& name = other->schema.name;
    if (name.compare(0, base.size() + 1, base + ".") != 0) continue;
    if (other->schema.args.size() != def.schema.args.size()) continue;
    bool same = true;
    for (size_t i = 0; i < def.schema.args.size(); ++i) {
      same = same && other->schema.args[i].type == def.schema.args[i].type;
    }
    if (same) return name;
  }
  return "";
}

class Functionalizer {
 public:
  explicit Functionalizer(const ir::Graph& forward)
      : forward_(forward), map_(forward), b_(out_.graph) {}

  absl::StatusOr<FunctionalGraph> Run() {
    ir::CopyInputs(forward_, out_.graph, map_);
    for (const ir::Input& input : forward_.inputs()) input_of_[map_[input.value]] = input.value;
    for (const ir::Node& node : forward_.nodes()) {
      ++current_;
      const ops::OpDef* def = ops::OpRegistry::Global().Find(node.op);
      int mutated = MutatedArgument(def);
      if (mutated >= 0) {
        out_.changed = true;
        RETURN_IF_ERROR(Pure(node, *def, mutated));
      } else {
        Copy(node);
        if (node.op == "aten.native_batch_norm.default") RETURN_IF_ERROR(UpdateRunningStats(node));
      }
      if (!b_.ok()) return b_.status();
    }
    for (ValueId v : forward_.outputs()) out_.graph.AddOutput(map_[v]);
    out_.num_user_outputs = static_cast<int>(forward_.outputs().size());
    for (const auto& [input, value] : write_backs_) {
      out_.graph.AddOutput(value);
      out_.write_back_inputs.push_back(input);
    }
    return std::move(out_);
  }

 private:
  // Copies `node` as it is, or, when an argument now stands for a value of
  // another type (a pure form's result is laid out anew where the in-place
  // op kept its view's strides), with its results' types inferred again.
  void Copy(const ir::Node& node) {
    bool same_types = true;
    for (const Argument& arg : node.args) {
      ir::ForEachValue(arg, [&](ValueId v) {
        same_types = same_types && out_.graph.type(map_[v]) == forward_.type(v);
      });
    }
    if (same_types) {
      ir::CopyNode(forward_, node, map_, out_.graph, map_);
      return;
    }
    std::vector<Argument> args;
    for (const Argument& a : node.args) args.push_back(ir::RemapArgument(a, map_));
    std::vector<ValueId> results = b_.BoundOp(node.op, std::move(args));
    for (size_t i = 0; i < results.size() && i < node.outputs.size(); ++i) {
      map_.Set(node.outputs[i], results[i]);
    }
  }

  static int MutatedArgument(const ops::OpDef* def) {
    if (def == nullptr) return -1;
    for (size_t i = 0; i < def->schema.args.size(); ++i) {
      if (def->schema.args[i].mutated) return static_cast<int>(i);
    }
    return -1;
  }

  // The node's pure form; its mutated argument and its result now both
  // stand for the new value.
  absl::Status Pure(const ir::Node& node, const ops::OpDef& def, int mutated) {
    ValueId target = map_[node.args[mutated].AsValue()];
    ValueId updated;
    if (node.op == "aten.copy_.default") {
      ValueId src = map_[node.args[1].AsValue()];
      const ir::TensorType& t = out_.graph.type(target);
      updated = b_.Expand(b_.Cast(src, t.dtype), t.shape);
      // copy_ keeps self's values only through src: make it a fresh value.
      if (updated == src) updated = b_.Op("aten.clone.default", {GraphBuilder::V(src)});
    } else {
      std::string pure = PureForm(def);
      if (pure.empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat(ir::DescribeNode(node), ": in-place op without a pure form"));
      }
      std::vector<Argument> args;
      for (const Argument& a : node.args) args.push_back(ir::RemapArgument(a, map_));
      std::vector<ValueId> results = b_.BoundOp(pure, std::move(args));
      updated = results.empty() ? GraphBuilder::kNoValue : results[0];
      // In-place ops keep self's dtype (add_ on an int64 with a float fails
      // in PyTorch; the pure form would promote).
      updated = b_.Cast(updated, out_.graph.type(target).dtype);
    }
    if (!b_.ok()) return b_.status();
    if (def.kind == ops::OpKind::kView) {
      // transpose_ changes self's shape and strides, not its data: later
      // uses see the view. A caller's tensor cannot change that way.
      if (input_of_.count(target) > 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            ir::DescribeNode(node), ": in-place change of a graph input's shape is not supported"));
      }
      map_.Set(node.args[mutated].AsValue(), updated);
    } else {
      RETURN_IF_ERROR(Assign(node, node.args[mutated].AsValue(), updated));
    }
    for (ValueId v : node.outputs) map_.Set(v, updated);
    return absl::OkStatus();
  }

  // Records that forward value `original` now holds `updated`.
  absl::Status Assign(const ir::Node& node, ValueId original, ValueId updated) {
    ValueId current = map_[original];
    map_.Set(original, updated);
    auto input = input_of_.find(current);
    if (input != input_of_.end()) {
      int index = forward_.value(input->second).index;
      write_backs_[index] = updated;
      input_of_[updated] = input->second;
      return absl::OkStatus();
    }
    std::vector<ValueId> chain = ViewChain(original);
    if (chain.size() > 1 && !MutationStaysInView(chain)) {
      return absl::InvalidArgumentError(absl::StrCat(
          ir::DescribeNode(node),
          ": in-place update of a view whose base (or an overlapping view) is read later, "
          "or of a view of a graph input, is not supported"));
    }
    return absl::OkStatus();
  }

  // The views from a value that is not a view to `v`: root first, `v` last.
  std::vector<ValueId> ViewChain(ValueId v) const {
    std::vector<ValueId> chain = {v};
    for (;;) {
      int n = forward_.value(chain.back()).node;
      if (n < 0) break;
      const ir::Node& producer = forward_.node(n);
      if (!ops::IsAliasingView(forward_, producer)) break;
      chain.push_back(producer.args[0].AsValue());
    }
    return std::vector<ValueId>(chain.rbegin(), chain.rend());
  }

  // Whether the current node's in-place update of the view at the end of
  // `mutated` (a ViewChain) is seen by nothing but that view: the root is
  // no graph input, and no later node or graph output reads the root or a
  // view that may overlap the mutated one. Views taken from the mutated
  // view afterwards see the new value (they are built from it); different
  // pieces of one split or unbind do not overlap.
  bool MutationStaysInView(const std::vector<ValueId>& mutated) const {
    if (forward_.value(mutated[0]).node < 0) return false;
    auto safe = [&](ValueId read) {
      std::vector<ValueId> chain = ViewChain(read);
      if (chain[0] != mutated[0] || read == mutated.back()) return true;
      size_t i = 0;
      while (i < chain.size() && i < mutated.size() && chain[i] == mutated[i]) ++i;
      if (i == mutated.size()) return forward_.value(chain[i]).node > current_;
      if (i == chain.size()) return false;  // An ancestor of the mutated view.
      const ir::Value& a = forward_.value(chain[i]);
      const ir::Value& b = forward_.value(mutated[i]);
      return a.node == b.node && a.index != b.index && SplitsIntoPieces(forward_.node(a.node).op);
    };
    bool unseen = true;
    for (int n = current_ + 1; n < static_cast<int>(forward_.nodes().size()); ++n) {
      for (const Argument& arg : forward_.node(n).args) {
        ir::ForEachValue(arg, [&](ValueId v) { unseen = unseen && safe(v); });
      }
    }
    if (!unseen) return false;
    for (ValueId v : forward_.outputs()) {
      if (!safe(v)) return false;
    }
    return true;
  }

  static bool SplitsIntoPieces(const std::string& op) {
    return op == "aten.split.Tensor" || op == "aten.split_with_sizes.default" ||
           op == "aten.unsafe_split.Tensor" || op == "aten.unbind.int";
  }

  // native_batch_norm(input, weight, bias, running_mean, running_var,
  // training, momentum, eps): in training, running statistics move toward
  // the batch's: r = (1 - momentum) * r + momentum * batch, the variance
  // unbiased.
  absl::Status UpdateRunningStats(const ir::Node& node) {
    if (!node.args[5].AsBool() || node.args[3].is_none() || node.args[4].is_none()) {
      return absl::OkStatus();
    }
    out_.changed = true;
    double momentum = node.args[6].AsFloat();
    ValueId x = map_[node.args[0].AsValue()];
    ValueId mean = map_[node.outputs[1]];
    int rank = out_.graph.type(x).Rank();
    ir::Dims dims = {0};
    for (int d = 2; d < rank; ++d) dims.push_back(d);
    ValueId var = b_.Op("aten.var.correction", {GraphBuilder::V(x), Argument::IntList(dims)},
                        {{"correction", Argument::Int(1)}});
    for (auto [arg, batch] : {std::pair<int, ValueId>{3, mean}, {4, var}}) {
      ValueId running = map_[node.args[arg].AsValue()];
      ir::DType dtype = out_.graph.type(running).dtype;
      ValueId next = b_.Add(b_.MulScalar(running, 1 - momentum),
                            b_.MulScalar(b_.Cast(batch, dtype), momentum));
      next = b_.Cast(next, dtype);
      if (!b_.ok()) return b_.status();
      RETURN_IF_ERROR(Assign(node, node.args[arg].AsValue(), next));
    }
    return absl::OkStatus();
  }

  const ir::Graph& forward_;
  FunctionalGraph out_;
  ir::ValueMap map_;
  GraphBuilder b_;
  std::map<ValueId, ValueId> input_of_;  // Current value -> forward input value.
  std::map<int, ValueId> write_backs_;   // Input index -> final value.
  int current_ = -1;  // Index of the forward node being copied.
};

}  // namespace

absl::StatusOr<FunctionalGraph> Functionalize(const ir::Graph& forward) {
  return Functionalizer(forward).Run();
}

}  // namespace aotd::passes
