// Internals of batching.cpp, visible to its tests: the 64-bit bounded draw.
#pragma once

#include <cstdint>

#include "tinygpt/core/rng.h"
#include "tinygpt/data/batching.h"

namespace tinygpt::data::detail {

/// @brief A uniform integer in [0, bound), also for bounds of 2^32 and more (by rejection on
/// 64 bits, so without modulo bias).
/// @param rng the example's generator.
/// @param bound number of choices, at least 1.
/// @return the draw.
std::uint64_t draw_below(CounterRng& rng, std::uint64_t bound);

}  // namespace tinygpt::data::detail
