// BLEU (eval/bleu.h) against sacreBLEU's own test suite: the test strings and expected scores
// of github.com/mjpost/sacrebleu at commit f615c7286d4d813370efb824d94fc2bfcd3a6b94 (v2.6.0
// and one commit), files test/test_bleu.py and test/test_sentence_bleu.py, re-typed here
// with their tolerances. Left out: the cases of the "intl" tokeniser, which tinygpt does not
// have. Plus the two counting functions on hand-made cases.
#include <cmath>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "tinygpt/eval/bleu.h"

using namespace tinygpt;
using namespace tinygpt::eval;
using tinygpt::testing::contains;

namespace {

using Streams = std::vector<std::vector<std::string>>;

// sacreBLEU's compat.raw_corpus_bleu: no tokenisation, floor smoothing with the given value
// (0.1 when none is given), effective order.
BleuScore raw_corpus_bleu(const std::vector<std::string>& hypotheses, const Streams& references,
                          std::optional<double> smooth_value = 0.1) {
  return corpus_bleu(hypotheses, references,
                     {.tokenizer = BleuTokenizer::kNone,
                      .smoothing = BleuSmoothing::kFloor,
                      .smooth_value = smooth_value,
                      .effective_order = true});
}

// test_bleu.py's README example: three hypotheses, two reference streams.
const Streams kRefs = {
    {"The dog bit the man.", "It was not unexpected.", "The man bit him first."},
    {"The dog had bit the man.", "No one was surprised.", "The man had bitten the dog."},
};
const std::vector<std::string> kHyps = {"The dog bit the man.", "It wasn't surprising.",
                                        "The man had just bitten him."};

constexpr double kBleuEpsilon = 1e-8;  // test_bleu.py's EPSILON

}  // namespace

TEST_CASE("sacreBLEU test_bleu.py: raw corpus BLEU and the effective order",
          "[step06][bleu][sacrebleu]") {
  // test_raw_bleu_cases (raw_corpus_bleu with floor 0.01, score / 100).
  CHECK(raw_corpus_bleu({"this is a test", "another test"}, {{"ref1", "ref2"}}, 0.01).score / 100 ==
        Approx(0.0).margin(kBleuEpsilon));
  CHECK(raw_corpus_bleu({"this is a test"}, {{"this is a test"}}, 0.01).score / 100 ==
        Approx(1.0).margin(kBleuEpsilon));
  CHECK(raw_corpus_bleu({"this is a fest"}, {{"this is a test"}}, 0.01).score / 100 ==
        Approx(0.223606797749979).margin(kBleuEpsilon));
  // test_case_effective_order.
  CHECK(raw_corpus_bleu({"test"}, {{"a test"}}, 0.01).score / 100 ==
        Approx(0.3678794411714425).margin(kBleuEpsilon));
  CHECK(raw_corpus_bleu({"a test"}, {{"a test"}}, 0.01).score / 100 ==
        Approx(1.0).margin(kBleuEpsilon));
  CHECK(raw_corpus_bleu({"a little test"}, {{"a test"}}, 0.01).score / 100 ==
        Approx(0.03218297948685433).margin(kBleuEpsilon));
}

TEST_CASE("sacreBLEU test_bleu.py: corpus BLEU of the README example",
          "[step06][bleu][sacrebleu]") {
  // test_corpus_bleu_cases, all but {'tokenize': 'intl'}.
  CHECK(corpus_bleu(kHyps, kRefs).score == Approx(48.530827).margin(kBleuEpsilon));
  CHECK(corpus_bleu(std::vector<std::string>{"", "", ""}, kRefs).score ==
        Approx(0.0).margin(kBleuEpsilon));
  CHECK(corpus_bleu(kHyps, kRefs, {.tokenizer = BleuTokenizer::kNone}).score ==
        Approx(49.1919566).margin(kBleuEpsilon));
  CHECK(corpus_bleu(kHyps, kRefs, {.tokenizer = BleuTokenizer::k13a}).score ==
        Approx(48.530827).margin(kBleuEpsilon));
  CHECK(corpus_bleu(kHyps, kRefs, {.smoothing = BleuSmoothing::kNone}).score ==
        Approx(48.530827).margin(kBleuEpsilon));
  // test_bleu_max_order: BLEU(max_ngram_order=order), the score printed with 2 decimals.
  const std::vector<std::string> expected = {"77.65", "60.50", "53.93", "48.53", "46.14", "43.28"};
  for (int order = 1; order <= 6; ++order) {
    INFO("max_order " << order);
    const BleuScore score = corpus_bleu(kHyps, kRefs, {.max_order = order});
    CHECK(score.format(2).find(" = " + expected[order - 1] + " ") != std::string::npos);
  }
}

