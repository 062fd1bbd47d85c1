// The preference losses (align/preference_loss.h): the Bradley-Terry loss and its gradient
// (exercise 05.1), stable for any score difference, and DPO's loss (exercise 05.2) as the
// Bradley-Terry loss of the implicit rewards beta (log pi - log pi_ref).
#include <cmath>
#include <vector>

#include "test_support.hpp"
#include "tinygpt/align/preference_loss.h"
#include "tinygpt/core/gradcheck.h"
#include "tinygpt/core/parameters.h"
#include "tinygpt/core/rng.h"

using namespace tinygpt;
using tinygpt::testing::contains;

TEST_CASE("the Bradley-Terry loss is -log sigma of the score difference, stable at any size",
          "[step05][preference][ex05.1]") {
  // Equal scores: the model cannot tell the answers apart, sigma(0) = 1/2.
  CHECK(align::bradley_terry_forward(std::vector<float>{0.3f}, std::vector<float>{0.3f}) ==
        Approx(std::log(2.0)));
  // Two pairs, ordered well and badly: the mean of softplus(-1) and softplus(2).
  const std::vector<float> chosen = {1.0f, -1.0f}, rejected = {0.0f, 1.0f};
  const double expected = (std::log1p(std::exp(-1.0)) + std::log1p(std::exp(2.0))) / 2.0;
  CHECK(align::bradley_terry_forward(chosen, rejected) == Approx(expected).epsilon(1e-6));
  // Differences of 200 neither overflow nor lose the loss: about 0 and about 200.
  CHECK(align::bradley_terry_forward(std::vector<float>{100.0f}, std::vector<float>{-100.0f}) <
        1e-30);
  CHECK(align::bradley_terry_forward(std::vector<float>{-100.0f}, std::vector<float>{100.0f}) ==
        Approx(200.0));
  std::vector<float> dchosen(2, 0.0f), drejected(2, 0.0f);
  align::bradley_terry_backward(dchosen, drejected, chosen, rejected, 1.0f);
  // -sigma(-x) / B: the badly ordered pair pulls harder.
  CHECK(dchosen[0] == Approx(-0.5 / (1.0 + std::exp(1.0))));
  CHECK(dchosen[1] == Approx(-0.5 / (1.0 + std::exp(-2.0))));
  CHECK(drejected[1] == Approx(-dchosen[1]));
  std::vector<float> none;
  std::vector<float> only(2, 0.0f);
  align::bradley_terry_backward(none, only, chosen, rejected, 1.0f);
  CHECK(only == drejected);
  CHECK_THROWS_WITH(align::bradley_terry_forward(chosen, std::vector<float>{1.0f}),
                    contains("2 chosen and 1 rejected"));
}

TEST_CASE("the recorded Bradley-Terry loss matches finite differences",
          "[step05][preference][ex05.1]") {
  ParameterSet inputs;
  inputs.add("chosen", Shape{5});
  inputs.add("rejected", Shape{5});
  fill_normal(inputs.at("chosen").value, 3, RngStream::kDemo, 0, 0.0f, 2.0f);
  fill_normal(inputs.at("rejected").value, 3, RngStream::kDemo, 1, 0.0f, 2.0f);
  const std::vector<Tensor> tensors = {inputs.tensor("chosen"), inputs.tensor("rejected")};
  const GradCheckResult result = gradient_check(
      [](Tape& tape, std::span<const Tensor> in) {
        return align::bradley_terry_loss(tape, in[0], in[1]);
      },
      tensors, 1e-2f);
  INFO(result.str());
  CHECK(result.relative_error < 1e-3);
  Tape tape;
  CHECK_THROWS_WITH(align::bradley_terry_loss(tape, inputs.tensor("chosen"),
                                              tape.constant(Shape{4}, std::vector<float>(4))),
                    contains("must both be (B) or (B, 1)"));
}

TEST_CASE("DPO's loss is the Bradley-Terry loss of beta times the log-ratios to the reference",
          "[step05][preference][ex05.2]") {
  ParameterSet policy;
  policy.add("chosen", Shape{3});
  policy.add("rejected", Shape{3});
  fill_normal(policy.at("chosen").value, 5, RngStream::kDemo, 0, -20.0f, 3.0f);
  fill_normal(policy.at("rejected").value, 5, RngStream::kDemo, 1, -20.0f, 3.0f);
  const std::vector<float> reference_chosen = {-21.0f, -18.5f, -25.0f};
  const std::vector<float> reference_rejected = {-19.0f, -22.0f, -17.5f};
  const float beta = 0.1f;
  Tape tape;
  const Tensor loss = align::dpo_loss(tape, policy.tensor("chosen"), policy.tensor("rejected"),
                                      tape.constant(Shape{3}, reference_chosen),
                                      tape.constant(Shape{3}, reference_rejected), beta);
  std::vector<float> chosen_rewards, rejected_rewards;
  for (std::size_t i = 0; i < 3; ++i) {
    chosen_rewards.push_back(beta * (policy.at("chosen").value[i] - reference_chosen[i]));
    rejected_rewards.push_back(beta * (policy.at("rejected").value[i] - reference_rejected[i]));
  }
  CHECK(loss.data[0] ==
        Approx(align::bradley_terry_forward(chosen_rewards, rejected_rewards)).epsilon(1e-6));
  // A policy equal to its reference has implicit rewards 0: the loss is log 2.
  Tape same;
  const Tensor at_start = align::dpo_loss(
      same, same.constant(Shape{3}, reference_chosen), same.constant(Shape{3}, reference_rejected),
      same.constant(Shape{3}, reference_chosen), same.constant(Shape{3}, reference_rejected), beta);
  CHECK(at_start.data[0] == Approx(std::log(2.0)));

  // Raising the chosen answer's log-probability lowers the loss: its gradient is negative.
  tape.backward(loss);
  for (const float gradient : policy.at("chosen").grad) CHECK(gradient < 0.0f);

  const std::vector<Tensor> tensors = {policy.tensor("chosen"), policy.tensor("rejected")};
  const GradCheckResult result = gradient_check(
      [&](Tape& t, std::span<const Tensor> in) {
        return align::dpo_loss(t, in[0], in[1], t.constant(Shape{3}, reference_chosen),
                               t.constant(Shape{3}, reference_rejected), beta);
      },
      tensors, 1e-2f);
  INFO(result.str());
  CHECK(result.relative_error < 1e-3);
}
