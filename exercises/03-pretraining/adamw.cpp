// Exercise 03.1: one AdamW step on one parameter.
// Lesson: steps/03-pretraining/README.md, "AdamW".
// Check your work: tinygpt course check 03        Stuck? tinygpt course hint 03.1
#include "tinygpt/core/check.h"
#include "tinygpt/train/optimizers.h"

namespace tinygpt::train {

void adamw_update(VectorRef value, VectorRef m, VectorRef v, ConstVectorRef grad,
                  const AdamWSettings& settings, std::int64_t step) {
  // Decay value (decoupled), update m and v, correct their bias with 1 - beta^step, then
  // value -= lr * m_hat / (sqrt(v_hat) + eps).
  throw NotImplemented("exercise 03.1 (adamw_update)");
}

}  // namespace tinygpt::train
