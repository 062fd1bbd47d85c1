/// @file bm25.h
/// @brief Okapi BM25 over a small inverted index, computed exactly as SQLite's FTS5
/// computes its bm25() (https://www.sqlite.org/fts5.html, section "The bm25() function"),
/// so that SQLite, the engine a user would reach for, can check it.
///
/// Legend: N = documents in the index, n(t) = documents containing term t, f(t, d) = how
/// often t occurs in document d, |d| = d's length in terms, avgdl = the mean of |d|.
///
///   score(d, q) = sum over the terms t of q, in order, of
///                 IDF(t) * f(t, d) * (k1 + 1) / (f(t, d) + k1 * (1 - b + b * |d| / avgdl))
///   IDF(t)      = ln((N - n(t) + 0.5) / (n(t) + 0.5)), or 1e-6 when that is <= 0
///
/// with k1 = 1.2 and b = 0.75 by default (FTS5's constants). A term repeated in the query
/// counts each time, as each phrase of an FTS5 query does. FTS5's bm25() returns -score
/// (so that ORDER BY bm25() puts the best first); this library returns +score.
///
/// Terms: retrieval_terms() splits text the way FTS5's default `unicode61` tokenizer does
/// on ASCII text: a term is a maximal run of ASCII letters and digits, lowercased; every
/// other ASCII byte separates terms. Bytes >= 0x80 (UTF-8 of non-ASCII characters) belong
/// to terms unchanged. unicode61 also folds the case and removes the diacritics of
/// non-ASCII letters and separates on non-ASCII punctuation, which this rule does not; the
/// generated world's text is ASCII, where the two agree (a test checks it on every fact).
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tinygpt::retrieve {

/// @brief BM25's two constants.
struct Bm25Options {
  double k1 = 1.2;  ///< term-frequency saturation, >= 0 (0: a match counts once, however often)
  double b = 0.75;  ///< length normalisation in [0, 1] (0: none, 1: full)
};

/// @brief The terms of a text, in order, by the rule of the file (FTS5's unicode61 on ASCII).
/// @param text UTF-8 text.
/// @return its terms, lowercase; "" gives none.
std::vector<std::string> retrieval_terms(std::string_view text);

/// @brief BM25's inverse document frequency, clamped as FTS5 clamps it (exercise 06.5:
/// solutions/06-evaluation/bm25_score.cpp): ln((N - n + 0.5) / (n + 0.5)), and 1e-6 when
/// that is <= 0 (a term in half of the documents or more still counts a little).
/// @param document_count N, the documents in the index, >= 1.
/// @param containing n, the documents that contain the term, in [0, N].
/// @return the IDF, > 0.
double bm25_idf(std::int64_t document_count, std::int64_t containing);

/// @brief The BM25 score of one document for one query (exercise 06.5:
/// solutions/06-evaluation/bm25_score.cpp): the sum, over the query's terms in order, of
/// idf * f * (k1 + 1) / (f + k1 * (1 - b + b * length / average_length)), where f is the
/// term's frequency in the document. A term that is not in the document adds 0.
/// @param frequencies (Q) f(t, d) of each query term t in the document, >= 0.
/// @param idfs (Q) each query term's IDF (bm25_idf()).
/// @param length |d|, the document's length in terms, >= 0.
/// @param average_length avgdl, the mean document length of the index, > 0.
/// @param options k1 and b.
/// @return the score, >= 0 (FTS5's bm25() is its negation).
double bm25_document_score(std::span<const std::int64_t> frequencies, std::span<const double> idfs,
                           std::int64_t length, double average_length, const Bm25Options& options);

/// @brief One passage of an index: its id (a fact id such as "town:0/river") and its text.
struct Passage {
  std::string id;    ///< unique in the index
  std::string text;  ///< what is searched and shown
};

/// @brief One result of a search.
struct Hit {
  std::int64_t passage = 0;  ///< the passage's position in the index
  double score = 0.0;        ///< its BM25 score (or cosine, for dense search), larger is better
};

/// @brief An inverted index of passages: for each term, the passages that contain it and
/// how often (its postings), and each passage's length. Built once, searched many times,
/// saved to one file.
class Bm25Index {
 public:
  /// @brief An empty index (search() finds nothing).
  Bm25Index() = default;

  /// @brief Indexes passages. Throws Error when an id is empty or repeated, or a passage
  /// has no term.
  /// @param passages the passages, in the order they keep (position = rowid - 1 in FTS5).
  explicit Bm25Index(std::vector<Passage> passages);

  /// @brief The k best passages for a query by BM25: every passage containing at least
  /// one query term, best first, ties in passage order (what FTS5's
  /// `ORDER BY bm25(t), rowid` gives).
  /// @param query the question; its terms are retrieval_terms(query).
  /// @param k the most hits to return, >= 1.
  /// @param options k1 and b.
  /// @return at most k hits; none when no passage shares a term with the query.
  std::vector<Hit> search(std::string_view query, std::int64_t k,
                          const Bm25Options& options = {}) const;

  /// @brief Writes the index to one file, atomically (a reader sees the old file or the
  /// new one). Binary, little-endian: a magic line "tinygpt bm25 index\n", the format
  /// version, the payload's size and FNV-1a hash, then the passages and the postings.
  /// @param path the file.
  void save(const std::filesystem::path& path) const;

  /// @brief Reads a file save() wrote. Throws Error naming the file when it is missing,
  /// not an index ("... is not a tinygpt BM25 index"), of another version, cut short,
  /// damaged (the hash differs) or inconsistent (postings that disagree with the texts).
  /// @param path the file.
  /// @return the index.
  static Bm25Index load(const std::filesystem::path& path);

  /// @return the passages, in order.
  const std::vector<Passage>& passages() const { return passages_; }
  /// @return N, the number of passages.
  std::int64_t size() const { return static_cast<std::int64_t>(passages_.size()); }
  /// @return the number of distinct terms.
  std::int64_t term_count() const { return static_cast<std::int64_t>(terms_.size()); }
  /// @return avgdl, the mean passage length in terms (0 when empty).
  double average_length() const;
  /// @param term a lowercase term.
  /// @return n(term), how many passages contain it.
  std::int64_t document_frequency(std::string_view term) const;

 private:
  /// One entry of a term's postings: a passage that contains it and how often.
  struct Posting {
    std::int32_t passage = 0;    ///< position in passages_
    std::int32_t frequency = 0;  ///< f(t, d) >= 1
  };
  /// A term and its postings, passages ascending.
  struct TermPostings {
    std::string term;
    std::vector<Posting> postings;
  };
  /// the entry of `term` in terms_ (sorted by term), or nullptr
  const TermPostings* find(std::string_view term) const;

  std::vector<Passage> passages_;
  std::vector<std::int64_t> lengths_;  // (N) |d| of each passage
  std::vector<TermPostings> terms_;    // sorted by term
  std::int64_t total_length_ = 0;      // sum of lengths_
};

}  // namespace tinygpt::retrieve
