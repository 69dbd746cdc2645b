#include "compiler/passes/functionalize.h"

#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "compiler/ir/rewrite.h"
#include "compiler/ir/verify.h"
#include "compiler/ops/builder.h"
#include "compiler/ops/registry.h"

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
      const ops::OpDef* def = ops::OpRegistry::Global().Find(node.op);
      int mutated = MutatedArgument(def);
      if (mutated >= 0) {
        RETURN_IF_ERROR(Pure(node, *def, mutated));
      } else {
        ir::CopyNode(forward_, node, map_, out_.graph, map_);
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
    if (forward_.value(original).node >= 0) {
      const ops::OpDef* producer =
          ops::OpRegistry::Global().Find(forward_.node(forward_.value(original).node).op);
      if (producer != nullptr && producer->kind == ops::OpKind::kView) {
        return absl::InvalidArgumentError(absl::StrCat(
            ir::DescribeNode(node), ": in-place update of a view is not supported"));
      }
    }
    return absl::OkStatus();
  }

  // native_batch_norm(input, weight, bias, running_mean, running_var,
  // training, momentum, eps): in training, running statistics move toward
  // the batch's: r = (1 - momentum) * r + momentum * batch, the variance
  // unbiased.
  absl::Status UpdateRunningStats(const ir::Node& node) {
    if (!node.args[5].AsBool() || node.args[3].is_none() || node.args[4].is_none()) {
      return absl::OkStatus();
    }
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
};

}  // namespace

absl::StatusOr<FunctionalGraph> Functionalize(const ir::Graph& forward) {
  return Functionalizer(forward).Run();
}

}  // namespace aotd::passes
