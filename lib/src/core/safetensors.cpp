// safetensors reading and writing. The reader trusts nothing in the file: every size and
// offset is checked against the bytes actually present before anything is allocated or
// copied, so a truncated or hostile file gives an Error, never a crash.
#include "tinygpt/core/safetensors.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <utility>

#include "tinygpt/core/check.h"
#include "tinygpt/core/files.h"

namespace tinygpt {

namespace {

using nlohmann::json;

// Hugging Face's reader refuses headers above this size too; a header of real checkpoints is
// a few tens of kilobytes. Checked before the header is parsed.
constexpr std::uint64_t kMaxHeaderBytes = 100'000'000;
constexpr const char* kMetadataKey = "__metadata__";
constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();

// --- Little-endian decoding ---------------------------------------------------------------
// Assembling the value from bytes with shifts gives the same result on little- and
// big-endian hosts (compilers turn it into a plain load on little-endian ones), and reading
// through unsigned char is valid at any alignment.

std::uint16_t load_u16(const char* p) {
  const auto* b = reinterpret_cast<const unsigned char*>(p);
  return static_cast<std::uint16_t>(b[0] | (b[1] << 8));
}

std::uint32_t load_u32(const char* p) {
  const auto* b = reinterpret_cast<const unsigned char*>(p);
  return static_cast<std::uint32_t>(b[0]) | (static_cast<std::uint32_t>(b[1]) << 8) |
         (static_cast<std::uint32_t>(b[2]) << 16) | (static_cast<std::uint32_t>(b[3]) << 24);
}

std::uint64_t load_u64(const char* p) {
  return static_cast<std::uint64_t>(load_u32(p)) |
         (static_cast<std::uint64_t>(load_u32(p + 4)) << 32);
}

void store_u32(std::string& out, std::uint32_t value) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xffu));
}

void store_u64(std::string& out, std::uint64_t value) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xffu));
}

// --- Half-precision formats ---------------------------------------------------------------

// IEEE 754 binary16: 1 sign bit, 5 exponent bits (bias 15), 10 mantissa bits.
//   exponent 0:      zero or subnormal, value = mantissa * 2^-24
//   exponent 1..30:  normal, value = (1 + mantissa / 2^10) * 2^(exponent - 15)
//   exponent 31:     infinity (mantissa 0) or NaN
// Every binary16 value is exactly representable in float32.
float f16_to_float(std::uint16_t half) {
  const std::uint32_t sign = static_cast<std::uint32_t>(half >> 15) << 31;
  const std::uint32_t exponent = (half >> 10) & 0x1fu;
  const std::uint32_t mantissa = half & 0x3ffu;
  if (exponent == 0) {
    // Subnormal (or zero): float32 holds mantissa * 2^-24 exactly as a normal number.
    const float magnitude = std::ldexp(static_cast<float>(mantissa), -24);
    return sign ? -magnitude : magnitude;
  }
  if (exponent == 0x1f) {
    // Infinity or NaN: all-ones exponent in float32 too; the NaN payload moves along with
    // the mantissa (shifted to the top, so a quiet NaN stays quiet).
    return std::bit_cast<float>(sign | 0x7f800000u | (mantissa << 13));
  }
  // Normal: re-bias the exponent (15 -> 127) and widen the mantissa from 10 to 23 bits.
  return std::bit_cast<float>(sign | ((exponent - 15 + 127) << 23) | (mantissa << 13));
}

// bfloat16 is the top half of a float32 (same sign and 8-bit exponent, 7 mantissa bits), so
// widening is a shift; zeros, subnormals, infinities and NaNs all come out right.
float bf16_to_float(std::uint16_t half) {
  return std::bit_cast<float>(static_cast<std::uint32_t>(half) << 16);
}

// --- Dtypes ---------------------------------------------------------------------------------

std::size_t dtype_size(Dtype dtype) {
  switch (dtype) {
    case Dtype::kF32:
    case Dtype::kI32:
      return 4;
    case Dtype::kF16:
    case Dtype::kBF16:
      return 2;
    case Dtype::kI64:
      return 8;
  }
  return 0;
}

bool is_float(Dtype dtype) {
  return dtype == Dtype::kF32 || dtype == Dtype::kF16 || dtype == Dtype::kBF16;
}

bool dtype_from_name(const std::string& name, Dtype& dtype) {
  for (Dtype candidate : {Dtype::kF32, Dtype::kF16, Dtype::kBF16, Dtype::kI32, Dtype::kI64}) {
    if (name == dtype_name(candidate)) {
      dtype = candidate;
      return true;
    }
  }
  return false;
}

