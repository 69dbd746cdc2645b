#include "compiler/partition/partition.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <functional>
#include <numeric>

#include "absl/strings/str_cat.h"
#include "boost/graph/adjacency_list.hpp"
#include "boost/graph/boykov_kolmogorov_max_flow.hpp"
#include "common/status_macros.h"
#include "compiler/ir/rewrite.h"
#include "compiler/ops/core/op_def.h"
#include "compiler/ops/core/lowering.h"
#include "compiler/ops/core/registry.h"
#include "compiler/partition/cost.h"

namespace aotd::partition {
namespace {

using ir::ValueId;

// What the partitioner knows about the joint graph's values.
class JointAnalysis {
 public:
  JointAnalysis(const pipeline::Traced& traced)
      : traced_(traced), g_(traced.joint.graph), n_(g_.values().size()) {
    const passes::JointGraph& joint = traced.joint;
    users_.resize(n_);
    for (size_t i = 0; i < g_.nodes().size(); ++i) {
      for (const ir::Argument& a : g_.node(i).args) {
        ir::ForEachValue(a, [&](ValueId v) {
          if (users_[v].empty() || users_[v].back() != static_cast<int>(i)) users_[v].push_back(i);
        });
      }
    }
    // Values that depend on a tangent must be computed by the backward.
    depends_on_tangent_.assign(n_, false);
    for (size_t i = joint.num_primals; i < g_.inputs().size(); ++i) {
      depends_on_tangent_[g_.inputs()[i].value] = true;
    }
    for (const ir::Node& node : g_.nodes()) {
      bool any = false;
      for (const ir::Argument& a : node.args) {
        ir::ForEachValue(a, [&](ValueId v) { any = any || depends_on_tangent_[v]; });
      }
      for (ValueId v : node.outputs) depends_on_tangent_[v] = any;
    }
    // Values the forward outputs need (computed from primals alone).
    forward_required_.assign(n_, false);
    std::vector<ValueId> stack;
    for (int i = 0; i < joint.num_forward_outputs; ++i) stack.push_back(g_.outputs()[i]);
    while (!stack.empty()) {
      ValueId v = stack.back();
      stack.pop_back();
      if (forward_required_[v]) continue;
      forward_required_[v] = true;
      int node = g_.value(v).node;
      if (node < 0) continue;
      for (ValueId out : g_.node(node).outputs) forward_required_[out] = true;
      for (const ir::Argument& a : g_.node(node).args) {
        ir::ForEachValue(a, [&](ValueId u) { stack.push_back(u); });
      }
    }
    // Storage bases: a view's base is its input's base.
    base_ = ops::StorageBases(g_);
    // Distance (in nodes) from a forward value to the nearest backward use.
    dist_from_bw_.assign(n_, 0);
    for (int i = static_cast<int>(g_.nodes().size()) - 1; i >= 0; --i) {
      for (ValueId v : g_.node(i).outputs) dist_from_bw_[v] = Distance(v);
    }
    for (const ir::Input& in : g_.inputs()) dist_from_bw_[in.value] = Distance(in.value);
  }

