// NF4 weights (infer/nf4.h): double quantisation of the block scales, the matrix that
// dequantises tile by tile, the codebook comparison, and the safetensors file. One block's
// quantise and dequantise are exercise 04.6 (solutions/04-finetuning/nf4_block.cpp).
#include "tinygpt/infer/nf4.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <limits>
#include <nlohmann/json.hpp>
#include <string_view>

#include "tinygpt/core/check.h"
#include "tinygpt/core/files.h"

namespace tinygpt::infer {

namespace {

constexpr std::int64_t kBlockBytes = kNf4BlockSize / 2;

std::int64_t ceil_div(std::int64_t value, std::int64_t divisor) {
  return (value + divisor - 1) / divisor;
}

// The index of the level nearest to x: the levels are sorted, so x belongs to level i when
// it lies between the midpoints of (i - 1, i) and (i, i + 1); ties go to the lower index.
int nearest_level(std::span<const float, 16> levels, float x) {
  int code = 0;
  while (code < 15 && x > 0.5f * (levels[code] + levels[code + 1])) ++code;
  return code;
}

// Copies elements [begin, end) of a (rows, cols) row-major matrix, in row-major order, to
// `out` (the runs of one row at a time, since `weight` may have an outer stride).
void copy_flat(ConstMatrixRef weight, std::int64_t begin, std::int64_t end, float* out) {
  const std::int64_t cols = weight.cols();
  while (begin < end) {
    const std::int64_t row = begin / cols;
    const std::int64_t col = begin % cols;
    const std::int64_t run = std::min(end - begin, cols - col);
    std::copy_n(weight.row(row).data() + col, run, out);
    out += run;
    begin += run;
  }
}

}  // namespace

// --- Construction: first-level NF4 blocks, then the scales' double quantisation --------

Nf4Matrix::Nf4Matrix(ConstMatrixRef weight) : rows_(weight.rows()), cols_(weight.cols()) {
  TINYGPT_CHECK(rows_ > 0 && cols_ > 0, "Nf4Matrix: an empty matrix (", rows_, " x ", cols_, ")");
  TINYGPT_CHECK(weight.allFinite(), "Nf4Matrix: the ", rows_, " x ", cols_,
                " matrix holds a NaN or an infinity");
  const std::int64_t size = rows_ * cols_;
  const std::int64_t blocks = ceil_div(size, kNf4BlockSize);
  codes_.resize(static_cast<std::size_t>(blocks * kBlockBytes));
  std::vector<float> absmax(static_cast<std::size_t>(blocks));
  float block[kNf4BlockSize];
  for (std::int64_t b = 0; b < blocks; ++b) {
    const std::int64_t begin = b * kNf4BlockSize;
    const std::int64_t end = std::min(size, begin + kNf4BlockSize);
    std::fill(block + (end - begin), block + kNf4BlockSize, 0.0f);  // the last block's padding
    copy_flat(weight, begin, end, block);
    absmax[b] = nf4_quantize_block(block, std::span(codes_.data() + b * kBlockBytes, kBlockBytes));
  }

  // Double quantisation (the file's steps 1-4). The scales are all positive and similar, so
  // centring them on their mean m leaves a small range for the int8 code to cover:
  // |s_b - s'_b| <= c_g / 2 = max_g |s_b - m| / 254.
  double sum = 0.0;
  for (const float s : absmax) sum += s;
  scale_offset_ = static_cast<float>(sum / static_cast<double>(blocks));
  const std::int64_t groups = ceil_div(blocks, kNf4ScaleGroupSize);
  scales_.resize(static_cast<std::size_t>(blocks));
  scale_constants_.resize(static_cast<std::size_t>(groups));
  for (std::int64_t g = 0; g < groups; ++g) {
    const std::int64_t first = g * kNf4ScaleGroupSize;
    const std::int64_t last = std::min(blocks, first + kNf4ScaleGroupSize);
    float largest = 0.0f;
    for (std::int64_t b = first; b < last; ++b) {
      largest = std::max(largest, std::abs(absmax[b] - scale_offset_));
    }
    const float constant = largest / 127.0f;
    scale_constants_[g] = constant;
    for (std::int64_t b = first; b < last; ++b) {
      const float q = constant == 0.0f ? 0.0f : std::round((absmax[b] - scale_offset_) / constant);
      scales_[b] = static_cast<std::int8_t>(std::clamp(q, -127.0f, 127.0f));
    }
  }
}

Nf4Matrix::Nf4Matrix(std::int64_t rows, std::int64_t cols, std::vector<std::uint8_t> codes,
                     std::vector<std::int8_t> scales, std::vector<float> scale_constants,
                     float scale_offset)
    : rows_(rows),
      cols_(cols),
      codes_(std::move(codes)),
      scales_(std::move(scales)),
      scale_constants_(std::move(scale_constants)),
      scale_offset_(scale_offset) {
  TINYGPT_CHECK(rows_ > 0 && cols_ > 0 && rows_ <= std::numeric_limits<std::int64_t>::max() / cols_,
                "Nf4Matrix: shape ", rows_, " x ", cols_, " is not a matrix");
  const std::int64_t blocks = ceil_div(rows_ * cols_, kNf4BlockSize);
  TINYGPT_CHECK(static_cast<std::int64_t>(codes_.size()) == blocks * kBlockBytes,
                "Nf4Matrix: ", codes_.size(), " bytes of codes for a ", rows_, " x ", cols_,
                " matrix (", blocks, " blocks of ", kNf4BlockSize, "), expected ",
                blocks * kBlockBytes);
  TINYGPT_CHECK(static_cast<std::int64_t>(scales_.size()) == blocks, "Nf4Matrix: ", scales_.size(),
                " block scales for ", blocks, " blocks");
  TINYGPT_CHECK(
      static_cast<std::int64_t>(scale_constants_.size()) == ceil_div(blocks, kNf4ScaleGroupSize),
      "Nf4Matrix: ", scale_constants_.size(), " scale constants for ", blocks,
      " blocks, expected one per ", kNf4ScaleGroupSize);
  const bool finite = std::all_of(scale_constants_.begin(), scale_constants_.end(),
                                  [](float c) { return std::isfinite(c) && c >= 0.0f; });
  TINYGPT_CHECK(finite && std::isfinite(scale_offset_),
                "Nf4Matrix: a scale constant or the scale offset is negative, NaN or infinite");
}

// --- Dequantisation --------------------------------------------------------------------

float Nf4Matrix::block_scale(std::int64_t block) const {
  // s'_b = q_b c_g + m; a scale is never negative (an all-zero block's s_b = 0 may come
  // back a rounding below 0).
  const float scale =
      static_cast<float>(scales_[block]) * scale_constants_[block / kNf4ScaleGroupSize] +
      scale_offset_;
  return std::max(scale, 0.0f);
}

void Nf4Matrix::dequantize_rows(std::int64_t first, std::int64_t count, float* out,
                                std::int64_t out_stride) const {
  TINYGPT_CHECK(first >= 0 && count >= 0 && first + count <= rows_ && out_stride >= cols_,
                "Nf4Matrix::dequantize_rows: rows [", first, ", ", first + count, ") of ", rows_,
                ", stride ", out_stride, " for ", cols_, " columns");
  // Elements [begin, end) of the row-major order; each block that overlaps them is
  // dequantised whole into `block`, then its overlap copied, one row's run at a time.
  const std::int64_t begin = first * cols_;
  const std::int64_t end = (first + count) * cols_;
  float block[kNf4BlockSize];
  for (std::int64_t b = begin / kNf4BlockSize; b * kNf4BlockSize < end; ++b) {
    nf4_dequantize_block(std::span(codes_.data() + b * kBlockBytes, kBlockBytes), block_scale(b),
                         block);
    std::int64_t element = std::max(begin, b * kNf4BlockSize);
    const std::int64_t stop = std::min(end, (b + 1) * kNf4BlockSize);
    while (element < stop) {
      const std::int64_t row = element / cols_ - first;
      const std::int64_t col = element % cols_;
      const std::int64_t run = std::min(stop - element, cols_ - col);
      std::copy_n(block + (element - b * kNf4BlockSize), run, out + row * out_stride + col);
      element += run;
    }
  }
}

Matrix Nf4Matrix::dequantize_rows(std::int64_t first, std::int64_t count) const {
  Matrix out(count, cols_);
  dequantize_rows(first, count, out.data(), cols_);
  return out;
}

// --- Products, tile by tile --------------------------------------------------------------
//
// W is (rows, cols) = (C_in, C_out). With W_k the tile of rows [k, k + t):
//   forward   y = x W = sum_k x[:, k:k+t] W_k
//   backward  dx[:, k:k+t] += dy W_k^T   (in the forward this was y += x[:, k:k+t] W_k)
// so either direction needs only one tile of W as floats at a time: kTileRows x cols.

void Nf4Matrix::multiply(ConstMatrixRef x, MatrixRef out) const {
  TINYGPT_CHECK(x.cols() == rows_ && out.rows() == x.rows() && out.cols() == cols_,
                "Nf4Matrix::multiply: x is (", x.rows(), ", ", x.cols(), "), W (", rows_, ", ",
                cols_, "), out (", out.rows(), ", ", out.cols(), ")");
  out.setZero();
  Matrix tile(std::min(kTileRows, rows_), cols_);
  for (std::int64_t k = 0; k < rows_; k += kTileRows) {
    const std::int64_t t = std::min(kTileRows, rows_ - k);
    dequantize_rows(k, t, tile.data(), cols_);
    out.noalias() += x.middleCols(k, t) * tile.topRows(t);
  }
}

Matrix Nf4Matrix::multiply(ConstMatrixRef x) const {
  Matrix out(x.rows(), cols_);
  multiply(x, out);
  return out;
}

void Nf4Matrix::multiply_transposed_add(ConstMatrixRef dy, MatrixRef dx) const {
  TINYGPT_CHECK(dy.cols() == cols_ && dx.rows() == dy.rows() && dx.cols() == rows_,
                "Nf4Matrix::multiply_transposed_add: dy is (", dy.rows(), ", ", dy.cols(), "), W (",
                rows_, ", ", cols_, "), dx (", dx.rows(), ", ", dx.cols(), ")");
  Matrix tile(std::min(kTileRows, rows_), cols_);
  for (std::int64_t k = 0; k < rows_; k += kTileRows) {
    const std::int64_t t = std::min(kTileRows, rows_ - k);
    dequantize_rows(k, t, tile.data(), cols_);
    dx.middleCols(k, t).noalias() += dy * tile.topRows(t).transpose();
  }
}

Matrix Nf4Matrix::multiply_transposed(ConstMatrixRef dy) const {
  Matrix dx = Matrix::Zero(dy.rows(), rows_);
  multiply_transposed_add(dy, dx);
  return dx;
}

std::int64_t Nf4Matrix::bytes() const {
  return static_cast<std::int64_t>(codes_.size() + scales_.size() +
                                   sizeof(float) * (scale_constants_.size() + 1));
}

double Nf4Matrix::bits_per_parameter() const {
  return 8.0 * static_cast<double>(bytes()) / static_cast<double>(rows_ * cols_);
}

// --- Codebooks compared ------------------------------------------------------------------

std::array<float, 16> uniform_4bit_levels() {
  std::array<float, 16> levels{};
  for (int i = 0; i < 16; ++i) levels[i] = -1.0f + 2.0f * static_cast<float>(i) / 15.0f;
  return levels;
}

double blockwise_relative_rms_error(std::span<const float> weights,
                                    std::span<const float, 16> levels) {
  double error = 0.0;
  double total = 0.0;
  for (std::size_t begin = 0; begin < weights.size(); begin += kNf4BlockSize) {
    const std::span<const float> block =
        weights.subspan(begin, std::min<std::size_t>(kNf4BlockSize, weights.size() - begin));
    float absmax = 0.0f;
    for (const float w : block) absmax = std::max(absmax, std::abs(w));
    for (const float w : block) {
      const float restored =
          absmax == 0.0f ? 0.0f : absmax * levels[nearest_level(levels, w / absmax)];
      error += static_cast<double>(w - restored) * (w - restored);
      total += static_cast<double>(w) * w;
    }
  }
  return total == 0.0 ? 0.0 : std::sqrt(error / total);
}

// --- The safetensors file ------------------------------------------------------------------
//
// core/safetensors.h reads and writes float and integer tensors only; NF4 needs U8 and I8,
// so this file writes its own header (the same layout: u64 size, JSON, data) and reads it
// back with the checks its tensors need. The writer goes through write_file_atomically.

namespace {

using json = nlohmann::json;

constexpr std::string_view kFormat = "nf4";

void store_u64(std::string& out, std::uint64_t value) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

std::uint64_t load_u64(const char* bytes) {
  std::uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8) | static_cast<unsigned char>(bytes[i]);
  return value;
}

// One tensor of the file: its dtype ("U8", "I8" or "F32"), its element count and where its
// bytes are in the data section.
struct StoredTensor {
  std::string dtype;
  std::int64_t numel = 0;
  std::uint64_t begin = 0;
  std::uint64_t end = 0;
};

std::uint64_t dtype_bytes(const std::string& dtype) {
  return dtype == "F32" ? 4 : 1;
}

// The header's entry `name`, checked: a known dtype, a shape of non-negative integers and
// offsets that hold exactly numel * size bytes inside the data section.
StoredTensor stored_tensor(const json& header, const std::string& name, const std::string& dtype,
                           std::uint64_t data_size, const std::string& where) {
  TINYGPT_CHECK(header.contains(name), where, ": tensor '", name,
                "' is missing: not a whole NF4 matrix (write it with write_nf4_safetensors)");
  const json& entry = header[name];
  TINYGPT_CHECK(entry.is_object() && entry.contains("dtype") && entry.contains("shape") &&
                    entry.contains("data_offsets"),
                where, ": tensor '", name, "' needs \"dtype\", \"shape\" and \"data_offsets\"");
  TINYGPT_CHECK(entry["dtype"] == dtype, where, ": tensor '", name, "' is ", entry["dtype"].dump(),
                ", expected ", dtype);
  StoredTensor tensor{.dtype = dtype, .numel = 1};
  const json& shape = entry["shape"];
  TINYGPT_CHECK(shape.is_array() && shape.size() == 1 && shape[0].is_number_unsigned(), where,
                ": tensor '", name, "' has shape ", shape.dump(), ", expected [count]");
  tensor.numel = shape[0].get<std::int64_t>();
  const json& offsets = entry["data_offsets"];
  TINYGPT_CHECK(offsets.is_array() && offsets.size() == 2 && offsets[0].is_number_unsigned() &&
                    offsets[1].is_number_unsigned(),
                where, ": tensor '", name, "' has data_offsets ", offsets.dump(),
                ", expected [begin, end]");
  tensor.begin = offsets[0].get<std::uint64_t>();
  tensor.end = offsets[1].get<std::uint64_t>();
  TINYGPT_CHECK(tensor.begin <= tensor.end && tensor.end <= data_size, where, ": tensor '", name,
                "' has data_offsets [", tensor.begin, ", ", tensor.end,
                "], beyond the data section of ", data_size, " bytes (a truncated file?)");
  TINYGPT_CHECK(
      tensor.end - tensor.begin == static_cast<std::uint64_t>(tensor.numel) * dtype_bytes(dtype),
      where, ": tensor '", name, "' holds ", tensor.end - tensor.begin, " bytes for ", tensor.numel,
      " ", dtype, " values");
  return tensor;
}

// A metadata string that must be a positive integer (or a list of them: "rows,cols").
std::vector<std::int64_t> metadata_integers(const json& metadata, const std::string& key,
                                            std::size_t count, const std::string& where) {
  TINYGPT_CHECK(metadata.contains(key) && metadata[key].is_string(), where, ": metadata \"", key,
                "\" is missing");
  const std::string text = metadata[key].get<std::string>();
  std::vector<std::int64_t> values;
  std::size_t at = 0;
  while (values.size() < count) {
    std::size_t used = 0;
    std::int64_t value = 0;
    try {
      value = std::stoll(text.substr(at), &used);
    } catch (const std::exception&) {
      used = 0;
    }
    TINYGPT_CHECK(used > 0 && value > 0, where, ": metadata \"", key, "\" is \"", text,
                  "\", expected ", count, " positive integer(s) separated by commas");
    values.push_back(value);
    at += used;
    if (values.size() < count) {
      TINYGPT_CHECK(at < text.size() && text[at] == ',', where, ": metadata \"", key, "\" is \"",
                    text, "\", expected ", count, " positive integers separated by commas");
      ++at;
    }
  }
  TINYGPT_CHECK(at == text.size(), where, ": metadata \"", key, "\" is \"", text,
                "\", with characters after its ", count, " integer(s)");
  return values;
}

}  // namespace

