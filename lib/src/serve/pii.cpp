// Personal data found and redacted (pii.h): the scan over a text, which asks the scanners of
// each kind (pii_numbers.cpp, pii_addresses.cpp) at every position a match may start.
#include "tinygpt/serve/pii.h"

#include <algorithm>

#include "pii_detail.h"
#include "tinygpt/core/check.h"

namespace tinygpt::serve {
namespace {

using namespace pii_detail;

// The longest match of any numeric or IBAN kind starting at `begin`, or an empty span.
PiiSpan match_at(std::string_view text, std::size_t begin) {
  const char c = text[begin];
  if (c == '+' || c == '(') {
    const std::size_t end = match_phone(text, begin);
    return end != 0 ? PiiSpan{PiiKind::kPhone, begin, end} : PiiSpan{};
  }
  if (is_alpha(c)) {
    if (const std::size_t end = match_iban(text, begin)) return {PiiKind::kIban, begin, end};
  }
  if (is_hex(c) || c == ':') {
    if (const std::size_t end = match_ipv6(text, begin)) return {PiiKind::kIp, begin, end};
  }
  if (is_digit(c)) {
    if (const std::size_t end = match_ipv4(text, begin)) return {PiiKind::kIp, begin, end};
    if (const std::size_t end = match_card(text, begin)) return {PiiKind::kCard, begin, end};
    if (const std::size_t end = match_phone(text, begin)) return {PiiKind::kPhone, begin, end};
  }
  return {};
}

// Where to look next when nothing matched at `pos`. Inside a word nothing can start, so the
// word is skipped. So is the rest of a number that failed as a whole: the last groups of a
// 22-digit tracking number "9400 1000 ... 94" are no phone number, and neither are the
// groups of an IBAN with wrong check digits.
std::size_t skip_unmatched(std::string_view text, std::size_t pos) {
  const char c = text[pos];
  if (!is_word(c)) return pos + 1;
  const bool number = is_digit(c);
  const bool iban = iban_shaped(text, pos);
  while (pos < text.size() && is_word(text[pos])) ++pos;
  if (number) {
    while (pos + 1 < text.size() && (text[pos] == ' ' || text[pos] == '-' || text[pos] == '.') &&
           is_digit(text[pos + 1])) {
      ++pos;
      while (pos < text.size() && is_word(text[pos])) ++pos;
    }
  } else if (iban) {
    // Groups of at most four letters and digits (a short word after it is skipped too,
    // which is harmless: a word of letters starts nothing but an IBAN).
    while (pos + 1 < text.size() && text[pos] == ' ' && is_alnum(text[pos + 1])) {
      std::size_t group = pos + 1;
      while (group < text.size() && is_alnum(text[group]) && group - pos <= 5) ++group;
      if (group - pos > 5 || (group < text.size() && is_word(text[group]))) break;
      pos = group;
    }
  }
  return pos;
}

// Whether byte `c` can start any match of match_at().
bool may_start(char c) {
  return is_alnum(c) || c == '+' || c == '(' || c == ':';
}

}  // namespace

const char* pii_kind_name(PiiKind kind) {
  switch (kind) {
    case PiiKind::kEmail:
      return "EMAIL";
    case PiiKind::kPhone:
      return "PHONE";
    case PiiKind::kCard:
      return "CARD";
    case PiiKind::kIban:
      return "IBAN";
    case PiiKind::kIp:
      return "IP";
  }
  TINYGPT_CHECK(false, "unknown PiiKind ", static_cast<int>(kind));
  return "";
}

std::vector<PiiSpan> find_pii(std::string_view text) {
  // E-mail addresses first: they are found from their at sign, and the numbers inside them
  // ("jo.415.555.0132" before the at sign) are theirs.
  const std::vector<PiiSpan> emails = find_emails(text);
  std::vector<PiiSpan> found;
  found.reserve(emails.size());
  std::size_t next_email = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t limit = next_email < emails.size() ? emails[next_email].begin : text.size();
    if (pos == limit) {
      found.push_back(emails[next_email]);
      pos = emails[next_email].end;
      ++next_email;
      continue;
    }
    const char c = text[pos];
    const bool alone = c == ':' ? pos == 0 || (!is_word(text[pos - 1]) && text[pos - 1] != ':')
                                : starts_alone(text, pos);
    if (may_start(c) && alone) {
      const PiiSpan span = match_at(text, pos);
      if (span.end > span.begin && span.end <= limit) {
        found.push_back(span);
        pos = span.end;
        continue;
      }
    }
    pos = std::min(limit, skip_unmatched(text, pos));
  }
  return found;
}

std::string redact_spans(std::string_view text, const std::vector<PiiSpan>& spans) {
  std::string out;
  out.reserve(text.size());
  std::size_t pos = 0;
  for (const PiiSpan& span : spans) {
    TINYGPT_CHECK(span.begin >= pos && span.begin < span.end && span.end <= text.size(),
                  "redact_spans: span [", span.begin, ", ", span.end,
                  ") overlaps the previous one or leaves the text of ", text.size(), " bytes");
    out.append(text.substr(pos, span.begin - pos));
    out.push_back('[');
    out.append(pii_kind_name(span.kind));
    out.push_back(']');
    pos = span.end;
  }
  out.append(text.substr(pos));
  return out;
}

std::string redact_pii(std::string_view text) {
  return redact_spans(text, find_pii(text));
}

}  // namespace tinygpt::serve
