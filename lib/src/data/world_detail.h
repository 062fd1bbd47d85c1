// Private constants of the world generator: which counters of CounterRng(seed, kWorld,
// step, index) each part of the generator draws from. The generator has a stream of its own,
// so training (kData) never reuses its numbers; within it, different steps never share
// draws, so the stories never change the reviews, and the amount of text never changes the
// world.
#pragma once

#include <cstdint>

namespace tinygpt::data::detail {

inline constexpr std::uint64_t kWorldStep = 1000;        // index: category * 2^16 + position
inline constexpr std::uint64_t kHeldOutStep = 1001;      // index: the fact's position
inline constexpr std::uint64_t kStoryStep = 1002;        // index: the story's position
inline constexpr std::uint64_t kReviewStep = 1003;       // index: the review's position
inline constexpr std::uint64_t kEntitiesStep = 1004;     // index: the sentence's position
inline constexpr std::uint64_t kQaStep = 1005;           // index: the pair's position
inline constexpr std::uint64_t kDialogueStep = 1006;     // index: the dialogue's position
inline constexpr std::uint64_t kInstructionStep = 1007;  // index: the instruction's position
inline constexpr std::uint64_t kPreferenceStep = 1008;   // index: the pair's position
inline constexpr std::uint64_t kTranslationStep = 1009;  // index: the pair's position
inline constexpr std::uint64_t kLexiconStep = 1010;      // index: the word's position
inline constexpr std::uint64_t kFairnessStep = 1011;     // index: the probe set's position
inline constexpr std::uint64_t kNewEntityStep = 1012;    // index: category * 2^16 + position
inline constexpr std::uint64_t kChangeStep = 1013;       // index: the fact's version-1 position
inline constexpr std::uint64_t kChangeValueStep = 1014;  // index: the fact's version-1 position
inline constexpr std::uint64_t kNewHeldOutStep = 1015;   // index: a new entity's fact's position

}  // namespace tinygpt::data::detail