void write_nf4_safetensors(const std::filesystem::path& path,
                           const std::map<std::string, const Nf4Matrix*>& matrices) {
  const std::string where = path.string();
  json header = json::object();
  json metadata = json::object();
  metadata["format"] = kFormat;
  std::string data;
  const auto add = [&](const std::string& name, const char* dtype, const void* values,
                       std::size_t count) {
    const std::uint64_t begin = data.size();
    data.append(static_cast<const char*>(values), count * dtype_bytes(dtype));
    header[name] = {{"dtype", dtype},
                    {"shape", {count}},
                    {"data_offsets", {begin, static_cast<std::uint64_t>(data.size())}}};
  };
  static_assert(std::endian::native == std::endian::little, "safetensors values are little-endian");
  for (const auto& [name, matrix] : matrices) {
    TINYGPT_CHECK(!name.empty() && name.find('"') == std::string::npos && matrix != nullptr,
                  "write_nf4_safetensors ", where, ": matrix name \"", name,
                  "\" is empty, holds '\"' or has no matrix");
    add(name + ".codes", "U8", matrix->codes().data(), matrix->codes().size());
    add(name + ".scales", "I8", matrix->scales().data(), matrix->scales().size());
    add(name + ".scale_constants", "F32", matrix->scale_constants().data(),
        matrix->scale_constants().size());
    const float offset = matrix->scale_offset();
    add(name + ".scale_offset", "F32", &offset, 1);
    metadata[name + ".shape"] =
        std::to_string(matrix->rows()) + "," + std::to_string(matrix->cols());
    metadata[name + ".block_size"] = std::to_string(kNf4BlockSize);
    metadata[name + ".scale_group_size"] = std::to_string(kNf4ScaleGroupSize);
  }
  header["__metadata__"] = metadata;
  std::string header_text;
  try {
    header_text = header.dump();
  } catch (const json::exception& error) {
    throw Error(detail::concat("write_nf4_safetensors ", where,
                               ": a matrix name is not valid UTF-8 (", error.what(), ")"));
  }
  header_text.append((8 - header_text.size() % 8) % 8, ' ');  // data aligned to 8 bytes
  std::string content;
  content.reserve(8 + header_text.size() + data.size());
  store_u64(content, header_text.size());
  content += header_text;
  content += data;
  write_file_atomically(path, content);
}

