#include "tools/compiler_commands.h"

#include <filesystem>
#include <fstream>
#include <map>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "compiler/frontend/load.h"
#include "compiler/ir/text.h"
#include "compiler/ops/registry.h"
#include "compiler/pipeline/trace.h"
#include "nlohmann/json.hpp"

namespace aotd::tools {
namespace {

using Json = nlohmann::ordered_json;

const char* KindName(ops::OpKind kind) {
  switch (kind) {
    case ops::OpKind::kPointwise: return "pointwise";
    case ops::OpKind::kReduction: return "reduction";
    case ops::OpKind::kView: return "view";
    case ops::OpKind::kCreation: return "creation";
    case ops::OpKind::kMatmul: return "matmul";
    case ops::OpKind::kOther: return "other";
  }
  return "?";
}

const char* DerivativeName(const ops::OpDef& def) {
  switch (def.differentiability) {
    case ops::Differentiability::kDifferentiable: return "yes";
    case ops::Differentiability::kNonDifferentiable: return "none (no gradient)";
    case ops::Differentiability::kMissing: return "MISSING";
  }
  return "?";
}

// functorch's joint op counts from the reference.json beside `file`, if any.
Json FunctorchJointOps(const std::string& file) {
  std::filesystem::path ref = std::filesystem::path(file).parent_path() / "reference.json";
  std::ifstream in(ref);
  if (!in) return nullptr;
  Json doc = Json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.contains("default")) return nullptr;
  return doc["default"].value("joint_ops", Json(nullptr));
}

}  // namespace

absl::Status TraceCommand(const std::string& file, bool json, std::ostream& out) {
  ASSIGN_OR_RETURN(ir::Graph forward, frontend::LoadGraphFile(file));
  ASSIGN_OR_RETURN(pipeline::Traced traced, pipeline::Trace(forward));
  const passes::JointGraph& joint = traced.joint;
  if (!json) {
    out << ir::PrintGraph(joint.graph);
    return absl::OkStatus();
  }
  std::map<std::string, int> counts;
  for (const ir::Node& node : joint.graph.nodes()) ++counts[node.op];
  Json summary;
  summary["file"] = file;
  summary["primals"] = joint.num_primals;
  summary["tangents"] = joint.tangent_outputs.size();
  summary["user_outputs"] = traced.num_user_outputs;
  summary["write_backs"] = traced.write_back_inputs;
  summary["grad_inputs"] = joint.grad_inputs;
  summary["joint_nodes"] = joint.graph.nodes().size();
  summary["joint_ops"] = counts;
  summary["functorch_joint_ops"] = FunctorchJointOps(file);
  out << summary.dump(2) << "\n";
  return absl::OkStatus();
}

absl::Status OpsCommand(bool markdown, std::ostream& out) {
  std::vector<const ops::OpDef*> all = ops::OpRegistry::Global().All();
  if (markdown) {
    out << "| op | kind | schema | shape/dtype | reference kernel | derivative | decomposition |\n"
        << "|---|---|---|---|---|---|---|\n";
  }
  for (const ops::OpDef* def : all) {
    const char* infer = def->infer ? "yes" : "MISSING";
    const char* kernel = def->kernel ? "yes" : "MISSING";
    const char* decompose = def->decompose ? "yes" : "-";
    if (markdown) {
      out << "| `" << def->schema.name << "` | " << KindName(def->kind) << " | yes | " << infer
          << " | " << kernel << " | " << DerivativeName(*def) << " | " << decompose << " |\n";
    } else {
      out << def->schema.name << "  kind=" << KindName(def->kind) << " infer=" << infer
          << " kernel=" << kernel << " derivative=" << DerivativeName(*def)
          << " decompose=" << decompose << "\n";
    }
  }
  if (markdown) out << "\n" << all.size() << " ops.\n";
  return absl::OkStatus();
}

}  // namespace aotd::tools
