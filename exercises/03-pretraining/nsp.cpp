// Exercise 03.5: choosing a next-sentence-prediction pair.
// Lesson: steps/03-pretraining/README.md, "Next-sentence prediction".
// Check your work: tinygpt course check 03        Stuck? tinygpt course hint 03.5
#include "tinygpt/core/check.h"
#include "tinygpt/core/rng.h"
#include "tinygpt/data/objectives.h"

namespace tinygpt::data {

NspPair nsp_sample_pair(const SentenceDocuments& documents, const ExampleKey& key) {
  // Make CounterRng(key.seed, RngStream::kData, key.step, key.example), choose A, toss the
  // coin, and for "not next" a sentence of another document, drawing as objectives.h says.
  throw NotImplemented("exercise 03.5 (nsp_sample_pair)");
}

}  // namespace tinygpt::data
