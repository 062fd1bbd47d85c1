// Adversarial training against its control (eval/attack_training.h): the training reviews'
// adversarial examples written into a copy of the world, two continued fine-tunings, and
// every model attacked afresh on the same test reviews.
#include "tinygpt/eval/attack_training.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <sstream>

#include "tinygpt/core/check.h"
#include "tinygpt/core/files.h"
#include "tinygpt/eval/robustness.h"
#include "tinygpt/models/pretrained.h"
#include "tinygpt/tune/finetune.h"
#include "tinygpt/tune/task_data.h"

namespace tinygpt::eval {

namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

// The first `limit` items (all when limit is 0).
std::vector<tune::LabelledText> first(std::vector<tune::LabelledText> items, std::int64_t limit) {
  if (limit > 0 && static_cast<std::size_t>(limit) < items.size()) {
    items.resize(static_cast<std::size_t>(limit));
  }
  return items;
}

// The copy of the world with the adversarial examples added to reviews.jsonl as training
// records; every other file byte for byte. Returns the records added.
std::vector<ordered_json> write_augmented_world(const fs::path& world, const fs::path& copy,
                                                const std::vector<const AttackedText*>& examples) {
  tune::copy_world_except(world, copy, {"reviews.jsonl"});
  const std::string reviews = read_file(world / "reviews.jsonl");
  std::map<std::string, ordered_json> by_id;
  for (ordered_json& record : tune::review_records(world)) {
    by_id.emplace(record["id"].get<std::string>(), std::move(record));
  }
  std::string out = reviews;
  if (!out.empty() && out.back() != '\n') out += '\n';
  std::vector<ordered_json> added;
  std::int64_t k = 0;
  for (const AttackedText* example : examples) {
    ordered_json record = by_id.at(example->id);
    record["id"] = tune::next_training_id("adversarial", k);
    record["text"] = example->attacked;
    record["adversarial_of"] = example->id;
    out += record.dump() + "\n";
    added.push_back(std::move(record));
  }
  write_file_atomically(copy / "reviews.jsonl", out);
  return added;
}

// Continued fine-tuning of the classifier on a world, as both arms run it.
fs::path continue_finetuning(const AdversarialTrainingConfig& config, const fs::path& world,
                             const fs::path& out, std::ostream& log) {
  tune::FinetuneConfig run;
  run.model = config.model;
  run.data = world;
  run.out = out;
  run.task = "classify";
  run.method = "full";
  run.steps = config.steps;
  run.batch = config.batch;
  run.lr = config.lr;
  run.min_lr = config.min_lr;
  run.context = config.context;
  run.seed = config.seed;
  run.eval_interval = config.steps;
  run.eval_batches = 2;
  run.keep = 1;
  train::TrainCallbacks callbacks;
  callbacks.on_step = [&log](const train::StepReport& report) {
    if (report.step == report.steps) {
      log << "    step " << report.step << "/" << report.steps << "  loss " << report.loss << "\n";
    }
  };
  return tune::run_finetune(run, callbacks).model_dir;
}

}  // namespace

void check_adversarial_training(const AdversarialTrainingConfig& config) {
  TINYGPT_CHECK(fs::is_directory(config.model), "--model ", config.model.string(),
                ": no such folder");
  const models::FolderConfig folder = models::read_folder_config(config.model);
  TINYGPT_CHECK(folder.head && folder.head->task == "classification", "--model ",
                config.model.string(),
                ": not a classifier (no classification head in config.json); fine-tune one "
                "with `tinygpt finetune --task classify`");
  TINYGPT_CHECK(fs::is_regular_file(config.data / "reviews.jsonl"), "--data ", config.data.string(),
                ": no reviews.jsonl; generate it with `tinygpt data "
                "generate --kinds reviews --out ",
                config.data.string(), "`");
  TINYGPT_CHECK(config.steps > 0, "--steps must be positive, got ", config.steps);
  TINYGPT_CHECK(config.train_reviews >= 0, "--train-reviews must be 0 (all) or positive, got ",
                config.train_reviews);
  TINYGPT_CHECK(config.test_reviews >= 0, "--count must be 0 (all) or positive, got ",
                config.test_reviews);
  TINYGPT_CHECK(config.batch > 0, "--batch must be positive, got ", config.batch);
  TINYGPT_CHECK(!config.out.empty(), "--out: an output folder is needed");
  TINYGPT_CHECK(!fs::exists(config.out) || fs::is_empty(config.out), "--out ", config.out.string(),
                " is not empty; give a new folder (adversarial training writes a world copy and "
                "two fine-tuning runs into it)");
  const fs::path inputs[] = {config.model, config.data};
  check_report_folder(config.out, inputs);
  check_attack_options(config.attack);
}

