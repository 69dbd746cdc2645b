#include "compiler/ops/core/schema.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"

namespace aotd::ops {
namespace {

using ir::Argument;
using Base = ArgType::Base;
using Kind = Argument::Kind;

struct BaseName {
  absl::string_view name;
  Base base;
};

// The first entry for a base is the one printed.
constexpr BaseName kBaseNames[] = {
    {"Tensor", Base::kTensor},
    {"int", Base::kInt},
    {"SymInt", Base::kInt},
    {"float", Base::kFloat},
    {"bool", Base::kBool},
    {"Scalar", Base::kScalar},
    {"ScalarType", Base::kScalarType},
    {"Layout", Base::kLayout},
    {"Device", Base::kDevice},
    {"MemoryFormat", Base::kMemoryFormat},
    {"str", Base::kString},
    {"Generator", Base::kGenerator},
};

absl::string_view BaseToString(Base base) {
  for (const BaseName& entry : kBaseNames) {
    if (entry.base == base) return entry.name;
  }
  return "?";
}

// How messages name what an argument holds.
absl::string_view KindName(Kind kind) {
  switch (kind) {
    case Kind::kNone:
      return "None";
    case Kind::kBool:
      return "bool";
    case Kind::kInt:
      return "int";
    case Kind::kFloat:
      return "float";
    case Kind::kString:
      return "str";
    case Kind::kDType:
      return "ScalarType";
    case Kind::kDevice:
      return "Device";
    case Kind::kLayout:
      return "Layout";
    case Kind::kMemoryFormat:
      return "MemoryFormat";
    case Kind::kValue:
      return "Tensor";
    case Kind::kList:
      return "list";
  }
  return "?";
}

// Base names of the ops whose Tensor arguments also take numbers, as in
// torch::should_allow_numbers_as_tensors.
constexpr absl::string_view kNumbersAsTensorsOps[] = {
    "add",         "add_",         "sub",          "sub_",
    "mul",         "mul_",         "div",          "div_",
    "true_divide", "true_divide_", "floor_divide", "floor_divide_",
};

struct MatchOptions {
  bool convert = true;  // Bring arguments into canonical form.
  bool numbers_as_tensors = false;
};

absl::Status Mismatch(const ArgType& type, const Argument& arg) {
  return absl::InvalidArgumentError(absl::StrCat(
      "expected ", type.ToString(), ", got ", KindName(arg.kind())));
}

// Whether a non-None, non-list argument fits a non-list type, as it is or
// (with conversions allowed) once MatchType has converted it.
bool FitsScalar(Base base, const Argument& arg, const MatchOptions& options) {
  switch (base) {
    case Base::kTensor:
      return arg.is_value() || (options.numbers_as_tensors && arg.is_number());
    case Base::kInt:
      return arg.kind() == Kind::kInt;
    case Base::kFloat:
      return arg.kind() == Kind::kFloat ||
             (options.convert && arg.kind() == Kind::kInt);
    case Base::kBool:
      return arg.kind() == Kind::kBool;
    case Base::kScalar:
      return arg.is_number();
    case Base::kScalarType:
      return arg.kind() == Kind::kDType;
    case Base::kLayout:
      return arg.kind() == Kind::kLayout;
    case Base::kDevice:
      return arg.kind() == Kind::kDevice;
    case Base::kMemoryFormat:
      return arg.kind() == Kind::kMemoryFormat;
    case Base::kString:
      return arg.kind() == Kind::kString;
    case Base::kGenerator:
      return false;  // Only None, which the caller handles.
  }
  return false;
}

// Checks `arg` against `type` and returns it in canonical form. The error
// message says what is wrong ("expected Tensor, got int") without naming the
// argument.
absl::StatusOr<Argument> MatchType(const ArgType& type, Argument arg,
                                   const MatchOptions& options) {
  if (arg.is_none()) {
    if (type.optional || (type.base == Base::kGenerator && !type.is_list)) {
      return arg;
    }
    return Mismatch(type, arg);
  }
  if (!type.is_list) {
    if (!FitsScalar(type.base, arg, options)) return Mismatch(type, arg);
    if (type.base == Base::kFloat && arg.kind() == Kind::kInt) {
      return Argument::Float(arg.AsFloat());
    }
    return arg;
  }

  // A single int stands for a list of ints.
  if (!arg.is_list()) {
    if (!options.convert || type.base != Base::kInt ||
        arg.kind() != Kind::kInt) {
      return Mismatch(type, arg);
    }
    return Argument::List(
        std::vector<Argument>(std::max(type.list_size, 1), arg));
  }

  ArgType element;
  element.base = type.base;
  element.optional = type.element_optional;
  MatchOptions element_options = options;
  element_options.numbers_as_tensors = false;
  std::vector<Argument>& items = arg.MutableList();
  for (size_t i = 0; i < items.size(); ++i) {
    absl::StatusOr<Argument> item =
        MatchType(element, std::move(items[i]), element_options);
    if (!item.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("expected ", type.ToString(), ", got a list whose item ",
                       i, " does not fit: ", item.status().message()));
    }
    items[i] = *std::move(item);
  }
  // int[1] is ATen's "one dim or several": any length. Other sizes are real.
  const size_t size = static_cast<size_t>(type.list_size);
  if (size > 1 && items.size() != size) {
    if (items.size() == 1 && options.convert) {
      items = std::vector<Argument>(size, items[0]);
    } else if (!(items.empty() && type.base == Base::kInt)) {
      return absl::InvalidArgumentError(
          absl::StrCat("expected ", type.ToString(), ", got a list of length ",
                       items.size()));
    }
  }
  return arg;
}

absl::Status ArgumentError(const OpSchema& schema, const ArgSpec& spec,
                           absl::string_view what) {
  return absl::InvalidArgumentError(
      absl::StrCat("argument '", spec.name, "' of ", schema.name, ": ", what));
}

MatchOptions OptionsFor(const OpSchema& schema, bool convert) {
  MatchOptions options;
  options.convert = convert;
  options.numbers_as_tensors = schema.numbers_as_tensors;
  return options;
}

bool IsIdentifierStart(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}
bool IsIdentifierChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}
bool IsDigit(char c) { return std::isdigit(static_cast<unsigned char>(c)); }

