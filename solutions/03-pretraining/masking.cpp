// Exercise 03.4, reference solution: BERT's masking of one sequence (15%, then 80/10/10).
#include "tinygpt/core/check.h"
#include "tinygpt/core/rng.h"
#include "tinygpt/data/objectives.h"

namespace tinygpt::data {

void mlm_mask(std::span<std::int32_t> inputs, std::span<std::int32_t> targets,
              std::span<const std::int32_t> ids, std::span<const std::uint8_t> maskable,
              const MlmSettings& settings, const ExampleKey& key) {
  TINYGPT_CHECK(
      inputs.size() == ids.size() && targets.size() == ids.size() && maskable.size() == ids.size(),
      "mlm_mask: ids has ", ids.size(), " values, inputs ", inputs.size(), ", targets ",
      targets.size(), ", maskable ", maskable.size());
  TINYGPT_CHECK(
      settings.vocab_size > 0 && settings.mask_id >= 0 && settings.mask_id < settings.vocab_size,
      "mlm_mask: mask_id ", settings.mask_id, " is outside the vocabulary [0, ",
      settings.vocab_size, ")");
  // The example's own random numbers: the same key gives the same masks anywhere.
  CounterRng rng(key.seed, RngStream::kMasking, key.step, key.example);
  for (std::size_t t = 0; t < ids.size(); ++t) {
    inputs[t] = ids[t];
    targets[t] = kIgnoreTarget;
    // Special tokens and padding are never predicted, and draw nothing.
    if (maskable[t] == 0) continue;
    // Integer draws only: below(100) < 15 is exactly 15%, on every platform.
    if (rng.below(100) >= 15) continue;
    targets[t] = ids[t];  // the loss asks for the original token here
    const std::uint32_t choice = rng.below(10);
    if (choice < 8) {
      inputs[t] = settings.mask_id;  // 80%: [MASK]
    } else if (choice == 8) {
      // 10%: a random token, so the model cannot trust an unmasked input blindly.
      inputs[t] =
          static_cast<std::int32_t>(rng.below(static_cast<std::uint32_t>(settings.vocab_size)));
    }
    // choice 9, 10%: the token stays, so the model also learns about visible tokens.
  }
}

}  // namespace tinygpt::data
