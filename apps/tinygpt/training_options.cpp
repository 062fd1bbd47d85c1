// The training loop's command-line options and the progress line (training_options.h).
#include "training_options.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <iostream>

#include "tinygpt/core/check.h"
#include "tinygpt/core/files.h"

namespace tinygpt::cli {

void add_loop_options(CLI::App& command, train::LoopConfig& c) {
  command.add_option("--out", c.out, "The run's folder: checkpoints, metrics, loss curve");
  command.add_option("--steps", c.steps, "Optimizer steps (default 1000; or give --epochs)");
  command.add_option("--epochs", c.epochs,
                     "Passes over the training data instead of --steps: steps = ceil(epochs x "
                     "training units / units per step), the units being tokens for a GPT, "
                     "pairs or examples otherwise");
  command.add_option("--batch", c.batch, "Sequences per step")->capture_default_str();
  command
      .add_option("--micro-batches", c.micro_batches,
                  "Gradient accumulation: micro-batches per step")
      ->capture_default_str();
  command.add_option("--lr", c.lr, "Peak learning rate")->capture_default_str();
  command.add_option("--min-lr", c.min_lr, "Learning rate at the end of the cosine")
      ->capture_default_str();
  command.add_option("--warmup", c.warmup, "Warmup steps (-1: min(100, steps / 10))")
      ->capture_default_str();
  command.add_option("--optimizer", c.optimizer, "adamw, or sgd (with --momentum)")
      ->check(CLI::IsMember({"adamw", "sgd"}))
      ->capture_default_str();
  command
      .add_option("--precision", c.precision,
                  "float32, or bf16: matrix products on bfloat16 operands, summed in float32")
      ->check(CLI::IsMember({"float32", "bf16"}))
      ->capture_default_str();
  command.add_option("--momentum", c.momentum, "SGD's momentum (0: plain SGD)")
      ->capture_default_str();
  command
      .add_option("--weight-decay", c.weight_decay,
                  "Weight decay (AdamW: decoupled; SGD: an L2 term in the gradient)")
      ->capture_default_str();
  command.add_option("--clip", c.clip, "Largest global gradient norm")->capture_default_str();
  command.add_option("--eval-interval", c.eval_interval, "Validation every this many steps")
      ->capture_default_str();
  command.add_option("--eval-batches", c.eval_batches, "Validation batches")->capture_default_str();
  command
      .add_option("--sample-interval", c.sample_interval,
                  "A sample every this many steps (0: none)")
      ->capture_default_str();
  command
      .add_option("--checkpoint-interval", c.checkpoint_interval,
                  "A checkpoint every this many steps (0: at the end and on Ctrl-C)")
      ->capture_default_str();
  command.add_option("--keep", c.keep, "Checkpoints kept")->capture_default_str();
  command.add_option("--seed", c.seed, "Seed of initialisation, data and dropout")
      ->capture_default_str();
  command
      .add_option("--time-limit", c.time_limit,
                  "Stop after the step that passes this many seconds, saving the model as at "
                  "the end (0: no limit)")
      ->capture_default_str();
  command.add_flag("--resume", c.resume, "Go on from the latest checkpoint in --out");
}

void add_print_every_option(CLI::App& command, std::int64_t& print_every) {
  command
      .add_option("--print-every", print_every,
                  "When not on a terminal, print a progress line every this many steps")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
}

std::string read_train_config(const std::filesystem::path& path) {
  TINYGPT_CHECK(std::filesystem::is_regular_file(path), "--train-config ", path.string(),
                ": no such file");
  return read_file(path);
}

void apply_loop_options(const CLI::App& command, const train::LoopConfig& cli,
                        train::LoopConfig& config) {
  const auto given = [&command](const char* name) { return command.count(name) > 0; };
  if (given("--out")) config.out = cli.out;
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
  if (given("--lr")) config.lr = cli.lr;
  if (given("--min-lr")) config.min_lr = cli.min_lr;
  if (given("--warmup")) config.warmup = cli.warmup;
  if (given("--optimizer")) config.optimizer = cli.optimizer;
  if (given("--momentum")) config.momentum = cli.momentum;
  if (given("--precision")) config.precision = cli.precision;
  if (given("--weight-decay")) config.weight_decay = cli.weight_decay;
  if (given("--clip")) config.clip = cli.clip;
  if (given("--eval-interval")) config.eval_interval = cli.eval_interval;
  if (given("--eval-batches")) config.eval_batches = cli.eval_batches;
  if (given("--sample-interval")) config.sample_interval = cli.sample_interval;
  if (given("--checkpoint-interval")) config.checkpoint_interval = cli.checkpoint_interval;
  if (given("--keep")) config.keep = cli.keep;
  if (given("--seed")) config.seed = cli.seed;
  if (given("--time-limit")) config.time_limit = cli.time_limit;
  config.resume = cli.resume;
}

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

TrainingProgress::TrainingProgress(std::int64_t print_every, bool quiet)
    : terminal_(::isatty(STDOUT_FILENO) == 1), quiet_(quiet), every_(print_every) {}

train::TrainCallbacks TrainingProgress::callbacks() {
  train::TrainCallbacks callbacks;
  callbacks.on_message = [this](const std::string& text) { message(text); };
  callbacks.on_step = [this](const train::StepReport& report) { step(report); };
  callbacks.on_sample = [this](std::int64_t step, const std::string& text) {
    message("sample at step " + std::to_string(step) + ":\n" + text);
  };
  return callbacks;
}

void TrainingProgress::step(const train::StepReport& report) {
  if (first_step_ < 0) first_step_ = report.step - 1;
  if (quiet_) return;
  const std::int64_t done_here = report.step - first_step_;
  const double per_step = done_here > 0 ? report.elapsed_seconds / done_here : 0.0;
  const double eta = per_step * static_cast<double>(report.steps - report.step);
  char line[200];
  std::snprintf(line, sizeof line, "step %lld/%lld  loss %.4f  lr %.2e  %.0f tok/s  ETA %s",
                static_cast<long long>(report.step), static_cast<long long>(report.steps),
                report.loss, report.lr, report.tokens_per_second, format_duration(eta).c_str());
  std::string text = line;
  for (const auto& [name, value] : report.validation) {
    char figure[64];
    std::snprintf(figure, sizeof figure, "  val%s%s %.4f", name == "loss" ? "" : " ",
                  name == "loss" ? "" : name.c_str(), value);
    text += figure;
  }
  const bool validated = !report.validation.empty();
  if (terminal_) {
    // Redraw in place; a validation result stays on its own line.
    std::cout << "\r\033[K" << text << (validated ? "\n" : "") << std::flush;
  } else if (validated || report.step % every_ == 0 || report.step == report.steps) {
    std::cout << text << "\n" << std::flush;
  }
}

void TrainingProgress::message(const std::string& text) {
  if (quiet_) return;
  if (terminal_) std::cout << "\r\033[K";
  std::cout << text << "\n" << std::flush;
}

bool TrainingProgress::interrupted(const train::TrainResult& result) {
  if (!result.interrupted) return false;
  message("stopped at step " + std::to_string(result.last_step) + "; saved " +
          result.checkpoint.string() + " (go on with --resume)");
  return true;
}

}  // namespace tinygpt::cli
