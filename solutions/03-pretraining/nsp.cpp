// Exercise 03.5, reference solution: choosing a next-sentence-prediction pair.
#include "tinygpt/core/rng.h"
#include "tinygpt/data/objectives.h"

namespace tinygpt::data {

NspPair nsp_sample_pair(const SentenceDocuments& documents, const ExampleKey& key) {
  CounterRng rng(key.seed, RngStream::kData, key.step, key.example);
  // Sentence A: any sentence that has a successor in its document, whatever the label, so
  // that A's position gives the model no hint about the label.
  const auto k = rng.below(static_cast<std::uint32_t>(documents.pair_starts()));
  NspPair pair;
  pair.first = documents.nth_pair_start(k);

  if (rng.below(2) == 0) {
    pair.second = pair.first + 1;  // the true next sentence
    pair.label = 0;
    return pair;
  }
  // A random sentence from a random other document: draw among D - 1 documents and skip
  // over A's own, so every other document is equally likely and A's never comes up.
  const std::int64_t own = documents.document_of(pair.first);
  auto other =
      static_cast<std::int64_t>(rng.below(static_cast<std::uint32_t>(documents.documents() - 1)));
  if (other >= own) ++other;
  const auto offset = rng.below(static_cast<std::uint32_t>(documents.sentence_count(other)));
  pair.second = documents.first_sentence(other) + offset;
  pair.label = 1;
  return pair;
}

}  // namespace tinygpt::data
