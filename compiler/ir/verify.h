// Structural verification of a graph, independent of op semantics.
#ifndef AOTD_COMPILER_IR_VERIFY_H_
#define AOTD_COMPILER_IR_VERIFY_H_

#include <string>

#include "absl/status/status.h"
#include "compiler/ir/graph.h"

namespace aotd::ir {

// Largest tensor accepted anywhere: 2^48 elements (and storage extent).
inline constexpr int64_t kMaxElements = int64_t{1} << 48;
inline constexpr int kMaxRank = 16;

// Checks what every later stage relies on: the graph has outputs; names are
// non-empty and unique; every argument refers to a value defined earlier;
// every type has rank <= kMaxRank, non-negative dimensions, at most
// kMaxElements elements, one non-negative stride per dimension and a storage
// extent within kMaxElements. INVALID_ARGUMENT naming the input, node or
// output at fault.
absl::Status VerifyGraph(const Graph& graph);

// Checks one tensor type; `what` names its owner in the message
// ("input 'x'", "node 'mm' output 0").
absl::Status VerifyTensorType(const TensorType& type, const std::string& what);

// "node 'mm' (aten.mm.default)": how messages name a node.
std::string DescribeNode(const Node& node);

}  // namespace aotd::ir

#endif  // AOTD_COMPILER_IR_VERIFY_H_
