// Packed weights as the forward pass's matrix products (infer/serving_weights.h).
#include "tinygpt/infer/serving_weights.h"

#include "tinygpt/core/check.h"

namespace tinygpt::infer {

const PackedMatrix& ServingWeights::packed(const Parameter& weight, bool transposed) {
  std::unique_ptr<PackedMatrix>& matrix = packed_[&weight];
  if (matrix == nullptr) {
    TINYGPT_CHECK(weight.shape.rank() == 2, "ServingWeights: ", weight.name, " is ",
                  weight.shape.str(), ", not a matrix");
    const ConstMatrixRef values =
        Eigen::Map<const Matrix>(weight.value.data(), weight.shape[0], weight.shape[1]);
    matrix = pack(values, transposed, format_);
  }
  return *matrix;
}

Tensor ServingWeights::product(Tape& tape, const Tensor& x, const Parameter& weight,
                               bool transposed, const float* bias) {
  const PackedMatrix& matrix = packed(weight, transposed);
  TINYGPT_CHECK(x.shape.rank() >= 1 && x.shape.cols() == matrix.inputs(), "ServingWeights: x ",
                x.shape.str(), " does not fit ", weight.name, " ", weight.shape.str());
  const Tensor out = tape.output(x.shape.with_last(matrix.outputs()), {x});
  multiply(matrix, x.matrix(), bias, out.matrix());
  return out;
}

Tensor ServingWeights::linear(Tape& tape, const Tensor& x, const Parameter& weight,
                              const Parameter* bias) {
  return product(tape, x, weight, false, bias != nullptr ? bias->value.data() : nullptr);
}

Tensor ServingWeights::transposed(Tape& tape, const Tensor& x, const Parameter& weight) {
  return product(tape, x, weight, true, nullptr);
}

std::int64_t ServingWeights::bytes() const {
  std::int64_t total = 0;
  for (const auto& [weight, matrix] : packed_) total += matrix->bytes();
  return total;
}

}  // namespace tinygpt::infer
