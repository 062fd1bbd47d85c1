// The alignment losses' parity with PyTorch: the Bradley-Terry and DPO losses
// (align/preference_loss.h), GAE and PPO's two clipped losses (align/ppo_loss.h), against
// reference/fixtures/alignment_losses.safetensors, which reference/alignment_parity.py
// computed in float64 with F.logsigmoid, torch.min, torch.max, torch.clamp and autograd
// (tinygpt writes every backward by hand). Compared: every loss, the gradient of every input
// that has one, GAE's advantages and returns; then finite differences of both PPO losses at
// the fixture's points, which the script keeps away from the clip kinks.
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "test_support.hpp"
#include "tinygpt/align/ppo_loss.h"
#include "tinygpt/align/preference_loss.h"
#include "tinygpt/core/gradcheck.h"
#include "tinygpt/core/parameters.h"
#include "tinygpt/core/safetensors.h"
#include "tinygpt/core/tape.h"

using namespace tinygpt;
using tinygpt::testing::relative_error;

namespace {

// Bounds on max |ours - torch| / max |torch| per tensor, as in step 04's parity tests.
// Measured on this fixture (x86-64, Release): 0 for every tensor, that is every loss,
// gradient, advantage and return equal in float32. Both sides compute in double from the
// same float32 inputs and round once, and the doubles differ by far less than half a float's
// ulp. DPO's path rounds more often (nn::sub and nn::mul work in float32), so other inputs
// may show an ulp or two (about 1e-7); the bounds leave a factor of about 100 over that, for
// other compilers and vector units, and a change of 1e-4 of a tensor's largest value
// fails them (tried by hand on a copy of the fixture).
constexpr double kLossTolerance = 1e-5;
constexpr double kGradientTolerance = 1e-5;

const SafetensorsFile& fixture() {
  static const SafetensorsFile file = SafetensorsFile::read(
      std::filesystem::path(TINYGPT_STEP05_FIXTURES) / "alignment_losses.safetensors");
  return file;
}

std::vector<float> floats(const std::string& name) {
  return fixture().floats(name);
}

float scalar(const std::string& name) {
  const std::vector<float> values = floats(name);
  REQUIRE(values.size() == 1);
  return values[0];
}

/// CHECKs values against the fixture's tensor `name` within `bound` (max |ours - torch| /
/// max |torch|) and WARNs the error, so that a run shows what it measured.
void check_parity(const std::string& name, std::span<const float> actual, double bound) {
  const double error = relative_error(actual, floats(name));
  INFO(name << ": relative error " << error);
  CHECK(error < bound);
  WARN("alignment_losses " << name << " max relative error " << error);
}

/// Where PyTorch's gradient is exactly 0 (a clipped token), ours must be exactly 0 as well:
/// the relative bound alone would let a small leak through.
void check_same_zeros(const std::string& name, std::span<const float> actual) {
  const std::vector<float> expected = floats(name);
  REQUIRE(actual.size() == expected.size());
  int zeros = 0;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    INFO(name << "[" << i << "]: ours " << actual[i] << ", torch " << expected[i]);
    CHECK((actual[i] == 0.0f) == (expected[i] == 0.0f));
    zeros += expected[i] == 0.0f ? 1 : 0;
  }
  CHECK(zeros == 4);  // alignment_parity.py clips four tokens in each PPO loss
}

/// A trainable (n) input filled with the fixture's tensor `name`, its gradient zeroed.
Tensor input(ParameterSet& inputs, const std::string& name) {
  const std::vector<float> values = floats(name);
  inputs.add(name, Shape{static_cast<std::int64_t>(values.size())});
  Parameter& parameter = inputs.at(name);
  std::copy(values.begin(), values.end(), parameter.value.begin());
  std::fill(parameter.grad.begin(), parameter.grad.end(), 0.0f);
  return inputs.tensor(name);
}

/// A constant (n) on the tape, from the fixture's tensor `name`.
Tensor constant(Tape& tape, const std::string& name) {
  const std::vector<float> values = floats(name);
  return tape.constant(Shape{static_cast<std::int64_t>(values.size())}, values);
}

std::span<const float> gradient(ParameterSet& inputs, const std::string& name) {
  return inputs.at(name).grad;
}

}  // namespace

TEST_CASE("the Bradley-Terry loss and its gradients match PyTorch, at score gaps of 60 too",
          "[step05][preference][parity][ex05.1]") {
  ParameterSet inputs;
  const Tensor chosen = input(inputs, "bradley_terry.chosen");
  const Tensor rejected = input(inputs, "bradley_terry.rejected");
  Tape tape;
  const Tensor loss = align::bradley_terry_loss(tape, chosen, rejected);
  tape.backward(loss);
  check_parity("bradley_terry.loss", std::span(loss.data, 1), kLossTolerance);
  check_parity("bradley_terry.grad_chosen", gradient(inputs, "bradley_terry.chosen"),
               kGradientTolerance);
  check_parity("bradley_terry.grad_rejected", gradient(inputs, "bradley_terry.rejected"),
               kGradientTolerance);
  // The pair ordered well by 60 has a gradient of about -e^-60 / B, far below the bound's
  // scale: checked on its own, it shows that sigma(-60) neither underflows nor turns NaN.
  const std::vector<float> s_c = floats("bradley_terry.chosen");
  const std::vector<float> s_r = floats("bradley_terry.rejected");
  const std::vector<float> torch_grad = floats("bradley_terry.grad_chosen");
  std::size_t widest = 0;
  for (std::size_t i = 0; i < s_c.size(); ++i) {
    if (s_c[i] - s_r[i] > s_c[widest] - s_r[widest]) widest = i;
  }
  REQUIRE(s_c[widest] - s_r[widest] == 60.0f);
  const double tiny = gradient(inputs, "bradley_terry.chosen")[widest];
  INFO("gradient of the pair 60 apart: ours " << tiny << ", torch " << torch_grad[widest]);
  CHECK(tiny < 0.0);
  CHECK(tiny == Approx(torch_grad[widest]).epsilon(1e-5));
}

