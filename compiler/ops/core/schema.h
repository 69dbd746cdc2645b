// ATen function schemas: parsing the signature strings of PyTorch's
// native_functions.yaml, and binding a call's arguments to a schema.
//
//   ASSIGN_OR_RETURN(OpSchema schema, ParseSchema(
//       "addmm(Tensor self, Tensor mat1, Tensor mat2, *, Scalar beta=1, "
//       "Scalar alpha=1) -> Tensor"));
//   schema.name == "aten.addmm.default"
//   ASSIGN_OR_RETURN(std::vector<ir::Argument> args,
//                    BindArguments(schema, {x, a, b}, {{"alpha", Int(2)}}));
//   // args == {x, a, b, Int(1), Int(2)}
//
// Bound arguments are what graph nodes carry (compiler/ir/graph.h): one per
// schema argument, in schema order, defaults filled in, in canonical form:
//   - float arguments hold Argument::Float (an int given for one is converted);
//   - a list argument holds a list, never a bare item: a single int given for
//     int[] or int[1] becomes [v], and for int[N] (N > 1) N copies of v; a
//     one-item list given for any T[N] (N > 1) is repeated N times;
//   - Scalar arguments keep the kind they were given (int, float or bool);
//   - None stands for an absent optional argument.
// List lengths are checked, which PyTorch never does: int[1] (ATen's "one
// dim or a list of dims") takes a list of any length; any other T[N] takes N
// items, or for int lists also none (ATen's pooling ops read an empty stride
// as "same as kernel_size", and `int[2] stride=[]` is their default).
// As in PyTorch, the arithmetic ops flagged `numbers_as_tensors` below take a
// number for a Tensor argument (FX graphs carry `aten.mul.Tensor(x, 0.25)`);
// the number stays an int, float or bool argument, PyTorch's "wrapped
// number".
//
// Everything here is a pure function of its inputs and thread-safe.
#ifndef AOTD_COMPILER_OPS_CORE_SCHEMA_H_
#define AOTD_COMPILER_OPS_CORE_SCHEMA_H_

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "compiler/ir/graph.h"

namespace aotd::ops {

// The type of one schema argument, e.g. `Tensor?`, `int[2]`, `Tensor?[]`.
struct ArgType {
  enum class Base {
    kTensor,
    kInt,  // int and SymInt.
    kFloat,
    kBool,
    kScalar,
    kScalarType,
    kLayout,
    kDevice,
    kMemoryFormat,
    kString,
    kGenerator,
  };

  Base base = Base::kTensor;
  bool optional = false;          // `T?` / `T[]?`: None is accepted.
  bool is_list = false;           // `T[]` / `T[N]`.
  int list_size = 0;              // N in `T[N]`; 0 for `T[]`.
  bool element_optional = false;  // `T?[]` (Tensor?[]): items may be None.

  // ATen spelling: "Tensor?", "int[2]", "Tensor?[]". SymInt prints as int.
  std::string ToString() const;
  bool operator==(const ArgType& o) const {
    return base == o.base && optional == o.optional && is_list == o.is_list &&
           list_size == o.list_size && element_optional == o.element_optional;
  }
};

struct ArgSpec {
  std::string name;
  ArgType type;
  // In canonical bound form (see above); nullopt: the argument is required.
  // An optional type without a default (`str? rounding_mode`) is required.
  std::optional<ir::Argument> default_value;
  bool keyword_only = false;  // Declared after `*`.
  // Alias annotation: `Tensor(a!) self` has alias_set "a" and mutated true;
  // `Tensor(a) self` (a view's input) has alias_set "a" and mutated false.
  std::string alias_set;
  bool mutated = false;
};

// One tensor result. Only Tensor results are supported.
struct ReturnSpec {
  std::string name;       // "output" in `-> (Tensor output, ...)`; often "".
  std::string alias_set;  // "a" in `-> Tensor(a)`: aliases that argument.
  bool mutated = false;   // `-> Tensor(a!)`.
};

struct OpSchema {
  // "aten.<name>.<overload>", overload "default" when the signature has none:
  // "aten.addmm.default", "aten.add_.Tensor" (how PyTorch FX prints targets).
  std::string name;
  std::vector<ArgSpec> args;
  // The results. A fixed tuple of tensors, one ReturnSpec each (empty for
  // `-> ()`); or, when `returns_list`, one `Tensor[]` result whose length is
  // known only per call, with `returns` holding one spec for its elements.
  std::vector<ReturnSpec> returns;
  bool returns_list = false;
  // PyTorch lets numbers stand for Tensor arguments of add, sub, mul, div,
  // their in-place forms, and a few others (torch's
  // should_allow_numbers_as_tensors). Derived from the op's name.
  bool numbers_as_tensors = false;
  std::string signature;  // The text it was parsed from.

  // Index of the argument called `name`, or -1.
  int ArgIndex(absl::string_view name) const;
};

// Parses one native_functions.yaml signature ("aten::" prefix optional).
// Supported argument types: Tensor, int, SymInt, float, bool, Scalar,
// ScalarType, Layout, Device, MemoryFormat, str, Generator, each optionally a
// list (`[]`, `[N]`), optional (`?`), or for lists with optional items
// (`?[]`). Defaults: numbers, True/False, None, 'strings', [lists], a single
// item for a list type (`int[2] padding=0` is [0, 0]), the reduction names
// Mean (1) and Sum (2) for int, and memory-format and layout names.
// INVALID_ARGUMENT, with the offending position, on malformed text, an
// unknown type, a default that does not fit its type, a duplicate argument
// name, or a result that is not a tensor.
absl::StatusOr<OpSchema> ParseSchema(absl::string_view signature);

// Binds a call's arguments to `schema`: returns one argument per schema
// argument, in schema order, defaults filled in, in canonical form (see the
// top of this file). INVALID_ARGUMENT when there are too many positional
// arguments, a keyword-only argument is given positionally, a keyword names
// no argument, an argument is given twice, a required argument is missing,
// or an argument does not fit its type. Messages name the argument and the
// op, not the node ("argument 'mat1' of aten.addmm.default: expected Tensor,
// got int"); callers add the node.
absl::StatusOr<std::vector<ir::Argument>> BindArguments(
    const OpSchema& schema, std::vector<ir::Argument> positional,
    std::vector<std::pair<std::string, ir::Argument>> kwargs);

// Checks that `args` is already bound to `schema`: exactly one argument per
// schema argument, each of its type and in canonical form (so no conversion
// is needed: an int for a float argument, or a bare int or one-item list for
// int[2], is an error). INVALID_ARGUMENT worded as BindArguments words it.
absl::Status CheckBoundArguments(const OpSchema& schema,
                                 const std::vector<ir::Argument>& args);

}  // namespace aotd::ops

#endif  // AOTD_COMPILER_OPS_CORE_SCHEMA_H_
