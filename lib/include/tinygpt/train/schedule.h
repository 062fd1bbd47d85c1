/// @file schedule.h
/// @brief The learning-rate schedule of GPT-style pre-training: linear warmup, then cosine
/// decay to a minimum.
///
///     step < W:          lr = max_lr * (step + 1) / W
///     W <= step < S:     lr = min_lr + (max_lr - min_lr) * (1 + cos(pi * (step - W) / (S - W))) /
///     2 step >= S:         lr = min_lr
///
/// with W = warmup_steps and S = total_steps, and `step` the 0-based number of the step
/// about to be taken. Edge cases, chosen and tested: step 0 gets max_lr / W (never 0: a
/// step with lr 0 would be wasted), step W - 1 reaches max_lr and step W starts the cosine
/// at max_lr; with W = 0 there is no warmup; from step S on the rate stays at min_lr.
///
/// Why: early gradients are large and their directions noisy, and AdamW's second moment
/// is still a poor estimate, so a full-size step would throw the weights far; warmup
/// avoids that. Late in training smaller steps settle into a minimum instead of bouncing
/// around it; the cosine gets there smoothly.
///
/// The body of warmup_cosine_lr is exercise 03.2: the reference is
/// solutions/03-pretraining/schedule.cpp, the learner's stub exercises/03-pretraining/schedule.cpp.
#pragma once

#include <cstdint>

namespace tinygpt::train {

/// @brief The shape of a warmup-cosine schedule.
struct WarmupCosineSettings {
  float max_lr = 3e-4f;           ///< the peak rate, reached at the end of warmup, positive
  float min_lr = 3e-5f;           ///< the floor at the end of the decay, in [0, max_lr]
  std::int64_t warmup_steps = 0;  ///< W, >= 0
  std::int64_t total_steps = 1;   ///< S, the step where the decay ends, >= W
};

/// @brief Throws Error naming the field when a setting is impossible (max_lr not positive,
/// min_lr outside [0, max_lr], W < 0, S < W).
/// @param settings the schedule.
void check_schedule(const WarmupCosineSettings& settings);

/// @brief The learning rate of one step (exercise 03.2); see the formula above.
/// @param step the 0-based step about to be taken, >= 0 (a negative step throws Error).
/// @param settings the schedule, valid as check_schedule() requires.
/// @return the rate, in [min_lr, max_lr] after warmup and in (0, max_lr] during it.
float warmup_cosine_lr(std::int64_t step, const WarmupCosineSettings& settings);

}  // namespace tinygpt::train
