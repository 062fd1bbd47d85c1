/// @file serving_weights.h
/// @brief A model's weights as inference reads them: every linear layer and the output
/// layer packed (packed_matrix.h) in float32, int8 or NF4, computed by the batch-invariant
/// kernel.
///
/// Pass it as models::RunOptions::products: the forward pass then calls it for every
/// matrix product with a weight, instead of the BLAS product on the float32 parameters.
/// Each weight is packed the first time a pass uses it, and kept.
#pragma once

#include <cstdint>
#include <memory>
#include <unordered_map>

#include "tinygpt/infer/packed_matrix.h"
#include "tinygpt/models/transformer.h"

namespace tinygpt::infer {

/// @brief Packed weights, read through models::MatrixProducts.
class ServingWeights final : public models::MatrixProducts {
 public:
  /// @param format how to store the weights.
  explicit ServingWeights(WeightFormat format) : format_(format) {}

  Tensor linear(Tape& tape, const Tensor& x, const Parameter& weight,
                const Parameter* bias) override;
  Tensor transposed(Tape& tape, const Tensor& x, const Parameter& weight) override;

  /// @return the format.
  WeightFormat format() const { return format_; }
  /// @return the bytes of the weights packed so far (all of them after one pass).
  std::int64_t bytes() const;

 private:
  const PackedMatrix& packed(const Parameter& weight, bool transposed);
  Tensor product(Tape& tape, const Tensor& x, const Parameter& weight, bool transposed,
                 const float* bias);

  WeightFormat format_;
  std::unordered_map<const Parameter*, std::unique_ptr<PackedMatrix>> packed_;
};

}  // namespace tinygpt::infer
