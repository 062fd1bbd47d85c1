/// @file checkpoint.h
/// @brief Training checkpoints: one safetensors file holds everything a run needs to go on
/// exactly where it stopped.
///
/// A checkpoint is `DIR/checkpoint-<step, 8 digits>.safetensors` (e.g.
/// checkpoint-00001000.safetensors after 1000 steps) holding
///
///   - `param.<name>`: every parameter's values, shape as in the model (F32);
///   - `optim.first.<name>`, `optim.second.<name>`: the optimizer's state of each parameter
///     that trains (its slots(); a frozen parameter has none): AdamW's moments m and v, or
///     SGD's momentum buffer alone (no second);
///   - `state.<name>`: a training objective's own state, when it has some
///     (Objective::extra_state());
///   - in `__metadata__` (strings): `format` ("tinygpt-checkpoint-1"), `model_config`
///     (models::to_json), `train_config` (the trainer's JSON), `step` (steps completed),
///     `seed`, `tokenizer_hash` (decimal), `optimizer_steps` (the optimizer's step count).
///
/// Nothing else is needed to resume exactly: batches, dropout masks and MLM masks are pure
/// functions of (seed, step, example), so the step is the data position and the seed is the
/// RNG key. In Python: `safetensors.torch.load_file(path)` gives the tensors and
/// `safe_open(path, "pt").metadata()` the strings.
///
/// Files are written atomically (write_safetensors: temporary file, flush, rename), so a
/// crash leaves the previous checkpoint or the new one, never half a file; older ones are
/// deleted only after the new one is in place.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "tinygpt/core/parameters.h"
#include "tinygpt/train/optimizers.h"

namespace tinygpt::train {

/// The value of the `format` metadata field this library writes and reads.
inline constexpr const char* kCheckpointFormat = "tinygpt-checkpoint-1";

/// @brief The training state stored beside the tensors (the checkpoint's metadata).
struct CheckpointState {
  std::int64_t step = 0;             ///< training steps completed
  std::uint64_t seed = 0;            ///< the run's seed (the RNG key of data, dropout, masks)
  std::uint64_t tokenizer_hash = 0;  ///< data::tokenizer_hash() of the run's tokenizer
  std::int64_t optimizer_steps = 0;  ///< the optimizer's step_count()
  std::string model_config;          ///< models::to_json() of the model
  std::string train_config;          ///< the training config as a JSON object
};

/// @brief The file name of the checkpoint after `step` steps.
/// @param dir the run's folder.
/// @param step steps completed, in [0, 10^8).
/// @return dir / "checkpoint-<8 digits>.safetensors".
std::filesystem::path checkpoint_path(const std::filesystem::path& dir, std::int64_t step);

/// @brief The checkpoints in a folder, oldest (smallest step) first. Files that do not
/// match the name pattern (temporary files, other files) are ignored.
/// @param dir the folder; a missing folder has none.
/// @return their paths, by step.
std::vector<std::filesystem::path> list_checkpoints(const std::filesystem::path& dir);

/// @brief The newest checkpoint of a folder.
/// @param dir the folder.
/// @return the checkpoint with the largest step, or nothing.
std::optional<std::filesystem::path> latest_checkpoint(const std::filesystem::path& dir);

/// @brief Writes a checkpoint atomically, then deletes all but the newest `keep`
/// checkpoints of the folder.
///
/// Throws Error naming the file when it cannot be written (older checkpoints are then
/// untouched) and when the optimizer's slots do not match the parameters.
/// @param dir the run's folder (created when missing).
/// @param parameters the model's parameters.
/// @param optimizer the optimizer of those parameters.
/// @param state step, seed, configs; state.optimizer_steps is taken from the optimizer.
/// @param keep how many checkpoints to keep, at least 1.
/// @param extra_state more tensors to keep (as `state.<name>`), or nullptr.
/// @return the path written.
std::filesystem::path save_checkpoint(const std::filesystem::path& dir,
                                      const ParameterSet& parameters, const Optimizer& optimizer,
                                      const CheckpointState& state, int keep,
                                      const ParameterSet* extra_state = nullptr);

/// @brief Reads only the metadata of a checkpoint.
/// @param path the checkpoint; Error naming it when it is missing, not a safetensors file,
///        not a tinygpt checkpoint or lacks a field.
/// @return its training state.
CheckpointState read_checkpoint_state(const std::filesystem::path& path);

/// @brief Refuses to resume a run from a checkpoint of another run.
///
/// The model configs must be equal field by field, and so must the training config's
/// essential fields (kEssentialTrainFields), the seed and the tokenizer hash. Throws Error
/// whose message names the checkpoint, the field and both values, e.g. "checkpoint
/// run/checkpoint-00000100.safetensors was made with width 32, this run has width 64".
/// @param saved the checkpoint's state.
/// @param current the state of the run about to resume (step is not compared).
/// @param origin the checkpoint's path, for the message.
void check_checkpoint_matches(const CheckpointState& saved, const CheckpointState& current,
                              const std::string& origin);

/// The training-config fields that must not change across a resume: each changes which
/// batches are drawn or how they update the weights.
inline constexpr const char* kEssentialTrainFields[] = {
    "family",       "batch", "micro_batches", "context",   "lr",       "min_lr",    "warmup",
    "weight_decay", "clip",  "steps",         "optimizer", "momentum", "precision",
};

/// @brief Loads a checkpoint into a model and its optimizer after
/// check_checkpoint_matches(): parameter values, the optimizer state and the step count.
///
/// Throws Error naming the file and the tensor when one is missing or has another shape.
/// @param path the checkpoint.
/// @param parameters the model's parameters, overwritten.
/// @param optimizer the optimizer, overwritten.
/// @param current the state of the resuming run, compared with the checkpoint's.
/// @param extra_state the tensors save_checkpoint() kept as `state.<name>`, overwritten; or
///        nullptr.
/// @return the checkpoint's state (its step is where training goes on).
CheckpointState load_checkpoint(const std::filesystem::path& path, ParameterSet& parameters,
                                Optimizer& optimizer, const CheckpointState& current,
                                ParameterSet* extra_state = nullptr);

}  // namespace tinygpt::train
