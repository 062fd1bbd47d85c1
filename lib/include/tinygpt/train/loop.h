/// @file loop.h
/// @brief The training loop every objective (objective.h) runs in: schedule, optimizer,
/// gradient accumulation and clipping, data-parallel ranks, periodic validation, metrics,
/// samples, checkpoints with exact resume, a clean stop on a signal or a time limit.
///
/// One step, with B = batch, N = micro_batches, P = ranks (processes):
///
///     zero the gradients
///     for m in 0 .. N-1:                         gradient accumulation
///         loss_m = objective.loss(tape, {seed, step, rank B/P + m B/(P N), B/(P N)})
///         backward(loss_m, scale 1/N)            the N means become one mean
///     average the gradients over the P ranks     (distributed.h)
///     norm = clip_grad_norm(trained parameters, clip)
///     lr = warmup_cosine_lr(step, {lr, min_lr, W, steps})
///     optimizer step on the trained parameters (AdamW, or SGD with momentum)
///
/// Every rank takes the same optimizer step, the one a single process takes with the
/// whole batch (up to the summation order of the allreduce). Rank 0 alone writes the files
/// below and draws samples; every rank reads the checkpoint it resumes from. Validation
/// batches are shared out round-robin; the figures reported are means over all of them. A
/// stop on any rank stops every rank after the same step.
///
/// The run's folder (`out`) holds:
///   - `checkpoint-NNNNNNNN.safetensors` (the step in 8 digits): the last `keep` checkpoints
///     (checkpoint.h);
///   - metrics.jsonl: one JSON object per step: step, loss, lr, grad_norm, tokens_per_s,
///     tokens (read so far), train_s (this process's seconds in training steps, validation
///     excluded), and on evaluation steps val_loss and `val_<name>` for the objective's
///     other figures;
///   - samples.txt: the objective's samples, each under its step;
///   - loss.svg: training and validation loss against the step, drawn at the end;
///   - train_config.json: the config of the run;
///   - model/: what the objective saves at the end (not after a stop on a signal).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tinygpt/train/distributed.h"
#include "tinygpt/train/objective.h"

namespace tinygpt::train {

/// The steps of a run that gives neither steps nor epochs.
inline constexpr std::int64_t kDefaultSteps = 1000;

/// @brief How to train, whatever the objective.
struct LoopConfig {
  std::filesystem::path out;  ///< the run's folder
  /// S, optimizer steps in the whole run; 0: from `epochs`, or kDefaultSteps when that is 0 too.
  std::int64_t steps = 0;
  /// E, passes over the training data instead of `steps` (0: not given): S =
  /// steps_for_epochs(E, ...) of the objective's data_size().
  double epochs = 0.0;
  std::int64_t batch = 8;          ///< B, sequences (examples) per step
  std::int64_t micro_batches = 1;  ///< N, gradient accumulation; must divide B
  float lr = 1e-3f;                ///< the peak learning rate
  float min_lr = 1e-4f;            ///< the rate at the end of the cosine decay
  std::int64_t warmup = -1;        ///< W, warmup steps; -1: min(100, steps / 10)
  /// "adamw" (AdamW, betas 0.9 and 0.95) or "sgd" (SGD with `momentum`; 0 is plain SGD).
  std::string optimizer = "adamw";
  float momentum = 0.9f;  ///< SGD's momentum, in [0, 1)
  /// The matrix products' number format: "float32", or "bf16" mixed precision
  /// (core/precision.h; the weights and the optimizer's state stay float32).
  std::string precision = "float32";
  /// The weight decay: AdamW's decoupled one, or SGD's coupled L2 term (optimizers.h).
  float weight_decay = 0.1f;
  float clip = 1.0f;                     ///< the largest global gradient norm
  std::int64_t eval_interval = 100;      ///< validation every this many steps (and at the end)
  std::int64_t eval_batches = 4;         ///< validation batches of B/N examples each
  std::int64_t sample_interval = 0;      ///< a sample every this many steps; 0: none
  std::int64_t checkpoint_interval = 0;  ///< a checkpoint every this many steps; 0: at the end
  int keep = 3;                          ///< checkpoints kept
  std::uint64_t seed = 1;                ///< the run's seed: init, data, dropout
  /// Stop after the step during which this many seconds of training have passed, saving a
  /// checkpoint and the model as at the end (0: no limit). A budget, not a schedule: the
  /// learning rate follows `steps` as if the run went on.
  double time_limit = 0.0;
  bool resume = false;  ///< go on from the latest checkpoint in `out` (if there is one)

