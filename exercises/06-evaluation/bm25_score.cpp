// Exercise 06.5: BM25's IDF and the score of one document for one query.
// Lesson: steps/06-evaluation/README.md, "Retrieval: BM25".
// Check your work: tinygpt course check 06        Stuck? tinygpt course hint 06.5
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>

#include "tinygpt/core/check.h"
#include "tinygpt/retrieve/bm25.h"

namespace tinygpt::retrieve {

double bm25_idf(std::int64_t document_count, std::int64_t containing) {
  // ln((N - n + 0.5) / (n + 0.5)), replaced by 1e-6 when it is <= 0.
  throw NotImplemented("exercise 06.5 (bm25_idf)");
}

double bm25_document_score(std::span<const std::int64_t> frequencies, std::span<const double> idfs,
                           std::int64_t length, double average_length, const Bm25Options& options) {
  // The sum over the query's terms of idf * f (k1 + 1) / (f + k1 (1 - b + b |d| / avgdl)).
  throw NotImplemented("exercise 06.5 (bm25_document_score)");
}

}  // namespace tinygpt::retrieve
