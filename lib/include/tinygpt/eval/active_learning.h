/// @file active_learning.h
/// @brief Pool-based active learning (Settles, 2009, "Active Learning Literature Survey"):
/// start from a few labelled training reviews, fine-tune a classifier on them, let it score
/// the unlabelled pool, ask an oracle to label the reviews it is least sure about, and
/// repeat until a label budget is spent; against random choice of the same number.
///
/// Acquisition functions, on a classifier's (N, K) probabilities, row i the pool's review i
/// with p_(1) >= p_(2) >= ... its sorted probabilities:
///
///     least confidence   1 - p_(1)                    larger = more uncertain
///     margin             p_(1) - p_(2)                smaller = more uncertain
///     entropy            -sum_k p_k ln p_k (0 ln 0 = 0, nats)   larger = more uncertain
///
/// entropy_scores' body is exercise 06.6 (the reference: solutions/06-evaluation/entropy.cpp;
/// the learner's stub: exercises/06-evaluation/entropy.cpp); every other function here is the
/// library's.
///
/// The loop (run_active_learning) fine-tunes **from the pre-trained model in every round**
/// (tune::run_finetune on a copy of the world whose reviews.jsonl holds only the labelled
/// training reviews, with the oracle's labels, and every dev and test review): a cold restart,
/// the standard, so each point of a curve is a classifier trained on exactly that labelled set,
/// comparable with random choice at the same count (warm-starting from the last round's
/// weights generalises worse; Ash and Adams, 2020). The original world and the model folder are
/// only read. The output folder (new or empty, never inside the model or the world):
///
///     oracle.jsonl               every question the oracle answered, in order: strategy (or
///                                "start" for the shared seed set), seed, round, id, text, label
///     seed<S>/start/             the seed set's world copy and fine-tuning run (shared by every
///                                strategy with seed S: same reviews, same seed, same model)
///     seed<S>/<strategy>/round-<R>/  each later round's world copy and run
///     seed<S>/<strategy>/labelled.jsonl  the run's labelled reviews: id, label, round
///     curves.json, curves.md, active_learning.svg, REPORT.md
///
/// An oracle is asked about each review at most once per run of the loop; a review another
/// strategy already had labelled is not asked again (a human oracle labels it once).
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tinygpt/core/tensor.h"
#include "tinygpt/tune/task_data.h"

namespace tinygpt::eval {

/// @brief The counter step of active learning's random draws (stream kDemo, index the round).
inline constexpr std::uint64_t kActiveLearningStep = 6060;

/// @brief How the next batch is chosen.
enum class Acquisition { kRandom, kLeastConfidence, kMargin, kEntropy };

/// @param name random, least_confidence, margin or entropy.
/// @return the acquisition; Error listing the names when unknown.
Acquisition parse_acquisition(std::string_view name);

/// @param acquisition an acquisition.
/// @return its name, as parse_acquisition reads it.
std::string acquisition_name(Acquisition acquisition);

/// @param probabilities (N, K) rows of probabilities.
/// @return (N) 1 - max_k p_k: larger is more uncertain.
std::vector<double> least_confidence_scores(ConstMatrixRef probabilities);

/// @param probabilities (N, K) rows of probabilities, K >= 2.
/// @return (N) the largest probability minus the second largest: smaller is more uncertain.
std::vector<double> margin_scores(ConstMatrixRef probabilities);

/// @brief Exercise 06.6: the entropy of each row, in nats, computed in double.
/// @param probabilities (N, K) rows of probabilities (each >= 0, summing to 1; trusted: the
///        checks are acquisition_scores'); a probability of 0 adds 0 (0 ln 0 = 0).
/// @return (N) -sum_k p_k ln p_k: larger is more uncertain; 0 for a one-hot row, ln K for a
///         uniform one.
std::vector<double> entropy_scores(ConstMatrixRef probabilities);

/// @brief Checks the rows (K >= 2, every value finite in [0, 1], each row summing to 1
/// within 1e-3) and scores them.
/// @param probabilities (N, K).
/// @param acquisition least confidence, margin or entropy (random has no scores: Error).
/// @return (N) the scores.
std::vector<double> acquisition_scores(ConstMatrixRef probabilities, Acquisition acquisition);

/// @brief The `count` most uncertain rows: the largest scores first (the smallest for
/// margin), ties by the lower index. Deterministic.
/// @param scores (N) what acquisition_scores returned.
/// @param acquisition least confidence, margin or entropy.
/// @param count how many, at most N.
/// @return indices into scores, most uncertain first.
std::vector<std::size_t> most_uncertain(std::span<const double> scores, Acquisition acquisition,
                                        std::size_t count);

/// @brief `count` distinct indices of [0, pool) drawn uniformly (a partial Fisher-Yates
/// shuffle on CounterRng(seed, kDemo, kActiveLearningStep, round)): the same for the same
/// arguments, and a prefix of the draw of a larger count.
/// @param pool N, the number to choose from.
/// @param count how many, at most N.
/// @param seed the seed.
/// @param round a round, so that every round draws afresh.
/// @return the indices, in drawing order.
std::vector<std::size_t> random_batch(std::size_t pool, std::size_t count, std::uint64_t seed,
                                      std::uint64_t round);

/// @brief Who labels the reviews the loop asks about.
class Oracle {
 public:
  virtual ~Oracle() = default;
  /// @param review the review to label (its text; a ground-truth oracle reads its label).
  /// @param labels the task's label names, sorted.
  /// @return one of labels.
  virtual std::string label(const tune::LabelledText& review,
                            const std::vector<std::string>& labels) = 0;
  /// @return what oracle.jsonl and the report call it: "ground-truth" or "prompt".
  virtual std::string name() const = 0;
};

/// @brief The world's own label: what a perfect annotator would say.
class GroundTruthOracle final : public Oracle {
 public:
  std::string label(const tune::LabelledText& review,
                    const std::vector<std::string>& labels) override;
  std::string name() const override { return "ground-truth"; }
};

/// @brief A person at a prompt: shows each review on `out` and reads a label (its name or
/// its number, 1..K) from a line of `in`, asking again after an answer that is neither.
/// Error when `in` ends before an answer.
class PromptOracle final : public Oracle {
 public:
  /// @param in where the answers come from (std::cin for a person).
  /// @param out where the questions go.
  PromptOracle(std::istream& in, std::ostream& out) : in_(in), out_(out) {}
  std::string label(const tune::LabelledText& review,
                    const std::vector<std::string>& labels) override;
  std::string name() const override { return "prompt"; }

