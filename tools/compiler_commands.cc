#include "tools/compiler_commands.h"

#include <filesystem>
#include <fstream>
#include <cstdio>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "compiler/frontend/load.h"
#include "compiler/ir/text.h"
#include "compiler/ops/core/registry.h"
#include "compiler/partition/partition.h"
#include "compiler/pipeline/compile.h"
#include "compiler/pipeline/trace.h"
#include "compiler/toolchain/toolchain.h"
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
  for (const ops::ArgSpec& arg : def.schema.args) {
    // Functionalization replaces in-place ops before autograd runs.
    if (arg.mutated) return "via its pure form";
  }
  switch (def.differentiability) {
    case ops::Differentiability::kDifferentiable: return "yes";
    case ops::Differentiability::kNonDifferentiable: return "none (no gradient)";
    case ops::Differentiability::kMissing: return "MISSING";
  }
  return "?";
}

// The reference.json beside `file` (functorch's numbers), or null.
Json FunctorchReference(const std::string& file) {
  std::filesystem::path ref = std::filesystem::path(file).parent_path() / "reference.json";
  std::ifstream in(ref);
  if (!in) return nullptr;
  Json doc = Json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.contains("default") || !doc.contains("min_cut")) return nullptr;
  return doc;
}

// Hooks that print the graph after each stage of `dump_after` to `out`,
// headed by the stage's name. INVALID_ARGUMENT for an unknown stage.
absl::StatusOr<pipeline::StageHooks> DumpHooks(const std::vector<std::string>& dump_after,
                                               std::ostream& out) {
  pipeline::StageHooks hooks;
  for (const std::string& stage : dump_after) RETURN_IF_ERROR(pipeline::CheckStageName(stage));
  hooks.dump_after = dump_after;
  hooks.dump = [&out](absl::string_view stage, const ir::Graph& graph) {
    out << "=== after " << stage << " ===\n" << ir::PrintGraph(graph);
  };
  return hooks;
}

const char* LoweringName(const ops::OpDef& def) {
  if (def.IsInPlace()) return "via its pure form";
  switch (def.lowering.kind) {
    case ops::Lowering::Kind::kDecomposition: return "decomposed";
    case ops::Lowering::Kind::kElementwise: return "elementwise";
    case ops::Lowering::Kind::kReduction: return "reduction";
    case ops::Lowering::Kind::kView: return "view";
    case ops::Lowering::Kind::kKernel: return "kernel";
  }
  return "?";
}

absl::StatusOr<partition::Partitioned> PartitionFile(const std::string& file,
                                                     partition::Options options) {
  ASSIGN_OR_RETURN(ir::Graph forward, frontend::LoadGraphFile(file));
  ASSIGN_OR_RETURN(pipeline::Traced traced, pipeline::Trace(forward));
  return partition::Partition(traced, options);
}

Json ReportJson(const partition::Report& r) {
  Json saved = Json::array(), recomputed = Json::array();
  for (const partition::SavedValue& s : r.saved) {
    saved.push_back({{"name", s.name}, {"type", ir::PrintType(s.type)}, {"bytes", s.bytes},
                     {"new_storage", s.new_storage}, {"reason", s.reason}});
  }
  for (const partition::RecomputedValue& v : r.recomputed) {
    recomputed.push_back({{"name", v.name}, {"op", v.op}, {"reason", v.reason}});
  }
  Json j;
  j["saved_values"] = r.saved.size();
  j["saved_new_storage_tensors"] = r.saved_new_storage_tensors;
  j["saved_new_storage_bytes"] = r.saved_new_storage_bytes;
  j["saved_bytes"] = r.saved_bytes;
  j["recomputed_values"] = r.recomputed.size();
  j["recompute_flops"] = r.recompute_flops;
  j["saved"] = saved;
  j["recomputed"] = recomputed;
  return j;
}

}  // namespace

absl::Status TraceCommand(const std::string& file, bool json,
                          const std::vector<std::string>& dump_after, std::ostream& out) {
  ASSIGN_OR_RETURN(pipeline::StageHooks hooks, DumpHooks(dump_after, out));
  ASSIGN_OR_RETURN(ir::Graph forward, frontend::LoadGraphFile(file));
  pipeline::StageLog log(&hooks);
  ASSIGN_OR_RETURN(pipeline::Traced traced, pipeline::Trace(forward, log));
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
  Json reference = FunctorchReference(file);
  summary["functorch_joint_ops"] =
      reference.is_null() ? Json(nullptr) : reference["default"].value("joint_ops", Json(nullptr));
  out << summary.dump(2) << "\n";
  return absl::OkStatus();
}

