// Exercise 03.3: clipping every gradient by their global norm.
// Lesson: steps/03-pretraining/README.md, "Gradient clipping".
// Check your work: tinygpt course check 03        Stuck? tinygpt course hint 03.3
#include "tinygpt/train/clipping.h"
#include "tinygpt/core/check.h"

namespace tinygpt::train {

float clip_grad_norm(ParameterSet& parameters, float max_norm) {
  // norm = sqrt of the sum of every squared gradient value of every parameter; scale all
  // gradients by min(1, max_norm / (norm + 1e-6)); return the norm from before.
  throw NotImplemented("exercise 03.3 (clip_grad_norm)");
}

}  // namespace tinygpt::train
