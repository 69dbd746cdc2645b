#include "compiler/frontend/proto_convert.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "compiler/ir/verify.h"
#include "compiler/ops/core/infer.h"
#include "compiler/ops/core/registry.h"
#include "compiler/ops/core/schema.h"

namespace aotd::frontend {
namespace {

absl::StatusOr<ir::TensorType> FromProtoMeta(const proto::TensorMeta& meta,
                                             const std::string& where) {
  std::optional<ir::DType> dtype = FromProtoDType(meta.dtype());
  if (!dtype) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": unknown dtype ", static_cast<int>(meta.dtype())));
  }
  ir::TensorType type;
  type.dtype = *dtype;
  type.shape.assign(meta.shape().begin(), meta.shape().end());
  type.strides.assign(meta.strides().begin(), meta.strides().end());
  RETURN_IF_ERROR(ir::VerifyTensorType(type, where));
  return type;
}

proto::TensorMeta ToProtoMeta(const ir::TensorType& type) {
  proto::TensorMeta meta;
  meta.set_dtype(ToProtoDType(type.dtype));
  for (int64_t d : type.shape) meta.add_shape(d);
  for (int64_t s : type.strides) meta.add_strides(s);
  return meta;
}

// Name resolution while importing: every name seen anywhere, and the values
// defined so far.
class Scope {
 public:
  explicit Scope(const proto::Graph& graph) {
    for (const proto::GraphInput& input : graph.inputs()) all_.insert(input.name());
    for (const proto::Node& node : graph.nodes()) all_.insert(node.name());
  }

  absl::Status Define(const std::string& name, std::vector<ir::ValueId> outputs) {
    if (name.empty()) return absl::InvalidArgumentError("an input or node has an empty name");
    if (!defined_.emplace(name, std::move(outputs)).second) {
      return absl::InvalidArgumentError(absl::StrCat("duplicate name '", name, "'"));
    }
    return absl::OkStatus();
  }

  absl::StatusOr<ir::ValueId> Lookup(const proto::ValueRef& ref) const {
    auto it = defined_.find(ref.name());
    if (it == defined_.end()) {
      if (all_.contains(ref.name())) {
        return absl::InvalidArgumentError(absl::StrCat(
            "uses '", ref.name(), "' before it is defined (a cycle or a forward reference)"));
      }
      return absl::InvalidArgumentError(absl::StrCat("refers to unknown value '", ref.name(), "'"));
    }
    if (ref.output() >= it->second.size()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "refers to output ", ref.output(), " of '", ref.name(), "', which has ",
          it->second.size(), " outputs"));
    }
    return it->second[ref.output()];
  }

 private:
  absl::flat_hash_set<std::string> all_;
  absl::flat_hash_map<std::string, std::vector<ir::ValueId>> defined_;
};

absl::StatusOr<ir::Argument> FromProtoArgument(const proto::Argument& arg, const Scope& scope) {
  switch (arg.kind_case()) {
    case proto::Argument::kNone:
      return ir::Argument::None();
    case proto::Argument::kBoolValue:
      return ir::Argument::Bool(arg.bool_value());
    case proto::Argument::kIntValue:
      return ir::Argument::Int(arg.int_value());
    case proto::Argument::kFloatValue:
      return ir::Argument::Float(arg.float_value());
    case proto::Argument::kStringValue:
      return ir::Argument::String(arg.string_value());
    case proto::Argument::kDtype: {
      std::optional<ir::DType> dtype = FromProtoDType(arg.dtype());
      if (!dtype) {
        return absl::InvalidArgumentError(
            absl::StrCat("unknown dtype ", static_cast<int>(arg.dtype())));
      }
      return ir::Argument::DTypeArg(*dtype);
    }
    case proto::Argument::kDevice:
      if (arg.device() != "cpu") {
        return absl::InvalidArgumentError(absl::StrCat("unsupported device '", arg.device(), "'"));
      }
      return ir::Argument::Device(arg.device());
    case proto::Argument::kLayout:
      if (arg.layout() != "strided") {
        return absl::InvalidArgumentError(absl::StrCat("unsupported layout '", arg.layout(), "'"));
      }
      return ir::Argument::Layout(arg.layout());
    case proto::Argument::kMemoryFormat: {
      const std::string& f = arg.memory_format();
      if (f != "contiguous_format" && f != "preserve_format" && f != "channels_last") {
        return absl::InvalidArgumentError(absl::StrCat("unknown memory format '", f, "'"));
      }
      return ir::Argument::MemoryFormat(f);
    }
    case proto::Argument::kRef: {
      ASSIGN_OR_RETURN(ir::ValueId v, scope.Lookup(arg.ref()));
      return ir::Argument::Value(v);
    }
    case proto::Argument::kList: {
      std::vector<ir::Argument> items;
      for (const proto::Argument& item : arg.list().items()) {
        ASSIGN_OR_RETURN(ir::Argument a, FromProtoArgument(item, scope));
        items.push_back(std::move(a));
      }
      return ir::Argument::List(std::move(items));
    }
    case proto::Argument::KIND_NOT_SET:
      break;
  }
  return absl::InvalidArgumentError("argument has no value");
}

