// `aotctl trace` and `aotctl ops`: local views of the compiler front end.
#ifndef AOTD_TOOLS_COMPILER_COMMANDS_H_
#define AOTD_TOOLS_COMPILER_COMMANDS_H_

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace aotd::tools {

// Imports FILE, traces it and prints the joint graph in the text IR, or with
// `json` a summary: inputs and outputs by role and op counts, next to
// functorch's joint op counts when a reference.json sits beside FILE. Before
// it, the graph after each stage of `dump_after` (compiler/pipeline/stages.h;
// "all" for every one). INVALID_ARGUMENT for an unknown stage.
absl::Status TraceCommand(const std::string& file, bool json,
                          const std::vector<std::string>& dump_after, std::ostream& out);

// Partitions FILE's joint graph and prints the partition report (saved
// values and why, recomputed values and why, totals); with `json`, the same
// as JSON with functorch's field names (saved_values,
// saved_new_storage_tensors, saved_new_storage_bytes, recomputed_values).
absl::Status PartitionCommand(const std::string& file, const std::string& partitioner,
                              double memory_budget, bool json, std::ostream& out);

// For each file, aotd's default and min_cut saved new-storage bytes next to
// functorch's from the reference.json beside it: one table.
absl::Status PartitionCompareCommand(const std::vector<std::string>& files, std::ostream& out);

// Compiles FILE locally (no server) into a sealed artifact; writes it to
// `output` when not empty, prints the generated C++ when `print_source`, and
// prints a summary line with stage timings; `dump_after` as for
// TraceCommand.
absl::Status CompileCommand(const std::string& file, const std::string& partitioner,
                            double memory_budget, const std::string& output, bool print_source,
                            const std::vector<std::string>& dump_after, std::ostream& out);

// Prints every op in the registry with what it declares (schema, inference,
// kernel, derivative, decomposition, lowering): a Markdown table, or one
// line per op.
absl::Status OpsCommand(bool markdown, std::ostream& out);

}  // namespace aotd::tools

#endif  // AOTD_TOOLS_COMPILER_COMMANDS_H_
