/// @file world_retrieval.h
/// @brief Retrieval over the generated world (data/generator.h): its encyclopedia sentences
/// as passages, its question/answer pairs as queries whose relevant passage is known (the
/// fact the question asks about), and the figures of a ranking: recall at k and MRR.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "tinygpt/retrieve/bm25.h"

namespace tinygpt::retrieve {

/// @brief Which facts an encyclopedia holds.
enum class Facts {
  kAll,   ///< every fact, held-out ones included: what a model reads at answer time
  kSeen,  ///< the facts stated in the generated texts: what training data may show
};

/// @brief The world's encyclopedia: one passage per fact of `facts.jsonl` (held-out facts
/// included by default: retrieval is how a model reaches what it never read), id = the
/// fact's id, text = its sentence, in the file's order. Throws Error naming the file and
/// line when it is missing or a record is not a fact.
/// @param world a folder written by `tinygpt data generate` (kind facts).
/// @param which every fact, or the seen ones only.
/// @return the passages.
std::vector<Passage> read_world_passages(const std::filesystem::path& world,
                                         Facts which = Facts::kAll);

/// @brief A question whose relevant passage is known.
struct Question {
  std::string id;         ///< "qa:N"
  std::string text;       ///< the question
  std::string relevant;   ///< the id of the one passage that answers it (the fact's id)
  std::string response;   ///< the full-sentence answer: the fact's sentence
  bool held_out = false;  ///< whether the fact is held out of every generated text
};

/// @brief The questions of `qa.jsonl`, in order. Throws Error naming the file and line.
/// @param world a folder written by `tinygpt data generate` (kind qa).
/// @return the questions.
std::vector<Question> read_world_questions(const std::filesystem::path& world);

/// @brief Where a ranking put the relevant passage of each question.
/// @param ranking for each question, the passages of its ranking, best first.
/// @param relevant for each question, the position of its relevant passage in the index.
/// @return for each question, the 1-based rank of its relevant passage, 0 when absent.
std::vector<std::int64_t> relevant_ranks(const std::vector<std::vector<Hit>>& ranking,
                                         const std::vector<std::int64_t>& relevant);

/// @brief Recall at k and the mean reciprocal rank of a set of rankings.
struct RetrievalQuality {
  std::int64_t questions = 0;    ///< how many rankings
  std::vector<std::int64_t> ks;  ///< the cut-offs, as asked
  std::vector<double> recall;    ///< (ks) share of questions whose passage is in the top k
  double mrr = 0.0;              ///< mean of 1 / rank (0 when the passage was not returned)
};

/// @brief Recall at k for each k and MRR, from relevant_ranks(). With one relevant passage per
/// question, recall at k is the share of ranks in [1, k].
/// @param ranks 1-based ranks, 0 = not found; not empty.
/// @param ks the cut-offs, each >= 1.
/// @return the figures.
RetrievalQuality retrieval_quality(const std::vector<std::int64_t>& ranks,
                                   const std::vector<std::int64_t>& ks);

/// @brief BM25 on every question: each question's ranking to `depth`, then its figures.
/// Throws Error when a question's relevant passage is not in the index.
/// @param index the index.
/// @param questions the questions.
/// @param ks the cut-offs for recall.
/// @param depth how deep each ranking goes (for MRR), >= max(ks).
/// @param options k1 and b.
/// @return the figures.
RetrievalQuality evaluate_bm25(const Bm25Index& index, const std::vector<Question>& questions,
                               const std::vector<std::int64_t>& ks, std::int64_t depth,
                               const Bm25Options& options = {});

}  // namespace tinygpt::retrieve
