// Exercise 05.2: DPO's loss, built from recorded ops.
// Lesson: steps/05-alignment/README.md, "DPO: the policy is its own reward model".
// Check your work: tinygpt course check 05        Stuck? tinygpt course hint 05.2
#include "tinygpt/align/preference_loss.h"
#include "tinygpt/core/check.h"
#include "tinygpt/nn/elementwise.h"

namespace tinygpt::align {

Tensor dpo_loss(Tape& tape, const Tensor& policy_chosen, const Tensor& policy_rejected,
                const Tensor& reference_chosen, const Tensor& reference_rejected, float beta) {
  // The implicit reward of an answer is beta (log pi - log pi_ref); DPO's loss is the
  // Bradley-Terry loss of the chosen and the rejected answers' implicit rewards.
  throw NotImplemented("exercise 05.2 (dpo_loss)");
}

}  // namespace tinygpt::align
