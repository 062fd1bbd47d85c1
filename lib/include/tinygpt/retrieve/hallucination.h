/// @file hallucination.h
/// @brief The hallucination experiment: does retrieval stop a chat model from inventing
/// facts? Test questions about **held-out** facts (stated in no training text: the model
/// cannot know them) and about **seen** facts are answered four ways:
///
/// | condition | model | prompt |
/// |---|---|---|
/// | closed book | the chat model | the question alone |
/// | RAG, untaught | the chat model | rag_request(): the top passages, then the question |
/// | RAG | the RAG-tuned model | the same |
/// | RAG + abstention | the RAG-tuned model | the same, but "I don't know." without asking the
/// model when the best BM25 score is below a threshold |
///
/// and the world's judge (data/judge.h) sorts each answer: **correct** (the catalogue's
/// value), **wrong** (another value of the attribute asked about: a hallucination) or
/// **abstained** (no value at all). Rates carry 95% bootstrap intervals, and the changes in
/// the held-out wrong-value rate are paired bootstrap tests on the same questions.
///
/// The abstention threshold is chosen on the dev questions: the best-score cut that
/// maximises correct minus wrong answers (a hallucination costs as much as a right answer
/// gains, an abstention nothing), the smallest such cut on ties.
#pragma once

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "tinygpt/data/judge.h"
#include "tinygpt/retrieve/rag.h"
#include "tinygpt/tune/metrics.h"

namespace tinygpt::retrieve {

/// @brief What the experiment runs on.
struct HallucinationConfig {
  std::filesystem::path chat;       ///< an instruction-tuned model folder (closed book)
  std::filesystem::path rag_model;  ///< a model tuned on the RAG format ("": those rows left out)
  std::filesystem::path data;       ///< a world with facts and qa (the judge reads its catalogue)
  std::filesystem::path out;        ///< the report folder: new or empty, outside the inputs
  RagOptions rag;                   ///< passages per prompt, k1 and b
  /// Test questions per group (held-out, seen): the first ones of the split; 0: all.
  std::int64_t questions = 0;
  std::int64_t dev_questions = 0;    ///< dev questions for the threshold, the first; 0: all
  std::int64_t max_new_tokens = 48;  ///< the longest answer, in tokens (greedy)
  std::uint64_t seed = 1;            ///< the bootstrap's
};

/// @brief The shares of correct, wrong and abstained answers of one group, with 95%
/// bootstrap intervals (they add up to 1).
struct AnswerRates {
  std::int64_t questions = 0;  ///< how many answers
  tune::Interval correct;      ///< the catalogue's value
  tune::Interval wrong;        ///< another value: a hallucination
  tune::Interval abstained;    ///< no value
};

/// @brief The judge's outcome of an answer as three indicator scores.
struct Outcome {
  double correct = 0.0;    ///< 1 when correct
  double wrong = 0.0;      ///< 1 when a wrong value
  double abstained = 0.0;  ///< 1 when no value
};

/// @param correctness a verdict's correctness; kUnknown is an Error (the question asks about
///        no single fact).
/// @return it as indicators.
Outcome outcome_of(data::Correctness correctness);

/// @param outcomes the answers of one group, not empty.
/// @param seed the bootstrap's seed.
/// @return their rates.
AnswerRates answer_rates(std::span<const Outcome> outcomes, std::uint64_t seed = 1);

/// @brief The abstention threshold: among the cuts 0, every best score and one just past
/// the largest (abstain on everything), the one that
/// maximises (correct - wrong) when every answer whose best score is below the cut becomes
/// an abstention; the smallest on ties.
/// @param top_scores (N) each question's best BM25 score.
/// @param outcomes (N) its answer's outcome without abstention.
/// @return the cut.
double choose_abstention_threshold(std::span<const double> top_scores,
                                   std::span<const Outcome> outcomes);

/// @brief The experiment's figures.
struct HallucinationReport {
  nlohmann::ordered_json figures;  ///< what figures.json holds
  std::string markdown;            ///< what REPORT.md holds
  std::filesystem::path folder;    ///< the report folder
};

/// @brief Runs the experiment and writes REPORT.md, figures.json, answers.jsonl (every
/// question's answers and verdicts) and hallucination.svg into config.out. Errors name the
/// folder or option at fault (a model without chat markers, a world without qa, no test
/// question about a held-out fact).
/// @param config the inputs.
/// @param log progress lines.
/// @return the figures.
HallucinationReport run_hallucination(const HallucinationConfig& config, std::ostream& log);

}  // namespace tinygpt::retrieve
