/// @file trainer.h
/// @brief The pre-training loop a person runs (`tinygpt train`): data, steps, validation,
/// samples, metrics, checkpoints, exact resume and a clean stop on Ctrl-C.
///
/// One step (GPT, causal language modelling), with B = batch, N = micro_batches, T = context:
///
///     zero the gradients
///     for m in 0 .. N-1:                       gradient accumulation
///         rows = causal_lm_batch(train, {seed, step, m * B/N, B/N}, T)
///         loss_m = cross_entropy(gpt(rows.inputs), rows.targets)
///         backward(loss_m, scale 1/N)          the N means become one mean
///     norm = clip_grad_norm(parameters, clip)
///     lr = warmup_cosine_lr(step, {lr, min_lr, W, steps})
///     AdamW step
///
/// The other families change only how rows become a loss:
///   - encoder (BERT): rows = nsp_batch(sentence pairs of the training documents), then
///     mlm_mask_batch (15%, 80/10/10, never [CLS]/[SEP]/[PAD]); loss = MLM + NSP. Its
///     tokenizer needs the specials [CLS], [SEP], [PAD] and [MASK].
///   - seq2seq: rows = seq2seq_batch(translation pairs), S = T = context; loss = the
///     decoder's cross-entropy on the shifted target. The data is a folder with
///     translation.txt (`tinygpt data generate --kinds translation`); the tokenizer needs
///     [BOS], [EOS] and [PAD]. A tokenizer the trainer trains gets the family's specials.
///
/// Everything random is a pure function of (seed, step, example), so the same config gives
/// bit-identical losses, and a run resumed from a checkpoint continues exactly as if it
/// had never stopped.
///
/// Data parallel (distributed.h, `mpirun -np P tinygpt train ...`): rank r of P takes
/// examples [r B/P, (r+1) B/P) of every global batch, in N micro-batches of B/(P N), so B
/// must be divisible by P N. After backward the gradients are averaged over the ranks, then
/// clipped and applied: every rank takes the same optimizer step, the one a single process
/// takes with the whole batch (up to the summation order of the allreduce). Rank 0 alone
/// prepares the data, writes the files below and draws samples; every rank reads the
/// checkpoint it resumes from. Validation batches are shared out round-robin; the reported
/// losses are means over all ranks. A stop request on any rank stops every rank after the
/// same step.
///
/// The run's folder (`out`) holds:
///   - `checkpoint-NNNNNNNN.safetensors` (the step in 8 digits): the last `keep` checkpoints
///   (checkpoint.h);
///   - metrics.jsonl: one JSON object per step: step, loss, lr, grad_norm, tokens_per_s,
///     and val_loss on evaluation steps;
///   - samples.txt: the generated samples, each under its step;
///   - loss.svg: training and validation loss against the step, drawn at the end;
///   - train_config.json: the config of the run;
///   - model/: the final GPT as a folder `tinygpt generate --model` reads (GPT only);
///   - data/: the tokenizer and token files, when the trainer tokenised a text corpus.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tinygpt/models/config.h"
#include "tinygpt/train/distributed.h"

namespace tinygpt::train {

/// The steps of a run that gives neither steps nor epochs.
inline constexpr std::int64_t kDefaultSteps = 1000;

/// @brief Everything a training run needs to know.
struct TrainConfig {
  models::ModelConfig model;           ///< the model's sizes (its family picks the objective)
  std::filesystem::path model_config;  ///< the file the model config came from (for records)
  /// The data: a folder with train.tokens and validation.tokens (data::write_corpus_token_files)
  /// and tokenizer.bpe; a folder made by `tinygpt data generate` (stories.txt); or a UTF-8
  /// text file. Text is tokenised into `out`/data first.
  std::filesystem::path data;
  std::filesystem::path out;        ///< the run's folder
  std::filesystem::path tokenizer;  ///< a tokenizer.bpe to use; empty: the data's or a new one
  /// S, optimizer steps in the whole run; 0: from `epochs`, or kDefaultSteps when that is 0 too.
  std::int64_t steps = 0;
  /// E, passes over the training data instead of `steps` (0: not given): S =
  /// steps_for_epochs(E, ...) of the training tokens (GPT) or pairs (encoder, seq2seq).
  double epochs = 0.0;
  std::int64_t batch = 8;                ///< B, sequences per step
  std::int64_t micro_batches = 1;        ///< N, gradient accumulation; must divide B
  std::int64_t context = 0;              ///< T, tokens per sequence; 0: the model's context_length
  float lr = 1e-3f;                      ///< the peak learning rate
  float min_lr = 1e-4f;                  ///< the rate at the end of the cosine decay
  std::int64_t warmup = -1;              ///< W, warmup steps; -1: min(100, steps / 10)
  float weight_decay = 0.1f;             ///< AdamW's decoupled weight decay
  float clip = 1.0f;                     ///< the largest global gradient norm
  std::int64_t eval_interval = 100;      ///< validation every this many steps (and at the end)
  std::int64_t eval_batches = 4;         ///< validation batches of B/N sequences each
  std::int64_t sample_interval = 0;      ///< a sample every this many steps; 0: none
  std::int64_t sample_tokens = 48;       ///< length of a sample in tokens
  std::int64_t checkpoint_interval = 0;  ///< a checkpoint every this many steps; 0: at the end
  int keep = 3;                          ///< checkpoints kept
  std::uint64_t seed = 1;                ///< the run's seed: init, data, dropout
  bool resume = false;  ///< go on from the latest checkpoint in `out` (if there is one)

