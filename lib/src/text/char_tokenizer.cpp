#include "tinygpt/text/char_tokenizer.h"

#include <algorithm>
#include <iterator>
#include <sstream>

#include "text_io.h"
#include "tinygpt/core/check.h"
#include "tinygpt/core/files.h"

namespace tinygpt::text {
CharTokenizer::CharTokenizer(std::vector<char32_t> code_points)
    : code_points_(std::move(code_points)) {
  for (std::size_t i = 0; i < code_points_.size(); ++i) {
    TINYGPT_CHECK(is_scalar_value(code_points_[i]), "CharTokenizer: code point 0x", std::hex,
                  static_cast<std::uint32_t>(code_points_[i]), " is not a Unicode scalar value");
    TINYGPT_CHECK(i == 0 || code_points_[i - 1] < code_points_[i],
                  "CharTokenizer: code points must be strictly increasing, but 0x", std::hex,
                  static_cast<std::uint32_t>(code_points_[i]), " follows 0x",
                  static_cast<std::uint32_t>(code_points_[i - 1]));
  }
}

CharTokenizer CharTokenizer::train(std::string_view text) {
  std::vector<char32_t> seen;
  for (std::size_t position = 0; position < text.size();) {
    const std::int32_t code_point = next_code_point(text, position);
    if (code_point >= 0) seen.push_back(static_cast<char32_t>(code_point));
  }
  std::sort(seen.begin(), seen.end());
  seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
  return CharTokenizer(std::move(seen));
}

std::vector<std::int32_t> CharTokenizer::encode(std::string_view text) const {
  std::vector<std::int32_t> ids;
  ids.reserve(text.size());
  for (std::size_t position = 0; position < text.size();) {
    const std::int32_t code_point = next_code_point(text, position);
    // Binary search in the sorted vocabulary: a few comparisons, no hash table.
    const auto found = std::lower_bound(code_points_.begin(), code_points_.end(),
                                        static_cast<char32_t>(code_point));
    const bool known = code_point >= 0 && found != code_points_.end() &&
                       *found == static_cast<char32_t>(code_point);
    ids.push_back(known ? static_cast<std::int32_t>(found - code_points_.begin()) + 1 : kUnknownId);
  }
  return ids;
}

std::string CharTokenizer::decode(std::span<const std::int32_t> ids) const {
  std::string text;
  for (const std::int32_t id : ids) {
    TINYGPT_CHECK(id >= 0 && id < vocab_size(), "CharTokenizer: token id ", id,
                  " is outside the vocabulary [0, ", vocab_size(), ")");
    append_utf8(text,
                id == kUnknownId ? U'\uFFFD' : code_points_[static_cast<std::size_t>(id - 1)]);
  }
  return text;
}

std::int32_t CharTokenizer::vocab_size() const {
  return static_cast<std::int32_t>(code_points_.size()) + 1;
}

std::string CharTokenizer::describe() const {
  std::ostringstream out;
  out << "characters, " << vocab_size() << " tokens (" << code_points_.size()
      << " code points + <unk>)";
  return out.str();
}

void CharTokenizer::save(const std::filesystem::path& path) const {
  std::ostringstream out;
  out << "tinygpt-char 1\ncharacters " << code_points_.size() << "\n" << std::hex;
  for (const char32_t code_point : code_points_)
    out << static_cast<std::uint32_t>(code_point) << "\n";
  write_file_atomically(path, out.str());
}

CharTokenizer CharTokenizer::load(const std::filesystem::path& path) {
  detail::LineReader reader(path, read_file(path));
  std::string_view line;
  TINYGPT_CHECK(reader.next(line) && line == "tinygpt-char 1", reader.where(),
                ": not a tinygpt-char version 1 file (the first line must be 'tinygpt-char 1')");
  TINYGPT_CHECK(reader.next(line) && line.starts_with("characters "), reader.where(),
                ": expected 'characters <count>' (truncated file?)");
  std::int64_t count = -1;
  std::istringstream header{std::string(line.substr(11))};
  header >> count;
  TINYGPT_CHECK(!header.fail() && header.eof() && count >= 0 && count <= 0x110000, reader.where(),
                ": bad character count in '", line, "'");
  std::vector<char32_t> code_points;
  for (std::int64_t i = 0; i < count; ++i) {
    TINYGPT_CHECK(reader.next(line), reader.where(), ": the file ends after ", i, " of ", count,
                  " characters (truncated file?)");
    std::istringstream in{std::string(line)};
    std::uint32_t code_point = 0;
    in >> std::hex >> code_point;
    TINYGPT_CHECK(!line.empty() && !in.fail() && in.eof() && is_scalar_value(code_point) &&
                      (code_points.empty() || code_points.back() < code_point),
                  reader.where(), ": '", line, "' is not a hex code point above the previous one");
    code_points.push_back(static_cast<char32_t>(code_point));
  }
  TINYGPT_CHECK(!reader.next(line), reader.where(), ": unexpected line after the last character: '",
                line, "'");
  return CharTokenizer(std::move(code_points));
}

}  // namespace tinygpt::text
