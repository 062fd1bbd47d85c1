// Exercise 03.2, reference solution: linear warmup, then cosine decay to a minimum.
#include <cmath>
#include <numbers>

#include "tinygpt/core/check.h"
#include "tinygpt/train/schedule.h"

namespace tinygpt::train {

float warmup_cosine_lr(std::int64_t step, const WarmupCosineSettings& settings) {
  check_schedule(settings);
  TINYGPT_CHECK(step >= 0, "warmup_cosine_lr: step must be >= 0, got ", step);
  const std::int64_t warmup = settings.warmup_steps;
  const std::int64_t total = settings.total_steps;
  const double max_lr = settings.max_lr;
  const double min_lr = settings.min_lr;

  // Warmup: a straight line from max_lr / W at step 0 up to max_lr at step W - 1.
  if (step < warmup) {
    return static_cast<float>(max_lr * static_cast<double>(step + 1) / static_cast<double>(warmup));
  }
  // After the decay: the floor.
  if (step >= total) return settings.min_lr;
  // Cosine: progress goes 0 -> 1, the factor (1 + cos(pi progress)) / 2 goes 1 -> 0.
  const double progress = static_cast<double>(step - warmup) / static_cast<double>(total - warmup);
  const double factor = 0.5 * (1.0 + std::cos(std::numbers::pi * progress));
  return static_cast<float>(min_lr + (max_lr - min_lr) * factor);
}

}  // namespace tinygpt::train
