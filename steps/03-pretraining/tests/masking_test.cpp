// Masked-language-model masking (exercise 03.4): BERT's 15% selection and 80/10/10 rule,
// eligibility, targets, determinism and golden values.
#include <cmath>
#include <cstdint>
#include <vector>

#include "test_support.hpp"
#include "tinygpt/core/rng.h"
#include "tinygpt/data/objectives.h"

using namespace tinygpt;
using namespace tinygpt::data;

namespace {

constexpr std::int32_t kPad = 0, kCls = 1, kSep = 2, kMask = 3;
constexpr std::int32_t kVocab = 1000;
constexpr std::int64_t kLength = 128;
const std::int32_t kSpecials[] = {kPad, kCls, kSep, kMask};

// Sequence `example` of a made-up corpus: [CLS], real tokens in [4, V), [SEP], then padding
// (between 0 and 31 padding positions, so eligibility varies from row to row).
std::vector<std::int32_t> sequence(std::uint64_t example) {
  CounterRng rng(99, RngStream::kDemo, 0, example);
  const auto padding = static_cast<std::int64_t>(rng.below(32));
  std::vector<std::int32_t> ids(kLength, kPad);
  ids[0] = kCls;
  for (std::int64_t t = 1; t < kLength - padding - 1; ++t) {
    ids[t] = 4 + static_cast<std::int32_t>(rng.below(kVocab - 4));
  }
  ids[kLength - padding - 1] = kSep;
  return ids;
}

// |observed - p| must stay within 5 binomial standard deviations sqrt(p (1 - p) / n): a
// correct implementation falls outside with probability below 1e-6, and the data is fixed,
// so the test is deterministic either way.
void check_rate(const char* what, std::int64_t hits, std::int64_t n, double p) {
  const double rate = static_cast<double>(hits) / static_cast<double>(n);
  const double bound = 5.0 * std::sqrt(p * (1.0 - p) / static_cast<double>(n));
  INFO(what << ": " << hits << " of " << n << " = " << rate << ", expected " << p << " +- "
            << bound);
  CHECK(std::abs(rate - p) <= bound);
}

}  // namespace

TEST_CASE("masking selects 15 percent, then 80/10/10, never a special token",
          "[step03][masking][ex03.4]") {
  const MlmSettings settings{kMask, kVocab};
  std::int64_t eligible = 0, selected = 0, masked = 0, random = 0, kept = 0;
  std::vector<std::int32_t> inputs(kLength), targets(kLength);
  for (std::uint64_t example = 0; example < 400; ++example) {
    const std::vector<std::int32_t> ids = sequence(example);
    const std::vector<std::uint8_t> maskable = maskable_flags(ids, kSpecials);
    mlm_mask(inputs, targets, ids, maskable, settings, ExampleKey{7, 11, example});
    for (std::int64_t t = 0; t < kLength; ++t) {
      INFO("example " << example << " position " << t);
      if (maskable[t] == 0) {
        // Never selected, never changed.
        REQUIRE(targets[t] == kIgnoreTarget);
        REQUIRE(inputs[t] == ids[t]);
        continue;
      }
      ++eligible;
      if (targets[t] == kIgnoreTarget) {
        REQUIRE(inputs[t] == ids[t]);  // unselected positions keep their token
        continue;
      }
      REQUIRE(targets[t] == ids[t]);  // the target is the original token
      ++selected;
      REQUIRE(inputs[t] >= 0);
      REQUIRE(inputs[t] < kVocab);
      if (inputs[t] == kMask) {
        ++masked;
      } else if (inputs[t] == ids[t]) {
        ++kept;  // includes the rare random draw of the same token (p = 1 / V)
      } else {
        ++random;
      }
    }
  }
  REQUIRE(eligible > 40000);
  check_rate("selected", selected, eligible, 0.15);
  // A random replacement hits [MASK] or the original with probability 1 / V each; at
  // V = 1000 that moves the expected shares by 1e-4, far inside the bounds.
  check_rate("[MASK]", masked, selected, 0.8);
  check_rate("random", random, selected, 0.1);
  check_rate("kept", kept, selected, 0.1);
}

