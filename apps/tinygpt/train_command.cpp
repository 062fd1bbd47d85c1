// `tinygpt train`: pre-trains a model from a config and data (train/trainer.h), with a
// progress line, periodic validation and samples, checkpoints and a clean stop on Ctrl-C.
// Under mpirun it trains data-parallel (train/distributed.h); only rank 0 prints.
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <string>

#include "commands.h"
#include "tinygpt/core/check.h"
#include "tinygpt/core/files.h"
#include "tinygpt/models/config.h"
#include "tinygpt/train/distributed.h"
#include "tinygpt/train/trainer.h"

namespace tinygpt::cli {
namespace {

struct TrainArgs {
  std::filesystem::path train_config;
  std::filesystem::path model_config;
  train::TrainConfig config;
  std::int64_t print_every = 10;
};

// "1h02m", "3m07s", "12s".
std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const long long total = std::llround(seconds);
  char text[32];
  if (total >= 3600) {
    std::snprintf(text, sizeof text, "%lldh%02lldm", total / 3600, (total % 3600) / 60);
  } else if (total >= 60) {
    std::snprintf(text, sizeof text, "%lldm%02llds", total / 60, total % 60);
  } else {
    std::snprintf(text, sizeof text, "%llds", total);
  }
  return text;
}

class Progress {
 public:
  Progress(std::int64_t print_every, bool quiet)
      : terminal_(::isatty(STDOUT_FILENO) == 1), quiet_(quiet), every_(print_every) {}

  void step(const train::StepReport& report, std::int64_t first_step) {
    if (quiet_) return;
    const std::int64_t done_here = report.step - first_step;
    const double per_step = done_here > 0 ? report.elapsed_seconds / done_here : 0.0;
    const double eta = per_step * static_cast<double>(report.steps - report.step);
    char line[200];
    std::snprintf(line, sizeof line, "step %lld/%lld  loss %.4f  lr %.2e  %.0f tok/s  ETA %s",
                  static_cast<long long>(report.step), static_cast<long long>(report.steps),
                  report.loss, report.lr, report.tokens_per_second, format_duration(eta).c_str());
    std::string text = line;
    if (report.val_loss) {
      char val[48];
      std::snprintf(val, sizeof val, "  val %.4f", *report.val_loss);
      text += val;
    }
    if (terminal_) {
      // Redraw in place; a validation result stays on its own line.
      std::cout << "\r\033[K" << text << (report.val_loss ? "\n" : "") << std::flush;
    } else if (report.val_loss || report.step % every_ == 0 || report.step == report.steps) {
      std::cout << text << "\n" << std::flush;
    }
  }

  void message(const std::string& text) {
    if (quiet_) return;
    if (terminal_) std::cout << "\r\033[K";
    std::cout << text << "\n" << std::flush;
  }

