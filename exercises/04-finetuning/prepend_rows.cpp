// Exercise 04.7: rows ahead of every sequence (soft prompts and prefixes), and their gradients.
// Lesson: steps/04-finetuning/README.md, "Prefix tuning: keys and values ahead of the text".
// Check your work: tinygpt course check 04        Stuck? tinygpt course hint 04.7
#include "tinygpt/core/check.h"
#include "tinygpt/nn/rows.h"

namespace tinygpt::nn {

void prepend_rows_forward(MatrixRef out, ConstMatrixRef x, ConstMatrixRef prefix,
                          std::int64_t batch) {
  // Sequence b of out is n prefix rows ([0 | prefix]), then sequence b of x.
  throw NotImplemented("exercise 04.7 (prepend_rows_forward)");
}

void prepend_rows_backward(MatrixRef dx, MatrixRef dprefix, ConstMatrixRef dout,
                           std::int64_t batch) {
  // Accumulate (+=): dx gets each sequence's text rows, dprefix the sum of every sequence's
  // prefix rows (their last K columns). Skip an empty one.
  throw NotImplemented("exercise 04.7 (prepend_rows_backward)");
}

}  // namespace tinygpt::nn
