// UTF-8, strictly.
#include "tinygpt/core/utf8.h"

namespace tinygpt {

bool is_scalar_value(std::uint32_t code_point) {
  return code_point <= 0x10FFFF && (code_point < 0xD800 || code_point > 0xDFFF);
}

std::int32_t next_code_point(std::string_view text, std::size_t& position) {
  const auto byte = [&](std::size_t i) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(text[i]));
  };
  const std::uint32_t lead = byte(position);
  if (lead < 0x80) {
    ++position;
    return static_cast<std::int32_t>(lead);
  }
  // The lead byte says how many continuation bytes (10xxxxxx) follow; the smallest code
  // point of each length rules out overlong spellings such as C0 80 for U+0000.
  std::size_t length = 0;
  std::uint32_t code_point = 0;
  std::uint32_t minimum = 0;
  if ((lead & 0xE0) == 0xC0) {
    length = 2, code_point = lead & 0x1F, minimum = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, code_point = lead & 0x0F, minimum = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, code_point = lead & 0x07, minimum = 0x10000;
  } else {
    ++position;  // a continuation byte or 0xF8-0xFF cannot start a character
    return -1;
  }
  if (position + length > text.size()) {
    ++position;
    return -1;
  }
  for (std::size_t i = 1; i < length; ++i) {
    const std::uint32_t next = byte(position + i);
    if ((next & 0xC0) != 0x80) {
      ++position;
      return -1;
    }
    code_point = (code_point << 6) | (next & 0x3F);
  }
  if (code_point < minimum || !is_scalar_value(code_point)) {
    ++position;
    return -1;
  }
  position += length;
  return static_cast<std::int32_t>(code_point);
}

std::size_t complete_utf8_prefix(std::string_view bytes) {
  // A character is at most 4 bytes: only a lead byte among the last 3 can be cut short.
  const std::size_t size = bytes.size();
  for (std::size_t back = 1; back <= 3 && back <= size; ++back) {
    const auto byte = static_cast<unsigned char>(bytes[size - back]);
    if ((byte & 0xC0) == 0x80) continue;  // a continuation byte: look further back
    const std::size_t length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC0 ? 2 : 1;
    return length > back ? size - back : size;
  }
  return size;
}

void append_utf8(std::string& out, char32_t code_point) {
  const auto c = static_cast<std::uint32_t>(code_point);
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

std::string valid_utf8(std::string_view bytes) {
  std::string out;
  std::size_t position = 0;
  while (position < bytes.size()) {
    const std::size_t start = position;
    if (next_code_point(bytes, position) < 0) {
      append_utf8(out, U'\uFFFD');
    } else {
      out.append(bytes.substr(start, position - start));
    }
  }
  return out;
}

}  // namespace tinygpt
