// aotctl: the administrator's and developer's command line for aotd.
#include <iostream>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "tools/compiler_commands.h"
#include "tools/conformance.h"
#include "tools/graph_commands.h"

namespace {

int Finish(const absl::Status& status) {
  if (status.ok()) return 0;
  std::cerr << "aotctl: " << status.message() << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"aotctl: inspect graphs and manage the aotd compile cache"};
  app.require_subcommand(1);

  CLI::App* graph = app.add_subcommand("graph", "Import, verify and inspect forward graphs");
  graph->require_subcommand(1);

  std::vector<std::string> check_files;
  CLI::App* check = graph->add_subcommand("check", "Import and verify graphs, one line per file");
  check->add_option("FILE", check_files, "aten-fx-json or serialized graph proto")->required();

  std::string print_file;
  CLI::App* print = graph->add_subcommand("print", "Print a graph in the text IR");
  print->add_option("FILE", print_file)->required();

  std::string key_file;
  CLI::App* key = graph->add_subcommand("key", "Print a graph's canonical key (hex)");
  key->add_option("FILE", key_file)->required();

  std::string trace_file;
  bool trace_json = false;
  CLI::App* trace = app.add_subcommand("trace", "Print the joint forward/backward graph of a graph");
  trace->add_option("FILE", trace_file)->required();
  trace->add_flag("--json", trace_json, "A JSON summary with op counts instead");

  std::vector<std::string> partition_files;
  std::string partitioner = "min_cut";
  double memory_budget = 1.0;
  bool partition_json = false, partition_compare = false;
  CLI::App* partition = app.add_subcommand("partition", "Partition a graph's joint graph; print the report");
  partition->add_option("FILE", partition_files)->required();
  partition->add_option("--partitioner", partitioner, "default or min_cut")->capture_default_str();
  partition->add_option("--memory-budget", memory_budget, "0..1, for min_cut")->capture_default_str();
  partition->add_flag("--json", partition_json, "JSON output");
  partition->add_flag("--compare", partition_compare,
                      "A table of saved bytes per file, next to functorch's");

  std::string compile_file, compile_output;
  bool compile_local = false, compile_source = false;
  CLI::App* compile = app.add_subcommand("compile", "Compile a graph into an artifact");
  compile->add_option("FILE", compile_file)->required();
  compile->add_flag("--local", compile_local, "Compile in this process, without a server");
  compile->add_option("--partitioner", partitioner, "default or min_cut")->capture_default_str();
  compile->add_option("--memory-budget", memory_budget, "0..1, for min_cut")->capture_default_str();
  compile->add_option("-o,--output", compile_output, "Write the artifact here");
  compile->add_flag("--source", compile_source, "Print the generated C++");

  std::vector<std::string> conformance_dirs;
  bool conformance_local = false;
  CLI::App* conformance = app.add_subcommand(
      "conformance", "Compile recorded workloads, run them, compare with PyTorch's results");
  conformance->add_option("DIR", conformance_dirs, "Folders with forward.json and vectors/")->required();
  conformance->add_flag("--local", conformance_local, "Compile in this process, without a server");

  bool ops_markdown = false;
  CLI::App* ops = app.add_subcommand("ops", "List the op library and what each op declares");
  ops->add_flag("--markdown", ops_markdown, "A Markdown table");

  CLI11_PARSE(app, argc, argv);

  if (check->parsed()) return Finish(aotd::tools::GraphCheck(check_files, std::cout));
  if (print->parsed()) return Finish(aotd::tools::GraphPrint(print_file, std::cout));
  if (key->parsed()) return Finish(aotd::tools::GraphKeyCommand(key_file, std::cout));
  if (trace->parsed()) return Finish(aotd::tools::TraceCommand(trace_file, trace_json, std::cout));
  if (partition->parsed()) {
    if (partition_compare) {
      return Finish(aotd::tools::PartitionCompareCommand(partition_files, std::cout));
    }
    if (partition_files.size() != 1) {
      return Finish(absl::InvalidArgumentError("partition takes one FILE (or --compare)"));
    }
    return Finish(aotd::tools::PartitionCommand(partition_files[0], partitioner, memory_budget,
                                                partition_json, std::cout));
  }
  if (compile->parsed()) {
    if (!compile_local) {
      return Finish(absl::UnimplementedError("compiling through a server is not available yet: use --local"));
    }
    return Finish(aotd::tools::CompileCommand(compile_file, partitioner, memory_budget,
                                              compile_output, compile_source, std::cout));
  }
  if (conformance->parsed()) {
    if (!conformance_local) {
      return Finish(absl::UnimplementedError("conformance through a server is not available yet: use --local"));
    }
    return Finish(aotd::tools::ConformanceCommand(conformance_dirs, std::cout));
  }
  if (ops->parsed()) return Finish(aotd::tools::OpsCommand(ops_markdown, std::cout));
  return 2;
}
