// Python's str.lower() on UTF-8 (eval/mt_text.h), from the tables that
// steps/06-evaluation/reference/unicode_lowercase.py reads out of Python.
//
// Python lowercases code point by code point with Unicode's full mappings, plus one rule
// that looks at the neighbours: a capital sigma (U+03A3) becomes the final sigma (U+03C2)
// when, skipping case-ignorable characters (apostrophes, combining marks, ...), a cased
// letter comes before it and no cased letter comes after it; otherwise the small sigma
// (U+03C3). So "ΟΔΟΣ" -> "οδος" ending in U+03C2, "ΣΟΣ" -> "σος" ending in U+03C2.
#include <algorithm>
#include <span>
#include <string>

#include "tinygpt/core/check.h"
#include "tinygpt/core/utf8.h"
#include "tinygpt/eval/mt_text.h"
#include "unicode_lowercase_tables.h"

namespace tinygpt::eval {
namespace {

constexpr std::uint32_t kCapitalSigma = 0x3A3;
constexpr std::uint32_t kSmallSigma = 0x3C3;
constexpr std::uint32_t kFinalSigma = 0x3C2;
constexpr std::uint32_t kCapitalIWithDot = 0x130;  // lowercases to 'i' + U+0307

bool in_ranges(std::span<const detail::CodePointRange> ranges, std::uint32_t c) {
  const auto after = std::upper_bound(
      ranges.begin(), ranges.end(), c,
      [](std::uint32_t value, const detail::CodePointRange& range) { return value < range.first; });
  return after != ranges.begin() && c <= std::prev(after)->last;
}

// The single-code-point lowercase of c (c itself when it has none).
std::uint32_t lower_code_point(std::uint32_t c) {
  if (c < 0x80) return c >= 'A' && c <= 'Z' ? c + 32 : c;
  const std::span<const detail::LowercaseRun> runs(detail::kLowercaseRuns);
  const auto after = std::upper_bound(
      runs.begin(), runs.end(), c,
      [](std::uint32_t value, const detail::LowercaseRun& run) { return value < run.first; });
  if (after == runs.begin()) return c;
  const detail::LowercaseRun& run = *std::prev(after);
  if (c > run.last || (c - run.first) % static_cast<std::uint32_t>(run.step) != 0) return c;
  return static_cast<std::uint32_t>(static_cast<std::int32_t>(c) + run.delta);
}

bool case_ignorable(std::uint32_t c) {
  return in_ranges(detail::kCaseIgnorable, c);
}
bool cased(std::uint32_t c) {
  return in_ranges(detail::kCasedNotIgnorable, c);
}

// The code point that starts before byte `end` (text is valid UTF-8): step back over the
// continuation bytes 10xxxxxx.
std::uint32_t code_point_before(std::string_view text, std::size_t& end) {
  std::size_t start = end - 1;
  while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
  std::size_t position = start;
  const auto c = static_cast<std::uint32_t>(next_code_point(text, position));
  end = start;
  return c;
}

// Python's handle_capital_sigma: the sigma spans bytes [start, end) of text.
std::uint32_t lower_sigma(std::string_view text, std::size_t start, std::size_t end) {
  std::size_t before = start;
  std::uint32_t c = 0;
  bool found = false;
  while (before > 0) {
    c = code_point_before(text, before);
    if (!case_ignorable(c)) {
      found = true;
      break;
    }
  }
  if (!found || !cased(c)) return kSmallSigma;
  for (std::size_t after = end; after < text.size();) {
    c = static_cast<std::uint32_t>(next_code_point(text, after));
    if (!case_ignorable(c)) return cased(c) ? kSmallSigma : kFinalSigma;
  }
  return kFinalSigma;
}

}  // namespace

std::string python_lower(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte < 0x80) {  // ASCII: the fast path
      out += static_cast<char>(byte >= 'A' && byte <= 'Z' ? byte + 32 : byte);
      ++i;
      continue;
    }
    const std::size_t start = i;
    const std::int32_t code = next_code_point(text, i);
    TINYGPT_CHECK(code >= 0, "python_lower: invalid UTF-8 at byte ", start);
    const auto c = static_cast<std::uint32_t>(code);
    if (c == kCapitalIWithDot) {
      out += 'i';
      append_utf8(out, U'\u0307');
    } else if (c == kCapitalSigma) {
      append_utf8(out, lower_sigma(text, start, i));
    } else {
      append_utf8(out, lower_code_point(c));
    }
  }
  return out;
}

}  // namespace tinygpt::eval
