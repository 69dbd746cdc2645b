// Reads the aten-fx-json/1 interchange format (PyTorch FX graphs written as
// JSON; see docs/formats.md) into the wire format.
#ifndef AOTD_COMPILER_FRONTEND_FX_JSON_H_
#define AOTD_COMPILER_FRONTEND_FX_JSON_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "proto/graph.pb.h"

namespace aotd::frontend {

// Converts one aten-fx-json/1 document to a proto::Graph. `getitem` nodes
// disappear: a use of one becomes a reference to that output of its
// producer. Arguments and kwargs are carried as given (binding to schemas is
// GraphFromProto's job). INVALID_ARGUMENT naming the input or node on
// malformed JSON, a wrong format tag, missing or mistyped fields, an unknown
// dtype, or a getitem out of range.
absl::StatusOr<proto::Graph> FxJsonToProto(absl::string_view json_text);

}  // namespace aotd::frontend

#endif  // AOTD_COMPILER_FRONTEND_FX_JSON_H_
