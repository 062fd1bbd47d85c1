// Text preparation, BLEU and chrF (eval/mt_text.h, eval/bleu.h, eval/chrf.h) against what
// sacreBLEU itself computes (reference/bleu_sacrebleu.py, run on sacreBLEU's source at
// commit f615c7286d4d813370efb824d94fc2bfcd3a6b94; its fixture
// reference/fixtures/bleu_sacrebleu.json): the 13a tokeniser on tricky lines, Python's
// lowercase and white space, and corpus and sentence scores of 120 made-up translations
// written with punctuation, numbers, HTML entities, capitals and other scripts, under every
// tokeniser, smoothing method and chrF variant, with the lines sacreBLEU prints.
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "json_fixture.hpp"
#include "test_support.hpp"
#include "tinygpt/eval/bleu.h"
#include "tinygpt/eval/chrf.h"

using namespace tinygpt;
using namespace tinygpt::eval;

namespace {

// Scores on the 0-100 scale: both sides do the same double operations in the same order,
// so they agree to the last bit or nearly; the bound leaves room for a compiler's fused
// multiply-add.
constexpr double kTolerance = 1e-9;

nlohmann::json read_fixture() {
  return tinygpt::testing::read_json_fixture("bleu_sacrebleu.json");
}

// sacreBLEU's BLEU(**arguments).
BleuOptions bleu_options(const nlohmann::json& arguments) {
  BleuOptions options;
  options.tokenizer = parse_bleu_tokenizer(arguments.value("tokenize", "13a"));
  options.smoothing = parse_bleu_smoothing(arguments.value("smooth_method", "exp"));
  if (arguments.contains("smooth_value")) options.smooth_value = arguments.at("smooth_value");
  options.lowercase = arguments.value("lowercase", false);
  options.effective_order = arguments.value("effective_order", false);
  return options;
}

// sacreBLEU's CHRF(**arguments).
ChrfOptions chrf_options(const nlohmann::json& arguments) {
  return {.word_order = arguments.value("word_order", 0),
          .beta = arguments.value("beta", 2),
          .lowercase = arguments.value("lowercase", false),
          .whitespace = arguments.value("whitespace", false),
          .eps_smoothing = arguments.value("eps_smoothing", false)};
}

std::vector<std::vector<std::string>> first_streams(const nlohmann::json& fixture, int streams) {
  const auto all = fixture.at("references").get<std::vector<std::vector<std::string>>>();
  return {all.begin(), all.begin() + streams};
}

}  // namespace

TEST_CASE("13a tokenises as sacreBLEU's Tokenizer13a", "[step06][bleu][sacrebleu]") {
  for (const nlohmann::json& c : read_fixture().at("tokenize_13a")) {
    const std::string line = c[0];
    INFO("'" << line << "'");
    CHECK(tokenize_13a(line) == c[1].get<std::string>());
  }
}

TEST_CASE("lowercase and white space as Python's str.lower() and str.split()",
          "[step06][bleu][sacrebleu]") {
  const nlohmann::json fixture = read_fixture();
  for (const nlohmann::json& c : fixture.at("lowercase")) {
    const std::string line = c[0];
    INFO("'" << line << "'");
    CHECK(python_lower(line) == c[1].get<std::string>());
  }
  for (const nlohmann::json& c : fixture.at("split")) {
    const std::string line = c[0];
    INFO("'" << line << "'");
    const std::vector<std::string_view> words = python_split(line);
    CHECK(std::vector<std::string>(words.begin(), words.end()) ==
          c[1].get<std::vector<std::string>>());
  }
}

TEST_CASE("corpus BLEU and chrF equal sacreBLEU's on hard text",
          "[step06][bleu][chrf][sacrebleu]") {
  const nlohmann::json fixture = read_fixture();
  const auto hypotheses = fixture.at("hypotheses").get<std::vector<std::string>>();
  double largest = 0.0;
  for (const nlohmann::json& c : fixture.at("corpus_bleu")) {
    INFO(c.at("line").get<std::string>());
    const BleuScore score = corpus_bleu(hypotheses, first_streams(fixture, c.at("streams")),
                                        bleu_options(c.at("arguments")));
    CHECK(std::abs(score.score - c.at("score").get<double>()) < kTolerance);
    largest = std::max(largest, std::abs(score.score - c.at("score").get<double>()));
    // sacreBLEU's add-k reports its counts with k added (orders 2 and up); ours are the
    // counts before smoothing.
    auto matches = c.at("counts").get<std::vector<std::int64_t>>();
    auto totals = c.at("totals").get<std::vector<std::int64_t>>();
    if (c.at("arguments").value("smooth_method", "") == "add-k") {
      const auto k = c.at("arguments").at("smooth_value").get<std::int64_t>();
      for (std::size_t n = 1; n < matches.size(); ++n) {
        matches[n] -= k;
        totals[n] -= k;
      }
    }
    CHECK(score.matches == matches);
    CHECK(score.totals == totals);
    CHECK(score.hyp_len == c.at("sys_len").get<std::int64_t>());
    CHECK(score.ref_len == c.at("ref_len").get<std::int64_t>());
    CHECK(score.format(2) == c.at("line").get<std::string>());
  }
  for (const nlohmann::json& c : fixture.at("corpus_chrf")) {
    INFO(c.at("line").get<std::string>());
    const ChrfScore score = corpus_chrf(hypotheses, first_streams(fixture, c.at("streams")),
                                        chrf_options(c.at("arguments")));
    CHECK(std::abs(score.score - c.at("score").get<double>()) < kTolerance);
    largest = std::max(largest, std::abs(score.score - c.at("score").get<double>()));
    CHECK(score.format(2) == c.at("line").get<std::string>());
  }
  WARN("largest |tinygpt - sacreBLEU| over the corpus scores: " << largest);
}

TEST_CASE("sentence BLEU and chrF equal sacreBLEU's on hard text",
          "[step06][bleu][chrf][sacrebleu]") {
  double largest = 0.0;
  for (const nlohmann::json& s : read_fixture().at("sentences")) {
    const std::string hypothesis = s.at("hypothesis");
    const auto references = s.at("references").get<std::vector<std::string>>();
    INFO("'" << hypothesis << "'");
    const double differences[] = {
        sentence_bleu(hypothesis, references).score - s.at("bleu").get<double>(),
        sentence_chrf(hypothesis, references).score - s.at("chrf").get<double>(),
        sentence_chrf(hypothesis, references, {.word_order = 2}).score -
            s.at("chrf++").get<double>()};
    for (double difference : differences) {
      CHECK(std::abs(difference) < kTolerance);
      largest = std::max(largest, std::abs(difference));
    }
  }
  WARN("largest |tinygpt - sacreBLEU| over the sentence scores: " << largest);
}
