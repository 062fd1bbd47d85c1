// chrF (eval/chrf.h) against sacreBLEU's own test suite: every case of test/test_chrf.py of
// github.com/mjpost/sacrebleu at commit f615c7286d4d813370efb824d94fc2bfcd3a6b94 (v2.6.0 and
// one commit), re-typed with its tolerance (1e-4), plus the README example's chrF2 and
// chrF2++ and its signature.
#include <string>
#include <vector>

#include "test_support.hpp"
#include "tinygpt/eval/chrf.h"

using namespace tinygpt;
using namespace tinygpt::eval;
using tinygpt::testing::contains;

namespace {

constexpr double kChrfEpsilon = 1e-4;  // test_chrf.py's EPSILON

struct Case {
  std::vector<std::string> hypotheses;
  std::vector<std::string> references;  // one stream
  double expected;
};

// sacreBLEU's corpus_chrf(hypotheses, [references], char_order=6, word_order=0, beta=3, ...).
void check_corpus(const std::vector<Case>& cases, ChrfOptions options) {
  options.char_order = 6;
  options.word_order = 0;
  options.beta = 3;
  for (const Case& c : cases) {
    INFO("hypothesis '" << c.hypotheses[0] << "', reference '" << c.references[0] << "'");
    const std::vector<std::vector<std::string>> streams = {c.references};
    CHECK(corpus_chrf(c.hypotheses, streams, options).score ==
          Approx(c.expected).margin(kChrfEpsilon));
  }
}

}  // namespace

TEST_CASE("sacreBLEU test_chrf.py: chrF3 with epsilon smoothing", "[step06][chrf][sacrebleu]") {
  // test_cases: ">= 2.0.0: some orders are not fulfilled in epsilon smoothing".
  check_corpus(
      {
          {{"abcdefg"}, {"hijklmnop"}, 0.0},
          {{"a"}, {"b"}, 0.0},
          {{""}, {"b"}, 0.0},
          {{""}, {"ref"}, 0.0},
          {{""}, {"reference"}, 0.0},
          {{"aa"}, {"ab"}, 8.3333},
          {{"a", "b"}, {"a", "c"}, 8.3333},
          {{"a"}, {"a"}, 16.6667},
          {{"a b c"}, {"a b c"}, 50.0},
          {{"a b c"}, {"abc"}, 50.0},
          {{" risk assessment must be made of those who are qualified and expertise in the "
            "sector - these are the scientists ."},
           {"risk assessment has to be undertaken by those who are qualified and expert in that "
            "area - that is the scientists ."},
           63.361730},
          {{" Die    Beziehung zwischen  Obama und Netanjahu ist nicht gerade  freundlich. "},
           {"Das Verhältnis zwischen Obama und Netanyahu ist nicht gerade freundschaftlich."},
           64.1302698},
          {{"Niemand hat die Absicht, eine Mauer zu errichten"},
           {"Niemand hat die Absicht, eine Mauer zu errichten"},
           100.0},
      },
      {.eps_smoothing = true});
}

TEST_CASE("sacreBLEU test_chrf.py: chrF3 with the effective order", "[step06][chrf][sacrebleu]") {
  // test_cases_effective_order: "sacreBLEU < 2.0.0 mode", today's default.
  check_corpus(
      {
          {{"a"}, {"a"}, 100.0},
          {{""}, {"reference"}, 0.0},
          {{"a b c"}, {"a b c"}, 100.0},
          {{"a b c"}, {"abc"}, 100.0},
          {{""}, {"c"}, 0.0},
          {{"a", "b"}, {"a", "c"}, 50.0},
          {{"aa"}, {"ab"}, 25.0},
      },
      {.eps_smoothing = false});
}

TEST_CASE("sacreBLEU test_chrf.py: chrF3 keeping white space", "[step06][chrf][sacrebleu]") {
  // test_cases_keep_whitespace (remove_whitespace=False).
  check_corpus(
      {
          {{"Die Beziehung zwischen Obama und Netanjahu ist nicht gerade freundlich."},
           {"Das Verhältnis zwischen Obama und Netanyahu ist nicht gerade freundschaftlich."},
           67.3481606},
          {{"risk assessment must be made of those who are qualified and expertise in the sector "
            "- these are the scientists ."},
           {"risk assessment has to be undertaken by those who are qualified and expert in that "
            "area - that is the scientists ."},
           65.2414427},
      },
      {.whitespace = true});
}

TEST_CASE("sacreBLEU test_chrf.py: sentence chrF2 with epsilon smoothing",
          "[step06][chrf][sacrebleu]") {
  // test_sentence_level_chrf: sentence_chrf(hypothesis, references, eps_smoothing=True).
  const std::vector<Case> cases = {
      {{"Co nás nejvíc trápí, protože lékaři si vybírají, kdo bude žít a kdo zemře."},
       {"Nejvíce smutní jsme z toho, že musíme rozhodovat o tom, kdo bude žít a kdo zemře."},
       39.14078509},
      {{"Nebo prostě nemají vybavení, které by jim pomohlo, uvedli lékaři."},
       {"A někdy nemáme ani potřebný materiál, abychom jim pomohli, popsali lékaři."},
       31.22557079},
      {{"Lapali po dechu, jejich životy skončily dřív, než skutečně začaly."},
       {"Lapali po dechu a pak jejich život skončil - dřív, než skutečně mohl začít, připomněli."},
       57.15704367},
  };
  for (const Case& c : cases) {
    CHECK(sentence_chrf(c.hypotheses[0], c.references, {.eps_smoothing = true}).score ==
          Approx(c.expected).margin(kChrfEpsilon));
  }
}

TEST_CASE("chrF2 and chrF2++ of the README example, with their signatures", "[step06][chrf]") {
  // The example of sacreBLEU's test_bleu.py; the scores are what sacreBLEU 2.6.0 prints for
  // it (`--metrics chrf`, with and without `--chrf-word-order 2`).
  const std::vector<std::vector<std::string>> refs = {
      {"The dog bit the man.", "It was not unexpected.", "The man bit him first."},
      {"The dog had bit the man.", "No one was surprised.", "The man had bitten the dog."},
  };
  const std::vector<std::string> hyps = {"The dog bit the man.", "It wasn't surprising.",
                                         "The man had just bitten him."};
  const ChrfScore chrf = corpus_chrf(hyps, refs);
  CHECK(chrf.format(2) ==
        "chrF2|nrefs:2|case:mixed|eff:yes|nc:6|nw:0|space:no|version:tinygpt = 59.73");
  const ChrfScore plus = corpus_chrf(hyps, refs, {.word_order = 2});
  CHECK(plus.format(2) ==
        "chrF2++|nrefs:2|case:mixed|eff:yes|nc:6|nw:2|space:no|version:tinygpt = 59.15");
  CHECK(chrf_signature({.lowercase = true, .whitespace = true, .eps_smoothing = true}, 1) ==
        "nrefs:1|case:lc|eff:no|nc:6|nw:0|space:yes|version:tinygpt");
  CHECK_THROWS_WITH(corpus_chrf(hyps, std::vector<std::vector<std::string>>{{"a"}}),
                    contains("reference stream 0 has 1 segments but there are 3 hypotheses"));
  CHECK_THROWS_WITH(sentence_chrf("x", std::vector<std::string>{"\xFF"}),
                    contains("invalid UTF-8"));
}