AdversarialTrainingReport run_adversarial_training(const AdversarialTrainingConfig& config,
                                                   std::ostream& log) {
  check_adversarial_training(config);
  AdversarialTrainingReport report;
  report.steps = config.steps;
  const std::vector<tune::LabelledText> test =
      first(tune::load_reviews(config.data, tune::Split::kTest), config.test_reviews);
  const std::vector<tune::LabelledText> train =
      first(tune::load_reviews(config.data, tune::Split::kTrain), config.train_reviews);
  TINYGPT_CHECK(!test.empty(), "--data ", config.data.string(), ": no test reviews");
  TINYGPT_CHECK(!train.empty(), "--data ", config.data.string(), ": no training reviews");

  const auto attack_model = [&](const std::string& name, const fs::path& model) {
    tune::TextClassifier classifier(model);
    AttackedModel scored{name, model, attack_reviews(classifier, test, config.attack)};
    log << "  " << name << ": clean " << tune::percent(scored.attack.clean_accuracy)
        << "%, under attack " << tune::percent(scored.attack.attacked_accuracy) << "% ("
        << scored.attack.successes << " of " << scored.attack.attempted << " attacks succeed)\n";
    return scored;
  };

  log << "attacking " << train.size() << " training reviews\n";
  std::vector<const AttackedText*> examples;
  AttackReport train_attack;
  {
    tune::TextClassifier classifier(config.model);
    train_attack = attack_reviews(classifier, train, config.attack);
  }
  examples = train_attack.examples();
  report.train_attacked = static_cast<std::int64_t>(train.size());
  report.train_added = static_cast<std::int64_t>(examples.size());
  report.train_success_rate = train_attack.success_rate;
  log << "  " << examples.size() << " adversarial examples (success rate "
      << tune::percent(train_attack.success_rate) << "%)\n";
  report.world = config.out / "world";
  const std::vector<ordered_json> added =
      write_augmented_world(config.data, report.world, examples);
  std::string jsonl;
  for (const ordered_json& record : added) jsonl += record.dump() + "\n";
  write_file_atomically(config.out / "adversarial_examples.jsonl", jsonl);

  log << "the original classifier on " << test.size() << " test reviews\n";
  report.models.push_back(attack_model("original", config.model));
  log << "control: " << config.steps << " more steps on the clean reviews\n";
  const fs::path control = continue_finetuning(config, config.data, config.out / "control", log);
  report.models.push_back(attack_model("control", control));
  log << "adversarial: " << config.steps << " more steps with the " << examples.size()
      << " adversarial examples\n";
  const fs::path adversarial =
      continue_finetuning(config, report.world, config.out / "adversarial", log);
  report.models.push_back(attack_model("adversarial", adversarial));

  const BootstrapOptions bootstrap{.samples = config.attack.resamples, .seed = config.attack.seed};
  for (const auto& [a, b] : {std::pair{2, 0}, std::pair{1, 0}, std::pair{2, 1}}) {
    const AttackReport& first_report = report.models[a].attack;
    const AttackReport& second_report = report.models[b].attack;
    report.comparisons.push_back(
        {report.models[a].name, report.models[b].name,
         paired_bootstrap(first_report.clean_scores(), second_report.clean_scores(), bootstrap),
         paired_bootstrap(first_report.attacked_scores(), second_report.attacked_scores(),
                          bootstrap)});
  }
  write_file_atomically(config.out / "report.json", report.to_json().dump(2) + "\n");
  std::ostringstream markdown;
  markdown << "# Adversarial training\n\nThe classifier `" << config.model.string()
           << "` fine-tuned " << config.steps << " more steps on `" << config.data.string()
           << "` (control) and on the same reviews plus " << report.train_added
           << " adversarial examples of its first " << report.train_attacked
           << " training reviews (adversarial). Each model is attacked afresh on the same "
           << test.size() << " test reviews. Written by `tinygpt eval adversarial-training`.\n\n"
           << report.markdown();
  write_file_atomically(config.out / "REPORT.md", markdown.str());
  return report;
}

ordered_json AdversarialTrainingReport::to_json() const {
  ordered_json out;
  out["steps"] = steps;
  out["train_attacked"] = train_attacked;
  out["train_added"] = train_added;
  out["train_success_rate"] = train_success_rate;
  out["world"] = world.string();
  for (const AttackedModel& model : models) {
    ordered_json figures = model.attack.to_json(5);
    figures["model"] = model.model.string();
    out["models"][model.name] = std::move(figures);
  }
  for (const ModelComparison& comparison : comparisons) {
    out["comparisons"].push_back({{"a", comparison.a},
                                  {"b", comparison.b},
                                  {"clean", eval::to_json(comparison.clean)},
                                  {"attacked", eval::to_json(comparison.attacked)}});
  }
  return out;
}

std::string AdversarialTrainingReport::markdown() const {
  std::ostringstream out;
  out << "| model | clean accuracy % | accuracy under attack % | attack success rate % | words "
         "changed per success | queries per attacked review |\n"
      << "|---|---:|---:|---:|---:|---:|\n";
  for (const AttackedModel& model : models) {
    char figures[64];
    std::snprintf(figures, sizeof figures, "%.2f | %.1f", model.attack.mean_words_changed,
                  model.attack.mean_queries);
    out << "| " << model.name << " | " << tune::percent(model.attack.clean_accuracy) << " | "
        << tune::percent(model.attack.attacked_accuracy) << " | "
        << tune::percent(model.attack.success_rate) << " | " << figures << " |\n";
  }
  out << "\n| difference (points) | clean accuracy [95% CI] | accuracy under attack [95% CI] "
         "|\n|---|---:|---:|\n";
  for (const ModelComparison& comparison : comparisons) {
    out << "| " << comparison.a << " - " << comparison.b << " | "
        << difference_in_points(comparison.clean) << " | "
        << difference_in_points(comparison.attacked) << " |\n";
  }
  return out.str();
}

}  // namespace tinygpt::eval
