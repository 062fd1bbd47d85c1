// Text as sacreBLEU prepares it (eval/mt_text.h), on hand-made cases; the same functions
// against Python and sacreBLEU themselves are in bleu_sacrebleu_test.cpp.
#include <string>
#include <vector>

#include "test_support.hpp"
#include "tinygpt/eval/mt_text.h"

using namespace tinygpt;
using namespace tinygpt::eval;
using tinygpt::testing::contains;

namespace {

std::vector<std::string> words_of(std::string_view text) {
  const std::vector<std::string_view> words = python_split(text);
  return {words.begin(), words.end()};
}

}  // namespace

TEST_CASE("white space is Python's: ASCII, the separators and Unicode's spaces",
          "[step06][bleu][mt_text]") {
  CHECK(words_of("  a\tb\n\vc\f\rd\x1c"
                 "e  ") == std::vector<std::string>{"a", "b", "c", "d", "e"});
  // U+00A0 (no-break space), U+2009 (thin space), U+3000 (ideographic space) separate words;
  // U+200B (zero-width space) does not.
  CHECK(words_of("a\u00a0b\u2009c\u3000d\u200be") ==
        std::vector<std::string>{"a", "b", "c", "d\u200be"});
  CHECK(words_of("").empty());
  CHECK(python_rstrip("text \u00a0\u2028\r\n") == "text");
  CHECK(python_rstrip("\u00e9\u00a0") == "\u00e9");  // é ends in byte 0xA9, not a space
  CHECK(python_rstrip("   ").empty());
  CHECK(python_whitespace_length("\u205fx", 0) == 3);
  CHECK(python_whitespace_length("x", 0) == 0);
}

TEST_CASE("13a splits symbols and punctuation as mteval-v13a, char splits characters",
          "[step06][bleu][mt_text]") {
  CHECK(tokenize_13a("Hello, world!") == "Hello , world !");
  CHECK(tokenize_13a("It costs $3.50.") == "It costs $ 3.50 .");
  CHECK(tokenize_13a("well-known isn't") == "well-known isn't");
  CHECK(tokenize_13a("9-5") == "9 - 5");
  CHECK(tokenize_13a("&lt;b&gt; &amp;amp;") == "< b > & amp ;");
  CHECK(tokenize_char("ab c\u00e9") == "a b   c \u00e9");
  CHECK(bleu_tokenize("  as it is ", BleuTokenizer::kNone) == "  as it is ");
  CHECK(parse_bleu_tokenizer("char") == BleuTokenizer::kChar);
  CHECK_THROWS_WITH(parse_bleu_tokenizer("intl"), contains("expected 13a, none or char"));
}

TEST_CASE("lowercase is Python's, final sigma included", "[step06][bleu][mt_text]") {
  CHECK(python_lower("ABC Straße") == "abc straße");
  CHECK(python_lower("\u039f\u0394\u039f\u03a3") == "\u03bf\u03b4\u03bf\u03c2");  // ΟΔΟΣ
  CHECK(python_lower("\u03a3\u0391") == "\u03c3\u03b1");                          // ΣΑ
  CHECK(python_lower("\u0130") == "i\u0307");                                     // İ
  CHECK_THROWS_WITH(python_lower("ok \xC3("), contains("invalid UTF-8 at byte 3"));
}
