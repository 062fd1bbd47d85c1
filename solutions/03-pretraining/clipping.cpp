// Exercise 03.3, reference solution: clipping every gradient by their global norm.
#include <algorithm>
#include <cmath>

#include "tinygpt/core/check.h"
#include "tinygpt/train/clipping.h"

namespace tinygpt::train {

float clip_grad_norm(ParameterSet& parameters, float max_norm) {
  TINYGPT_CHECK(max_norm > 0.0f, "clip_grad_norm: max_norm must be positive, got ", max_norm);
  // One norm over all parameters: the sum of squares in double, so that millions of small
  // squares do not lose their low bits.
  double sum_of_squares = 0.0;
  for (const Parameter& parameter : parameters) {
    for (float g : parameter.grad) sum_of_squares += static_cast<double>(g) * g;
  }
  const double norm = std::sqrt(sum_of_squares);
  if (!std::isfinite(norm)) return static_cast<float>(norm);  // leave it to the caller

  // Shrink the whole gradient by one factor (its direction is kept), never grow it.
  const double scale = std::min(1.0, static_cast<double>(max_norm) / (norm + 1e-6));
  if (scale < 1.0) {
    const auto factor = static_cast<float>(scale);
    for (Parameter& parameter : parameters) {
      for (float& g : parameter.grad) g *= factor;
    }
  }
  return static_cast<float>(norm);
}

}  // namespace tinygpt::train
