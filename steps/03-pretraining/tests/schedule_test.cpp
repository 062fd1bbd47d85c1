// The warmup-cosine learning-rate schedule (exercise 03.2): its edge cases and shape.
#include <cmath>
#include <numbers>

#include "test_support.hpp"
#include "tinygpt/train/schedule.h"

using namespace tinygpt;
using namespace tinygpt::train;
using Catch::Matchers::WithinRel;

namespace {
WarmupCosineSettings settings_of(float max_lr, float min_lr, std::int64_t warmup,
                                 std::int64_t total) {
  WarmupCosineSettings settings;
  settings.max_lr = max_lr;
  settings.min_lr = min_lr;
  settings.warmup_steps = warmup;
  settings.total_steps = total;
  return settings;
}
}  // namespace

TEST_CASE("warmup rises linearly from max_lr over W to max_lr", "[step03][schedule][ex03.2]") {
  const WarmupCosineSettings settings = settings_of(1e-3f, 1e-4f, 10, 110);
  CHECK_THAT(warmup_cosine_lr(0, settings), WithinRel(1e-4f, 1e-6f));  // step 0: max_lr / W
  CHECK_THAT(warmup_cosine_lr(4, settings), WithinRel(5e-4f, 1e-6f));
  CHECK_THAT(warmup_cosine_lr(9, settings), WithinRel(1e-3f, 1e-6f));  // step W - 1: max_lr
  for (std::int64_t step = 1; step < 10; ++step) {
    CHECK(warmup_cosine_lr(step, settings) > warmup_cosine_lr(step - 1, settings));
  }
}

TEST_CASE("cosine decay falls from max_lr to min_lr and stays there",
          "[step03][schedule][ex03.2]") {
  const WarmupCosineSettings settings = settings_of(1e-3f, 1e-4f, 10, 110);
  CHECK_THAT(warmup_cosine_lr(10, settings), WithinRel(1e-3f, 1e-6f));  // step W: max_lr
  // Halfway through the decay the cosine factor is 1/2: the middle of max and min.
  CHECK_THAT(warmup_cosine_lr(60, settings), WithinRel(5.5e-4f, 1e-6f));
  // A quarter in: min + (max - min) (1 + cos(pi / 4)) / 2.
  const double quarter = 1e-4 + 9e-4 * (1.0 + std::cos(std::numbers::pi / 4)) / 2.0;
  CHECK_THAT(warmup_cosine_lr(35, settings), WithinRel(quarter, 1e-6));
  for (std::int64_t step = 11; step <= 110; ++step) {
    CHECK(warmup_cosine_lr(step, settings) < warmup_cosine_lr(step - 1, settings));
    CHECK(warmup_cosine_lr(step, settings) >= 1e-4f);
  }
  // From step S on: min_lr, exactly, for ever.
  CHECK(warmup_cosine_lr(110, settings) == 1e-4f);
  CHECK(warmup_cosine_lr(111, settings) == 1e-4f);
  CHECK(warmup_cosine_lr(1000000, settings) == 1e-4f);
}

TEST_CASE("the schedule without warmup and with min_lr 0", "[step03][schedule][ex03.2]") {
  const WarmupCosineSettings settings = settings_of(2.0f, 0.0f, 0, 4);
  CHECK(warmup_cosine_lr(0, settings) == 2.0f);  // no warmup: the cosine starts at max_lr
  CHECK_THAT(warmup_cosine_lr(2, settings), WithinRel(1.0f, 1e-6f));
  CHECK(warmup_cosine_lr(4, settings) == 0.0f);
  // Warmup only (S == W): the line, then min_lr.
  const WarmupCosineSettings ramp = settings_of(1.0f, 0.5f, 4, 4);
  CHECK_THAT(warmup_cosine_lr(3, ramp), WithinRel(1.0f, 1e-6f));
  CHECK(warmup_cosine_lr(4, ramp) == 0.5f);
}

TEST_CASE("impossible schedules and steps are refused", "[step03][schedule][ex03.2]") {
  // A valid call first: the refusals alone would also pass with a stub that always throws.
  REQUIRE_THAT(warmup_cosine_lr(0, settings_of(1.0f, 0.1f, 2, 10)), WithinRel(0.5f, 1e-6f));
  CHECK_THROWS_AS(warmup_cosine_lr(-1, settings_of(1.0f, 0.1f, 2, 10)), Error);
  CHECK_THROWS_AS(warmup_cosine_lr(0, settings_of(1.0f, 2.0f, 2, 10)), Error);
  CHECK_THROWS_AS(warmup_cosine_lr(0, settings_of(0.0f, 0.0f, 2, 10)), Error);
  CHECK_THROWS_AS(warmup_cosine_lr(0, settings_of(1.0f, 0.1f, 20, 10)), Error);
  CHECK_THROWS_AS(check_schedule(settings_of(1.0f, 0.1f, -1, 10)), Error);
  CHECK_NOTHROW(check_schedule(settings_of(1.0f, 0.1f, 2, 10)));
}
