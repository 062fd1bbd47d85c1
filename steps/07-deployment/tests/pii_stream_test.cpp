// A streamed answer's redaction (serve/pii_stream.h): whatever pieces the text arrives in,
// the pieces released join to the redaction of the whole, and nothing of a card number or
// an address is released before it is known to be one.
#include <string>
#include <vector>

#include "test_support.hpp"
#include "tinygpt/serve/pii.h"
#include "tinygpt/serve/pii_stream.h"

using namespace tinygpt;

namespace {

// Feeds `text` in pieces of `size` bytes, releasing after each; returns what was released.
std::vector<std::string> stream(const std::string& text, std::size_t size, bool redact) {
  serve::PiiStream pii(redact);
  std::vector<std::string> pieces;
  for (std::size_t at = 0; at < text.size(); at += size) {
    pii.add(text.substr(at, size));
    pieces.push_back(pii.release(false));
  }
  pieces.push_back(pii.release(true));
  return pieces;
}

std::string joined(const std::vector<std::string>& pieces) {
  std::string text;
  for (const std::string& piece : pieces) text += piece;
  return text;
}

const std::string kAnswer =
    "Sure. Write to anna.smith@example.com or call +44 20 7946 0958; the card on file is "
    "4111 1111 1111 1111 and the account DE89 3704 0044 0532 0130 00. The server was "
    "192.168.0.12. Nothing else here is personal, not even 2024-05-01 or version 1.2.3.";

}  // namespace

TEST_CASE("a streamed answer's pieces join to the redaction of the whole, whatever the pieces",
          "[step07][pii][ex07.6]") {
  const std::string whole = serve::redact_pii(kAnswer);
  REQUIRE(whole.find("[CARD]") != std::string::npos);
  REQUIRE(whole.find("[EMAIL]") != std::string::npos);
  for (const std::size_t size : {1, 2, 3, 7, 16, 64, 1000}) {
    INFO("pieces of " << size << " bytes");
    const std::vector<std::string> pieces = stream(kAnswer, size, true);
    CHECK(joined(pieces) == whole);
    // No released piece holds a fragment of the card or the address.
    for (const std::string& piece : pieces) {
      CHECK(piece.find("4111") == std::string::npos);
      CHECK(piece.find("anna") == std::string::npos);
    }
  }
}

TEST_CASE("a streamed answer holds back only its last characters", "[step07][pii]") {
  serve::PiiStream pii(true);
  const std::string text(200, 'a');
  pii.add(text);
  CHECK(pii.release(false) == text.substr(0, 200 - serve::PiiStream::kHold));
  CHECK(pii.release(false).empty());
  CHECK(pii.release(true) == text.substr(200 - serve::PiiStream::kHold));
  CHECK(pii.raw() == text);
}

TEST_CASE("without redaction a stream releases everything at once", "[step07][pii]") {
  const std::vector<std::string> pieces = stream(kAnswer, 5, false);
  for (std::size_t k = 0; k + 1 < pieces.size(); ++k) CHECK(pieces[k] == kAnswer.substr(5 * k, 5));
  CHECK(pieces.back().empty());  // nothing was held back for the end
}
