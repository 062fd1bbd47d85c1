// What the generator of pii_examples.h shares between its files (pii_examples.cpp, the
// personal data; pii_decoys.cpp, the look-alikes): random choices and text shapes.
#pragma once

#include <array>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "tinygpt/core/check.h"
#include "tinygpt/core/rng.h"
#include "tinygpt/serve/checksums.h"

namespace tinygpt::serve::pii_examples_detail {

template <typename T, std::size_t N>
const T& pick(CounterRng& rng, const std::array<T, N>& choices) {
  return choices[rng.below(static_cast<std::uint32_t>(N))];
}

inline int uniform_int(CounterRng& rng, int low, int high) {
  return low + static_cast<int>(rng.below(static_cast<std::uint32_t>(high - low + 1)));
}

inline bool chance(CounterRng& rng, float p) {
  return rng.uniform() < p;
}

// `count` random decimal digits; the first from `first_low` to 9.
inline std::string digits(CounterRng& rng, int count, int first_low = 0) {
  std::string out;
  for (int i = 0; i < count; ++i) {
    const int low = i == 0 ? first_low : 0;
    out.push_back(static_cast<char>('0' + uniform_int(rng, low, 9)));
  }
  return out;
}

inline std::string letters(CounterRng& rng, int count) {
  std::string out;
  for (int i = 0; i < count; ++i) out.push_back(static_cast<char>('A' + rng.below(26)));
  return out;
}

inline std::string alphanumerics(CounterRng& rng, int count) {
  std::string out;
  for (int i = 0; i < count; ++i) {
    const std::uint32_t r = rng.below(36);
    out.push_back(static_cast<char>(r < 10 ? '0' + r : 'A' + (r - 10)));
  }
  return out;
}

// `text` cut into groups of the given sizes joined by `separator` (the last size repeats).
inline std::string grouped(std::string_view text, std::initializer_list<std::size_t> sizes,
                           std::string_view separator) {
  std::string out;
  std::size_t pos = 0;
  auto size = sizes.begin();
  while (pos < text.size()) {
    if (pos > 0) out.append(separator);
    out.append(text.substr(pos, *size));
    pos += *size;
    if (std::next(size) != sizes.end()) ++size;
  }
  return out;
}

// A card number of `length` digits after `prefix`, the last digit chosen so that Luhn's
// check passes (or, with `valid` false, so that it fails).
inline std::string card_digits(CounterRng& rng, std::string prefix, int length, bool valid) {
  std::string number = prefix + digits(rng, length - static_cast<int>(prefix.size()) - 1);
  const int start = uniform_int(rng, 0, 9);
  for (int k = 0; k < 10; ++k) {
    const std::string candidate = number + static_cast<char>('0' + (start + k) % 10);
    if (luhn_valid(candidate) == valid) return candidate;
  }
  TINYGPT_CHECK(false, "no check digit makes ", number, " pass Luhn's check as wanted");
  return number;
}

// An IBAN of a country with its BBAN's pattern ('n' digit, 'a' capital letter, 'c' either),
// check digits made by trying them all (or, with `valid` false, wrong ones).
inline std::string iban_compact(CounterRng& rng, std::string_view country, std::string_view pattern,
                                bool valid) {
  std::string bban;
  for (char p : pattern) {
    bban += p == 'n' ? digits(rng, 1) : p == 'a' ? letters(rng, 1) : alphanumerics(rng, 1);
  }
  std::string good;
  std::vector<std::string> bad;
  for (int check = 2; check <= 98; ++check) {
    const std::string candidate = std::string(country) + static_cast<char>('0' + check / 10) +
                                  static_cast<char>('0' + check % 10) + bban;
    if (iban_valid(candidate)) {
      good = candidate;
    } else {
      bad.push_back(candidate);
    }
  }
  TINYGPT_CHECK(!good.empty(), "no check digits make an IBAN of ", country, bban);
  return valid ? good : bad[rng.below(static_cast<std::uint32_t>(bad.size()))];
}

inline std::string hex_group(CounterRng& rng, bool pad) {
  const std::uint32_t value = rng.below(65536);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (int shift = 12; shift >= 0; shift -= 4) out.push_back(kHex[(value >> shift) & 15]);
  if (pad) return out;
  const std::size_t first = out.find_first_not_of('0');
  return first == std::string::npos ? "0" : out.substr(first);
}

struct IbanCountry {
  std::string_view code;
  std::string_view pattern;
};
inline constexpr std::array<IbanCountry, 12> kIbanCountries = {{
    {"DE", "nnnnnnnnnnnnnnnnnn"},
    {"GB", "aaaannnnnnnnnnnnnn"},
    {"FR", "nnnnnnnnnncccccccccccnn"},
    {"NL", "aaaannnnnnnnnn"},
    {"ES", "nnnnnnnnnnnnnnnnnnnn"},
    {"IT", "annnnnnnnnncccccccccccc"},
    {"BE", "nnnnnnnnnnnn"},
    {"CH", "nnnnncccccccccccc"},
    {"AT", "nnnnnnnnnnnnnnnn"},
    {"PL", "nnnnnnnnnnnnnnnnnnnnnnnn"},
    {"NO", "nnnnnnnnnnn"},
    {"UA", "nnnnnnccccccccccccccccccc"},  // not in the detector's table of lengths
}};

// People's names, for e-mail addresses and for the look-alikes that mention people.
inline constexpr std::array<std::string_view, 16> kFirst = {
    "anna", "ben",   "chloe", "david", "emma",  "farid", "grace", "hiro",
    "ines", "jonas", "kemal", "lena",  "marco", "nadia", "olga",  "pierre"};
inline constexpr std::array<std::string_view, 12> kLast = {
    "smith",  "mueller", "dubois", "rossi", "garcia",   "nowak",
    "tanaka", "oconnor", "jensen", "silva", "kowalski", "haddad"};

/// A look-alike: a carrier sentence with one "{}" slot, the value that fills it, and what it
/// imitates (for the report of false alarms).
struct Decoy {
  std::string carrier;  // with "{}"
  std::string value;
  std::string what;
};

/// A random look-alike (pii_decoys.cpp).
Decoy make_decoy(CounterRng& rng);

}  // namespace tinygpt::serve::pii_examples_detail
