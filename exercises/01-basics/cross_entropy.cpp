// Exercise 01.3: fused softmax + cross-entropy, forward and backward.
// Lesson: steps/01-basics/README.md, "Softmax and cross-entropy".
// Check your work: tinygpt course check 01        Stuck? tinygpt course hint 01.3
#include "tinygpt/nn/cross_entropy.h"
#include "tinygpt/core/check.h"

namespace tinygpt::nn {

void softmax_cross_entropy_forward(MatrixRef loss, MatrixRef probs, ConstMatrixRef logits,
                                   std::span<const std::int32_t> targets,
                                   std::int32_t ignore_index) {
  // Fill probs with the row-wise softmax of logits (stable: subtract each row's max),
  // then write the mean of -log probs[i, targets[i]] over rows not ignored into loss(0, 0).
  throw NotImplemented("exercise 01.3 (softmax_cross_entropy_forward)");
}

void softmax_cross_entropy_backward(MatrixRef dlogits, ConstMatrixRef dloss, ConstMatrixRef probs,
                                    std::span<const std::int32_t> targets,
                                    std::int32_t ignore_index) {
  // dlogits += dloss * (probs - onehot(target)) / n on every row that is not ignored.
  throw NotImplemented("exercise 01.3 (softmax_cross_entropy_backward)");
}

}  // namespace tinygpt::nn
