// Text as sacreBLEU prepares it (eval/mt_text.h): Python's white space, the 13a, char and
// none tokenisers. Python's str.lower() is in unicode_lowercase.cpp.
//
// Everything works on UTF-8 bytes. That gives Python's results on code points because every
// character the rules look at is ASCII: a byte below 0x80 is always a whole character, and
// the bytes of a longer character are all 0x80 or above, so they never match an ASCII rule
// and a rule that matches "any non-digit" copies them through unchanged.
#include <string>

#include "tinygpt/core/check.h"
#include "tinygpt/core/utf8.h"
#include "tinygpt/eval/mt_text.h"

namespace tinygpt::eval {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Step 1 of 13a: the ASCII symbols that get a space on each side. mteval's class is
// [\{-\~\[-\` -\&\(-\+\:-\@\/]: { | } ~, [ \ ] ^ _ `, space ! " # $ % &, ( ) * +,
// : ; < = > ? @ and /. Not in it: ' - . , and the letters and digits.
bool is_13a_symbol(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (u >= '{' && u <= '~') || (u >= '[' && u <= '`') || (u >= ' ' && u <= '&') ||
         (u >= '(' && u <= '+') || (u >= ':' && u <= '@') || u == '/';
}

// Python's str.replace: every non-overlapping occurrence, left to right.
std::string replace_all(std::string_view text, std::string_view from, std::string_view to) {
  std::string out;
  out.reserve(text.size());
  std::size_t start = 0;
  for (std::size_t at = text.find(from); at != std::string_view::npos;
       at = text.find(from, start)) {
    out.append(text.substr(start, at - start));
    out.append(to);
    start = at + from.size();
  }
  out.append(text.substr(start));
  return out;
}

// A class of characters in a regular expression.
using CharClass = bool (*)(char);

// 13a's steps 2 to 4 are regular expressions of two characters, "(a)(b)" -> replacement,
// applied as Python's re.sub does: scan left to right, and after a match go on after it.
// In `replacement`, '1' and '2' stand for the two matched characters ("1 2 " is "\1 \2 ").
std::string substitute_pairs(const std::string& text, CharClass first, CharClass second,
                             std::string_view replacement) {
  std::string out;
  out.reserve(text.size() + text.size() / 4);
  std::size_t i = 0;
  while (i < text.size()) {
    if (i + 1 < text.size() && first(text[i]) && second(text[i + 1])) {
      for (char r : replacement) out += r == '1' ? text[i] : r == '2' ? text[i + 1] : r;
      i += 2;
    } else {
      out += text[i++];
    }
  }
  return out;
}

bool is_not_digit(char c) {
  return !is_digit(c);
}
bool is_period_or_comma(char c) {
  return c == '.' || c == ',';
}
bool is_dash(char c) {
  return c == '-';
}

// ' '.join(text.split()).
std::string join_words(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::string_view word : python_split(text)) {
    if (!out.empty()) out += ' ';
    out.append(word);
  }
  return out;
}

}  // namespace

std::string bleu_tokenizer_name(BleuTokenizer tokenizer) {
  switch (tokenizer) {
    case BleuTokenizer::k13a:
      return "13a";
    case BleuTokenizer::kNone:
      return "none";
    case BleuTokenizer::kChar:
      return "char";
  }
  return "?";
}

BleuTokenizer parse_bleu_tokenizer(std::string_view name) {
  for (BleuTokenizer tokenizer :
       {BleuTokenizer::k13a, BleuTokenizer::kNone, BleuTokenizer::kChar}) {
    if (name == bleu_tokenizer_name(tokenizer)) return tokenizer;
  }
  throw Error("unknown tokenizer '" + std::string(name) + "': expected 13a, none or char");
}

