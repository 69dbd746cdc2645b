// The canonical key over every workload: names do not matter, semantics do.
#include <random>
#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/graph_key.h"
#include "compiler/frontend/load.h"
#include "compiler/frontend/proto_convert.h"
#include "gtest/gtest.h"
#include "tests/workloads.h"

namespace aotd {
namespace {

proto::Graph CanonicalWire(const testing::Workload& w) {
  absl::StatusOr<ir::Graph> graph = frontend::LoadGraphFile(w.ForwardJson());
  EXPECT_TRUE(graph.ok()) << graph.status();
  return frontend::GraphToProto(*graph);
}

std::string KeyOf(const proto::Graph& g) {
  absl::StatusOr<Sha256Digest> key = GraphKey(g);
  EXPECT_TRUE(key.ok()) << key.status();
  return key.ok() ? ToHex(*key) : "";
}

void RenameRefs(proto::Argument& arg, const std::map<std::string, std::string>& names) {
  if (arg.has_ref()) arg.mutable_ref()->set_name(names.at(arg.ref().name()));
  if (arg.has_list()) {
    for (proto::Argument& item : *arg.mutable_list()->mutable_items()) RenameRefs(item, names);
  }
}

TEST(GraphKeyTest, RenamingEverythingKeepsTheKey) {
  std::mt19937 rng(7);
  for (const testing::Workload& w : testing::Workloads()) {
    SCOPED_TRACE(w.Id());
    proto::Graph g = CanonicalWire(w);
    std::map<std::string, std::string> names;
    for (proto::GraphInput& in : *g.mutable_inputs()) {
      names[in.name()] = absl::StrCat("in", rng());
      in.set_name(names[in.name()]);
      in.set_label("relabelled");
    }
    for (proto::Node& node : *g.mutable_nodes()) {
      for (proto::Argument& arg : *node.mutable_args()) RenameRefs(arg, names);
      names[node.name()] = absl::StrCat("n", rng());
      node.set_name(names[node.name()]);
    }
    for (proto::ValueRef& out : *g.mutable_outputs()) out.set_name(names.at(out.name()));
    EXPECT_EQ(KeyOf(g), KeyOf(CanonicalWire(w)));
    // The renamed graph still imports, and to the same canonical form.
    absl::StatusOr<ir::Graph> renamed = frontend::GraphFromProto(g);
    ASSERT_TRUE(renamed.ok()) << renamed.status();
    EXPECT_EQ(KeyOf(frontend::GraphToProto(*renamed)), KeyOf(g));
  }
}

// Every argument slot in a node, flattened through lists.
void CollectArguments(proto::Argument* arg, std::vector<proto::Argument*>& out) {
  out.push_back(arg);
  if (arg->has_list()) {
    for (proto::Argument& item : *arg->mutable_list()->mutable_items()) {
      CollectArguments(&item, out);
    }
  }
}

// Applies one random semantic change; returns what it changed, or "" if the
// chosen kind has nothing to change in this graph.
std::string Mutate(proto::Graph& g, std::mt19937& rng) {
  auto pick = [&](int n) { return static_cast<int>(rng() % n); };
  std::vector<proto::TensorMeta*> metas;
  for (proto::GraphInput& in : *g.mutable_inputs()) metas.push_back(in.mutable_meta());
  for (proto::Node& node : *g.mutable_nodes()) {
    for (proto::TensorMeta& m : *node.mutable_outputs()) metas.push_back(&m);
  }
  std::vector<proto::Argument*> args;
  for (proto::Node& node : *g.mutable_nodes()) {
    for (proto::Argument& a : *node.mutable_args()) CollectArguments(&a, args);
  }
  switch (pick(7)) {
    case 0: {
      proto::Node& node = g.mutable_nodes()->at(pick(g.nodes_size()));
      node.set_op(node.op() == "aten.neg.default" ? "aten.exp.default" : "aten.neg.default");
      return "op";
    }
    case 1: {
      std::vector<proto::Argument*> literals;
      for (proto::Argument* a : args) {
        if (a->has_int_value() || a->has_float_value() || a->has_bool_value()) literals.push_back(a);
      }
      if (literals.empty()) return "";
      proto::Argument* a = literals[pick(literals.size())];
      if (a->has_int_value()) a->set_int_value(a->int_value() + 1);
      else if (a->has_float_value()) a->set_float_value(a->float_value() + 0.5);
      else a->set_bool_value(!a->bool_value());
      return "argument";
    }
    case 2: {
      std::vector<proto::Argument*> refs;
      for (proto::Argument* a : args) if (a->has_ref()) refs.push_back(a);
      if (refs.empty() || g.inputs_size() < 2) return "";
      proto::Argument* a = refs[pick(refs.size())];
      // Point the edge at a different input.
      for (const proto::GraphInput& in : g.inputs()) {
        if (in.name() != a->ref().name()) {
          a->mutable_ref()->set_name(in.name());
          a->mutable_ref()->set_output(0);
          return "edge";
        }
      }
      return "";
    }
    case 3: {
      proto::TensorMeta* m = metas[pick(metas.size())];
      if (m->shape_size() == 0) return "";
      int d = pick(m->shape_size());
      m->set_shape(d, m->shape(d) + 1);
      return "shape";
    }
    case 4: {
      proto::TensorMeta* m = metas[pick(metas.size())];
      if (m->strides_size() == 0) return "";
      int d = pick(m->strides_size());
      m->set_strides(d, m->strides(d) + 1);
      return "stride";
    }
    case 5: {
      proto::TensorMeta* m = metas[pick(metas.size())];
      m->set_dtype(m->dtype() == proto::FLOAT64 ? proto::FLOAT32 : proto::FLOAT64);
      return "dtype";
    }
    default: {
      proto::GraphInput& in = g.mutable_inputs()->at(pick(g.inputs_size()));
      in.set_requires_grad(!in.requires_grad());
      return "requires_grad";
    }
  }
}

TEST(GraphKeyTest, EverySemanticChangeChangesTheKey) {
  std::mt19937 rng(2024);
  int mutations = 0;
  std::set<std::string> kinds;
  for (const testing::Workload& w : testing::Workloads()) {
    SCOPED_TRACE(w.Id());
    const proto::Graph original = CanonicalWire(w);
    const std::string key = KeyOf(original);
    for (int i = 0; i < 200; ++i) {
      proto::Graph g = original;
      std::string kind = Mutate(g, rng);
      if (kind.empty()) continue;
      ++mutations;
      kinds.insert(kind);
      EXPECT_NE(KeyOf(g), key) << "mutation of kind " << kind << " kept the key";
    }
  }
  EXPECT_GT(mutations, 1500);
  EXPECT_EQ(kinds.size(), 7u);
}

TEST(GraphKeyTest, KwargOrderAndSpellingDoNotMatter) {
  const char* a = R"({"format": "aten-fx-json/1",
    "inputs": [{"name": "x", "shape": [4], "dtype": "float32", "stride": [1]}],
    "nodes": [{"name": "s", "target": "aten.sum.dim_IntList", "args": [{"ref": "x"}, [0]],
               "kwargs": {"keepdim": true, "dtype": {"dtype": "float64"}},
               "out": {"shape": [1], "dtype": "float64", "stride": [1]}}],
    "outputs": [{"ref": "s"}]})";
  const char* b = R"({"format": "aten-fx-json/1",
    "inputs": [{"name": "y", "shape": [4], "dtype": "float32", "stride": [1]}],
    "nodes": [{"name": "t", "target": "aten.sum.dim_IntList",
               "args": [{"ref": "y"}, [0], true],
               "kwargs": {"dtype": {"dtype": "float64"}},
               "out": {"shape": [1], "dtype": "float64", "stride": [1]}}],
    "outputs": [{"ref": "t"}]})";
  absl::StatusOr<ir::Graph> ga = frontend::LoadGraph(a);
  absl::StatusOr<ir::Graph> gb = frontend::LoadGraph(b);
  ASSERT_TRUE(ga.ok()) << ga.status();
  ASSERT_TRUE(gb.ok()) << gb.status();
  EXPECT_EQ(KeyOf(frontend::GraphToProto(*ga)), KeyOf(frontend::GraphToProto(*gb)));
}

}  // namespace
}  // namespace aotd
