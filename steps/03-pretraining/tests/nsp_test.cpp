// Next-sentence-prediction pairs (exercise 03.5): labels, consecutiveness, other documents,
// determinism; and the sentence/document index they are drawn from.
#include <cmath>
#include <cstdint>
#include <set>
#include <vector>

#include "test_support.hpp"
#include "tinygpt/data/objectives.h"

using namespace tinygpt;
using namespace tinygpt::data;

namespace {
// 12 documents, some of a single sentence (never a sentence A) and some long.
const std::int64_t kCounts[] = {5, 1, 3, 8, 2, 1, 6, 4, 1, 2, 7, 3};
}  // namespace

TEST_CASE("sentence documents index their sentences", "[step03][nsp]") {
  const SentenceDocuments documents(kCounts);
  CHECK(documents.documents() == 12);
  CHECK(documents.sentences() == 43);
  CHECK(documents.pair_starts() == 31);
  CHECK(documents.first_sentence(3) == 9);
  CHECK(documents.sentence_count(3) == 8);
  CHECK(documents.document_of(0) == 0);
  CHECK(documents.document_of(5) == 1);
  CHECK(documents.document_of(9) == 3);
  CHECK(documents.document_of(42) == 11);
  // nth_pair_start enumerates exactly the sentences that have a successor, in order.
  std::vector<std::int64_t> expected;
  for (std::int64_t d = 0; d < documents.documents(); ++d) {
    for (std::int64_t i = 0; i + 1 < documents.sentence_count(d); ++i) {
      expected.push_back(documents.first_sentence(d) + i);
    }
  }
  std::vector<std::int64_t> actual;
  for (std::int64_t k = 0; k < documents.pair_starts(); ++k) {
    actual.push_back(documents.nth_pair_start(k));
  }
  CHECK(actual == expected);
  CHECK_THROWS_AS(documents.nth_pair_start(31), Error);
  CHECK_THROWS_AS(documents.document_of(43), Error);
}

TEST_CASE("sentence documents refuse corpora without pairs", "[step03][nsp]") {
  const std::int64_t one_document[] = {5};
  const std::int64_t empty_document[] = {3, 0, 2};
  const std::int64_t no_pair[] = {1, 1, 1};
  CHECK_THROWS_AS(SentenceDocuments(one_document), Error);
  CHECK_THROWS_AS(SentenceDocuments(empty_document), Error);
  CHECK_THROWS_AS(SentenceDocuments(no_pair), Error);
}

TEST_CASE("NSP pairs are half true next sentences, half from another document",
          "[step03][nsp][ex03.5]") {
  const SentenceDocuments documents(kCounts);
  constexpr std::int64_t kExamples = 20000;
  std::int64_t not_next = 0;
  std::set<std::int64_t> first_sentences, other_documents;
  for (std::int64_t example = 0; example < kExamples; ++example) {
    const NspPair pair =
        nsp_sample_pair(documents, ExampleKey{13, 4, static_cast<std::uint64_t>(example)});
    INFO("example " << example << ": " << pair.first << ", " << pair.second << ", label "
                    << pair.label);
    REQUIRE(pair.first >= 0);
    REQUIRE(pair.second >= 0);
    REQUIRE(pair.second < documents.sentences());
    const std::int64_t own = documents.document_of(pair.first);
    // Sentence A always has a next sentence in its document, whatever the label.
    REQUIRE(pair.first + 1 < documents.first_sentence(own) + documents.sentence_count(own));
    first_sentences.insert(pair.first);
    if (pair.label == 0) {
      REQUIRE(pair.second == pair.first + 1);  // really the next one, same document
      REQUIRE(documents.document_of(pair.second) == own);
    } else {
      REQUIRE(pair.label == 1);
      REQUIRE(documents.document_of(pair.second) != own);  // really another document
      other_documents.insert(documents.document_of(pair.second));
      ++not_next;
    }
  }
  // 5 binomial standard deviations: sqrt(0.25 / 20000) = 0.0035, so 0.5 +- 0.018.
  const double rate = static_cast<double>(not_next) / kExamples;
  const double bound = 5.0 * std::sqrt(0.25 / kExamples);
  INFO("not-next rate " << rate << ", expected 0.5 +- " << bound);
  CHECK(std::abs(rate - 0.5) <= bound);
  // Every possible sentence A and every document (as the other one) comes up.
  CHECK(static_cast<std::int64_t>(first_sentences.size()) == documents.pair_starts());
  CHECK(static_cast<std::int64_t>(other_documents.size()) == documents.documents());
}

TEST_CASE("NSP pairs are a pure function of the key", "[step03][nsp][ex03.5]") {
  const SentenceDocuments documents(kCounts);
  const NspPair a = nsp_sample_pair(documents, ExampleKey{1, 2, 3});
  const NspPair b = nsp_sample_pair(documents, ExampleKey{1, 2, 3});
  CHECK(a.first == b.first);
  CHECK(a.second == b.second);
  CHECK(a.label == b.label);
  // Different examples give different pairs (not all 16 the same).
  std::set<std::int64_t> firsts;
  for (std::uint64_t example = 0; example < 16; ++example) {
    firsts.insert(nsp_sample_pair(documents, ExampleKey{1, 2, example}).first);
  }
  CHECK(firsts.size() > 4);
  // Golden values: the draws follow objectives.h's order from CounterRng's integer stream.
  const std::vector<std::int64_t> golden = {36, 17, 1, 2, 3, 0, 28, 29, 0,
                                            31, 32, 0, 6, 7, 0, 9,  19, 1};
  std::vector<std::int64_t> actual;
  for (std::uint64_t example = 0; example < 6; ++example) {
    const NspPair pair = nsp_sample_pair(documents, ExampleKey{2024, 7, example});
    actual.insert(actual.end(), {pair.first, pair.second, pair.label});
  }
  CHECK(actual == golden);
}
