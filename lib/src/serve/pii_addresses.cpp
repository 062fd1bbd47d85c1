// The scanners of addresses (pii_detail.h): e-mail and IP addresses.
#include <algorithm>
#include <array>
#include <cstring>

#include "pii_detail.h"

namespace tinygpt::serve::pii_detail {

// ---- e-mail ----------------------------------------------------------------------------

// The apostrophe is legal and real ("o'brien"); at the start it is a quotation mark.
static bool is_local_char(char c) {
  return is_alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-' || c == '\'';
}

// A top-level "domain" that is a picture's extension: "icon" + at sign + "2x.png" is a
// retina image's file name, not an address.
static bool is_file_extension(std::string_view label) {
  static constexpr std::array<std::string_view, 12> kExtensions = {
      "png", "jpg", "jpeg", "gif", "svg", "webp", "bmp", "ico", "tif", "tiff", "pdf", "avif"};
  std::array<char, 8> lower{};
  if (label.size() > lower.size()) return false;
  for (std::size_t i = 0; i < label.size(); ++i) lower[i] = to_lower(label[i]);
  const std::string_view word(lower.data(), label.size());
  for (std::string_view extension : kExtensions) {
    if (word == extension) return true;
  }
  return false;
}

// The span of the address around the at sign at `at`, or an empty span.
static PiiSpan match_email(std::string_view text, std::size_t at) {
  std::size_t begin = at;
  while (begin > 0 && is_local_char(text[begin - 1])) --begin;
  while (begin < at && (text[begin] == '.' || text[begin] == '-' || text[begin] == '\'')) {
    ++begin;
  }
  if (begin == at || text[at - 1] == '.') return {};
  // The domain: labels of letters, digits and inner dashes, joined by single dots.
  std::size_t pos = at + 1;
  std::size_t labels = 0;
  std::size_t last_label = pos;
  std::size_t end = 0;
  while (true) {
    const std::size_t label_begin = pos;
    while (pos < text.size() && (is_alnum(text[pos]) || text[pos] == '-')) ++pos;
    if (pos == label_begin || text[label_begin] == '-' || text[pos - 1] == '-') break;
    ++labels;
    last_label = label_begin;
    end = pos;
    if (pos + 1 < text.size() && text[pos] == '.' && is_alnum(text[pos + 1])) {
      ++pos;
    } else {
      break;
    }
  }
  if (labels < 2) return {};
  const std::string_view top = text.substr(last_label, end - last_label);
  if (top.size() < 2) return {};
  for (char c : top) {
    if (!is_alpha(c)) return {};
  }
  if (is_file_extension(top)) return {};
  if (end < text.size() && is_word(text[end])) return {};
  return {PiiKind::kEmail, begin, end};
}

std::vector<PiiSpan> find_emails(std::string_view text) {
  std::vector<PiiSpan> found;
  const char* data = text.data();
  std::size_t from = 0;
  while (from < text.size()) {
    const void* hit = std::memchr(data + from, '@', text.size() - from);
    if (hit == nullptr) break;
    const auto at = static_cast<std::size_t>(static_cast<const char*>(hit) - data);
    const PiiSpan span = match_email(text, at);
    if (span.end > span.begin && (found.empty() || span.begin >= found.back().end)) {
      found.push_back(span);
      from = span.end;
    } else {
      from = at + 1;
    }
  }
  return found;
}

// ---- IP ----------------------------------------------------------------------------------

// Four decimal octets 0 to 255 from `begin`, zero-padded ones too ("010.001.000.255", as some
// logs print them). Returns the end or 0; does not check what follows.
static std::size_t read_ipv4(std::string_view text, std::size_t begin) {
  std::size_t pos = begin;
  for (int octet = 0; octet < 4; ++octet) {
    if (octet > 0) {
      if (pos >= text.size() || text[pos] != '.') return 0;
      ++pos;
    }
    const std::size_t digit_begin = pos;
    int value = 0;
    while (pos < text.size() && is_digit(text[pos]) && pos - digit_begin < 3) {
      value = value * 10 + (text[pos] - '0');
      ++pos;
    }
    const std::size_t digits = pos - digit_begin;
    if (digits == 0 || value > 255) return 0;
    if (pos < text.size() && is_digit(text[pos])) return 0;  // a fourth digit
  }
  return pos;
}

// A slash may follow: a URL's path ("http://10.0.0.1/admin") or a prefix length ("/24").
std::size_t match_ipv4(std::string_view text, std::size_t begin) {
  const std::size_t end = read_ipv4(text, begin);
  if (end == 0) return 0;
  return ends_alone(text, end) || text[end] == '/' ? end : 0;
}

// The end of five decimal digits at `begin` standing alone (a port after an address), or 0.
static std::size_t read_port(std::string_view text, std::size_t begin) {
  std::size_t pos = begin;
  while (pos < text.size() && is_digit(text[pos]) && pos - begin < 6) ++pos;
  return pos - begin == 5 && (pos == text.size() || !is_word(text[pos])) ? pos : 0;
}

// Groups of 1 to 4 hex digits joined by ':', with at most one "::" standing for the zero
// groups left out, and an optional IPv4 tail for the last 32 bits.
std::size_t match_ipv6(std::string_view text, std::size_t begin) {
  std::size_t pos = begin;
  std::size_t groups = 0;
  bool compressed = false;
  bool v4_tail = false;
  if (pos + 1 < text.size() && text[pos] == ':' && text[pos + 1] == ':') {
    compressed = true;
    pos += 2;
  }
  std::size_t end = compressed ? pos : 0;
  while (groups < 8) {
    std::size_t run = pos;
    while (run < text.size() && is_hex(text[run]) && run - pos < 5) ++run;
    if (run == pos) break;
    if (run + 1 < text.size() && text[run] == '.' && is_digit(text[run + 1])) {
      // An IPv4 tail counts as two groups and ends the address.
      const std::size_t tail = (compressed || groups > 0) ? read_ipv4(text, pos) : 0;
      if (tail == 0 || groups > 6) break;
      groups += 2;
      end = tail;
      v4_tail = true;
      break;
    }
    if (run - pos > 4) {
      // After a colon, five decimal digits are a port ("fe80::1:51234"), never a group.
      const bool port =
          groups > 0 && text[pos - 1] == ':' && run - pos == 5 && read_port(text, pos) == pos + 5;
      if (!port) return 0;
      end = pos - 1;
      break;
    }
    ++groups;
    pos = run;
    end = run;
    if (pos + 1 < text.size() && text[pos] == ':' && text[pos + 1] == ':') {
      if (compressed) return 0;
      compressed = true;
      pos += 2;
      end = pos;
    } else if (pos + 1 < text.size() && text[pos] == ':' && is_hex(text[pos + 1])) {
      ++pos;
    } else {
      break;
    }
  }
  if (groups == 0 || end == 0) return 0;
  if (compressed ? groups > 7 : groups != 8) return 0;
  // Anything glued on (".5", a ninth group, a longer word) means this is not an address; a
  // full stop or a colon before a space is punctuation, a colon before five digits a port.
  if (end < text.size()) {
    const char after = text[end];
    const bool more = end + 1 < text.size() && is_alnum(text[end + 1]);
    const bool port = after == ':' && (v4_tail || read_port(text, end + 1) != 0);
    if (is_word(after) || (after == '.' && more) || (after == ':' && more && !port)) return 0;
  }
  return end;
}

}  // namespace tinygpt::serve::pii_detail
