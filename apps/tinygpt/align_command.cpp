// `tinygpt align`: aligns an instruction-tuned model folder with the world's preference pairs
// (align/alignment.h), a reward model or DPO, with everything `tinygpt train` has: progress
// line, metrics, loss curve, checkpoints with exact resume, a clean stop on Ctrl-C. Prints
// the test pairs' figures at the end.
#include <filesystem>
#include <iostream>
#include <memory>

#include "commands.h"
#include "tinygpt/align/alignment.h"
#include "training_options.h"

namespace tinygpt::cli {
namespace {

struct AlignArgs {
  std::filesystem::path train_config;
  align::AlignConfig config;
  std::int64_t print_every = 10;
};

void run(const AlignArgs& args, const CLI::App& command) {
  align::AlignConfig config;
  if (!args.train_config.empty()) {
    config = align::parse_align_config(read_train_config(args.train_config), args.train_config);
  }
  // Options given on the command line win over the config file.
  const auto given = [&command](const char* name) { return command.count(name) > 0; };
  const align::AlignConfig& cli = args.config;
  apply_loop_options(command, cli, config);
  if (given("--model")) config.model = cli.model;
  if (given("--data")) config.data = cli.data;
  if (given("--method")) config.method = cli.method;
  if (given("--beta")) config.beta = cli.beta;
  if (given("--context")) config.context = cli.context;
  if (given("--test-pairs")) config.test_pairs = cli.test_pairs;

  TrainingProgress progress(args.print_every, false);
  align::check_align_config(config);
  progress.message("aligning " + config.model.string() + " (method " + config.method + ") into " +
                   config.out.string());
  const train::StopOnSignals stop_on_signals;
  const align::AlignResult result = align::run_align(config, progress.callbacks());
  if (progress.interrupted(result.training)) return;
  std::cout << "\n" << result.summary << "\n";
  progress.message("model " + result.model_dir.string() + ", report " + result.report.string() +
                   ", loss curve " + (config.out / "loss.svg").string());
}

}  // namespace

void register_align_command(CLI::App& app) {
  auto args = std::make_shared<AlignArgs>();
  CLI::App* command = app.add_subcommand(
      "align", "Align an instruction-tuned model folder with preference pairs: reward or dpo");
  align::AlignConfig& c = args->config;
  command->add_option("--model", c.model, "The instruction-tuned model folder");
  command->add_option("--train-config", args->train_config,
                      "An alignment config (JSON, the fields of train_config.json); options "
                      "given here override it");
  command->add_option("--data", c.data,
                      "A folder made by `tinygpt data generate` with preferences");
  command
      ->add_option("--method", c.method,
                   "reward (a reward model, Bradley-Terry) or dpo (the model itself, against a "
                   "frozen reference)")
      ->capture_default_str();
  command->add_option("--beta", c.beta, "dpo: the implicit reward's scale")->capture_default_str();
  command->add_option("--context", c.context, "Tokens per conversation (0: the model's context)")
      ->capture_default_str();
  command
      ->add_option("--test-pairs", c.test_pairs,
                   "The report scores the first N test pairs and asks their questions (0: all)")
      ->capture_default_str();
  add_loop_options(*command, c);
  add_print_every_option(*command, args->print_every);
  command->callback([args, command] { run(*args, *command); });
}

}  // namespace tinygpt::cli
