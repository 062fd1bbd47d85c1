// Exercise 01.3, reference solution: fused softmax + cross-entropy, forward and backward.
#include "tinygpt/nn/cross_entropy.h"

#include <cmath>

namespace tinygpt::nn {

namespace {
// n in the loss: how many rows count.
float count_targets(std::span<const std::int32_t> targets, std::int32_t ignore_index) {
  float count = 0.0f;
  for (std::int32_t target : targets) count += target != ignore_index ? 1.0f : 0.0f;
  return count;
}
}  // namespace

void softmax_cross_entropy_forward(MatrixRef loss, MatrixRef probs, ConstMatrixRef logits,
                                   std::span<const std::int32_t> targets,
                                   std::int32_t ignore_index) {
  double total = 0.0;  // summed in double: thousands of rows lose digits in float
  for (Eigen::Index i = 0; i < logits.rows(); ++i) {
    // softmax(x) = exp(x - m) / sum exp(x - m) for any m; m = max keeps exp() <= 1.
    const float row_max = logits.row(i).maxCoeff();
    probs.row(i) = (logits.row(i).array() - row_max).exp();
    const float row_sum = probs.row(i).sum();
    probs.row(i) /= row_sum;
    const std::int32_t target = targets[static_cast<std::size_t>(i)];
    if (target == ignore_index) continue;
    // -log p[target] = log(sum exp(x - m)) - (x[target] - m): exact even when p underflows.
    total += std::log(row_sum) - (logits(i, target) - row_max);
  }
  const float count = count_targets(targets, ignore_index);
  loss(0, 0) = count > 0.0f ? static_cast<float>(total / count) : 0.0f;
}

void softmax_cross_entropy_backward(MatrixRef dlogits, ConstMatrixRef dloss, ConstMatrixRef probs,
                                    std::span<const std::int32_t> targets,
                                    std::int32_t ignore_index) {
  const float count = count_targets(targets, ignore_index);
  if (count == 0.0f) return;
  // d(-log p[t]) / dx[j] = p[j] - [j == t], and the mean divides by n.
  const float scale = dloss(0, 0) / count;
  for (Eigen::Index i = 0; i < probs.rows(); ++i) {
    const std::int32_t target = targets[static_cast<std::size_t>(i)];
    if (target == ignore_index) continue;
    dlogits.row(i) += scale * probs.row(i);
    dlogits(i, target) -= scale;
  }
}

}  // namespace tinygpt::nn
