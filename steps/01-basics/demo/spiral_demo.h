// Step 01's demo: a two-layer network learns three interleaved spirals with the
// library's autograd and plain SGD. Used by `tinygpt journey` and by the step's tests.
#pragma once

#include <cstdint>
#include <ostream>

namespace tinygpt::demo {

/// Settings of the spiral demo; the defaults run in well under a second.
struct SpiralOptions {
  std::uint64_t seed = 1;      ///< data and initial weights
  int steps = 1500;            ///< full-batch SGD steps
  int points_per_class = 100;  ///< training points per spiral arm
  int hidden = 64;             ///< width of the hidden tanh layer
  float learning_rate = 0.5f;  ///< SGD step size
  int log_every = 250;         ///< print the loss every this many steps (0: never)
};

/// What the demo measured.
struct SpiralResult {
  float initial_loss = 0.0f;         ///< cross-entropy before training (about log 3 = 1.10)
  float final_loss = 0.0f;           ///< cross-entropy after training
  float train_accuracy = 0.0f;       ///< on the training points
  float validation_accuracy = 0.0f;  ///< on as many fresh points of the same spirals
  int steps = 0;                     ///< SGD steps taken
  double seconds = 0.0;              ///< wall time of the training loop
};

/// Trains the network and reports the losses and accuracies; logs progress to `log`.
SpiralResult run_spiral_demo(const SpiralOptions& options, std::ostream& log);

/// Prints the result as a short table.
void print_spiral_summary(const SpiralResult& result, std::ostream& out);

}  // namespace tinygpt::demo
