// Exercise 04.7 (reference): rows ahead of every sequence, and their gradients.
#include "tinygpt/core/check.h"
#include "tinygpt/nn/rows.h"

namespace tinygpt::nn {

void prepend_rows_forward(MatrixRef out, ConstMatrixRef x, ConstMatrixRef prefix,
                          std::int64_t batch) {
  const Eigen::Index n = prefix.rows();
  const Eigen::Index k = prefix.cols();
  const Eigen::Index width = x.cols();
  TINYGPT_CHECK(batch > 0 && x.rows() % batch == 0 && k <= width && out.cols() == width &&
                    out.rows() == x.rows() + batch * n,
                "prepend_rows_forward: out (", out.rows(), ", ", out.cols(), ") does not hold ",
                batch, " sequences of x (", x.rows(), ", ", width, ") behind a prefix (", n, ", ",
                k, ")");
  const Eigen::Index time = x.rows() / batch;
  for (Eigen::Index b = 0; b < batch; ++b) {
    // Sequence b starts at row b (n + T): n prefix rows, then its T rows.
    auto rows = out.middleRows(b * (n + time), n);
    rows.leftCols(width - k).setZero();
    rows.rightCols(k) = prefix;
    out.middleRows(b * (n + time) + n, time) = x.middleRows(b * time, time);
  }
}

void prepend_rows_backward(MatrixRef dx, MatrixRef dprefix, ConstMatrixRef dout,
                           std::int64_t batch) {
  if (dx.size() == 0 && dprefix.size() == 0) return;
  const Eigen::Index n = dprefix.size() != 0 ? dprefix.rows() : (dout.rows() - dx.rows()) / batch;
  const Eigen::Index time = dout.rows() / batch - n;
  for (Eigen::Index b = 0; b < batch; ++b) {
    // Every sequence read the same prefix: its gradient collects all of theirs.
    if (dprefix.size() != 0)
      dprefix += dout.middleRows(b * (n + time), n).rightCols(dprefix.cols());
    if (dx.size() != 0) dx.middleRows(b * time, time) += dout.middleRows(b * (n + time) + n, time);
  }
}

}  // namespace tinygpt::nn
