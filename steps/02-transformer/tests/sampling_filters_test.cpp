// Top-k and top-p filtering and sample_next: known kept sets, ties, temperature, sampled
// frequencies against the renormalised distribution, and bad options.
#include <cmath>
#include <limits>
#include <vector>

#include "test_support.hpp"
#include "tinygpt/models/sampling.h"
#include "tinygpt/models/sampling_filters.h"

using namespace tinygpt;
using tinygpt::testing::contains;

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

// Indices whose logit survived a filter (is not -inf).
std::vector<int> kept(const std::vector<float>& logits) {
  std::vector<int> indices;
  for (std::size_t i = 0; i < logits.size(); ++i) {
    if (logits[i] != -kInf) indices.push_back(static_cast<int>(i));
  }
  return indices;
}

// Logits whose softmax (at temperature 1) is exactly the given distribution.
std::vector<float> logits_of(const std::vector<double>& probabilities) {
  std::vector<float> logits;
  for (const double p : probabilities) logits.push_back(static_cast<float>(std::log(p)));
  return logits;
}

// The tokens a filter(logits, value, temperature) keeps of (0.1, 0.4, 0.2, 0.3).
template <typename Filter>
std::vector<int> kept_of_four(const Filter& filter, float value, float temperature) {
  std::vector<float> filtered = logits_of({0.1, 0.4, 0.2, 0.3});
  filter(filtered, value, temperature);
  return kept(filtered);
}

}  // namespace

TEST_CASE("top-k keeps the k largest logits", "[step02][sampling]") {
  const std::vector<float> logits = {0.5f, 3.0f, -1.0f, 2.0f, 1.0f};
  std::vector<float> top2 = logits;
  models::apply_top_k(top2, 2);
  CHECK(kept(top2) == std::vector<int>{1, 3});
  CHECK(top2[1] == 3.0f);  // survivors keep their values
  CHECK(top2[3] == 2.0f);

  std::vector<float> top1 = logits;
  models::apply_top_k(top1, 1);
  CHECK(kept(top1) == std::vector<int>{1});

  for (const int k : {0, -3, 5, 9}) {  // off, or not fewer than V
    std::vector<float> unchanged = logits;
    models::apply_top_k(unchanged, k);
    CHECK(unchanged == logits);
  }
}

TEST_CASE("top-k keeps every logit tied with the k-th", "[step02][sampling]") {
  std::vector<float> logits = {1.0f, 2.0f, 2.0f, 0.0f, 2.0f};
  models::apply_top_k(logits, 2);
  CHECK(kept(logits) == std::vector<int>{1, 2, 4});
  // A token already removed stays removed, and does not count as a candidate.
  std::vector<float> masked = {-kInf, 1.0f, -kInf, 0.0f};
  models::apply_top_k(masked, 3);
  CHECK(kept(masked) == std::vector<int>{1, 3});
}

TEST_CASE("top-p keeps the smallest most-probable set of mass p", "[step02][sampling]") {
  auto top_p = [](float p, float temperature) {
    return kept_of_four(models::apply_top_p, p, temperature);
  };
  // Sorted: 0.4 (token 1), 0.3 (token 3), 0.2 (token 2), 0.1 (token 0).
  CHECK(top_p(0.05f, 1.0f) == std::vector<int>{1});
  CHECK(top_p(0.5f, 1.0f) == std::vector<int>{1, 3});      // 0.4 < 0.5 <= 0.7
  CHECK(top_p(0.75f, 1.0f) == std::vector<int>{1, 2, 3});  // 0.7 < 0.75 <= 0.9
  CHECK(top_p(0.95f, 1.0f) == std::vector<int>{0, 1, 2, 3});
  CHECK(top_p(1.0f, 1.0f) == std::vector<int>{0, 1, 2, 3});
  // The nucleus is taken from softmax(logits / T): at T = 0.5 the probabilities square,
  // (0.01, 0.16, 0.04, 0.09) / 0.30, so the top token alone (0.533) holds half the mass.
  CHECK(top_p(0.5f, 0.5f) == std::vector<int>{1});
  // T = 0 is greedy: only the first largest logit.
  CHECK(top_p(0.9f, 0.0f) == std::vector<int>{1});
  std::vector<float> tied = {1.0f, 3.0f, 3.0f};
  models::apply_top_p(tied, 0.5f, 0.0f);
  CHECK(kept(tied) == std::vector<int>{1});
}

