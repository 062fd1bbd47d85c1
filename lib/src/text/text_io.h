// Private helpers of the text module: reading a text file line by line with line numbers for error
// messages, hex, and the small JSON reader for GPT-2's vocab.json.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tinygpt::text::detail {

// Walks the lines of a file held in memory; `where()` names "file:line" for errors.
class LineReader {
 public:
  LineReader(std::filesystem::path path, std::string content);
  // The next line without its '\n' (and without a '\r' before it); false at the end.
  bool next(std::string_view& line);
  // "file:line" of the line last returned (line 0 before the first).
  std::string where() const;

 private:
  std::filesystem::path path_;
  std::string content_;
  std::size_t position_ = 0;
  std::int64_t line_ = 0;
};

// Lowercase hex of the bytes, and back; from_hex returns false on an odd length or a
// character that is not a hex digit.
std::string to_hex(std::string_view bytes);
bool from_hex(std::string_view hex, std::string& bytes);

// Reads a JSON object whose values are non-negative integers ({"a": 0, "b": 1}), as
// GPT-2's vocab.json is: the keys (UTF-8, escapes decoded) with their values, in file
// order. Anything else is an Error naming the file and line.
std::vector<std::pair<std::string, std::int64_t>> read_json_string_to_int(
    const std::filesystem::path& path, std::string_view json);

}  // namespace tinygpt::text::detail
