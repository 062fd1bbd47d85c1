// Token sampling (exercise 01.8): known picks, greedy decoding, temperature, frequencies.
#include <cmath>
#include <limits>
#include <vector>

#include "test_support.hpp"
#include "tinygpt/models/sampling.h"

using namespace tinygpt;
using tinygpt::testing::contains;

TEST_CASE("sampling picks by the cumulative softmax", "[step01][sampling][ex01.8]") {
  const std::vector<float> logits = {0.0f, std::log(3.0f)};  // p = (0.25, 0.75)
  CHECK(models::sample_from_logits(logits, 1.0f, 0.0f) == 0);
  CHECK(models::sample_from_logits(logits, 1.0f, 0.24f) == 0);
  CHECK(models::sample_from_logits(logits, 1.0f, 0.26f) == 1);
  CHECK(models::sample_from_logits(logits, 1.0f, 0.999f) == 1);
}

TEST_CASE("temperature sharpens and flattens the distribution", "[step01][sampling][ex01.8]") {
  const std::vector<float> logits = {0.0f, std::log(3.0f)};
  // T = 0.5 squares the odds: p = (0.1, 0.9).
  CHECK(models::sample_from_logits(logits, 0.5f, 0.09f) == 0);
  CHECK(models::sample_from_logits(logits, 0.5f, 0.11f) == 1);
  // A huge T makes it uniform: p = (0.5, 0.5).
  CHECK(models::sample_from_logits(logits, 1e6f, 0.49f) == 0);
  CHECK(models::sample_from_logits(logits, 1e6f, 0.51f) == 1);
}

TEST_CASE("temperature 0 is greedy, first index on ties", "[step01][sampling][ex01.8]") {
  CHECK(models::sample_from_logits(std::vector<float>{1.0f, 5.0f, 2.0f}, 0.0f, 0.99f) == 1);
  CHECK(models::sample_from_logits(std::vector<float>{7.0f, 3.0f, 7.0f}, 0.0f, 0.5f) == 0);
}

TEST_CASE("a -infinity logit is never picked (top-k and top-p filters make them)",
          "[step01][sampling][ex01.8]") {
  const float removed = -std::numeric_limits<float>::infinity();
  const std::vector<float> logits = {removed, 0.0f, removed, std::log(3.0f), removed};
  CHECK(models::sample_from_logits(logits, 1.0f, 0.0f) == 1);
  CHECK(models::sample_from_logits(logits, 1.0f, 0.24f) == 1);
  CHECK(models::sample_from_logits(logits, 1.0f, 0.26f) == 3);
  CHECK(models::sample_from_logits(logits, 1.0f, 0.9999f) == 3);
  CHECK(models::sample_from_logits(logits, 0.5f, 0.95f) == 3);
  CHECK(models::sample_from_logits(logits, 0.0f, 0.5f) == 3);
}

TEST_CASE("sampled frequencies follow the softmax", "[step01][sampling][ex01.8]") {
  const std::vector<float> logits = {1.0f, 2.0f, 0.0f, 3.0f};
  double total = 0.0;
  for (const float logit : logits) total += std::exp(logit);
  CounterRng rng(3, RngStream::kSampling, 0, 0);
  std::vector<int> counts(4, 0);
  const int draws = 40000;
  for (int i = 0; i < draws; ++i) ++counts[models::sample_token(logits, 1.0f, rng)];
  for (int j = 0; j < 4; ++j) {
    const double expected = std::exp(logits[j]) / total;
    INFO("token " << j);
    // Five standard errors of a binomial share.
    CHECK(std::abs(counts[j] / double{draws} - expected) <
          5.0 * std::sqrt(expected * (1.0 - expected) / draws));
  }
}

TEST_CASE("sampling rejects bad arguments, naming them", "[step01][sampling]") {
  CounterRng rng(1, RngStream::kSampling, 0, 0);
  REQUIRE_THROWS_WITH(models::sample_token(std::vector<float>{}, 1.0f, rng),
                      contains("there are no logits"));
  REQUIRE_THROWS_WITH(models::sample_token(std::vector<float>{1.0f}, -1.0f, rng),
                      contains("temperature must be 0 (greedy) or positive, got -1"));
  REQUIRE_THROWS_WITH(models::sample_token(std::vector<float>{1.0f, NAN}, 1.0f, rng),
                      contains("logit 1 is nan"));
}
