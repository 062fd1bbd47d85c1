// SGD with momentum and the AdamW optimizer; the AdamW update itself is exercise 03.1
// (solutions/03-pretraining/adamw.cpp).
#include "tinygpt/train/optimizers.h"

#include <algorithm>
#include <utility>

#include "../core/parallel.h"
#include "tinygpt/core/check.h"

namespace tinygpt::train {

namespace {

// The parts of a dotted name: "h.0.ln_1.weight" -> "h", "0", "ln_1", "weight".
bool any_part(std::string_view name, bool (*matches)(std::string_view part)) {
  while (true) {
    const std::size_t dot = name.find('.');
    if (matches(name.substr(0, dot))) return true;
    if (dot == std::string_view::npos) return false;
    name.remove_prefix(dot + 1);
  }
}

bool is_layernorm_part(std::string_view part) {
  return part == "ln" || part.starts_with("ln_");
}

bool is_embedding_part(std::string_view part) {
  return part == "wte" || part == "wpe" || part == "wtt";
}

std::vector<OptimizerSlot> make_slots(const ParameterSet& parameters, const DecayRule& decays,
                                      bool second_moment) {
  TINYGPT_CHECK(static_cast<bool>(decays), "optimizer: the decay rule is empty");
  std::vector<OptimizerSlot> slots;
  slots.reserve(parameters.size());
  for (const Parameter& parameter : parameters) {
    if (!parameter.trainable()) continue;  // a frozen parameter has no state
    OptimizerSlot slot;
    slot.name = parameter.name;
    slot.decayed = decays(parameter.name);
    slot.first.assign(parameter.value.size(), 0.0f);
    if (second_moment) slot.second.assign(parameter.value.size(), 0.0f);
    slots.push_back(std::move(slot));
  }
  return slots;
}

Eigen::Map<Eigen::VectorXf> view(AlignedFloats& values) {
  return {values.data(), static_cast<Eigen::Index>(values.size())};
}

}  // namespace

bool decayed_by_default(std::string_view name) {
  const std::size_t dot = name.rfind('.');
  const std::string_view last = dot == std::string_view::npos ? name : name.substr(dot + 1);
  if (last == "bias") return false;
  return !any_part(name, is_layernorm_part) && !any_part(name, is_embedding_part);
}

void sgd_momentum_update(VectorRef value, VectorRef buffer, ConstVectorRef grad,
                         float learning_rate, float momentum, float weight_decay) {
  TINYGPT_CHECK(buffer.size() == value.size() && grad.size() == value.size(),
                "sgd_momentum_update: value has ", value.size(), " values, buffer ", buffer.size(),
                ", grad ", grad.size());
  // The same three lines as torch.optim.SGD, in the same order (so the same rounding):
  // the decay joins the gradient, the buffer remembers past directions, the step follows it.
  if (weight_decay != 0.0f) {
    buffer = momentum * buffer + (grad + weight_decay * value);
  } else {
    buffer = momentum * buffer + grad;
  }
  value -= learning_rate * buffer;
}

// The set must be the one the state was made for: the same trainable parameters (names,
// sizes, order).
void Optimizer::check_matches(const ParameterSet& parameters) const {
  const std::vector<OptimizerSlot>& slots = slots_;
  const std::string& optimizer = name_;
  std::size_t i = 0;
  for (const Parameter& parameter : parameters) {
    if (!parameter.trainable()) continue;
    TINYGPT_CHECK(i < slots.size(), optimizer, ": state for ", slots.size(),
                  " parameters, but the set has more that train (", parameter.name,
                  "); was a parameter unfrozen after the optimizer was made?");
    const OptimizerSlot& slot = slots[i++];
    TINYGPT_CHECK(parameter.name == slot.name && parameter.value.size() == slot.first.size(),
                  optimizer, ": parameter ", i - 1, " is ", parameter.name, " with ",
                  parameter.value.size(), " values, but the state is for ", slot.name, " with ",
                  slot.first.size());
  }
  TINYGPT_CHECK(i == slots.size(), optimizer, ": state for ", slots.size(),
                " parameters, but only ", i,
                " of the set train; was a parameter frozen after the optimizer was made?");
}

void Optimizer::check_learning_rate(float learning_rate) const {
  TINYGPT_CHECK(learning_rate > 0.0f, name_, ": the learning rate must be positive, got ",
                learning_rate);
}

void Optimizer::set_step_count(std::int64_t steps) {
  TINYGPT_CHECK(steps >= 0, name_, ": a step count must be >= 0, got ", steps);
  step_count_ = steps;
}

SgdMomentum::SgdMomentum(const ParameterSet& parameters, const SgdMomentumSettings& settings,
                         DecayRule decays)
    : Optimizer("SgdMomentum", make_slots(parameters, decays, false)), settings_(settings) {
  check_learning_rate(settings.learning_rate);
  TINYGPT_CHECK(settings.momentum >= 0.0f && settings.momentum < 1.0f,
                "SgdMomentum: momentum must be in [0, 1), got ", settings.momentum);
  TINYGPT_CHECK(settings.weight_decay >= 0.0f, "SgdMomentum: weight decay must be >= 0, got ",
                settings.weight_decay);
}

void SgdMomentum::step(ParameterSet& parameters) {
  check_matches(parameters);
  std::size_t i = 0;
  for (Parameter& parameter : parameters) {
    if (!parameter.trainable()) continue;
    OptimizerSlot& slot = slots_[i++];
    sgd_momentum_update(view(parameter.value), view(slot.first), view(parameter.grad),
                        settings_.learning_rate, settings_.momentum,
                        slot.decayed ? settings_.weight_decay : 0.0f);
  }
  ++step_count_;
}

void SgdMomentum::set_learning_rate(float learning_rate) {
  check_learning_rate(learning_rate);
  settings_.learning_rate = learning_rate;
}

AdamW::AdamW(const ParameterSet& parameters, const AdamWSettings& settings, DecayRule decays)
    : Optimizer("AdamW", make_slots(parameters, decays, true)), settings_(settings) {
  check_learning_rate(settings.learning_rate);
  TINYGPT_CHECK(settings.beta1 >= 0.0f && settings.beta1 < 1.0f,
                "AdamW: beta1 must be in [0, 1), got ", settings.beta1);
  TINYGPT_CHECK(settings.beta2 >= 0.0f && settings.beta2 < 1.0f,
                "AdamW: beta2 must be in [0, 1), got ", settings.beta2);
  TINYGPT_CHECK(settings.eps > 0.0f, "AdamW: eps must be positive, got ", settings.eps);
  TINYGPT_CHECK(settings.weight_decay >= 0.0f, "AdamW: weight decay must be >= 0, got ",
                settings.weight_decay);
}

void AdamW::step(ParameterSet& parameters) {
  check_matches(parameters);
  ++step_count_;
  AdamWSettings decayed = settings_;
  AdamWSettings not_decayed = settings_;
  not_decayed.weight_decay = 0.0f;
  // Every value is updated on its own, so parameters can be cut into chunks of kChunk
  // values: each chunk's value, m, v and grad stay in a core's cache while adamw_update
  // passes over them several times, and the chunks of all parameters share out across
  // threads in one parallel loop (a loop per parameter would pay a fork and a join for each
  // of GPT-2's 148 parameters, mostly small ones).
  chunks_.clear();
  std::int64_t total = 0;
  std::size_t i = 0;
  for (Parameter& parameter : parameters) {
    if (!parameter.trainable()) continue;
    OptimizerSlot* slot = &slots_[i++];
    const auto size = static_cast<std::int64_t>(parameter.value.size());
    for (std::int64_t first = 0; first < size; first += detail::kChunk) {
      chunks_.push_back({&parameter, slot, first, std::min(detail::kChunk, size - first)});
    }
    total += size;
  }
  const auto count = static_cast<std::int64_t>(chunks_.size());
  detail::parallel_for(count, 4 * total, [&](std::int64_t index) {
    const Chunk& chunk = chunks_[static_cast<std::size_t>(index)];
    const auto part = [&chunk](AlignedFloats& values) {
      return Eigen::Map<Eigen::VectorXf>(values.data() + chunk.first, chunk.count);
    };
    adamw_update(part(chunk.parameter->value), part(chunk.slot->first), part(chunk.slot->second),
                 part(chunk.parameter->grad), chunk.slot->decayed ? decayed : not_decayed,
                 step_count_);
  });
}

void AdamW::set_learning_rate(float learning_rate) {
  check_learning_rate(learning_rate);
  settings_.learning_rate = learning_rate;
}

}  // namespace tinygpt::train
