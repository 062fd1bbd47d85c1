// Exercise 07.3: one new query over the cached keys and values.
// Lesson: steps/07-deployment/README.md, "Inference: the KV cache".
// Check your work: tinygpt course check 07        Stuck? tinygpt course hint 07.3
#include <cmath>

#include "tinygpt/core/check.h"
#include "tinygpt/infer/cached_attention.h"

namespace tinygpt::infer {

void attend_one(MatrixRef out, ConstMatrixRef q, ConstMatrixRef keys, ConstMatrixRef values) {
  // Three lines of step 02's attention for a single query: scores, softmax, weighted sum.
  throw NotImplemented("exercise 07.3 (attend_one)");
}

}  // namespace tinygpt::infer
