// The causal and key-padding masks (exercise 02.5): which scores become -infinity, with and
// without a cache of earlier keys.
#include <cstdint>
#include <limits>
#include <vector>

#include "test_support.hpp"
#include "tinygpt/nn/attention.h"

using namespace tinygpt;

namespace {
constexpr float kInf = std::numeric_limits<float>::infinity();

// Scores 1, 2, 3, ... so an entry left alone is easy to recognise.
Matrix counting_scores(Eigen::Index time, Eigen::Index keys) {
  Matrix scores(time, keys);
  for (Eigen::Index i = 0; i < scores.size(); ++i) scores.data()[i] = float(i + 1);
  return scores;
}

// Checks every entry: -infinity where `visible` is false, the original score elsewhere.
template <typename Visible>
void check_mask(const Matrix& masked, const Matrix& original, Visible visible) {
  for (Eigen::Index t = 0; t < masked.rows(); ++t) {
    for (Eigen::Index s = 0; s < masked.cols(); ++s) {
      INFO("query " << t << ", key " << s);
      CHECK(masked(t, s) == (visible(t, s) ? original(t, s) : -kInf));
    }
  }
}
}  // namespace

TEST_CASE("the causal mask hides later keys", "[step02][masks][ex02.5]") {
  const Matrix original = counting_scores(4, 4);
  Matrix scores = original;
  nn::apply_attention_mask(scores, true, {});
  check_mask(scores, original, [](Eigen::Index t, Eigen::Index s) { return s <= t; });
}

TEST_CASE("the causal mask keeps absolute positions with a cache (S > T) and S < T",
          "[step02][masks][ex02.5]") {
  // Two new queries after three cached keys: they sit at positions 3 and 4 of 5.
  const Matrix cached = counting_scores(2, 5);
  Matrix scores = cached;
  nn::apply_attention_mask(scores, true, {});
  check_mask(scores, cached, [](Eigen::Index t, Eigen::Index s) { return s <= t + 3; });

  // More queries than keys: the offset is negative and query 0 sees no key at all.
  const Matrix tall = counting_scores(3, 2);
  scores = tall;
  nn::apply_attention_mask(scores, true, {});
  check_mask(scores, tall, [](Eigen::Index t, Eigen::Index s) { return s <= t - 1; });
}

TEST_CASE("the padding mask hides padded keys for every query", "[step02][masks][ex02.5]") {
  const Matrix original = counting_scores(3, 4);
  const std::vector<std::uint8_t> keep = {1, 0, 1, 0};
  Matrix scores = original;
  nn::apply_attention_mask(scores, false, keep);
  check_mask(scores, original, [&](Eigen::Index, Eigen::Index s) { return keep[s] == 1; });

  // Both masks together: a key is visible when both rules allow it.
  scores = original;
  nn::apply_attention_mask(scores, true, keep);
  check_mask(scores, original,
             [&](Eigen::Index t, Eigen::Index s) { return keep[s] == 1 && s <= t + 1; });
}

TEST_CASE("no causal rule and no padding leave the scores alone", "[step02][masks][ex02.5]") {
  const Matrix original = counting_scores(2, 3);
  Matrix scores = original;
  nn::apply_attention_mask(scores, false, {});
  CHECK(scores == original);
  const std::vector<std::uint8_t> all_real = {1, 1, 1};
  nn::apply_attention_mask(scores, false, all_real);
  CHECK(scores == original);
}