// A recursive-descent parser over the signature text:
//   schema  := name ['.' overload] '(' [arg {',' arg}] ')' '->' returns
//   arg     := '*' | type name ['=' default]
//   type    := base ['(' alias ')'] ['?'] ['[' [N] ']' ['?']]
//   alias   := set ['!'] ['->' set]      set := ('*'|ident) {'|' ('*'|ident)}
//   returns := result | '(' [result {',' result}] ')'
//   result  := type [name]
class SchemaParser {
 public:
  explicit SchemaParser(absl::string_view text) : text_(text) {}

  absl::StatusOr<OpSchema> Parse() {
    OpSchema schema;
    schema.signature = std::string(text_);
    SkipSpace();
    if (text_.substr(pos_, 6) == "aten::") pos_ += 6;
    ASSIGN_OR_RETURN(std::string base_name, ParseIdentifier("an op name"));
    std::string overload = "default";
    if (Consume(".")) {
      ASSIGN_OR_RETURN(overload, ParseIdentifier("an overload name"));
    }
    schema.name = absl::StrCat("aten.", base_name, ".", overload);
    schema.numbers_as_tensors =
        std::find(std::begin(kNumbersAsTensorsOps),
                  std::end(kNumbersAsTensorsOps),
                  base_name) != std::end(kNumbersAsTensorsOps);

    RETURN_IF_ERROR(Expect("("));
    RETURN_IF_ERROR(ParseArgumentList(schema));
    RETURN_IF_ERROR(Expect("->"));
    RETURN_IF_ERROR(ParseReturns(schema));
    SkipSpace();
    if (pos_ != text_.size()) return Error("expected the end of the schema");
    return schema;
  }

 private:
  absl::Status Error(absl::string_view what) const {
    return absl::InvalidArgumentError(absl::StrCat(
        "schema \"", text_, "\" at column ", pos_ + 1, ": ", what));
  }

  void SkipSpace() {
    while (pos_ < text_.size() &&
           std::isspace(static_cast<unsigned char>(text_[pos_]))) {
      ++pos_;
    }
  }

  bool Peek(absl::string_view token) {
    SkipSpace();
    return text_.substr(pos_, token.size()) == token;
  }

  bool Consume(absl::string_view token) {
    if (!Peek(token)) return false;
    pos_ += token.size();
    return true;
  }

  absl::Status Expect(absl::string_view token) {
    if (Consume(token)) return absl::OkStatus();
    return Error(absl::StrCat("expected '", token, "'"));
  }