// --- Messages -------------------------------------------------------------------------------

std::string shape_text(std::span<const std::int64_t> shape) {
  std::ostringstream out;
  out << '[';
  for (std::size_t i = 0; i < shape.size(); ++i) out << (i ? ", " : "") << shape[i];
  out << ']';
  return out.str();
}

// A JSON value for a message. Flat values are shown (cut short when long: a hostile header
// can be megabytes); nested ones only by their kind, since dumping them recurses once per
// level and a header of 100000 nested brackets would overflow the stack.
std::string json_text(const json& value) {
  const bool flat = !value.is_structured() ||
                    std::none_of(value.begin(), value.end(),
                                 [](const json& element) { return element.is_structured(); });
  if (!flat) return detail::concat("a nested ", value.type_name());
  std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return text;
}

// The number of elements of a shape, or -1 when a dimension is negative or the product
// does not fit in int64. A zero dimension makes the product 0 whatever the others are.
std::int64_t checked_numel(std::span<const std::int64_t> shape) {
  if (std::any_of(shape.begin(), shape.end(), [](std::int64_t d) { return d < 0; })) return -1;
  if (std::any_of(shape.begin(), shape.end(), [](std::int64_t d) { return d == 0; })) return 0;
  std::int64_t numel = 1;
  for (const std::int64_t dim : shape) {
    if (numel > kInt64Max / dim) return -1;
    numel *= dim;
  }
  return numel;
}

// --- Header parsing -------------------------------------------------------------------------

// A non-negative integer of the header (a dimension or an offset). nlohmann parses a
// non-negative integer as unsigned, a negative one (and "-0") as signed, and one beyond 64
// bits, or with a fraction or exponent, as floating point: only the first two can be counts.
bool as_count(const json& value, std::uint64_t& count) {
  if (value.is_number_unsigned()) {
    count = value.get<std::uint64_t>();
    return true;
  }
  if (value.is_number_integer() && value.get<std::int64_t>() >= 0) {
    count = static_cast<std::uint64_t>(value.get<std::int64_t>());
    return true;
  }
  return false;
}

// Reads one tensor entry of the header. `where` is "FILE: tensor 'NAME'".
TensorInfo parse_entry(const json& entry, const std::string& where, std::uint64_t data_bytes) {
  TINYGPT_CHECK(entry.is_object(), where, ": its entry must be a JSON object with dtype, shape ",
                "and data_offsets, got ", json_text(entry));
  for (const char* field : {"dtype", "shape", "data_offsets"}) {
    TINYGPT_CHECK(entry.contains(field), where, ": the entry has no \"", field,
                  "\" (it needs dtype, shape and data_offsets)");
  }
  TensorInfo info;

  const json& dtype = entry["dtype"];
  TINYGPT_CHECK(dtype.is_string(), where, ": dtype must be a string such as \"F32\", got ",
                json_text(dtype));
  TINYGPT_CHECK(dtype_from_name(dtype.get<std::string>(), info.dtype), where, ": unknown dtype ",
                json_text(dtype), " (this reader knows F32, F16, BF16, I32 and I64)");

  const json& shape = entry["shape"];
  TINYGPT_CHECK(shape.is_array(), where, ": shape must be an array of non-negative integers, got ",
                json_text(shape));
  for (std::size_t axis = 0; axis < shape.size(); ++axis) {
    const json& dim = shape[axis];
    std::uint64_t value = 0;
    TINYGPT_CHECK(as_count(dim, value), where, ": dimension ", axis, " of shape is ",
                  json_text(dim),
                  dim.is_number_integer() ? ", a negative dimension"
                  : dim.is_number()       ? ", not an integer (or too large for 64 bits)"
                                          : "",
                  "; shape must be an array of non-negative integers");
    TINYGPT_CHECK(value <= static_cast<std::uint64_t>(kInt64Max), where, ": dimension ", axis,
                  " of shape is ", value, ", which overflows int64");
    info.shape.push_back(static_cast<std::int64_t>(value));
  }
  const std::int64_t numel = checked_numel(info.shape);
  TINYGPT_CHECK(numel >= 0, where, ": shape ", shape_text(info.shape),
                " has more elements than int64 can count (its product overflows)");
  const auto element_bytes = static_cast<std::int64_t>(dtype_size(info.dtype));
  TINYGPT_CHECK(numel <= kInt64Max / element_bytes, where, ": shape ", shape_text(info.shape),
                " of ", dtype_name(info.dtype),
                " takes more bytes than int64 can count (overflow)");
  const auto byte_size = static_cast<std::uint64_t>(numel * element_bytes);

  const json& offsets = entry["data_offsets"];
  TINYGPT_CHECK(offsets.is_array() && offsets.size() == 2 && as_count(offsets[0], info.begin) &&
                    as_count(offsets[1], info.end),
                where, ": data_offsets must be two non-negative integers [begin, end], got ",
                json_text(offsets));
  TINYGPT_CHECK(info.begin <= info.end, where, ": data_offsets [", info.begin, ", ", info.end,
                "] are out of order (begin > end)");
  TINYGPT_CHECK(info.end <= data_bytes, where, ": data_offsets [", info.begin, ", ", info.end,
                "] go beyond the data section, which has ", data_bytes,
                " bytes (is the file truncated?)");
  TINYGPT_CHECK(info.end - info.begin == byte_size, where, ": data_offsets [", info.begin, ", ",
                info.end, "] hold ", info.end - info.begin, " bytes but shape ",
                shape_text(info.shape), " of ", dtype_name(info.dtype), " needs ", byte_size, " (",
                numel, " x ", element_bytes, ")");
  return info;
}

