// How an op is lowered to native code, declared on the op (OpDef::lowering)
// and read by compiler/codegen, which keeps no list of op names.
//
//   kDecomposition  the op never reaches codegen: the decompose pass
//                   rewrites it (OpDef::decompose must be set).
//   kElementwise    one C++ expression per result element, fused into loop
//                   nests (ElementFn over an ElementExpr).
//   kReduction      a sum, mean, max or min over some dims, fused with its
//                   pointwise producers (ReductionLowering).
//   kView           the results alias the first argument's storage at an
//                   offset with their own strides (ViewLowering).
//   kKernel         a call of the runtime kernel library by name
//                   (compiler/codegen/runtime, calling convention there).
//
// The C++ spellings of dtypes and literals live here too, since element
// expressions are written with them.
#ifndef AOTD_COMPILER_OPS_CORE_LOWERING_H_
#define AOTD_COMPILER_OPS_CORE_LOWERING_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "compiler/ir/graph.h"

namespace aotd::ops {

// "float", "int64_t", ... UNIMPLEMENTED for dtypes codegen cannot store.
absl::StatusOr<std::string> CType(ir::DType dtype);

// An exact C++ literal of `value` as `dtype` ("float(0x1.8p+0)", "int64_t(3LL)",
// "std::numeric_limits<float>::infinity()").
std::string Literal(double value, ir::DType dtype);

// `expr` (of dtype `from`) converted to `to`.
std::string Convert(const std::string& expr, ir::DType from, ir::DType to);

// What an element lowering sees of one node: the C++ expression of each
// tensor argument's element (empty for non-tensors), and the element's index
// into the result, one int64_t expression per dim. Operand expressions are
// simple (a name or an indexed load): a lowering may repeat them.
class ElementExpr {
 public:
  ElementExpr(const ir::Graph& graph, const ir::Node& node, std::vector<std::string> operands,
              std::vector<std::string> index)
      : graph_(graph), node_(node), operands_(std::move(operands)), index_(std::move(index)) {}

  const ir::Node& node() const { return node_; }
  const ir::Argument& arg(int i) const { return node_.args[i]; }
  ir::DType result() const { return graph_.type(node_.outputs[0]).dtype; }
  // The dtype of argument i: its tensor's, or the wrapped number's kind
  // (float -> float64, bool -> bool, int -> int64).
  ir::DType dtype_of(int i) const;
  // Argument i (a tensor element or a number) as `dtype`.
  std::string as(int i, ir::DType dtype) const;
  // Argument i in the result dtype.
  std::string x(int i) const { return as(i, result()); }
  // The result's C++ type.
  std::string ct() const { return CType(result()).value_or("double"); }
  // Scalar argument i as a literal of the result dtype.
  std::string scalar(int i) const { return Literal(arg(i).AsFloat(), result()); }
  // `value` as a literal of the result dtype.
  std::string lit(double value) const { return Literal(value, result()); }
  // The element's index into the result along dim d.
  const std::string& index(int d) const { return index_[d]; }
  // The dtype arguments 0 and 1 compare in: torch.result_type of the two.
  ir::DType ComparisonDType() const;

 private:
  const ir::Graph& graph_;
  const ir::Node& node_;
  std::vector<std::string> operands_;
  std::vector<std::string> index_;
};

// The element expression of a node, of the node's result dtype.
using ElementFn = std::function<std::string(const ElementExpr&)>;

// Helpers element lowerings are written with.
namespace lower {
// fn(a): "fn(a)".
std::string Call(const char* fn, const std::string& a);
// An immediately invoked lambda returning the result type, `params` ("float
// x, float y") bound to `args`: each operand is evaluated once however often
// `body` uses it.
std::string Invoke(const ElementExpr& e, const std::string& params, const std::string& body,
                   const std::string& args);
// "T a" and "T a, T b" in the result type T.
std::string Param(const ElementExpr& e, const char* a);
std::string Params(const ElementExpr& e, const char* a, const char* b);
// NaN-propagating max and min of two simple expressions of one type.
std::string MaxOf(const std::string& a, const std::string& b);
std::string MinOf(const std::string& a, const std::string& b);
// 1 / (1 + exp(-x)) in type t (exact 0 and 1 for large |x|).
std::string Sigmoid(const std::string& x, const std::string& t);
}  // namespace lower

// A reduction over some dims of argument 0.
struct ReductionLowering {
  enum class Combine { kSum, kMax, kMin };
  Combine combine = Combine::kSum;
  bool mean = false;     // Divide the sum by the count.
  int dims_arg = -1;     // The int[]? dims argument; -1 or None: every dim.
  int keepdim_arg = -1;  // The bool keepdim argument; -1: false.
};

// The result of a view op, as codegen and the passes see it.
struct ViewCall {
  const ir::Graph& graph;
  const ir::Node& node;
  int output;                 // Which result.
  int64_t input_offset = 0;   // The storage offset (elements) of argument 0.
};

// A view: result `output` is argument 0's storage at `offset(call)` elements
// from its start, with the result type's strides.
struct ViewLowering {
  std::function<int64_t(const ViewCall&)> offset;  // Unset: the input's offset.
  // Whether this node aliases its input; unset: always. A node that does
  // not (a reshape whose input's strides do not allow a view) is a copy
  // into a new contiguous tensor, by the runtime kernel `copy_kernel`
  // with argument 0 only.
  std::function<bool(const ir::Graph&, const ir::Node&)> aliases;
  std::string copy_kernel;
};

struct Lowering {
  enum class Kind { kDecomposition, kElementwise, kReduction, kView, kKernel };
  Kind kind = Kind::kDecomposition;
  ElementFn element;
  ReductionLowering reduction;
  ViewLowering view;
  std::string kernel;  // kKernel: the runtime kernel's name (aotd_rt::<kernel>).
};

// Whether `node`'s results alias its first argument's storage (a view op
// whose lowering says so for this node). The one definition of "view" every
// pass uses.
bool IsAliasingView(const ir::Graph& graph, const ir::Node& node);

// The storage each value lives in: itself, or for the results of an aliasing
// view, its first argument's storage base (transitively). Indexed by value.
std::vector<ir::ValueId> StorageBases(const ir::Graph& graph);

}  // namespace aotd::ops

#endif  // AOTD_COMPILER_OPS_CORE_LOWERING_H_
