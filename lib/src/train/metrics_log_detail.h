// The run's metrics.jsonl and its loss curve (train/loop.h). Private to train.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>

#include "tinygpt/train/loop.h"

namespace tinygpt::train::detail {

// metrics.jsonl, one JSON object per step, appended as the run goes.
class MetricsLog {
 public:
  // Starts the log: empty for a fresh run (first_step 0), or cut back to the lines up to
  // first_step for a resumed one (it redoes the later steps).
  MetricsLog(const std::filesystem::path& path, std::int64_t first_step);
  // Appends a step's line: step, loss, lr, grad_norm, tokens_per_s, tokens, train_s,
  // allreduce_s (with several ranks), and the validation figures when there are some
  // (val_loss, val_<name>).
  void append(const StepReport& report, bool with_allreduce);
  // Closes the file and draws the training and validation loss into `svg`.
  void finish(const std::filesystem::path& svg);

 private:
  std::filesystem::path path_;
  std::ofstream file_;
};

}  // namespace tinygpt::train::detail
