// The scanners of numbers in groups (pii_detail.h): card numbers, phone numbers and IBANs,
// and where a number may start and end.
#include <algorithm>
#include <array>

#include "pii_detail.h"
#include "tinygpt/serve/checksums.h"

namespace tinygpt::serve::pii_detail {
namespace {

// ---- numbers in groups -------------------------------------------------------------------

// Digits in groups, as read by read_groups(): up to kMaxGroups groups, the separator before
// each group ('\0' for none) and whether the group was in parentheses.
constexpr std::size_t kMaxGroups = 8;
struct Groups {
  std::array<std::size_t, kMaxGroups> size{};
  std::array<char, kMaxGroups> separator_before{};
  std::array<bool, kMaxGroups> in_parentheses{};
  std::array<std::size_t, kMaxGroups> begin{};
  std::size_t count = 0;
  std::size_t digits = 0;
  std::size_t end = 0;
};

// Reads groups of digits from `pos` joined by one byte of `separators` (and, when
// `parentheses`, groups like "(415)" or "(0)"), as many as there are. Stops before a
// separator that is not followed by a digit.
Groups read_groups(std::string_view text, std::size_t pos, std::string_view separators,
                   bool parentheses) {
  Groups groups;
  char separator = '\0';
  while (groups.count < kMaxGroups) {
    const bool open = parentheses && pos < text.size() && text[pos] == '(';
    std::size_t digit_begin = open ? pos + 1 : pos;
    std::size_t digit_end = digit_begin;
    while (digit_end < text.size() && is_digit(text[digit_end]) && digit_end - digit_begin < 20) {
      ++digit_end;
    }
    if (digit_end == digit_begin) break;
    std::size_t group_end = digit_end;
    if (open) {
      if (digit_end >= text.size() || text[digit_end] != ')') break;
      group_end = digit_end + 1;
    }
    groups.size[groups.count] = digit_end - digit_begin;
    groups.separator_before[groups.count] = separator;
    groups.in_parentheses[groups.count] = open;
    groups.begin[groups.count] = digit_begin;
    ++groups.count;
    groups.digits += digit_end - digit_begin;
    groups.end = group_end;
    pos = group_end;
    // The next group: a separator, or directly an opening parenthesis after a group.
    if (pos + 1 < text.size() && separators.find(text[pos]) != std::string_view::npos &&
        (is_digit(text[pos + 1]) || (parentheses && text[pos + 1] == '('))) {
      separator = text[pos];
      ++pos;
    } else if (parentheses && pos < text.size() && text[pos] == '(') {
      separator = '\0';
    } else if (open && pos < text.size() && is_digit(text[pos])) {
      separator = '\0';  // "(0)20"
    } else {
      break;
    }
  }
  return groups;
}

// Whether every separator from group `first` on is the same (one style per number).
bool one_separator_from(const Groups& groups, std::size_t first) {
  char seen = '\0';
  for (std::size_t i = first; i < groups.count; ++i) {
    if (groups.in_parentheses[i] || (i > 0 && groups.in_parentheses[i - 1])) continue;
    const char separator = groups.separator_before[i];
    if (seen == '\0') seen = separator;
    if (separator != seen) return false;
  }
  return true;
}

}  // namespace

// Whether a number may start at `begin`: not inside a word, and not continuing a token such
// as "INV-2024" or "10.0" through a dash, dot or slash.
bool starts_alone(std::string_view text, std::size_t begin) {
  if (begin == 0) return true;
  const char before = text[begin - 1];
  if (is_word(before)) return false;
  if (before == '-' || before == '.' || before == '/') {
    return begin < 2 || !is_alnum(text[begin - 2]);
  }
  // After a colon: "IP:10.0.0.1" and "Tel:+44..." start a match, the "30" of "12:30" or the
  // "1A" of a MAC address "00:1A:..." do not.
  if (before == ':') return begin < 2 || !is_hex(text[begin - 2]);
  return true;
}

// Whether a number may end at `end`: the next byte is no part of a word, and no separator
// follows that leads into more digits (the number would be longer than the match).
bool ends_alone(std::string_view text, std::size_t end) {
  if (end >= text.size()) return true;
  const char after = text[end];
  if (is_word(after)) return false;
  if (after == '-' || after == '.' || after == '/') {
    return end + 1 >= text.size() || !is_alnum(text[end + 1]);
  }
  return true;
}

// ---- card ------------------------------------------------------------------------------

// Whether a card of `length` digits may start with these two digits, by the brands' ranges:
// 13 Visa (4); 14 Diners (30, 36, 38); 15 American Express (34, 37); 16 all (2 to 6); 17 to
// 19 Visa, Maestro, Discover, UnionPay (4, 5, 6) and JCB (35). Any other 15-digit number
// passing Luhn (a phone's IMEI starting 35, say) is not a card.
static bool card_brand_length(char first, char second, std::size_t length) {
  const int prefix = (first - '0') * 10 + (second - '0');
  switch (length) {
    case 13:
      return first == '4';
    case 14:
      return prefix == 30 || prefix == 36 || prefix == 38;
    case 15:
      return prefix == 34 || prefix == 37;
    case 16:
      return first >= '2' && first <= '6';
    default:
      return first == '4' || first == '5' || first == '6' || prefix == 35;
  }
}

std::size_t match_card(std::string_view text, std::size_t begin) {
  if (text[begin] < '2' || text[begin] > '6') return 0;
  const Groups groups = read_groups(text, begin, " -", false);
  if (groups.digits < 13 || groups.digits > 19) return 0;
  if (groups.count > 1) {
    if (groups.size[0] != 4 || !one_separator_from(groups, 1)) return 0;
    for (std::size_t i = 1; i < groups.count; ++i) {
      if (groups.size[i] < 3 || groups.size[i] > 6) return 0;
    }
  }
  if (!ends_alone(text, groups.end)) return 0;
  std::array<char, 19> digits{};
  std::size_t n = 0;
  for (std::size_t i = 0; i < groups.count; ++i) {
    for (std::size_t k = 0; k < groups.size[i]; ++k) digits[n++] = text[groups.begin[i] + k];
  }
  if (!card_brand_length(digits[0], digits[1], n)) return 0;
  return luhn_valid(std::string_view(digits.data(), n)) ? groups.end : 0;
}

// ---- phone -----------------------------------------------------------------------------

// Whether a word that announces a phone number ends shortly before `begin`: "phone",
// "tel", "call", "mobile", ... An unbroken run of ten digits is a phone only then.
static bool phone_word_before(std::string_view text, std::size_t begin) {
  static constexpr std::array<std::string_view, 10> kWords = {
      "phone", "tel", "call", "mobile", "cell", "fax", "whatsapp", "sms", "text", "ring"};
  const std::size_t from = begin > 24 ? begin - 24 : 0;
  std::array<char, 24> lower{};
  for (std::size_t i = from; i < begin; ++i) lower[i - from] = to_lower(text[i]);
  const std::string_view window(lower.data(), begin - from);
  for (std::string_view word : kWords) {
    const std::size_t at = window.rfind(word);
    if (at == std::string_view::npos) continue;
    // Only separators may stand between the word and the number ("Tel.: ", "call me on ").
    const bool whole = at == 0 || !is_alpha(window[at - 1]);
    if (whole) return true;
  }
  return false;
}

// A North American number: [1] area exchange line, 3-3-4, the area code starting 2 to 9.
static bool is_north_american(const Groups& groups, std::size_t first) {
  if (groups.count - first != 3) return false;
  if (groups.size[first] != 3 || groups.size[first + 1] != 3 || groups.size[first + 2] != 4) {
    return false;
  }
  return true;
}

// "(+44) 20 7946 0958": the country code in parentheses, then the national number.
static std::size_t match_phone_code_in_parentheses(std::string_view text, std::size_t begin) {
  std::size_t pos = begin + 2;
  while (pos < text.size() && is_digit(text[pos]) && pos - begin < 6) ++pos;
  const std::size_t code = pos - begin - 2;
  if (code < 1 || code > 3 || text[begin + 2] == '0' || pos >= text.size() || text[pos] != ')') {
    return 0;
  }
  ++pos;
  if (pos + 1 < text.size() && text[pos] == ' ' &&
      (is_digit(text[pos + 1]) || text[pos + 1] == '(')) {
    ++pos;
  }
  const Groups groups = read_groups(text, pos, " -.", true);
  if (groups.count == 0 || !ends_alone(text, groups.end)) return 0;
  const std::size_t digits = code + groups.digits;
  if (digits < 8 || digits > 15 || !one_separator_from(groups, 1)) return 0;
  for (std::size_t i = 0; i < groups.count; ++i) {
    if (groups.in_parentheses[i] && !(i == 0 && groups.size[i] <= 4)) return 0;
  }
  return groups.end;
}

std::size_t match_phone(std::string_view text, std::size_t begin) {
  if (begin + 2 < text.size() && text[begin] == '(' && text[begin + 1] == '+') {
    return match_phone_code_in_parentheses(text, begin);
  }
  const bool plus = text[begin] == '+';
  const std::size_t start = plus ? begin + 1 : begin;
  if (start >= text.size() || !(is_digit(text[start]) || (!plus && text[start] == '('))) return 0;
  const Groups groups = read_groups(text, start, " -./", true);
  if (groups.count == 0 || !ends_alone(text, groups.end)) return 0;
  // A slash only after a national area code ("030/12345678", as Germans write them).
  for (std::size_t i = 2; i < groups.count; ++i) {
    if (groups.separator_before[i] == '/') return 0;
  }
  const bool slash = groups.count > 1 && groups.separator_before[1] == '/';
  const char first_digit = text[groups.begin[0]];
  const bool double_zero = !plus && !groups.in_parentheses[0] && groups.size[0] >= 3 &&
                           groups.size[0] <= 5 && first_digit == '0' &&
                           text[groups.begin[0] + 1] == '0' && text[groups.begin[0] + 2] != '0';
  if ((plus || double_zero) && !slash) {
    // International: a country code (1 to 3 digits, not starting with 0), 8 to 15 digits.
    const std::size_t digits = double_zero ? groups.digits - 2 : groups.digits;
    if (digits < 8 || digits > 15) return 0;
    if (plus && (first_digit == '0' || groups.in_parentheses[0])) return 0;
    if (groups.count > 1) {
      const std::size_t code = double_zero ? groups.size[0] - 2 : groups.size[0];
      if (code < 1 || code > 3) return 0;
      if (!one_separator_from(groups, 2)) return 0;
      for (std::size_t i = 1; i < groups.count; ++i) {
        if (groups.in_parentheses[i] && !(i == 1 && groups.size[i] <= 4)) return 0;
      }
    } else if (double_zero) {
      return 0;  // "0049301234567" in one run: leave it to the national rules' cue word
    }
    return groups.end;
  }
  // National.
  if (plus) return 0;
  // Ten digits (North America, most of Europe), eleven ("1" or a trunk "0" first) or twelve
  // (German mobiles "0151 1234 5678").
  if (groups.digits < 10 || groups.digits > 12) return 0;
  if (groups.digits == 12 && first_digit != '0') return 0;
  if (groups.count == 1) {
    if (groups.in_parentheses[0] || !phone_word_before(text, begin)) return 0;
    return (groups.digits == 10 || first_digit == '0' || first_digit == '1') ? groups.end : 0;
  }
  for (std::size_t i = 1; i < groups.count; ++i) {
    if (groups.in_parentheses[i]) return 0;
  }
  // North American: "(415) 555-0132", "415.555.0132", "1-800-555-0199".
  const std::size_t area = (groups.size[0] == 1 && first_digit == '1') ? 1 : 0;
  if (!slash && is_north_american(groups, area) && text[groups.begin[area]] >= '2' &&
      one_separator_from(groups, area + 1) && groups.digits == 10 + area) {
    return groups.end;
  }
  // A trunk prefix "0" and 2 to 5 digits of area, then groups of 2 to 8 digits.
  if (groups.in_parentheses[0] && groups.size[0] < 2) return 0;
  if (first_digit != '0' || text[groups.begin[0] + 1] == '0') return 0;
  if (groups.size[0] < 2 || groups.size[0] > 5) return 0;
  if (!one_separator_from(groups, slash ? 2 : 1)) return 0;
  for (std::size_t i = 1; i < groups.count; ++i) {
    if (groups.size[i] < 2 || groups.size[i] > 8) return 0;
  }
  return groups.end;
}

// ---- IBAN ------------------------------------------------------------------------------

// The IBAN length of the countries whose accounts the redactor checks by length (SWIFT's
// IBAN registry); other country codes are accepted at any length from 15 to 34.
static std::size_t iban_length(char a, char b) {
  struct Country {
    char code[3];
    std::size_t length;
  };
  static constexpr std::array<Country, 44> kCountries = {{
      {"AD", 24}, {"AE", 23}, {"AT", 20}, {"BA", 20}, {"BE", 16}, {"BG", 22}, {"BH", 22},
      {"BR", 29}, {"CH", 21}, {"CY", 28}, {"CZ", 24}, {"DE", 22}, {"DK", 18}, {"EE", 20},
      {"ES", 24}, {"FI", 18}, {"FO", 18}, {"FR", 27}, {"GB", 22}, {"GI", 23}, {"GL", 18},
      {"GR", 27}, {"HR", 21}, {"HU", 28}, {"IE", 22}, {"IL", 23}, {"IS", 26}, {"IT", 27},
      {"LI", 21}, {"LT", 20}, {"LU", 20}, {"LV", 21}, {"MC", 27}, {"MT", 31}, {"NL", 18},
      {"NO", 15}, {"PL", 28}, {"PT", 25}, {"RO", 24}, {"SA", 24}, {"SE", 24}, {"SI", 19},
      {"SK", 24}, {"TR", 26},
  }};
  for (const Country& country : kCountries) {
    if (country.code[0] == a && country.code[1] == b) return country.length;
  }
  return 0;
}

// Two letters and two digits: the start of an IBAN.
bool iban_shaped(std::string_view text, std::size_t begin) {
  return begin + 4 <= text.size() && is_alpha(text[begin]) && is_alpha(text[begin + 1]) &&
         is_digit(text[begin + 2]) && is_digit(text[begin + 3]);
}

std::size_t match_iban(std::string_view text, std::size_t begin) {
  // Lower case too: people type "de89 3704 ..." in chats, and the check digits keep false
  // alarms as rare as in capitals.
  if (!iban_shaped(text, begin)) return 0;
  const std::size_t length = iban_length(to_upper(text[begin]), to_upper(text[begin + 1]));
  // Compact ("DE89370400440532013000") or in fours ("DE89 3704 0044 0532 0130 00"): the
  // characters are gathered without spaces, remembering how many there are where each
  // group ends.
  std::array<char, 35> compact{};
  std::array<std::size_t, 10> group_end{};
  std::array<std::size_t, 10> count_at{};
  std::size_t groups = 0;
  std::size_t n = 0;
  std::size_t pos = begin;
  const bool grouped = begin + 5 < text.size() && text[begin + 4] == ' ';
  while (groups < group_end.size()) {
    const std::size_t group_begin = pos;
    while (pos < text.size() && is_alnum(text[pos]) && n < compact.size() &&
           (!grouped || pos - group_begin < 4)) {
      compact[n++] = to_upper(text[pos++]);
    }
    if (pos == group_begin) break;
    group_end[groups] = pos;
    count_at[groups] = n;
    ++groups;
    if (!grouped || pos - group_begin != 4 || n >= 34) break;
    if (pos + 1 < text.size() && text[pos] == ' ' && is_alnum(text[pos + 1])) {
      ++pos;
    } else {
      break;
    }
  }
  const auto valid_at = [&](std::size_t g) {
    const std::size_t end = group_end[g];
    const bool whole = end >= text.size() || !is_alnum(text[end]);
    return whole && ends_alone(text, end) && count_at[g] >= 15 && count_at[g] <= 34 &&
           (length == 0 || count_at[g] == length) &&
           iban_valid(std::string_view(compact.data(), count_at[g]));
  };
  if (length != 0) {
    // The country's length decides where the IBAN ends (a word may follow: "BE68 5390 0754
    // 7034 then").
    for (std::size_t g = 0; g < groups; ++g) {
      if (count_at[g] == length) return valid_at(g) ? group_end[g] : 0;
    }
    return 0;
  }
  // Any other country: all the groups, or all but a last one of letters only (a word). One
  // or two tries, so that a wrong IBAN passes by chance about as rarely as 1 in 97.
  if (groups == 0) return 0;
  if (valid_at(groups - 1)) return group_end[groups - 1];
  if (groups >= 2) {
    const std::size_t last_begin =
        group_end[groups - 1] - (count_at[groups - 1] - count_at[groups - 2]);
    const bool word =
        std::all_of(text.begin() + static_cast<std::ptrdiff_t>(last_begin),
                    text.begin() + static_cast<std::ptrdiff_t>(group_end[groups - 1]), is_alpha);
    if (word && valid_at(groups - 2)) return group_end[groups - 2];
  }
  return 0;
}

}  // namespace tinygpt::serve::pii_detail
