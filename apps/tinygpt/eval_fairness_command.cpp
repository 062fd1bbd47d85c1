// `tinygpt eval fairness --model DIR [--adapter DIR] --data WORLD [--lm] [--out FOLDER]`:
// a classifier (or, with --lm, a GPT's log-probabilities) probed with texts that differ only
// in a person's name or in the pronouns (eval/fairness.h). Prints Markdown tables; --out
// also writes fairness.json, REPORT.md and fairness.svg there.
#include <chrono>
#include <iostream>

#include "eval_command.h"
#include "tinygpt/core/check.h"
#include "tinygpt/core/files.h"
#include "tinygpt/data/world.h"
#include "tinygpt/eval/fairness.h"
#include "tinygpt/models/pretrained.h"
#include "tinygpt/tune/text_classifier.h"

namespace tinygpt::cli {
namespace {

struct FairnessArgs {
  std::filesystem::path model;
  std::filesystem::path adapter;
  std::filesystem::path data;
  std::filesystem::path out;
  bool lm = false;
  eval::FairnessOptions options;
  eval::LmFairnessOptions lm_options;
};

// True when `inner` is `outer` or lies inside it (after resolving "..", links and the
// current folder), so that a report never lands in a model folder.
bool inside(const std::filesystem::path& inner, const std::filesystem::path& outer) {
  const std::filesystem::path a = std::filesystem::weakly_canonical(inner);
  const std::filesystem::path b = std::filesystem::weakly_canonical(outer);
  auto [end, unused] = std::mismatch(b.begin(), b.end(), a.begin(), a.end());
  return end == b.end();
}

void run_fairness(const FairnessArgs& args) {
  TINYGPT_CHECK(std::filesystem::is_regular_file(args.data / "catalogue.json"), "--data ",
                args.data.string(),
                " is not a generated world (no catalogue.json); make one with "
                "`tinygpt data generate --out ",
                args.data.string(), "`");
  for (const std::filesystem::path& folder : {args.model, args.adapter}) {
    TINYGPT_CHECK(args.out.empty() || folder.empty() || !inside(args.out, folder), "--out ",
                  args.out.string(), " lies inside the model folder ", folder.string(),
                  "; an evaluation never writes into a model: choose another folder");
  }
  const auto start = std::chrono::steady_clock::now();
  nlohmann::ordered_json json;
  std::string markdown;
  std::string picture;
  if (args.lm) {
    TINYGPT_CHECK(args.adapter.empty(),
                  "--adapter: the language-model suite reads a GPT's own "
                  "log-probabilities; merge the adapter first (tinygpt adapter merge)");
    models::PretrainedGpt gpt = models::load_pretrained_gpt(args.model);
    const data::World world = data::load_world(args.data);
    eval::LmFairness report =
        eval::language_model_fairness(gpt.model, gpt.tokenizer, world, args.lm_options);
    report.model = args.model.string();
    report.world = args.data.string();
    json = report.to_json();
    markdown = report.markdown();
    picture = report.svg();
  } else {
    tune::TextClassifier classifier(args.model, args.adapter);
    const std::string name = args.adapter.empty()
                                 ? args.model.string()
                                 : args.model.string() + " + " + args.adapter.string();
    const eval::ClassifierFairness report =
        eval::classifier_fairness(classifier, args.data, name, args.options);
    json = report.to_json();
    markdown = report.markdown();
    picture = report.svg();
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  json["seconds"] = seconds;
  std::cout << markdown;
  if (args.out.empty()) return;
  std::filesystem::create_directories(args.out);
  write_file_atomically(args.out / "fairness.json", json.dump(2) + "\n");
  write_file_atomically(args.out / "REPORT.md", "# Fairness\n\n" + markdown);
  write_file_atomically(args.out / "fairness.svg", picture);
  std::cout << "\nwrote " << (args.out / "REPORT.md").string() << ", fairness.json and "
            << "fairness.svg in " << seconds << " s\n";
}

}  // namespace

void register_eval_fairness(CLI::App& eval) {
  CLI::App* command = eval.add_subcommand(
      "fairness",
      "Probe a classifier (or with --lm a GPT) with texts that differ only in a name or a "
      "pronoun: positive rates, demographic parity, flips, equalised odds; or log-probability "
      "gaps and the occupation association");
  auto args = std::make_shared<FairnessArgs>();
  command->add_option("--model", args->model, "The model folder (a classifier; with --lm a GPT)")
      ->required();
  command->add_option("--adapter", args->adapter, "A classifier's adapter folder over --model");
  command
      ->add_option("--data", args->data,
                   "A world folder made by `tinygpt data generate` (catalogue.json, "
                   "reviews.jsonl, fairness.jsonl)")
      ->required();
  command->add_flag("--lm", args->lm,
                    "The language-model suite: sentiment log-probability gaps and the "
                    "occupation association of names");
  command->add_option("--out", args->out,
                      "Also write fairness.json, REPORT.md and fairness.svg into this folder");
  command->add_option("--resamples", args->options.resamples, "Bootstrap resamples")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  command->add_option("--seed", args->options.seed, "The resampling seed")->capture_default_str();
  command
      ->add_option("--max-sets", args->options.max_sets,
                   "Classifier: at most this many probe sets per slice (0: all)")
      ->capture_default_str();
  command
      ->add_option("--sentiment-sets", args->lm_options.sentiment_sets,
                   "--lm: sentiment probe sets per template")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  command
      ->add_option("--new-names", args->lm_options.new_names,
                   "--lm: new names per naming group for the occupation association")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  command->callback([args] {
    FairnessArgs run = *args;
    run.lm_options.resamples = run.options.resamples;
    run.lm_options.seed = run.options.seed;
    run_fairness(run);
  });
}

}  // namespace tinygpt::cli
