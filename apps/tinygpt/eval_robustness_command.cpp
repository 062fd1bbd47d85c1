// `tinygpt eval robustness`, `eval attack` and `eval adversarial-training`: a fine-tuned
// classifier under the perturbation suites (eval/robustness.h), under a word-substitution
// attack (eval/attack.h), and adversarially trained against its control
// (eval/attack_training.h). Each prints its tables and, with --out, writes a report folder
// (report.json, REPORT.md, and an SVG or the adversarial examples) that never lies inside
// the model or the world.
#include <iostream>
#include <memory>

#include "eval_command.h"
#include "tinygpt/core/check.h"
#include "tinygpt/core/files.h"
#include "tinygpt/data/world.h"
#include "tinygpt/eval/attack.h"
#include "tinygpt/eval/attack_training.h"
#include "tinygpt/eval/robustness.h"
#include "tinygpt/tune/task_data.h"

namespace tinygpt::cli {

namespace {

namespace fs = std::filesystem;

// The classifier and the reviews every subcommand reads.
struct ClassifierArgs {
  fs::path model;
  fs::path adapter;
  fs::path data;
  std::string split = "test";
  std::int64_t count = 0;
  fs::path out;
};

void add_classifier_options(CLI::App* command, ClassifierArgs& args) {
  command->add_option("--model", args.model, "A classifier's model folder (or an adapter's base)")
      ->required();
  command->add_option("--adapter", args.adapter,
                      "An adapter folder over --model (a LoRA classifier, say)");
  command->add_option("--data", args.data, "The world the classifier was fine-tuned on")
      ->required();
  command->add_option("--split", args.split, "The reviews to use: train, dev or test")
      ->check(CLI::IsMember({"train", "dev", "test"}))
      ->capture_default_str();
  command->add_option("--count", args.count, "The first N reviews of the split (0: all)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  command->add_option("--out", args.out,
                      "A report folder: report.json, REPORT.md and more (never in the model)");
}

// The reviews asked for, with the checks every subcommand makes first.
std::vector<tune::LabelledText> reviews_of(const ClassifierArgs& args) {
  const fs::path inputs[] = {args.model, args.adapter, args.data};
  if (!args.out.empty()) eval::check_report_folder(args.out, inputs);
  std::vector<tune::LabelledText> reviews =
      tune::load_reviews(args.data, tune::parse_split(args.split));
  TINYGPT_CHECK(!reviews.empty(), "--data ", args.data.string(), ": no ", args.split,
                " reviews in reviews.jsonl");
  if (args.count > 0 && static_cast<std::size_t>(args.count) < reviews.size()) {
    reviews.resize(static_cast<std::size_t>(args.count));
  }
  return reviews;
}

struct RobustnessArgs {
  ClassifierArgs classifier;
  std::vector<double> severities = {0.0, 0.1, 0.25, 0.5, 1.0};
  std::vector<std::string> suites;
  std::uint64_t seed = 1;
  std::int64_t batch = 32;
};

void run_robustness(const RobustnessArgs& args) {
  const std::vector<tune::LabelledText> reviews = reviews_of(args.classifier);
  eval::RobustnessOptions options{
      .severities = args.severities, .seed = args.seed, .batch = args.batch};
  if (!args.suites.empty()) {
    options.suites.clear();
    for (const std::string& name : args.suites) {
      options.suites.push_back(eval::parse_perturbation_suite(name));
    }
  }
  options.entity_names = eval::world_entity_names(data::load_world(args.classifier.data));
  tune::TextClassifier classifier(args.classifier.model, args.classifier.adapter);
  const eval::RobustnessReport report = eval::measure_robustness(classifier, reviews, options);
  const std::string table = report.markdown();
  std::cout << "Accuracy % [95% CI] on " << report.reviews << " " << args.classifier.split
            << " reviews (clean: " << tune::percent(report.clean) << ") by severity:\n\n"
            << table;
  if (args.classifier.out.empty()) return;
  const fs::path& out = args.classifier.out;
  nlohmann::ordered_json json = report.to_json();
  json["model"] = args.classifier.model.string();
  json["adapter"] = args.classifier.adapter.string();
  json["data"] = args.classifier.data.string();
  json["split"] = args.classifier.split;
  write_file_atomically(out / "report.json", json.dump(2) + "\n");
  const std::string chart = report.svg();
  if (!chart.empty()) write_file_atomically(out / "robustness.svg", chart);
  write_file_atomically(
      out / "REPORT.md",
      "# Robustness\n\nThe classifier `" + args.classifier.model.string() + "` on " +
          std::to_string(report.reviews) + " " + args.classifier.split + " reviews of `" +
          args.classifier.data.string() + "`, clean accuracy " + tune::percent(report.clean) +
          "%. Accuracy % [95% bootstrap CI] under each perturbation suite by severity s; the "
          "negation and antonym suites score the reviews they apply to against their new "
          "labels. Written by `tinygpt eval robustness`.\n\n" +
          table + (chart.empty() ? "" : "\n![accuracy against severity](robustness.svg)\n"));
  std::cout << "\nreport: " << (out / "REPORT.md").string() << "\n";
}

// The attack's options, shared by `eval attack` and `eval adversarial-training`.
void add_attack_options(CLI::App* command, eval::AttackOptions& options) {
  command
      ->add_option("--budget", options.budget,
                   "Share of a review's words the attack may change (at least one word)")
      ->capture_default_str();
  command
      ->add_option("--typos-per-edit", options.typos_per_edit,
                   "Typos tried per word and kind of edit (0: synonyms only)")
      ->capture_default_str();
  command->add_option("--seed", options.seed, "The typos' and the bootstrap's seed")
      ->capture_default_str();
}

struct AttackArgs {
  ClassifierArgs classifier;
  eval::AttackOptions attack;
  std::size_t examples = 5;
};

void run_attack(const AttackArgs& args) {
  eval::check_attack_options(args.attack);
  const std::vector<tune::LabelledText> reviews = reviews_of(args.classifier);
  tune::TextClassifier classifier(args.classifier.model, args.classifier.adapter);
  const eval::AttackReport report = eval::attack_reviews(classifier, reviews, args.attack);
  const std::string tables = report.markdown(args.examples);
  std::cout << tables;
  if (args.classifier.out.empty()) return;
  const fs::path& out = args.classifier.out;
  nlohmann::ordered_json json = report.to_json(args.examples);
  json["model"] = args.classifier.model.string();
  json["adapter"] = args.classifier.adapter.string();
  json["data"] = args.classifier.data.string();
  json["split"] = args.classifier.split;
  write_file_atomically(out / "report.json", json.dump(2) + "\n");
  // Every adversarial example, for training or reading.
  std::string jsonl;
  for (const eval::AttackedText* text : report.examples()) {
    jsonl += nlohmann::ordered_json{{"id", text->id},
                                    {"original", text->original},
                                    {"attacked", text->attacked},
                                    {"label", report.labels[static_cast<std::size_t>(text->label)]},
                                    {"prediction",
                                     report.labels[static_cast<std::size_t>(text->prediction)]}}
                 .dump() +
             "\n";
  }
  write_file_atomically(out / "adversarial_examples.jsonl", jsonl);
  write_file_atomically(
      out / "REPORT.md",
      "# Adversarial attack\n\nGreedy word substitution (synonyms and "
      "one-character typos, label-preserving) against `" +
          args.classifier.model.string() + "` on " + std::to_string(reviews.size()) + " " +
          args.classifier.split + " reviews, budget " + tune::percent(args.attack.budget) +
          "% of a review's words. Written by `tinygpt eval attack`.\n\n" + tables);
  std::cout << "\nreport: " << (out / "REPORT.md").string() << "\n";
}

}  // namespace

void register_eval_robustness(CLI::App& eval) {
  auto robustness = std::make_shared<RobustnessArgs>();
  CLI::App* robustness_command = eval.add_subcommand(
      "robustness", "A classifier's accuracy under perturbations of the reviews, by severity");
  add_classifier_options(robustness_command, robustness->classifier);
  robustness_command
      ->add_option("--severities", robustness->severities, "Severities, each in [0, 1]")
      ->expected(1, -1)
      ->check(CLI::Range(0.0, 1.0))
      ->capture_default_str();
  robustness_command
      ->add_option("--suites", robustness->suites,
                   "Suites (default all): char_noise synonyms entities negation antonyms")
      ->expected(1, -1);
  robustness_command->add_option("--seed", robustness->seed, "The perturbations' seed")
      ->capture_default_str();
  robustness_command->add_option("--batch", robustness->batch, "Reviews per forward pass")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  robustness_command->callback([robustness] { run_robustness(*robustness); });

  auto attack = std::make_shared<AttackArgs>();
  CLI::App* attack_command = eval.add_subcommand(
      "attack", "Greedy word-substitution attack (synonyms, typos) on a classifier's reviews");
  add_classifier_options(attack_command, attack->classifier);
  add_attack_options(attack_command, attack->attack);
  attack_command->add_option("--examples", attack->examples, "Adversarial examples to show")
      ->capture_default_str();
  attack_command->callback([attack] { run_attack(*attack); });

  auto training = std::make_shared<eval::AdversarialTrainingConfig>();
  CLI::App* training_command = eval.add_subcommand(
      "adversarial-training",
      "Fine-tune on with a training attack's adversarial examples; compare with clean data");
  training_command->add_option("--model", training->model, "A classifier's model folder")
      ->required();
  training_command->add_option("--data", training->data, "Its world")->required();
  training_command->add_option("--out", training->out, "A new output folder")->required();
  training_command->add_option("--steps", training->steps, "Steps of each continued fine-tuning")
      ->required();
  training_command
      ->add_option("--train-reviews", training->train_reviews,
                   "Training reviews attacked (the first N; 0: all)")
      ->capture_default_str();
  training_command
      ->add_option("--count", training->test_reviews,
                   "Test reviews scored and attacked (the first N; 0: all)")
      ->capture_default_str();
  add_attack_options(training_command, training->attack);
  training_command->add_option("--batch", training->batch, "Fine-tuning: reviews per step")
      ->capture_default_str();
  training_command->add_option("--lr", training->lr, "Fine-tuning: peak learning rate")
      ->capture_default_str();
  training_command->add_option("--min-lr", training->min_lr, "Fine-tuning: final learning rate")
      ->capture_default_str();
  training_command->add_option("--train-seed", training->seed, "Fine-tuning's seed")
      ->capture_default_str();
  training_command->callback([training] {
    const eval::AdversarialTrainingReport report =
        eval::run_adversarial_training(*training, std::cout);
    std::cout << "\n"
              << report.markdown() << "\nreport: " << (training->out / "REPORT.md").string()
              << "\n";
  });
}

}  // namespace tinygpt::cli
