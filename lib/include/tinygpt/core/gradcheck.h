/// @file gradcheck.h
/// @brief Finite-difference gradient check: does an op's backward agree with its forward?
///
/// The check projects the output onto fixed random weights w, L(x) = sum_i w_i f(x)_i, and
/// compares the gradient the tape computes, dL/dx = backward(f, w), with central
/// differences (L(x + h e_j) - L(x - h e_j)) / 2h for every input element j. The error is
/// ||analytic - numeric|| / ||analytic + numeric|| over all elements of all inputs.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "tinygpt/core/tape.h"

namespace tinygpt {

/// Builds the checked computation's output from its inputs, on the given tape.
using GraphFn = std::function<Tensor(Tape& tape, std::span<const Tensor> inputs)>;

/// @brief The outcome of gradient_check().
struct GradCheckResult {
  double relative_error = 0.0;     ///< ||a - n|| / ||a + n|| over every input element
  std::int64_t worst_input = 0;    ///< input holding the largest element difference
  std::int64_t worst_element = 0;  ///< its element index
  double worst_analytic = 0.0;     ///< the analytic gradient there
  double worst_numeric = 0.0;      ///< the numeric gradient there

  /// @return a one-line description, for test failure messages.
  std::string str() const;
};

/// @brief Compares analytic and finite-difference gradients of `f` at `inputs`.
/// @param f the computation; it must only read the inputs (they are perturbed in place).
/// @param inputs tensors with values and gradient buffers (e.g. from a ParameterSet);
///               their gradients are overwritten.
/// @param step the finite-difference step h; 1e-2 suits float32 inputs of size ~1.
/// @param seed seed of the projection weights w.
/// @return the relative error and where the worst difference is.
GradCheckResult gradient_check(const GraphFn& f, std::span<const Tensor> inputs, float step,
                               std::uint64_t seed = 1);

}  // namespace tinygpt
