/// @file optimizers.h
/// @brief SGD with momentum and AdamW, with per-parameter state and parameter groups.
///
/// Both follow PyTorch's formulations exactly, so a run can be compared step by step with
/// torch.optim (steps/02-transformer/reference/parity.py writes the fixture):
///
///     SGD with momentum (torch.optim.SGD, dampening 0, not Nesterov):
///         g = grad + weight_decay * p           weight decay "coupled": part of the gradient
///         b = momentum * b + g                  b starts at 0, so the first b is g
///         p = p - lr * b
///
///     AdamW (Loshchilov & Hutter, "Decoupled Weight Decay Regularization", ICLR 2019;
///     torch.optim.AdamW), at step t = 1, 2, ...:
///         p = p - lr * weight_decay * p         decoupled: never enters m or v
///         m = beta1 * m + (1 - beta1) * g
///         v = beta2 * v + (1 - beta2) * g^2
///         p = p - lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)
///
/// Parameter groups: weight decay pulls a weight towards 0. That is a sensible prior for
/// the matrices of linear layers, but not for biases, LayerNorm gains (whose natural value
/// is 1) or embedding tables (rows of rare tokens would shrink only because they are
/// rare). So by default only the other parameters are decayed (see decayed_by_default);
/// pass another DecayRule to change that.
///
/// Gradient accumulation needs no helper: backward accumulates (+=) into every gradient.
/// To train on a batch of N * b sequences with N micro-batches of b, zero the gradients
/// once, then for each micro-batch run forward and `tape.backward(loss, scale)` with
/// `scale = {1.0f / N}` (so the sum of the N mean losses becomes their mean), reset the
/// tape, and step the optimizer once after the last micro-batch. The gradients equal those
/// of the whole batch up to float rounding when every micro-batch has as many target
/// tokens (steps/03-pretraining/tests/accumulation_test.cpp shows it).
///
/// The body of adamw_update is exercise 03.1: the reference is
/// solutions/03-pretraining/adamw.cpp, the learner's stub exercises/03-pretraining/adamw.cpp.
/// sgd_momentum_update is not an exercise (lib/src/train/optimizers.cpp).
/// Shapes: P = the number of values of one parameter, flattened.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "tinygpt/core/parameters.h"
#include "tinygpt/core/tensor.h"

namespace tinygpt::train {

/// @brief Says whether weight decay applies to a parameter, from its name.
using DecayRule = std::function<bool(std::string_view name)>;

/// @brief The default rule: every parameter is decayed except biases (last name part
/// "bias", e.g. "h.0.attn.c_attn.bias" or "mlm.bias"), LayerNorm parameters (a name part
/// "ln" or starting with "ln_", e.g. "h.1.ln_2.weight", "ln_f.weight", "mlm.ln.weight") and
/// embedding tables (a name part "wte", "wpe" or "wtt").
/// @param name a parameter's name, e.g. "h.0.mlp.c_fc.weight".
/// @return true when weight decay applies to it.
bool decayed_by_default(std::string_view name);

/// @brief Hyper-parameters of SGD with momentum.
struct SgdMomentumSettings {
  float learning_rate = 0.1f;  ///< lr, positive; change it with set_learning_rate()
  float momentum = 0.9f;       ///< mu in [0, 1); 0 is plain SGD
  float weight_decay = 0.0f;   ///< coupled L2 coefficient, >= 0 (decayed parameters only)
};

/// @brief Hyper-parameters of AdamW (the defaults are torch.optim.AdamW's).
struct AdamWSettings {
  float learning_rate = 1e-3f;  ///< lr, positive; change it with set_learning_rate()
  float beta1 = 0.9f;           ///< decay of the first moment m, in [0, 1)
  float beta2 = 0.999f;         ///< decay of the second moment v, in [0, 1)
  float eps = 1e-8f;            ///< added to sqrt(v_hat), positive
  float weight_decay = 0.01f;   ///< decoupled decay coefficient, >= 0
};

/// @brief One step of SGD with momentum on one parameter, as torch.optim.SGD does it:
/// g = grad + weight_decay * value; buffer = momentum * buffer + g; value -= lr * buffer.
/// @param value (P) the parameter's values, updated.
/// @param buffer (P) its momentum buffer, updated (zeros before the first step).
/// @param grad (P) its gradient.
/// @param learning_rate lr.
/// @param momentum mu.
/// @param weight_decay the coupled decay for this parameter (0 when it is not decayed).
void sgd_momentum_update(VectorRef value, VectorRef buffer, ConstVectorRef grad,
                         float learning_rate, float momentum, float weight_decay);

/// @brief One AdamW step on one parameter (exercise 03.1), as torch.optim.AdamW does it:
/// decoupled decay value -= lr * wd * value, then the moments m and v, their bias
/// corrections by 1 - beta^step, and value -= lr * m_hat / (sqrt(v_hat) + eps).
/// @param value (P) the parameter's values, updated.
/// @param m (P) the first moment, updated (zeros before step 1).
/// @param v (P) the second moment, updated (zeros before step 1).
/// @param grad (P) the gradient.
/// @param settings lr, betas and eps; settings.weight_decay is the decay of this parameter
///        (the optimizer passes 0 for parameters that are not decayed).
/// @param step the number of this step, counting from 1 (bias correction needs it).
void adamw_update(VectorRef value, VectorRef m, VectorRef v, ConstVectorRef grad,
                  const AdamWSettings& settings, std::int64_t step);

/// @brief An optimizer's state for one parameter.
struct OptimizerSlot {
  std::string name;      ///< the parameter's name
  bool decayed = false;  ///< whether weight decay applies to it
  AlignedFloats first;   ///< (P) SGD: the momentum buffer; AdamW: m
  AlignedFloats second;  ///< (P) AdamW: v; empty for SGD
};

/// @brief What the training loop and checkpoints need of any optimizer: a step, the
/// learning rate a schedule sets before it, and the per-parameter state to save and restore.
class Optimizer {
 public:
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;
  /// @brief Updates every parameter from its accumulated gradient; the step count grows by 1.
  /// @param parameters the set given to the constructor.
  virtual void step(ParameterSet& parameters) = 0;
  /// @param learning_rate the new lr, positive (a schedule sets it before each step).
  virtual void set_learning_rate(float learning_rate) = 0;
  /// @return the number of steps taken (the next step is step_count() + 1).
  std::int64_t step_count() const { return step_count_; }
  /// @param steps the number of steps taken (when resuming from a checkpoint).
  void set_step_count(std::int64_t steps);
  /// @return the state of each parameter that trains, in the set's order (for checkpoints).
  std::vector<OptimizerSlot>& slots() { return slots_; }
  /// @return the per-parameter state, in the set's order.
  const std::vector<OptimizerSlot>& slots() const { return slots_; }