TEST_CASE("top-p keeps tokens tied with the last one it needs", "[step02][sampling]") {
  // Probabilities (0.4, 0.2, 0.2, 0.2): p = 0.5 needs 0.4 and one 0.2; all three 0.2s stay.
  std::vector<float> logits = logits_of({0.4, 0.2, 0.2, 0.2});
  models::apply_top_p(logits, 0.5f, 1.0f);
  CHECK(kept(logits) == std::vector<int>{0, 1, 2, 3});
  // A removed token has probability 0 and stays removed.
  std::vector<float> masked = {-kInf, 2.0f, 0.0f, -kInf};
  models::apply_top_p(masked, 0.999f, 1.0f);
  CHECK(kept(masked) == std::vector<int>{1, 2});
}

TEST_CASE("min-p keeps tokens at least min_p times as probable as the best", "[step02][sampling]") {
  auto min_p = [](float fraction, float temperature) {
    return kept_of_four(models::apply_min_p, fraction, temperature);
  };
  // The best is 0.4: min_p 0.45 keeps p >= 0.18, min_p 0.6 keeps p >= 0.24, 0.9 only 0.4.
  CHECK(min_p(0.45f, 1.0f) == std::vector<int>{1, 2, 3});
  CHECK(min_p(0.6f, 1.0f) == std::vector<int>{1, 3});
  CHECK(min_p(0.9f, 1.0f) == std::vector<int>{1});
  CHECK(min_p(0.0f, 1.0f) == std::vector<int>{0, 1, 2, 3});
  // At T = 0.5 the ratios square: 0.3 / 0.4 = 0.75 becomes 0.5625 < 0.6.
  CHECK(min_p(0.6f, 0.5f) == std::vector<int>{1});
  CHECK(min_p(0.5f, 0.0f) == std::vector<int>{0, 1, 2, 3});  // greedy: unchanged
  std::vector<float> bad = logits_of({0.5, 0.5});
  REQUIRE_THROWS_WITH(models::apply_min_p(bad, 1.5f, 1.0f), contains("min_p must be in [0, 1]"));
}

TEST_CASE("sample_next with k = 1 or T = 0 is greedy", "[step02][sampling]") {
  const std::vector<float> logits = {0.3f, 1.9f, 2.0f, -4.0f, 1.95f};
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    CounterRng rng(seed, RngStream::kSampling, 0, 0);
    CHECK(models::sample_next(logits, {.temperature = 1.5f, .top_k = 1}, rng) == 2);
    CHECK(models::sample_next(logits, {.temperature = 0.0f, .top_p = 0.3f}, rng) == 2);
  }
}

TEST_CASE("sample_next with no filter matches sample_token draw for draw", "[step02][sampling]") {
  const std::vector<float> logits = {0.1f, -0.7f, 1.3f, 0.4f, 0.0f, 2.2f};
  for (std::uint64_t seed = 0; seed < 300; ++seed) {
    CounterRng a(seed, RngStream::kSampling, 0, 0);
    CounterRng b(seed, RngStream::kSampling, 0, 0);
    CHECK(models::sample_next(logits, {.temperature = 0.8f}, a) ==
          models::sample_token(logits, 0.8f, b));
  }
}

