// Exercise 04.5: LoRA's low-rank update and its gradients.
// Lesson: steps/04-finetuning/README.md, "LoRA: a low-rank update".
// Check your work: tinygpt course check 04        Stuck? tinygpt course hint 04.5
#include "tinygpt/core/check.h"
#include "tinygpt/tune/lora.h"

namespace tinygpt::tune {

void lora_forward(MatrixRef out, MatrixRef hidden, ConstMatrixRef x, ConstMatrixRef a,
                  ConstMatrixRef b, float scale) {
  // hidden = x A, then out = scale hidden B: two thin products.
  throw NotImplemented("exercise 04.5 (lora_forward)");
}

void lora_backward(MatrixRef dx, MatrixRef da, MatrixRef db, ConstMatrixRef dout, ConstMatrixRef x,
                   ConstMatrixRef hidden, ConstMatrixRef a, ConstMatrixRef b, float scale) {
  // Accumulate (+=) dB, dA and (when dx is not empty) dx, through dhidden = scale dout B^T.
  throw NotImplemented("exercise 04.5 (lora_backward)");
}

}  // namespace tinygpt::tune
