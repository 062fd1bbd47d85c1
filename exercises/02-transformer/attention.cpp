// Exercises 02.1 and 02.2: scaled dot-product attention of one head of one sequence,
// forward (02.1) and backward (02.2).
// Lesson: steps/02-transformer/README.md, "Scaled dot-product attention" and
// "Backward through attention".
// Check your work: tinygpt course check 02        Stuck? tinygpt course hint 02.1 (or 02.2)
#include "tinygpt/nn/attention.h"
#include "tinygpt/core/check.h"

namespace tinygpt::nn {

void attention_forward(MatrixRef out, MatrixRef probs, ConstMatrixRef q, ConstMatrixRef k,
                       ConstMatrixRef v, bool causal, std::span<const std::uint8_t> key_keep) {
  // probs = softmax of each row of q k^T / sqrt(D), after apply_attention_mask (exercise 02.5)
  // when causal or key_keep asks for a mask; then out = probs v. A row whose scores are all
  // -infinity (every key masked) gets zero probabilities.
  throw NotImplemented("exercise 02.1 (attention_forward)");
}

void attention_backward(MatrixRef dq, MatrixRef dk, MatrixRef dv, ConstMatrixRef dout,
                        ConstMatrixRef q, ConstMatrixRef k, ConstMatrixRef v,
                        ConstMatrixRef probs) {
  // Add (+=) the gradients into dq, dk and dv: back through out = probs v, then through the
  // softmax of each row, then through scores = q k^T / sqrt(D).
  throw NotImplemented("exercise 02.2 (attention_backward)");
}

}  // namespace tinygpt::nn
