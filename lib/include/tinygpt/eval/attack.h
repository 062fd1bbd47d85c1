/// @file attack.h
/// @brief An adversarial attack on a text classifier: greedy word substitution guided by
/// the model's own probabilities, in the spirit of TextFooler (Jin et al., "Is BERT Really
/// Robust?", AAAI 2020) and HotFlip (Ebrahimi et al., ACL 2018), with substitutions that
/// keep the label by construction.
///
/// A review x = w_1 ... w_n (words: maximal runs of bytes that are not ASCII white space,
/// as char_noise counts them) with true label y, which the classifier f gets right:
///
///  1. Importance. I(w_i) = p_y(x) - p_y(x without w_i): how much the true label's
///     probability drops when the word is deleted. Words are visited by decreasing I
///     (ties: left first).
///  2. Substitution. For the next word w_i, every candidate c of C(w_i) gives x' = x with
///     w_i := c, all scored in one batch. The best candidate is the one that changes the
///     prediction with the lowest p_y(x'), or, when none does, the one with the lowest
///     p_y(x'). It is kept when it changes the prediction or p_y(x') < p_y(x) (then
///     x := x' and one word is spent); otherwise w_i stays.
///  3. Stop when argmax f(x) != y (the attack succeeded: checked again on x alone, so the
///     example is misclassified by itself, whatever batch it is scored in), when the budget
///     of changed words, max(1, floor(budget n)), is spent, or when no word is left.
///
/// **Label-preserving candidates** C(w): the other words of w's synonym group
/// (eval::synonym_groups(): each group keeps a review's polarity and strength), in w's case
/// and with its punctuation; and one-character typos (eval::perturb_word_characters, each
/// CharEdit at `typos_per_edit` drawn positions and letters). Never an antonym or a
/// negation: the words that carry a review's structure ("not", "never", "hardly",
/// "neither", "nor", "but") are never touched, and a typo that happens to spell a word of
/// the synonym table, a sentiment word or one of those structural words is dropped. A human
/// reads every adversarial example with the original's label.
///
/// Every random choice (the typos' positions and letters) comes from CounterRng(seed,
/// kDemo, kAttackStep, review index), drawn for every word in text order before the attack
/// starts, so the attack is a function of (model, reviews, options). The reviews are
/// attacked together, one round at a time, so each round's texts of every review go
/// through TextClassifier::probabilities in full batches.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tinygpt/tune/metrics.h"
#include "tinygpt/tune/task_data.h"
#include "tinygpt/tune/text_classifier.h"

namespace tinygpt::eval {

/// The step of CounterRng(seed, kDemo, step, review index) for the attack's typos.
inline constexpr std::uint64_t kAttackStep = 6005;

/// @brief How hard the attack tries.
struct AttackOptions {
  /// Share of a review's words that may change, in (0, 1]: at most max(1, floor(budget n))
  /// of its n words.
  double budget = 0.2;
  /// Typos tried per word and CharEdit (each at a drawn position and letter), 0 to 16; with
  /// 0 the attack uses synonyms only.
  int typos_per_edit = 2;
  bool synonyms = true;     ///< try the synonym table's words
  std::uint64_t seed = 1;   ///< the typos' draws, and the bootstrap's
  std::int64_t batch = 64;  ///< texts per forward pass
  int resamples = 1000;     ///< bootstrap resamples of the accuracy intervals
};

/// @brief Checks the options; Error naming the option and its value.
/// @param options the options.
void check_attack_options(const AttackOptions& options);

/// @brief One word the attack replaced.
struct WordSubstitution {
  std::int64_t word = 0;  ///< its index among the review's words, from 0
  std::string from;       ///< the original word (with its punctuation)
  std::string to;         ///< what it became
  bool synonym = false;   ///< a synonym (true) or a typo (false)
};

/// @brief One review under attack.
struct AttackedText {
  std::string id;        ///< the review's id
  std::string original;  ///< its text
  /// The text at the end: the adversarial example when `success`, the best try otherwise
  /// (the original when it was not attacked).
  std::string attacked;
  std::int32_t label = 0;             ///< the true label's column
  std::int32_t clean_prediction = 0;  ///< the classifier's column on the original
  std::int32_t prediction = 0;        ///< its column on `attacked`
  bool attempted = false;             ///< the original was classified right, so it was attacked
  bool success = false;               ///< attempted, and `attacked` is classified wrong
  std::int64_t words = 0;             ///< n, the original's words
  std::int64_t budget = 0;            ///< the words it could change: max(1, floor(budget n))
  std::int64_t queries = 0;           ///< texts the classifier scored for it, the original included
  double clean_probability = 0.0;     ///< p_y(original)
  double final_probability = 0.0;     ///< p_y(attacked)
  std::vector<WordSubstitution> substitutions;  ///< in the order they were made
};

/// @brief What an attack on a set of reviews did.
struct AttackReport {
  std::vector<std::string> labels;   ///< the classifier's label names, by column
  std::vector<AttackedText> texts;   ///< one per review, in order
  AttackOptions options;             ///< how it was run
  std::int64_t attempted = 0;        ///< reviews classified right, hence attacked
  std::int64_t successes = 0;        ///< attacks that changed the prediction
  tune::Interval clean_accuracy;     ///< accuracy on the originals
  tune::Interval attacked_accuracy;  ///< accuracy under attack, over every review
  double success_rate = 0.0;         ///< successes / attempted (0 when none attempted)
  double mean_words_changed = 0.0;   ///< per success
  double mean_queries = 0.0;         ///< per attempted review
  double seconds = 0.0;              ///< wall time

  /// @return per review 1 when it is classified right under attack, else 0 (for paired
  /// comparisons of two models on the same reviews).
  std::vector<double> attacked_scores() const;

  /// @return per review 1 when its original is classified right, else 0.
  std::vector<double> clean_scores() const;

  /// @return the adversarial examples: the successful attacks, in review order.
  std::vector<const AttackedText*> examples() const;

  /// @param examples how many adversarial examples to list (the first ones).
  /// @return the figures, the options, and the first `examples` adversarial examples with
  /// their substitutions.
  nlohmann::ordered_json to_json(std::size_t examples = 20) const;

  /// @param examples how many adversarial examples to show (the first ones).
  /// @return the figures as a Markdown table, then a table of examples.
  std::string markdown(std::size_t examples = 5) const;
};

/// @brief The candidates of one word (see the file): its synonyms, then its typos, each
/// once, none equal to the word. Empty for a word that carries the review's structure.
/// @param word one word (no white space).
/// @param options which candidates.
/// @param draws for each CharEdit in enum order, typos_per_edit pairs of uniform draws
///        (u_position, u_letter): 8 typos_per_edit numbers in [0, 1).
/// @return the candidates.
std::vector<std::string> substitution_candidates(std::string_view word,
                                                 const AttackOptions& options,
                                                 std::span<const float> draws);

/// @brief Splits a text into its words: maximal runs of bytes that are not ASCII white
/// space (space, \\t, \\n, \\v, \\f, \\r).
/// @param text any text.
/// @return the words, in order.
std::vector<std::string> attack_words(std::string_view text);

/// @brief Attacks every review the classifier gets right (see the file).
/// @param classifier the classifier; its labels must include every review's.
/// @param reviews the reviews, not empty (Error when empty).
/// @param options budget, candidates, seed; checked by check_attack_options().
/// @return one AttackedText per review and the figures.
AttackReport attack_reviews(tune::TextClassifier& classifier,
                            std::span<const tune::LabelledText> reviews,
                            const AttackOptions& options = {});

}  // namespace tinygpt::eval
