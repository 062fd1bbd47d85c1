#include "tinygpt/core/parameters.h"

#include <algorithm>

#include "tinygpt/core/check.h"

namespace tinygpt {

Tensor ParameterSet::add(const std::string& name, const Shape& shape) {
  TINYGPT_CHECK(!name.empty(), "ParameterSet::add: a parameter needs a name");
  TINYGPT_CHECK(!contains(name), "ParameterSet::add: a parameter named '", name,
                "' already exists");
  const auto count = static_cast<std::size_t>(shape.numel());
  index_.emplace(name, parameters_.size());
  parameters_.push_back(
      Parameter{name, shape, AlignedFloats(count, 0.0f), AlignedFloats(count, 0.0f)});
  return parameters_.back().tensor();
}

Parameter& ParameterSet::at(const std::string& name) {
  const auto found = index_.find(name);
  TINYGPT_CHECK(found != index_.end(), "ParameterSet: no parameter named '", name, "'");
  return parameters_[found->second];
}

const Parameter& ParameterSet::at(const std::string& name) const {
  const auto found = index_.find(name);
  TINYGPT_CHECK(found != index_.end(), "ParameterSet: no parameter named '", name, "'");
  return parameters_[found->second];
}

Tensor ParameterSet::tensor(const std::string& name) {
  return at(name).tensor();
}

void ParameterSet::set_trainable(const std::string& name, bool trainable) {
  Parameter& parameter = at(name);
  if (parameter.trainable() == trainable) return;
  if (trainable) {
    parameter.grad.assign(static_cast<std::size_t>(parameter.shape.numel()), 0.0f);
  } else {
    AlignedFloats().swap(parameter.grad);  // gives the memory back, unlike clear()
  }
}

void ParameterSet::zero_grad() {
  for (Parameter& parameter : parameters_) {
    std::fill(parameter.grad.begin(), parameter.grad.end(), 0.0f);
  }
}

std::int64_t ParameterSet::numel() const {
  std::int64_t total = 0;
  for (const Parameter& parameter : parameters_) total += parameter.shape.numel();
  return total;
}

std::int64_t ParameterSet::trainable_numel() const {
  std::int64_t total = 0;
  for (const Parameter& parameter : parameters_) {
    if (parameter.trainable()) total += parameter.shape.numel();
  }
  return total;
}

}  // namespace tinygpt
