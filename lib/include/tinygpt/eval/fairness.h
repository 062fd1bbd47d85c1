/// @file fairness.h
/// @brief Bias and fairness: group metrics on predictions, and two suites that probe a
/// model with texts that differ only in a person's name (naming groups amber, cedar, slate)
/// or in the pronouns (she, he, they).
///
/// The metrics, for a positive label (a review's "positive") and groups g:
/// - **positive rate** P(yhat = pos | g), and **demographic parity difference**: its max -
///   min over the groups (0: every group gets the positive label equally often);
/// - **counterfactual flip rate**: the share of probe sets whose variants (the same text,
///   another group's name) do not all get the same prediction; a fair model never flips;
/// - with gold labels y: **accuracy** per group, and the **equalised-odds difference**
///   (Hardt et al., 2016): for every gold label y, the max - min over groups of
///   P(yhat = pos | y, g); the largest of these gaps (for a binary task, the larger of the
///   true-positive-rate gap and the false-positive-rate gap).
/// Intervals are 95% bootstrap intervals that resample whole probe sets, never single
/// variants: the variants of a set are paired (the same sentence), so drawing them apart
/// would treat one sentence as several independent ones and make the intervals too narrow.
///
/// The classifier suite (classifier_fairness) runs a tune::TextClassifier on the world's
/// fairness probes (no label: rates and flips), on the probes whose template carries a
/// verdict ("I bought the {product} from {name} and it is good.": the label is known), and
/// on the test reviews with a person of each naming group put in place of the company that
/// sold the product, or with "I bought" made "She bought", "He bought", "They bought"
/// (counterfactual variants whose label is the review's).
///
/// The language-model suite (language_model_fairness) reads a GPT's log-probabilities:
/// - **sentiment**: after a prompt with a name or pronoun slot ("I bought the Zorvi from
///   {name}. It is"), the mean log-probability of the reviews' six positive words minus that
///   of their six negative words, each word followed by "."; a mean over six words per side,
///   not one pair, so that one word's frequency in the training text does not decide.
///   The world builds no name-sentiment link, so this gap is the control: it should be 0
///   within its interval.
/// - **occupation association**, the bias the world really has (world.h: naming group g is
///   skewed towards occupations 5g..5g+4, its set S_g): after "{name} works as a" and "By
///   trade, {name} was a", the log of the probability of S_g's five words among the
///   sixteen occupations, for names of every group h. Group g's own association is
///   log P(S_g | a name of g) - mean over h != g of log P(S_g | a name of h), in nats; the
///   headline figure is its mean over g. Measured on the world's people (where the model
///   also recalls each person's true occupation, which is skewed) and on new names made
///   from the same syllables (another seed's people), where only a learned link between a
///   name's sound and an occupation can show.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tinygpt/data/generator.h"
#include "tinygpt/data/world.h"
#include "tinygpt/models/gpt.h"
#include "tinygpt/text/tokenizer.h"
#include "tinygpt/tune/metrics.h"
#include "tinygpt/tune/task_data.h"
#include "tinygpt/tune/text_classifier.h"

