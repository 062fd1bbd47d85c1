// Exercise 02.6, reference solution: splitting a (B*T, H*D) activation into B*H contiguous
// (T, D) heads and merging them back.
#include "tinygpt/nn/attention.h"

namespace tinygpt::nn {

void split_heads_forward(MatrixRef out, ConstMatrixRef x, std::int64_t batch, std::int64_t heads) {
  // out[(b*H + h)*T + t, d] = x[b*T + t, h*D + d]: head h of sequence b is a (T, D) block of x.
  const std::int64_t time = x.rows() / batch;
  const std::int64_t head_dim = x.cols() / heads;
  for (std::int64_t b = 0; b < batch; ++b) {
    for (std::int64_t h = 0; h < heads; ++h) {
      out.middleRows((b * heads + h) * time, time) =
          x.block(b * time, h * head_dim, time, head_dim);
    }
  }
}

void split_heads_backward(MatrixRef dx, ConstMatrixRef dout, std::int64_t batch,
                          std::int64_t heads) {
  // In the forward pass this was: out[(b*H + h)*T + t, d] = x[b*T + t, h*D + d], a copy, so
  // each block of dout goes back to where it came from.
  const std::int64_t time = dx.rows() / batch;
  const std::int64_t head_dim = dx.cols() / heads;
  for (std::int64_t b = 0; b < batch; ++b) {
    for (std::int64_t h = 0; h < heads; ++h) {
      dx.block(b * time, h * head_dim, time, head_dim) +=
          dout.middleRows((b * heads + h) * time, time);
    }
  }
}

void merge_heads_forward(MatrixRef out, ConstMatrixRef x, std::int64_t batch, std::int64_t heads) {
  // out[b*T + t, h*D + d] = x[(b*H + h)*T + t, d]: the heads side by side again.
  const std::int64_t time = out.rows() / batch;
  const std::int64_t head_dim = x.cols();
  for (std::int64_t b = 0; b < batch; ++b) {
    for (std::int64_t h = 0; h < heads; ++h) {
      out.block(b * time, h * head_dim, time, head_dim) =
          x.middleRows((b * heads + h) * time, time);
    }
  }
}

void merge_heads_backward(MatrixRef dx, ConstMatrixRef dout, std::int64_t batch,
                          std::int64_t heads) {
  // In the forward pass this was: out[b*T + t, h*D + d] = x[(b*H + h)*T + t, d], a copy.
  const std::int64_t time = dout.rows() / batch;
  const std::int64_t head_dim = dx.cols();
  for (std::int64_t b = 0; b < batch; ++b) {
    for (std::int64_t h = 0; h < heads; ++h) {
      dx.middleRows((b * heads + h) * time, time) +=
          dout.block(b * time, h * head_dim, time, head_dim);
    }
  }
}

}  // namespace tinygpt::nn