  const ir::Graph& graph() const { return g_; }
  const pipeline::Traced& traced() const { return traced_; }
  const std::vector<int>& users(ValueId v) const { return users_[v]; }
  bool is_primal(ValueId v) const {
    return g_.value(v).node < 0 && g_.value(v).index < traced_.joint.num_primals;
  }
  bool is_tangent(ValueId v) const { return g_.value(v).node < 0 && !is_primal(v); }
  bool depends_on_tangent(ValueId v) const { return depends_on_tangent_[v]; }
  bool forward_required(ValueId v) const { return forward_required_[v]; }
  ValueId base(ValueId v) const { return base_[v]; }
  // Not a graph input or a view of one: saving it costs new memory.
  bool new_storage(ValueId v) const { return !is_primal(base_[v]); }
  int dist_from_bw(ValueId v) const { return dist_from_bw_[v]; }
  // Whether the forward writes v to memory anyway: its producer or one of
  // its users cannot fuse with it.
  bool materialized(ValueId v) const {
    const ir::Node* p = producer(v);
    if (p == nullptr || !IsFusible(*p)) return true;
    for (int u : users_[v]) {
      if (!IsFusible(g_.node(u))) return true;
    }
    return false;
  }
  static bool IsFusible(const ir::Node& node) {
    ops::OpKind kind = ops::OpRegistry::Global().Find(node.op)->kind;
    return kind != ops::OpKind::kMatmul && kind != ops::OpKind::kOther;
  }
  const ir::Node* producer(ValueId v) const {
    int n = g_.value(v).node;
    return n < 0 ? nullptr : &g_.node(n);
  }
  // A node that is part of the backward: it uses a tangent, or nothing the
  // forward outputs need.
  bool is_backward_node(int node) const {
    ValueId out = g_.node(node).outputs[0];
    return depends_on_tangent_[out] || !forward_required_[out];
  }

 private:
  int Distance(ValueId v) const {
    int best = 1 << 20;
    for (int u : users_[v]) {
      if (is_backward_node(u)) return 1;
      for (ValueId out : g_.node(u).outputs) best = std::min(best, dist_from_bw_[out] + 1);
    }
    return best;
  }