absl::Status WithContext(const absl::Status& status, absl::string_view context) {
  return absl::Status(status.code(), absl::StrCat(context, ": ", status.message()));
}

absl::Status CheckResultCount(const ops::OpSchema& schema, size_t count) {
  if (schema.returns_list ? count == 0 : count != schema.returns.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "has ", count, " results, but ", schema.name, " returns ",
        schema.returns_list ? "a non-empty list" : absl::StrCat(schema.returns.size())));
  }
  return absl::OkStatus();
}

proto::Argument ToProtoArgument(const ir::Graph& graph, const ir::Argument& arg) {
  proto::Argument out;
  switch (arg.kind()) {
    case ir::Argument::Kind::kNone:
      out.mutable_none();
      break;
    case ir::Argument::Kind::kBool:
      out.set_bool_value(arg.AsBool());
      break;
    case ir::Argument::Kind::kInt:
      out.set_int_value(arg.AsInt());
      break;
    case ir::Argument::Kind::kFloat:
      out.set_float_value(arg.AsFloat());
      break;
    case ir::Argument::Kind::kString:
      out.set_string_value(arg.AsString());
      break;
    case ir::Argument::Kind::kDType:
      out.set_dtype(ToProtoDType(arg.AsDType()));
      break;
    case ir::Argument::Kind::kDevice:
      out.set_device(arg.AsString());
      break;
    case ir::Argument::Kind::kLayout:
      out.set_layout(arg.AsString());
      break;
    case ir::Argument::Kind::kMemoryFormat:
      out.set_memory_format(arg.AsString());
      break;
    case ir::Argument::Kind::kValue: {
      const ir::Value& v = graph.value(arg.AsValue());
      proto::ValueRef* ref = out.mutable_ref();
      if (v.node < 0) {
        ref->set_name(graph.inputs()[v.index].name);
      } else {
        ref->set_name(graph.node(v.node).name);
        ref->set_output(v.index);
      }
      break;
    }
    case ir::Argument::Kind::kList:
      for (const ir::Argument& item : arg.AsList()) {
        *out.mutable_list()->add_items() = ToProtoArgument(graph, item);
      }
      break;
  }
  return out;
}

}  // namespace

proto::DType ToProtoDType(ir::DType dtype) {
  return static_cast<proto::DType>(static_cast<int>(dtype) + 1);
}

std::optional<ir::DType> FromProtoDType(int dtype) {
  if (dtype < proto::FLOAT32 || dtype > proto::BOOL) return std::nullopt;
  return static_cast<ir::DType>(dtype - 1);
}

