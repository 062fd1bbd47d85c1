// BLEU (eval/bleu.h) against NLTK 3.8 where their definitions agree
// (reference/bleu_nltk.py says where and why; its fixture reference/fixtures/bleu_nltk.json):
// corpus BLEU of 200 made-up translations with one and two references under the four
// smoothing methods, a corpus without a matching 4-gram, and sentence BLEU with the
// effective order (NLTK's auto_reweigh), hypotheses of 1 to 17 words. Tokenisation "none":
// NLTK gets the same words from Python's str.split().
#include <cmath>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "json_fixture.hpp"
#include "test_support.hpp"
#include "tinygpt/eval/bleu.h"

using namespace tinygpt;
using namespace tinygpt::eval;

namespace {

// On BLEU's 0-100 scale. The doubles of the two implementations round differently (NLTK's
// precisions are fractions turned into floats, sacreBLEU's are 100 c / t); where sacreBLEU
// says exactly 0 because an order has no match, NLTK says about 1e-77 (it takes the log of
// the smallest float instead of -9999999999). Both are far inside this bound.
constexpr double kTolerance = 1e-9;

nlohmann::json read_fixture() {
  return tinygpt::testing::read_json_fixture("bleu_nltk.json");
}

BleuOptions nltk_options(const std::string& smoothing, bool effective_order) {
  return {.tokenizer = BleuTokenizer::kNone,
          .smoothing = parse_bleu_smoothing(smoothing),
          .effective_order = effective_order};
}

}  // namespace

TEST_CASE("corpus BLEU equals NLTK's corpus_bleu under all four smoothing methods",
          "[step06][bleu][nltk]") {
  const nlohmann::json fixture = read_fixture();
  const auto hypotheses = fixture.at("hypotheses").get<std::vector<std::string>>();
  const auto reversed = fixture.at("reversed_hypotheses").get<std::vector<std::string>>();
  const auto streams = fixture.at("references").get<std::vector<std::vector<std::string>>>();
  REQUIRE(hypotheses.size() == 200);
  double largest = 0.0;
  for (const nlohmann::json& c : fixture.at("corpora")) {
    const bool whole = c.at("corpus") == "corpus";
    const std::vector<std::string>& hyps = whole ? hypotheses : reversed;
    std::vector<std::vector<std::string>> refs;
    for (int k = 0; k < c.at("streams").get<int>(); ++k) {
      refs.emplace_back(streams[k].begin(),
                        streams[k].begin() + static_cast<std::ptrdiff_t>(hyps.size()));
    }
    const std::string smoothing = c.at("smoothing");
    const double expected = 100.0 * c.at("bleu").get<double>();
    const double ours = corpus_bleu(hyps, refs, nltk_options(smoothing, false)).score;
    INFO(c.dump() << ": tinygpt " << ours);
    CHECK(std::abs(ours - expected) < kTolerance);
    largest = std::max(largest, std::abs(ours - expected));
  }
  WARN("largest |tinygpt - NLTK| over the corpora: " << largest);
}

TEST_CASE("sentence BLEU with the effective order equals NLTK's sentence_bleu with auto_reweigh",
          "[step06][bleu][nltk]") {
  const nlohmann::json fixture = read_fixture();
  double largest = 0.0;
  int checked = 0;
  for (const nlohmann::json& s : fixture.at("sentences")) {
    const std::string hypothesis = s.at("hypothesis");
    const auto references = s.at("references").get<std::vector<std::string>>();
    for (const auto& [smoothing, score] : s.at("bleu").items()) {
      const double expected = 100.0 * score.get<double>();
      const double ours =
          sentence_bleu(hypothesis, references, nltk_options(smoothing, true)).score;
      INFO("'" << hypothesis << "', " << smoothing << ": NLTK " << expected << ", tinygpt "
               << ours);
      CHECK(std::abs(ours - expected) < kTolerance);
      largest = std::max(largest, std::abs(ours - expected));
      ++checked;
    }
  }
  CHECK(checked > 200);
  WARN("largest |tinygpt - NLTK| over " << checked << " sentence scores: " << largest);
}