// The tensors must tile the data section: sorted by offset, each starts where the previous
// one ended, and the last ends at the end of the file.
//
// Choice: holes (bytes that belong to no tensor, between tensors or after the last one) are
// rejected, as Hugging Face's reader does. The format says the tensors cover the data
// section; a file that does not is corrupt or was assembled by hand, and accepting it would
// let one reader take a file another refuses. Overlaps are rejected for the same reason
// (two tensors sharing bytes would alias each other). A zero-size tensor must sit at a
// tensor boundary too.
void check_layout(const std::map<std::string, TensorInfo>& tensors, std::uint64_t data_bytes,
                  const std::string& origin) {
  std::vector<std::pair<const std::string*, const TensorInfo*>> order;
  for (const auto& [name, info] : tensors) order.emplace_back(&name, &info);
  std::sort(order.begin(), order.end(), [](const auto& a, const auto& b) {
    return std::pair(a.second->begin, a.second->end) < std::pair(b.second->begin, b.second->end);
  });
  std::uint64_t cursor = 0;
  const std::string* previous = nullptr;
  for (const auto& [name, info] : order) {
    TINYGPT_CHECK(info->begin >= cursor, origin, ": tensor '", *name, "' (bytes [", info->begin,
                  ", ", info->end, ")) overlaps tensor '", previous ? *previous : "",
                  "' (which ends at ", cursor, ")");
    TINYGPT_CHECK(info->begin == cursor, origin, ": bytes [", cursor, ", ", info->begin,
                  ") of the data section belong to no tensor (a hole before tensor '", *name,
                  "'); safetensors requires the tensors to cover the data without gaps");
    cursor = info->end;
    previous = name;
  }
  TINYGPT_CHECK(cursor == data_bytes, origin, ": the last ", data_bytes - cursor,
                " bytes of the data section belong to no tensor (the tensors end at ", cursor,
                " of ", data_bytes, "); safetensors requires the tensors to cover the data");
}

}  // namespace

const char* dtype_name(Dtype dtype) {
  switch (dtype) {
    case Dtype::kF32:
      return "F32";
    case Dtype::kF16:
      return "F16";
    case Dtype::kBF16:
      return "BF16";
    case Dtype::kI32:
      return "I32";
    case Dtype::kI64:
      return "I64";
  }
  return "?";
}

std::int64_t TensorInfo::numel() const {
  std::int64_t product = 1;
  for (const std::int64_t dim : shape) product *= dim;
  return product;
}

SafetensorsFile SafetensorsFile::read(const std::filesystem::path& path) {
  return parse(read_file(path), path.string());
}

