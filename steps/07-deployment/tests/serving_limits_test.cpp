// The small pieces the server is made of: server-sent events (exercise 07.4), the token
// bucket (exercise 07.5), Luhn's and the IBAN's checks (exercise 07.6 and ISO 13616), the
// constant-time key comparison and the keys file.
#include <fstream>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "tinygpt/serve/api_keys.h"
#include "tinygpt/serve/checksums.h"
#include "tinygpt/serve/rate_limit.h"
#include "tinygpt/serve/sse.h"

using namespace tinygpt;
using tinygpt::testing::contains;

TEST_CASE("an event's data lines end with an empty line, one data line per line of text",
          "[step07][sse][ex07.4]") {
  CHECK(serve::sse_event("[DONE]") == "data: [DONE]\n\n");
  CHECK(serve::sse_event("") == "data: \n\n");
  CHECK(serve::sse_event("a\nb") == "data: a\ndata: b\n\n");
  CHECK(serve::sse_event("a\r\nb\rc") == "data: a\ndata: b\ndata: c\n\n");  // "\r\n" once
  CHECK(serve::sse_event("{\"x\": 1}\n") == "data: {\"x\": 1}\ndata: \n\n");
}

TEST_CASE("a client reads back exactly the data that was framed", "[step07][sse][ex07.4]") {
  const std::vector<std::string> sent = {"{\"text\": \"Ossel\"}", "two\nlines", "", "[DONE]"};
  std::string stream = ": a comment, ignored\n\n";
  for (const std::string& data : sent) stream += serve::sse_event(data);
  CHECK(serve::sse_data(stream) == sent);
}

TEST_CASE("the event reader follows the standard: CRLF, fields, one space, unfinished events",
          "[step07][sse]") {
  CHECK(serve::sse_data("data:x\r\n\r\ndata:  two spaces\n\n") ==
        std::vector<std::string>{"x", " two spaces"});
  CHECK(serve::sse_data("event: ping\nid: 7\nretry: 100\ndata: y\n\n") ==
        std::vector<std::string>{"y"});
  CHECK(serve::sse_data("event: only\n\n").empty());  // no data: no event
  CHECK(serve::sse_data("data: cut off\n").empty());  // no empty line yet
  CHECK(serve::sse_data("data: a\ndata: b\n\n") == std::vector<std::string>{"a\nb"});
}

TEST_CASE("a token bucket lets a burst through, then one request per 1/rate seconds",
          "[step07][rate_limit][ex07.5]") {
  serve::TokenBucket bucket(3.0, 0.5, 100.0);  // a burst of 3, one token every 2 s
  REQUIRE(bucket.take(1, 100.0) == 0.0);
  CHECK(bucket.take(1, 100.0) == 0.0);
  CHECK(bucket.take(1, 100.0) == 0.0);
  CHECK(bucket.take(1, 100.0) == Approx(2.0));  // empty: wait 2 s
  CHECK(bucket.take(1, 101.0) == Approx(1.0));  // half a token back: 1 s more
  CHECK(bucket.take(1, 102.0) == 0.0);
  CHECK(bucket.take(1, 1000.0) == 0.0);  // long rest: full again, never above 3
  CHECK(bucket.tokens() == Approx(2.0));
}

TEST_CASE("a token bucket refuses costs it can never pay and time running backwards",
          "[step07][rate_limit][ex07.5]") {
  serve::TokenBucket bucket(2.0, 1.0, 10.0);
  REQUIRE(bucket.take(1, 10.0) == 0.0);
  CHECK_THROWS_WITH(bucket.take(3, 10.0), contains("cost of 3"));
  CHECK_THROWS_WITH(bucket.take(-1, 10.0), contains("cost of -1"));
  CHECK(bucket.take(1, 11.0) == 0.0);
  CHECK_THROWS_WITH(bucket.take(1, 10.5), contains("before the last refill"));
}

TEST_CASE("the rate limiter keeps one bucket per client", "[step07][rate_limit][ex07.5]") {
  serve::RateLimiter limiter(60.0, 2.0);  // one per second, bursts of 2
  REQUIRE(limiter.admit("alice", 0.0) == 0.0);
  CHECK(limiter.admit("alice", 0.0) == 0.0);
  CHECK(limiter.admit("alice", 0.0) == Approx(1.0));
  CHECK(limiter.admit("bob", 0.0) == 0.0);  // bob's bucket is his own
  CHECK(limiter.admit("alice", 1.0) == 0.0);
  CHECK_THROWS_WITH(serve::RateLimiter(0.0, 1.0), contains("must be positive"));
  CHECK_THROWS_WITH(serve::RateLimiter(10.0, 0.5), contains("at least 1"));
}

