// `tinygpt train`: pre-trains a model from a config and data (train/trainer.h), with a
// progress line, periodic validation and samples, checkpoints and a clean stop on Ctrl-C.
// Under mpirun it trains data-parallel (train/distributed.h); only rank 0 prints.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "commands.h"
#include "tinygpt/core/check.h"
#include "tinygpt/core/files.h"
#include "tinygpt/models/config.h"
#include "tinygpt/train/distributed.h"
#include "tinygpt/train/trainer.h"
#include "training_options.h"

namespace tinygpt::cli {
namespace {

struct TrainArgs {
  std::filesystem::path train_config;
  std::filesystem::path model_config;
  train::TrainConfig config;
  std::int64_t print_every = 10;
};

void run(TrainArgs& args, const CLI::App& command) {
  train::TrainConfig config;
  if (!args.train_config.empty()) {
    config = train::parse_train_config(read_train_config(args.train_config), args.train_config);
  }
  if (!args.model_config.empty()) {
    TINYGPT_CHECK(std::filesystem::is_regular_file(args.model_config), "--config ",
                  args.model_config.string(),
                  ": no such file (a model config such as "
                  "{\"family\": \"gpt\", \"vocab_size\": 512, ...})");
    config.model_config = args.model_config;
    config.model = models::load_model_config(args.model_config);
  }
  TINYGPT_CHECK(!config.model_config.empty(),
                "train: give the model config with --config (or --train-config)");
  // Options given on the command line win over the training config file.
  const auto given = [&command](const char* name) { return command.count(name) > 0; };
  const train::TrainConfig& cli = args.config;
  apply_loop_options(command, cli, config);
  if (given("--data")) config.data = cli.data;
  if (given("--tokenizer")) config.tokenizer = cli.tokenizer;
  if (given("--context")) config.context = cli.context;
  if (given("--sample-tokens")) config.sample_tokens = cli.sample_tokens;
  train::Communicator& communicator = train::world_communicator();
  // Every bad setting is reported before any work, by every rank together.
  train::agree_on_errors(communicator, [&config] { train::check_train_config(config); });

  TrainingProgress progress(args.print_every, !communicator.is_root());
  std::string start = "training " + std::string(models::family_name(config.model.family)) +
                      " into " + config.out.string();
  if (communicator.size() > 1) {
    start += " on " + std::to_string(communicator.size()) + " processes (" +
             std::to_string(config.batch / communicator.size()) + " sequences each per step)";
  }
  progress.message(start);
  const train::StopOnSignals stop_on_signals;
  const train::TrainResult result = train::run_training(config, progress.callbacks(), communicator);
  if (progress.interrupted(result)) return;
  char summary[160];
  std::snprintf(summary, sizeof summary, "done: %lld steps, %.0f tokens/s",
                static_cast<long long>(result.last_step), result.tokens_per_second);
  std::string text = summary;
  if (!result.val_losses.empty()) {
    text += ", validation loss " + std::to_string(result.val_losses.back());
  }
  if (result.time_limited) text += " (stopped early at the time limit)";
  progress.message(text);
  std::string files = "checkpoint " + result.checkpoint.string() + ", loss curve " +
                      (config.out / "loss.svg").string();
  if (config.model.family == models::Family::kGpt) {
    files += ", model " + (config.out / "model").string() + " (try: tinygpt generate --model " +
             (config.out / "model").string() + ")";
  }
  progress.message(files);
}

}  // namespace

void register_train_command(CLI::App& app) {
  auto args = std::make_shared<TrainArgs>();
  CLI::App* command =
      app.add_subcommand("train", "Pre-train a model from a config and data (GPT: causal LM)");
  train::TrainConfig& c = args->config;
  command->add_option("--config", args->model_config, "The model config (JSON)");
  command->add_option("--train-config", args->train_config,
                      "A training config (JSON, the fields of train_config.json); options given "
                      "here override it");
  command->add_option("--data", c.data,
                      "Token files folder (train.tokens, validation.tokens, tokenizer.bpe), a "
                      "folder made by `tinygpt data generate`, or a text file");
  command->add_option("--tokenizer", c.tokenizer, "A tokenizer.bpe to use instead of training one");
  command->add_option("--context", c.context, "Tokens per sequence (0: the model's context)")
      ->capture_default_str();
  command->add_option("--sample-tokens", c.sample_tokens, "Tokens per sample")
      ->capture_default_str();
  add_loop_options(*command, c);
  add_print_every_option(*command, args->print_every);
  command->callback([args, command] { run(*args, *command); });
}

}  // namespace tinygpt::cli
