// Exercise 01.5, reference solution: the plain SGD update.
#include "tinygpt/train/sgd.h"

namespace tinygpt::train {

void sgd_update(VectorRef value, ConstVectorRef grad, float learning_rate) {
  // A small step against the gradient: downhill on the loss.
  value -= learning_rate * grad;
}

}  // namespace tinygpt::train
