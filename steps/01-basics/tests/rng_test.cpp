// The counter-based generator: Philox known answers, golden streams, distributions.
#include <cmath>
#include <set>
#include <vector>

#include "test_support.hpp"
#include "tinygpt/core/rng.h"

using namespace tinygpt;
using tinygpt::testing::contains;

TEST_CASE("philox4x32-10 gives the published known-answer values", "[step01][rng]") {
  // Known-answer vectors of Philox4x32-10 from its authors' Random123 distribution.
  using Block = std::array<std::uint32_t, 4>;
  CHECK(philox4x32({0, 0, 0, 0}, {0, 0}) ==
        Block{0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u});
  CHECK(philox4x32({0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu},
                   {0xffffffffu, 0xffffffffu}) ==
        Block{0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu});
  CHECK(philox4x32({0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u},
                   {0xa4093822u, 0x299f31d0u}) ==
        Block{0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u});
}

TEST_CASE("a stream is the same on every platform (golden values)", "[step01][rng]") {
  CounterRng rng(1234, RngStream::kData, 7, 42);
  std::vector<std::uint32_t> words;
  for (int i = 0; i < 6; ++i) words.push_back(rng.next_u32());
  CHECK(words == std::vector<std::uint32_t>{0xbfabee7fu, 0x089e85c1u, 0x63ab5347u, 0x7fb3ca6du,
                                            0x3835dcfbu, 0x8e2ce47fu});
  CounterRng bounded(1234, RngStream::kData, 7, 42);
  std::vector<std::uint32_t> picks;
  for (int i = 0; i < 6; ++i) picks.push_back(bounded.below(1000));
  CHECK(picks == std::vector<std::uint32_t>{748, 33, 389, 498, 219, 555});
}

TEST_CASE("draws depend only on (seed, stream, step, index)", "[step01][rng]") {
  const auto first = [](std::uint64_t seed, RngStream stream, std::uint64_t step,
                        std::uint64_t index) {
    return CounterRng(seed, stream, step, index).next_u32();
  };
  const std::uint32_t base = first(5, RngStream::kDropout, 3, 9);
  CHECK(first(5, RngStream::kDropout, 3, 9) == base);
  std::set<std::uint32_t> others = {
      first(6, RngStream::kDropout, 3, 9), first(5, RngStream::kMasking, 3, 9),
      first(5, RngStream::kDropout, 4, 9), first(5, RngStream::kDropout, 3, 10)};
  CHECK(others.size() == 4);
  CHECK(others.count(base) == 0);
}

TEST_CASE("uniform, normal and below have the right distributions", "[step01][rng]") {
  CounterRng rng(99, RngStream::kDemo, 0, 0);
  const int n = 200000;
  double uniform_sum = 0.0, normal_sum = 0.0, normal_squares = 0.0;
  std::vector<int> counts(10, 0);
  for (int i = 0; i < n; ++i) {
    const float u = rng.uniform();
    REQUIRE(u >= 0.0f);
    REQUIRE(u < 1.0f);
    uniform_sum += u;
    const float z = rng.normal();
    normal_sum += z;
    normal_squares += double{z} * z;
    ++counts[rng.below(10)];
  }
  // Standard errors: uniform mean 0.00065, normal mean 0.0022, variance 0.0032.
  CHECK(std::abs(uniform_sum / n - 0.5) < 0.004);
  CHECK(std::abs(normal_sum / n) < 0.015);
  CHECK(std::abs(normal_squares / n - 1.0) < 0.02);
  for (const int count : counts) CHECK(std::abs(count - n / 10) < 700);  // ~5 sigma
}

TEST_CASE("the generator rejects steps and indices it cannot represent", "[step01][rng]") {
  REQUIRE_THROWS_WITH(CounterRng(1, RngStream::kData, std::uint64_t{1} << 32, 0),
                      contains("step 4294967296 does not fit in 32 bits"));
  REQUIRE_THROWS_WITH(CounterRng(1, RngStream::kData, 0, std::uint64_t{1} << 48),
                      contains("does not fit in 48 bits"));
  CounterRng rng(1, RngStream::kData, 0, 0);
  REQUIRE_THROWS_WITH(rng.below(0), contains("the bound must be at least 1"));
}