std::size_t python_whitespace_length(std::string_view text, std::size_t position) {
  const auto byte = [&](std::size_t k) {
    return position + k < text.size() ? static_cast<unsigned char>(text[position + k]) : 0u;
  };
  const unsigned b0 = byte(0);
  if (b0 < 0x80) return (b0 >= 0x09 && b0 <= 0x0D) || (b0 >= 0x1C && b0 <= 0x20) ? 1 : 0;
  const unsigned b1 = byte(1), b2 = byte(2);
  switch (b0) {
    case 0xC2:  // U+0085, U+00A0
      return b1 == 0x85 || b1 == 0xA0 ? 2 : 0;
    case 0xE1:  // U+1680
      return b1 == 0x9A && b2 == 0x80 ? 3 : 0;
    case 0xE2:  // U+2000..U+200A, U+2028, U+2029, U+202F; U+205F
      if (b1 == 0x80) return b2 <= 0x8A || b2 == 0xA8 || b2 == 0xA9 || b2 == 0xAF ? 3 : 0;
      return b1 == 0x81 && b2 == 0x9F ? 3 : 0;
    case 0xE3:  // U+3000
      return b1 == 0x80 && b2 == 0x80 ? 3 : 0;
    default:
      return 0;
  }
}

std::vector<std::string_view> python_split(std::string_view text) {
  // The length of the white space at i; printable ASCII (most text) is decided inline.
  const auto space_at = [text](std::size_t i) -> std::size_t {
    const auto byte = static_cast<unsigned char>(text[i]);
    return byte > 0x20 && byte < 0x80 ? 0 : python_whitespace_length(text, i);
  };
  std::vector<std::string_view> words;
  words.reserve(text.size() / 4 + 1);  // one allocation for most text
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size()) {  // white space before a word
      const std::size_t space = space_at(i);
      if (space == 0) break;
      i += space;
    }
    const std::size_t start = i;
    while (i < text.size() && space_at(i) == 0) ++i;  // the word
    if (i > start) words.push_back(text.substr(start, i - start));
  }
  return words;
}

std::string_view python_rstrip(std::string_view text) {
  // From the end, one character at a time: step back over its continuation bytes
  // (10xxxxxx) to its first byte, and stop at the first that is not white space.
  std::size_t end = text.size();
  while (end > 0) {
    std::size_t start = end - 1;
    while (start > 0 && end - start < 4 &&
           (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) {
      --start;
    }
    if (python_whitespace_length(text, start) != end - start) break;
    end = start;
  }
  return text.substr(0, end);
}

std::string tokenize_13a(std::string_view line) {
  std::string text = replace_all(line, "<skipped>", "");
  text = replace_all(text, "-\n", "");
  text = replace_all(text, "\n", " ");
  if (text.find('&') != std::string::npos) {
    text = replace_all(text, "&quot;", "\"");
    text = replace_all(text, "&amp;", "&");
    text = replace_all(text, "&lt;", "<");
    text = replace_all(text, "&gt;", ">");
  }
  // 1. spaces around the symbols, in the line padded with a space at each end (the space is
  // one of them).
  text = " " + text + " ";
  std::string spaced;
  spaced.reserve(text.size() + text.size() / 2);
  for (char c : text) {
    if (is_13a_symbol(c)) {
      spaced += ' ';
      spaced += c;
      spaced += ' ';
    } else {
      spaced += c;
    }
  }
  spaced = substitute_pairs(spaced, is_not_digit, is_period_or_comma, "1 2 ");  // 2.
  spaced = substitute_pairs(spaced, is_period_or_comma, is_not_digit, " 1 2");  // 3.
  spaced = substitute_pairs(spaced, is_digit, is_dash, "1 2 ");                 // 4.
  return join_words(spaced);
}

std::string tokenize_char(std::string_view line) {
  std::string out;
  out.reserve(line.size() * 2);
  std::size_t i = 0;
  while (i < line.size()) {
    const std::size_t start = i;
    TINYGPT_CHECK(next_code_point(line, i) >= 0, "tokenize_char: invalid UTF-8 at byte ", start);
    if (start > 0) out += ' ';
    out.append(line.substr(start, i - start));
  }
  return out;
}

std::string bleu_tokenize(std::string_view line, BleuTokenizer tokenizer) {
  switch (tokenizer) {
    case BleuTokenizer::k13a:
      return tokenize_13a(line);
    case BleuTokenizer::kChar:
      return tokenize_char(line);
    case BleuTokenizer::kNone:
      break;
  }
  return std::string(line);
}

}  // namespace tinygpt::eval
