// Exercise 03.4: BERT's masking of one sequence (15%, then 80/10/10).
// Lesson: steps/03-pretraining/README.md, "Masked language modelling".
// Check your work: tinygpt course check 03        Stuck? tinygpt course hint 03.4
#include "tinygpt/core/check.h"
#include "tinygpt/core/rng.h"
#include "tinygpt/data/objectives.h"

namespace tinygpt::data {

void mlm_mask(std::span<std::int32_t> inputs, std::span<std::int32_t> targets,
              std::span<const std::int32_t> ids, std::span<const std::uint8_t> maskable,
              const MlmSettings& settings, const ExampleKey& key) {
  // Make CounterRng(key.seed, RngStream::kMasking, key.step, key.example) and visit the
  // positions in order, drawing exactly as objectives.h describes.
  throw NotImplemented("exercise 03.4 (mlm_mask)");
}

}  // namespace tinygpt::data
