// The suites of `tinygpt eval run` that probe a model with made texts (evaluation_detail.h):
// perturbations and an adversarial attack on classifiers (robustness.h, attack.h), and
// counterfactual fairness probes of classifiers and language models (fairness.h).
#include <sstream>

#include "evaluation_detail.h"
#include "tinygpt/core/check.h"
#include "tinygpt/data/world.h"
#include "tinygpt/eval/attack.h"
#include "tinygpt/eval/fairness.h"
#include "tinygpt/eval/robustness.h"
#include "tinygpt/models/pretrained.h"
#include "tinygpt/tune/task_data.h"
#include "tinygpt/tune/text_classifier.h"

namespace tinygpt::eval::detail {

namespace {

// The test reviews a suite reads: the first `limit` (all when 0).
std::vector<tune::LabelledText> test_reviews(const EvaluationConfig& config, std::int64_t limit) {
  std::vector<tune::LabelledText> reviews = tune::load_reviews(config.data, tune::Split::kTest);
  TINYGPT_CHECK(!reviews.empty(), "data: ", config.data.string(), " has no test reviews");
  if (limit > 0 && static_cast<std::size_t>(limit) < reviews.size()) {
    reviews.resize(static_cast<std::size_t>(limit));
  }
  return reviews;
}

// A model's section: its name as a heading, then the suite's tables.
std::string model_section(const ModelEntry& model, const std::string& markdown) {
  return "### " + model.name + "\n\n" + markdown + "\n";
}

// An SVG of a model's suite: written as <suite>-<model>.svg and shown in its section.
void add_plot(SuiteOutput& out, std::string_view suite, const ModelEntry& model, std::string svg) {
  if (svg.empty()) return;
  const std::string name = std::string(suite) + "-" + file_slug(model.name) + ".svg";
  out.markdown += "![" + std::string(suite) + " of " + model.name + "](" + name + ")\n\n";
  out.files.emplace_back(name, std::move(svg));
}

}  // namespace

SuiteOutput robustness_suite(const EvaluationConfig& config,
                             const std::vector<const ModelEntry*>& models, std::ostream& log) {
  const std::vector<tune::LabelledText> reviews =
      test_reviews(config, config.examples_for("robustness"));
  RobustnessOptions options;
  options.entity_names = world_entity_names(data::load_world(config.data));
  options.seed = config.seed;
  SuiteOutput out;
  for (const ModelEntry* model : models) {
    tune::TextClassifier classifier(model->path, model->adapter);
    const RobustnessReport report = measure_robustness(classifier, reviews, options);
    log << "  " << model->name << ": clean accuracy " << tune::percent(report.clean) << "%\n";
    out.figures[model->name] = report.to_json();
    out.markdown += model_section(*model, report.markdown());
    add_plot(out, "robustness", *model, report.svg());
  }
  return out;
}

SuiteOutput attack_suite(const EvaluationConfig& config,
                         const std::vector<const ModelEntry*>& models, std::ostream& log) {
  const std::vector<tune::LabelledText> reviews =
      test_reviews(config, config.examples_for("attack"));
  AttackOptions options;
  options.budget = config.attack_budget;
  options.seed = config.seed;
  SuiteOutput out;
  for (const ModelEntry* model : models) {
    tune::TextClassifier classifier(model->path, model->adapter);
    const AttackReport report = attack_reviews(classifier, reviews, options);
    log << "  " << model->name << ": " << report.successes << " of " << report.attempted
        << " attacks succeed, accuracy under attack " << tune::percent(report.attacked_accuracy)
        << "%\n";
    out.figures[model->name] = report.to_json();
    out.markdown += model_section(*model, report.markdown());
  }
  return out;
}

SuiteOutput fairness_suite(const EvaluationConfig& config,
                           const std::vector<const ModelEntry*>& models, std::ostream& log) {
  FairnessOptions options;
  options.seed = config.seed;
  options.max_sets = config.examples_for("fairness");
  SuiteOutput out;
  for (const ModelEntry* model : models) {
    tune::TextClassifier classifier(model->path, model->adapter);
    const ClassifierFairness report =
        classifier_fairness(classifier, config.data, model->path.string(), options);
    log << "  " << model->name << ": " << report.slices.size() << " probe slices\n";
    out.figures[model->name] = report.to_json();
    out.markdown += model_section(*model, report.markdown());
    add_plot(out, "fairness", *model, report.svg());
  }
  return out;
}

SuiteOutput lm_fairness_suite(const EvaluationConfig& config,
                              const std::vector<const ModelEntry*>& models, std::ostream& log) {
  const data::World world = data::load_world(config.data);
  LmFairnessOptions options;
  options.seed = config.seed;
  if (const std::int64_t names = config.examples_for("lm_fairness"); names > 0) {
    // Names per group (the world's people, new ones) and sentiment sets per template.
    options.world_people = names;
    options.new_names = names;
    options.sentiment_sets = names;
  }
  SuiteOutput out;
  for (const ModelEntry* model : models) {
    models::PretrainedGpt gpt = models::load_pretrained_gpt(model->path);
    LmFairness report = language_model_fairness(gpt.model, gpt.tokenizer, world, options);
    report.model = model->path.string();
    report.world = config.data.string();
    log << "  " << model->name << ": sentiment and occupation probes\n";
    out.figures[model->name] = report.to_json();
    out.markdown += model_section(*model, report.markdown());
    add_plot(out, "lm_fairness", *model, report.svg());
  }
  return out;
}

}  // namespace tinygpt::eval::detail