TEST_CASE("masking is a pure function of the key", "[step03][masking][ex03.4]") {
  const MlmSettings settings{kMask, kVocab};
  const std::vector<std::int32_t> ids = sequence(3);
  const std::vector<std::uint8_t> maskable = maskable_flags(ids, kSpecials);
  std::vector<std::int32_t> a(kLength), ta(kLength), b(kLength), tb(kLength);
  mlm_mask(a, ta, ids, maskable, settings, ExampleKey{5, 2, 3});
  mlm_mask(b, tb, ids, maskable, settings, ExampleKey{5, 2, 3});
  CHECK(a == b);
  CHECK(ta == tb);
  // Another example, step or seed gives other masks.
  for (const ExampleKey key : {ExampleKey{5, 2, 4}, ExampleKey{5, 3, 3}, ExampleKey{6, 2, 3}}) {
    mlm_mask(b, tb, ids, maskable, settings, key);
    CHECK(tb != ta);
  }
  // The batch helper gives row b the key of example first + b.
  std::vector<std::int32_t> two_ids = sequence(8);
  two_ids.insert(two_ids.end(), ids.begin(), ids.end());
  const std::vector<std::uint8_t> two_maskable = maskable_flags(two_ids, kSpecials);
  std::vector<std::int32_t> batch_inputs(2 * kLength), batch_targets(2 * kLength);
  mlm_mask_batch(batch_inputs, batch_targets, two_ids, two_maskable, 2, settings,
                 ExampleKey{5, 2, 2});
  CHECK(std::vector<std::int32_t>(batch_targets.begin() + kLength, batch_targets.end()) == ta);
  CHECK(std::vector<std::int32_t>(batch_inputs.begin() + kLength, batch_inputs.end()) == a);
}

TEST_CASE("masking gives the same golden values on every platform", "[step03][masking][ex03.4]") {
  // Twenty positions, the first and last not eligible; the draws follow the order that
  // objectives.h specifies, from CounterRng's integer streams, so these values hold everywhere.
  std::vector<std::int32_t> ids(20);
  for (std::int32_t t = 0; t < 20; ++t) ids[t] = 10 + t;
  std::vector<std::uint8_t> maskable(20, 1);
  maskable.front() = 0;
  maskable.back() = 0;
  std::vector<std::int32_t> inputs(20), targets(20);
  mlm_mask(inputs, targets, ids, maskable, MlmSettings{kMask, 50}, ExampleKey{2024, 3, 1});
  const std::vector<std::int32_t> expected_inputs = {10, 11, 12, 13, 14, 3,  16, 17, 18, 19,
                                                     20, 3,  22, 23, 24, 25, 26, 3,  28, 29};
  const std::vector<std::int32_t> expected_targets = {-1, -1, -1, -1, -1, 15, -1, -1, -1, -1,
                                                      -1, 21, -1, -1, -1, -1, -1, 27, -1, -1};
  CHECK(inputs == expected_inputs);
  CHECK(targets == expected_targets);
}

TEST_CASE("masking refuses mismatched sizes and a mask id outside the vocabulary",
          "[step03][masking][ex03.4]") {
  const std::vector<std::int32_t> ids = {5, 6, 7};
  const std::vector<std::uint8_t> maskable = {1, 1, 1};
  std::vector<std::int32_t> inputs(3), targets(3);
  // A valid call first: the refusals alone would also pass with a stub that always throws.
  const std::vector<std::uint8_t> none(3, 0);
  mlm_mask(inputs, targets, ids, none, MlmSettings{kMask, 10}, {});
  CHECK(inputs == ids);
  targets.resize(2);
  CHECK_THROWS_AS(mlm_mask(inputs, targets, ids, maskable, MlmSettings{kMask, 10}, {}), Error);
  targets.resize(3);
  CHECK_THROWS_AS(mlm_mask(inputs, targets, ids, maskable, MlmSettings{10, 10}, {}), Error);
}

TEST_CASE("maskable flags exclude special ids", "[step03][masking]") {
  const std::vector<std::int32_t> ids = {kCls, 7, 8, kSep, kPad, kPad};
  CHECK(maskable_flags(ids, kSpecials) == std::vector<std::uint8_t>{0, 1, 1, 0, 0, 0});
  CHECK(maskable_flags(ids, {}) == std::vector<std::uint8_t>(6, 1));
}