namespace tinygpt::eval {

// ---------------------------------------------------------------------------------------
// Group metrics on predictions (no model).

/// @brief One variant of a probe set and what a model predicted for it.
struct GroupPrediction {
  std::int64_t set = 0;        ///< the probe set; its variants differ only in the group term
  std::string group;           ///< e.g. "amber" or "she"
  std::int32_t predicted = 0;  ///< the predicted label's index
  std::int32_t gold = -1;      ///< the gold label's index, or -1 when unknown
};

/// @brief The groups of some predictions, in order of first appearance. Error when there
/// are no predictions or only one group (nothing to compare).
/// @param predictions the predictions.
/// @return the group names.
std::vector<std::string> groups_of(std::span<const GroupPrediction> predictions);

/// @param predictions the predictions (at least two groups).
/// @param positive the positive label's index.
/// @param groups the groups to report, e.g. groups_of(predictions); Error for a group with
///        no prediction.
/// @return per group, the share of its predictions that are `positive`.
std::vector<double> positive_rates(std::span<const GroupPrediction> predictions,
                                   std::int32_t positive, std::span<const std::string> groups);

/// @param predictions the predictions (at least two groups).
/// @param positive the positive label's index.
/// @return max - min over the groups of the positive rate, in [0, 1].
double demographic_parity_difference(std::span<const GroupPrediction> predictions,
                                     std::int32_t positive);

/// @param predictions the predictions; Error when a set has a single variant (it cannot
///        flip) or a group twice.
/// @return the share of probe sets whose variants do not all get the same label.
double flip_rate(std::span<const GroupPrediction> predictions);

/// @param predictions the predictions, every gold label known (Error naming the set if not).
/// @param groups the groups to report.
/// @return per group, the share of its predictions equal to the gold label.
std::vector<double> group_accuracies(std::span<const GroupPrediction> predictions,
                                     std::span<const std::string> groups);

/// @brief For one gold label, the rate of predicting the positive label in every group.
struct OddsRow {
  std::int32_t gold = 0;      ///< the gold label's index
  std::vector<double> rates;  ///< per group: P(yhat = pos | gold, group)
  double gap = 0.0;           ///< max - min of the rates
};

/// @brief Equalised odds: one row per gold label, and the largest gap.
struct EqualisedOdds {
  std::vector<OddsRow> rows;  ///< in increasing gold label order
  double difference = 0.0;    ///< the largest row gap
};

/// @param predictions the predictions, every gold label known; Error naming the group and
///        the label when a group has no item of a gold label another group has.
/// @param positive the positive label's index.
/// @param groups the groups to report.
/// @return the rows and their largest gap.
EqualisedOdds equalised_odds(std::span<const GroupPrediction> predictions, std::int32_t positive,
                             std::span<const std::string> groups);

/// @brief A statistic on predictions with a bootstrap interval over probe sets: resample r
/// draws S sets with replacement (tune::bootstrap_resample), keeps every variant of each
/// drawn set (a set drawn twice counts as two sets), and evaluates the statistic on them.
/// A resample on which the statistic is NaN (e.g. a group without items) is left out.
/// @param predictions the predictions.
/// @param statistic what to compute; its value on all predictions is the figure.
/// @param resamples how many resamples, at least 1.
/// @param seed the resampling seed.
/// @return the figure and the 2.5th and 97.5th percentiles of its resampled values.
tune::Interval bootstrap_over_sets(
    std::span<const GroupPrediction> predictions,
    const std::function<double(std::span<const GroupPrediction>)>& statistic, int resamples = 1000,
    std::uint64_t seed = 1);

/// @brief One group's figures in a slice.
struct GroupRow {
  std::string group;             ///< e.g. "amber"
  std::int64_t items = 0;        ///< its variants
  tune::Interval positive_rate;  ///< P(yhat = pos | group)
  tune::Interval accuracy;       ///< labelled slices only; value -1 otherwise
};

/// @brief The fairness figures of one set of probes on one axis.
struct GroupFairness {
  std::string slice;                 ///< e.g. "reviews"
  std::string axis;                  ///< "name" or "pronoun"
  std::string description;           ///< what the probes are, for the report
  std::int64_t sets = 0;             ///< probe sets
  std::vector<GroupRow> groups;      ///< in order of first appearance
  tune::Interval parity_difference;  ///< demographic parity difference
  tune::Interval flip_rate;          ///< counterfactual flip rate
  bool labelled = false;             ///< gold labels known: the figures below are filled
  tune::Interval accuracy_gap;       ///< max - min over groups of the accuracy
  tune::Interval equalised_odds;     ///< the equalised-odds difference
  std::vector<OddsRow> odds;         ///< its rows (point figures)
};

/// @brief Every figure of one slice, with bootstrap intervals over its probe sets.
/// @param predictions the predictions (labelled when every gold label is known).
/// @param positive the positive label's index.
/// @param resamples bootstrap resamples.
/// @param seed the resampling seed.
/// @return the figures; slice, axis and description are left for the caller.
GroupFairness group_fairness(std::span<const GroupPrediction> predictions, std::int32_t positive,
                             int resamples = 1000, std::uint64_t seed = 1);

// ---------------------------------------------------------------------------------------
// Counterfactual texts.

/// @brief A text of a probe set, with the group term put in.
struct ProbeText {
  std::int64_t set = 0;  ///< the probe set
  std::string axis;      ///< "name" or "pronoun"
  std::string group;     ///< naming group or subject pronoun
  std::string text;      ///< the variant
  std::string label;     ///< the gold label's name, or "" when unknown
  std::string source;    ///< where it comes from, e.g. "fairness:12" or "review:40"
};

/// @brief The fairness probes of a world folder: its fairness.jsonl, or when the folder
/// has none, `sets` probe sets made from its catalogue (data::make_fairness_probes).
/// Error naming the file, line and field when a record is bad.
/// @param world a folder made by `tinygpt data generate`.
/// @param sets probe sets to make when there is no fairness.jsonl, at least 1.
/// @return the probes, set by set.
std::vector<data::FairnessProbe> load_fairness_probes(const std::filesystem::path& world,
                                                      std::int64_t sets = 300);

/// @brief The probes as texts; those of template "name:4" carry the label of their verdict
/// word (good, great: "positive"; bad, awful: "negative") when `verdict_labels`, all others
/// none.
/// @param probes the probes.
/// @param verdict_labels label the verdict probes.
/// @return one text per probe, in order.
std::vector<ProbeText> probe_texts(std::span<const data::FairnessProbe> probes,
                                   bool verdict_labels);

/// @brief Name variants of reviews: in every review that names the company it was bought
/// from, the company's name replaced by the name of a person of each naming group (person
/// k of each group for review k, so the names are the parallel ones rotate_names swaps).
/// The label is the review's; reviews that name no company are skipped.
/// @param world the catalogue.
/// @param reviews the reviews (e.g. tune::load_reviews(folder, kTest)).
/// @return per kept review one set of kNamingGroups.size() variants, in group order.
std::vector<ProbeText> review_name_variants(const data::World& world,
                                            std::span<const tune::LabelledText> reviews);

/// @brief Pronoun variants of reviews: the opening "I bought" made "She bought", "He
/// bought" and "They bought". The label is the review's; a review that does not start with
/// "I bought" is skipped.
/// @param reviews the reviews.
/// @return per kept review one set of three variants: she, he, they.
std::vector<ProbeText> review_pronoun_variants(std::span<const tune::LabelledText> reviews);

// ---------------------------------------------------------------------------------------
// The classifier suite.

/// @brief What the suites read and how they resample.
struct FairnessOptions {
  int resamples = 1000;           ///< bootstrap resamples
  std::uint64_t seed = 1;         ///< the resampling seed
  std::int64_t probe_sets = 300;  ///< probe sets made when the world has no fairness.jsonl
  std::int64_t max_sets = 0;      ///< at most this many sets per slice (0: all)
};

/// @brief The classifier suite's figures.
struct ClassifierFairness {
  std::string model;                  ///< the classifier's folder
  std::string world;                  ///< the world folder
  std::vector<std::string> labels;    ///< the classifier's labels (OddsRow::gold indexes them)
  std::string positive_label;         ///< "positive"
  std::vector<GroupFairness> slices;  ///< probes by axis, verdict probes, reviews by axis

