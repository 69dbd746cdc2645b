// Conversion between the wire format (proto::Graph) and the IR.
#ifndef AOTD_COMPILER_FRONTEND_PROTO_CONVERT_H_
#define AOTD_COMPILER_FRONTEND_PROTO_CONVERT_H_

#include <optional>

#include "absl/status/statusor.h"
#include "compiler/ir/graph.h"
#include "proto/graph.pb.h"

namespace aotd::frontend {

inline constexpr uint32_t kGraphFormatVersion = 1;

proto::DType ToProtoDType(ir::DType dtype);
std::optional<ir::DType> FromProtoDType(int dtype);  // nullopt if unknown.

// Imports a graph from the wire: resolves names, binds every node's arguments
// to its op's schema (positional, defaults filled), checks result counts,
// checks declared result dtypes and shapes against the op's inference, and
// verifies the structure (ir::VerifyGraph). INVALID_ARGUMENT naming the
// input, node or argument at fault: unknown format version, op or dtype,
// arguments that do not fit the schema, references to unknown or later
// values, duplicate names, bad shapes or strides.
absl::StatusOr<ir::Graph> GraphFromProto(const proto::Graph& graph);

// The wire form of a graph: arguments positional except the schema's
// keyword-only ones, which are kwargs; format version set.
// GraphFromProto(GraphToProto(g)) == g for any graph GraphFromProto made.
proto::Graph GraphToProto(const ir::Graph& graph);

}  // namespace aotd::frontend

#endif  // AOTD_COMPILER_FRONTEND_PROTO_CONVERT_H_