 private:
  bool terminal_;
  bool quiet_;  // a rank other than 0 of a data-parallel run
  std::int64_t every_;
};

void run(TrainArgs& args, const CLI::App& command) {
  train::TrainConfig config;
  if (!args.train_config.empty()) {
    TINYGPT_CHECK(std::filesystem::is_regular_file(args.train_config), "--train-config ",
                  args.train_config.string(), ": no such file");
    config = train::parse_train_config(read_file(args.train_config), args.train_config);
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
  if (given("--data")) config.data = cli.data;
  if (given("--out")) config.out = cli.out;
  if (given("--tokenizer")) config.tokenizer = cli.tokenizer;
  // Steps and epochs are two ways to say how long: one given here replaces the other from
  // the file, both given here are refused by check_train_config().
  if (given("--steps")) {
    config.steps = cli.steps;
    if (!given("--epochs")) config.epochs = 0.0;
  }
  if (given("--epochs")) {
    config.epochs = cli.epochs;
    if (!given("--steps")) config.steps = 0;
  }
  if (given("--batch")) config.batch = cli.batch;
  if (given("--micro-batches")) config.micro_batches = cli.micro_batches;
  if (given("--context")) config.context = cli.context;
  if (given("--lr")) config.lr = cli.lr;
  if (given("--min-lr")) config.min_lr = cli.min_lr;
  if (given("--warmup")) config.warmup = cli.warmup;
  if (given("--weight-decay")) config.weight_decay = cli.weight_decay;
  if (given("--clip")) config.clip = cli.clip;
  if (given("--eval-interval")) config.eval_interval = cli.eval_interval;
  if (given("--eval-batches")) config.eval_batches = cli.eval_batches;
  if (given("--sample-interval")) config.sample_interval = cli.sample_interval;
  if (given("--sample-tokens")) config.sample_tokens = cli.sample_tokens;
  if (given("--checkpoint-interval")) config.checkpoint_interval = cli.checkpoint_interval;
  if (given("--keep")) config.keep = cli.keep;
  if (given("--seed")) config.seed = cli.seed;
  config.resume = cli.resume;
  train::Communicator& communicator = train::world_communicator();
  // Every bad setting is reported before any work, by every rank together.
  train::agree_on_errors(communicator, [&config] { train::check_train_config(config); });

  Progress progress(args.print_every, !communicator.is_root());
  train::TrainCallbacks callbacks;
  std::int64_t first_step = -1;
  callbacks.on_message = [&progress](const std::string& text) { progress.message(text); };
  callbacks.on_step = [&](const train::StepReport& report) {
    if (first_step < 0) first_step = report.step - 1;
    progress.step(report, first_step);
  };
  callbacks.on_sample = [&progress](std::int64_t step, const std::string& text) {
    progress.message("sample at step " + std::to_string(step) + ":\n" + text);
  };
  std::string start = "training " + std::string(models::family_name(config.model.family)) +
                      " into " + config.out.string();
  if (communicator.size() > 1) {
    start += " on " + std::to_string(communicator.size()) + " processes (" +
             std::to_string(config.batch / communicator.size()) + " sequences each per step)";
  }
  progress.message(start);
  const train::StopOnSignals stop_on_signals;
  const train::TrainResult result = train::run_training(config, callbacks, communicator);
  if (result.interrupted) {
    progress.message("stopped at step " + std::to_string(result.last_step) + "; saved " +
                     result.checkpoint.string() + " (go on with --resume)");
    return;
  }
  char summary[160];
  std::snprintf(summary, sizeof summary, "done: %lld steps, %.0f tokens/s",
                static_cast<long long>(result.last_step), result.tokens_per_second);
  std::string text = summary;
  if (!result.val_losses.empty()) {
    text += ", validation loss " + std::to_string(result.val_losses.back());
  }
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
  command->add_option("--out", c.out, "The run's folder: checkpoints, metrics, loss curve");
  command->add_option("--tokenizer", c.tokenizer, "A tokenizer.bpe to use instead of training one");
  command->add_option("--steps", c.steps, "Optimizer steps (default 1000; or give --epochs)");
  command->add_option("--epochs", c.epochs,
                      "Passes over the training data instead of --steps: steps = ceil(epochs x "
                      "training tokens / (batch x context)) for a GPT, ceil(epochs x training "
                      "pairs / batch) for the other families");
  command->add_option("--batch", c.batch, "Sequences per step")->capture_default_str();
  command
      ->add_option("--micro-batches", c.micro_batches,
                   "Gradient accumulation: micro-batches per step")
      ->capture_default_str();
  command->add_option("--context", c.context, "Tokens per sequence (0: the model's context)")
      ->capture_default_str();
  command->add_option("--lr", c.lr, "Peak learning rate")->capture_default_str();
  command->add_option("--min-lr", c.min_lr, "Learning rate at the end of the cosine")
      ->capture_default_str();
  command->add_option("--warmup", c.warmup, "Warmup steps (-1: min(100, steps / 10))")
      ->capture_default_str();
  command->add_option("--weight-decay", c.weight_decay, "AdamW weight decay")
      ->capture_default_str();
  command->add_option("--clip", c.clip, "Largest global gradient norm")->capture_default_str();
  command->add_option("--eval-interval", c.eval_interval, "Validation every this many steps")
      ->capture_default_str();
  command->add_option("--eval-batches", c.eval_batches, "Validation batches")
      ->capture_default_str();
  command
      ->add_option("--sample-interval", c.sample_interval,
                   "A sample every this many steps (0: none)")
      ->capture_default_str();
  command->add_option("--sample-tokens", c.sample_tokens, "Tokens per sample")
      ->capture_default_str();
  command
      ->add_option("--checkpoint-interval", c.checkpoint_interval,
                   "A checkpoint every this many steps (0: at the end and on Ctrl-C)")
      ->capture_default_str();
  command->add_option("--keep", c.keep, "Checkpoints kept")->capture_default_str();
  command->add_option("--seed", c.seed, "Seed of initialisation, data and dropout")
      ->capture_default_str();
  command->add_flag("--resume", c.resume, "Go on from the latest checkpoint in --out");
  command
      ->add_option("--print-every", args->print_every,
                   "When not on a terminal, print a progress line every this many steps")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  command->callback([args, command] { run(*args, *command); });
}

}  // namespace tinygpt::cli