 private:
  std::istream& in_;
  std::ostream& out_;
  std::int64_t asked_ = 0;
};

/// @brief What an active-learning comparison does.
struct ActiveLearningConfig {
  std::filesystem::path model;  ///< the pre-trained model folder (a GPT or an encoder)
  std::filesystem::path data;   ///< a world with reviews.jsonl
  std::filesystem::path out;    ///< the output folder: new or empty
  /// The choosers compared, one learning curve each per seed.
  std::vector<Acquisition> strategies = {Acquisition::kRandom, Acquisition::kLeastConfidence,
                                         Acquisition::kMargin, Acquisition::kEntropy};
  std::vector<std::uint64_t> seeds = {1, 2, 3};  ///< one curve per strategy and seed
  std::int64_t start = 16;  ///< the seed set: training reviews drawn at random, > 0
  /// Reviews the oracle labels per round; 0: as many as are labelled already (16, 32, 64...).
  std::int64_t batch = 0;
  std::int64_t budget = 256;  ///< the labelled reviews of the last round, >= start
  /// The pool: the first N training reviews (0: all of them).
  std::int64_t pool = 0;
  std::int64_t steps = 60;           ///< every round's fine-tuning: optimizer steps, > 0
  std::int64_t finetune_batch = 16;  ///< reviews per fine-tuning step
  float lr = 5e-4f;                  ///< the peak learning rate
  float min_lr = 5e-5f;              ///< the rate at the end of the cosine
  std::int64_t context = 0;          ///< tokens per review (0: the model's context)
  std::int64_t score_batch = 64;     ///< pool reviews per forward pass when scoring
};

/// @brief One round of one curve.
struct ActiveLearningRound {
  std::int64_t labelled = 0;       ///< labelled reviews the classifier trained on
  double accuracy = 0.0;           ///< its test accuracy
  double macro_f1 = 0.0;           ///< its test macro F1
  std::vector<std::string> added;  ///< the ids this round added (the seed set in round 0)
};

/// @brief One strategy with one seed.
struct ActiveLearningCurve {
  Acquisition strategy = Acquisition::kRandom;  ///< how batches were chosen
  std::uint64_t seed = 1;                       ///< the seed set's, random batches' and runs'
  std::vector<ActiveLearningRound> rounds;      ///< in order
};

/// @brief Everything a comparison measured.
struct ActiveLearningReport {
  std::vector<ActiveLearningCurve> curves;  ///< by seed, then strategy
  std::int64_t pool = 0;                    ///< the pool's size
  std::int64_t test = 0;                    ///< test reviews each accuracy is measured on
  std::int64_t queries = 0;                 ///< questions the oracle answered
  std::string oracle;                       ///< its name

  /// @return every curve and figure.
  std::string json() const;
  /// @return the Markdown table: a row per labelled count, a column per strategy with the
  /// mean test accuracy % and (min to max) over seeds.
  std::string markdown() const;
  /// @return the chart: mean test accuracy against log2 of the labels, a line per strategy
  /// with a whisker from the worst seed to the best at each point.
  std::string svg() const;
};

/// @brief Checks a config before any work: strategies and seeds given, start > 0, budget >=
/// start, batch >= 0, steps > 0, the model folder and the world's reviews present, enough
/// training reviews in the pool for the budget, out new or empty and outside the model and
/// the world. Error naming the option.
/// @param config the config.
void check_active_learning(const ActiveLearningConfig& config);

/// @brief The labelled counts of the rounds when every round adds `batch` (0: doubles),
/// from `start` up to `budget` (the last round may add fewer).
/// @param start the seed set's size.
/// @param batch per round, or 0.
/// @param budget the last count.
/// @return e.g. 16, 32, 64, 128, 256.
std::vector<std::int64_t> label_schedule(std::int64_t start, std::int64_t batch,
                                         std::int64_t budget);

/// @brief Runs every (seed, strategy) curve (see the file) and writes the output folder.
/// @param config the comparison; checked first.
/// @param oracle who labels.
/// @param log progress lines.
/// @return the curves.
ActiveLearningReport run_active_learning(const ActiveLearningConfig& config, Oracle& oracle,
                                         std::ostream& log);

}  // namespace tinygpt::eval
