// Exercise 01.5: the plain SGD update.
// Lesson: steps/01-basics/README.md, "Learning: gradient descent".
// Check your work: tinygpt course check 01        Stuck? tinygpt course hint 01.5
#include "tinygpt/train/sgd.h"
#include "tinygpt/core/check.h"

namespace tinygpt::train {

void sgd_update(VectorRef value, ConstVectorRef grad, float learning_rate) {
  // Move every value a small step against its gradient.
  throw NotImplemented("exercise 01.5 (sgd_update)");
}

}  // namespace tinygpt::train
