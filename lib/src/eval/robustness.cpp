// Accuracy against severity (eval/robustness.h): the perturbation suites of perturb.h run
// over a world's reviews and scored by a fine-tuned classifier.
#include "tinygpt/eval/robustness.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <unordered_map>

#include "tinygpt/core/check.h"
#include "tinygpt/core/rng.h"
#include "tinygpt/core/svg.h"
#include "tinygpt/data/generator.h"
#include "tinygpt/eval/perturb.h"

namespace tinygpt::eval {

namespace {

constexpr std::array<PerturbationSuite, 5> kSuites = {
    PerturbationSuite::kCharNoise, PerturbationSuite::kSynonyms, PerturbationSuite::kEntities,
    PerturbationSuite::kNegation, PerturbationSuite::kAntonyms};

// A label name back to the sentiment the edits of perturb.h reason about.
data::Sentiment parse_sentiment(const tune::LabelledText& review) {
  for (const data::Sentiment sentiment :
       {data::Sentiment::kNegative, data::Sentiment::kNeutral, data::Sentiment::kPositive}) {
    if (data::sentiment_name(sentiment) == review.label) return sentiment;
  }
  throw Error(review.id + ": the label \"" + review.label +
              "\" is not a sentiment (negative, neutral or positive); the negation and antonym "
              "suites need reviews.jsonl's labels");
}

void check_severity(double severity) {
  TINYGPT_CHECK(severity >= 0.0 && severity <= 1.0,
                "robustness: every severity must be in [0, 1], got ", severity);
}

// The label-preserving suites: text i perturbed as perturb.h does it for index i.
std::string preserving_edit(const std::string& text, PerturbationSuite suite, double severity,
                            const RobustnessOptions& options, std::uint64_t index) {
  switch (suite) {
    case PerturbationSuite::kCharNoise:
      return char_noise(text, {.severity = severity}, options.seed, index);
    case PerturbationSuite::kSynonyms:
      return swap_synonyms(text, severity, options.seed, index);
    case PerturbationSuite::kEntities: {
      // Names of different lists never coincide (a world's names are unique), so each pass
      // touches its own kind only.
      std::string out = text;
      for (std::size_t k = 0; k < options.entity_names.size(); ++k) {
        out = swap_entities(out, options.entity_names[k], severity, options.seed + k, index);
      }
      return out;
    }
    case PerturbationSuite::kNegation:
    case PerturbationSuite::kAntonyms:
      break;
  }
  throw Error("robustness: not a label-preserving suite");
}

// A cell of the table: "93.4 [91.0, 95.6]".
std::string accuracy_cell(const tune::Interval& accuracy) {
  return tune::percent(accuracy);
}

}  // namespace

void check_report_folder(const std::filesystem::path& out,
                         std::span<const std::filesystem::path> inputs) {
  namespace fs = std::filesystem;
  const fs::path resolved = fs::weakly_canonical(fs::absolute(out));
  for (const fs::path& input : inputs) {
    if (input.empty()) continue;
    // Inside when the path from the input to out does not climb out of it.
    const fs::path relative = resolved.lexically_relative(fs::weakly_canonical(input));
    TINYGPT_CHECK(relative.empty() || *relative.begin() == "..", "--out ", out.string(),
                  " lies inside ", input.string(),
                  "; an evaluation never writes into a model, an adapter or a world");
  }
}

std::span<const PerturbationSuite> perturbation_suites() {
  return kSuites;
}

std::string_view perturbation_suite_name(PerturbationSuite suite) {
  switch (suite) {
    case PerturbationSuite::kCharNoise:
      return "char_noise";
    case PerturbationSuite::kSynonyms:
      return "synonyms";
    case PerturbationSuite::kEntities:
      return "entities";
    case PerturbationSuite::kNegation:
      return "negation";
    case PerturbationSuite::kAntonyms:
      return "antonyms";
  }
  return "unknown";
}

PerturbationSuite parse_perturbation_suite(std::string_view name) {
  std::string known;
  for (const PerturbationSuite suite : kSuites) {
    if (perturbation_suite_name(suite) == name) return suite;
    known += (known.empty() ? "" : ", ") + std::string(perturbation_suite_name(suite));
  }
  throw Error("unknown perturbation suite \"" + std::string(name) + "\" (known: " + known + ")");
}

bool flips_label(PerturbationSuite suite) {
  return suite == PerturbationSuite::kNegation || suite == PerturbationSuite::kAntonyms;
}

std::vector<std::vector<std::string>> world_entity_names(const data::World& world) {
  std::vector<std::vector<std::string>> names(2);
  for (const data::Product& product : world.products) names[0].push_back(product.name);
  for (const data::Company& company : world.companies) names[1].push_back(company.name);
  return names;
}

PerturbedReviews perturb_reviews(std::span<const tune::LabelledText> reviews,
                                 PerturbationSuite suite, double severity,
                                 const RobustnessOptions& options) {
  check_severity(severity);
  TINYGPT_CHECK(suite != PerturbationSuite::kEntities || !options.entity_names.empty(),
                "robustness: the entities suite needs the names to swap (entity_names, from "
                "world_entity_names())");
  PerturbedReviews out;
  for (std::size_t i = 0; i < reviews.size(); ++i) {
    const tune::LabelledText& review = reviews[i];
    if (!flips_label(suite)) {
      out.items.push_back(i);
      out.texts.push_back(preserving_edit(review.text, suite, severity, options, i));
      out.labels.push_back(review.label);
      out.changed.push_back(out.texts.back() != review.text);
      continue;
    }
    const data::Sentiment label = parse_sentiment(review);
    const std::optional<LabelledText> edited = suite == PerturbationSuite::kNegation
                                                   ? negate_review(review.text, label)
                                                   : antonym_review(review.text, label);
    if (!edited) continue;
    // The draw is made whatever the severity, so the edited sets are nested.
    CounterRng rng(options.seed, RngStream::kDemo, kLabelFlipStep, i);
    const bool edit = static_cast<double>(rng.uniform()) < severity;
    out.items.push_back(i);
    out.texts.push_back(edit ? edited->text : review.text);
    out.labels.emplace_back(edit ? data::sentiment_name(edited->label) : review.label);
    out.changed.push_back(edit);
  }
  return out;
}

RobustnessReport measure_robustness(tune::TextClassifier& classifier,
                                    std::span<const tune::LabelledText> reviews,
                                    const RobustnessOptions& options) {
  TINYGPT_CHECK(!reviews.empty(), "robustness: no reviews to score");
  TINYGPT_CHECK(!options.severities.empty(), "robustness: no severities");
  TINYGPT_CHECK(!options.suites.empty(), "robustness: no suites");
  for (const double severity : options.severities) check_severity(severity);

  // Every (suite, severity) first, then each distinct text classified once: most texts
  // repeat (severity 0, and reviews a low severity leaves alone).
  std::vector<std::vector<PerturbedReviews>> sets;
  std::unordered_map<std::string, std::int32_t> prediction;
  std::vector<std::string> distinct;
  for (const tune::LabelledText& review : reviews) {
    if (prediction.emplace(review.text, -1).second) distinct.push_back(review.text);
  }
  for (const PerturbationSuite suite : options.suites) {
    sets.emplace_back();
    for (const double severity : options.severities) {
      sets.back().push_back(perturb_reviews(reviews, suite, severity, options));
      for (const std::string& text : sets.back().back().texts) {
        if (prediction.emplace(text, -1).second) distinct.push_back(text);
      }
    }
  }
  const Matrix probabilities = classifier.probabilities(distinct, options.batch);
  for (std::size_t t = 0; t < distinct.size(); ++t) {
    Eigen::Index best = 0;
    probabilities.row(static_cast<Eigen::Index>(t)).maxCoeff(&best);
    prediction[distinct[t]] = static_cast<std::int32_t>(best);
  }
  const auto accuracy_of = [&](std::span<const std::string> texts,
                               std::span<const std::string> labels) {
    std::vector<double> scores;
    for (std::size_t i = 0; i < texts.size(); ++i) {
      scores.push_back(prediction.at(texts[i]) == classifier.label_index(labels[i]) ? 1.0 : 0.0);
    }
    // A suite that applies to no review (negation on a test set without plain verdicts)
    // has no accuracy: NaN, shown as "—".
    if (scores.empty()) return tune::Interval{NAN, NAN, NAN};
    return tune::bootstrap_mean(scores, options.resamples, options.seed);
  };

  RobustnessReport report;
  report.reviews = static_cast<std::int64_t>(reviews.size());
  report.seed = options.seed;
  std::vector<std::string> texts, labels;
  for (const tune::LabelledText& review : reviews) {
    texts.push_back(review.text);
    labels.push_back(review.label);
  }
  report.clean = accuracy_of(texts, labels);
  for (std::size_t s = 0; s < options.suites.size(); ++s) {
    SuiteCurve curve{.suite = options.suites[s]};
    for (std::size_t v = 0; v < options.severities.size(); ++v) {
      const PerturbedReviews& set = sets[s][v];
      curve.points.push_back({.severity = options.severities[v],
                              .examples = static_cast<std::int64_t>(set.items.size()),
                              .changed = std::count(set.changed.begin(), set.changed.end(), true),
                              .accuracy = accuracy_of(set.texts, set.labels)});
    }
    report.curves.push_back(std::move(curve));
  }
  return report;
}

nlohmann::ordered_json RobustnessReport::to_json() const {
  // NaN is not JSON: a suite without reviews writes null.
  const auto number = [](double x) {
    return std::isnan(x) ? nlohmann::ordered_json() : nlohmann::ordered_json(x);
  };
  nlohmann::ordered_json out;
  out["reviews"] = reviews;
  out["seed"] = seed;
  out["clean"] = {{"accuracy", clean.value}, {"low", clean.low}, {"high", clean.high}};
  out["suites"] = nlohmann::ordered_json::object();
  for (const SuiteCurve& curve : curves) {
    nlohmann::ordered_json points = nlohmann::ordered_json::array();
    for (const SeverityPoint& point : curve.points) {
      points.push_back(nlohmann::ordered_json{{"severity", point.severity},
                                              {"examples", point.examples},
                                              {"changed", point.changed},
                                              {"accuracy", number(point.accuracy.value)},
                                              {"low", number(point.accuracy.low)},
                                              {"high", number(point.accuracy.high)}});
    }
    out["suites"][std::string(perturbation_suite_name(curve.suite))] = {
        {"flips_label", flips_label(curve.suite)}, {"points", std::move(points)}};
  }
  return out;
}

std::string RobustnessReport::markdown() const {
  std::ostringstream table;
  table << "| suite | label | reviews |";
  const std::vector<SeverityPoint>& first =
      curves.empty() ? std::vector<SeverityPoint>{} : curves.front().points;
  for (const SeverityPoint& point : first) {
    char heading[32];
    std::snprintf(heading, sizeof heading, " s = %g |", point.severity);
    table << heading;
  }
  table << "\n|---|---|---:|";
  for (std::size_t v = 0; v < first.size(); ++v) table << "---:|";
  table << "\n";
  for (const SuiteCurve& curve : curves) {
    const std::int64_t examples = curve.points.empty() ? 0 : curve.points.front().examples;
    table << "| " << perturbation_suite_name(curve.suite) << " | "
          << (flips_label(curve.suite) ? "flipped" : "kept") << " | " << examples << " |";
    for (const SeverityPoint& point : curve.points) {
      table << " " << (std::isnan(point.accuracy.value) ? "—" : accuracy_cell(point.accuracy))
            << " |";
    }
    table << "\n";
  }
  return table.str();
}

std::string RobustnessReport::svg() const {
  std::vector<svg::Series> series;
  for (const SuiteCurve& curve : curves) {
    svg::Series line{.name = std::string(perturbation_suite_name(curve.suite))};
    for (const SeverityPoint& point : curve.points) {
      if (!std::isnan(point.accuracy.value)) {
        line.points.push_back({point.severity, 100.0 * point.accuracy.value});
      }
    }
    if (!line.points.empty()) series.push_back(std::move(line));
  }
  if (series.empty()) return "";  // no suite applied to any review
  return svg::line_chart(series,
                         {.title = "Accuracy under perturbation (" + std::to_string(reviews) +
                                   " reviews, seed " + std::to_string(seed) + ")",
                          .x_label = "severity",
                          .y_label = "accuracy %"});
}

}  // namespace tinygpt::eval
