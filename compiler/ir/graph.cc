#include "compiler/ir/graph.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace aotd::ir {

Dims ContiguousStrides(const Dims& shape) {
  Dims strides(shape.size());
  int64_t stride = 1;
  for (int i = static_cast<int>(shape.size()) - 1; i >= 0; --i) {
    strides[i] = stride;
    stride *= shape[i] > 1 ? shape[i] : 1;
  }
  return strides;
}

TensorType TensorType::Contiguous(DType dtype, Dims shape) {
  Dims strides = ContiguousStrides(shape);
  return TensorType{dtype, std::move(shape), std::move(strides)};
}

int64_t TensorType::NumElements() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

bool TensorType::IsContiguous() const {
  if (strides.size() != shape.size()) return false;
  int64_t expected = 1;
  for (int i = Rank() - 1; i >= 0; --i) {
    if (shape[i] != 1 && strides[i] != expected) return false;
    expected *= shape[i];
  }
  return true;
}

bool TensorType::IsDense() const {
  if (strides.size() != shape.size()) return false;
  std::vector<int> dims;
  for (int i = 0; i < Rank(); ++i) {
    if (shape[i] != 1) dims.push_back(i);
  }
  std::sort(dims.begin(), dims.end(), [&](int a, int b) { return strides[a] > strides[b]; });
  int64_t expected = 1;
  for (auto it = dims.rbegin(); it != dims.rend(); ++it) {
    if (strides[*it] != expected) return false;
    expected *= shape[*it];
  }
  return true;
}

TensorType TensorType::StoredLayout() const {
  return IsDense() ? *this : Contiguous(dtype, shape);
}

bool TensorType::operator==(const TensorType& other) const {
  return dtype == other.dtype && shape == other.shape && strides == other.strides;
}

Argument Argument::Bool(bool v) {
  Argument a;
  a.kind_ = Kind::kBool;
  a.int_ = v;
  return a;
}

Argument Argument::Int(int64_t v) {
  Argument a;
  a.kind_ = Kind::kInt;
  a.int_ = v;
  return a;
}

Argument Argument::Float(double v) {
  Argument a;
  a.kind_ = Kind::kFloat;
  a.float_ = v;
  return a;
}

Argument Argument::String(std::string v) {
  Argument a;
  a.kind_ = Kind::kString;
  a.string_ = std::move(v);
  return a;
}

Argument Argument::DTypeArg(DType v) {
  Argument a;
  a.kind_ = Kind::kDType;
  a.int_ = static_cast<int64_t>(v);
  return a;
}

Argument Argument::Device(std::string v) {
  Argument a = String(std::move(v));
  a.kind_ = Kind::kDevice;
  return a;
}

Argument Argument::Layout(std::string v) {
  Argument a = String(std::move(v));
  a.kind_ = Kind::kLayout;
  return a;
}

Argument Argument::MemoryFormat(std::string v) {
  Argument a = String(std::move(v));
  a.kind_ = Kind::kMemoryFormat;
  return a;
}

Argument Argument::Value(ValueId v) {
  Argument a;
  a.kind_ = Kind::kValue;
  a.int_ = v;
  return a;
}

Argument Argument::List(std::vector<Argument> items) {
  Argument a;
  a.kind_ = Kind::kList;
  a.list_ = std::move(items);
  return a;
}

Argument Argument::IntList(const Dims& items) {
  std::vector<Argument> list;
  list.reserve(items.size());
  for (int64_t v : items) list.push_back(Int(v));
  return List(std::move(list));
}

Argument Argument::ValueList(const std::vector<ValueId>& items) {
  std::vector<Argument> list;
  list.reserve(items.size());
  for (ValueId v : items) list.push_back(Value(v));
  return List(std::move(list));
}

bool Argument::AsBool() const {
  return kind_ == Kind::kFloat ? float_ != 0 : int_ != 0;
}

int64_t Argument::AsInt() const {
  return kind_ == Kind::kFloat ? static_cast<int64_t>(float_) : int_;
}

double Argument::AsFloat() const {
  return kind_ == Kind::kFloat ? float_ : static_cast<double>(int_);
}

Dims Argument::AsIntList() const {
  if (kind_ != Kind::kList) return {AsInt()};
  Dims out;
  out.reserve(list_.size());
  for (const Argument& a : list_) out.push_back(a.AsInt());
  return out;
}

std::vector<ValueId> Argument::AsValueList() const {
  std::vector<ValueId> out;
  out.reserve(list_.size());
  for (const Argument& a : list_) out.push_back(a.AsValue());
  return out;
}

bool Argument::operator==(const Argument& other) const {
  if (kind_ != other.kind_) return false;
  switch (kind_) {
    case Kind::kNone:
      return true;
    case Kind::kFloat:
      if (std::isnan(float_)) return std::isnan(other.float_);
      return std::memcmp(&float_, &other.float_, sizeof float_) == 0;
    case Kind::kString:
    case Kind::kDevice:
    case Kind::kLayout:
    case Kind::kMemoryFormat:
      return string_ == other.string_;
    case Kind::kList:
      return list_ == other.list_;
    default:
      return int_ == other.int_;
  }
}

ValueId Graph::AddInput(std::string name, TensorType type, bool requires_grad,
                        std::string label) {
  ValueId id = static_cast<ValueId>(values_.size());
  values_.push_back(
      Value{std::move(type), -1, static_cast<int32_t>(inputs_.size())});
  NoteName(name);
  inputs_.push_back(Input{std::move(name), std::move(label), requires_grad, id});
  return id;
}

int Graph::AddNode(std::string name, std::string op, std::vector<Argument> args,
                   std::vector<TensorType> output_types) {
  int index = static_cast<int>(nodes_.size());
  Node node{std::move(name), std::move(op), std::move(args), {}};
  for (size_t i = 0; i < output_types.size(); ++i) {
    node.outputs.push_back(static_cast<ValueId>(values_.size()));
    values_.push_back(Value{std::move(output_types[i]), index, static_cast<int32_t>(i)});
  }
  NoteName(node.name);
  nodes_.push_back(std::move(node));
  return index;
}

std::string Graph::ValueName(ValueId id) const {
  const Value& v = values_[id];
  if (v.node < 0) return inputs_[v.index].name;
  const Node& n = nodes_[v.node];
  if (n.outputs.size() == 1) return n.name;
  return absl::StrCat(n.name, "#", v.index);
}

void Graph::NoteName(const std::string& name) { names_.try_emplace(name, 1); }

std::string Graph::FreshName(absl::string_view base) {
  std::string candidate(base);
  auto [it, inserted] = names_.try_emplace(candidate, 1);
  if (inserted) {
    names_.erase(it);
    return candidate;
  }
  int& next = it->second;
  while (true) {
    candidate = absl::StrCat(base, "_", next++);
    if (!names_.contains(candidate)) return candidate;
  }
}

}  // namespace aotd::ir
