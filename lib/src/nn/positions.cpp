// Absolute positional encodings: the sinusoidal table, and the op that adds a table's rows
// to every sequence of a batch.
#include "tinygpt/nn/positions.h"

#include <cmath>

#include "tinygpt/core/check.h"

namespace tinygpt::nn {

void sinusoidal_positions(MatrixRef table) {
  // PE(t, 2i) = sin(t / 10000^(2i / C)), PE(t, 2i + 1) = cos(t / 10000^(2i / C)). In double:
  // at t in the thousands a float angle has lost the digits that tell neighbours apart.
  const double width = static_cast<double>(table.cols());
  for (Eigen::Index t = 0; t < table.rows(); ++t) {
    for (Eigen::Index j = 0; j < table.cols(); ++j) {
      const double pair = static_cast<double>(j - j % 2);  // 2i, shared by a sine and its cosine
      const double angle = static_cast<double>(t) / std::pow(10000.0, pair / width);
      table(t, j) = static_cast<float>(j % 2 == 0 ? std::sin(angle) : std::cos(angle));
    }
  }
}

void add_positions_forward(MatrixRef out, ConstMatrixRef x, ConstMatrixRef table, std::int64_t time,
                           std::int64_t start) {
  TINYGPT_CHECK(time > 0 && x.rows() % time == 0, "add_positions_forward: x has ", x.rows(),
                " rows, not a multiple of T = ", time);
  TINYGPT_CHECK(start >= 0 && start + time <= table.rows() && table.cols() == x.cols(),
                "add_positions_forward: table (", table.rows(), ", ", table.cols(),
                ") has no rows ", start, "..", start + time - 1, " of width ", x.cols());
  // out[b*T + t] = x[b*T + t] + table[start + t]: one (T, C) block per sequence.
  const std::int64_t batch = x.rows() / time;
  for (std::int64_t b = 0; b < batch; ++b) {
    out.middleRows(b * time, time) = x.middleRows(b * time, time) + table.middleRows(start, time);
  }
}

void add_positions_backward(MatrixRef dx, MatrixRef dtable, ConstMatrixRef dout, std::int64_t time,
                            std::int64_t start) {
  // In the forward pass this was: out[b*T + t] = x[b*T + t] + table[start + t]. So dx = dout,
  // and every sequence of the batch used the same table rows: their gradients add up.
  // An empty dx or dtable is not wanted (a sinusoidal table is a constant).
  if (dx.size() != 0) dx += dout;
  if (dtable.size() == 0) return;
  const std::int64_t batch = dout.rows() / time;
  for (std::int64_t b = 0; b < batch; ++b) {
    dtable.middleRows(start, time) += dout.middleRows(b * time, time);
  }
}

namespace {
void add_positions_node_backward(const Node& node) {
  add_positions_backward(node.in[0].grad_matrix(), node.in[1].grad_matrix(), node.out.grad_matrix(),
                         node.args.time, node.args.start);
}
}  // namespace

Tensor add_positions(Tape& tape, const Tensor& x, const Tensor& table, std::int64_t start) {
  TINYGPT_CHECK(x.shape.rank() == 3, "add_positions: x must be (B, T, C), its shape is ",
                x.shape.str());
  TINYGPT_CHECK(table.shape.rank() == 2 && table.shape[1] == x.shape[2], "add_positions: table ",
                table.shape.str(), " does not fit x ", x.shape.str(), ": expected (P, ", x.shape[2],
                ")");
  const std::int64_t time = x.shape[1];
  TINYGPT_CHECK(start >= 0 && start + time <= table.shape[0], "add_positions: positions ", start,
                "..", start + time - 1, " are beyond the context length ", table.shape[0],
                " (the table ", table.shape.str(), " has a row per position)");
  Tensor out = tape.output(x.shape, {x, table});
  add_positions_forward(out.matrix(), x.matrix(), table.matrix(), time, start);
  if (out.grad != nullptr) {
    tape.record({.op = "add_positions",
                 .backward = &add_positions_node_backward,
                 .out = out,
                 .in = {x, table},
                 .args = {.time = time, .start = start}});
  }
  return out;
}

}  // namespace tinygpt::nn