TEST_CASE("sacreBLEU test_bleu.py: counts, the floor's offset and scores from counts",
          "[step06][bleu][sacrebleu]") {
  // test_case_statistics.
  const BleuScore counted =
      raw_corpus_bleu({"am I am a character sequence"}, {{"I am a symbol string sequence a a"}});
  CHECK(counted.matches == std::vector<std::int64_t>{4, 2, 1, 0});
  CHECK(counted.totals == std::vector<std::int64_t>{6, 5, 4, 3});
  // test_case_offset: floor 0 and the default 0.1 (given as "none": the method's default).
  CHECK(raw_corpus_bleu({"am I am a character sequence"}, {{"I am a symbol string sequence a a"}},
                        0.0)
                .score /
            100 ==
        Approx(0.0).margin(kBleuEpsilon));
  CHECK(raw_corpus_bleu({"am I am a character sequence"}, {{"I am a symbol string sequence a a"}},
                        std::nullopt)
                .score /
            100 ==
        Approx(0.1555722182).margin(kBleuEpsilon));
  // test_case_scoring: compute_bleu with its default smoothing, none.
  const BleuOptions none{.smoothing = BleuSmoothing::kNone};
  const BleuStatistics scoring{11, 11, {9, 7, 5, 3}, {10, 8, 6, 4}};
  CHECK(bleu_score(scoring, none, 1).score / 100 == Approx(0.8375922397).margin(kBleuEpsilon));
  // test_case_degenerate_stats: floor with the given offsets, exactly 0.
  struct Degenerate {
    BleuStatistics statistics;
    double offset;
  };
  const std::vector<Degenerate> degenerate = {
      {{0, 1, {0, 0, 0, 0}, {4, 4, 2, 1}}, 0.0}, {{14, 10, {0, 0, 0, 0}, {10, 11, 12, 0}}, 0.0},
      {{0, 0, {0, 0, 0, 0}, {0, 0, 0, 0}}, 0.0}, {{6, 6, {6, 5, 4, 0}, {6, 5, 4, 3}}, 0.0},
      {{0, 0, {0, 0, 0, 0}, {0, 0, 0, 0}}, 0.1}, {{1, 5, {0, 0, 0, 0}, {0, 0, 0, 0}}, 0.01},
  };
  for (const Degenerate& d : degenerate) {
    const BleuOptions floor{.smoothing = BleuSmoothing::kFloor, .smooth_value = d.offset};
    CHECK(bleu_score(d.statistics, floor, 1).score == 0.0);
  }
}

TEST_CASE("sacreBLEU test_sentence_bleu.py: smoothing, tokenisers and case on one sentence",
          "[step06][bleu][sacrebleu]") {
  // Example of sacreBLEU's issue #98 (Romanian with comma-below and cedilla letters).
  const std::string ref = "producţia de zahăr brut se exprimă în zahăr alb;";
  const std::string sys =
      "Producția de zahăr primă va fi exprimată în ceea ce privește zahărul alb;";
  struct Case {
    BleuSmoothing smoothing;
    std::optional<double> value;
    bool lowercase;
    BleuTokenizer tokenizer;
    double expected;
  };
  using enum BleuSmoothing;
  const BleuTokenizer t13a = BleuTokenizer::k13a, none = BleuTokenizer::kNone,
                      character = BleuTokenizer::kChar;
  const std::vector<Case> cases = {
      {kExp, std::nullopt, false, t13a, 8.493},
      {kNone, std::nullopt, false, t13a, 0.0},
      {kFloor, std::nullopt, false, t13a, 4.51688},
      {kFloor, 0.1, false, t13a, 4.51688},
      {kFloor, 0.5, false, t13a, 10.10},
      {kAddK, std::nullopt, false, t13a, 14.882},
      {kAddK, 1.0, false, t13a, 14.882},
      {kAddK, 2.0, false, t13a, 21.389},
      {kExp, std::nullopt, false, none, 7.347},
      {kExp, std::nullopt, false, character, 40.8759},
      {kExp, std::nullopt, true, character, 42.0267},
  };
  for (const Case& c : cases) {
    INFO(bleu_smoothing_name(c.smoothing)
         << " " << c.value.value_or(-1) << " lowercase " << c.lowercase << " "
         << bleu_tokenizer_name(c.tokenizer));
    const BleuOptions options{.tokenizer = c.tokenizer,
                              .smoothing = c.smoothing,
                              .smooth_value = c.value,
                              .lowercase = c.lowercase,
                              .effective_order = true};
    CHECK(sentence_bleu(sys, std::vector<std::string>{ref}, options).score ==
          Approx(c.expected).margin(1e-3));
  }
  // test_cases_zero_bleu (issue #141): no unigram matches, 0 whatever the smoothing.
  for (BleuSmoothing smoothing : {kExp, kNone, kFloor, kAddK}) {
    const BleuOptions options{.smoothing = smoothing, .effective_order = true};
    CHECK(sentence_bleu("this is a cat", std::vector<std::string>{"okay thanks"}, options).score ==
          Approx(0.0).margin(1e-3));
  }
}

