/// @file utf8.h
/// @brief Reading and writing UTF-8 one code point at a time.
///
/// UTF-8 spells a code point in 1 to 4 bytes: 0xxxxxxx, 110xxxxx 10xxxxxx, 1110xxxx
/// 10xxxxxx 10xxxxxx, 11110xxx 10xxxxxx 10xxxxxx 10xxxxxx. Text from files may break these
/// rules, so the reader says "invalid" instead of guessing.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace tinygpt {

/// @param code_point any 32-bit value.
/// @return whether it is a Unicode scalar value: at most U+10FFFF and not a surrogate.
bool is_scalar_value(std::uint32_t code_point);

/// @brief Reads one UTF-8 character, strictly: no overlong forms, no surrogates, nothing
/// above U+10FFFF.
/// @param text any bytes.
/// @param position where to read, below text.size(); advanced past the character, or by
///        one byte if the bytes there are not valid UTF-8.
/// @return the code point, or -1 for an invalid byte.
std::int32_t next_code_point(std::string_view text, std::size_t& position);

/// @brief How much of a byte stream can be shown now: everything but a character whose
/// first bytes have arrived and whose last ones have not (generation prints token by token,
/// and a byte-level token can end inside a character).
/// @param bytes the bytes received so far.
/// @return the length of the longest prefix that does not end inside a character.
std::size_t complete_utf8_prefix(std::string_view bytes);

/// @brief Appends the UTF-8 spelling of one code point.
/// @param out receives the 1 to 4 bytes.
/// @param code_point a Unicode scalar value.
void append_utf8(std::string& out, char32_t code_point);

/// @brief The text with every byte that does not start a valid character (next_code_point)
/// replaced by U+FFFD, so that it can go where only UTF-8 may (JSON, a web page).
/// @param bytes any bytes (a byte-level model's output, say).
/// @return valid UTF-8.
std::string valid_utf8(std::string_view bytes);

}  // namespace tinygpt