TEST_CASE("Luhn's check accepts card numbers and refuses one wrong digit",
          "[step07][pii][ex07.6]") {
  CHECK(serve::luhn_valid("79927398713"));
  CHECK_FALSE(serve::luhn_valid("79927398710"));
  CHECK(serve::luhn_valid("4111111111111111"));  // the usual Visa test number
  CHECK(serve::luhn_valid("5500005555555559"));  // Mastercard's
  CHECK(serve::luhn_valid("378282246310005"));   // American Express's (15 digits)
  CHECK_FALSE(serve::luhn_valid("4111111111111112"));
  CHECK_FALSE(serve::luhn_valid("4111111111111121"));  // two digits swapped: caught
  CHECK(serve::luhn_valid("00"));
  CHECK_FALSE(serve::luhn_valid("0"));  // too short to be a number with a check digit
  CHECK_THROWS_WITH(serve::luhn_valid("4111 1111"), contains("is not a digit"));
}

TEST_CASE("the IBAN check follows ISO 13616's mod 97", "[step07][pii]") {
  CHECK(serve::iban_valid("GB82WEST12345698765432"));  // ISO 13616's own example
  CHECK(serve::iban_valid("DE89370400440532013000"));
  CHECK(serve::iban_valid("FR1420041010050500013M02606"));  // letters in the account
  CHECK_FALSE(serve::iban_valid("GB82WEST12345698765433"));
  CHECK_FALSE(serve::iban_valid("GB28WEST12345698765432"));  // check digits swapped
  CHECK_FALSE(serve::iban_valid("gb82WEST12345698765432"));
  CHECK_FALSE(serve::iban_valid("GB82 WEST 1234 5698 7654 32"));  // spaces removed first
  CHECK_FALSE(serve::iban_valid("GB82"));
}

TEST_CASE("keys compare equal only byte for byte, whatever their lengths", "[step07][api_keys]") {
  CHECK(serve::constant_time_equal("secret-key-0123456789", "secret-key-0123456789"));
  CHECK_FALSE(serve::constant_time_equal("secret-key-0123456788", "secret-key-0123456789"));
  CHECK_FALSE(serve::constant_time_equal("secret-key-012345678", "secret-key-0123456789"));
  CHECK_FALSE(serve::constant_time_equal("secret-key-0123456789x", "secret-key-0123456789"));
  CHECK_FALSE(serve::constant_time_equal("", "secret-key-0123456789"));
}

TEST_CASE("a keys file names its keys and refuses weak or repeated ones", "[step07][api_keys]") {
  testing::TempDir dir("api_keys");
  const auto write = [&](const std::string& text) {
    std::ofstream(dir.path() / "keys.txt") << text;
    return dir.path() / "keys.txt";
  };
  const serve::ApiKeys keys = serve::ApiKeys::read(
      write("# who may ask\nalice 0123456789abcdef0123\n\nfedcba9876543210fedc\n"));
  CHECK(keys.size() == 2);
  CHECK(keys.find("0123456789abcdef0123") == "alice");
  CHECK(keys.find("fedcba9876543210fedc") == "key-4");
  CHECK_FALSE(keys.find("0123456789abcdef012").has_value());
  CHECK_THROWS_WITH(serve::ApiKeys::read(write("short\n")),
                    contains("line 1") && contains("too short"));
  CHECK_THROWS_WITH(serve::ApiKeys::read(write("a 0123456789abcdef0123\na 0123456789abcdef0124\n")),
                    contains("line 2") && contains("used twice"));
  CHECK_THROWS_WITH(serve::ApiKeys::read(write("0123456789abcdef0123\n0123456789abcdef0123\n")),
                    contains("repeated"));
  CHECK_THROWS_WITH(serve::ApiKeys::read(write("# nothing\n")), contains("holds no key"));
  CHECK_THROWS_WITH(serve::ApiKeys::read(dir.path() / "missing.txt"), contains("cannot read"));
}
