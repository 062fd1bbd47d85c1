// The training loop (loop.h): one optimizer step after another for any objective, with
// validation, metrics, samples, checkpoints, resume and a clean stop.
#include "tinygpt/train/loop.h"

#include <array>
#include <chrono>
#include <fstream>
#include <memory>
#include <sstream>

#include "config_detail.h"
#include "metrics_log_detail.h"
#include "tinygpt/core/check.h"
#include "tinygpt/core/clock.h"
#include "tinygpt/core/files.h"
#include "tinygpt/core/precision.h"
#include "tinygpt/train/checkpoint.h"
#include "tinygpt/train/clipping.h"
#include "tinygpt/train/optimizers.h"
#include "tinygpt/train/schedule.h"

namespace tinygpt::train {

namespace fs = std::filesystem;

namespace {

void say(const TrainCallbacks& callbacks, const std::string& message) {
  if (callbacks.on_message) callbacks.on_message(message);
}

// What one optimizer step gives back.
struct StepOutcome {
  float loss = 0.0f;               // the mean over the global batch
  float grad_norm = 0.0f;          // of the averaged gradient, before clipping
  double allreduce_seconds = 0.0;  // averaging the gradients over the ranks
};

// The objective, its optimizer and the tape: one optimizer step and one validation pass.
class Stepper {
 public:
  Stepper(const LoopConfig& config, Objective& objective) : config_(config), objective_(objective) {
    tape_.set_precision(parse_precision(config.precision));
    if (config.optimizer == "sgd") {
      optimizer_ = std::make_unique<SgdMomentum>(
          objective.parameters(),
          SgdMomentumSettings{config.lr, config.momentum, config.weight_decay});
    } else {
      AdamWSettings settings;
      settings.learning_rate = config.lr;
      settings.beta1 = 0.9f;
      settings.beta2 = 0.95f;  // the usual choice of GPT-style pre-training: adapts faster
      settings.weight_decay = config.weight_decay;
      optimizer_ = std::make_unique<AdamW>(objective.parameters(), settings);
    }
  }

  Optimizer& optimizer() { return *optimizer_; }

  // One optimizer step. This rank takes examples [rank B/P, (rank+1) B/P) of the global
  // batch in N micro-batches; averaging over the ranks then gives every rank the gradient
  // of the whole batch, so clipping and the optimizer take the same step everywhere.
  StepOutcome step(std::int64_t step, float lr, Communicator& communicator,
                   GradientAverager& averager) {
    ParameterSet& parameters = objective_.parameters();
    const std::int64_t per_rank = config_.batch / communicator.size();
    const std::int64_t rows = per_rank / config_.micro_batches;
    const std::int64_t first = communicator.rank() * per_rank;
    const std::array<float, 1> scale = {1.0f / static_cast<float>(config_.micro_batches)};
    parameters.zero_grad();
    float loss_sum = 0.0f;
    for (std::int64_t m = 0; m < config_.micro_batches; ++m) {
      tape_.reset();
      models::RunOptions options;
      options.training = true;
      options.seed = config_.seed;
      options.step = static_cast<std::uint64_t>(step);
      options.first_example = static_cast<std::uint64_t>(first + m * rows);
      const data::BatchKey key{config_.seed, static_cast<std::uint64_t>(step), first + m * rows,
                               rows};
      const Tensor loss = objective_.loss(tape_, key, options);
      loss_sum += loss.item() * scale[0];
      tape_.backward(loss, scale);
    }
    tape_.reset();
    StepOutcome outcome;
    outcome.allreduce_seconds = averager.average(communicator, parameters);
    outcome.grad_norm = clip_grad_norm(parameters, config_.clip);
    optimizer_->set_learning_rate(lr);
    optimizer_->step(parameters);
    outcome.loss = static_cast<float>(communicator.allreduce_sum(static_cast<double>(loss_sum)) /
                                      communicator.size());
    return outcome;
  }

