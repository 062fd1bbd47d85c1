/// @file mt_text.h
/// @brief Text as sacreBLEU (Post, 2018) prepares it for BLEU and chrF: Python's notion of
/// white space and of lowercase, and the tokenisers 13a, char and none.
///
/// sacreBLEU's point is that a BLEU score is only comparable with another when both were
/// computed on the same text the same way, so every detail here follows sacreBLEU 2.x,
/// which is Python code:
///
/// - **white space** is what Python's str.split() and str.rstrip() take for it: ASCII
///   \\t \\n \\v \\f \\r, the separators U+001C..U+001F, the space, U+0085, U+00A0,
///   U+1680, U+2000..U+200A, U+2028, U+2029, U+202F, U+205F and U+3000;
/// - **lowercase** is Python's str.lower(): Unicode's full mappings (U+0130 becomes two code
///   points) and the final-sigma rule ('ΟΔΟΣ' becomes 'οδος' with a final 'ς'), from
///   tables that steps/06-evaluation/reference/unicode_lowercase.py reads out of Python;
/// - **13a** is the tokenisation of mteval-v13a.pl, the NIST script WMT used for years, as
///   sacreBLEU's tokenizer_13a.py restates it (below); **char** puts a space between any
///   two characters; **none** leaves the text alone (words are what white space separates).
///
/// 13a, step by step (each a left-to-right replacement of non-overlapping matches):
///
///     remove "<skipped>", join "-\n" line breaks, turn "\n" into " "
///     if the line has '&': &quot; -> "   &amp; -> &   &lt; -> <   &gt; -> >  (in this order)
///     pad the line with a space at each end, then
///     1. put spaces around every character of  { | } ~ [ \ ] ^ _ ` space ! " # $ % & ( ) * + : ; <
///     = > ? @ /
///     2. a non-digit followed by '.' or ',':  "x." -> "x . "
///     3. '.' or ',' followed by a non-digit:  ".x" -> " . x"
///     4. a digit followed by '-':             "9-" -> "9 - "
///     then split at white space and join with single spaces.
///
/// So "3.14" and "1,000" stay whole, "end." and "a,b" split, and hyphens and apostrophes
/// inside words stay ("well-known", "isn't"). Every function takes and returns UTF-8.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tinygpt::eval {

/// @brief The tokenisers of sacreBLEU that tinygpt has.
enum class BleuTokenizer {
  k13a,   ///< mteval-v13a's rules: "13a", sacreBLEU's default
  kNone,  ///< the text as it is: "none"
  kChar,  ///< every character a token: "char"
};

/// @param tokenizer a tokeniser.
/// @return its name in sacreBLEU's signatures and options: "13a", "none" or "char".
std::string bleu_tokenizer_name(BleuTokenizer tokenizer);

/// @brief The tokeniser of a name; throws Error listing the names for any other.
/// @param name "13a", "none" or "char".
/// @return the tokeniser.
BleuTokenizer parse_bleu_tokenizer(std::string_view name);

/// @brief How many bytes of white space (as Python's str.isspace() sees it) start here.
/// @param text valid UTF-8.
/// @param position a byte offset below text.size(), at the start of a character.
/// @return the length of that character when it is white space, else 0.
std::size_t python_whitespace_length(std::string_view text, std::size_t position);

/// @brief The words of a text: Python's str.split() without arguments.
/// @param text valid UTF-8.
/// @return the maximal runs of non-white-space characters, as views into `text`.
std::vector<std::string_view> python_split(std::string_view text);

/// @brief Python's str.rstrip(): the text without its trailing white space.
/// @param text valid UTF-8.
/// @return a view of `text` up to its last non-white-space character.
std::string_view python_rstrip(std::string_view text);

/// @brief Python's str.lower() (see the file). Throws Error naming the byte offset when
/// `text` is not valid UTF-8.
/// @param text UTF-8.
/// @return the lowercased text.
std::string python_lower(std::string_view text);

/// @brief sacreBLEU's tokenizer_13a (see the file).
/// @param line valid UTF-8, one segment.
/// @return its tokens separated by single spaces, without a leading or trailing space.
std::string tokenize_13a(std::string_view line);

/// @brief sacreBLEU's tokenizer_char: a space between any two code points of the line.
/// @param line valid UTF-8.
/// @return the characters joined with spaces (white space in the line then splits as any).
std::string tokenize_char(std::string_view line);

/// @brief One of the tokenisers; none returns the line unchanged.
/// @param line valid UTF-8.
/// @param tokenizer which.
/// @return the tokenised line.
std::string bleu_tokenize(std::string_view line, BleuTokenizer tokenizer);

}  // namespace tinygpt::eval