absl::StatusOr<ir::Graph> GraphFromProto(const proto::Graph& wire) {
  if (wire.format_version() != kGraphFormatVersion) {
    return absl::InvalidArgumentError(absl::StrCat(
        "unsupported graph format_version ", wire.format_version(), " (this server reads ",
        kGraphFormatVersion, ")"));
  }
  ir::Graph graph;
  Scope scope(wire);
  for (const proto::GraphInput& input : wire.inputs()) {
    std::string where = absl::StrCat("input '", input.name(), "'");
    ASSIGN_OR_RETURN(ir::TensorType type, FromProtoMeta(input.meta(), where));
    RETURN_IF_ERROR(scope.Define(input.name(), {static_cast<ir::ValueId>(graph.values().size())}));
    graph.AddInput(input.name(), std::move(type), input.requires_grad(), input.label());
  }
  for (const proto::Node& node : wire.nodes()) {
    std::string where = absl::StrCat("node '", node.name(), "' (", node.op(), ")");
    const ops::OpDef* op = ops::OpRegistry::Global().Find(node.op());
    if (op == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": unknown op '", node.op(), "'"));
    }
    std::vector<ir::Argument> args;
    for (int i = 0; i < node.args_size(); ++i) {
      absl::StatusOr<ir::Argument> arg = FromProtoArgument(node.args(i), scope);
      if (!arg.ok()) return WithContext(arg.status(), absl::StrCat(where, " argument ", i));
      args.push_back(*std::move(arg));
    }
    std::vector<std::pair<std::string, ir::Argument>> kwargs;
    for (const proto::NamedArgument& kw : node.kwargs()) {
      absl::StatusOr<ir::Argument> arg = FromProtoArgument(kw.value(), scope);
      if (!arg.ok()) return WithContext(arg.status(), absl::StrCat(where, " argument '", kw.name(), "'"));
      kwargs.emplace_back(kw.name(), *std::move(arg));
    }
    absl::StatusOr<std::vector<ir::Argument>> bound =
        ops::BindArguments(op->schema, std::move(args), std::move(kwargs));
    if (!bound.ok()) return WithContext(bound.status(), where);
    std::vector<ir::TensorType> types;
    for (int i = 0; i < node.outputs_size(); ++i) {
      ASSIGN_OR_RETURN(ir::TensorType t,
                       FromProtoMeta(node.outputs(i), absl::StrCat(where, " output ", i)));
      types.push_back(std::move(t));
    }
    absl::Status count = CheckResultCount(op->schema, types.size());
    if (!count.ok()) return WithContext(count, where);
    int index = graph.AddNode(node.name(), node.op(), *std::move(bound), std::move(types));
    RETURN_IF_ERROR(scope.Define(node.name(), graph.node(index).outputs));
    RETURN_IF_ERROR(ops::CheckNodeTypes(graph, graph.node(index)));
  }
  for (int i = 0; i < wire.outputs_size(); ++i) {
    absl::StatusOr<ir::ValueId> v = scope.Lookup(wire.outputs(i));
    if (!v.ok()) return WithContext(v.status(), absl::StrCat("graph output ", i));
    graph.AddOutput(*v);
  }
  RETURN_IF_ERROR(ir::VerifyGraph(graph));
  return graph;
}

proto::Graph GraphToProto(const ir::Graph& graph) {
  proto::Graph wire;
  wire.set_format_version(kGraphFormatVersion);
  for (const ir::Input& input : graph.inputs()) {
    proto::GraphInput* out = wire.add_inputs();
    out->set_name(input.name);
    out->set_label(input.label);
    *out->mutable_meta() = ToProtoMeta(graph.type(input.value));
    out->set_requires_grad(input.requires_grad);
  }
  for (const ir::Node& node : graph.nodes()) {
    proto::Node* out = wire.add_nodes();
    out->set_name(node.name);
    out->set_op(node.op);
    // Keyword-only schema arguments travel as kwargs, the rest positionally.
    const ops::OpDef* op = ops::OpRegistry::Global().Find(node.op);
    for (size_t i = 0; i < node.args.size(); ++i) {
      proto::Argument arg = ToProtoArgument(graph, node.args[i]);
      if (op != nullptr && i < op->schema.args.size() && op->schema.args[i].keyword_only) {
        proto::NamedArgument* kw = out->add_kwargs();
        kw->set_name(op->schema.args[i].name);
        *kw->mutable_value() = std::move(arg);
      } else {
        *out->add_args() = std::move(arg);
      }
    }
    for (ir::ValueId v : node.outputs) *out->add_outputs() = ToProtoMeta(graph.type(v));
  }
  for (ir::ValueId v : graph.outputs()) {
    ir::Argument ref = ir::Argument::Value(v);
    *wire.add_outputs() = ToProtoArgument(graph, ref).ref();
  }
  return wire;
}

}  // namespace aotd::frontend
