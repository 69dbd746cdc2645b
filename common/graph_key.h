// The canonical key of a forward graph.
//
// GraphKey is SHA-256 over a canonical encoding of a proto::Graph (format
// "aotd-graph-key/1", documented in docs/formats.md):
//   - names of inputs and nodes and input labels are ignored: a value is
//     numbered by position (inputs first, then node outputs in order);
//   - kwargs are encoded sorted by name;
//   - everything else is encoded: input dtype, shape, strides and
//     requires_grad; each node's op, arguments and declared output metadata;
//     the graph outputs and the format version.
// Two graphs that differ only in names, labels or kwarg order have the same
// key; any change of op, argument, edge, shape, stride, dtype or
// requires_grad changes it. Callers that want kwargs and positional
// arguments to agree key the normalized graph (compiler import does that).
#ifndef AOTD_COMMON_GRAPH_KEY_H_
#define AOTD_COMMON_GRAPH_KEY_H_

#include <string>

#include "absl/status/statusor.h"
#include "common/sha256.h"
#include "proto/graph.pb.h"

namespace aotd {

// The canonical encoding itself (exposed for tests and `aotctl explain`).
// INVALID_ARGUMENT if a reference names no earlier input or node output.
absl::StatusOr<std::string> CanonicalGraphEncoding(const proto::Graph& graph);

// SHA-256 of CanonicalGraphEncoding.
absl::StatusOr<Sha256Digest> GraphKey(const proto::Graph& graph);

}  // namespace aotd

#endif  // AOTD_COMMON_GRAPH_KEY_H_
