/// @file rng.h
/// @brief Counter-based random numbers: every draw is a pure function of
/// (seed, stream, step, index, position), identical on every platform.
///
/// Randomness that must survive resume and sharding (data sampling, dropout, masking,
/// initialisation) never carries state from one step to the next. It asks for the draws of
/// "example 1234 of step 57 of the dropout stream" and gets the same numbers whichever
/// process asks, in whatever order. The generator is Philox4x32-10 (Salmon, Moraes, Dror,
/// Shaw: "Parallel random numbers: as easy as 1, 2, 3", SC 2011): ten rounds of a
/// multiply-and-xor bijection of a 128-bit counter, keyed by the 64-bit seed.
#pragma once

#include <array>
#include <cstdint>
#include <span>

namespace tinygpt {

/// @brief What the random numbers are for; different purposes never share draws.
enum class RngStream : std::uint16_t {
  kInit = 1,      ///< parameter initialisation (index: the parameter's position)
  kData = 2,      ///< choosing training examples
  kDropout = 3,   ///< dropout masks
  kMasking = 4,   ///< masked-language-model masking
  kSampling = 5,  ///< sampling tokens when generating
  kDemo = 6,      ///< demos and data made up for a test
  kWorld = 7,     ///< the generated world's catalogue and texts (index: the record)
};

/// @brief One Philox4x32-10 block: four random 32-bit words.
/// @param counter 128-bit counter as four words.
/// @param key 64-bit key as two words.
/// @return the encrypted counter.
std::array<std::uint32_t, 4> philox4x32(std::array<std::uint32_t, 4> counter,
                                        std::array<std::uint32_t, 2> key);

/// @brief The random numbers of one (seed, stream, step, index): an endless sequence of
/// 32-bit words, and floats made from them.
class CounterRng {
 public:
  /// @param seed the run's seed.
  /// @param stream the purpose.
  /// @param step the training step, below 2^32.
  /// @param index e.g. the global example index, below 2^48.
  CounterRng(std::uint64_t seed, RngStream stream, std::uint64_t step, std::uint64_t index);

  /// @return the next 32-bit word.
  std::uint32_t next_u32();
  /// @return a uniform float in [0, 1), with 24 random bits.
  float uniform();
  /// @return a standard normal float (Box-Muller on two uniforms).
  float normal();
  /// @param bound number of choices, at least 1.
  /// @return a uniform integer in [0, bound), without modulo bias.
  std::uint32_t below(std::uint32_t bound);

 private:
  std::array<std::uint32_t, 2> key_;
  std::array<std::uint32_t, 4> counter_;
  std::array<std::uint32_t, 4> block_{};
  int next_word_ = 4;  // index into block_; 4 means a new block is needed
};

/// @brief Fills `out` with normal values: element i is drawn from CounterRng(seed, stream,
/// step = 0, index) at position i, so the result does not depend on threads or order.
/// @param out the values to fill.
/// @param seed the run's seed.
/// @param stream the purpose.
/// @param index which tensor (e.g. the parameter's position in its set).
/// @param mean mean of the distribution.
/// @param stddev standard deviation.
void fill_normal(std::span<float> out, std::uint64_t seed, RngStream stream, std::uint64_t index,
                 float mean, float stddev);

}  // namespace tinygpt
