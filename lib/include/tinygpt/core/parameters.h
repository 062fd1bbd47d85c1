/// @file parameters.h
/// @brief Named, owned model parameters with their gradients.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>
#include <vector>

#include "tinygpt/core/tensor.h"

namespace tinygpt {

/// @brief Float storage aligned like the arena's (EIGEN_MAX_ALIGN_BYTES, 64 here).
///
/// Eigen's vectorised loops treat the unaligned head of an array separately, so the same sum
/// over the same numbers can round differently when the array starts at another address.
/// With every parameter and gradient aligned alike, two models built from the same seed
/// compute bit-identical results, which exact resume relies on.
using AlignedFloats = std::vector<float, Eigen::aligned_allocator<float>>;

/// @brief One tensor of a model: its name, values and gradient, owned here.
///
/// A frozen parameter (ParameterSet::set_trainable) has no gradient buffer at all: its
/// tensor() has no gradient, so the ops skip its gradient work, and optimizers leave it out.
struct Parameter {
  std::string name;     ///< unique within its ParameterSet, e.g. "h.0.attn.c_attn.weight"
  Shape shape;          ///< dimensions
  AlignedFloats value;  ///< shape.numel() values, row-major
  AlignedFloats grad;   ///< shape.numel() gradient values accumulated by backward; empty: frozen

  /// @return whether it trains (has a gradient buffer).
  bool trainable() const { return !grad.empty(); }
  /// @return a tensor viewing value and grad, or value alone when frozen (valid while the
  /// Parameter lives and its trainability does not change).
  Tensor tensor() { return Tensor{shape, value.data(), trainable() ? grad.data() : nullptr}; }
};

/// @brief The parameters of a model, found by name and kept in the order they were added.
///
/// Parameters never move once added, so tensors taken from them stay valid.
class ParameterSet {
 public:
  /// @brief Adds a zero-initialised parameter.
  /// @param name a name not used yet in this set.
  /// @param shape its dimensions.
  /// @return a tensor viewing it.
  Tensor add(const std::string& name, const Shape& shape);
  /// @param name a parameter's name.
  /// @return a tensor viewing it; throws Error naming the parameter when it is missing.
  Tensor tensor(const std::string& name);
  /// @param name a parameter's name.
  /// @return the parameter; throws Error naming it when it is missing.
  Parameter& at(const std::string& name);
  /// @param name a parameter's name.
  /// @return the parameter; throws Error naming it when it is missing.
  const Parameter& at(const std::string& name) const;
  /// @param name a parameter's name.
  /// @return whether the set has it.
  bool contains(const std::string& name) const { return index_.count(name) != 0; }
  /// @brief Freezes a parameter (its gradient buffer is freed) or makes it train again (a
  /// zeroed buffer). Take tensors of it again afterwards: older ones keep the old gradient.
  /// @param name a parameter's name.
  /// @param trainable whether it trains.
  void set_trainable(const std::string& name, bool trainable);
  /// @brief Sets every gradient to zero (backward accumulates, so do this every step).
  void zero_grad();
  /// @return the total number of values in all parameters.
  std::int64_t numel() const;
  /// @return the number of values in the parameters that train.
  std::int64_t trainable_numel() const;
  /// @return the number of parameters.
  std::size_t size() const { return parameters_.size(); }

  /// @return iterator to the first parameter, in the order they were added.
  std::deque<Parameter>::iterator begin() { return parameters_.begin(); }
  /// @return iterator past the last parameter.
  std::deque<Parameter>::iterator end() { return parameters_.end(); }
  /// @return iterator to the first parameter, in the order they were added.
  std::deque<Parameter>::const_iterator begin() const { return parameters_.begin(); }
  /// @return iterator past the last parameter.
  std::deque<Parameter>::const_iterator end() const { return parameters_.end(); }

 private:
  std::deque<Parameter> parameters_;  // a deque never moves its elements on push_back
  std::unordered_map<std::string, std::size_t> index_;
};

}  // namespace tinygpt
