#include "tinygpt/core/gradcheck.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "tinygpt/core/check.h"
#include "tinygpt/core/rng.h"

namespace tinygpt {

std::string GradCheckResult::str() const {
  std::ostringstream text;
  text << "relative error " << relative_error << "; worst at input " << worst_input << " element "
       << worst_element << ": analytic " << worst_analytic << ", numeric " << worst_numeric;
  return text.str();
}

namespace {
// L = sum_i w_i out_i, in double so that the difference of two nearby L keeps its digits.
double projected(const Tensor& out, const std::vector<float>& weights) {
  double total = 0.0;
  for (std::int64_t i = 0; i < out.numel(); ++i) total += double{weights[i]} * out.data[i];
  return total;
}
}  // namespace

GradCheckResult gradient_check(const GraphFn& f, std::span<const Tensor> inputs, float step,
                               std::uint64_t seed) {
  TINYGPT_CHECK(step > 0.0f, "gradient_check: the step must be positive, got ", step);
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    TINYGPT_CHECK(inputs[k].grad != nullptr, "gradient_check: input ", k, " ",
                  inputs[k].shape.str(), " has no gradient buffer");
    std::fill_n(inputs[k].grad, inputs[k].numel(), 0.0f);
  }

  Tape tape;
  const Tensor out = f(tape, inputs);
  std::vector<float> weights(static_cast<std::size_t>(out.numel()));
  fill_normal(weights, seed, RngStream::kDemo, 0, 0.0f, 1.0f);
  tape.backward(out, weights);

  GradCheckResult result;
  double difference_squares = 0.0, sum_squares = 0.0, worst = -1.0;
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    const Tensor& input = inputs[k];
    for (std::int64_t j = 0; j < input.numel(); ++j) {
      const float original = input.data[j];
      double sides[2];
      for (int side = 0; side < 2; ++side) {
        input.data[j] = original + (side == 0 ? step : -step);
        tape.reset();
        NoGradGuard no_grad(tape);
        sides[side] = projected(f(tape, inputs), weights);
      }
      input.data[j] = original;
      // Divide by the step actually taken: original + h is rounded to a float.
      const double taken = double{original + step} - double{original - step};
      const double numeric = (sides[0] - sides[1]) / taken;
      const double analytic = input.grad[j];
      difference_squares += (analytic - numeric) * (analytic - numeric);
      sum_squares += (analytic + numeric) * (analytic + numeric);
      if (std::abs(analytic - numeric) > worst) {
        worst = std::abs(analytic - numeric);
        result.worst_input = static_cast<std::int64_t>(k);
        result.worst_element = j;
        result.worst_analytic = analytic;
        result.worst_numeric = numeric;
      }
    }
  }
  result.relative_error =
      sum_squares > 0.0 ? std::sqrt(difference_squares) / std::sqrt(sum_squares) : 0.0;
  return result;
}

}  // namespace tinygpt
