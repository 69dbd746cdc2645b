// Loading a forward graph from bytes or a file, in any format we accept.
#ifndef AOTD_COMPILER_FRONTEND_LOAD_H_
#define AOTD_COMPILER_FRONTEND_LOAD_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "compiler/ir/graph.h"
#include "proto/graph.pb.h"

namespace aotd::frontend {

// Reads the wire form from `bytes`: an aten-fx-json/1 document (first
// non-blank byte '{') or a serialized proto::Graph. INVALID_ARGUMENT if the
// bytes are neither.
absl::StatusOr<proto::Graph> ParseGraphBytes(absl::string_view bytes);

// ParseGraphBytes then GraphFromProto: a verified IR graph.
absl::StatusOr<ir::Graph> LoadGraph(absl::string_view bytes);

// Reads a whole file. NOT_FOUND or UNAVAILABLE naming the path on failure.
absl::StatusOr<std::string> ReadFile(const std::string& path);

// LoadGraph on a file's contents (a folder's forward.json, for a workload
// folder); errors are prefixed with the path.
absl::StatusOr<ir::Graph> LoadGraphFile(const std::string& path);

}  // namespace aotd::frontend

#endif  // AOTD_COMPILER_FRONTEND_LOAD_H_