TEST_CASE("the signature and the line sacreBLEU prints", "[step06][bleu]") {
  const BleuScore score = corpus_bleu(kHyps, kRefs);
  CHECK(score.signature == "nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp|version:tinygpt");
  CHECK(score.format() ==
        "BLEU|nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp|version:tinygpt = 48.5 "
        "82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)");
  CHECK(bleu_signature({.tokenizer = BleuTokenizer::kNone,
                        .smoothing = BleuSmoothing::kFloor,
                        .lowercase = true,
                        .effective_order = true},
                       1) == "nrefs:1|case:lc|eff:yes|tok:none|smooth:floor[0.10]|version:tinygpt");
  CHECK(bleu_signature({.smoothing = BleuSmoothing::kAddK, .smooth_value = 2.0}, 3) ==
        "nrefs:3|case:mixed|eff:no|tok:13a|smooth:add-k[2.00]|version:tinygpt");
  CHECK(parse_bleu_smoothing("add-k") == BleuSmoothing::kAddK);
  CHECK_THROWS_WITH(parse_bleu_smoothing("laplace"),
                    contains("expected exp, floor, add-k or none"));
}

TEST_CASE("clipped n-gram matches and the brevity penalty", "[step06][bleu][ex06.2]") {
  const std::vector<std::string_view> hyp = {"the", "the", "the"};
  const std::vector<std::vector<std::string_view>> one = {{"the", "cat"}};
  std::vector<std::int64_t> matches(4), totals(4);
  bleu_ngram_matches(hyp, one, matches, totals);
  // "the" counts once: the reference has it once. No bigram matches.
  CHECK(matches == std::vector<std::int64_t>{1, 0, 0, 0});
  CHECK(totals == std::vector<std::int64_t>{3, 2, 1, 0});
  // Clipping takes the largest count in any one reference, not the sum over references.
  const std::vector<std::vector<std::string_view>> two = {{"the", "cat", "the"},
                                                          {"the", "the", "the", "the"}};
  bleu_ngram_matches(hyp, two, matches, totals);
  CHECK(matches == std::vector<std::int64_t>{3, 2, 1, 0});
  // No reference at all: nothing matches, the totals stay.
  bleu_ngram_matches(hyp, {}, matches, totals);
  CHECK(matches == std::vector<std::int64_t>{0, 0, 0, 0});
  CHECK(totals == std::vector<std::int64_t>{3, 2, 1, 0});
  // A bigram matches as a pair in order, not as two words.
  const std::vector<std::string_view> swapped = {"cat", "the"};
  std::vector<std::int64_t> m2(2), t2(2);
  bleu_ngram_matches(swapped, one, m2, t2);
  CHECK(m2 == std::vector<std::int64_t>{2, 0});

  CHECK(bleu_brevity_penalty(10, 10) == 1.0);
  CHECK(bleu_brevity_penalty(12, 10) == 1.0);
  CHECK(bleu_brevity_penalty(5, 10) == Approx(std::exp(1.0 - 2.0)));
  CHECK(bleu_brevity_penalty(0, 3) == 0.0);
  CHECK(bleu_brevity_penalty(0, 0) == 1.0);
  // Closest reference length: 5 and 7 are equally close to 6; the shorter wins.
  CHECK(closest_reference_length(6, std::vector<std::int64_t>{7, 5, 9}) == 5);
  CHECK(closest_reference_length(8, std::vector<std::int64_t>{7, 5, 9}) == 7);
}

TEST_CASE("BLEU refuses what it cannot score", "[step06][bleu]") {
  CHECK_THROWS_WITH(corpus_bleu(kHyps, Streams{}), contains("no reference stream"));
  CHECK_THROWS_WITH(corpus_bleu(kHyps, Streams{{"a", "b"}}),
                    contains("reference stream 0 has 2 segments but there are 3 hypotheses"));
  CHECK_THROWS_WITH(sentence_bleu("a", std::vector<std::string>{}),
                    contains("at least one reference"));
  CHECK_THROWS_WITH(corpus_bleu(kHyps, kRefs, {.max_order = 0}), contains("max_order is 0"));
  CHECK_THROWS_WITH(
      sentence_bleu("caf\xC3", std::vector<std::string>{"x"}, {.tokenizer = BleuTokenizer::kChar}),
      contains("invalid UTF-8"));
}