TEST_CASE("sampled tokens stay in the kept set with renormalised frequencies",
          "[step02][sampling]") {
  // Softmax at T = 1: (0.05, 0.30, 0.10, 0.25, 0.20, 0.10).
  const std::vector<double> p = {0.05, 0.30, 0.10, 0.25, 0.20, 0.10};
  const std::vector<float> logits = logits_of(p);
  struct Case {
    models::SamplingOptions options;
    std::vector<double> expected;  // renormalised probabilities, 0 outside the kept set
  };
  const std::vector<Case> cases = {
      // top-k 3 keeps tokens 1, 3, 4 (mass 0.75).
      {{.temperature = 1.0f, .top_k = 3}, {0, 0.30 / 0.75, 0, 0.25 / 0.75, 0.20 / 0.75, 0}},
      // top-p 0.5: 0.30 < 0.5 <= 0.30 + 0.25, so tokens 1 and 3.
      {{.temperature = 1.0f, .top_p = 0.5f}, {0, 0.30 / 0.55, 0, 0.25 / 0.55, 0, 0}},
      // top-k 4 (ties at 0.10: tokens 2 and 5 both stay, 5 tokens) then top-p 0.8 of the
      // renormalised (0.30, 0.10, 0.25, 0.20, 0.10) / 0.95: 0.316 + 0.263 + 0.211 = 0.789
      // < 0.8, so the 0.10s are needed, and both stay.
      {{.temperature = 1.0f, .top_k = 4, .top_p = 0.8f},
       {0, 0.30 / 0.95, 0.10 / 0.95, 0.25 / 0.95, 0.20 / 0.95, 0.10 / 0.95}},
  };
  const int draws = 30000;
  for (std::size_t c = 0; c < cases.size(); ++c) {
    std::vector<int> counts(p.size(), 0);
    for (int i = 0; i < draws; ++i) {
      // A fresh generator per draw: many seeds, one uniform each.
      CounterRng rng(static_cast<std::uint64_t>(i), RngStream::kSampling, 0, c);
      ++counts[static_cast<std::size_t>(models::sample_next(logits, cases[c].options, rng))];
    }
    for (std::size_t j = 0; j < p.size(); ++j) {
      const double expected = cases[c].expected[j];
      INFO("case " << c << ", token " << j << ": " << counts[j] << " of " << draws);
      if (expected == 0.0) {
        CHECK(counts[j] == 0);  // never outside the kept set
      } else {
        // Five standard errors of a binomial share: a false alarm about once in 3.5 million.
        CHECK(std::abs(counts[j] / double{draws} - expected) <
              5.0 * std::sqrt(expected * (1.0 - expected) / draws));
      }
    }
  }
}

TEST_CASE("sample_next rejects bad options, naming the value", "[step02][sampling]") {
  CounterRng rng(1, RngStream::kSampling, 0, 0);
  const std::vector<float> logits = {1.0f, 2.0f};
  REQUIRE_THROWS_WITH(models::sample_next(std::vector<float>{}, {}, rng),
                      contains("there are no logits"));
  REQUIRE_THROWS_WITH(models::sample_next(logits, {.temperature = -0.5f}, rng),
                      contains("temperature must be 0 (greedy) or positive, got -0.5"));
  REQUIRE_THROWS_WITH(models::sample_next(logits, {.temperature = NAN}, rng),
                      contains("temperature must be 0 (greedy) or positive, got nan"));
  REQUIRE_THROWS_WITH(models::sample_next(logits, {.top_k = -2}, rng),
                      contains("top_k must be 0 (off) or positive, got -2"));
  REQUIRE_THROWS_WITH(models::sample_next(logits, {.top_p = 0.0f}, rng),
                      contains("top_p must be in (0, 1] (1 is off), got 0"));
  REQUIRE_THROWS_WITH(models::sample_next(logits, {.top_p = 1.5f}, rng),
                      contains("top_p must be in (0, 1] (1 is off), got 1.5"));
  REQUIRE_THROWS_WITH(models::sample_next(logits, {.top_p = NAN}, rng),
                      contains("top_p must be in (0, 1] (1 is off), got nan"));
  REQUIRE_THROWS_WITH(models::sample_next(std::vector<float>{1.0f, kInf}, {}, rng),
                      contains("logit 1 is inf"));
  REQUIRE_THROWS_WITH(models::sample_next(std::vector<float>{-kInf, 1.0f}, {}, rng),
                      contains("logit 0 is -inf"));
  // The filters themselves refuse NaN and +inf, and a span with nothing left to keep.
  std::vector<float> nan_logits = {1.0f, NAN};
  REQUIRE_THROWS_WITH(models::apply_top_k(nan_logits, 1), contains("logit 1 is nan"));
  std::vector<float> all_removed = {-kInf, -kInf};
  REQUIRE_THROWS_WITH(models::apply_top_p(all_removed, 0.5f, 1.0f),
                      contains("all 2 logits are -inf"));
  std::vector<float> fine = {1.0f, 2.0f};
  REQUIRE_THROWS_WITH(models::apply_top_p(fine, 1.01f, 1.0f), contains("p must be in (0, 1]"));
}
