#include "compiler/reference/npy.h"

#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace aotd::reference {
namespace {

constexpr char kMagic[] = "\x93NUMPY";

struct NpyType {
  const char* descr;
  DType dtype;
};

constexpr NpyType kTypes[] = {
    {"<f4", DType::kFloat32}, {"<f8", DType::kFloat64}, {"<f2", DType::kFloat16},
    {"<i8", DType::kInt64},   {"<i4", DType::kInt32},   {"<i2", DType::kInt16},
    {"|i1", DType::kInt8},    {"|u1", DType::kUInt8},   {"|b1", DType::kBool},
};

// The value of 'key' in the header dict, up to the next top-level comma.
absl::StatusOr<std::string> HeaderField(absl::string_view header, absl::string_view key) {
  std::string quoted = absl::StrCat("'", key, "':");
  size_t at = header.find(quoted);
  if (at == absl::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat("npy header lacks '", key, "'"));
  }
  absl::string_view rest = header.substr(at + quoted.size());
  rest = absl::StripLeadingAsciiWhitespace(rest);
  size_t end = rest[0] == '(' ? rest.find(')') + 1 : rest.find_first_of(",}");
  return std::string(rest.substr(0, end));
}

template <typename T>
void Load(const char* src, HostTensor& t) {
  for (int64_t i = 0; i < t.NumElements(); ++i) {
    T v;
    std::memcpy(&v, src + i * sizeof(T), sizeof(T));
    t.data[i] = static_cast<double>(v);
  }
}

template <typename T>
void Store(const HostTensor& t, std::string& out) {
  for (double d : t.data) {
    T v = static_cast<T>(d);
    out.append(reinterpret_cast<const char*>(&v), sizeof(T));
  }
}

}  // namespace

absl::StatusOr<HostTensor> ParseNpy(absl::string_view bytes) {
  if (bytes.size() < 10 || bytes.substr(0, 6) != absl::string_view(kMagic, 6)) {
    return absl::InvalidArgumentError("not an .npy file (bad magic)");
  }
  int major = static_cast<uint8_t>(bytes[6]);
  size_t header_len, header_start;
  if (major == 1) {
    header_len = static_cast<uint8_t>(bytes[8]) | (static_cast<uint8_t>(bytes[9]) << 8);
    header_start = 10;
  } else {
    if (bytes.size() < 12) return absl::InvalidArgumentError("truncated .npy header");
    header_len = 0;
    for (int i = 0; i < 4; ++i) header_len |= size_t{static_cast<uint8_t>(bytes[8 + i])} << (8 * i);
    header_start = 12;
  }
  if (header_start + header_len > bytes.size()) {
    return absl::InvalidArgumentError("truncated .npy header");
  }
  absl::string_view header = bytes.substr(header_start, header_len);
  absl::StatusOr<std::string> descr = HeaderField(header, "descr");
  absl::StatusOr<std::string> fortran = HeaderField(header, "fortran_order");
  absl::StatusOr<std::string> shape_text = HeaderField(header, "shape");
  if (!descr.ok()) return descr.status();
  if (!fortran.ok()) return fortran.status();
  if (!shape_text.ok()) return shape_text.status();
  if (*fortran != "False") return absl::InvalidArgumentError("Fortran-order .npy not supported");
  const NpyType* type = nullptr;
  for (const NpyType& t : kTypes) {
    if (*descr == absl::StrCat("'", t.descr, "'")) type = &t;
  }
  if (type == nullptr) return absl::InvalidArgumentError(absl::StrCat("unsupported npy dtype ", *descr));
  Dims shape;
  absl::string_view dims = absl::StripPrefix(absl::StripSuffix(*shape_text, ")"), "(");
  for (absl::string_view d : absl::StrSplit(dims, ',', absl::SkipWhitespace())) {
    int64_t v;
    if (!absl::SimpleAtoi(absl::StripAsciiWhitespace(d), &v) || v < 0) {
      return absl::InvalidArgumentError(absl::StrCat("bad npy shape ", *shape_text));
    }
    shape.push_back(v);
  }
  HostTensor t(type->dtype, shape);
  size_t item = static_cast<size_t>(ir::ItemSize(type->dtype));
  absl::string_view body = bytes.substr(header_start + header_len);
  if (body.size() != item * t.data.size()) {
    return absl::InvalidArgumentError(absl::StrCat("npy data has ", body.size(), " bytes, expected ",
                                                   item * t.data.size()));
  }
  switch (type->dtype) {
    case DType::kFloat32: Load<float>(body.data(), t); break;
    case DType::kFloat64: Load<double>(body.data(), t); break;
    case DType::kFloat16: Load<_Float16>(body.data(), t); break;
    case DType::kInt64: Load<int64_t>(body.data(), t); break;
    case DType::kInt32: Load<int32_t>(body.data(), t); break;
    case DType::kInt16: Load<int16_t>(body.data(), t); break;
    case DType::kInt8: Load<int8_t>(body.data(), t); break;
    case DType::kUInt8: Load<uint8_t>(body.data(), t); break;
    case DType::kBool: Load<uint8_t>(body.data(), t); break;
    default: break;
  }
  return t;
}

absl::StatusOr<HostTensor> ReadNpy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  std::ostringstream bytes;
  bytes << in.rdbuf();
  absl::StatusOr<HostTensor> t = ParseNpy(bytes.str());
  if (!t.ok()) return absl::Status(t.status().code(), absl::StrCat(path, ": ", t.status().message()));
  return t;
}

std::string SerializeNpy(const HostTensor& t) {
  const char* descr = "<f4";
  for (const NpyType& type : kTypes) {
    if (type.dtype == t.dtype) descr = type.descr;
  }
  std::string shape = absl::StrJoin(t.shape, ", ");
  if (t.shape.size() == 1) shape += ",";
  std::string header = absl::StrCat("{'descr': '", descr, "', 'fortran_order': False, 'shape': (",
                                    shape, "), }");
  // Pad so the data starts on a 64-byte boundary; the header ends in '\n'.
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::string out(kMagic, 6);
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>(header.size() >> 8);
  out += header;
  switch (t.dtype) {
    case DType::kFloat64: Store<double>(t, out); break;
    case DType::kFloat16: Store<_Float16>(t, out); break;
    case DType::kInt64: Store<int64_t>(t, out); break;
    case DType::kInt32: Store<int32_t>(t, out); break;
    case DType::kInt16: Store<int16_t>(t, out); break;
    case DType::kInt8: Store<int8_t>(t, out); break;
    case DType::kUInt8:
    case DType::kBool: Store<uint8_t>(t, out); break;
    default: Store<float>(t, out); break;
  }
  return out;
}

}  // namespace aotd::reference
