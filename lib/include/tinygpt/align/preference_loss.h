/// @file preference_loss.h
/// @brief Learning from pairs of answers, one preferred: the Bradley-Terry loss of a reward
/// model, and DPO's loss, which is the same loss on implicit rewards.
///
/// **Bradley-Terry** (Bradley and Terry, 1952): if answer c is preferred to answer r with
/// probability sigma(s_c - s_r), where s is a score and sigma(x) = 1 / (1 + e^-x), the
/// negative log-likelihood of the observed preferences is
///
///     L = (1/B) sum_i -log sigma(s_c,i - s_r,i) = (1/B) sum_i softplus(s_r,i - s_c,i)
///
/// A reward model (Ouyang et al., 2022) learns its scores s = r(prompt, answer) by it.
///
/// **DPO** (Rafailov et al., 2023): with the policy pi and a frozen reference pi_ref, the
/// implicit reward of an answer y is beta log(pi(y | x) / pi_ref(y | x)), and DPO's loss is
/// the Bradley-Terry loss of the chosen and rejected answers' implicit rewards:
///
///     L_DPO = (1/B) sum_i -log sigma(beta [(log pi(c) - log pi_ref(c)) - (log pi(r) - log
///     pi_ref(r))])
///
/// so a policy is trained directly on preference pairs, with no reward model and no
/// sampling.
///
/// The bodies of bradley_terry_forward and bradley_terry_backward are exercise 05.1 (the
/// reference: solutions/05-alignment/bradley_terry.cpp); dpo_loss is exercise 05.2
/// (solutions/05-alignment/dpo_loss.cpp), built from recorded ops.
/// Shapes: B pairs.
#pragma once

#include <span>

#include "tinygpt/core/tape.h"
#include "tinygpt/core/tensor.h"

namespace tinygpt::align {

/// @brief The mean Bradley-Terry loss, computed stably (softplus(x) = max(x, 0) +
/// log(1 + e^-|x|), never overflowing).
/// @param chosen (B) the preferred answers' scores.
/// @param rejected (B) the other answers' scores.
/// @return L = (1/B) sum_i -log sigma(chosen_i - rejected_i).
float bradley_terry_forward(std::span<const float> chosen, std::span<const float> rejected);

/// @brief Accumulates (+=) the gradients of L: dL/dchosen_i = -sigma(rejected_i - chosen_i)
/// / B, and dL/drejected_i the opposite, times dloss.
/// @param dchosen (B), or empty: not wanted (skipped).
/// @param drejected (B), or empty: not wanted (skipped).
/// @param chosen (B) as in forward.
/// @param rejected (B) as in forward.
/// @param dloss the gradient of the loss.
void bradley_terry_backward(std::span<float> dchosen, std::span<float> drejected,
                            std::span<const float> chosen, std::span<const float> rejected,
                            float dloss);

/// @brief Records the mean Bradley-Terry loss. Throws Error naming the shapes when chosen
/// and rejected are not both (B) or (B, 1).
/// @param tape the tape.
/// @param chosen the preferred answers' scores.
/// @param rejected the other answers' scores.
/// @return the loss, a scalar (1).
Tensor bradley_terry_loss(Tape& tape, const Tensor& chosen, const Tensor& rejected);

/// @brief Records DPO's loss from the answers' log-probabilities: the Bradley-Terry loss of
/// the implicit rewards beta (log pi - log pi_ref).
/// @param tape the tape.
/// @param policy_chosen (B) log pi(chosen | prompt), with gradient.
/// @param policy_rejected (B) log pi(rejected | prompt), with gradient.
/// @param reference_chosen (B) log pi_ref(chosen | prompt), a constant.
/// @param reference_rejected (B) log pi_ref(rejected | prompt), a constant.
/// @param beta how far from the reference the policy may move: larger is closer.
/// @return the loss, a scalar (1).
Tensor dpo_loss(Tape& tape, const Tensor& policy_chosen, const Tensor& policy_rejected,
                const Tensor& reference_chosen, const Tensor& reference_rejected, float beta);

}  // namespace tinygpt::align
