// Internal to compiler/codegen: C++ spellings of dtypes and literals, and
// the per-element expressions of pointwise ops.
#ifndef AOTD_COMPILER_CODEGEN_ELEMENT_H_
#define AOTD_COMPILER_CODEGEN_ELEMENT_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "compiler/ir/graph.h"

namespace aotd::codegen {

// "float", "int64_t", ... UNIMPLEMENTED for half-precision types.
absl::StatusOr<std::string> CType(ir::DType dtype);

// An exact C++ literal of `value` as `dtype` ("float(0x1.8p+0)", "int64_t(3)",
// "std::numeric_limits<float>::infinity()").
std::string Literal(double value, ir::DType dtype);

// `expr` (of dtype `from`) converted to `to`.
std::string Convert(const std::string& expr, ir::DType from, ir::DType to);

// One pointwise or creation node, for lowering to an element expression:
// the C++ expression of each tensor argument's element (empty for
// non-tensors), and the element's index into the node's result, one C++
// expression of type int64_t per dim (arange computes its value from it).
struct ElementCall {
  const ir::Graph& graph;
  const ir::Node& node;
  std::vector<std::string> operands;
  std::vector<std::string> index;
};

// The element expression of a pointwise or creation node, of the node's
// result dtype. UNIMPLEMENTED for ops the code generator cannot inline.
absl::StatusOr<std::string> LowerElement(const ElementCall& call);

// Whether LowerElement handles `op`.
bool HasElementLowering(const std::string& op);

}  // namespace aotd::codegen

#endif  // AOTD_COMPILER_CODEGEN_ELEMENT_H_
