// Validation of warmup-cosine schedules; the schedule itself is exercise 03.2
// (solutions/03-pretraining/schedule.cpp).
#include "tinygpt/train/schedule.h"

#include "tinygpt/core/check.h"

namespace tinygpt::train {

void check_schedule(const WarmupCosineSettings& settings) {
  TINYGPT_CHECK(settings.max_lr > 0.0f, "schedule: max_lr must be positive, got ", settings.max_lr);
  TINYGPT_CHECK(settings.min_lr >= 0.0f && settings.min_lr <= settings.max_lr,
                "schedule: min_lr must be in [0, max_lr = ", settings.max_lr, "], got ",
                settings.min_lr);
  TINYGPT_CHECK(settings.warmup_steps >= 0, "schedule: warmup_steps must be >= 0, got ",
                settings.warmup_steps);
  TINYGPT_CHECK(settings.total_steps >= settings.warmup_steps, "schedule: total_steps (",
                settings.total_steps, ") must be at least warmup_steps (", settings.warmup_steps,
                ")");
}

}  // namespace tinygpt::train