  bool PeekIdentifier() {
    SkipSpace();
    return pos_ < text_.size() && IsIdentifierStart(text_[pos_]);
  }

  absl::StatusOr<std::string> ParseIdentifier(absl::string_view what) {
    if (!PeekIdentifier()) return Error(absl::StrCat("expected ", what));
    size_t start = pos_;
    while (pos_ < text_.size() && IsIdentifierChar(text_[pos_])) ++pos_;
    return std::string(text_.substr(start, pos_ - start));
  }

  absl::Status ParseArgumentList(OpSchema& schema) {
    if (Consume(")")) return absl::OkStatus();
    bool keyword_only = false;
    absl::flat_hash_set<std::string> names;
    do {
      if (Consume("*")) {
        if (keyword_only) return Error("a second '*'");
        keyword_only = true;
        if (Peek(")")) return Error("'*' must be followed by arguments");
        continue;
      }
      SkipSpace();
      size_t start = pos_;
      ASSIGN_OR_RETURN(ArgSpec arg, ParseArgument(keyword_only));
      if (!names.insert(arg.name).second) {
        pos_ = start;
        return Error(absl::StrCat("duplicate argument name '", arg.name, "'"));
      }
      schema.args.push_back(std::move(arg));
    } while (Consume(","));
    return Expect(")");
  }

  absl::StatusOr<ArgSpec> ParseArgument(bool keyword_only) {
    ArgSpec arg;
    arg.keyword_only = keyword_only;
    ASSIGN_OR_RETURN(arg.type, ParseType(&arg.alias_set, &arg.mutated));
    ASSIGN_OR_RETURN(arg.name, ParseIdentifier("an argument name"));
    if (Consume("=")) {
      SkipSpace();
      size_t start = pos_;
      ASSIGN_OR_RETURN(ir::Argument literal, ParseLiteral(arg.type, false));
      MatchOptions options;  // Defaults may be written in short form.
      absl::StatusOr<ir::Argument> value =
          MatchType(arg.type, std::move(literal), options);
      if (!value.ok()) {
        pos_ = start;
        return Error(absl::StrCat(
            "default of '", arg.name,
            "' does not fit its type: ", value.status().message()));
      }
      arg.default_value = *std::move(value);
    }
    return arg;
  }

  absl::StatusOr<ArgType> ParseType(std::string* alias_set, bool* mutated) {
    size_t start = pos_;
    ASSIGN_OR_RETURN(std::string name, ParseIdentifier("a type"));
    ArgType type;
    auto it = std::find_if(std::begin(kBaseNames), std::end(kBaseNames),
                           [&](const BaseName& b) { return b.name == name; });
    if (it == std::end(kBaseNames)) {
      pos_ = start;
      return Error(absl::StrCat("unknown type '", name, "'"));
    }
    type.base = it->base;
    if (Peek("(")) {
      if (type.base != Base::kTensor) {
        return Error("alias annotation on a type that is not Tensor");
      }
      RETURN_IF_ERROR(ParseAliasAnnotation(alias_set, mutated));
    }
    bool question = Consume("?");
    if (Consume("[")) {
      type.is_list = true;
      type.element_optional = question;
      SkipSpace();
      if (pos_ < text_.size() && IsDigit(text_[pos_])) {
        size_t digits = pos_;
        while (pos_ < text_.size() && IsDigit(text_[pos_])) ++pos_;
        if (!absl::SimpleAtoi(text_.substr(digits, pos_ - digits),
                              &type.list_size) ||
            type.list_size < 1 || type.list_size > 64) {
          pos_ = digits;
          return Error("a list size must be between 1 and 64");
        }
      }
      RETURN_IF_ERROR(Expect("]"));
      type.optional = Consume("?");
    } else {
      type.optional = question;
    }
    return type;
  }

  absl::Status ParseAliasAnnotation(std::string* alias_set, bool* mutated) {
    RETURN_IF_ERROR(Expect("("));
    ASSIGN_OR_RETURN(*alias_set, ParseAliasSet());
    *mutated = Consume("!");
    if (Consume("->")) {
      ASSIGN_OR_RETURN(std::string after, ParseAliasSet());
      (void)after;  // Where the alias ends up (`a -> *`) is not recorded.
    }
    return Expect(")");
  }