absl::Status PartitionCommand(const std::string& file, const std::string& partitioner,
                              double memory_budget, bool json, std::ostream& out) {
  ASSIGN_OR_RETURN(partition::Strategy strategy, partition::ParseStrategy(partitioner));
  ASSIGN_OR_RETURN(partition::Partitioned p, PartitionFile(file, {strategy, memory_budget}));
  const partition::Report& r = p.report;
  if (json) {
    Json j = ReportJson(r);
    j["file"] = file;
    j["partitioner"] = partitioner;
    j["memory_budget"] = memory_budget;
    j["forward_nodes"] = p.forward.nodes().size();
    j["backward_nodes"] = p.backward.nodes().size();
    out << j.dump(2) << "\n";
    return absl::OkStatus();
  }
  out << file << ": " << partitioner << ", memory budget " << memory_budget << "\n"
      << "forward " << p.forward.nodes().size() << " nodes, backward " << p.backward.nodes().size()
      << " nodes\n\nsaved (" << r.saved.size() << " values, " << r.saved_new_storage_tensors
      << " new tensors, " << r.saved_new_storage_bytes << " new bytes):\n";
  for (const partition::SavedValue& s : r.saved) {
    out << "  " << s.name << " " << ir::PrintType(s.type) << " " << s.bytes << " B"
        << (s.new_storage ? "" : " (no new storage)") << ": " << s.reason << "\n";
  }
  out << "\nrecomputed in the backward (" << r.recomputed.size() << ", about " << r.recompute_flops
      << " flops):\n";
  for (const partition::RecomputedValue& v : r.recomputed) {
    out << "  " << v.name << " " << v.op << ": " << v.reason << "\n";
  }
  return absl::OkStatus();
}

absl::Status PartitionCompareCommand(const std::vector<std::string>& files, std::ostream& out) {
  out << "saved new-storage bytes (fewer is better)\n";
  char line[256];
  std::snprintf(line, sizeof line, "%-48s %14s %14s %14s %14s\n", "graph", "functorch def",
                "functorch cut", "aotd default", "aotd min_cut");
  out << line;
  for (const std::string& file : files) {
    ASSIGN_OR_RETURN(partition::Partitioned d, PartitionFile(file, {partition::Strategy::kDefault, 1}));
    ASSIGN_OR_RETURN(partition::Partitioned m, PartitionFile(file, {partition::Strategy::kMinCut, 1}));
    Json ref = FunctorchReference(file);
    auto functorch = [&](const char* strategy) -> std::string {
      if (ref.is_null()) return "-";
      return std::to_string(ref[strategy].value("saved_new_storage_bytes", int64_t{-1}));
    };
    std::snprintf(line, sizeof line, "%-48s %14s %14s %14lld %14lld\n", file.c_str(),
                  functorch("default").c_str(), functorch("min_cut").c_str(),
                  static_cast<long long>(d.report.saved_new_storage_bytes),
                  static_cast<long long>(m.report.saved_new_storage_bytes));
    out << line;
  }
  return absl::OkStatus();
}

absl::Status CompileCommand(const std::string& file, const std::string& partitioner,
                            double memory_budget, const std::string& output, bool print_source,
                            const std::vector<std::string>& dump_after, std::ostream& out) {
  ASSIGN_OR_RETURN(partition::Strategy strategy, partition::ParseStrategy(partitioner));
  ASSIGN_OR_RETURN(pipeline::StageHooks hooks, DumpHooks(dump_after, out));
  ASSIGN_OR_RETURN(ir::Graph forward, frontend::LoadGraphFile(file));
  std::unique_ptr<toolchain::Toolchain> tc = toolchain::NewSystemToolchain();
  pipeline::CompileOptions options;
  options.partition = {strategy, memory_budget};
  options.hooks = &hooks;
  ASSIGN_OR_RETURN(proto::Artifact artifact, pipeline::Compile(forward, options, *tc));
  if (print_source) out << artifact.source();
  if (!output.empty()) {
    std::ofstream f(output, std::ios::binary);
    if (!artifact.SerializeToOstream(&f) || !f.flush()) {
      return absl::UnavailableError(absl::StrCat("cannot write ", output));
    }
  }
  out << file << ": " << artifact.shared_object().size() << " bytes of code;";
  for (const proto::StageTiming& t : artifact.timings()) {
    char line[64];
    std::snprintf(line, sizeof line, " %s %.3fs", t.stage().c_str(), t.seconds());
    out << line;
  }
  out << "\n";
  return absl::OkStatus();
}

absl::Status OpsCommand(bool markdown, std::ostream& out) {
  std::vector<const ops::OpDef*> all = ops::OpRegistry::Global().All();
  if (markdown) {
    out << "| op | kind | schema | shape/dtype | reference kernel | derivative | decomposition "
           "| lowering |\n"
        << "|---|---|---|---|---|---|---|---|\n";
  }
  for (const ops::OpDef* def : all) {
    const char* infer = def->infer ? "yes" : "MISSING";
    const char* kernel = def->kernel ? "yes" : "MISSING";
    const char* decompose = def->decompose ? "yes" : "-";
    if (markdown) {
      out << "| `" << def->schema.name << "` | " << KindName(def->kind) << " | yes | " << infer
          << " | " << kernel << " | " << DerivativeName(*def) << " | " << decompose << " | "
          << LoweringName(*def) << " |\n";
    } else {
      out << def->schema.name << "  kind=" << KindName(def->kind) << " infer=" << infer
          << " kernel=" << kernel << " derivative=" << DerivativeName(*def)
          << " decompose=" << decompose << " lowering=" << LoweringName(*def) << "\n";
    }
  }
  if (markdown) {
    out << "\n" << all.size() << " ops.\n";
    std::vector<std::string> random;
    for (const ops::OpDef* def : all) {
      if (def->random) random.push_back(absl::StrCat("`", def->schema.name, "`"));
    }
    if (!random.empty()) {
      out << "\nRandom ops (" << absl::StrJoin(random, ", ")
          << ") draw from aotd's own generators (see docs/codegen.md), not PyTorch's: "
             "their values follow the same distribution but do not reproduce PyTorch's "
             "for a seed.\n";
    }
  }
  return absl::OkStatus();
}

}  // namespace aotd::tools
