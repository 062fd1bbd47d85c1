// Exact match and token F1 (eval/qa.h) by the definition of the official SQuAD v1.1
// evaluation script (Rajpurkar et al., 2016): values worked out by hand from the
// definition, the paper's own example of Figure 1, and 300 answer pairs scored by the
// definition in Python (reference/squad_v1_1.py, fixtures/squad_v1_1.json).
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "tinygpt/eval/qa.h"

using namespace tinygpt;
using namespace tinygpt::eval;
using tinygpt::testing::contains;

TEST_CASE("normalisation, exact match and F1 equal the Python definition's on 300 pairs",
          "[step06][qa][parity]") {
  std::ifstream in(std::filesystem::path(TINYGPT_STEP06_FIXTURES) / "squad_v1_1.json");
  REQUIRE(in.good());
  const nlohmann::json pairs = nlohmann::json::parse(in).at("pairs");
  REQUIRE(pairs.size() == 300);
  // Measured: every normalised answer and exact match equal, every F1 equal to the bit
  // (the same divisions in the same order), so the bound is 0 for all three.
  for (const nlohmann::json& pair : pairs) {
    const std::string prediction = pair.at("prediction"), gold = pair.at("gold");
    INFO("prediction \"" << prediction << "\", gold \"" << gold << "\"");
    CHECK(normalize_answer(prediction) == pair.at("normalized").get<std::string>());
    CHECK(exact_match(prediction, gold) == pair.at("exact_match").get<double>());
    CHECK(token_f1(prediction, gold) == pair.at("f1").get<double>());
  }
}

TEST_CASE("SQuAD normalisation: lowercase, no punctuation, no articles, one space",
          "[step06][qa]") {
  CHECK(normalize_answer("The Quick, Brown Fox!") == "quick brown fox");
  CHECK(normalize_answer("  a  cat\tand\nAN owl ") == "cat and owl");
  // Punctuation goes first, so the dots of "U.S." and the hyphen of "the-end" join words.
  CHECK(normalize_answer("The U.S.") == "us");
  CHECK(normalize_answer("the-end") == "theend");
  CHECK(normalize_answer("the end.") == "end");
  // Articles only as whole words.
  CHECK(normalize_answer("Theatre and Anne") == "theatre and anne");
  CHECK(normalize_answer("an a the") == "");
  CHECK(normalize_answer("\"A.\"") == "");
  CHECK(normalize_answer("") == "");
  // Python's str.lower() and str.split(): non-ASCII capitals, U+00A0 and U+3000 as spaces.
  CHECK(normalize_answer("\xC3\x89"
                         "COLE  Normale") ==
        "\xC3\xA9"
        "cole normale");
  CHECK(normalize_answer("New\xC2\xA0York\xE3\x80\x80"
                         "City") == "new york city");
  // Python's \w decides what a whole word is: U+2122 (a symbol) and U+0301 (a combining
  // mark) end one, U+00E9 and U+00BD (a number) do not.
  CHECK(normalize_answer("the\xE2\x84\xA2 an\xCC\x81 the\xC3\xA9 a\xC2\xBD") ==
        "\xE2\x84\xA2 \xCC\x81 the\xC3\xA9 a\xC2\xBD");
  // Non-ASCII punctuation is not in string.punctuation and stays; it still ends a word.
  CHECK(normalize_answer("\xE2\x80\x9Cthe\xE2\x80\x9D") == "\xE2\x80\x9C \xE2\x80\x9D");
  // Digits and '_' are word characters ('_' is punctuation too, so it goes first).
  CHECK(normalize_answer("a1 the_a") == "a1 thea");
}

TEST_CASE("exact match and token F1 of one answer", "[step06][qa]") {
  CHECK(exact_match("Denver Broncos", "the denver broncos.") == 1.0);
  CHECK(exact_match("Denver", "Denver Broncos") == 0.0);
  // Prediction tokens {cat, sat, on, mat}, gold {cat, on, mat}: 3 in common,
  // P = 3/4, R = 3/3, F1 = 2 (3/4) / (7/4) = 6/7.
  CHECK(token_f1("the cat sat on the mat", "a cat on a mat") == Approx(6.0 / 7.0));
  // Bags, not sets: "dog" is in common once. P = 1/3, R = 1, F1 = 0.5.
  CHECK(token_f1("dog dog dog", "dog") == Approx(0.5));
  CHECK(token_f1("dog dog", "dog dog cat") == Approx(0.8));  // P 1, R 2/3
  CHECK(token_f1("1,000 people", "1000") == Approx(2.0 / 3.0));
  CHECK(token_f1("red", "blue") == 0.0);
  // v1.1's rule: no token in common is 0, even when both sides normalise to nothing, while
  // exact match compares the empty strings.
  CHECK(token_f1("the", "a") == 0.0);
  CHECK(exact_match("the", "a") == 1.0);
  CHECK(token_f1("", "") == 0.0);
  CHECK(token_f1("Broncos", "") == 0.0);
}

TEST_CASE("the best over several gold answers, and the means over questions", "[step06][qa]") {
  const std::vector<std::string> golds = {"Denver Broncos", "Broncos", "the Broncos"};
  CHECK(best_exact_match("broncos!", golds) == 1.0);
  CHECK(best_exact_match("Denver", golds) == 0.0);
  // Against "Denver Broncos": P 1, R 1/2, F1 2/3; against the others 0.
  CHECK(best_token_f1("Denver", golds) == Approx(2.0 / 3.0));
  // SQuAD's Figure 1: "Where do water droplets collide with ice crystals to form
  // precipitation?" has the answer "within a cloud". "a cloud" is not an exact match, and
  // ignoring the article its F1 is 2 (1)(1/2) / (3/2) = 2/3.
  const std::vector<std::string> cloud = {"within a cloud"};
  CHECK(best_exact_match("a cloud", cloud) == 0.0);
  CHECK(best_token_f1("a cloud", cloud) == Approx(2.0 / 3.0));
  CHECK(best_exact_match("Within a cloud.", cloud) == 1.0);

  const std::vector<std::string> predictions = {"gravity", "a cloud", "rain"};
  const std::vector<std::vector<std::string>> answers = {
      {"gravity"}, {"within a cloud"}, {"graupel"}};  // Figure 1's three questions
  const QaScores scores = qa_scores(predictions, answers);
  REQUIRE(scores.items.size() == 3);
  CHECK(scores.items[0].exact_match == 1.0);
  CHECK(scores.items[1].f1 == Approx(2.0 / 3.0));
  CHECK(scores.items[2].f1 == 0.0);
  // The official script would print exact_match 33.33 and f1 55.56 (x 100).
  CHECK(scores.exact_match == Approx(1.0 / 3.0));
  CHECK(scores.f1 == Approx((1.0 + 2.0 / 3.0 + 0.0) / 3.0));
}

TEST_CASE("bad QA input is refused with the problem named", "[step06][qa]") {
  const std::vector<std::string> two = {"a", "b"};
  const std::vector<std::vector<std::string>> one = {{"a"}};
  CHECK_THROWS_WITH(qa_scores(two, one), contains("2 predictions but 1 lists of gold answers"));
  CHECK_THROWS_WITH(qa_scores({}, {}), contains("no questions"));
  const std::vector<std::vector<std::string>> missing = {{"a"}, {}};
  CHECK_THROWS_WITH(qa_scores(two, missing), contains("question 1 has no gold answers"));
  CHECK_THROWS_WITH(best_token_f1("a", {}), contains("no gold answers"));
  CHECK_THROWS_AS(normalize_answer("caf\xE9"), Error);  // Latin-1, not UTF-8
}
