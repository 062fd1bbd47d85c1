// What every training command shares (`tinygpt train`, and the fine-tuning and alignment
// commands after it): the training loop's options (train/loop.h) and the progress line.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <filesystem>
#include <string>

#include "tinygpt/train/loop.h"

namespace tinygpt::cli {

/// Adds the options of LoopConfig (--out, --steps, --epochs, --batch, ..., --resume) to a
/// command; their values land in `options`.
void add_loop_options(CLI::App& command, train::LoopConfig& options);

/// Adds --print-every: when not on a terminal, a progress line every this many steps.
void add_print_every_option(CLI::App& command, std::int64_t& print_every);

/// Reads a --train-config file's text, refusing a path that is not a file.
std::string read_train_config(const std::filesystem::path& path);

/// Copies into `config` the loop options the user gave on the command line (they win over
/// a config file). Steps and epochs are two ways to say how long: one given replaces the
/// other from the file; both given are refused later by check_loop_config().
void apply_loop_options(const CLI::App& command, const train::LoopConfig& options,
                        train::LoopConfig& config);

/// The progress of a run on standard output: on a terminal one line redrawn in place
/// (step, loss, lr, tokens/s, ETA), a validation result on its own line; otherwise a line
/// every `print_every` steps. Quiet on the ranks other than 0.
class TrainingProgress {
 public:
  TrainingProgress(std::int64_t print_every, bool quiet);
  /// The callbacks that feed it (on_step, on_message, on_sample).
  train::TrainCallbacks callbacks();
  /// One line of news ("tokenising ...").
  void message(const std::string& text);
  /// After a run: says where it stopped and how to go on when a signal stopped it.
  /// @return whether it was stopped so.
  bool interrupted(const train::TrainResult& result);

 private:
  void step(const train::StepReport& report);

  bool terminal_;
  bool quiet_;
  std::int64_t every_;
  std::int64_t first_step_ = -1;  // steps done before this process (resume)
};

/// "1h02m", "3m07s", "12s".
std::string format_duration(double seconds);

}  // namespace tinygpt::cli
