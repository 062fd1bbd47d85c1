/// @file sgd.h
/// @brief Plain stochastic gradient descent: value -= learning_rate * grad.
///
/// The body of sgd_update is exercise 01.5: the reference is solutions/01-basics/sgd.cpp,
/// the learner's stub exercises/01-basics/sgd.cpp.
#pragma once

#include "tinygpt/core/parameters.h"
#include "tinygpt/core/tensor.h"

namespace tinygpt::train {

/// @brief value -= learning_rate * grad, element by element.
/// @param value (P) a parameter's values, flattened.
/// @param grad (P) its gradient.
/// @param learning_rate the step size.
void sgd_update(VectorRef value, ConstVectorRef grad, float learning_rate);

/// @brief Applies sgd_update to every parameter of a set.
class Sgd {
 public:
  /// @param learning_rate the step size, positive.
  explicit Sgd(float learning_rate);
  /// @brief One update of every parameter from its accumulated gradient.
  /// @param parameters the model's parameters.
  void step(ParameterSet& parameters) const;
  /// @return the step size.
  float learning_rate() const { return learning_rate_; }

 private:
  float learning_rate_;
};

}  // namespace tinygpt::train
