// The character tokenizer: vocabulary, <unk>, invalid UTF-8, save and load.
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "tinygpt/text/char_tokenizer.h"

using namespace tinygpt;
using namespace tinygpt::text;

namespace {

std::filesystem::path temp_file(const std::string& name) {
  return std::filesystem::temp_directory_path() / ("tinygpt_char_test_" + name);
}

void write(const std::filesystem::path& path, const std::string& content) {
  std::ofstream(path, std::ios::binary) << content;
}

}  // namespace

TEST_CASE("char tokenizer: sorted code points after <unk>", "[step01][char_tokenizer]") {
  const CharTokenizer tokenizer = CharTokenizer::train("banana é€");
  // ' ' 0x20, a, b, n, é U+E9, € U+20AC
  CHECK(tokenizer.code_points() == std::vector<char32_t>{U' ', U'a', U'b', U'n', U'é', U'€'});
  CHECK(tokenizer.vocab_size() == 7);
  CHECK(tokenizer.encode("ban é€") == std::vector<std::int32_t>{3, 2, 4, 1, 5, 6});
  CHECK(tokenizer.decode(tokenizer.encode("nab €")) == "nab €");
  CHECK(tokenizer.describe() == "characters, 7 tokens (6 code points + <unk>)");
  CHECK(tokenizer.encode("").empty());
}

TEST_CASE("char tokenizer: unseen characters and invalid bytes are <unk>",
          "[step01][char_tokenizer]") {
  const CharTokenizer tokenizer = CharTokenizer::train("ab");
  // 'z' unseen; 0xFF never valid; C0 80 is an overlong NUL: two invalid bytes; ED A0 80 is a
  // surrogate: three invalid bytes; a cut-off € (E2 82) is two.
  CHECK(tokenizer.encode("azb") == std::vector<std::int32_t>{1, 0, 2});
  CHECK(tokenizer.encode("a\xff") == std::vector<std::int32_t>{1, 0});
  CHECK(tokenizer.encode("\xc0\x80") == std::vector<std::int32_t>{0, 0});
  CHECK(tokenizer.encode("\xed\xa0\x80") == std::vector<std::int32_t>{0, 0, 0});
  CHECK(tokenizer.encode("b\xe2\x82") == std::vector<std::int32_t>{2, 0, 0});
  CHECK(tokenizer.decode(std::vector<std::int32_t>{1, 0, 2}) ==
        "a\xef\xbf\xbd"
        "b");  // U+FFFD
  CHECK(CharTokenizer::train("\xff\xfe").vocab_size() == 1);
  CHECK_THROWS_AS(tokenizer.decode(std::vector<std::int32_t>{3}), Error);
  CHECK_THROWS_AS(tokenizer.decode(std::vector<std::int32_t>{-1}), Error);
}

TEST_CASE("char tokenizer: round trip of every seen character", "[step01][char_tokenizer]") {
  const std::string text = "Grüße, Ελληνικά, Русский, 日本語 🙂\t\n";
  const CharTokenizer tokenizer = CharTokenizer::train(text);
  CHECK(tokenizer.decode(tokenizer.encode(text)) == text);
}

TEST_CASE("char tokenizer: save and load", "[step01][char_tokenizer]") {
  const CharTokenizer tokenizer = CharTokenizer::train("hello wörld 🙂");
  const auto path = temp_file("saved.txt");
  tokenizer.save(path);
  CHECK_FALSE(std::filesystem::exists(path.string() + ".tmp"));
  const CharTokenizer loaded = CharTokenizer::load(path);
  CHECK(loaded.code_points() == tokenizer.code_points());
  CHECK(loaded.encode("wörld!") == tokenizer.encode("wörld!"));
  std::filesystem::remove(path);
}

TEST_CASE("char tokenizer: bad files name the file and line", "[step01][char_tokenizer]") {
  const auto path = temp_file("bad.txt");
  const auto message_of = [&](const std::string& content) {
    write(path, content);
    try {
      CharTokenizer::load(path);
    } catch (const Error& error) {
      return std::string(error.what());
    }
    return std::string("no error");
  };
  using tinygpt::testing::contains;
  CHECK_THAT(message_of("tinygpt-bpe 1\n"), contains(path.string() + ":1"));
  CHECK_THAT(message_of("tinygpt-char 1\ncharacters 3\n61\n62\n"),
             contains(":4: the file ends after 2 of 3"));
  CHECK_THAT(message_of("tinygpt-char 1\ncharacters 2\n62\n61\n"),
             contains(":4: '61' is not a hex code point"));
  CHECK_THAT(message_of("tinygpt-char 1\ncharacters 1\nd800\n"), contains(":3:"));
  CHECK_THAT(message_of("tinygpt-char 1\ncharacters x\n"), contains(":2: bad character count"));
  CHECK_THAT(message_of("tinygpt-char 1\ncharacters 1\n61\n62\n"), contains(":4: unexpected line"));
  std::filesystem::remove(path);
  CHECK_THROWS_AS(CharTokenizer::load(temp_file("missing.txt")), Error);
  CHECK_THROWS_AS(CharTokenizer(std::vector<char32_t>{U'b', U'a'}), Error);
}
