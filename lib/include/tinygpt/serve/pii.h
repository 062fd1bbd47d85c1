/// @file pii.h
/// @brief Personal data in text: e-mail addresses, phone numbers, payment card numbers, IBANs
/// and IP addresses, found by hand-written scanners and replaced by placeholders.
///
/// The server redacts every prompt and answer before it reaches a log line, so the scan has
/// to be cheap (one pass, no regular-expression engine, no allocation per character) and
/// cautious about what it calls personal: a date, a version number or an order number hidden
/// as "[PHONE]" makes logs useless, a card number left in them is a breach. The rules:
///   - e-mail: a local part, the at sign, a domain of at least two labels whose last label
///     is letters only (and not a picture's file extension, as in "icon at 2x.png");
///   - phone: "+" or "00" and a country code with 8 to 15 digits in all (E.164's limit), or
///     a national number of 10 or 11 digits shaped like one: North American 3-3-4 (area code
///     2 to 9, optionally "1" first) or a trunk "0" first group of 2 to 5 digits; separators
///     are spaces, dashes, dots and parentheses around the area code. Ten or eleven digits
///     in one run are a phone only after a word like "phone", "call" or "tel" just before;
///   - card: 13 to 19 digits starting with 2 to 6 (the payment industries' first digits),
///     in one run or in groups (4 first, then 3 to 6) joined by spaces or by dashes, passing
///     Luhn's check (checksums.h);
///   - IBAN: a country code, two check digits and the country's length of letters and
///     digits, compact or in groups of four, passing the mod-97 check (checksums.h);
///   - IP: dotted IPv4 with octets 0 to 255, IPv6 with eight groups or one "::" (and an
///     IPv4 tail, as in "::ffff:192.0.2.1").
/// Every match stands alone: a number glued to letters or continuing into more digits
/// ("v1.2.3.4", "INV-2024-0001") is not one.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace tinygpt::serve {

/// @brief The kinds of personal data the redactor knows.
enum class PiiKind {
  kEmail,  ///< an e-mail address
  kPhone,  ///< a phone number
  kCard,   ///< a payment card number (Luhn-checked)
  kIban,   ///< an international bank account number (mod-97-checked)
  kIp,     ///< an IPv4 or IPv6 address
};

/// The number of PiiKind values, for tables indexed by kind.
inline constexpr std::size_t kPiiKindCount = 5;

/// @brief One piece of personal data in a text: its kind and its bytes [begin, end).
struct PiiSpan {
  PiiKind kind = PiiKind::kEmail;  ///< what it is
  std::size_t begin = 0;           ///< first byte
  std::size_t end = 0;             ///< one past the last byte

  /// @param other another span.
  /// @return whether both have the same kind and bytes.
  bool operator==(const PiiSpan& other) const = default;
};

/// @brief The kind's name, as the placeholder shows it: "EMAIL", "PHONE", "CARD", "IBAN",
/// "IP".
/// @param kind the kind.
/// @return its name (a static string).
const char* pii_kind_name(PiiKind kind);

/// @brief Finds the personal data in a text.
/// @param text any bytes (UTF-8 or not: only ASCII characters can belong to a match).
/// @return the spans found, sorted by position and never overlapping.
std::vector<PiiSpan> find_pii(std::string_view text);

/// @brief The text with every span of find_pii() replaced by its placeholder, "[EMAIL]",
/// "[PHONE]", "[CARD]", "[IBAN]" or "[IP]".
/// @param text the text to redact.
/// @return the redacted text.
std::string redact_pii(std::string_view text);

/// @brief The text with the given spans replaced by their placeholders.
/// @param text the text.
/// @param spans sorted, non-overlapping spans inside the text (Error otherwise).
/// @return the redacted text.
std::string redact_spans(std::string_view text, const std::vector<PiiSpan>& spans);

}  // namespace tinygpt::serve
