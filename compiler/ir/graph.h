// The in-memory forward/joint graph: values, nodes and tensor types.
//
// A Graph is a list of inputs, a list of nodes in topological order (a node
// only uses values defined before it) and a list of outputs. Every value is
// either a graph input or one output of a node, and has a TensorType. Nodes
// carry ATen op names ("aten.addmm.default") and their arguments bound to the
// op's schema: positional, in schema order, defaults filled in.
//
// Graphs are plain values: copyable, comparable, not thread-safe for
// concurrent mutation. Adding inputs and nodes does not check them; run
// VerifyGraph (compiler/ir/verify.h) on anything that came from outside.
#ifndef AOTD_COMPILER_IR_GRAPH_H_
#define AOTD_COMPILER_IR_GRAPH_H_

#include <cstdint>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "compiler/ir/dtype.h"

namespace aotd::ir {

using Dims = std::vector<int64_t>;

// Row-major strides for `shape` (size-1 and size-0 dims get the stride they
// would have if they were larger, as PyTorch does).
Dims ContiguousStrides(const Dims& shape);

struct TensorType {
  DType dtype = DType::kFloat32;
  Dims shape;
  Dims strides;  // In elements, one per dimension.

  static TensorType Contiguous(DType dtype, Dims shape);
  int Rank() const { return static_cast<int>(shape.size()); }
  // Product of the shape; 1 for a scalar. Callers keep shapes verified.
  int64_t NumElements() const;
  int64_t ByteSize() const { return NumElements() * ItemSize(dtype); }
  bool IsContiguous() const;
  // Whether the strides lay the elements out without gaps or overlap: some
  // permutation of the dims is contiguous (size-1 dims ignored).
  bool IsDense() const;
  // The layout a stored copy of such a tensor takes: these strides when
  // dense, else contiguous. Program outputs, saved activations and tangents
  // all use it, so producer and consumer agree.
  TensorType StoredLayout() const;
  bool operator==(const TensorType& other) const;
  bool operator!=(const TensorType& other) const { return !(*this == other); }
};

// Index of a value in Graph::values().
using ValueId = int32_t;
// The value of an absent tensor (no gradient, no result).
inline constexpr ValueId kNoValue = -1;

// One argument of a node: a literal, a tensor value, or a list of arguments.
// Device, layout and memory-format arguments keep their ATen spelling
// ("cpu", "strided", "contiguous_format").
class Argument {
 public:
  enum class Kind : uint8_t {
    kNone,
    kBool,
    kInt,
    kFloat,
    kString,
    kDType,
    kDevice,
    kLayout,
    kMemoryFormat,
    kValue,
    kList,
  };

  Argument() = default;  // None.
  static Argument None() { return Argument(); }
  static Argument Bool(bool v);
  static Argument Int(int64_t v);
  static Argument Float(double v);
  static Argument String(std::string v);
  static Argument DTypeArg(DType v);
  static Argument Device(std::string v);
  static Argument Layout(std::string v);
  static Argument MemoryFormat(std::string v);
  static Argument Value(ValueId v);
  static Argument List(std::vector<Argument> items);
  static Argument IntList(const Dims& items);
  static Argument ValueList(const std::vector<ValueId>& items);

  Kind kind() const { return kind_; }
  bool is_none() const { return kind_ == Kind::kNone; }
  bool is_value() const { return kind_ == Kind::kValue; }
  bool is_list() const { return kind_ == Kind::kList; }
  // A Python number (int, float or bool).
  bool is_number() const {
    return kind_ == Kind::kInt || kind_ == Kind::kFloat || kind_ == Kind::kBool;
  }

  // Accessors; each requires the matching kind (numbers convert).
  bool AsBool() const;
  int64_t AsInt() const;
  double AsFloat() const;
  const std::string& AsString() const { return string_; }
  DType AsDType() const { return static_cast<DType>(int_); }
  ValueId AsValue() const { return static_cast<ValueId>(int_); }
  const std::vector<Argument>& AsList() const { return list_; }
  std::vector<Argument>& MutableList() { return list_; }
  Dims AsIntList() const;
  std::vector<ValueId> AsValueList() const;

  // Structural equality; NaN equals NaN, -0.0 differs from 0.0.
  bool operator==(const Argument& other) const;
  bool operator!=(const Argument& other) const { return !(*this == other); }

 private:
  Kind kind_ = Kind::kNone;
  int64_t int_ = 0;  // kBool, kInt, kDType, kValue.
  double float_ = 0;
  std::string string_;  // kString, kDevice, kLayout, kMemoryFormat.
  std::vector<Argument> list_;
};

struct Value {
  TensorType type;
  int32_t node = -1;  // Defining node, or -1 for a graph input.
  int32_t index = 0;  // Output index within the node, or input index.
  bool operator==(const Value& o) const {
    return type == o.type && node == o.node && index == o.index;
  }
};

struct Input {
  std::string name;
  std::string label;
  bool requires_grad = false;
  ValueId value = 0;
  bool operator==(const Input& o) const {
    return name == o.name && label == o.label &&
           requires_grad == o.requires_grad && value == o.value;
  }
};

struct Node {
  std::string name;
  std::string op;  // "aten.addmm.default".
  std::vector<Argument> args;
  std::vector<ValueId> outputs;
  bool operator==(const Node& o) const {
    return name == o.name && op == o.op && args == o.args && outputs == o.outputs;
  }
};

class Graph {
 public:
  ValueId AddInput(std::string name, TensorType type, bool requires_grad,
                   std::string label = "");
  // Appends a node with one output per type; returns the node's index.
  int AddNode(std::string name, std::string op, std::vector<Argument> args,
              std::vector<TensorType> output_types);
  void AddOutput(ValueId value) { outputs_.push_back(value); }
  void SetOutputs(std::vector<ValueId> outputs) { outputs_ = std::move(outputs); }

  const std::vector<Input>& inputs() const { return inputs_; }
  const std::vector<Node>& nodes() const { return nodes_; }
  const std::vector<Value>& values() const { return values_; }
  const std::vector<ValueId>& outputs() const { return outputs_; }
  const Node& node(int index) const { return nodes_[index]; }
  const Value& value(ValueId id) const { return values_[id]; }
  const TensorType& type(ValueId id) const { return values_[id].type; }
  bool IsValidValue(ValueId id) const {
    return id >= 0 && id < static_cast<ValueId>(values_.size());
  }

  // The name the text form gives a value: "x", or "split#1" for one output
  // of a node with several.
  std::string ValueName(ValueId id) const;
  // A name used by no input or node yet, made from `base` ("mul" -> "mul_3").
  std::string FreshName(absl::string_view base);

  bool operator==(const Graph& o) const {
    return inputs_ == o.inputs_ && nodes_ == o.nodes_ && values_ == o.values_ &&
           outputs_ == o.outputs_;
  }
  bool operator!=(const Graph& o) const { return !(*this == o); }

 private:
  void NoteName(const std::string& name);

  std::vector<Input> inputs_;
  std::vector<Node> nodes_;
  std::vector<Value> values_;
  std::vector<ValueId> outputs_;
  // Names in use, and the next suffix FreshName tries for each base.
  absl::flat_hash_map<std::string, int> names_;
};

}  // namespace aotd::ir

#endif  // AOTD_COMPILER_IR_GRAPH_H_
