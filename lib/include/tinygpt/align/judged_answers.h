/// @file judged_answers.h
/// @brief A chat model's answers to questions about the world, scored by the ground-truth
/// judge (data/judge.h), and two models compared on the same questions.
///
/// The gold score of an answer: 1 when it states the catalogue's value and is polite, 0.5
/// when it states the value rudely, 0 when it states a wrong value, evades or says nothing
/// of the fact. It is what the preference pairs' three reasons (correct_fact, helpful,
/// polite) reward, measured without any learned model.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "tinygpt/data/judge.h"
#include "tinygpt/models/generate.h"
#include "tinygpt/models/gpt.h"
#include "tinygpt/text/bpe.h"
#include "tinygpt/text/chat_template.h"
#include "tinygpt/tune/metrics.h"
#include "tinygpt/tune/task_data.h"

namespace tinygpt::align {

/// @param verdict the judge's verdict on an answer.
/// @return its gold score: 1, 0.5 or 0 (see the file).
double gold_score(const data::Verdict& verdict);

/// @brief One answer and its judgement.
struct JudgedAnswer {
  std::string prompt;     ///< the question
  std::string answer;     ///< the model's answer, without the end marker
  data::Verdict verdict;  ///< the judge's verdict
  double score = 0.0;     ///< gold_score(verdict)
};

/// @brief Asks the model every pair's question (answer_questions() on the engine) and
/// judges each answer.
/// @param gpt the model.
/// @param tokenizer its tokenizer, with the chat markers.
/// @param chat the markers.
/// @param pairs the questions (their answers are not used).
/// @param judge the world's judge.
/// @param generation length, sampling (temperature 0: greedy) and seed.
/// @return one judged answer per pair, in order.
std::vector<JudgedAnswer> judged_answers(models::Gpt& gpt, const text::BpeTokenizer& tokenizer,
                                         const text::ChatTemplate& chat,
                                         std::span<const tune::PreferencePair> pairs,
                                         const data::Judge& judge,
                                         const models::GenerateOptions& generation);

/// @brief Two models' answers to the same questions, compared by gold score.
struct Comparison {
  /// The share of questions the first model wins (a tie counts a half), with its 95%
  /// bootstrap interval.
  tune::Interval win_rate;
  std::int64_t wins = 0;    ///< questions where the first model's score is higher
  std::int64_t ties = 0;    ///< equal scores
  std::int64_t losses = 0;  ///< lower
};

/// @param first one model's judged answers.
/// @param second the other's, to the same questions in the same order.
/// @return how often the first wins.
Comparison compare(std::span<const JudgedAnswer> first, std::span<const JudgedAnswer> second);

/// @param answers judged answers.
/// @return their mean gold score with its 95% bootstrap interval.
tune::Interval mean_score(std::span<const JudgedAnswer> answers);

/// @param answers judged answers, at least one.
/// @return the share that state the right value (Correctness::kCorrect), and the share
///         that are polite.
std::pair<double, double> correct_and_polite(std::span<const JudgedAnswer> answers);

}  // namespace tinygpt::align