  absl::StatusOr<std::string> ParseAliasSet() {
    std::vector<std::string> names;
    do {
      if (Consume("*")) {
        names.push_back("*");
      } else {
        ASSIGN_OR_RETURN(std::string name, ParseIdentifier("an alias set"));
        names.push_back(std::move(name));
      }
    } while (Consume("|"));
    return absl::StrJoin(names, "|");
  }

  // A default as written, before MatchType brings it into canonical form.
  absl::StatusOr<ir::Argument> ParseLiteral(const ArgType& type, bool in_list) {
    SkipSpace();
    if (pos_ >= text_.size()) return Error("expected a default value");
    char c = text_[pos_];
    if (c == '\'' || c == '"') {
      size_t end = text_.find(c, pos_ + 1);
      if (end == absl::string_view::npos) return Error("unterminated string");
      std::string value(text_.substr(pos_ + 1, end - pos_ - 1));
      pos_ = end + 1;
      return ir::Argument::String(std::move(value));
    }
    if (c == '[' && !in_list) {
      ++pos_;
      std::vector<ir::Argument> items;
      if (Consume("]")) return ir::Argument::List(std::move(items));
      do {
        ASSIGN_OR_RETURN(ir::Argument item, ParseLiteral(type, true));
        items.push_back(std::move(item));
      } while (Consume(","));
      RETURN_IF_ERROR(Expect("]"));
      return ir::Argument::List(std::move(items));
    }
    if (c == '-' || c == '.' || IsDigit(c)) return ParseNumber();
    if (IsIdentifierStart(c)) {
      size_t start = pos_;
      ASSIGN_OR_RETURN(std::string name, ParseIdentifier("a default value"));
      if (name == "None") return ir::Argument::None();
      if (name == "True") return ir::Argument::Bool(true);
      if (name == "False") return ir::Argument::Bool(false);
      // at::Reduction: None = 0 (which reads as None above), Mean, Sum.
      if (type.base == Base::kInt && name == "Mean")
        return ir::Argument::Int(1);
      if (type.base == Base::kInt && name == "Sum") return ir::Argument::Int(2);
      if (type.base == Base::kMemoryFormat &&
          (name == "contiguous_format" || name == "preserve_format" ||
           name == "channels_last" || name == "channels_last_3d")) {
        return ir::Argument::MemoryFormat(std::move(name));
      }
      if (type.base == Base::kLayout && name == "strided") {
        return ir::Argument::Layout(std::move(name));
      }
      pos_ = start;
      return Error(
          absl::StrCat("unknown default '", name, "' for ", type.ToString()));
    }
    return Error("expected a default value");
  }

  // -?digits[.digits][e[+-]digits], or with the digits after '.' only.
  absl::StatusOr<ir::Argument> ParseNumber() {
    size_t start = pos_;
    bool is_float = false;
    auto digits = [&] {
      size_t from = pos_;
      while (pos_ < text_.size() && IsDigit(text_[pos_])) ++pos_;
      return pos_ > from;
    };
    if (text_[pos_] == '-') ++pos_;
    bool any_digits = digits();
    if (pos_ < text_.size() && text_[pos_] == '.') {
      ++pos_;
      is_float = true;
      any_digits |= digits();
    }
    if (any_digits && pos_ < text_.size() &&
        (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      ++pos_;
      is_float = true;
      if (pos_ < text_.size() && (text_[pos_] == '-' || text_[pos_] == '+')) {
        ++pos_;
      }
      any_digits = digits();
    }
    absl::string_view number = text_.substr(start, pos_ - start);
    if (any_digits && pos_ < text_.size() && IsIdentifierChar(text_[pos_])) {
      any_digits = false;  // "1x", "1e5f".
    }
    if (is_float) {
      double value;
      if (any_digits && absl::SimpleAtod(number, &value)) {
        return ir::Argument::Float(value);
      }
    } else {
      int64_t value;
      if (any_digits && absl::SimpleAtoi(number, &value)) {
        return ir::Argument::Int(value);
      }
    }
    pos_ = start;
    return Error("malformed number");
  }

  absl::Status ParseReturns(OpSchema& schema) {
    if (!Consume("(")) {
      ASSIGN_OR_RETURN(ReturnSpec result,
                       ParseResult(/*allow_list=*/true, &schema.returns_list));
      schema.returns.push_back(std::move(result));
      return absl::OkStatus();
    }
    if (Consume(")")) return absl::OkStatus();
    do {
      ASSIGN_OR_RETURN(ReturnSpec result,
                       ParseResult(/*allow_list=*/false, nullptr));
      schema.returns.push_back(std::move(result));
    } while (Consume(","));
    return Expect(")");
  }

  absl::StatusOr<ReturnSpec> ParseResult(bool allow_list, bool* is_list) {
    SkipSpace();
    size_t start = pos_;
    ReturnSpec result;
    ASSIGN_OR_RETURN(ArgType type,
                     ParseType(&result.alias_set, &result.mutated));
    if (type.base != Base::kTensor || type.optional || type.element_optional ||
        (type.is_list && (!allow_list || type.list_size != 0))) {
      pos_ = start;
      return Error(absl::StrCat(
          "unsupported result type ", type.ToString(),
          allow_list ? ": results are Tensor, Tensor[] or a tuple of Tensor"
                     : ": a tuple holds only Tensor"));
    }
    if (is_list != nullptr) *is_list = type.is_list;
    if (PeekIdentifier()) {
      ASSIGN_OR_RETURN(result.name, ParseIdentifier("a result name"));
    }
    return result;
  }

  absl::string_view text_;
  size_t pos_ = 0;
};

}  // namespace

