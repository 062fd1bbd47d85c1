#include "text_io.h"

#include <fstream>
#include <iterator>
#include <sstream>

#include "tinygpt/core/check.h"
#include "tinygpt/core/utf8.h"

namespace tinygpt::text::detail {

LineReader::LineReader(std::filesystem::path path, std::string content)
    : path_(std::move(path)), content_(std::move(content)) {}

bool LineReader::next(std::string_view& line) {
  if (position_ >= content_.size()) return false;
  std::size_t end = content_.find('\n', position_);
  if (end == std::string::npos) end = content_.size();
  line = std::string_view(content_).substr(position_, end - position_);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  position_ = end + 1;
  ++line_;
  return true;
}

std::string LineReader::where() const {
  return path_.string() + ":" + std::to_string(line_);
}

std::string to_hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * bytes.size());
  for (const char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    hex += kDigits[byte >> 4];
    hex += kDigits[byte & 15];
  }
  return hex;
}

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A cursor over the JSON text that knows its line, for error messages.
class JsonCursor {
 public:
  JsonCursor(const std::filesystem::path& path, std::string_view json) : path_(path), json_(json) {}

  [[noreturn]] void fail(const std::string& what) const {
    throw Error("malformed JSON in '" + path_.string() + "' at line " + std::to_string(line_) +
                ": " + what);
  }
  void skip_space() {
    while (position_ < json_.size() && (json_[position_] == ' ' || json_[position_] == '\t' ||
                                        json_[position_] == '\n' || json_[position_] == '\r')) {
      if (json_[position_] == '\n') ++line_;
      ++position_;
    }
  }
  bool at_end() const { return position_ >= json_.size(); }
  char peek() const { return at_end() ? '\0' : json_[position_]; }
  void expect(char c) {
    skip_space();
    if (peek() != c) fail(std::string("expected '") + c + "'" + found());
    ++position_;
  }
  std::string found() const {
    return at_end() ? " but the file ends" : std::string(" but found '") + peek() + "'";
  }

  std::uint32_t hex4() {
    if (position_ + 4 > json_.size()) fail("\\u needs four hex digits");
    std::uint32_t value = 0;
    for (int i = 0; i < 4; ++i) {
      const int digit = hex_value(json_[position_++]);
      if (digit < 0) fail("\\u needs four hex digits");
      value = value * 16 + static_cast<std::uint32_t>(digit);
    }
    return value;
  }

  std::string string() {
    expect('"');
    std::string out;
    while (true) {
      if (at_end()) fail("unterminated string");
      const char c = json_[position_++];
      if (c == '"') return out;
      if (c == '\n') fail("newline inside a string");
      if (c != '\\') {
        out += c;
        continue;
      }
      if (at_end()) fail("unterminated string");
      const char escape = json_[position_++];
      switch (escape) {
        case '"':
          out += '"';
          break;
        case '\\':
          out += '\\';
          break;
        case '/':
          out += '/';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          std::uint32_t code_point = hex4();
          // Characters beyond U+FFFF are written as a surrogate pair \uD8xx\uDCxx.
          if (code_point >= 0xD800 && code_point < 0xDC00) {
            if (json_.substr(position_, 2) != "\\u") fail("a high surrogate without its pair");
            position_ += 2;
            const std::uint32_t low = hex4();
            if (low < 0xDC00 || low >= 0xE000) fail("a high surrogate without its pair");
            code_point = 0x10000 + ((code_point - 0xD800) << 10) + (low - 0xDC00);
          } else if (code_point >= 0xDC00 && code_point < 0xE000) {
            fail("a low surrogate without its pair");
          }
          append_utf8(out, static_cast<char32_t>(code_point));
          break;
        }
        default:
          fail(std::string("unknown escape '\\") + escape + "'");
      }
    }
  }

  std::int64_t integer() {
    skip_space();
    if (peek() < '0' || peek() > '9') fail("expected a non-negative integer" + found());
    std::int64_t value = 0;
    while (peek() >= '0' && peek() <= '9') {
      value = value * 10 + (json_[position_++] - '0');
      if (value > (std::int64_t{1} << 40)) fail("integer too large");
    }
    return value;
  }

 private:
  const std::filesystem::path& path_;
  std::string_view json_;
  std::size_t position_ = 0;
  std::int64_t line_ = 1;
};

}  // namespace

bool from_hex(std::string_view hex, std::string& bytes) {
  bytes.clear();
  if (hex.size() % 2 != 0) return false;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int high = hex_value(hex[i]);
    const int low = hex_value(hex[i + 1]);
    if (high < 0 || low < 0) return false;
    bytes += static_cast<char>(high * 16 + low);
  }
  return true;
}

std::vector<std::pair<std::string, std::int64_t>> read_json_string_to_int(
    const std::filesystem::path& path, std::string_view json) {
  JsonCursor cursor(path, json);
  std::vector<std::pair<std::string, std::int64_t>> entries;
  cursor.expect('{');
  cursor.skip_space();
  if (cursor.peek() == '}') {
    cursor.expect('}');
  } else {
    while (true) {
      std::string key = cursor.string();
      cursor.expect(':');
      entries.emplace_back(std::move(key), cursor.integer());
      cursor.skip_space();
      if (cursor.peek() == '}') {
        cursor.expect('}');
        break;
      }
      cursor.expect(',');
    }
  }
  cursor.skip_space();
  if (!cursor.at_end()) cursor.fail("unexpected text after the closing '}'");
  return entries;
}

}  // namespace tinygpt::text::detail
