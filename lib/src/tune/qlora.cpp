// QLoRA's frozen base (qlora.h): block linear weights in NF4, products with a backward to the
// input, the float32 values freed.
#include "tinygpt/tune/qlora.h"

#include <cstring>

#include "../core/parallel.h"
#include "tinygpt/core/check.h"
#include "tinygpt/nn/linear.h"
#include "tinygpt/nn/matmul.h"

namespace tinygpt::tune {

namespace {

// The node keeps the layer's Nf4Matrix by address in its saved buffer (a Node has tensors and
// floats only); the matrix outlives every tape that uses it.
float* keep_matrix(Tape& tape, const infer::Nf4Matrix* matrix) {
  constexpr std::size_t kFloats = (sizeof matrix + sizeof(float) - 1) / sizeof(float);
  float* saved = tape.scratch(kFloats);
  std::memcpy(saved, &matrix, sizeof matrix);
  return saved;
}

const infer::Nf4Matrix* kept_matrix(const float* saved) {
  const infer::Nf4Matrix* matrix = nullptr;
  std::memcpy(&matrix, saved, sizeof matrix);
  return matrix;
}

// In the forward pass this was: y = x deq(W) + b; so now
//   dx += dy deq(W)^T     (W dequantised again, a tile of rows at a time)
//   db += sum_n dy[n]     (only for a bias that trains; QLoRA's do not)
// and W, frozen, gets nothing.
void quantized_linear_backward(const Node& node) {
  const infer::Nf4Matrix& weight = *kept_matrix(node.saved);
  const MatrixMap dy = node.out.grad_matrix();
  MatrixMap dx = node.in[0].grad_matrix();
  if (dx.size() != 0) {
    // Blocks of rows across threads, as linear's dx; each block dequantises W again.
    const std::int64_t rows = dy.rows();
    detail::parallel_for_blocks(
        rows, detail::product_block_rows(rows), rows * weight.rows() * weight.cols(),
        [&](std::int64_t first, std::int64_t count) {
          weight.multiply_transposed_add(dy.middleRows(first, count), dx.middleRows(first, count));
        });
  }
  MatrixMap dbias = node.in[1].grad_matrix();
  if (dbias.size() != 0) dbias.row(0) += dy.colwise().sum();
}

}  // namespace

bool qlora_quantizes(const Parameter& parameter) {
  const std::string& name = parameter.name;
  const bool in_block = name.starts_with("h.") || name.find(".h.") != std::string::npos;
  return in_block && name.ends_with(".weight") && parameter.shape.rank() == 2;
}

QuantizedBase::QuantizedBase(ParameterSet& parameters) : parameters_(parameters) {
  for (Parameter& parameter : parameters) {
    if (!qlora_quantizes(parameter)) continue;
    const Eigen::Map<const Matrix> values(parameter.value.data(), parameter.shape[0],
                                          parameter.shape[1]);
    matrices_.emplace(&parameter, infer::Nf4Matrix(values));
    order_.push_back(parameter.name);
    quantized_float32_bytes_ += parameter.shape.numel() * static_cast<std::int64_t>(sizeof(float));
    // Freed, not cleared: swapping with an empty vector gives the memory back.
    parameters.set_trainable(parameter.name, false);
    AlignedFloats().swap(parameter.value);
    parameter.shape = Shape{0};
  }
  TINYGPT_CHECK(!order_.empty(),
                "QuantizedBase: the model has no block linear weights to quantise (names like "
                "h.0.attn.c_attn.weight)");
}

Tensor QuantizedBase::linear(Tape& tape, const Tensor& x, const Parameter& weight,
                             const Parameter* bias) {
  Tensor bias_tensor;
  if (bias != nullptr) bias_tensor = parameters_.at(bias->name).tensor();
  const auto found = matrices_.find(&weight);
  if (found == matrices_.end()) {
    return nn::linear(tape, x, parameters_.at(weight.name).tensor(), bias_tensor);
  }
  const infer::Nf4Matrix& matrix = found->second;
  TINYGPT_CHECK(x.shape.rank() >= 1 && x.shape.cols() == matrix.rows(), "QuantizedBase: x ",
                x.shape.str(), " does not fit ", weight.name, " (", matrix.rows(), ", ",
                matrix.cols(), "): x's last dimension must be ", matrix.rows());
  Tensor out = tape.output(x.shape.with_last(matrix.cols()), {x, bias_tensor});
  MatrixMap y = out.matrix();
  const MatrixMap x_values = x.matrix();
  // Blocks of rows across threads, as nn::linear's; each block dequantises W tile by tile.
  const std::int64_t rows = x.shape.rows();
  detail::parallel_for_blocks(
      rows, detail::product_block_rows(rows), rows * matrix.rows() * matrix.cols(),
      [&](std::int64_t first, std::int64_t count) {
        matrix.multiply(x_values.middleRows(first, count), y.middleRows(first, count));
      });
  if (bias != nullptr) {
    y.rowwise() += Eigen::Map<const Eigen::RowVectorXf>(bias->value.data(), matrix.cols());
  }
  if (out.grad != nullptr) {
    tape.record({.op = "quantized_linear",
                 .backward = &quantized_linear_backward,
                 .out = out,
                 .in = {x, bias_tensor},
                 .saved = keep_matrix(tape, &matrix)});
  }
  return out;
}

Tensor QuantizedBase::transposed(Tape& tape, const Tensor& x, const Parameter& weight) {
  // The embeddings are not quantised: the product is the model's own, on float32 wte.
  return nn::matmul(tape, x, parameters_.at(weight.name).tensor(), false, true);
}

std::vector<std::string> QuantizedBase::layers() const {
  return order_;
}

const infer::Nf4Matrix& QuantizedBase::matrix(const std::string& name) const {
  const Parameter& parameter = parameters_.at(name);
  const auto found = matrices_.find(&parameter);
  TINYGPT_CHECK(found != matrices_.end(), "QuantizedBase: ", name, " is not quantised");
  return found->second;
}

BaseMemory QuantizedBase::memory() const {
  BaseMemory memory;
  memory.quantized_float32 = quantized_float32_bytes_;
  for (const auto& [parameter, matrix] : matrices_) memory.quantized_nf4 += matrix.bytes();
  for (const Parameter& parameter : parameters_) {
    memory.other_float32 += static_cast<std::int64_t>(parameter.value.size() * sizeof(float));
  }
  return memory;
}

}  // namespace tinygpt::tune