std::string ArgType::ToString() const {
  std::string out(BaseToString(base));
  if (is_list) {
    if (element_optional) out += "?";
    out += list_size > 0 ? absl::StrCat("[", list_size, "]") : "[]";
  }
  if (optional) out += "?";
  return out;
}

int OpSchema::ArgIndex(absl::string_view name) const {
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

absl::StatusOr<OpSchema> ParseSchema(absl::string_view signature) {
  return SchemaParser(signature).Parse();
}

absl::StatusOr<std::vector<ir::Argument>> BindArguments(
    const OpSchema& schema, std::vector<ir::Argument> positional,
    std::vector<std::pair<std::string, ir::Argument>> kwargs) {
  const size_t num_args = schema.args.size();
  // Keyword-only arguments follow every positional one.
  size_t num_positional = 0;
  while (num_positional < num_args &&
         !schema.args[num_positional].keyword_only) {
    ++num_positional;
  }
  if (positional.size() > num_positional) {
    if (num_positional < num_args) {
      return ArgumentError(schema, schema.args[num_positional],
                           "keyword-only, but given positionally");
    }
    return absl::InvalidArgumentError(
        absl::StrCat(schema.name, " takes ", num_positional,
                     " positional arguments, got ", positional.size()));
  }

  std::vector<std::optional<ir::Argument>> given(num_args);
  for (size_t i = 0; i < positional.size(); ++i) {
    given[i] = std::move(positional[i]);
  }
  for (auto& [name, arg] : kwargs) {
    int index = schema.ArgIndex(name);
    if (index < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(schema.name, " has no argument named '", name, "'"));
    }
    if (given[index].has_value()) {
      return ArgumentError(schema, schema.args[index], "given twice");
    }
    given[index] = std::move(arg);
  }

  const MatchOptions options = OptionsFor(schema, /*convert=*/true);
  std::vector<ir::Argument> bound;
  bound.reserve(num_args);
  for (size_t i = 0; i < num_args; ++i) {
    const ArgSpec& spec = schema.args[i];
    if (!given[i].has_value()) {
      if (!spec.default_value.has_value()) {
        return ArgumentError(schema, spec, "required, but not given");
      }
      bound.push_back(*spec.default_value);
      continue;
    }
    absl::StatusOr<ir::Argument> arg =
        MatchType(spec.type, *std::move(given[i]), options);
    if (!arg.ok()) return ArgumentError(schema, spec, arg.status().message());
    bound.push_back(*std::move(arg));
  }
  return bound;
}

absl::Status CheckBoundArguments(const OpSchema& schema,
                                 const std::vector<ir::Argument>& args) {
  if (args.size() != schema.args.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat(schema.name, " takes ", schema.args.size(),
                     " arguments, got ", args.size()));
  }
  const MatchOptions options = OptionsFor(schema, /*convert=*/false);
  for (size_t i = 0; i < args.size(); ++i) {
    absl::StatusOr<ir::Argument> arg =
        MatchType(schema.args[i].type, args[i], options);
    if (!arg.ok()) {
      return ArgumentError(schema, schema.args[i], arg.status().message());
    }
  }
  return absl::OkStatus();
}

}  // namespace aotd::ops