  const pipeline::Traced& traced_;
  const ir::Graph& g_;
  size_t n_;
  std::vector<std::vector<int>> users_;
  std::vector<bool> depends_on_tangent_, forward_required_;
  std::vector<ValueId> base_;
  std::vector<int> dist_from_bw_;
};

// Why a forward value may not be recomputed in the backward, or "" if it may.
std::string WhyNotRecomputable(const JointAnalysis& a, ValueId v) {
  const ir::Node* node = a.producer(v);
  if (node == nullptr) return "";
  const ops::OpDef* def = ops::OpRegistry::Global().Find(node->op);
  if (def->random) {
    return absl::StrCat(node->op, " is random: recomputing it would draw other values");
  }
  switch (def->kind) {
    case ops::OpKind::kMatmul:
      return absl::StrCat(node->op, " is compute-heavy: never recomputed");
    case ops::OpKind::kOther:
      return absl::StrCat(node->op, " is not a cheap fusible op: not recomputed");
    case ops::OpKind::kReduction: {
      int64_t in_bytes = 0;
      for (const ir::Argument& arg : node->args) {
        ir::ForEachValue(arg, [&](ValueId u) { in_bytes += a.graph().type(u).ByteSize(); });
      }
      int64_t out_bytes = a.graph().type(v).ByteSize();
      if (out_bytes * 4 <= in_bytes) {
        return absl::StrCat(node->op, " shrinks its input ", in_bytes / std::max<int64_t>(out_bytes, 1),
                            "x: saving it is cheaper than recomputing");
      }
      return "";
    }
    default:
      return "";
  }
}

// A set of saved values and why each is saved.
struct Cut {
  std::vector<ValueId> saved;
  std::vector<std::string> reasons;
};

// Default strategy: every forward value a backward node uses.
Cut DefaultCut(const JointAnalysis& a) {
  const ir::Graph& g = a.graph();
  Cut cut;
  std::vector<bool> taken(g.values().size(), false);
  auto save = [&](ValueId v, std::string reason) {
    if (taken[v]) return;
    taken[v] = true;
    cut.saved.push_back(v);
    cut.reasons.push_back(std::move(reason));
  };
  for (size_t i = 0; i < g.nodes().size(); ++i) {
    const ir::Node& node = g.node(i);
    if (!a.is_backward_node(i)) continue;
    for (const ir::Argument& arg : node.args) {
      ir::ForEachValue(arg, [&](ValueId v) {
        if (!a.depends_on_tangent(v) && (a.forward_required(v) || a.is_primal(v))) {
          save(v, absl::StrCat("used by backward node '", node.name, "' (", node.op, ")"));
        }
      });
    }
  }
  // Gradients that are forward values themselves.
  const passes::JointGraph& joint = a.traced().joint;
  for (size_t k = joint.num_forward_outputs; k < g.outputs().size(); ++k) {
    ValueId v = g.outputs()[k];
    if (!a.depends_on_tangent(v) && (a.forward_required(v) || a.is_primal(v))) {
      save(v, "is a gradient output");
    }
  }
  return cut;
}

// Min-cut strategy. `banned[v]`: v may not be recomputed (tied to the
// source). With `weigh_recompute`, recomputing a value also costs its
// RecomputeBytes (an edge from the source that the cut crosses when the
// backward recomputes it); without, only saved bytes count.
Cut MinCut(const JointAnalysis& a, const std::vector<std::string>& banned, bool weigh_recompute) {
  using Traits = boost::adjacency_list_traits<boost::vecS, boost::vecS, boost::directedS>;
  using FlowGraph = boost::adjacency_list<
      boost::vecS, boost::vecS, boost::directedS,
      boost::property<boost::vertex_index_t, long,
                      boost::property<boost::vertex_color_t, boost::default_color_type,
                                      boost::property<boost::vertex_distance_t, long,
                                                      boost::property<boost::vertex_predecessor_t,
                                                                      Traits::edge_descriptor>>>>,
      boost::property<boost::edge_capacity_t, int64_t,
                      boost::property<boost::edge_residual_capacity_t, int64_t,
                                      boost::property<boost::edge_reverse_t, Traits::edge_descriptor>>>>;
  constexpr int64_t kInf = int64_t{1} << 55;

  const ir::Graph& g = a.graph();
  const size_t n = g.values().size();
  // Vertex 2v is v_in, 2v+1 is v_out; then source and sink.
  FlowGraph flow(2 * n + 2);
  const auto source = boost::vertex(2 * n, flow), sink = boost::vertex(2 * n + 1, flow);
  auto capacity = boost::get(boost::edge_capacity, flow);
  auto reverse = boost::get(boost::edge_reverse, flow);
  auto residual = boost::get(boost::edge_residual_capacity, flow);
  auto add_edge = [&](size_t from, size_t to, int64_t cap) {
    auto e = boost::add_edge(from, to, flow).first;
    auto r = boost::add_edge(to, from, flow).first;
    capacity[e] = cap;
    capacity[r] = 0;
    reverse[e] = r;
    reverse[r] = e;
  };
  auto in = [](ValueId v) { return 2 * static_cast<size_t>(v); };
  auto out = [](ValueId v) { return 2 * static_cast<size_t>(v) + 1; };

  for (size_t v = 0; v < n; ++v) {
    ValueId id = static_cast<ValueId>(v);
    bool backward_only = a.depends_on_tangent(id) || (!a.forward_required(id) && !a.is_primal(id));
    if (a.is_tangent(id)) continue;
    if (a.is_primal(id) || !banned[v].empty()) {
      add_edge(source, in(id), kInf);
    } else if (weigh_recompute && !backward_only) {
      const double recompute = RecomputeBytes(g, *a.producer(id));
      if (recompute > 0) add_edge(source, in(id), static_cast<int64_t>(recompute));
    }
    if (backward_only) {
      add_edge(in(id), sink, kInf);
      continue;
    }
    // Saving a value costs its storage; inputs and views of them are free.
    // Values closer to the backward are cheaper to save; a value the
    // forward would fuse away (never written to memory) costs twice.
    int64_t weight = 0;
    if (a.new_storage(id)) {
      double bytes = static_cast<double>(g.type(a.base(id)).ByteSize());
      bytes *= std::pow(1.1, std::clamp(a.dist_from_bw(id), 1, 100));
      if (!a.materialized(id)) bytes *= 2;
      weight = std::max<int64_t>(static_cast<int64_t>(bytes), 1);
    }
    add_edge(in(id), out(id), weight);
    for (int u : a.users(id)) {
      for (ValueId o : g.node(u).outputs) add_edge(out(id), in(o), kInf);
    }
  }
  // Gradient outputs must come out of the backward.
  const passes::JointGraph& joint = a.traced().joint;
  for (size_t k = joint.num_forward_outputs; k < g.outputs().size(); ++k) {
    add_edge(out(g.outputs()[k]), sink, kInf);
  }
  boost::boykov_kolmogorov_max_flow(flow, source, sink);

  // The source side of the minimum cut: reachable in the residual graph.
  std::vector<bool> reachable(2 * n + 2, false);
  std::deque<size_t> queue = {source};
  reachable[source] = true;
  while (!queue.empty()) {
    size_t u = queue.front();
    queue.pop_front();
    for (auto [e, end] = boost::out_edges(u, flow); e != end; ++e) {
      size_t t = boost::target(*e, flow);
      if (!reachable[t] && residual[*e] > 0) {
        reachable[t] = true;
        queue.push_back(t);
      }
    }
  }
  Cut cut;
  for (size_t v = 0; v < n; ++v) {
    ValueId id = static_cast<ValueId>(v);
    if (!reachable[in(id)] || reachable[out(id)] || a.is_tangent(id)) continue;
    bool backward_only = a.depends_on_tangent(id) || (!a.forward_required(id) && !a.is_primal(id));
    if (backward_only) continue;
    cut.saved.push_back(id);
    if (a.is_primal(id)) {
      cut.reasons.push_back("graph input: saving it costs no new memory");
    } else if (!a.new_storage(id)) {
      cut.reasons.push_back("view of a graph input: saving it costs no new memory");
    } else if (!banned[v].empty()) {
      cut.reasons.push_back(banned[v]);
    } else if (weigh_recompute && RecomputeBytes(g, *a.producer(id)) > 0) {
      cut.reasons.push_back(absl::StrCat("minimum cut: ", a.producer(id)->op,
                                         " evaluates a transcendental function: saving it costs "
                                         "less than recomputing it"));
    } else {
      cut.reasons.push_back("minimum cut: cheaper to save than what recomputing it would keep alive");
    }
  }
  return cut;
}

// Replaces saved views by their bases ("saving a view saves its base"); the
// backward recomputes the view. Views of tangents never occur here.
void SaveBasesOfViews(const JointAnalysis& a, Cut& cut) {
  Cut out;
  std::vector<bool> taken(a.graph().values().size(), false);
  for (size_t i = 0; i < cut.saved.size(); ++i) {
    ValueId v = cut.saved[i];
    ValueId base = a.base(v);
    ValueId keep = a.depends_on_tangent(base) ? v : base;
    if (taken[keep]) continue;
    taken[keep] = true;
    out.saved.push_back(keep);
    out.reasons.push_back(keep == v ? cut.reasons[i]
                                    : absl::StrCat("base of saved view '", a.graph().ValueName(v),
                                                   "': ", cut.reasons[i]));
  }
  cut = std::move(out);
}

// Builds both programs from a cut.
absl::StatusOr<Partitioned> Extract(const JointAnalysis& a, Cut cut) {
  const ir::Graph& g = a.graph();
  const pipeline::Traced& traced = a.traced();
  const passes::JointGraph& joint = traced.joint;
  // Which nodes each program needs: ancestors of its outputs, stopping at
  // its inputs.
  auto needed_nodes = [&](const std::vector<ValueId>& outputs, const std::vector<bool>& given) {
    std::vector<bool> need(g.nodes().size(), false), seen(g.values().size(), false);
    std::vector<ValueId> stack(outputs.begin(), outputs.end());
    while (!stack.empty()) {
      ValueId v = stack.back();
      stack.pop_back();
      if (seen[v] || given[v]) continue;
      seen[v] = true;
      int node = g.value(v).node;
      if (node < 0) continue;
      need[node] = true;
      for (const ir::Argument& arg : g.node(node).args) {
        ir::ForEachValue(arg, [&](ValueId u) { stack.push_back(u); });
      }
    }
    return need;
  };

  // Keep the saved values the backward really reads (a cut may cross
  // zero-cost edges it does not need), in definition order.
  std::vector<ValueId> bwd_outputs(g.outputs().begin() + joint.num_forward_outputs,
                                   g.outputs().end());
  {
    std::vector<bool> given(g.values().size(), false), read(g.values().size(), false);
    for (ValueId v : cut.saved) given[v] = true;
    for (size_t i = joint.num_primals; i < g.inputs().size(); ++i) given[g.inputs()[i].value] = true;
    std::vector<bool> need = needed_nodes(bwd_outputs, given);
    for (size_t i = 0; i < g.nodes().size(); ++i) {
      if (!need[i]) continue;
      for (const ir::Argument& arg : g.node(i).args) {
        ir::ForEachValue(arg, [&](ValueId u) { read[u] = true; });
      }
    }
    for (ValueId v : bwd_outputs) read[v] = true;
    std::vector<size_t> order(cut.saved.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(),
              [&](size_t x, size_t y) { return cut.saved[x] < cut.saved[y]; });
    Cut kept;
    for (size_t i : order) {
      if (!read[cut.saved[i]]) continue;
      kept.saved.push_back(cut.saved[i]);
      kept.reasons.push_back(cut.reasons[i]);
    }
    cut = std::move(kept);
  }
  Partitioned p;
  p.num_user_outputs = traced.num_user_outputs;
  p.write_back_inputs = traced.write_back_inputs;
  p.tangent_outputs = joint.tangent_outputs;
  p.grad_inputs = joint.grad_inputs;
  p.num_saved = static_cast<int>(cut.saved.size());

  // Forward: primals -> forward outputs, saved values.
  {
    ir::ValueMap map(g);
    for (int i = 0; i < joint.num_primals; ++i) {
      const ir::Input& in = g.inputs()[i];
      map.Set(in.value, p.forward.AddInput(in.name, g.type(in.value), in.requires_grad, in.label));
    }
    std::vector<ValueId> outputs(g.outputs().begin(), g.outputs().begin() + joint.num_forward_outputs);
    outputs.insert(outputs.end(), cut.saved.begin(), cut.saved.end());
    std::vector<bool> given(g.values().size(), false);
    std::vector<bool> need = needed_nodes(outputs, given);
    for (size_t i = 0; i < g.nodes().size(); ++i) {
      if (!need[i]) continue;
      for (const ir::Argument& arg : g.node(i).args) {
        bool ok = true;
        ir::ForEachValue(arg, [&](ValueId u) { ok = ok && map.Has(u); });
        if (!ok) {
          return absl::InternalError(absl::StrCat("partition: forward node '", g.node(i).name,
                                                  "' needs a value the forward cannot compute"));
        }
      }
      ir::CopyNode(g, g.node(i), map, p.forward, map);
    }
    for (ValueId v : outputs) p.forward.AddOutput(map[v]);
  }

  // Backward: saved values, tangents -> gradients.
  std::vector<bool> in_backward(g.nodes().size(), false);
  {
    ir::ValueMap map(g);
    std::vector<bool> given(g.values().size(), false);
    for (ValueId v : cut.saved) {
      given[v] = true;
      map.Set(v, p.backward.AddInput(g.ValueName(v).find('#') == std::string::npos
                                         ? g.ValueName(v)
                                         : absl::StrCat(g.node(g.value(v).node).name, "_", g.value(v).index),
                                     g.type(v), false, "saved"));
    }
    for (size_t i = joint.num_primals; i < g.inputs().size(); ++i) {
      const ir::Input& in = g.inputs()[i];
      given[in.value] = true;
      map.Set(in.value, p.backward.AddInput(in.name, g.type(in.value), false, in.label));
    }
    const std::vector<ValueId>& outputs = bwd_outputs;
    in_backward = needed_nodes(outputs, given);
    for (size_t i = 0; i < g.nodes().size(); ++i) {
      if (!in_backward[i]) continue;
      bool ok = true;
      for (const ir::Argument& arg : g.node(i).args) {
        ir::ForEachValue(arg, [&](ValueId u) { ok = ok && map.Has(u); });
      }
      if (!ok) {
        return absl::InternalError(absl::StrCat("partition: backward node '", g.node(i).name,
                                                "' needs a forward value that was not saved"));
      }
      ir::CopyNode(g, g.node(i), map, p.backward, map);
    }
    for (ValueId v : outputs) {
      if (!map.Has(v)) {
        return absl::InternalError(absl::StrCat("partition: gradient '", g.ValueName(v),
                                                "' cannot be computed from the saved values"));
      }
      p.backward.AddOutput(map[v]);
    }
  }

  // The report.
  Report& r = p.report;
  for (size_t i = 0; i < cut.saved.size(); ++i) {
    ValueId v = cut.saved[i];
    SavedValue s{g.ValueName(v), g.type(v), g.type(v).ByteSize(), a.new_storage(v), cut.reasons[i]};
    r.saved_bytes += s.bytes;
    if (s.new_storage) {
      ++r.saved_new_storage_tensors;
      r.saved_new_storage_bytes += s.bytes;
    }
    r.saved.push_back(std::move(s));
  }
  for (size_t i = 0; i < g.nodes().size(); ++i) {
    const ir::Node& node = g.node(i);
    if (!in_backward[i] || a.depends_on_tangent(node.outputs[0]) || !a.forward_required(node.outputs[0])) {
      continue;
    }
    const ops::OpDef* def = ops::OpRegistry::Global().Find(node.op);
    r.recompute_flops += EstimateFlops(g, node);
    std::string why;
    switch (def->kind) {
      case ops::OpKind::kView: why = "view: free to recompute"; break;
      case ops::OpKind::kPointwise: why = "pointwise: recomputed from saved values (fuses with its users)"; break;
      case ops::OpKind::kCreation: why = "creation: cheaper to recompute than to save"; break;
      case ops::OpKind::kReduction: why = "cheap reduction: recomputed from saved values"; break;
      default: why = "recomputed to fit the memory budget"; break;
    }
    r.recomputed.push_back({node.name, node.op, why});
  }
  return p;
}

// The subset of `items` with the most total value whose total weight is at
// most `capacity`; `measure` gives (weight, value). Exact over the Pareto
// frontier of partial sums, which stays small for real graphs (tensors come
// in few sizes); capped, it degrades to the best states kept. Returned in
// decreasing order of value per weight, so callers drop the least useful
// first.
std::vector<ValueId> Knapsack(const std::vector<ValueId>& items, double capacity,
                              const std::function<std::pair<double, double>(ValueId)>& measure) {
  struct State {
    double weight = 0, value = 0;
    std::vector<bool> chosen;
  };
  std::vector<State> frontier = {State{0, 0, std::vector<bool>(items.size(), false)}};
  constexpr size_t kMaxStates = 4096;
  for (size_t i = 0; i < items.size(); ++i) {
    auto [w, v] = measure(items[i]);
    std::vector<State> next = frontier;
    for (const State& s : frontier) {
      if (s.weight + w > capacity) continue;
      State t = s;
      t.weight += w;
      t.value += v;
      t.chosen[i] = true;
      next.push_back(std::move(t));
    }
    // Keep the Pareto frontier: by weight, each state must add value.
    std::sort(next.begin(), next.end(), [](const State& a, const State& b) {
      return a.weight != b.weight ? a.weight < b.weight : a.value > b.value;
    });
    frontier.clear();
    for (State& s : next) {
      if (frontier.empty() || s.value > frontier.back().value) frontier.push_back(std::move(s));
    }
    if (frontier.size() > kMaxStates) {
      std::sort(frontier.begin(), frontier.end(),
                [](const State& a, const State& b) { return a.value > b.value; });
      frontier.resize(kMaxStates);
      std::sort(frontier.begin(), frontier.end(),
                [](const State& a, const State& b) { return a.weight < b.weight; });
    }
  }
  const State& best = *std::max_element(
      frontier.begin(), frontier.end(),
      [](const State& a, const State& b) { return a.value < b.value; });
  std::vector<ValueId> kept;
  for (size_t i = 0; i < items.size(); ++i) {
    if (best.chosen[i]) kept.push_back(items[i]);
  }
  std::stable_sort(kept.begin(), kept.end(), [&](ValueId x, ValueId y) {
    auto [wx, vx] = measure(x);
    auto [wy, vy] = measure(y);
    return vx / std::max(wx, 1.0) > vy / std::max(wy, 1.0);
  });
  return kept;
}

}  // namespace

absl::StatusOr<Strategy> ParseStrategy(absl::string_view name) {
  if (name == "default") return Strategy::kDefault;
  if (name == "min_cut") return Strategy::kMinCut;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown partitioner '", name, "' (use default or min_cut)"));
}

absl::StatusOr<Partitioned> Partition(const pipeline::Traced& traced, const Options& options) {
  if (!(options.memory_budget >= 0 && options.memory_budget <= 1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("memory budget ", options.memory_budget, " is outside [0, 1]"));
  }
  JointAnalysis analysis(traced);
  Cut cut = DefaultCut(analysis);
  SaveBasesOfViews(analysis, cut);
  if (options.strategy == Strategy::kDefault) return Extract(analysis, std::move(cut));

  const ir::Graph& g = analysis.graph();
  auto new_bytes = [&](const Cut& c) {
    int64_t total = 0;
    for (ValueId v : c.saved) {
      if (analysis.new_storage(v)) total += g.type(v).ByteSize();
    }
    return total;
  };
  const double limit = options.memory_budget * static_cast<double>(new_bytes(cut));

  std::vector<std::string> banned(g.values().size());
  std::vector<ValueId> candidates;  // Heavy forward values the budget may unban.
  std::vector<ValueId> random;      // Random values, banned whatever the budget.
  for (size_t v = 0; v < banned.size(); ++v) {
    ValueId id = static_cast<ValueId>(v);
    if (!analysis.forward_required(id) || analysis.depends_on_tangent(id)) continue;
    banned[v] = WhyNotRecomputable(analysis, id);
    if (banned[v].empty()) continue;
    const ops::OpDef* def = ops::OpRegistry::Global().Find(analysis.producer(id)->op);
    (def->random ? random : candidates).push_back(id);
  }
  Cut best = MinCut(analysis, banned, options.weigh_recompute);
  SaveBasesOfViews(analysis, best);
  if (options.memory_budget >= 1 || new_bytes(best) <= limit) {
    return Extract(analysis, std::move(best));
  }

  // Over budget: only saved bytes count from here. Keep banned (saved) the
  // heavy values whose recomputation would cost the most work within the
  // byte limit (a 0/1 knapsack), and recompute the rest; shrink the kept set
  // until the cut fits.
  std::vector<ValueId> kept = Knapsack(candidates, limit, [&](ValueId v) {
    return std::pair<double, double>(static_cast<double>(g.type(v).ByteSize()),
                                     EstimateFlops(g, *analysis.producer(v)));
  });
  while (true) {
    std::vector<std::string> budget_banned(g.values().size());
    for (ValueId v : random) budget_banned[v] = banned[v];
    for (ValueId v : kept) {
      budget_banned[v] = absl::StrCat(banned[v], "; kept within the memory budget");
    }
    Cut cut_try = MinCut(analysis, budget_banned, /*weigh_recompute=*/false);
    SaveBasesOfViews(analysis, cut_try);
    if (new_bytes(cut_try) <= limit || kept.empty()) return Extract(analysis, std::move(cut_try));
    kept.pop_back();
  }
}

}  // namespace aotd::partition
