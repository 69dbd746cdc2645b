// `aotctl graph ...`: import, verify, print and key forward graphs locally.
#ifndef AOTD_TOOLS_GRAPH_COMMANDS_H_
#define AOTD_TOOLS_GRAPH_COMMANDS_H_

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace aotd::tools {

// Imports and verifies each file; prints "OK <file> (<n> nodes, key <hex>)"
// or "FAIL <file>: <reason>" per file. Returns INVALID_ARGUMENT if any fails.
absl::Status GraphCheck(const std::vector<std::string>& files, std::ostream& out);

// Prints the verified graph in the text IR.
absl::Status GraphPrint(const std::string& file, std::ostream& out);

// Prints the canonical key (64 hex digits).
absl::Status GraphKeyCommand(const std::string& file, std::ostream& out);

}  // namespace aotd::tools

#endif  // AOTD_TOOLS_GRAPH_COMMANDS_H_
