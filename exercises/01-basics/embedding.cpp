// Exercise 01.4: embedding lookup, forward and backward.
// Lesson: steps/01-basics/README.md, "Embeddings".
// Check your work: tinygpt course check 01        Stuck? tinygpt course hint 01.4
#include "tinygpt/nn/embedding.h"
#include "tinygpt/core/check.h"

namespace tinygpt::nn {

void embedding_forward(MatrixRef out, ConstMatrixRef table, std::span<const std::int32_t> ids) {
  // Row i of out is row ids[i] of table.
  throw NotImplemented("exercise 01.4 (embedding_forward)");
}

void embedding_backward(MatrixRef dtable, ConstMatrixRef dout, std::span<const std::int32_t> ids) {
  // Send each row of dout back to the table row it came from (+=, ids may repeat).
  throw NotImplemented("exercise 01.4 (embedding_backward)");
}

}  // namespace tinygpt::nn
