// Accuracy against severity (eval/robustness.h): severity 0 is the clean accuracy, a suite's
// figures are the classifier's predictions on perturb.h's texts, the label-flipping suites
// score their new labels on nested sets of edited reviews, and bad input is refused.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "robustness_fixture.hpp"
#include "test_support.hpp"
#include "tinygpt/core/rng.h"
#include "tinygpt/data/world.h"
#include "tinygpt/eval/perturb.h"
#include "tinygpt/eval/robustness.h"
#include "tinygpt/tune/metrics.h"

using namespace tinygpt;
using namespace tinygpt::eval;
using tinygpt::testing::contains;

namespace {

// The default options with the names of the fixture's world (a TrainedClassifier or a
// ReviewWorld).
template <typename Fixture>
RobustnessOptions options_for(const Fixture& fixture) {
  RobustnessOptions options;
  options.entity_names = world_entity_names(data::load_world(fixture.world()));
  options.resamples = 200;
  return options;
}

// The share of texts the classifier labels as `labels` say, each text scored alone.
double accuracy_alone(tune::TextClassifier& classifier, const std::vector<std::string>& texts,
                      const std::vector<std::string>& labels) {
  double correct = 0;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    const std::int32_t predicted = classifier.predict(std::span(&texts[i], 1))[0];
    correct += predicted == classifier.label_index(labels[i]) ? 1 : 0;
  }
  return correct / static_cast<double>(texts.size());
}

}  // namespace

TEST_CASE("robustness: severity 0 gives the clean accuracy and nothing changes", "[step06][eval]") {
  testing::TrainedClassifier& trained = testing::trained_classifier();
  tune::TextClassifier classifier(trained.model);
  RobustnessOptions options = options_for(trained);
  options.severities = {0.0, 1.0};
  const RobustnessReport report = measure_robustness(classifier, trained.test, options);
  REQUIRE(report.curves.size() == perturbation_suites().size());
  CHECK(report.reviews == static_cast<std::int64_t>(trained.test.size()));
  for (const SuiteCurve& curve : report.curves) {
    INFO(perturbation_suite_name(curve.suite));
    REQUIRE(curve.points.size() == 2);
    CHECK(curve.points[0].changed == 0);
    CHECK(curve.points[1].changed > 0);
    if (flips_label(curve.suite)) {
      // Scored on the reviews the edit applies to: at severity 1 every one is edited.
      CHECK(curve.points[0].examples < report.reviews);
      CHECK(curve.points[1].changed == curve.points[1].examples);
    } else {
      CHECK(curve.points[0].examples == report.reviews);
      CHECK(curve.points[0].accuracy.value == report.clean.value);
    }
  }
}

TEST_CASE("robustness: a suite's figures are the classifier's predictions on perturb.h's texts",
          "[step06][eval]") {
  testing::TrainedClassifier& trained = testing::trained_classifier();
  tune::TextClassifier classifier(trained.model);
  RobustnessOptions options = options_for(trained);
  options.severities = {0.5};
  options.suites = {PerturbationSuite::kCharNoise, PerturbationSuite::kNegation};
  const RobustnessReport report = measure_robustness(classifier, trained.test, options);

  // Character noise by hand: char_noise_suite's texts, each classified alone.
  std::vector<std::string> texts, labels;
  for (const tune::LabelledText& review : trained.test) {
    texts.push_back(review.text);
    labels.push_back(review.label);
  }
  const std::vector<std::string> noisy = char_noise_suite(texts, {.severity = 0.5}, options.seed);
  CHECK(report.curves[0].points[0].accuracy.value == accuracy_alone(classifier, noisy, labels));
  CHECK(report.clean.value == accuracy_alone(classifier, texts, labels));

  // Negation by hand: the reviews negate_review applies to, edited when their draw is below
  // the severity, scored against the flipped label.
  std::vector<std::string> negated, negated_labels;
  for (std::size_t i = 0; i < trained.test.size(); ++i) {
    const tune::LabelledText& review = trained.test[i];
    data::Sentiment label = data::Sentiment::kNeutral;
    for (const data::Sentiment s :
         {data::Sentiment::kNegative, data::Sentiment::kNeutral, data::Sentiment::kPositive}) {
      if (data::sentiment_name(s) == review.label) label = s;
    }
    const std::optional<LabelledText> edited = negate_review(review.text, label);
    if (!edited) continue;
    const bool edit =
        CounterRng(options.seed, RngStream::kDemo, kLabelFlipStep, i).uniform() < 0.5f;
    negated.push_back(edit ? edited->text : review.text);
    negated_labels.emplace_back(edit ? data::sentiment_name(edited->label) : review.label);
  }
  REQUIRE(!negated.empty());
  CHECK(report.curves[1].points[0].examples == static_cast<std::int64_t>(negated.size()));
  CHECK(report.curves[1].points[0].accuracy.value ==
        accuracy_alone(classifier, negated, negated_labels));
}

