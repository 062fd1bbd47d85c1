// Exercise 06.5 (reference): BM25's IDF and the score of one document for one query
// (retrieve/bm25.h). The driver, Bm25Index::search() in lib/src/retrieve/bm25.cpp, finds
// the documents that share a term with the query and gathers each one's frequencies.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>

#include "tinygpt/core/check.h"
#include "tinygpt/retrieve/bm25.h"

namespace tinygpt::retrieve {

double bm25_idf(std::int64_t document_count, std::int64_t containing) {
  // The probabilistic IDF: log-odds that a document does not contain the term, with 0.5
  // added to both counts so that n = 0 and n = N stay finite. For a term in more than
  // half the documents the odds fall below 1 and the log below 0; FTS5 replaces such an
  // IDF (and 0) by 1e-6, so a common word still ranks a match above no match.
  const auto n = static_cast<double>(containing);
  const auto big_n = static_cast<double>(document_count);
  const double idf = std::log((big_n - n + 0.5) / (n + 0.5));
  return idf <= 0.0 ? 1e-6 : idf;
}

double bm25_document_score(std::span<const std::int64_t> frequencies, std::span<const double> idfs,
                           std::int64_t length, double average_length, const Bm25Options& options) {
  TINYGPT_CHECK(frequencies.size() == idfs.size(), "bm25_document_score: ", frequencies.size(),
                " frequencies but ", idfs.size(), " IDFs");
  // The length normaliser: 1 for a document of average length, more for a longer one,
  // which then needs more occurrences to reach the same saturation.
  const double k1 = options.k1;
  const double b = options.b;
  const double normaliser = k1 * (1.0 - b + b * static_cast<double>(length) / average_length);
  double score = 0.0;
  for (std::size_t i = 0; i < frequencies.size(); ++i) {
    // f (k1 + 1) / (f + normaliser): 0 at f = 0, rising towards k1 + 1 as f grows. An
    // absent term adds nothing; skipping it also keeps k1 = 0 from computing 0 / 0.
    if (frequencies[i] == 0) continue;
    const auto f = static_cast<double>(frequencies[i]);
    score += idfs[i] * ((f * (k1 + 1.0)) / (f + normaliser));
  }
  return score;
}

}  // namespace tinygpt::retrieve
