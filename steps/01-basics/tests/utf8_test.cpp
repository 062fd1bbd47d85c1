// UTF-8 helpers: how much of a byte stream can be printed before a character is complete.
#include <string>

#include "test_support.hpp"
#include "tinygpt/core/utf8.h"

using tinygpt::complete_utf8_prefix;

TEST_CASE("an unfinished character at the end is held back, anything else is shown",
          "[step01][utf8]") {
  const std::string euro = "\xe2\x82\xac";       // U+20AC, 3 bytes
  const std::string emoji = "\xf0\x9f\x99\x82";  // U+1F642, 4 bytes
  CHECK(complete_utf8_prefix("") == 0);
  CHECK(complete_utf8_prefix("abc") == 3);
  CHECK(complete_utf8_prefix(std::string("a\xe2\x82\xac")) == 4);
  CHECK(complete_utf8_prefix(std::string("a\xe2")) == 1);
  CHECK(complete_utf8_prefix(std::string("a\xe2\x82")) == 1);
  CHECK(complete_utf8_prefix(std::string("\xf0\x9f\x99")) == 0);
  CHECK(complete_utf8_prefix(std::string("x\xf0\x9f\x99\x82")) == 5);
  // Bytes that can never complete a character are shown at once (as the decoder would).
  CHECK(complete_utf8_prefix("a\x80") == 2);
  CHECK(complete_utf8_prefix("\x80\x80\x80\x80") == 4);
  // Fed byte by byte, the shown parts add up to the whole text.
  const std::string text = "caf\xc3\xa9 " + euro + emoji;
  std::string shown;
  std::string pending;
  for (char byte : text) {
    pending += byte;
    const std::size_t ready = complete_utf8_prefix(pending);
    shown += pending.substr(0, ready);
    pending.erase(0, ready);
  }
  CHECK(shown == text);
  CHECK(pending.empty());
}
