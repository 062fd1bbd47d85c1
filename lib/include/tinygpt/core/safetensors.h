/// @file safetensors.h
/// @brief Reading and writing safetensors files, the checkpoint format of the course and of
/// Hugging Face.
///
/// Layout: 8 bytes little-endian u64 N, then N bytes of JSON, then the data. The JSON is an
/// object; each key but "__metadata__" names a tensor {"dtype": "F32", "shape": [2, 3],
/// "data_offsets": [begin, end]}, offsets relative to the start of the data, end-exclusive;
/// "__metadata__" maps strings to strings. Values are little-endian and row-major.
/// The reader validates everything before any value is used, and every error names the
/// file and the tensor or field at fault. Like Hugging Face's reader it also requires a
/// header of at most 100,000,000 bytes and tensors that tile the data section exactly (no
/// overlaps, no holes, no bytes after the last tensor); a name given twice is refused too.
/// Values may sit at any alignment.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <vector>

namespace tinygpt {

/// @brief Element types the course reads. F32 is read and written; F16 and BF16 are read
/// and converted to float; I32 and I64 are read as integers (token ids in fixtures).
enum class Dtype { kF32, kF16, kBF16, kI32, kI64 };

/// @param dtype an element type.
/// @return its safetensors name, e.g. "F32".
const char* dtype_name(Dtype dtype);

/// @brief One tensor's entry in the header.
struct TensorInfo {
  Dtype dtype = Dtype::kF32;        ///< element type
  std::vector<std::int64_t> shape;  ///< dimensions, outermost first (may be empty: a scalar)
  std::uint64_t begin = 0;          ///< first byte, relative to the data section
  std::uint64_t end = 0;            ///< one past the last byte
  /// @return the number of elements: the product of shape (1 for a scalar); the reader has
  /// checked that it fits in int64.
  std::int64_t numel() const;
};

/// @brief A safetensors file read into memory and validated.
class SafetensorsFile {
 public:
  /// @brief Reads and validates a file; throws Error naming the file and the problem.
  /// @param path the file.
  /// @return the file.
  static SafetensorsFile read(const std::filesystem::path& path);
  /// @brief Parses and validates bytes already in memory.
  /// @param bytes the whole file.
  /// @param origin a name for error messages (the path, usually).
  /// @return the file.
  static SafetensorsFile parse(std::string bytes, const std::string& origin);

  /// @return the tensor names, sorted.
  std::vector<std::string> names() const;
  /// @param name a tensor's name.
  /// @return whether the file holds it.
  bool contains(const std::string& name) const { return tensors_.count(name) != 0; }
  /// @param name a tensor's name.
  /// @return its entry; throws Error naming the tensor and the file when missing.
  const TensorInfo& info(const std::string& name) const;
  /// @brief The values of a floating-point tensor as float32 (F16 and BF16 converted).
  /// @param name a tensor's name; an integer tensor throws Error.
  /// @return numel() values, row-major.
  std::vector<float> floats(const std::string& name) const;
  /// @brief Copies a floating-point tensor into `out` after checking its shape (F16 and BF16
  /// converted); an integer tensor throws Error.
  /// @param name a tensor's name.
  /// @param shape the shape the caller expects; a different one throws Error naming both.
  /// @param out exactly the product of shape values; another size throws Error.
  void read_into(const std::string& name, std::span<const std::int64_t> shape,
                 std::span<float> out) const;
  /// @brief The values of an integer tensor (I32 or I64) as int64.
  /// @param name a tensor's name; a floating-point tensor throws Error.
  /// @return numel() values, row-major.
  std::vector<std::int64_t> integers(const std::string& name) const;
  /// @return the "__metadata__" strings (empty when absent).
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  /// @return the name used in error messages.
  const std::string& origin() const { return origin_; }

 private:
  std::string origin_;
  std::string bytes_;
  std::uint64_t data_start_ = 0;  // offset of the data section in bytes_
  std::map<std::string, TensorInfo> tensors_;
  std::map<std::string, std::string> metadata_;
};

/// @brief One float32 tensor to write: name, shape and values (not owned).
struct NamedTensor {
  std::string name;                 ///< unique, not "__metadata__"
  std::vector<std::int64_t> shape;  ///< dimensions
  std::span<const float> values;    ///< product of shape values, row-major
};

/// @brief Writes F32 tensors and metadata atomically (temporary file, flush, rename).
///
/// Tensors are laid out in the given order, contiguously; the header is padded with spaces
/// so that the data starts at a multiple of 8 bytes. Throws Error, before writing anything,
/// on an empty, duplicate or reserved name, a name or metadata string that is not UTF-8, a
/// negative dimension or a shape that does not match its values; and on a file that cannot
/// be written (the old file, if any, is then left as it was).
/// @param path the file to write.
/// @param tensors the tensors.
/// @param metadata strings stored under "__metadata__" (omitted when empty).
void write_safetensors(const std::filesystem::path& path, std::span<const NamedTensor> tensors,
                       const std::map<std::string, std::string>& metadata = {});

}  // namespace tinygpt
