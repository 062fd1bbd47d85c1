// Graph function of matmul; the op bodies are exercise 01.1 (solutions/01-basics/matmul.cpp).
#include "tinygpt/nn/matmul.h"

#include "../core/parallel.h"
#include "bf16_operands.h"
#include "tinygpt/core/check.h"

namespace tinygpt::nn {

namespace {
// Output columns per block of the forward product: each block reads only its own columns of
// op(b) (for GPT's LM head, its 1,024 rows of the token embeddings), so the threads share
// the weight instead of each streaming all of it. Fixed, so results never depend on threads.
constexpr std::int64_t kProductCols = 1024;

// The backward, shared out like linear's (linear.cpp): da by blocks of rows (a transposed
// is one piece: its rows are op(a)'s columns), then db by the same column blocks of the output as
// the forward. Each piece calls matmul_backward with the gradient it does not compute left empty.
void matmul_node_backward(const Node& node) {
  const bool transpose_a = node.args.transpose_a;
  const bool transpose_b = node.args.transpose_b;
  const MatrixMap a = node.in[0].matrix();
  const MatrixMap b = node.in[1].matrix();
  const MatrixMap dout = detail::product_output_gradient(node);
  MatrixMap da = node.in[0].grad_matrix();
  MatrixMap db = node.in[1].grad_matrix();
  Matrix none;
  const std::int64_t rows = dout.rows();
  const std::int64_t cols = dout.cols();
  const std::int64_t work = dout.size() * (transpose_a ? a.rows() : a.cols());

  // An empty da or db is not wanted (data, a frozen weight): its products never run.
  if (da.size() == 0) {
    // not wanted
  } else if (transpose_a) {
    matmul_backward(da, none, dout, a, b, transpose_a, transpose_b);
  } else {
    const std::int64_t block_rows = detail::product_block_rows(rows);
    detail::parallel_for_blocks(
        rows, block_rows, work, [&](std::int64_t first, std::int64_t count) {
          matmul_backward(da.middleRows(first, count), none, dout.middleRows(first, count),
                          a.middleRows(first, count), b, transpose_a, transpose_b);
        });
  }
  if (db.size() == 0) return;
  detail::parallel_for_blocks(
      cols, kProductCols, work, [&](std::int64_t first, std::int64_t count) {
        // op(b)'s columns [first, first + count): rows of b when it is used transposed.
        const ConstMatrixRef b_part = transpose_b ? ConstMatrixRef(b.middleRows(first, count))
                                                  : ConstMatrixRef(b.middleCols(first, count));
        MatrixRef db_part = transpose_b ? MatrixRef(db.middleRows(first, count))
                                        : MatrixRef(db.middleCols(first, count));
        matmul_backward(none, db_part, dout.middleCols(first, count), a, b_part, transpose_a,
                        transpose_b);
      });
}
}  // namespace

Tensor matmul(Tape& tape, const Tensor& a, const Tensor& b, bool transpose_a, bool transpose_b) {
  TINYGPT_CHECK(b.shape.rank() == 2, "matmul: b must be a matrix, its shape is ", b.shape.str());
  TINYGPT_CHECK(!transpose_a || a.shape.rank() == 2,
                "matmul: a transposed must be a matrix, its shape is ", a.shape.str());
  TINYGPT_CHECK(a.shape.rank() >= 1, "matmul: a is a scalar");
  const std::int64_t a_inner = transpose_a ? a.shape.rows() : a.shape.cols();
  const std::int64_t b_inner = transpose_b ? b.shape[1] : b.shape[0];
  TINYGPT_CHECK(a_inner == b_inner, "matmul: inner dimensions differ: a ", a.shape.str(),
                transpose_a ? " (transposed)" : "", " has ", a_inner, ", b ", b.shape.str(),
                transpose_b ? " (transposed)" : "", " has ", b_inner);
  const std::int64_t out_cols = transpose_b ? b.shape[0] : b.shape[1];
  const Shape out_shape = transpose_a ? Shape{a.shape[1], out_cols} : a.shape.with_last(out_cols);

  Tensor out = tape.output(out_shape, {a, b});
  // In bf16 the product reads rounded copies, and backward multiplies the same copies.
  const Tensor a_operand = detail::product_operand(tape, a);
  const Tensor b_operand = detail::product_operand(tape, b);
  MatrixMap out_values = out.matrix();
  const MatrixMap a_values = a_operand.matrix();
  const MatrixMap b_values = b_operand.matrix();
  // Output columns are independent: blocks of them go to the threads, each a one-thread
  // product (the reason is the same as in linear(): a GEMM's own split makes its threads
  // wait for each other inside every product).
  detail::parallel_for_blocks(out_cols, kProductCols, out_shape.numel() * a_inner,
                              [&](std::int64_t first, std::int64_t count) {
                                matmul_forward(
                                    out_values.middleCols(first, count), a_values,
                                    transpose_b ? ConstMatrixRef(b_values.middleRows(first, count))
                                                : ConstMatrixRef(b_values.middleCols(first, count)),
                                    transpose_a, transpose_b);
                              });
  if (out.grad != nullptr) {
    tape.record({.op = "matmul",
                 .backward = &matmul_node_backward,
                 .out = out,
                 .in = {a_operand, b_operand},
                 .saved = detail::output_gradient_room(tape, out),
                 .args = {.transpose_a = transpose_a, .transpose_b = transpose_b}});
  }
  return out;
}

}  // namespace tinygpt::nn