  // Every figure's mean over the fixed validation batches (evaluation mode, no gradients).
  // The batches are shared out round-robin over the ranks and their figures summed over all.
  Figures validate(Communicator& communicator) {
    const std::int64_t rows = config_.batch / config_.micro_batches;
    Figures sums;
    NoGradGuard no_grad(tape_);
    for (std::int64_t b = communicator.rank(); b < config_.eval_batches; b += communicator.size()) {
      tape_.reset();
      const Figures figures = objective_.validate(tape_, b * rows, rows);
      TINYGPT_CHECK(!figures.empty() && figures.front().first == "loss",
                    "an objective's validation figures start with \"loss\"");
      if (sums.empty()) {
        sums = figures;
      } else {
        TINYGPT_CHECK(figures.size() == sums.size(),
                      "an objective's validation batches give the same figures");
        for (std::size_t i = 0; i < figures.size(); ++i) sums[i].second += figures[i].second;
      }
    }
    tape_.reset();
    // A rank with no batch (more ranks than batches) still joins every sum: it learns the
    // figures' names from a batch of its own only, so every rank holds rank 0's list.
    if (sums.empty()) {
      NoGradGuard still_no_grad(tape_);
      sums = objective_.validate(tape_, 0, rows);
      tape_.reset();
      for (auto& [name, value] : sums) value = 0.0;
    }
    for (auto& [name, value] : sums) {
      value = communicator.allreduce_sum(value) / static_cast<double>(config_.eval_batches);
    }
    return sums;
  }