  /// @return W: warmup, or min(100, steps / 10) when warmup is -1 (S known: see `steps`).
  std::int64_t warmup_steps() const {
    return warmup >= 0 ? warmup : (steps / 10 < 100 ? steps / 10 : 100);
  }
};

/// @return the names of LoopConfig's fields in a JSON config, in the order
/// loop_config_json() writes them.
std::vector<std::string_view> loop_config_fields();

/// @brief Reads the fields of LoopConfig that a JSON object has into `config` (others are
/// left alone: the caller checks for unknown fields). `out` is relative to the file's
/// folder. Wrong types are Errors naming the file and the field.
/// @param json_text a JSON object.
/// @param origin the file's path, for messages and the relative `out`.
/// @param config the config to fill.
void read_loop_config(std::string_view json_text, const std::filesystem::path& origin,
                      LoopConfig& config);

/// @param config a config.
/// @return its fields as the members of a one-line JSON object, without the braces (the
/// front-end puts its own fields before them); `epochs` and `time_limit` only when set.
std::string loop_config_json(const LoopConfig& config);

/// @brief Checks the settings before anything is trained: values in range, not both steps
/// and epochs, `out` given and writable. Each Error names the setting (as its command-line
/// option) and what to do.
/// @param config the config.
void check_loop_config(const LoopConfig& config);

/// @brief Refuses a fresh run into a folder that already holds checkpoints (resume, or
/// pick another folder).
/// @param config the config.
void check_run_folder(const LoopConfig& config);

/// @brief The steps of `epochs` passes over the training data: ceil(E x units / per step).
/// Error when S is not in [1, 10^8).
/// @param epochs E, positive.
/// @param epoch_units units (tokens, pairs, examples) in one pass over the training data.
/// @param units_per_step units one step consumes.
/// @return S.
std::int64_t steps_for_epochs(double epochs, std::int64_t epoch_units, std::int64_t units_per_step);

/// @brief What one step did.
struct StepReport {
  std::int64_t step = 0;           ///< steps completed, 1 after the first step
  std::int64_t steps = 0;          ///< S, the run's total
  float loss = 0.0f;               ///< mean training loss of the step's batch
  float lr = 0.0f;                 ///< the learning rate used
  float grad_norm = 0.0f;          ///< the global norm before clipping
  double tokens_per_second = 0.0;  ///< tokens of a step / the step's wall time
  double allreduce_seconds = 0.0;  ///< averaging the gradients over the ranks (0 alone)
  double elapsed_seconds = 0.0;    ///< since this process started training
  /// This process's seconds in training steps so far (elapsed_seconds without validation,
  /// samples and checkpoints): the wall time to compare runs by.
  double training_seconds = 0.0;
  std::int64_t tokens = 0;        ///< tokens read by the steps so far (step x tokens per step)
  std::optional<float> val_loss;  ///< mean validation loss, on evaluation steps
  Figures validation;             ///< every validation figure (loss first), on evaluation steps
};

/// @brief Hooks to show progress; each may be empty. With several ranks, on_step is called
/// on every rank (with the same report), the other two on rank 0 only.
struct TrainCallbacks {
  std::function<void(const StepReport&)> on_step;  ///< after every step
  /// a new sample: the step and the text
  std::function<void(std::int64_t step, const std::string&)> on_sample;
  std::function<void(const std::string&)> on_message;  ///< setup news ("tokenising ...")
};

/// @brief What a run did.
struct TrainResult {
  std::int64_t first_step = 0;       ///< steps completed before this process (resume)
  std::int64_t last_step = 0;        ///< steps completed at the end
  std::int64_t steps = 0;            ///< S, the run's total (from steps or epochs)
  std::vector<float> losses;         ///< training loss of each step this process took
  std::vector<float> val_losses;     ///< validation losses, in order
  bool interrupted = false;          ///< stopped early by request_stop() (a signal)
  bool time_limited = false;         ///< stopped early at config.time_limit (model saved)
  std::filesystem::path checkpoint;  ///< the last checkpoint written
  double tokens_per_second = 0.0;    ///< over the steps this process took
};

/// @brief What a run's checkpoints record of it besides the loop's own settings; a resumed
/// run must match it (checkpoint.h, check_checkpoint_matches()).
struct RunRecord {
  std::string model_config;          ///< models::to_json() of the model
  std::uint64_t tokenizer_hash = 0;  ///< data::tokenizer_hash() of its tokenizer (0: none)
  /// The front-end's own settings as members of a JSON object without the braces
  /// ("\"family\":\"gpt\",\"context\":128"), recorded before the loop's.
  std::string settings_json;
};

/// @brief Trains `objective` as the config says (check_loop_config() first). Resumes from
/// the latest checkpoint when config.resume is set. Stops after the step during which
/// stop_requested() became true on any rank, saving a checkpoint.
///
/// With several ranks every rank calls it with the same config and an equal objective;
/// the batch must be divisible by ranks x micro_batches. An Error on one rank during the
/// set-up is agreed on (agree_on_errors()), so every rank throws.
/// @param config how to train (S from epochs is worked out here).
/// @param objective what to train; the loop freezes what its trains() refuses.
/// @param record what the checkpoints record of the run.
/// @param callbacks progress hooks.
/// @param communicator the ranks that train together.
/// @return what happened (the same on every rank).
TrainResult run_loop(LoopConfig config, Objective& objective, const RunRecord& record,
                     const TrainCallbacks& callbacks, Communicator& communicator);

/// @brief Asks a running run_loop() to save and stop after its current step.
/// Async-signal-safe (it sets a lock-free atomic flag).
void request_stop();
/// @return whether a stop was requested.
bool stop_requested();
/// @brief Forgets a stop request (run_loop() does this when it starts).
void clear_stop_request();

/// @brief Makes SIGINT and SIGTERM call request_stop() for its lifetime, then restores the
/// previous handlers.
class StopOnSignals {
 public:
  StopOnSignals();
  ~StopOnSignals();
  StopOnSignals(const StopOnSignals&) = delete;
  StopOnSignals& operator=(const StopOnSignals&) = delete;

 private:
  struct Saved;
  Saved* saved_;
};

}  // namespace tinygpt::train
