// Step 01's demo: a two-layer network learns three interleaved spirals with the
// library's autograd and plain SGD. Used by `tinygpt journey` and by the step's tests.
#pragma once

#include <cstdint>
#include <ostream>
#include <vector>

#include "tinygpt/core/tensor.h"

namespace tinygpt::demo {

/// Settings of the spiral demo; the defaults run in well under a second.
struct SpiralOptions {
  std::uint64_t seed = 1;      ///< data and initial weights
  int steps = 1500;            ///< full-batch SGD steps
  int points_per_class = 100;  ///< training points per spiral arm
  int hidden = 64;             ///< width of the hidden tanh layer
  float learning_rate = 0.5f;  ///< SGD step size
  int log_every = 250;         ///< print the loss every this many steps (0: never)
  /// Record the decision regions after each of these numbers of SGD steps (0: the initial
  /// weights, `steps`: the trained network), for `tinygpt figures`; empty: none. The
  /// recordings made during training count in SpiralResult::seconds.
  std::vector<int> region_steps;
  int region_grid = 24;  ///< the regions' grid: region_grid x region_grid cells
};

/// The plane as the network sees it at one moment of training: the class it predicts over a
/// square grid of cells covering [-kSpiralExtent, kSpiralExtent]^2 (the spirals lie in the
/// unit disc), row 0 at the top (largest y), column 0 at the left (smallest x).
struct SpiralRegions {
  int step = 0;                 ///< SGD steps taken (0: the initial weights)
  Matrix classes;               ///< (grid, grid) predicted class 0, 1 or 2 of each cell's centre
  float train_accuracy = 0.0f;  ///< on the training points, at this moment
  float validation_accuracy = 0.0f;  ///< on the fresh points, at this moment
};

/// Half the side of the square that SpiralRegions covers.
inline constexpr float kSpiralExtent = 1.2f;

/// What the demo measured.
struct SpiralResult {
  float initial_loss = 0.0f;         ///< cross-entropy before training (about log 3 = 1.10)
  float final_loss = 0.0f;           ///< cross-entropy after training
  float train_accuracy = 0.0f;       ///< on the training points
  float validation_accuracy = 0.0f;  ///< on as many fresh points of the same spirals
  int steps = 0;                     ///< SGD steps taken
  double seconds = 0.0;              ///< wall time of the training loop
  /// One entry per SpiralOptions::region_steps that training reached, in training order.
  std::vector<SpiralRegions> regions;
  /// With regions: the training points on the same grid, the class of the points in each
  /// cell (the last one's when several share it), -1 for a cell without a point.
  Matrix region_data;
};

/// Trains the network and reports the losses and accuracies; logs progress to `log`.
SpiralResult run_spiral_demo(const SpiralOptions& options, std::ostream& log);

/// Prints the result as a short table.
void print_spiral_summary(const SpiralResult& result, std::ostream& out);

}  // namespace tinygpt::demo
