// Exercise 02.6: splitting an activation into heads and merging them back.
// Lesson: steps/02-transformer/README.md, "Splitting and merging heads".
// Check your work: tinygpt course check 02        Stuck? tinygpt course hint 02.6
#include "tinygpt/core/check.h"
#include "tinygpt/nn/attention.h"

namespace tinygpt::nn {

void split_heads_forward(MatrixRef out, ConstMatrixRef x, std::int64_t batch, std::int64_t heads) {
  // out[(b*H + h)*T + t, d] = x[b*T + t, h*D + d], with T = x.rows() / B, D = x.cols() / H.
  throw NotImplemented("exercise 02.6 (split_heads_forward)");
}

void split_heads_backward(MatrixRef dx, ConstMatrixRef dout, std::int64_t batch,
                          std::int64_t heads) {
  // dx += dout, each block put back where split_heads_forward took it from.
  throw NotImplemented("exercise 02.6 (split_heads_backward)");
}

void merge_heads_forward(MatrixRef out, ConstMatrixRef x, std::int64_t batch, std::int64_t heads) {
  // out[b*T + t, h*D + d] = x[(b*H + h)*T + t, d], with T = out.rows() / B, D = x.cols().
  throw NotImplemented("exercise 02.6 (merge_heads_forward)");
}

void merge_heads_backward(MatrixRef dx, ConstMatrixRef dout, std::int64_t batch,
                          std::int64_t heads) {
  // dx += dout, each block put back where merge_heads_forward took it from.
  throw NotImplemented("exercise 02.6 (merge_heads_backward)");
}

}  // namespace tinygpt::nn
