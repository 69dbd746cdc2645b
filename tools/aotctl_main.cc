// aotctl: the administrator's and developer's command line for aotd.
#include <unistd.h>

#include <cstdint>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "client/remote_client.h"
#include "tools/admin_commands.h"
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
  app.fallthrough();  // --server, --admin_token_file and --json also after the subcommand.

  // Talking to a server (the admin commands and health).
  aotd::tools::AdminOptions admin;
  app.add_option("--server", admin.server, "HOST:PORT of the aotd server")
      ->envname("AOTD_SERVER")
      ->capture_default_str();
  app.add_option("--admin_token_file", admin.admin_token_file,
                 "File holding the server's admin token");
  app.add_option("--tls_ca_file", admin.tls_ca_file,
                 "PEM CA certificates the server's certificate must chain to (TLS)");
  app.add_option("--tls_cert_file", admin.tls_cert_file,
                 "PEM client certificate, for a server that requires one (mTLS)");
  app.add_option("--tls_key_file", admin.tls_key_file, "PEM private key of --tls_cert_file");
  bool json = false;
  app.add_flag("--json", json, "JSON output");

  CLI::App* stats = app.add_subcommand("stats", "Cache and compile counters of a server");

  aotd::tools::ListArgs ls_args;
  std::string ls_namespace;
  CLI::App* ls = app.add_subcommand("ls", "List cache entries");
  ls->add_option("--sort", ls_args.sort, "key, size, last_use, hits or age")
      ->check(CLI::IsMember({"key", "size", "last_use", "hits", "age"}))
      ->capture_default_str();
  ls->add_flag("--reverse", ls_args.reverse, "Reverse the order");
  ls->add_option("--limit", ls_args.limit, "Entries to list; 0 for all")->capture_default_str();
  CLI::Option* ls_ns = ls->add_option("--namespace", ls_namespace, "Only this namespace");

  std::string show_key;
  bool show_source = false;
  CLI::App* show = app.add_subcommand("show", "An entry's metadata, key and partition report");
  show->add_option("KEY", show_key, "A key or a unique prefix (8+ hex digits)")->required();
  show->add_flag("--source", show_source, "Print the generated C++ too");

  std::string rm_key;
  CLI::App* rm = app.add_subcommand("rm", "Delete a cache entry");
  rm->add_option("KEY", rm_key, "A key or a unique prefix (8+ hex digits)")->required();

  aotd::tools::EvictArgs evict_args;
  uint64_t evict_max_bytes = 0;
  std::string evict_namespace;
  CLI::App* evict =
      app.add_subcommand("evict", "Evict entries by age, last use, size or namespace");
  evict->add_option("--older-than", evict_args.older_than, "Created longer ago (90s, 2h, 7d)");
  evict->add_option("--unused-for", evict_args.unused_for, "Not used for this long");
  CLI::Option* evict_max =
      evict->add_option("--max-bytes", evict_max_bytes,
                        "Shrink to this many bytes, least recently used first");
  CLI::Option* evict_ns = evict->add_option("--namespace", evict_namespace,
                                            "Only this namespace (alone: all of it)");

  CLI::App* verify = app.add_subcommand("verify", "Re-check every digest; remove damaged entries");

  std::string export_file, export_namespace;
  CLI::App* export_cmd = app.add_subcommand("export", "Write cache entries to a bundle file");
  export_cmd->add_option("FILE", export_file)->required();
  CLI::Option* export_ns = export_cmd->add_option("--namespace", export_namespace,
                                                  "Only this namespace");

  std::string import_file;
  CLI::App* import_cmd = app.add_subcommand("import", "Load a bundle file into the cache");
  import_cmd->add_option("FILE", import_file)->required()->check(CLI::ExistingFile);

  std::string explain_file;
  aotd::tools::ExplainArgs explain_args;
  CLI::App* explain =
      app.add_subcommand("explain", "Why a graph misses: which key component differs");
  explain->add_option("FILE", explain_file, "aten-fx-json or serialized graph proto")->required();
  explain->add_option("--partitioner", explain_args.partitioner, "default or min_cut");
  explain->add_option("--memory-budget", explain_args.memory_budget, "0..1");
  explain->add_option("--target", explain_args.target, "CPU target the job asks for");
  explain->add_option("--namespace", explain_args.cache_namespace, "Cache namespace");
  explain->add_option("--candidates", explain_args.max_candidates, "Closest entries to show")
      ->capture_default_str();

  CLI::App* health = app.add_subcommand("health", "Ask the server's gRPC health service");

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
  std::vector<std::string> dump_after;
  const std::string dump_help =
      "Print the graph after these stages (functionalize, autograd, decompose, cse, dce, "
      "partition, or all)";
  trace->add_option("--dump-after", dump_after, dump_help)->delimiter(',');

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
  compile->add_option("--dump-after", dump_after, dump_help)->delimiter(',');

  std::vector<std::string> conformance_dirs;
  bool conformance_local = false;
  CLI::App* conformance = app.add_subcommand(
      "conformance", "Compile recorded workloads, run them, compare with PyTorch's results");
  conformance->add_option("DIR", conformance_dirs, "Folders with forward.json and vectors/")->required();
  conformance->add_flag("--local", conformance_local,
                        "Compile in this process; without it, through --server");

  bool ops_markdown = false;
  CLI::App* ops = app.add_subcommand("ops", "List the op library and what each op declares");
  ops->add_flag("--markdown", ops_markdown, "A Markdown table");

  CLI11_PARSE(app, argc, argv);

  admin.json = json;
  if (isatty(STDOUT_FILENO)) admin.progress = &std::cerr;
  if (stats->parsed()) return Finish(aotd::tools::StatsCommand(admin, std::cout));
  if (ls->parsed()) {
    if (ls_ns->count() > 0) ls_args.cache_namespace = ls_namespace;
    return Finish(aotd::tools::ListCommand(admin, ls_args, std::cout));
  }
  if (show->parsed()) {
    return Finish(aotd::tools::ShowCommand(admin, show_key, show_source, std::cout));
  }
  if (rm->parsed()) return Finish(aotd::tools::RemoveCommand(admin, rm_key, std::cout));
  if (evict->parsed()) {
    if (evict_max->count() > 0) evict_args.max_bytes = evict_max_bytes;
    if (evict_ns->count() > 0) evict_args.cache_namespace = evict_namespace;
    return Finish(aotd::tools::EvictCommand(admin, evict_args, std::cout));
  }
  if (verify->parsed()) return Finish(aotd::tools::VerifyCommand(admin, std::cout));
  if (export_cmd->parsed()) {
    std::optional<std::string> ns;
    if (export_ns->count() > 0) ns = export_namespace;
    return Finish(aotd::tools::ExportCommand(admin, export_file, ns, std::cout));
  }
  if (import_cmd->parsed()) {
    return Finish(aotd::tools::ImportCommand(admin, import_file, std::cout));
  }
  if (explain->parsed()) {
    return Finish(aotd::tools::ExplainCommand(admin, explain_file, explain_args, std::cout));
  }
  if (health->parsed()) return Finish(aotd::tools::HealthCommand(admin, std::cout));

  if (check->parsed()) return Finish(aotd::tools::GraphCheck(check_files, std::cout));
  if (print->parsed()) return Finish(aotd::tools::GraphPrint(print_file, std::cout));
  if (key->parsed()) return Finish(aotd::tools::GraphKeyCommand(key_file, std::cout));
  if (trace->parsed()) {
    return Finish(aotd::tools::TraceCommand(trace_file, trace_json || json, dump_after, std::cout));
  }
  if (partition->parsed()) {
    if (partition_compare) {
      return Finish(aotd::tools::PartitionCompareCommand(partition_files, std::cout));
    }
    if (partition_files.size() != 1) {
      return Finish(absl::InvalidArgumentError("partition takes one FILE (or --compare)"));
    }
    return Finish(aotd::tools::PartitionCommand(partition_files[0], partitioner, memory_budget,
                                                partition_json || json, std::cout));
  }
  if (compile->parsed()) {
    if (!compile_local) {
      return Finish(absl::UnimplementedError("compiling through a server is not available yet: use --local"));
    }
    return Finish(aotd::tools::CompileCommand(compile_file, partitioner, memory_budget,
                                              compile_output, compile_source, dump_after,
                                              std::cout));
  }
  if (conformance->parsed()) {
    if (conformance_local) {
      return Finish(aotd::tools::ConformanceCommand(
          conformance_dirs, aotd::tools::LocalArtifactSource(), std::cout));
    }
    aotd::client::Client::Options client_options;
    client_options.address = admin.server;
    client_options.tls_ca_file = admin.tls_ca_file;
    client_options.tls_cert_file = admin.tls_cert_file;
    client_options.tls_key_file = admin.tls_key_file;
    aotd::client::Client client(client_options);
    return Finish(aotd::tools::ConformanceCommand(
        conformance_dirs, aotd::tools::ServerArtifactSource(&client), std::cout));
  }
  if (ops->parsed()) return Finish(aotd::tools::OpsCommand(ops_markdown, std::cout));
  return 2;
}
