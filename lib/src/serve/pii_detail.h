// What the scanners of pii.h share (pii.cpp drives them; pii_numbers.cpp and
// pii_addresses.cpp hold them): byte classes and the declarations of each kind's matcher.
// Each match_* function looks at one start position and returns the end of a match or 0 (no
// match can end at 0, as each needs several bytes). None looks more than a few dozen bytes
// ahead, so the scan stays linear in the text's length.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "tinygpt/serve/pii.h"

namespace tinygpt::serve::pii_detail {

// Character classes on bytes, without the locale that <cctype> consults.
inline bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
inline bool is_upper(char c) {
  return c >= 'A' && c <= 'Z';
}
inline bool is_lower(char c) {
  return c >= 'a' && c <= 'z';
}
inline bool is_alpha(char c) {
  return is_upper(c) || is_lower(c);
}
inline bool is_alnum(char c) {
  return is_alpha(c) || is_digit(c);
}
inline bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
inline char to_lower(char c) {
  return is_upper(c) ? static_cast<char>(c - 'A' + 'a') : c;
}
inline char to_upper(char c) {
  return is_lower(c) ? static_cast<char>(c - 'a' + 'A') : c;
}

// A byte of a word: a match may not start or end inside one ("v1.2.3.4", "x4111...").
inline bool is_word(char c) {
  return is_alnum(c) || c == '_';
}

/// Whether a number may start at `begin`: not inside a word, and not continuing a token such
/// as "INV-2024" or "10.0" through a dash, dot or slash.
bool starts_alone(std::string_view text, std::size_t begin);
/// Whether a number may end at `end`: the next byte is no part of a word, and no separator
/// follows that leads into more digits (the number would be longer than the match).
bool ends_alone(std::string_view text, std::size_t end);

/// Every e-mail address, found from its at sign; sorted, not overlapping.
std::vector<PiiSpan> find_emails(std::string_view text);
/// A card number (Luhn-checked, of its brand's length) from `begin`.
std::size_t match_card(std::string_view text, std::size_t begin);
/// A phone number from `begin` ('+', '(' or a digit).
std::size_t match_phone(std::string_view text, std::size_t begin);
/// Two letters and two digits: the start of an IBAN.
bool iban_shaped(std::string_view text, std::size_t begin);
/// An IBAN (mod-97 checked, of its country's length), compact or in fours, from `begin`.
std::size_t match_iban(std::string_view text, std::size_t begin);
/// An IPv4 address from `begin`.
std::size_t match_ipv4(std::string_view text, std::size_t begin);
/// An IPv6 address from `begin`.
std::size_t match_ipv6(std::string_view text, std::size_t begin);

}  // namespace tinygpt::serve::pii_detail