SafetensorsFile SafetensorsFile::parse(std::string bytes, const std::string& origin) {
  TINYGPT_CHECK(!bytes.empty(), origin,
                ": the file is empty (a safetensors file starts with an 8-byte header size)");
  TINYGPT_CHECK(bytes.size() >= 8, origin, ": the file has ", bytes.size(),
                " bytes, too short for the 8-byte header size (is it truncated?)");
  const std::uint64_t header_bytes = load_u64(bytes.data());
  const std::uint64_t after_size = bytes.size() - 8;
  TINYGPT_CHECK(header_bytes <= kMaxHeaderBytes, origin, ": the header size is ", header_bytes,
                " bytes, more than the limit of ", kMaxHeaderBytes,
                " (this is not a safetensors file, or it is corrupt)");
  TINYGPT_CHECK(header_bytes <= after_size, origin, ": the header size is ", header_bytes,
                " bytes but only ", after_size,
                " bytes follow the size field (is the file truncated?)");

  const char* header_begin = bytes.data() + 8;
  const char* header_end = header_begin + header_bytes;
  // Duplicate tensor names would silently keep the last entry: the callback sees each key of
  // the top-level object (depth 1) as it is parsed.
  std::set<std::string> seen;
  std::string duplicate;
  const json::parser_callback_t on_key = [&](int depth, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::key && depth == 1 && parsed.is_string()) {
      if (!seen.insert(parsed.get<std::string>()).second && duplicate.empty()) {
        duplicate = parsed.get<std::string>();
      }
    }
    return true;
  };
  json header;
  try {
    header = json::parse(header_begin, header_end, on_key);
  } catch (const json::exception& error) {
    throw Error(detail::concat(origin, ": the header is not valid JSON (", error.what(), ")"));
  }
  TINYGPT_CHECK(header.is_object(), origin, ": the header must be a JSON object, it is ",
                header.type_name());
  TINYGPT_CHECK(duplicate.empty(), origin, ": the header names '", duplicate, "' twice");

  SafetensorsFile file;
  file.origin_ = origin;
  file.data_start_ = 8 + header_bytes;
  const std::uint64_t data_bytes = after_size - header_bytes;
  for (const auto& [key, entry] : header.items()) {
    if (key == kMetadataKey) {
      TINYGPT_CHECK(entry.is_object(), origin,
                    ": __metadata__ must be an object of strings, it is ", entry.type_name());
      for (const auto& [meta_key, value] : entry.items()) {
        TINYGPT_CHECK(value.is_string(), origin, ": __metadata__ value of '", meta_key,
                      "' must be a string, it is ", value.type_name(), " ", json_text(value));
        file.metadata_[meta_key] = value.get<std::string>();
      }
      continue;
    }
    file.tensors_[key] =
        parse_entry(entry, detail::concat(origin, ": tensor '", key, "'"), data_bytes);
  }
  check_layout(file.tensors_, data_bytes, origin);
  file.bytes_ = std::move(bytes);
  return file;
}

std::vector<std::string> SafetensorsFile::names() const {
  std::vector<std::string> result;
  result.reserve(tensors_.size());
  for (const auto& [name, info] : tensors_) result.push_back(name);
  return result;
}

const TensorInfo& SafetensorsFile::info(const std::string& name) const {
  const auto found = tensors_.find(name);
  TINYGPT_CHECK(found != tensors_.end(), origin_, ": no tensor '", name, "' in the file (it holds ",
                tensors_.size(), " tensors)");
  return found->second;
}

void SafetensorsFile::read_into(const std::string& name, std::span<const std::int64_t> shape,
                                std::span<float> out) const {
  const TensorInfo& tensor = info(name);
  TINYGPT_CHECK(is_float(tensor.dtype), origin_, ": tensor '", name, "' is ",
                dtype_name(tensor.dtype), ", an integer type; read it with integers()");
  TINYGPT_CHECK(std::equal(shape.begin(), shape.end(), tensor.shape.begin(), tensor.shape.end()),
                origin_, ": tensor '", name, "' has shape ", shape_text(tensor.shape),
                " but shape ", shape_text(shape), " was expected");
  const std::int64_t numel = tensor.numel();
  TINYGPT_CHECK(out.size() == static_cast<std::size_t>(numel), origin_, ": tensor '", name,
                "': the output has room for ", out.size(), " values, shape ",
                shape_text(tensor.shape), " has ", numel);
  const char* data = bytes_.data() + data_start_ + tensor.begin;
  switch (tensor.dtype) {
    case Dtype::kF32:
      for (std::size_t i = 0; i < out.size(); ++i)
        out[i] = std::bit_cast<float>(load_u32(data + 4 * i));
      break;
    case Dtype::kF16:
      for (std::size_t i = 0; i < out.size(); ++i) out[i] = f16_to_float(load_u16(data + 2 * i));
      break;
    case Dtype::kBF16:
      for (std::size_t i = 0; i < out.size(); ++i) out[i] = bf16_to_float(load_u16(data + 2 * i));
      break;
    case Dtype::kI32:
    case Dtype::kI64:
      break;  // refused above
  }
}

