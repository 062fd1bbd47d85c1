// `tinygpt eval active-learning`: pool-based active learning on a world's reviews
// (eval/active_learning.h). A pre-trained model is fine-tuned afresh every round on the
// labelled reviews; least confidence, margin and entropy choose the next batch against
// random choice, for several seeds; the oracle is the world's ground truth or a person
// answering at the prompt. Prints the table and writes the output folder.
#include <iostream>
#include <memory>

#include "eval_command.h"
#include "tinygpt/core/check.h"
#include "tinygpt/eval/active_learning.h"

namespace tinygpt::cli {

namespace {

struct ActiveLearningArgs {
  eval::ActiveLearningConfig config;
  std::string strategy = "all";
  std::int64_t seeds = 3;
  std::string oracle = "ground-truth";
};

void run_active_learning_command(ActiveLearningArgs& args) {
  eval::ActiveLearningConfig& config = args.config;
  if (args.strategy != "all") config.strategies = {eval::parse_acquisition(args.strategy)};
  TINYGPT_CHECK(args.seeds > 0, "--seeds must be positive, got ", args.seeds);
  config.seeds.clear();
  for (std::int64_t seed = 1; seed <= args.seeds; ++seed) {
    config.seeds.push_back(static_cast<std::uint64_t>(seed));
  }
  eval::GroundTruthOracle ground_truth;
  eval::PromptOracle prompt(std::cin, std::cout);
  eval::Oracle& oracle = args.oracle == "prompt" ? static_cast<eval::Oracle&>(prompt)
                                                 : static_cast<eval::Oracle&>(ground_truth);
  const eval::ActiveLearningReport report = eval::run_active_learning(config, oracle, std::cout);
  std::cout << "\nTest accuracy % on " << report.test << " test reviews, mean (min to max) over "
            << args.seeds << " seed" << (args.seeds == 1 ? "" : "s") << "; the " << report.oracle
            << " oracle answered " << report.queries << " questions:\n\n"
            << report.markdown() << "\nreport: " << (config.out / "REPORT.md").string() << "\n";
}

}  // namespace

void register_eval_active_learning(CLI::App& eval) {
  auto args = std::make_shared<ActiveLearningArgs>();
  eval::ActiveLearningConfig& config = args->config;
  CLI::App* command = eval.add_subcommand(
      "active-learning",
      "Pool-based active learning on the reviews: uncertainty sampling against random choice");
  command->add_option("--model", config.model, "The pre-trained model folder (a GPT or encoder)")
      ->required();
  command->add_option("--data", config.data, "A world with reviews.jsonl")->required();
  command->add_option("--out", config.out, "A new output folder (never in the model or world)")
      ->required();
  command
      ->add_option("--strategy", args->strategy,
                   "random, least_confidence, margin, entropy or all (the four)")
      ->capture_default_str();
  command->add_option("--seeds", args->seeds, "Seeds 1..N: a curve per strategy and seed")
      ->capture_default_str();
  command->add_option("--start", config.start, "The seed set: random training reviews")
      ->capture_default_str();
  command
      ->add_option("--batch", config.batch,
                   "Reviews labelled per round (0: as many as already labelled, doubling)")
      ->capture_default_str();
  command->add_option("--budget", config.budget, "Labelled reviews of the last round")
      ->capture_default_str();
  command->add_option("--pool", config.pool, "The pool: the first N training reviews (0: all)")
      ->capture_default_str();
  command->add_option("--steps", config.steps, "Fine-tuning steps of every round")
      ->capture_default_str();
  command->add_option("--finetune-batch", config.finetune_batch, "Reviews per fine-tuning step")
      ->capture_default_str();
  command->add_option("--lr", config.lr, "Fine-tuning: peak learning rate")->capture_default_str();
  command->add_option("--min-lr", config.min_lr, "Fine-tuning: final learning rate")
      ->capture_default_str();
  command->add_option("--context", config.context, "Tokens per review (0: the model's context)")
      ->capture_default_str();
  command
      ->add_option("--oracle", args->oracle,
                   "ground-truth (the world's labels) or prompt (you answer on standard input)")
      ->check(CLI::IsMember({"ground-truth", "prompt"}))
      ->capture_default_str();
  command->callback([args] { run_active_learning_command(*args); });
}

}  // namespace tinygpt::cli
