#include "common/graph_key.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace aotd {
namespace {

constexpr char kEncodingName[] = "aotd-graph-key/1";

// Tags keep the encoding prefix-free across argument kinds.
enum Tag : uint8_t {
  kTagNone = 1,
  kTagBool,
  kTagInt,
  kTagFloat,
  kTagString,
  kTagDType,
  kTagDevice,
  kTagLayout,
  kTagMemoryFormat,
  kTagRef,
  kTagList,
  kTagEmpty,
};

class Encoder {
 public:
  void Byte(uint8_t b) { out_.push_back(static_cast<char>(b)); }
  void U64(uint64_t v) {
    for (int i = 0; i < 8; ++i) Byte(static_cast<uint8_t>(v >> (8 * i)));
  }
  void I64(int64_t v) { U64(static_cast<uint64_t>(v)); }
  void F64(double v) {
    if (std::isnan(v)) v = std::numeric_limits<double>::quiet_NaN();
    uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    U64(bits);
  }
  void Str(absl::string_view s) {
    U64(s.size());
    out_.append(s.data(), s.size());
  }
  void Meta(const proto::TensorMeta& meta) {
    U64(static_cast<uint64_t>(meta.dtype()));
    U64(meta.shape_size());
    for (int64_t d : meta.shape()) I64(d);
    U64(meta.strides_size());
    for (int64_t s : meta.strides()) I64(s);
  }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

// Maps (name, output) to the value's position in definition order.
class ValueNumbering {
 public:
  void Define(const std::string& name, int outputs) {
    first_[name] = {next_, outputs};
    next_ += outputs;
  }
  absl::StatusOr<uint64_t> Number(const proto::ValueRef& ref) const {
    auto it = first_.find(ref.name());
    if (it == first_.end() ||
        ref.output() >= static_cast<uint32_t>(it->second.second)) {
      return absl::InvalidArgumentError(
          absl::StrCat("reference to unknown value '", ref.name(), "' output ",
                       ref.output()));
    }
    return it->second.first + ref.output();
  }

 private:
  absl::flat_hash_map<std::string, std::pair<uint64_t, int>> first_;
  uint64_t next_ = 0;
};

absl::Status EncodeArgument(const proto::Argument& arg,
                            const ValueNumbering& values, Encoder& enc) {
  switch (arg.kind_case()) {
    case proto::Argument::kNone:
      enc.Byte(kTagNone);
      break;
    case proto::Argument::kBoolValue:
      enc.Byte(kTagBool);
      enc.Byte(arg.bool_value());
      break;
    case proto::Argument::kIntValue:
      enc.Byte(kTagInt);
      enc.I64(arg.int_value());
      break;
    case proto::Argument::kFloatValue:
      enc.Byte(kTagFloat);
      enc.F64(arg.float_value());
      break;
    case proto::Argument::kStringValue:
      enc.Byte(kTagString);
      enc.Str(arg.string_value());
      break;
    case proto::Argument::kDtype:
      enc.Byte(kTagDType);
      enc.U64(static_cast<uint64_t>(arg.dtype()));
      break;
    case proto::Argument::kDevice:
      enc.Byte(kTagDevice);
      enc.Str(arg.device());
      break;
    case proto::Argument::kLayout:
      enc.Byte(kTagLayout);
      enc.Str(arg.layout());
      break;
    case proto::Argument::kMemoryFormat:
      enc.Byte(kTagMemoryFormat);
      enc.Str(arg.memory_format());
      break;
    case proto::Argument::kRef: {
      ASSIGN_OR_RETURN(uint64_t number, values.Number(arg.ref()));
      enc.Byte(kTagRef);
      enc.U64(number);
      break;
    }
    case proto::Argument::kList:
      enc.Byte(kTagList);
      enc.U64(arg.list().items_size());
      for (const proto::Argument& item : arg.list().items()) {
        RETURN_IF_ERROR(EncodeArgument(item, values, enc));
      }
      break;
    case proto::Argument::KIND_NOT_SET:
      enc.Byte(kTagEmpty);
      break;
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> CanonicalGraphEncoding(const proto::Graph& graph) {
  Encoder enc;
  enc.Str(kEncodingName);
  enc.U64(graph.format_version());
  ValueNumbering values;

  enc.U64(graph.inputs_size());
  for (const proto::GraphInput& input : graph.inputs()) {
    enc.Meta(input.meta());
    enc.Byte(input.requires_grad());
    values.Define(input.name(), 1);
  }

  enc.U64(graph.nodes_size());
  for (const proto::Node& node : graph.nodes()) {
    enc.Str(node.op());
    enc.U64(node.args_size());
    for (const proto::Argument& arg : node.args()) {
      RETURN_IF_ERROR(EncodeArgument(arg, values, enc));
    }
    std::vector<const proto::NamedArgument*> kwargs;
    for (const proto::NamedArgument& kw : node.kwargs()) kwargs.push_back(&kw);
    std::sort(kwargs.begin(), kwargs.end(),
              [](const auto* a, const auto* b) { return a->name() < b->name(); });
    enc.U64(kwargs.size());
    for (const proto::NamedArgument* kw : kwargs) {
      enc.Str(kw->name());
      RETURN_IF_ERROR(EncodeArgument(kw->value(), values, enc));
    }
    enc.U64(node.outputs_size());
    for (const proto::TensorMeta& meta : node.outputs()) enc.Meta(meta);
    // Defined after its arguments: a node cannot refer to itself.
    values.Define(node.name(), node.outputs_size());
  }

  enc.U64(graph.outputs_size());
  for (const proto::ValueRef& ref : graph.outputs()) {
    ASSIGN_OR_RETURN(uint64_t number, values.Number(ref));
    enc.U64(number);
  }
  return enc.Take();
}

absl::StatusOr<Sha256Digest> GraphKey(const proto::Graph& graph) {
  ASSIGN_OR_RETURN(std::string encoding, CanonicalGraphEncoding(graph));
  return Sha256Of(encoding);
}

}  // namespace aotd