 protected:
  /// @param name the optimizer's name in messages, e.g. "AdamW".
  /// @param slots zero state for every parameter that trains.
  Optimizer(std::string name, std::vector<OptimizerSlot> slots)
      : name_(std::move(name)), slots_(std::move(slots)) {}
  /// @brief Throws unless the set still trains the parameters the state was made for.
  /// @param parameters the set given to step().
  void check_matches(const ParameterSet& parameters) const;
  /// @brief Throws unless the learning rate is positive.
  /// @param learning_rate the rate to check.
  void check_learning_rate(float learning_rate) const;

  std::string name_;                  ///< e.g. "AdamW", in messages
  std::vector<OptimizerSlot> slots_;  ///< the state of each parameter that trains
  std::int64_t step_count_ = 0;       ///< steps taken
};

/// @brief SGD with momentum over a ParameterSet.
class SgdMomentum final : public Optimizer {
 public:
  /// @brief Creates zero state for every parameter of the set that trains; a frozen one
  /// has none (the set may not change which parameters train afterwards: step() checks).
  /// @param parameters the model's parameters.
  /// @param settings hyper-parameters; invalid values throw Error.
  /// @param decays which parameters weight decay applies to.
  SgdMomentum(const ParameterSet& parameters, const SgdMomentumSettings& settings,
              DecayRule decays = decayed_by_default);
  void step(ParameterSet& parameters) override;
  void set_learning_rate(float learning_rate) override;
  /// @return the hyper-parameters (with the current learning rate).
  const SgdMomentumSettings& settings() const { return settings_; }

 private:
  SgdMomentumSettings settings_;
};

/// @brief AdamW over a ParameterSet: one adamw_update per parameter and step (m in a slot's
/// first, v in its second).
class AdamW final : public Optimizer {
 public:
  /// @brief Creates zero moments for every parameter of the set that trains; a frozen one
  /// has none (the set may not change which parameters train afterwards: step() checks).
  /// @param parameters the model's parameters.
  /// @param settings hyper-parameters; invalid values throw Error.
  /// @param decays which parameters weight decay applies to.
  AdamW(const ParameterSet& parameters, const AdamWSettings& settings,
        DecayRule decays = decayed_by_default);
  void step(ParameterSet& parameters) override;
  void set_learning_rate(float learning_rate) override;
  /// @return the hyper-parameters (with the current learning rate).
  const AdamWSettings& settings() const { return settings_; }

 private:
  // A chunk of one parameter: step() updates all chunks of all parameters in one parallel
  // loop (kept here so that a step allocates nothing after the first).
  struct Chunk {
    Parameter* parameter = nullptr;
    OptimizerSlot* slot = nullptr;
    std::int64_t first = 0;  // index of its first value
    std::int64_t count = 0;  // number of values
  };

  AdamWSettings settings_;
  std::vector<Chunk> chunks_;
};

}  // namespace tinygpt::train
