#include "compiler/ir/text.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"

namespace aotd::ir {
namespace {

bool IsIdentifierChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

std::string Quote(absl::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u >= 0x7f) {
      char buf[5];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string PrintName(absl::string_view name) {
  bool plain = !name.empty();
  for (char c : name) plain = plain && IsIdentifierChar(c);
  return plain ? std::string(name) : Quote(name);
}

// Shortest decimal that reads back to the same double, always marked as a
// float.
std::string PrintFloat(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[32];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  std::string s = buf;
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

std::string PrintValueRef(const Graph& graph, ValueId id) {
  if (!graph.IsValidValue(id)) return absl::StrCat("%<invalid ", id, ">");
  const Value& v = graph.value(id);
  if (v.node < 0) return "%" + PrintName(graph.inputs()[v.index].name);
  const Node& node = graph.node(v.node);
  std::string s = "%" + PrintName(node.name);
  if (node.outputs.size() != 1) absl::StrAppend(&s, "#", v.index);
  return s;
}

}  // namespace

std::string PrintType(const TensorType& type) {
  std::string s = absl::StrCat(DTypeShortName(type.dtype), "[",
                               absl::StrJoin(type.shape, ","), "]");
  if (!type.IsContiguous()) absl::StrAppend(&s, "{", absl::StrJoin(type.strides, ","), "}");
  return s;
}

std::string PrintArgument(const Graph& graph, const Argument& arg) {
  switch (arg.kind()) {
    case Argument::Kind::kNone:
      return "None";
    case Argument::Kind::kBool:
      return arg.AsBool() ? "true" : "false";
    case Argument::Kind::kInt:
      return absl::StrCat(arg.AsInt());
    case Argument::Kind::kFloat:
      return PrintFloat(arg.AsFloat());
    case Argument::Kind::kString:
      return Quote(arg.AsString());
    case Argument::Kind::kDType:
      return absl::StrCat("torch.", DTypeName(arg.AsDType()));
    case Argument::Kind::kDevice:
      return absl::StrCat("device(", Quote(arg.AsString()), ")");
    case Argument::Kind::kLayout:
      return absl::StrCat("layout(", Quote(arg.AsString()), ")");
    case Argument::Kind::kMemoryFormat:
      return absl::StrCat("memory_format(", Quote(arg.AsString()), ")");
    case Argument::Kind::kValue:
      return PrintValueRef(graph, arg.AsValue());
    case Argument::Kind::kList: {
      std::vector<std::string> items;
      for (const Argument& item : arg.AsList()) items.push_back(PrintArgument(graph, item));
      return absl::StrCat("[", absl::StrJoin(items, ", "), "]");
    }
  }
  return "?";
}

std::string PrintGraph(const Graph& graph) {
  std::string out = "graph(";
  for (size_t i = 0; i < graph.inputs().size(); ++i) {
    const Input& input = graph.inputs()[i];
    absl::StrAppend(&out, i == 0 ? "\n" : ",\n", "  %", PrintName(input.name), ": ",
                    PrintType(graph.type(input.value)));
    if (input.requires_grad) absl::StrAppend(&out, " requires_grad");
    if (!input.label.empty()) absl::StrAppend(&out, " label=", Quote(input.label));
  }
  absl::StrAppend(&out, graph.inputs().empty() ? ") {\n" : "\n) {\n");
  for (const Node& node : graph.nodes()) {
    std::vector<std::string> args, types;
    for (const Argument& arg : node.args) args.push_back(PrintArgument(graph, arg));
    for (ValueId v : node.outputs) types.push_back(PrintType(graph.type(v)));
    std::string result = absl::StrJoin(types, ", ");
    if (types.size() != 1) result = absl::StrCat("(", result, ")");
    absl::StrAppend(&out, "  %", PrintName(node.name), " = ", node.op, "(",
                    absl::StrJoin(args, ", "), ") : ", result, "\n");
  }
  std::vector<std::string> outputs;
  for (ValueId v : graph.outputs()) outputs.push_back(PrintValueRef(graph, v));
  absl::StrAppend(&out, "  return (", absl::StrJoin(outputs, ", "), ")\n}\n");
  return out;
}

namespace {

class Parser {
 public:
  explicit Parser(absl::string_view text) : text_(text) {}

  absl::StatusOr<Graph> Parse() {
    RETURN_IF_ERROR(ExpectWord("graph"));
    RETURN_IF_ERROR(Expect('('));
    if (!Accept(')')) {
      do {
        RETURN_IF_ERROR(ParseInput());
      } while (Accept(','));
      RETURN_IF_ERROR(Expect(')'));
    }
    RETURN_IF_ERROR(Expect('{'));
    while (true) {
      SkipSpace();
      if (Peek() == '%') {
        RETURN_IF_ERROR(ParseNode());
        continue;
      }
      RETURN_IF_ERROR(ExpectWord("return"));
      RETURN_IF_ERROR(Expect('('));
      if (!Accept(')')) {
        do {
          ASSIGN_OR_RETURN(ValueId v, ParseValueRef());
          graph_.AddOutput(v);
        } while (Accept(','));
        RETURN_IF_ERROR(Expect(')'));
      }
      RETURN_IF_ERROR(Expect('}'));
      SkipSpace();
      if (pos_ != text_.size()) return Error("unexpected text after the graph");
      return std::move(graph_);
    }
  }

 private:
  absl::Status ParseInput() {
    ASSIGN_OR_RETURN(std::string name, ParseName());
    RETURN_IF_ERROR(Expect(':'));
    ASSIGN_OR_RETURN(TensorType type, ParseType());
    bool requires_grad = false;
    std::string label;
    while (true) {
      SkipSpace();
      if (AcceptWord("requires_grad")) {
        requires_grad = true;
      } else if (AcceptWord("label")) {
        RETURN_IF_ERROR(Expect('='));
        ASSIGN_OR_RETURN(label, ParseString());
      } else {
        break;
      }
    }
    RETURN_IF_ERROR(Define(name));
    ValueId v = graph_.AddInput(name, std::move(type), requires_grad, std::move(label));
    single_output_[name] = v;
    return absl::OkStatus();
  }

  absl::Status ParseNode() {
    ASSIGN_OR_RETURN(std::string name, ParseName());
    RETURN_IF_ERROR(Expect('='));
    SkipSpace();
    size_t start = pos_;
    while (pos_ < text_.size() && (IsIdentifierChar(text_[pos_]) || text_[pos_] == '.')) ++pos_;
    std::string op(text_.substr(start, pos_ - start));
    if (op.empty()) return Error("expected an op name");
    RETURN_IF_ERROR(Expect('('));
    std::vector<Argument> args;
    if (!Accept(')')) {
      do {
        ASSIGN_OR_RETURN(Argument arg, ParseArgument());
        args.push_back(std::move(arg));
      } while (Accept(','));
      RETURN_IF_ERROR(Expect(')'));
    }
    RETURN_IF_ERROR(Expect(':'));
    std::vector<TensorType> types;
    if (Accept('(')) {
      if (!Accept(')')) {
        do {
          ASSIGN_OR_RETURN(TensorType t, ParseType());
          types.push_back(std::move(t));
        } while (Accept(','));
        RETURN_IF_ERROR(Expect(')'));
      }
    } else {
      ASSIGN_OR_RETURN(TensorType t, ParseType());
      types.push_back(std::move(t));
    }
    RETURN_IF_ERROR(Define(name));
    int index = graph_.AddNode(name, std::move(op), std::move(args), std::move(types));
    const Node& node = graph_.node(index);
    multi_output_[name] = index;
    if (node.outputs.size() == 1) single_output_[name] = node.outputs[0];
    return absl::OkStatus();
  }

  absl::StatusOr<Argument> ParseArgument() {
    SkipSpace();
    char c = Peek();
    if (c == '%') {
      ASSIGN_OR_RETURN(ValueId v, ParseValueRef());
      return Argument::Value(v);
    }
    if (c == '[') {
      ++pos_;
      std::vector<Argument> items;
      if (!Accept(']')) {
        do {
          ASSIGN_OR_RETURN(Argument item, ParseArgument());
          items.push_back(std::move(item));
        } while (Accept(','));
        RETURN_IF_ERROR(Expect(']'));
      }
      return Argument::List(std::move(items));
    }
    if (c == '"') {
      ASSIGN_OR_RETURN(std::string s, ParseString());
      return Argument::String(std::move(s));
    }
    if (c == '-' || c == '+' || std::isdigit(static_cast<unsigned char>(c))) {
      return ParseNumber();
    }
    size_t start = pos_;
    while (pos_ < text_.size() && (IsIdentifierChar(text_[pos_]) || text_[pos_] == '.')) ++pos_;
    absl::string_view word = text_.substr(start, pos_ - start);
    if (word == "None") return Argument::None();
    if (word == "true") return Argument::Bool(true);
    if (word == "false") return Argument::Bool(false);
    if (word == "inf") return Argument::Float(std::numeric_limits<double>::infinity());
    if (word == "nan") return Argument::Float(std::numeric_limits<double>::quiet_NaN());
    if (word.substr(0, 6) == "torch.") {
      std::optional<DType> dtype = ParseDType(word.substr(6));
      if (!dtype) return ErrorAt(start, absl::StrCat("unknown dtype '", word, "'"));
      return Argument::DTypeArg(*dtype);
    }
    if (word == "device" || word == "layout" || word == "memory_format") {
      RETURN_IF_ERROR(Expect('('));
      ASSIGN_OR_RETURN(std::string s, ParseString());
      RETURN_IF_ERROR(Expect(')'));
      if (word == "device") return Argument::Device(std::move(s));
      if (word == "layout") return Argument::Layout(std::move(s));
      return Argument::MemoryFormat(std::move(s));
    }
    return ErrorAt(start, "expected an argument");
  }

  absl::StatusOr<Argument> ParseNumber() {
    size_t start = pos_;
    if (text_[pos_] == '-' || text_[pos_] == '+') ++pos_;
    if (text_.substr(pos_, 3) == "inf") {
      pos_ += 3;
      double inf = std::numeric_limits<double>::infinity();
      return Argument::Float(text_[start] == '-' ? -inf : inf);
    }
    bool is_float = false;
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == '.' || c == 'e' || c == 'E') {
        is_float = true;
      } else if ((c == '-' || c == '+') && (text_[pos_ - 1] == 'e' || text_[pos_ - 1] == 'E')) {
      } else if (!std::isdigit(static_cast<unsigned char>(c))) {
        break;
      }
      ++pos_;
    }
    std::string token(text_.substr(start, pos_ - start));
    char* end = nullptr;
    errno = 0;
    if (is_float) {
      double v = std::strtod(token.c_str(), &end);
      if (*end != '\0') return ErrorAt(start, absl::StrCat("bad number '", token, "'"));
      return Argument::Float(v);
    }
    long long v = std::strtoll(token.c_str(), &end, 10);
    if (*end != '\0' || errno == ERANGE) {
      return ErrorAt(start, absl::StrCat("bad integer '", token, "'"));
    }
    return Argument::Int(v);
  }

  absl::StatusOr<TensorType> ParseType() {
    SkipSpace();
    size_t start = pos_;
    while (pos_ < text_.size() && IsIdentifierChar(text_[pos_])) ++pos_;
    std::optional<DType> dtype = ParseDType(text_.substr(start, pos_ - start));
    if (!dtype) return ErrorAt(start, "expected a dtype such as f32");
    TensorType type;
    type.dtype = *dtype;
    RETURN_IF_ERROR(Expect('['));
    ASSIGN_OR_RETURN(type.shape, ParseDims(']'));
    if (Accept('{')) {
      ASSIGN_OR_RETURN(type.strides, ParseDims('}'));
    } else {
      type.strides = ContiguousStrides(type.shape);
    }
    return type;
  }

  // Comma-separated integers up to `close` (consumed).
  absl::StatusOr<Dims> ParseDims(char close) {
    Dims dims;
    if (Accept(close)) return dims;
    do {
      SkipSpace();
      if (Peek() != '-' && !std::isdigit(static_cast<unsigned char>(Peek()))) {
        return Error("expected an integer");
      }
      ASSIGN_OR_RETURN(Argument n, ParseNumber());
      if (n.kind() != Argument::Kind::kInt) return Error("expected an integer");
      dims.push_back(n.AsInt());
    } while (Accept(','));
    RETURN_IF_ERROR(Expect(close));
    return dims;
  }

  absl::StatusOr<ValueId> ParseValueRef() {
    size_t start = pos_;
    ASSIGN_OR_RETURN(std::string name, ParseName());
    if (pos_ < text_.size() && text_[pos_] == '#') {
      ++pos_;
      ASSIGN_OR_RETURN(Argument index, ParseNumber());
      auto it = multi_output_.find(name);
      if (it == multi_output_.end()) {
        return ErrorAt(start, absl::StrCat("unknown node %", name));
      }
      const Node& node = graph_.node(it->second);
      if (index.kind() != Argument::Kind::kInt || index.AsInt() < 0 ||
          index.AsInt() >= static_cast<int64_t>(node.outputs.size())) {
        return ErrorAt(start, absl::StrCat("node %", name, " has no output ",
                                           PrintArgument(graph_, index)));
      }
      return node.outputs[index.AsInt()];
    }
    auto it = single_output_.find(name);
    if (it == single_output_.end()) {
      if (multi_output_.contains(name)) {
        return ErrorAt(start, absl::StrCat("%", name, " has several outputs; pick one with #i"));
      }
      return ErrorAt(start, absl::StrCat("unknown value %", name));
    }
    return it->second;
  }

  absl::StatusOr<std::string> ParseName() {
    RETURN_IF_ERROR(Expect('%'));
    if (Peek() == '"') return ParseString();
    size_t start = pos_;
    while (pos_ < text_.size() && IsIdentifierChar(text_[pos_])) ++pos_;
    if (start == pos_) return Error("expected a name after '%'");
    return std::string(text_.substr(start, pos_ - start));
  }

  absl::StatusOr<std::string> ParseString() {
    SkipSpace();
    if (Peek() != '"') return Error("expected a string");
    ++pos_;
    std::string out;
    while (pos_ < text_.size() && text_[pos_] != '"') {
      char c = text_[pos_++];
      if (c != '\\') {
        out += c;
        continue;
      }
      if (pos_ >= text_.size()) break;
      c = text_[pos_++];
      if (c == 'x') {
        if (pos_ + 2 > text_.size()) return Error("bad \\x escape");
        std::string hex(text_.substr(pos_, 2));
        char* end = nullptr;
        long v = std::strtol(hex.c_str(), &end, 16);
        if (*end != '\0') return Error("bad \\x escape");
        out += static_cast<char>(v);
        pos_ += 2;
      } else {
        out += c;
      }
    }
    if (pos_ >= text_.size()) return Error("unterminated string");
    ++pos_;
    return out;
  }

  absl::Status Define(const std::string& name) {
    if (!defined_.insert(name).second) {
      return Error(absl::StrCat("duplicate name %", name));
    }
    return absl::OkStatus();
  }

  void SkipSpace() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  char Peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }
  bool Accept(char c) {
    SkipSpace();
    if (Peek() != c) return false;
    ++pos_;
    return true;
  }
  absl::Status Expect(char c) {
    if (Accept(c)) return absl::OkStatus();
    return Error(absl::StrCat("expected '", std::string(1, c), "'"));
  }
  bool AcceptWord(absl::string_view word) {
    SkipSpace();
    if (text_.substr(pos_, word.size()) != word) return false;
    size_t end = pos_ + word.size();
    if (end < text_.size() && IsIdentifierChar(text_[end])) return false;
    pos_ = end;
    return true;
  }
  absl::Status ExpectWord(absl::string_view word) {
    if (AcceptWord(word)) return absl::OkStatus();
    return Error(absl::StrCat("expected '", word, "'"));
  }

  absl::Status Error(absl::string_view message) const { return ErrorAt(pos_, message); }
  absl::Status ErrorAt(size_t pos, absl::string_view message) const {
    int line = 1, column = 1;
    for (size_t i = 0; i < pos && i < text_.size(); ++i) {
      if (text_[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    return absl::InvalidArgumentError(
        absl::StrCat("text IR line ", line, " column ", column, ": ", message));
  }

  absl::string_view text_;
  size_t pos_ = 0;
  Graph graph_;
  absl::flat_hash_set<std::string> defined_;
  absl::flat_hash_map<std::string, ValueId> single_output_;
  absl::flat_hash_map<std::string, int> multi_output_;
};

}  // namespace

absl::StatusOr<Graph> ParseGraph(absl::string_view text) { return Parser(text).Parse(); }

}  // namespace aotd::ir
