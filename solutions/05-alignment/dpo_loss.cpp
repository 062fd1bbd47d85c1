// Exercise 05.2 (reference): DPO's loss, built from recorded ops.
#include "tinygpt/align/preference_loss.h"
#include "tinygpt/nn/elementwise.h"

namespace tinygpt::align {

Tensor dpo_loss(Tape& tape, const Tensor& policy_chosen, const Tensor& policy_rejected,
                const Tensor& reference_chosen, const Tensor& reference_rejected, float beta) {
  // As (B, 1) columns, so that beta, a (1, 1) row, broadcasts over the pairs.
  const Shape column{policy_chosen.numel(), 1};
  const Tensor scale = tape.constant(Shape{1, 1}, std::vector<float>{beta});
  // The implicit rewards beta (log pi - log pi_ref) of both answers...
  const Tensor chosen = nn::mul(
      tape, nn::sub(tape, policy_chosen.reshaped(column), reference_chosen.reshaped(column)),
      scale);
  const Tensor rejected = nn::mul(
      tape, nn::sub(tape, policy_rejected.reshaped(column), reference_rejected.reshaped(column)),
      scale);
  // ...compared as a reward model's scores are.
  return bradley_terry_loss(tape, chosen, rejected);
}

}  // namespace tinygpt::align
