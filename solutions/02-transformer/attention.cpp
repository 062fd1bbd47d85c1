// Exercises 02.1 and 02.2, reference solution: scaled dot-product attention of one head of
// one sequence, forward and backward.
#include "tinygpt/nn/attention.h"

#include <cmath>
#include <limits>

namespace tinygpt::nn {

void attention_forward(MatrixRef out, MatrixRef probs, ConstMatrixRef q, ConstMatrixRef k,
                       ConstMatrixRef v, bool causal, std::span<const std::uint8_t> key_keep) {
  // out = softmax(mask(q k^T / sqrt(D))) v
  const float scale = 1.0f / std::sqrt(static_cast<float>(q.cols()));
  // The scores are computed in probs' storage and turned into probabilities in place.
  probs.noalias() = scale * (q * k.transpose());
  if (causal || !key_keep.empty()) apply_attention_mask(probs, causal, key_keep);
  for (Eigen::Index t = 0; t < probs.rows(); ++t) {
    const float row_max = probs.row(t).maxCoeff();
    if (row_max == -std::numeric_limits<float>::infinity()) {
      // Every key is masked: exp(-inf - -inf) would be NaN. Attending to nothing gives
      // zero weights, so this query's output is zero and no gradient flows through it.
      probs.row(t).setZero();
      continue;
    }
    // Subtracting the maximum keeps exp() from overflowing; masked scores become exp(-inf) = 0.
    probs.row(t) = (probs.row(t).array() - row_max).exp();
    probs.row(t) /= probs.row(t).sum();
  }
  out.noalias() = probs * v;
}

void attention_backward(MatrixRef dq, MatrixRef dk, MatrixRef dv, ConstMatrixRef dout,
                        ConstMatrixRef q, ConstMatrixRef k, ConstMatrixRef v,
                        ConstMatrixRef probs) {
  const float scale = 1.0f / std::sqrt(static_cast<float>(q.cols()));
  // An empty gradient is not wanted (the keys and values of a frozen encoder): skipped.
  // In the forward pass this was: out = probs v, so dv = probs^T dout, dprobs = dout v^T.
  if (dv.size() != 0) dv.noalias() += probs.transpose() * dout;
  if (dq.size() == 0 && dk.size() == 0) return;
  Matrix dscores = dout * v.transpose();  // dprobs for now, (T, S)
  // probs = softmax(scores), row by row: dscores = probs * (dprobs - rowsum(dprobs * probs)).
  // A masked score has probs = 0, so it gets no gradient, as a constant -inf should.
  for (Eigen::Index t = 0; t < dscores.rows(); ++t) {
    const float weighted = dscores.row(t).dot(probs.row(t));
    dscores.row(t).array() = probs.row(t).array() * (dscores.row(t).array() - weighted);
  }
  // scores = q k^T / sqrt(D), so dq = dscores k / sqrt(D) and dk = dscores^T q / sqrt(D).
  if (dq.size() != 0) dq.noalias() += scale * (dscores * k);
  if (dk.size() != 0) dk.noalias() += scale * (dscores.transpose() * q);
}

}  // namespace tinygpt::nn