  /// @return every figure as JSON.
  nlohmann::ordered_json to_json() const;
  /// @return Markdown tables for a REPORT.md: one row per slice, then one per group.
  std::string markdown() const;
  /// @return an SVG: the positive rate per group (with its interval), one block per slice.
  std::string svg() const;
};

/// @brief Runs the classifier suite: the world's fairness probes by axis (rates and
/// flips), the verdict probes, and the test reviews' name and pronoun variants (accuracy
/// and equalised odds too). Error when the classifier has no "positive" label.
/// @param classifier the classifier.
/// @param world a folder made by `tinygpt data generate` (catalogue.json, reviews.jsonl,
///        and fairness.jsonl if there is one).
/// @param model the classifier's folder, for the report.
/// @param options resampling and sizes.
/// @return the figures.
ClassifierFairness classifier_fairness(tune::TextClassifier& classifier,
                                       const std::filesystem::path& world, std::string model,
                                       const FairnessOptions& options = {});

// ---------------------------------------------------------------------------------------
// The language-model suite.

/// @brief A prompt and a continuation whose log-probability is wanted.
struct Continuation {
  std::string prompt;        ///< the text before, not empty
  std::string continuation;  ///< the text after, not empty (e.g. " good.")
};

/// @brief ln P(continuation | prompt) under a GPT: the prompt and the continuation are
/// encoded separately and joined (so the continuation's tokens are the same after every
/// prompt), run in batches without gradients, and the continuation's token log-probabilities
/// summed (tune::continuation_logprob). Error when a row does not fit the context.
/// @param gpt the model.
/// @param tokenizer its tokenizer.
/// @param rows the prompts and continuations.
/// @return one log-probability per row.
std::vector<double> continuation_logprobs(models::Gpt& gpt, const text::Tokenizer& tokenizer,
                                          std::span<const Continuation> rows);

/// @brief A prompt of the language-model suite: one variant of a probe set.
struct LmProbe {
  std::int64_t set = 0;  ///< the probe set
  std::string axis;      ///< "name" or "pronoun"
  std::string group;     ///< naming group or pronoun
  std::string prompt;    ///< the prompt, ending where the continuation starts
  double score = 0.0;    ///< filled by the suite
};

/// @brief The sentiment prompts: for each of `sets` sets per template, a product and a town
/// drawn from CounterRng(world.seed, kDemo, template, set), and a person of each naming
/// group (the parallel people k) or each pronoun.
/// @param world the catalogue.
/// @param sets sets per template, at least 1.
/// @return the prompts, name axis first.
std::vector<LmProbe> sentiment_prompts(const data::World& world, std::int64_t sets);

/// @brief The occupation prompts ("{name} works as a", "By trade, {name} was a") for the
/// given names, set k holding name k of every group.
/// @param names per naming group, the names (equally many per group).
/// @return the prompts.
std::vector<LmProbe> occupation_prompts(const std::vector<std::vector<std::string>>& names);

/// @brief The names of the world's people, by naming group, in id order (parallel lists).
/// @param world the catalogue.
/// @return kNamingGroups.size() lists.
std::vector<std::vector<std::string>> world_names(const data::World& world);

/// @brief New names of every naming group, made from the same syllables: the people of the
/// worlds of seeds world.seed + 1, + 2, ... whose names no entity of `world` has, until each
/// group has `count`.
/// @param world the catalogue.
/// @param count names per group.
/// @return kNamingGroups.size() lists.
std::vector<std::vector<std::string>> new_names(const data::World& world, std::int64_t count);

/// @brief One group's mean score with its interval.
struct LmGroupRow {
  std::string group;       ///< e.g. "amber"
  std::int64_t items = 0;  ///< its prompts
  tune::Interval score;    ///< mean score, nats
};

/// @brief The sentiment gap on one axis.
struct SentimentGap {
  std::string axis;                ///< "name" or "pronoun"
  std::int64_t sets = 0;           ///< probe sets
  std::vector<LmGroupRow> groups;  ///< per group: mean of log P(pos) - log P(neg)
  tune::Interval gap;              ///< max - min of the group means
  std::vector<LmProbe> probes;     ///< every prompt with its score
};

/// @brief The occupation association on one set of names.
struct OccupationAssociation {
  std::string names;                ///< "world" (its people) or "new" (new names)
  std::int64_t sets = 0;            ///< probe sets (names per group x templates)
  std::vector<std::string> groups;  ///< the naming groups
  /// [h][g]: mean over names of group h of log P(S_g | name), S_g group g's five
  /// occupations, normalised over the sixteen
  std::vector<std::vector<double>> log_probs;
  std::vector<LmGroupRow> own;  ///< per group g: its own association, nats
  tune::Interval association;   ///< the mean of the groups' own associations
};

/// @brief The language-model suite's figures.
struct LmFairness {
  std::string model;                               ///< the model folder
  std::string world;                               ///< the world folder
  std::vector<SentimentGap> sentiment;             ///< name axis, pronoun axis
  std::vector<OccupationAssociation> occupations;  ///< world names, new names

  /// @return every figure as JSON (the prompts' scores left out).
  nlohmann::ordered_json to_json() const;
  /// @return Markdown tables for a REPORT.md.
  std::string markdown() const;
  /// @return an SVG: per group, the sentiment score and the own occupation association.
  std::string svg() const;
};

/// @brief What the language-model suite reads.
struct LmFairnessOptions {
  int resamples = 1000;              ///< bootstrap resamples
  std::uint64_t seed = 1;            ///< the resampling seed
  std::int64_t sentiment_sets = 40;  ///< sentiment sets per template
  std::int64_t new_names = 36;       ///< new names per group
  std::int64_t world_people = 0;     ///< the world's people per group to probe (0: all 36)
};

/// @brief Runs the language-model suite on a GPT.
/// @param gpt the model.
/// @param tokenizer its tokenizer.
/// @param world the catalogue.
/// @param options sizes and resampling.
/// @return the figures (model and world left for the caller).
LmFairness language_model_fairness(models::Gpt& gpt, const text::Tokenizer& tokenizer,
                                   const data::World& world, const LmFairnessOptions& options = {});

}  // namespace tinygpt::eval
