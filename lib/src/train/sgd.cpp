// The Sgd optimizer; the update itself is exercise 01.5 (solutions/01-basics/sgd.cpp).
#include "tinygpt/train/sgd.h"

#include "tinygpt/core/check.h"

namespace tinygpt::train {

Sgd::Sgd(float learning_rate) : learning_rate_(learning_rate) {
  TINYGPT_CHECK(learning_rate > 0.0f, "Sgd: the learning rate must be positive, got ",
                learning_rate);
}

void Sgd::step(ParameterSet& parameters) const {
  for (Parameter& parameter : parameters) {
    const auto size = static_cast<Eigen::Index>(parameter.value.size());
    sgd_update(Eigen::Map<Eigen::VectorXf>(parameter.value.data(), size),
               Eigen::Map<const Eigen::VectorXf>(parameter.grad.data(), size), learning_rate_);
  }
}

}  // namespace tinygpt::train
