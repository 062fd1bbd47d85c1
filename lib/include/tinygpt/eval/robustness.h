/// @file robustness.h
/// @brief Accuracy against severity: a fine-tuned classifier scored on a world's reviews
/// under each perturbation suite of eval/perturb.h, at several severities, with bootstrap
/// intervals.
///
/// Five suites, two kinds:
///   - **label-preserving** (char_noise, synonyms, entities): every review is scored, the
///     perturbed copy against the review's own label. Severity s is perturb.h's: the share
///     of a review's eligible units (words with two different adjacent letters, synonym
///     table words, product and company names) that change. A unit count times s is
///     rounded, so a review with one name keeps it below s = 0.5.
///   - **label-flipping** (negation, antonyms): only the reviews the edit applies to are
///     scored (negate_review and antonym_review say which), each against its label by
///     construction. The edit is all or nothing, so severity s is the share of those
///     reviews edited: review i is edited when its draw u_i < s, u_i the first uniform() of
///     CounterRng(seed, kDemo, kLabelFlipStep, i), i its index among the reviews given.
///     The edited sets are nested like perturb.h's; s = 0 edits none, s = 1 every one. A
///     model that ignores "not" keeps its answer and fails exactly the edited reviews.
///
/// At severity 0 every suite gives the clean texts back, so its accuracy is the clean
/// accuracy (on the suite's reviews). Texts are classified once each however many suites
/// and severities produce them (a clean review is scored once, not 25 times).
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tinygpt/data/world.h"
#include "tinygpt/tune/metrics.h"
#include "tinygpt/tune/task_data.h"
#include "tinygpt/tune/text_classifier.h"

namespace tinygpt::eval {

/// The step of CounterRng(seed, kDemo, step, review index) that decides which reviews a
/// label-flipping suite edits at a severity.
inline constexpr std::uint64_t kLabelFlipStep = 6004;

/// @brief A perturbation suite of eval/perturb.h, as robustness tests run it.
enum class PerturbationSuite {
  kCharNoise,  ///< char_noise: one typo per chosen word; label kept
  kSynonyms,   ///< swap_synonyms: table words replaced by synonyms; label kept
  kEntities,   ///< swap_entities: product and company names swapped; label kept
  kNegation,   ///< negate_review: "not" before the verdict's sentiment word; label flipped
  kAntonyms,   ///< antonym_review: every sentiment word reversed; label flipped
};

/// @return the five suites, in report order.
std::span<const PerturbationSuite> perturbation_suites();

/// @param suite a suite.
/// @return its name in reports and on the command line: "char_noise", "synonyms",
/// "entities", "negation" or "antonyms".
std::string_view perturbation_suite_name(PerturbationSuite suite);

/// @param name a suite's name.
/// @return the suite; Error listing the names when it is none of them.
PerturbationSuite parse_perturbation_suite(std::string_view name);

/// @param suite a suite.
/// @return whether its edit changes the label (negation, antonyms).
bool flips_label(PerturbationSuite suite);

/// @brief The names a world's reviews mention, one list per kind that may stand for each
/// other: the products' names, then the companies' ("I bought the Zorvi from Kelmar": a
/// product becomes another product, a company another company).
/// @param world the catalogue.
/// @return the two lists.
std::vector<std::vector<std::string>> world_entity_names(const data::World& world);

/// @brief What a robustness test perturbs and how it scores.
struct RobustnessOptions {
  /// The severities, each in [0, 1], in the order of the table; at least one.
  std::vector<double> severities = {0.0, 0.1, 0.25, 0.5, 1.0};
  /// The suites to run, at least one.
  std::vector<PerturbationSuite> suites = {perturbation_suites().begin(),
                                           perturbation_suites().end()};
  /// The entity suite's lists of interchangeable names (world_entity_names()); list k is
  /// swapped with seed + k. Each list has at least two names.
  std::vector<std::vector<std::string>> entity_names;
  std::uint64_t seed = 1;   ///< the perturbations' seed (perturb.h) and the bootstrap's
  int resamples = 1000;     ///< bootstrap resamples per interval
  std::int64_t batch = 32;  ///< texts per forward pass
};

/// @brief One suite's reviews at one severity: what the classifier is asked.
struct PerturbedReviews {
  /// Indices into the reviews given of the reviews scored (all of them for a
  /// label-preserving suite; those the edit applies to for a label-flipping one).
  std::vector<std::size_t> items;
  std::vector<std::string> texts;   ///< the text of each item, perturbed or not
  std::vector<std::string> labels;  ///< the label each text is scored against
  std::vector<bool> changed;        ///< whether the text differs from the review's
};

/// @brief The texts and labels of one suite at one severity (pure: no model involved).
/// @param reviews the reviews, labels named as sentiment_name() names them.
/// @param suite the suite.
/// @param severity in [0, 1].
/// @param options seed and entity names (the entity suite needs at least one list).
/// @return the items, in review order.
PerturbedReviews perturb_reviews(std::span<const tune::LabelledText> reviews,
                                 PerturbationSuite suite, double severity,
                                 const RobustnessOptions& options);

/// @brief One point of a curve: a suite at a severity.
struct SeverityPoint {
  double severity = 0.0;      ///< s
  std::int64_t examples = 0;  ///< reviews scored
  std::int64_t changed = 0;   ///< of those, the ones whose text changed
  tune::Interval accuracy;    ///< accuracy with its 95% bootstrap interval
};

/// @brief One suite's accuracy at every severity.
struct SuiteCurve {
  PerturbationSuite suite = PerturbationSuite::kCharNoise;  ///< which suite
  std::vector<SeverityPoint> points;                        ///< one per severity, in order
};

/// @brief What a robustness test measured.
struct RobustnessReport {
  std::int64_t reviews = 0;        ///< reviews given
  tune::Interval clean;            ///< accuracy on the clean reviews
  std::vector<SuiteCurve> curves;  ///< one per suite, in the options' order
  std::uint64_t seed = 1;          ///< the options' seed

  /// @return every figure: reviews, seed, clean accuracy, and per suite its points.
  nlohmann::ordered_json to_json() const;

  /// @return a Markdown table: one row per suite, one column per severity, accuracy % with
  /// its interval, and the number of reviews scored (the label-flipping suites score
  /// fewer).
  std::string markdown() const;

  /// @return an SVG line chart of accuracy (%) against severity, one line per suite that
  /// applied to some review; empty when none did.
  std::string svg() const;
};

/// @brief Checks that a report folder lies outside every input folder: an evaluation never
/// writes into a model, an adapter or a world. Error naming both folders.
/// @param out the report folder (need not exist yet).
/// @param inputs the folders read (empty paths are skipped).
void check_report_folder(const std::filesystem::path& out,
                         std::span<const std::filesystem::path> inputs);

/// @brief Scores a classifier on every suite at every severity.
/// @param classifier the classifier; its labels must include every review's label.
/// @param reviews the reviews (a world's test split, say), not empty; Error when empty.
/// @param options severities, suites, seed and names; Error naming the option when a
///        severity is outside [0, 1], or the entity suite is asked without names.
/// @return the curves.
RobustnessReport measure_robustness(tune::TextClassifier& classifier,
                                    std::span<const tune::LabelledText> reviews,
                                    const RobustnessOptions& options = {});

}  // namespace tinygpt::eval
