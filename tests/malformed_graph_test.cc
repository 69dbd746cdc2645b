// A careless or hostile client's graphs: each is refused with
// INVALID_ARGUMENT and a message that names the culprit.
#include <functional>
#include <random>
#include <string>

#include "absl/strings/str_cat.h"
#include "compiler/frontend/load.h"
#include "compiler/frontend/proto_convert.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "tests/workloads.h"

namespace aotd {
namespace {

using Json = nlohmann::json;

std::string ReadWorkload(const std::string& id) {
  absl::StatusOr<std::string> text =
      frontend::ReadFile(absl::StrCat("tests/testdata/workloads/", id, "/forward.json"));
  EXPECT_TRUE(text.ok()) << text.status();
  return text.ok() ? *text : "";
}

Json& NodeNamed(Json& doc, const std::string& name) {
  for (Json& node : doc["nodes"]) {
    if (node["name"] == name) return node;
  }
  ADD_FAILURE() << "no node " << name;
  return doc["nodes"][0];
}

proto::Graph WireOf(const std::string& id) {
  absl::StatusOr<ir::Graph> g = frontend::LoadGraph(ReadWorkload(id));
  EXPECT_TRUE(g.ok()) << g.status();
  return frontend::GraphToProto(*g);
}

proto::Node& WireNode(proto::Graph& g, const std::string& name) {
  for (proto::Node& node : *g.mutable_nodes()) {
    if (node.name() == name) return node;
  }
  ADD_FAILURE() << "no node " << name;
  return *g.mutable_nodes(0);
}

struct Case {
  const char* name;
  std::function<std::string()> bytes;  // What the client sends.
  const char* expected;                // Must appear in the message.
};

// A JSON case: the workload's document changed by `edit`.
std::function<std::string()> JsonCase(const std::string& id, std::function<void(Json&)> edit) {
  return [id, edit] {
    Json doc = Json::parse(ReadWorkload(id));
    edit(doc);
    return doc.dump();
  };
}

// A wire case: the workload's canonical proto changed by `edit`.
std::function<std::string()> WireCase(const std::string& id, std::function<void(proto::Graph&)> edit) {
  return [id, edit] {
    proto::Graph g = WireOf(id);
    edit(g);
    return g.SerializeAsString();
  };
}

const char kCnn[] = "c_cnn/small";
const char kLoss[] = "e_loss/small";
const char kMlp[] = "a_mlp/small";

std::vector<Case> Cases() {
  return {
      {"unknown op", JsonCase(kLoss, [](Json& d) { NodeNamed(d, "detach")["target"] = "aten.frobnicate.default"; }),
       "node 'detach' (aten.frobnicate.default): unknown op"},
      {"unknown overload", JsonCase(kLoss, [](Json& d) { NodeNamed(d, "detach")["target"] = "aten.detach.Bogus"; }),
       "unknown op 'aten.detach.Bogus'"},
      {"too many arguments", JsonCase(kLoss, [](Json& d) { NodeNamed(d, "detach")["args"].push_back(1); }),
       "node 'detach' (aten.detach.default)"},
      {"tensor argument given an int", JsonCase(kMlp, [](Json& d) { NodeNamed(d, "addmm")["args"][1] = 3; }),
       "node 'addmm' (aten.addmm.default)"},
      {"missing required argument", JsonCase(kCnn, [](Json& d) { NodeNamed(d, "convolution")["args"].erase(8); }),
       "node 'convolution' (aten.convolution.default)"},
      {"unknown kwarg", JsonCase(kLoss, [](Json& d) { NodeNamed(d, "_log_softmax")["kwargs"]["temperature"] = 2.0; }),
       "temperature"},
      {"int argument given a list", JsonCase(kLoss, [](Json& d) { NodeNamed(d, "_log_softmax")["args"][1] = Json::array({1, 2}); }),
       "node '_log_softmax'"},
      {"reference to an unknown value", JsonCase(kLoss, [](Json& d) { NodeNamed(d, "detach")["args"][0]["ref"] = "ghost"; }),
       "unknown value 'ghost'"},
      {"reference to a later node (cycle)", JsonCase(kLoss, [](Json& d) { NodeNamed(d, "_log_softmax")["args"][0]["ref"] = "detach"; }),
       "node '_log_softmax' (aten._log_softmax.default) argument 0: uses 'detach' before it is defined"},
      {"self reference", JsonCase(kLoss, [](Json& d) { NodeNamed(d, "detach")["args"][0]["ref"] = "detach"; }),
       "uses 'detach' before it is defined"},
      {"duplicate node names", JsonCase(kLoss, [](Json& d) { NodeNamed(d, "detach")["name"] = "_log_softmax"; }),
       "duplicate name '_log_softmax'"},
      {"duplicate input names", JsonCase(kLoss, [](Json& d) { d["inputs"][1]["name"] = "logits_1"; }),
       "duplicate name 'logits_1'"},
      {"getitem out of range", JsonCase(kLoss, [](Json& d) { NodeNamed(d, "getitem_1")["args"][1] = 2; }),
       "node 'getitem_1' (getitem): index 2 out of range"},
      {"getitem of a single-output node", JsonCase(kLoss, [](Json& d) { NodeNamed(d, "getitem_1")["args"][0]["ref"] = "detach"; }),
       "node 'getitem_1' (getitem)"},
      {"negative dimension", JsonCase(kLoss, [](Json& d) { d["inputs"][0]["shape"][0] = -8; }),
       "input 'logits_1': negative dimension -8"},
      {"element count over 2^48", JsonCase(kLoss, [](Json& d) {
         d["inputs"][0]["shape"] = Json::array({int64_t{1} << 30, int64_t{1} << 30});
         d["inputs"][0]["stride"] = Json::array({int64_t{1} << 30, 1});
       }),
       "input 'logits_1': shape [1073741824,1073741824]"},
      {"int64 overflow in a shape", JsonCase(kLoss, [](Json& d) { d["inputs"][0]["shape"][0] = uint64_t{1} << 63; }),
       "out of the int64 range"},
      {"unknown dtype", JsonCase(kLoss, [](Json& d) { d["inputs"][1]["dtype"] = "float128"; }),
       "input 'target_1': unknown dtype 'float128'"},
      {"strides of the wrong rank", JsonCase(kLoss, [](Json& d) { d["inputs"][0]["stride"] = Json::array({1}); }),
       "input 'logits_1': 1 strides for shape [8,10]"},
      {"negative stride", JsonCase(kLoss, [](Json& d) { d["inputs"][0]["stride"][0] = -10; }),
       "input 'logits_1': negative stride -10"},
      {"output references nothing", JsonCase(kLoss, [](Json& d) { d["outputs"][0]["ref"] = "nowhere"; }),
       "graph output 0: refers to unknown value 'nowhere'"},
      {"empty graph", [] { return std::string(R"({"format": "aten-fx-json/1", "inputs": [], "nodes": [], "outputs": []})"); },
       "empty graph"},
      {"no outputs", JsonCase(kLoss, [](Json& d) { d["outputs"] = Json::array(); }), "graph has no outputs"},
      {"wrong format tag", JsonCase(kLoss, [](Json& d) { d["format"] = "aten-fx-json/9"; }), "'format' must be"},
      {"input without dtype", JsonCase(kLoss, [](Json& d) { d["inputs"][0].erase("dtype"); }), "input 'logits_1': missing dtype"},
      {"node without target", JsonCase(kLoss, [](Json& d) { NodeNamed(d, "detach").erase("target"); }),
       "node 'detach': missing string field 'target'"},
      {"unknown float literal", JsonCase(kLoss, [](Json& d) { NodeNamed(d, "_log_softmax")["args"][1] = {{"float", "huge"}}; }),
       "unknown float literal 'huge'"},
      {"truncated JSON", [] { std::string s = ReadWorkload(kCnn); return s.substr(0, s.size() / 2); },
       "not valid JSON"},
      {"wrong result count", WireCase(kLoss, [](proto::Graph& g) { *WireNode(g, "detach").add_outputs() = WireNode(g, "detach").outputs(0); }),
       "node 'detach' (aten.detach.default): has 2 results"},
      {"output index out of range", WireCase(kMlp, [](proto::Graph& g) { g.mutable_outputs(0)->set_output(7); }),
       "graph output 0: refers to output 7"},
      {"argument without a value", WireCase(kLoss, [](proto::Graph& g) { WireNode(g, "detach").mutable_args(0)->Clear(); }),
       "node 'detach' (aten.detach.default) argument 0: argument has no value"},
      {"unknown dtype number", WireCase(kLoss, [](proto::Graph& g) { g.mutable_inputs(0)->mutable_meta()->set_dtype(static_cast<proto::DType>(99)); }),
       "input 'logits_1': unknown dtype 99"},
      {"unsupported format version", WireCase(kLoss, [](proto::Graph& g) { g.set_format_version(2); }),
       "unsupported graph format_version 2"},
      {"empty node name", WireCase(kLoss, [](proto::Graph& g) { WireNode(g, "detach").set_name(""); }),
       "empty name"},
      {"declared shape disagrees with the op", JsonCase(kMlp, [](Json& d) { NodeNamed(d, "addmm")["out"]["shape"][1] = 7; }),
       "node 'addmm' (aten.addmm.default) on (f32[32], f32[4,32], f32[32,32]{1,32}) declares results (f32[4,7]{32,1}) but computes (f32[4,32])"},
      {"declared dtype disagrees with the op", JsonCase(kLoss, [](Json& d) { NodeNamed(d, "_log_softmax")["out"]["dtype"] = "float64"; }),
       "node '_log_softmax' (aten._log_softmax.default) on (f32[8,10]) declares results (f64[8,10]) but computes (f32[8,10])"},
      {"operand shapes that do not fit the op", JsonCase(kMlp, [](Json& d) { d["inputs"][12]["shape"] = Json::array({4, 16}); d["inputs"][12]["stride"] = Json::array({16, 1}); }),
       "node 'addmm' (aten.addmm.default) on (f32[32], f32[4,16], f32[32,32]{1,32}): "},
      {"truncated proto", [] { std::string s = WireOf(kCnn).SerializeAsString(); return s.substr(0, s.size() - 7); },
       "truncated or garbage"},
      {"empty bytes", [] { return std::string(); }, "truncated or garbage"},
  };
}

TEST(MalformedGraphTest, EachIsRefusedWithAMessageNamingTheCulprit) {
  std::vector<Case> cases = Cases();
  EXPECT_GE(cases.size(), 25u);
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    absl::StatusOr<ir::Graph> g = frontend::LoadGraph(c.bytes());
    ASSERT_FALSE(g.ok());
    EXPECT_EQ(g.status().code(), absl::StatusCode::kInvalidArgument) << g.status();
    EXPECT_NE(g.status().message().find(c.expected), std::string::npos)
        << "message: " << g.status().message() << "\nexpected to contain: " << c.expected;
  }
}

TEST(MalformedGraphTest, RandomBytesNeverCrashAndAreRefused) {
  std::mt19937 rng(1);
  const std::string valid = WireOf(kCnn).SerializeAsString();
  for (int i = 0; i < 2000; ++i) {
    std::string bytes;
    if (i % 2 == 0) {
      bytes.resize(rng() % 256);
      for (char& c : bytes) c = static_cast<char>(rng());
    } else {
      // A valid graph with a few bytes flipped: parses often, must verify.
      bytes = valid;
      for (int k = 0; k < 3; ++k) bytes[rng() % bytes.size()] ^= static_cast<char>(1 + rng() % 255);
    }
    absl::StatusOr<ir::Graph> g = frontend::LoadGraph(bytes);
    if (!g.ok()) {
      EXPECT_EQ(g.status().code(), absl::StatusCode::kInvalidArgument) << g.status();
    }
  }
}

}  // namespace
}  // namespace aotd
