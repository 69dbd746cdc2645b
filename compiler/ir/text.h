// The text form of the IR: readable, and exact under print -> parse -> print.
//
//   graph(
//     %x: f32[8,10] requires_grad label="logits",
//     %t: i64[8]{1}
//   ) {
//     %ls = aten._log_softmax.default(%x, 1, false) : f32[8,10]
//     %nll = aten.nll_loss_forward.default(%ls, %t, None, 1, -100) : (f32[], f32[])
//     return (%nll#0)
//   }
//
// Types are `<dtype>[<shape>]`, followed by `{<strides>}` only when the
// strides are not the contiguous ones. `%name#i` is output i of a node with
// several outputs. Literals: None, true, false, integers, floats (always with
// a '.', an exponent, or inf/-inf/nan), "strings", torch.<dtype>,
// device("cpu"), layout("strided"), memory_format("contiguous_format"), and
// [lists]. Names that are not identifiers are quoted: %"a b".
#ifndef AOTD_COMPILER_IR_TEXT_H_
#define AOTD_COMPILER_IR_TEXT_H_

#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"
#include "compiler/ir/graph.h"

namespace aotd::ir {

std::string PrintGraph(const Graph& graph);
std::string PrintType(const TensorType& type);
// One argument as the text form prints it; values by their names in `graph`.
std::string PrintArgument(const Graph& graph, const Argument& arg);

// Parses the text form. INVALID_ARGUMENT with line and column on a syntax
// error, an unknown or duplicate name, or a use before definition. The
// result is not verified against op schemas.
absl::StatusOr<Graph> ParseGraph(absl::string_view text);

}  // namespace aotd::ir

#endif  // AOTD_COMPILER_IR_TEXT_H_