std::vector<float> SafetensorsFile::floats(const std::string& name) const {
  const TensorInfo& tensor = info(name);
  TINYGPT_CHECK(is_float(tensor.dtype), origin_, ": tensor '", name, "' is ",
                dtype_name(tensor.dtype), ", an integer type; read it with integers()");
  std::vector<float> values(static_cast<std::size_t>(tensor.numel()));
  read_into(name, tensor.shape, values);
  return values;
}

std::vector<std::int64_t> SafetensorsFile::integers(const std::string& name) const {
  const TensorInfo& tensor = info(name);
  TINYGPT_CHECK(!is_float(tensor.dtype), origin_, ": tensor '", name, "' is ",
                dtype_name(tensor.dtype), ", a floating-point type; read it with floats()");
  std::vector<std::int64_t> values(static_cast<std::size_t>(tensor.numel()));
  const char* data = bytes_.data() + data_start_ + tensor.begin;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (tensor.dtype == Dtype::kI32) {
      // Two's complement reinterpretation, then sign extension by the conversion to int64.
      values[i] = std::bit_cast<std::int32_t>(load_u32(data + 4 * i));
    } else {
      values[i] = std::bit_cast<std::int64_t>(load_u64(data + 8 * i));
    }
  }
  return values;
}

void write_safetensors(const std::filesystem::path& path, std::span<const NamedTensor> tensors,
                       const std::map<std::string, std::string>& metadata) {
  const std::string where = path.string();
  // ordered_json keeps the tensors in the order they are laid out, which makes the header
  // easy to read; readers do not depend on the order of the keys.
  nlohmann::ordered_json header = nlohmann::ordered_json::object();
  if (!metadata.empty()) {
    nlohmann::ordered_json meta = nlohmann::ordered_json::object();
    for (const auto& [key, value] : metadata) meta[key] = value;
    header[kMetadataKey] = std::move(meta);
  }
  std::uint64_t offset = 0;
  for (const NamedTensor& tensor : tensors) {
    TINYGPT_CHECK(!tensor.name.empty(), "write_safetensors ", where,
                  ": a tensor has an empty name");
    TINYGPT_CHECK(tensor.name != kMetadataKey, "write_safetensors ", where,
                  ": \"__metadata__\" is reserved and cannot name a tensor");
    TINYGPT_CHECK(!header.contains(tensor.name), "write_safetensors ", where, ": tensor '",
                  tensor.name, "' appears twice");
    for (std::size_t axis = 0; axis < tensor.shape.size(); ++axis) {
      TINYGPT_CHECK(tensor.shape[axis] >= 0, "write_safetensors ", where, ": tensor '", tensor.name,
                    "' has shape ", shape_text(tensor.shape), ": dimension ", axis, " is negative");
    }
    const std::int64_t numel = checked_numel(tensor.shape);
    TINYGPT_CHECK(numel >= 0 && numel <= kInt64Max / 4, "write_safetensors ", where, ": tensor '",
                  tensor.name, "' has shape ", shape_text(tensor.shape),
                  ", more elements than int64 can count");
    TINYGPT_CHECK(static_cast<std::uint64_t>(numel) == tensor.values.size(), "write_safetensors ",
                  where, ": tensor '", tensor.name, "' has shape ", shape_text(tensor.shape), " (",
                  numel, " values) but ", tensor.values.size(), " values were given");
    const std::uint64_t end = offset + 4 * static_cast<std::uint64_t>(numel);
    header[tensor.name] = {
        {"dtype", "F32"}, {"shape", tensor.shape}, {"data_offsets", {offset, end}}};
    offset = end;
  }

  std::string header_text;
  try {
    header_text = header.dump();  // strict: names that are not UTF-8 throw
  } catch (const nlohmann::ordered_json::exception& error) {
    throw Error(detail::concat("write_safetensors ", where,
                               ": a tensor name or metadata string is not valid UTF-8 (",
                               error.what(), ")"));
  }
  // Spaces (valid JSON whitespace) pad the header so that the data section starts at a
  // multiple of 8 bytes: 8 (size field) + header is then aligned for every dtype, which lets
  // readers that map the file use the values in place.
  header_text.append((8 - header_text.size() % 8) % 8, ' ');

  std::string content;
  content.reserve(8 + header_text.size() + offset);
  store_u64(content, header_text.size());
  content += header_text;
  for (const NamedTensor& tensor : tensors) {
    for (const float value : tensor.values) store_u32(content, std::bit_cast<std::uint32_t>(value));
  }
  write_file_atomically(path, content);
}

}  // namespace tinygpt
