#include "compiler/frontend/fx_json.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "compiler/frontend/proto_convert.h"
#include "compiler/ir/dtype.h"
#include "nlohmann/json.hpp"

namespace aotd::frontend {
namespace {

using Json = nlohmann::json;

constexpr char kFormat[] = "aten-fx-json/1";

absl::Status Invalid(const std::string& where, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(where, ": ", what));
}

absl::StatusOr<int64_t> ToInt(const Json& j, const std::string& where) {
  if (j.is_number_integer() && !j.is_number_unsigned()) return j.get<int64_t>();
  if (j.is_number_unsigned()) {
    uint64_t u = j.get<uint64_t>();
    if (u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return static_cast<int64_t>(u);
    }
    return Invalid(where, "integer out of the int64 range");
  }
  return Invalid(where, absl::StrCat("expected an integer, got ", j.dump()));
}

absl::StatusOr<proto::TensorMeta> ToMeta(const Json& j, const std::string& where) {
  if (!j.is_object()) return Invalid(where, "tensor metadata must be an object");
  proto::TensorMeta meta;
  auto dtype_it = j.find("dtype");
  if (dtype_it == j.end() || !dtype_it->is_string()) return Invalid(where, "missing dtype");
  std::optional<ir::DType> dtype = ir::ParseDType(dtype_it->get<std::string>());
  if (!dtype) return Invalid(where, absl::StrCat("unknown dtype '", dtype_it->get<std::string>(), "'"));
  meta.set_dtype(ToProtoDType(*dtype));
  for (const char* field : {"shape", "stride"}) {
    auto it = j.find(field);
    if (it == j.end() || !it->is_array()) {
      return Invalid(where, absl::StrCat("missing ", field, " (a list of integers)"));
    }
    for (const Json& d : *it) {
      ASSIGN_OR_RETURN(int64_t v, ToInt(d, absl::StrCat(where, " ", field)));
      if (std::string(field) == "shape") meta.add_shape(v);
      else meta.add_strides(v);
    }
  }
  return meta;
}

// Names produced by getitem, mapped to the output they select.
using Aliases = absl::flat_hash_map<std::string, proto::ValueRef>;

proto::ValueRef Resolve(const std::string& name, const Aliases& aliases) {
  auto it = aliases.find(name);
  if (it != aliases.end()) return it->second;
  proto::ValueRef ref;
  ref.set_name(name);
  return ref;
}

absl::StatusOr<proto::Argument> ToArgument(const Json& j, const Aliases& aliases,
                                           const std::string& where) {
  proto::Argument arg;
  if (j.is_null()) {
    arg.mutable_none();
  } else if (j.is_boolean()) {
    arg.set_bool_value(j.get<bool>());
  } else if (j.is_number_integer()) {
    ASSIGN_OR_RETURN(int64_t v, ToInt(j, where));
    arg.set_int_value(v);
  } else if (j.is_number_float()) {
    arg.set_float_value(j.get<double>());
  } else if (j.is_string()) {
    arg.set_string_value(j.get<std::string>());
  } else if (j.is_array()) {
    proto::ArgumentList* list = arg.mutable_list();
    for (const Json& item : j) {
      ASSIGN_OR_RETURN(*list->add_items(), ToArgument(item, aliases, where));
    }
  } else if (j.is_object() && j.size() == 1) {
    const auto only = j.begin();
    const std::string& key = only.key();
    const Json& value = only.value();
    if (!value.is_string()) return Invalid(where, absl::StrCat("bad argument ", j.dump()));
    std::string s = value.get<std::string>();
    if (key == "ref") {
      *arg.mutable_ref() = Resolve(s, aliases);
    } else if (key == "dtype") {
      std::optional<ir::DType> dtype = ir::ParseDType(s);
      if (!dtype) return Invalid(where, absl::StrCat("unknown dtype '", s, "'"));
      arg.set_dtype(ToProtoDType(*dtype));
    } else if (key == "device") {
      arg.set_device(s);
    } else if (key == "layout") {
      arg.set_layout(s);
    } else if (key == "memory_format") {
      arg.set_memory_format(s);
    } else if (key == "float") {
      if (s == "inf") arg.set_float_value(std::numeric_limits<double>::infinity());
      else if (s == "-inf") arg.set_float_value(-std::numeric_limits<double>::infinity());
      else if (s == "nan") arg.set_float_value(std::numeric_limits<double>::quiet_NaN());
      else return Invalid(where, absl::StrCat("unknown float literal '", s, "'"));
    } else {
      return Invalid(where, absl::StrCat("unknown argument kind '", key, "'"));
    }
  } else {
    return Invalid(where, absl::StrCat("bad argument ", j.dump()));
  }
  return arg;
}

absl::StatusOr<std::string> StringField(const Json& j, const char* field,
                                        const std::string& where) {
  auto it = j.find(field);
  if (it == j.end() || !it->is_string()) {
    return Invalid(where, absl::StrCat("missing string field '", field, "'"));
  }
  return it->get<std::string>();
}

absl::Status ConvertGetItem(const Json& node, const std::string& name,
                            const absl::flat_hash_map<std::string, int>& output_counts,
                            Aliases& aliases) {
  std::string where = absl::StrCat("node '", name, "' (getitem)");
  const Json& args = node["args"];
  if (!args.is_array() || args.size() != 2 || !args[0].is_object() ||
      !args[0].contains("ref") || !args[0]["ref"].is_string()) {
    return Invalid(where, "expects [{\"ref\": NODE}, INDEX]");
  }
  std::string producer = args[0]["ref"].get<std::string>();
  ASSIGN_OR_RETURN(int64_t index, ToInt(args[1], where));
  auto it = output_counts.find(producer);
  if (it == output_counts.end()) {
    return Invalid(where, absl::StrCat("'", producer, "' is not an earlier multi-output node"));
  }
  if (index < 0 || index >= it->second) {
    return Invalid(where, absl::StrCat("index ", index, " out of range: '", producer, "' has ",
                                       it->second, " outputs"));
  }
  proto::ValueRef ref;
  ref.set_name(producer);
  ref.set_output(static_cast<uint32_t>(index));
  if (!aliases.emplace(name, ref).second) return Invalid(where, "duplicate name");
  return absl::OkStatus();
}

absl::StatusOr<proto::Graph> Convert(const Json& doc) {
  if (!doc.is_object()) return absl::InvalidArgumentError("aten-fx-json: not a JSON object");
  auto format = doc.find("format");
  if (format == doc.end() || !format->is_string() || format->get<std::string>() != kFormat) {
    return absl::InvalidArgumentError(
        absl::StrCat("aten-fx-json: 'format' must be \"", kFormat, "\""));
  }
  proto::Graph graph;
  graph.set_format_version(kGraphFormatVersion);
  for (const char* field : {"inputs", "nodes", "outputs"}) {
    if (!doc.contains(field) || !doc[field].is_array()) {
      return absl::InvalidArgumentError(absl::StrCat("aten-fx-json: missing list '", field, "'"));
    }
  }

  int index = 0;
  for (const Json& input : doc["inputs"]) {
    std::string where = absl::StrCat("input ", index++);
    if (!input.is_object()) return Invalid(where, "must be an object");
    proto::GraphInput* out = graph.add_inputs();
    ASSIGN_OR_RETURN(*out->mutable_name(), StringField(input, "name", where));
    where = absl::StrCat("input '", out->name(), "'");
    if (input.contains("label") && input["label"].is_string()) {
      out->set_label(input["label"].get<std::string>());
    }
    ASSIGN_OR_RETURN(*out->mutable_meta(), ToMeta(input, where));
    auto rg = input.find("requires_grad");
    if (rg != input.end() && !rg->is_boolean()) return Invalid(where, "requires_grad must be a bool");
    out->set_requires_grad(rg != input.end() && rg->get<bool>());
  }

  Aliases aliases;
  absl::flat_hash_map<std::string, int> output_counts;  // Multi-output nodes.
  index = 0;
  for (const Json& node : doc["nodes"]) {
    std::string where = absl::StrCat("node ", index++);
    if (!node.is_object()) return Invalid(where, "must be an object");
    ASSIGN_OR_RETURN(std::string name, StringField(node, "name", where));
    where = absl::StrCat("node '", name, "'");
    ASSIGN_OR_RETURN(std::string target, StringField(node, "target", where));
    if (!node.contains("args") || !node["args"].is_array()) {
      return Invalid(where, "missing list 'args'");
    }
    if (target == "getitem") {
      RETURN_IF_ERROR(ConvertGetItem(node, name, output_counts, aliases));
      continue;
    }
    proto::Node* out = graph.add_nodes();
    out->set_name(name);
    out->set_op(target);
    where = absl::StrCat("node '", name, "' (", target, ")");
    for (const Json& arg : node["args"]) {
      ASSIGN_OR_RETURN(*out->add_args(), ToArgument(arg, aliases, where));
    }
    if (node.contains("kwargs")) {
      if (!node["kwargs"].is_object()) return Invalid(where, "kwargs must be an object");
      for (const auto& [key, value] : node["kwargs"].items()) {
        proto::NamedArgument* kw = out->add_kwargs();
        kw->set_name(key);
        ASSIGN_OR_RETURN(*kw->mutable_value(), ToArgument(value, aliases, where));
      }
    }
    if (!node.contains("out")) return Invalid(where, "missing 'out' metadata");
    const Json& meta = node["out"];
    if (meta.is_array()) {
      for (const Json& m : meta) {
        ASSIGN_OR_RETURN(*out->add_outputs(), ToMeta(m, where));
      }
      output_counts[name] = static_cast<int>(meta.size());
    } else {
      ASSIGN_OR_RETURN(*out->add_outputs(), ToMeta(meta, where));
    }
  }

  index = 0;
  for (const Json& output : doc["outputs"]) {
    std::string where = absl::StrCat("graph output ", index++);
    if (!output.is_object() || !output.contains("ref") || !output["ref"].is_string()) {
      return Invalid(where, "expected {\"ref\": NAME}");
    }
    *graph.add_outputs() = Resolve(output["ref"].get<std::string>(), aliases);
  }
  return graph;
}

}  // namespace

absl::StatusOr<proto::Graph> FxJsonToProto(absl::string_view json_text) {
  Json doc = Json::parse(json_text.begin(), json_text.end(), nullptr,
                         /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    return absl::InvalidArgumentError("aten-fx-json: not valid JSON (truncated or garbage?)");
  }
  try {
    return Convert(doc);
  } catch (const Json::exception& e) {
    // Every access above is checked first; this is a backstop for JSON
    // shapes the checks missed, so a document never crashes the process.
    return absl::InvalidArgumentError(absl::StrCat("aten-fx-json: ", e.what()));
  }
}

}  // namespace aotd::frontend