  /// @return T: context, or the model's context_length when context is 0.
  std::int64_t time() const { return context > 0 ? context : model.context_length; }
  /// @return W: warmup, or min(100, steps / 10) when warmup is -1 (S known: see `steps`).
  std::int64_t warmup_steps() const {
    return warmup >= 0 ? warmup : (steps / 10 < 100 ? steps / 10 : 100);
  }
};

/// @brief Parses a training config file: a JSON object with the fields of TrainConfig
/// (`model_config` a path, relative to the file's folder; `family`, when present, must be
/// the model config's). Unknown fields and wrong types are Errors naming the file and field.
/// @param json_text the JSON text.
/// @param origin the file's path, for messages and relative paths.
/// @return the config (not yet checked: see check_train_config()).
TrainConfig parse_train_config(std::string_view json_text, const std::filesystem::path& origin);

/// @param config a config.
/// @return it as a one-line JSON object (what checkpoints store and train_config.json holds).
std::string to_json(const TrainConfig& config);

/// @brief Checks a config before anything is trained: values in range, the data present,
/// `out` writable, not both steps and epochs. Each Error names the setting and what to do.
/// @param config the config.
void check_train_config(const TrainConfig& config);

/// @brief The steps of `epochs` passes over the training data: ceil(E x units / per step).
/// GPT: units are training tokens, B x T per step; encoder: sentence pairs (their possible
/// first sentences), seq2seq: translation pairs, B per step. Error when S is not in
/// [1, 10^8).
/// @param epochs E, positive.
/// @param epoch_units tokens or pairs in one pass over the training data.
/// @param units_per_step B x T (GPT) or B.
/// @return S.
std::int64_t steps_for_epochs(double epochs, std::int64_t epoch_units, std::int64_t units_per_step);

/// @brief What one step did.
struct StepReport {
  std::int64_t step = 0;           ///< steps completed, 1 after the first step
  std::int64_t steps = 0;          ///< S, the run's total
  float loss = 0.0f;               ///< mean training loss of the step's batch
  float lr = 0.0f;                 ///< the learning rate used
  float grad_norm = 0.0f;          ///< the global norm before clipping
  double tokens_per_second = 0.0;  ///< B * T / the step's wall time
  double allreduce_seconds = 0.0;  ///< averaging the gradients over the ranks (0 alone)
  double elapsed_seconds = 0.0;    ///< since this process started training
  std::optional<float> val_loss;   ///< mean validation loss, on evaluation steps
};

/// @brief Hooks to show progress; each may be empty. With several ranks, on_step is called
/// on every rank (with the same report), the other two on rank 0 only.
struct TrainCallbacks {
  std::function<void(const StepReport&)> on_step;  ///< after every step
  /// a new sample (GPT): the step and the generated text
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
  std::filesystem::path checkpoint;  ///< the last checkpoint written
  double tokens_per_second = 0.0;    ///< over the steps this process took
};

/// @brief Trains as the config says (check_train_config() first). Resumes from the latest
/// checkpoint when config.resume is set; a fresh run into a folder that already holds
/// checkpoints is an Error (resume, or pick another folder). Stops after the step during
/// which stop_requested() became true on any rank, saving a checkpoint.
///
/// With several ranks every rank calls it with the same config; the batch must be
/// divisible by ranks x micro_batches. An Error on one rank leaves the others waiting in a
/// collective: the program should end the job (DistributedSession::abort_job()).
/// @param config the run.
/// @param callbacks progress hooks.
/// @param communicator the ranks that train together (default: every process of the job).
/// @return what happened (the same on every rank).
TrainResult run_training(const TrainConfig& config, const TrainCallbacks& callbacks = {},
                         Communicator& communicator = world_communicator());

/// @brief Asks a running run_training() to save and stop after its current step.
/// Async-signal-safe (it sets a lock-free atomic flag).
void request_stop();
/// @return whether a stop was requested.
bool stop_requested();
/// @brief Forgets a stop request (run_training() does this when it starts).
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
