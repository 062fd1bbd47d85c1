/// @file prompting.h
/// @brief Adapting without changing a weight: in-context learning (k demonstrations in the
/// prompt) and hard prompt tuning (a search over prompt formats and answer words).
///
/// A classification prompt is k demonstrations and the query, each written with a format
/// such as "Review: {input}\nSentiment:"; a demonstration is followed by its label's word
/// (the *verbalizer*) and a blank line. The model's answer is the label whose word it finds
/// most likely after the query:
///
///     label = argmax over labels y of  ln p(" " + word(y) | prompt)
///
/// where ln p of a word of several tokens is the sum of its tokens' log-probabilities
/// (continuation_logprob()). A question is answered by greedy generation up to the end of
/// the line, and scored by exact match. Demonstrations that do not fit the model's context
/// are dropped from the front, so k is what fits, and the report says how many did.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "tinygpt/core/tensor.h"
#include "tinygpt/data/judge.h"
#include "tinygpt/models/gpt.h"
#include "tinygpt/text/tokenizer.h"
#include "tinygpt/tune/task_data.h"

namespace tinygpt::tune {

/// @brief ln p(continuation | prompt) from the logits of one pass over prompt +
/// continuation.
///
/// The body is exercise 04.3: the reference is solutions/04-finetuning/verbalizer.cpp, the
/// learner's stub exercises/04-finetuning/verbalizer.cpp.
/// @param logits (T, V) the model's logits at each position of the T tokens.
/// @param ids (T) the tokens: the prompt, then the continuation.
/// @param prompt_length P in [1, T): the continuation starts at position P.
/// @return the sum over t in [P, T) of log_softmax(logits[t - 1])[ids[t]].
double continuation_logprob(ConstMatrixRef logits, std::span<const std::int32_t> ids,
                            std::int64_t prompt_length);

/// @brief How an input is written in a prompt: `pattern` holds "{input}", and the answer
/// follows the pattern after one space.
struct PromptFormat {
  std::string name;     ///< e.g. "review-sentiment"
  std::string pattern;  ///< e.g. "Review: {input}\nSentiment:"
};

/// @brief The words that stand for the labels, one per label in label order.
struct Verbalizer {
  std::string name;                ///< e.g. "names"
  std::vector<std::string> words;  ///< e.g. {"negative", "neutral", "positive"}
};

/// @brief Formats and verbalizers to try on a task (a JSON file, load_prompt_set()).
struct PromptSet {
  std::vector<PromptFormat> formats;    ///< at least one
  std::vector<Verbalizer> verbalizers;  ///< classification: at least one
};

/// @brief Reads a prompt set: {"formats": [{"name", "pattern"}], "verbalizers": [{"name",
/// "words"}]}. Errors name the file and field: a pattern without "{input}", a verbalizer
/// whose word count is not `labels`, a word listed twice.
/// @param path the JSON file.
/// @param labels the task's number of labels (0: no verbalizers, for questions).
/// @return the set.
PromptSet load_prompt_set(const std::filesystem::path& path, std::size_t labels);

/// @brief One prompt to score: a format, a verbalizer, k demonstrations from a pool.
struct PromptChoice {
  PromptFormat format;           ///< how inputs are written
  Verbalizer verbalizer;         ///< the label words (classification)
  std::int64_t shots = 0;        ///< k, demonstrations asked for
  std::uint64_t draw = 0;        ///< which draw of demonstrations (CounterRng stream kDemo)
  bool sorted_by_label = false;  ///< demonstrations grouped by label instead of shuffled
};

/// @brief What a prompt scored.
struct PromptScore {
  double accuracy = 0.0;        ///< share of right labels (classification) or exact answers
  double mean_shots = 0.0;      ///< demonstrations that fitted the context, on average
  std::vector<double> correct;  ///< 1 or 0 per example, in order (for bootstrap intervals)
  /// questions with a judge: share of answers that state the catalogue's value in any
  /// words ("Ossel is on the Losel." for "Losel"); -1 without one
  double states_fact = -1.0;
};

/// @brief The k demonstrations of a draw: distinct examples of the pool, from
/// CounterRng(draw, kDemo, k, i).
/// @param pool the training examples.
/// @param choice shots, draw and order.
/// @param labels the label names (for the grouped order).
/// @return the demonstrations, in the order they appear in the prompt.
std::vector<LabelledText> draw_demonstrations(std::span<const LabelledText> pool,
                                              const PromptChoice& choice,
                                              std::span<const std::string> labels);

/// @brief Classifies every example with a prompt and scores it.
/// @param gpt the model.
/// @param tokenizer its tokenizer.
/// @param choice the prompt.
/// @param pool the demonstrations' pool (the train split).
/// @param examples what to classify.
/// @param labels the label names, in the verbalizer's order.
/// @return the accuracy and per-example scores.
PromptScore score_classification(models::Gpt& gpt, const text::Tokenizer& tokenizer,
                                 const PromptChoice& choice, std::span<const LabelledText> pool,
                                 std::span<const LabelledText> examples,
                                 std::span<const std::string> labels);

/// @brief Answers every question with a prompt (greedy, to the end of the line) and scores
/// exact match with its label (the answer).
/// @param gpt the model.
/// @param tokenizer its tokenizer.
/// @param choice the prompt (its verbalizer is not used).
/// @param pool the demonstrations' pool (questions with their answers).
/// @param examples the questions.
/// @param judge the world's judge, to count answers that state the fact in other words
///        (nullptr: exact match only).
/// @return the exact-match rate, the judge's rate and per-example (exact-match) scores.
PromptScore score_questions(models::Gpt& gpt, const text::Tokenizer& tokenizer,
                            const PromptChoice& choice, std::span<const LabelledText> pool,
                            std::span<const LabelledText> examples,
                            const data::Judge* judge = nullptr);

/// @brief In-context learning at one k: the mean and spread over draws of demonstrations.
struct ShotsRow {
  std::int64_t shots = 0;     ///< k asked for
  double mean_shots = 0.0;    ///< demonstrations that fitted, on average
  double mean = 0.0;          ///< accuracy, mean over the draws
  double low = 0.0;           ///< the worst draw's
  double high = 0.0;          ///< the best draw's
  double grouped = 0.0;       ///< draw 0 with its demonstrations grouped by label
  double states_fact = -1.0;  ///< questions with a judge: the judge's rate, mean over draws
};

/// @brief Scores one format (and verbalizer, for classification) at each k over `draws`
/// draws of demonstrations; a draw also runs grouped by label, to show the order's effect.
/// @param gpt the model.
/// @param tokenizer its tokenizer.
/// @param base the format and verbalizer (shots, draw and order are set here).
/// @param shots the values of k.
/// @param draws draws per k (k = 0 needs one).
/// @param pool the demonstrations' pool.
/// @param examples what to classify or answer.
/// @param labels the label names (empty: questions, scored by exact match).
/// @param judge questions: the world's judge (nullptr: exact match only).
/// @return one row per k.
std::vector<ShotsRow> score_shots(models::Gpt& gpt, const text::Tokenizer& tokenizer,
                                  const PromptChoice& base, std::span<const std::int64_t> shots,
                                  int draws, std::span<const LabelledText> pool,
                                  std::span<const LabelledText> examples,
                                  std::span<const std::string> labels,
                                  const data::Judge* judge = nullptr);

/// @brief A prompt of the search and what it scored.
struct RankedPrompt {
  PromptChoice choice;  ///< format, verbalizer, k, draw
  double dev = 0.0;     ///< accuracy on the dev examples (what the search ranks by)
  double test = 0.0;    ///< accuracy on the test examples
};

/// @brief Hard prompt tuning: every format x verbalizer x draw of demonstrations, ranked by
/// accuracy on dev; each one's test accuracy is measured too, so the chosen prompt's test
/// figure can be set beside the median and the worst (prompt sensitivity).
/// @param gpt the model.
/// @param tokenizer its tokenizer.
/// @param set the formats and verbalizers.
/// @param shots k of every prompt.
/// @param draws draws of demonstrations per format and verbalizer (1 when k is 0).
/// @param pool the demonstrations' pool (train).
/// @param dev the examples the search ranks by.
/// @param test the examples it reports on.
/// @param labels the label names.
/// @return every prompt, best on dev first.
std::vector<RankedPrompt> search_prompts(models::Gpt& gpt, const text::Tokenizer& tokenizer,
                                         const PromptSet& set, std::int64_t shots, int draws,
                                         std::span<const LabelledText> pool,
                                         std::span<const LabelledText> dev,
                                         std::span<const LabelledText> test,
                                         std::span<const std::string> labels);

}  // namespace tinygpt::tune