TEST_CASE("DPO's loss and its gradients match PyTorch", "[step05][preference][parity][ex05.2]") {
  ParameterSet inputs;
  const Tensor policy_chosen = input(inputs, "dpo.policy_chosen");
  const Tensor policy_rejected = input(inputs, "dpo.policy_rejected");
  Tape tape;
  const Tensor loss =
      align::dpo_loss(tape, policy_chosen, policy_rejected, constant(tape, "dpo.reference_chosen"),
                      constant(tape, "dpo.reference_rejected"), scalar("dpo.beta"));
  tape.backward(loss);
  check_parity("dpo.loss", std::span(loss.data, 1), kLossTolerance);
  check_parity("dpo.grad_policy_chosen", gradient(inputs, "dpo.policy_chosen"), kGradientTolerance);
  check_parity("dpo.grad_policy_rejected", gradient(inputs, "dpo.policy_rejected"),
               kGradientTolerance);
}

TEST_CASE("GAE's advantages and returns match PyTorch's backwards recursion",
          "[step05][ppo][parity][ex05.3]") {
  // Answer 0: n = 5, gamma 1, lambda 0.95; answer 1: n = 1; answer 2: n = 5, gamma 0.9,
  // lambda 0.8.
  for (int answer = 0; answer < 3; ++answer) {
    const std::string prefix = "gae." + std::to_string(answer) + ".";
    INFO(prefix);
    const std::vector<float> rewards = floats(prefix + "rewards");
    const std::vector<float> values = floats(prefix + "values");
    std::vector<float> advantages(rewards.size()), returns(rewards.size());
    align::gae(rewards, values, scalar(prefix + "gamma"), scalar(prefix + "lambda"), advantages,
               returns);
    check_parity(prefix + "advantages", advantages, kLossTolerance);
    check_parity(prefix + "returns", returns, kLossTolerance);
  }
}

TEST_CASE("PPO's surrogate objective and its gradient match PyTorch, ratios past 1 +- eps included",
          "[step05][ppo][parity][ex05.4]") {
  ParameterSet inputs;
  const Tensor logprobs = input(inputs, "ppo_policy.logprobs");
  Tape tape;
  const Tensor loss =
      align::ppo_policy_loss(tape, logprobs, constant(tape, "ppo_policy.old_logprobs"),
                             constant(tape, "ppo_policy.advantages"), scalar("ppo_policy.clip"));
  tape.backward(loss);
  check_parity("ppo_policy.loss", std::span(loss.data, 1), kLossTolerance);
  check_parity("ppo_policy.grad_logprobs", gradient(inputs, "ppo_policy.logprobs"),
               kGradientTolerance);
  check_same_zeros("ppo_policy.grad_logprobs", gradient(inputs, "ppo_policy.logprobs"));
}

TEST_CASE("PPO's value loss and its gradient match PyTorch, values past V_old +- eps included",
          "[step05][ppo][parity][ex05.4]") {
  ParameterSet inputs;
  const Tensor values = input(inputs, "ppo_value.values");
  Tape tape;
  const Tensor loss =
      align::ppo_value_loss(tape, values, constant(tape, "ppo_value.old_values"),
                            constant(tape, "ppo_value.returns"), scalar("ppo_value.clip"));
  tape.backward(loss);
  check_parity("ppo_value.loss", std::span(loss.data, 1), kLossTolerance);
  check_parity("ppo_value.grad_values", gradient(inputs, "ppo_value.values"), kGradientTolerance);
  check_same_zeros("ppo_value.grad_values", gradient(inputs, "ppo_value.values"));
}

TEST_CASE("PPO's two losses match finite differences away from their kinks",
          "[step05][ppo][ex05.4]") {
  // The fixture's points: every ratio at least 0.03 from 1 +- eps, every value at least 0.03
  // from V_old +- eps_v and from where the two squares are equal (alignment_parity.py checks
  // it), so a step of 1e-2 in a log-probability (1% in the ratio) or a value stays on one
  // side of each kink; clipped and unclipped tokens are both there. Measured:
  // 8.5e-6 (policy) and 1.9e-6 (value), the central difference's own error.
  ParameterSet inputs;
  const std::vector<Tensor> logprobs = {input(inputs, "ppo_policy.logprobs")};
  const GradCheckResult policy = gradient_check(
      [](Tape& tape, std::span<const Tensor> in) {
        return align::ppo_policy_loss(tape, in[0], constant(tape, "ppo_policy.old_logprobs"),
                                      constant(tape, "ppo_policy.advantages"),
                                      scalar("ppo_policy.clip"));
      },
      logprobs, testing::kGradStep);
  INFO("policy: " << policy.str());
  CHECK(policy.relative_error < testing::kGradTolerance);
  WARN("ppo_policy_loss finite differences: relative error " << policy.relative_error);

  const std::vector<Tensor> values = {input(inputs, "ppo_value.values")};
  const GradCheckResult value = gradient_check(
      [](Tape& tape, std::span<const Tensor> in) {
        return align::ppo_value_loss(tape, in[0], constant(tape, "ppo_value.old_values"),
                                     constant(tape, "ppo_value.returns"), scalar("ppo_value.clip"));
      },
      values, testing::kGradStep);
  INFO("value: " << value.str());
  CHECK(value.relative_error < testing::kGradTolerance);
  WARN("ppo_value_loss finite differences: relative error " << value.relative_error);
}