std::map<std::string, Nf4Matrix> read_nf4_safetensors(const std::filesystem::path& path) {
  const std::string where = path.string();
  const std::string bytes = read_file(path);
  TINYGPT_CHECK(bytes.size() >= 8, where, ": ", bytes.size(),
                " bytes, too short for a safetensors file");
  const std::uint64_t header_size = load_u64(bytes.data());
  TINYGPT_CHECK(header_size <= 100'000'000 && header_size <= bytes.size() - 8, where,
                ": a header of ", header_size, " bytes in a file of ", bytes.size(),
                " (a truncated or foreign file?)");
  json header;
  try {
    header = json::parse(bytes.substr(8, header_size));
  } catch (const json::exception& error) {
    throw Error(detail::concat(where, ": the header is not JSON (", error.what(), ")"));
  }
  TINYGPT_CHECK(
      header.is_object() && header.contains("__metadata__") && header["__metadata__"].is_object(),
      where, ": no \"__metadata__\" in the header: not an NF4 file");
  const json& metadata = header["__metadata__"];
  TINYGPT_CHECK(metadata.contains("format") && metadata["format"] == kFormat, where,
                ": metadata \"format\" is not \"nf4\": not an NF4 file");
  const std::uint64_t data_size = bytes.size() - 8 - header_size;
  const char* data = bytes.data() + 8 + header_size;

  std::map<std::string, Nf4Matrix> matrices;
  constexpr std::string_view kShapeSuffix = ".shape";
  for (const auto& [key, value] : metadata.items()) {
    if (key.size() <= kShapeSuffix.size() || !key.ends_with(kShapeSuffix)) continue;
    const std::string name = key.substr(0, key.size() - kShapeSuffix.size());
    const std::vector<std::int64_t> shape = metadata_integers(metadata, key, 2, where);
    const std::int64_t block_size = metadata_integers(metadata, name + ".block_size", 1, where)[0];
    TINYGPT_CHECK(block_size == kNf4BlockSize, where, ": matrix '", name, "' has block size ",
                  block_size, "; this reader knows ", kNf4BlockSize, " only");
    const std::int64_t group_size =
        metadata_integers(metadata, name + ".scale_group_size", 1, where)[0];
    TINYGPT_CHECK(group_size == kNf4ScaleGroupSize, where, ": matrix '", name,
                  "' has scale group size ", group_size, "; this reader knows ", kNf4ScaleGroupSize,
                  " only");
    const auto values = [&](const std::string& tensor_name, const char* dtype, auto element) {
      const StoredTensor tensor = stored_tensor(header, tensor_name, dtype, data_size, where);
      std::vector<decltype(element)> out(static_cast<std::size_t>(tensor.numel));
      std::memcpy(out.data(), data + tensor.begin, tensor.end - tensor.begin);
      return out;
    };
    const std::vector<float> offset = values(name + ".scale_offset", "F32", 0.0f);
    TINYGPT_CHECK(offset.size() == 1, where, ": tensor '", name, ".scale_offset' holds ",
                  offset.size(), " values, expected 1");
    std::vector<std::uint8_t> codes = values(name + ".codes", "U8", std::uint8_t{});
    std::vector<std::int8_t> scales = values(name + ".scales", "I8", std::int8_t{});
    std::vector<float> constants = values(name + ".scale_constants", "F32", 0.0f);
    try {
      matrices.emplace(name, Nf4Matrix(shape[0], shape[1], std::move(codes), std::move(scales),
                                       std::move(constants), offset[0]));
    } catch (const Error& error) {
      // The sizes do not fit the shape: say which file and matrix.
      throw Error(
          detail::concat(where, ": matrix '", name, "' (tensors '", name, ".*'): ", error.what()));
    }
  }
  TINYGPT_CHECK(!matrices.empty(), where,
                ": no \"<name>.shape\" metadata: the file holds no NF4 "
                "matrix");
  return matrices;
}

}  // namespace tinygpt::infer