 private:
  const LoopConfig& config_;
  Objective& objective_;
  Tape tape_;
  std::unique_ptr<Optimizer> optimizer_;
};

// S from the epochs when they were given (the config then records steps only).
void resolve_steps(LoopConfig& config, const Objective& objective,
                   const TrainCallbacks& callbacks) {
  if (config.steps == 0 && config.epochs == 0.0) config.steps = kDefaultSteps;
  if (config.epochs == 0.0) return;
  const DataSize size = objective.data_size();
  config.steps = steps_for_epochs(config.epochs, size.epoch_units, size.units_per_step);
  std::ostringstream message;
  message << config.epochs << " epochs of " << size.epoch_units << " " << size.unit << " at "
          << size.units_per_step << " per step: " << config.steps << " steps";
  say(callbacks, message.str());
  // Recorded with its steps only, train_config.json repeats the run as it was.
  config.epochs = 0.0;
  detail::check_step_settings(config);
}

}  // namespace

TrainResult run_loop(LoopConfig config, Objective& objective, const RunRecord& record,
                     const TrainCallbacks& user_callbacks, Communicator& communicator) {
  const int ranks = communicator.size();
  const bool root = communicator.is_root();
  // Only rank 0 reports; on_step alone is every rank's.
  TrainCallbacks callbacks = user_callbacks;
  if (!root) {
    callbacks.on_message = nullptr;
    callbacks.on_sample = nullptr;
  }
  // The set-up ends with agree_on_errors(): an error on one rank (a bad setting, a
  // checkpoint of another run) stops every rank instead of leaving the others waiting in
  // a collective.
  std::optional<fs::path> latest;
  std::unique_ptr<Stepper> stepper;
  std::unique_ptr<detail::MetricsLog> metrics;
  CheckpointState state;
  TrainResult result;
  agree_on_errors(communicator, [&] {
    check_loop_config(config);
    TINYGPT_CHECK(config.batch % (ranks * config.micro_batches) == 0, "--batch ", config.batch,
                  " must be divisible by the processes (", ranks, ") x --micro-batches (",
                  config.micro_batches, ") = ", ranks * config.micro_batches,
                  ": every process takes an equal share of each batch, in equal micro-batches");
    check_run_folder(config);
    clear_stop_request();
    latest = latest_checkpoint(config.out);
    resolve_steps(config, objective, callbacks);
    // Freeze what does not train before the optimizer is made: it then holds state for
    // the trained parameters alone.
    for (Parameter& parameter : objective.parameters()) {
      objective.parameters().set_trainable(parameter.name, objective.trains(parameter));
    }
    stepper = std::make_unique<Stepper>(config, objective);
    const std::string precision = precision_note(parse_precision(config.precision));
    if (!precision.empty()) say(callbacks, precision);
    state.seed = config.seed;
    state.tokenizer_hash = record.tokenizer_hash;
    state.model_config = record.model_config;
    const std::string loop_json = loop_config_json(config);
    state.train_config =
        "{" + record.settings_json + (record.settings_json.empty() ? "" : ",") + loop_json + "}";
    result.steps = config.steps;
    if (latest) {
      say(callbacks, "resuming from " + latest->string());
      result.first_step = load_checkpoint(*latest, objective.parameters(), stepper->optimizer(),
                                          state, objective.extra_state())
                              .step;
      result.checkpoint = *latest;
      state.step = result.first_step;
    }
    // Rank 0 alone writes the run's files.
    if (root) {
      if (result.first_step == 0) write_file_atomically(config.out / "samples.txt", "");
      metrics =
          std::make_unique<detail::MetricsLog>(config.out / "metrics.jsonl", result.first_step);
      write_file_atomically(config.out / "train_config.json", state.train_config + "\n");
    }
  });

  const WarmupCosineSettings schedule{config.lr, config.min_lr, config.warmup_steps(),
                                      config.steps};
  const auto tokens_per_step = static_cast<double>(objective.data_size().tokens_per_step);
  GradientAverager averager;
  const auto start = std::chrono::steady_clock::now();
  std::int64_t step = result.first_step;
  double training_seconds = 0.0;
  const auto save = [&](std::int64_t done) {
    state.step = done;
    result.checkpoint = checkpoint_path(config.out, done);
    if (root) {
      save_checkpoint(config.out, objective.parameters(), stepper->optimizer(), state, config.keep,
                      objective.extra_state());
    }
  };
  while (step < config.steps) {
    const auto step_start = std::chrono::steady_clock::now();
    const float lr = warmup_cosine_lr(step, schedule);
    const StepOutcome outcome = stepper->step(step, lr, communicator, averager);
    ++step;

    StepReport report;
    report.step = step;
    report.steps = config.steps;
    report.loss = outcome.loss;
    report.lr = lr;
    report.grad_norm = outcome.grad_norm;
    const double step_seconds = seconds_since(step_start);
    training_seconds += step_seconds;
    report.tokens_per_second = tokens_per_step / std::max(1e-9, step_seconds);
    report.training_seconds = training_seconds;
    report.tokens = step * objective.data_size().tokens_per_step;
    report.allreduce_seconds = outcome.allreduce_seconds;
    report.elapsed_seconds = seconds_since(start);
    if (step % config.eval_interval == 0 || step == config.steps) {
      report.validation = stepper->validate(communicator);
      report.val_loss = static_cast<float>(report.validation.front().second);
      result.val_losses.push_back(*report.val_loss);
    }
    result.losses.push_back(outcome.loss);
    if (root) metrics->append(report, ranks > 1);

    if (callbacks.on_step) callbacks.on_step(report);
    if (root && config.sample_interval > 0 && step % config.sample_interval == 0) {
      if (const std::optional<std::string> text = objective.sample(step)) {
        std::ofstream samples(config.out / "samples.txt", std::ios::app);
        samples << "step " << step << ":\n" << *text << "\n\n";
        if (callbacks.on_sample) callbacks.on_sample(step, *text);
      }
    }
    // Every rank must leave the loop after the same step, or the others would wait in the
    // next step's allreduce forever: a stop asked of any rank (a signal reaches the ranks at
    // different moments) and the time limit (each rank has its own clock) are agreed on.
    const bool stopping = communicator.allreduce_any(stop_requested());
    const bool out_of_time =
        config.time_limit > 0.0 &&
        communicator.allreduce_any(report.elapsed_seconds >= config.time_limit);
    if ((config.checkpoint_interval > 0 && step % config.checkpoint_interval == 0) ||
        step == config.steps || stopping || out_of_time) {
      save(step);
    }
    if (stopping || out_of_time) {
      result.interrupted = stopping && step < config.steps;
      result.time_limited = !stopping && step < config.steps;
      if (result.time_limited) {
        say(callbacks, "stopped at the time limit of " + std::to_string(config.time_limit) +
                           " s after step " + std::to_string(step) + " of " +
                           std::to_string(config.steps));
      }
      break;
    }
  }
  if (root) metrics->finish(config.out / "loss.svg");
  if (result.checkpoint.empty() || state.step != step) save(step);

  const double seconds = seconds_since(start);
  const std::int64_t taken = step - result.first_step;
  result.tokens_per_second = taken > 0 ? taken * tokens_per_step / std::max(1e-9, seconds) : 0.0;
  result.last_step = step;
  if (root && !result.interrupted) objective.save_model(config.out / "model");
  // The files are in place before any rank returns (a caller may resume from them next).
  communicator.barrier();
  return result;
}

}  // namespace tinygpt::train