TEST_CASE("robustness: label-flipping suites edit nested sets and score the new labels",
          "[step06][eval]") {
  const testing::ReviewWorld generated;
  const RobustnessOptions options = options_for(generated);
  for (const PerturbationSuite suite :
       {PerturbationSuite::kNegation, PerturbationSuite::kAntonyms}) {
    INFO(perturbation_suite_name(suite));
    const PerturbedReviews low = perturb_reviews(generated.train, suite, 0.25, options);
    const PerturbedReviews high = perturb_reviews(generated.train, suite, 0.75, options);
    REQUIRE(low.items == high.items);
    std::size_t edited_low = 0, edited_high = 0;
    for (std::size_t k = 0; k < low.items.size(); ++k) {
      const tune::LabelledText& review = generated.train[low.items[k]];
      if (low.changed[k]) CHECK(high.changed[k]);  // nested
      edited_low += low.changed[k] ? 1 : 0;
      edited_high += high.changed[k] ? 1 : 0;
      if (!high.changed[k]) {
        CHECK(high.labels[k] == review.label);
        continue;
      }
      // Positive and negative swap, neutral stays.
      if (review.label == "neutral") CHECK(high.labels[k] == "neutral");
      if (review.label != "neutral") CHECK(high.labels[k] != review.label);
      if (suite == PerturbationSuite::kNegation) CHECK_THAT(high.texts[k], contains("not "));
    }
    CHECK(edited_low < edited_high);
    CHECK(std::abs(static_cast<double>(edited_high) / static_cast<double>(low.items.size()) -
                   0.75) < 0.15);
  }
}

TEST_CASE("robustness: entity swaps keep products and companies apart", "[step06][eval]") {
  const testing::ReviewWorld generated;
  const RobustnessOptions options = options_for(generated);
  const PerturbedReviews swapped =
      perturb_reviews(generated.test, PerturbationSuite::kEntities, 1.0, options);
  const data::World world = data::load_world(generated.world());
  for (std::size_t k = 0; k < swapped.items.size(); ++k) {
    const tune::LabelledText& review = generated.test[swapped.items[k]];
    INFO(review.text << " -> " << swapped.texts[k]);
    CHECK(swapped.changed[k]);  // every review names its product
    // "I bought the X": X is still a product.
    const std::string prefix = "I bought the ";
    REQUIRE(swapped.texts[k].starts_with(prefix));
    const std::string rest = swapped.texts[k].substr(prefix.size());
    const bool product =
        std::any_of(world.products.begin(), world.products.end(),
                    [&rest](const data::Product& p) { return rest.starts_with(p.name); });
    CHECK(product);
    CHECK(swapped.labels[k] == review.label);
  }
}

TEST_CASE("robustness: the report as JSON, Markdown and SVG", "[step06][eval]") {
  testing::TrainedClassifier& trained = testing::trained_classifier();
  tune::TextClassifier classifier(trained.model);
  RobustnessOptions options = options_for(trained);
  options.severities = {0.0, 0.5};
  const RobustnessReport report = measure_robustness(classifier, trained.test, options);
  const nlohmann::ordered_json json = report.to_json();
  CHECK(json["reviews"] == trained.test.size());
  CHECK(json["suites"]["negation"]["flips_label"] == true);
  CHECK(json["suites"]["char_noise"]["points"].size() == 2);
  CHECK(json["suites"]["char_noise"]["points"][0]["accuracy"] == report.clean.value);
  const std::string markdown = report.markdown();
  CHECK_THAT(markdown, contains("| suite | label | reviews | s = 0 | s = 0.5 |"));
  CHECK_THAT(markdown, contains("| antonyms | flipped |"));
  const std::string svg = report.svg();
  CHECK_THAT(svg, contains("<svg"));
  CHECK_THAT(svg, contains("synonyms"));
}

TEST_CASE("robustness: a suite that applies to no review has no accuracy and no line",
          "[step06][eval]") {
  testing::TrainedClassifier& trained = testing::trained_classifier();
  tune::TextClassifier classifier(trained.model);
  // Neutral reviews have no verdict "is" + sentiment word: negation never applies.
  std::vector<tune::LabelledText> neutral;
  for (const tune::LabelledText& review : trained.train) {
    if (review.group == "neutral") neutral.push_back(review);
  }
  REQUIRE(!neutral.empty());
  RobustnessOptions options = options_for(trained);
  options.suites = {PerturbationSuite::kNegation};
  const RobustnessReport report = measure_robustness(classifier, neutral, options);
  CHECK(report.curves[0].points[0].examples == 0);
  CHECK(std::isnan(report.curves[0].points[0].accuracy.value));
  CHECK(report.to_json()["suites"]["negation"]["points"][0]["accuracy"].is_null());
  CHECK_THAT(report.markdown(), contains("| negation | flipped | 0 | — |"));
  CHECK(report.svg().empty());
}

TEST_CASE("robustness: bad input is refused with a clear error", "[step06][eval]") {
  testing::TrainedClassifier& trained = testing::trained_classifier();
  tune::TextClassifier classifier(trained.model);
  RobustnessOptions options = options_for(trained);
  CHECK_THROWS_WITH(measure_robustness(classifier, {}, options), contains("no reviews"));
  options.severities = {0.0, 1.5};
  CHECK_THROWS_WITH(measure_robustness(classifier, trained.test, options),
                    contains("every severity must be in [0, 1], got 1.5"));
  options.severities = {0.5};
  options.entity_names.clear();
  CHECK_THROWS_WITH(measure_robustness(classifier, trained.test, options),
                    contains("the entities suite needs the names"));
  CHECK_THROWS_WITH(parse_perturbation_suite("typos"),
                    contains("unknown perturbation suite \"typos\" (known: char_noise"));
  const std::filesystem::path inputs[] = {trained.model};
  CHECK_THROWS_WITH(check_report_folder(trained.model / "report", inputs),
                    contains("never writes into a model"));
  CHECK_NOTHROW(check_report_folder(trained.setup.dir.path() / "report", inputs));
}
