#include "tinygpt/core/rng.h"

#include <cmath>
#include <numbers>

#include "tinygpt/core/check.h"

namespace tinygpt {

namespace {
// Round multipliers and key increments ("Weyl sequence") of Philox4x32, from the paper.
constexpr std::uint32_t kMultiplier0 = 0xD2511F53u;
constexpr std::uint32_t kMultiplier1 = 0xCD9E8D57u;
constexpr std::uint32_t kWeyl0 = 0x9E3779B9u;
constexpr std::uint32_t kWeyl1 = 0xBB67AE85u;
constexpr int kRounds = 10;

void multiply_high_low(std::uint32_t a, std::uint32_t b, std::uint32_t& high, std::uint32_t& low) {
  const std::uint64_t product = static_cast<std::uint64_t>(a) * b;
  high = static_cast<std::uint32_t>(product >> 32);
  low = static_cast<std::uint32_t>(product);
}
}  // namespace

std::array<std::uint32_t, 4> philox4x32(std::array<std::uint32_t, 4> counter,
                                        std::array<std::uint32_t, 2> key) {
  for (int round = 0; round < kRounds; ++round) {
    if (round > 0) {
      key[0] += kWeyl0;
      key[1] += kWeyl1;
    }
    std::uint32_t high0, low0, high1, low1;
    multiply_high_low(kMultiplier0, counter[0], high0, low0);
    multiply_high_low(kMultiplier1, counter[2], high1, low1);
    counter = {high1 ^ counter[1] ^ key[0], low1, high0 ^ counter[3] ^ key[1], low0};
  }
  return counter;
}

CounterRng::CounterRng(std::uint64_t seed, RngStream stream, std::uint64_t step,
                       std::uint64_t index) {
  TINYGPT_CHECK(step < (std::uint64_t{1} << 32), "CounterRng: step ", step,
                " does not fit in 32 bits");
  TINYGPT_CHECK(index < (std::uint64_t{1} << 48), "CounterRng: index ", index,
                " does not fit in 48 bits");
  key_ = {static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)};
  // Counter layout: word 0 counts blocks within this sequence; the others name it.
  counter_ = {0u, static_cast<std::uint32_t>(index),
              static_cast<std::uint32_t>(index >> 32) | (static_cast<std::uint32_t>(stream) << 16),
              static_cast<std::uint32_t>(step)};
}

std::uint32_t CounterRng::next_u32() {
  if (next_word_ == 4) {
    block_ = philox4x32(counter_, key_);
    ++counter_[0];
    next_word_ = 0;
  }
  return block_[next_word_++];
}

float CounterRng::uniform() {
  // The top 24 bits fill a float's mantissa exactly: multiples of 2^-24 in [0, 1).
  return static_cast<float>(next_u32() >> 8) * (1.0f / 16777216.0f);
}

float CounterRng::normal() {
  // Box-Muller; 1 - u lies in (0, 1], so the logarithm is finite.
  const float radius = std::sqrt(-2.0f * std::log(1.0f - uniform()));
  const float angle = 2.0f * std::numbers::pi_v<float> * uniform();
  return radius * std::cos(angle);
}

std::uint32_t CounterRng::below(std::uint32_t bound) {
  TINYGPT_CHECK(bound > 0, "CounterRng::below: the bound must be at least 1");
  // Lemire's multiply-shift with rejection: uniform without a division per draw.
  std::uint64_t product = static_cast<std::uint64_t>(next_u32()) * bound;
  auto low = static_cast<std::uint32_t>(product);
  if (low < bound) {
    const std::uint32_t threshold = (0u - bound) % bound;
    while (low < threshold) {
      product = static_cast<std::uint64_t>(next_u32()) * bound;
      low = static_cast<std::uint32_t>(product);
    }
  }
  return static_cast<std::uint32_t>(product >> 32);
}

void fill_normal(std::span<float> out, std::uint64_t seed, RngStream stream, std::uint64_t index,
                 float mean, float stddev) {
  CounterRng rng(seed, stream, 0, index);
  for (float& value : out) value = mean + stddev * rng.normal();
}

}  // namespace tinygpt
