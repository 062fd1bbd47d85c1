/// @file ppo_loss.h
/// @brief The arithmetic of PPO (Schulman et al., 2017) on a language model's answers:
/// advantages by GAE, the clipped surrogate objective of the policy, and the clipped loss of
/// the value head.
///
/// An answer of n tokens y_1 .. y_n is an episode: the state before token t is the prompt and
/// y_1 .. y_{t-1}, the action is y_t. Each token gets a reward r_t (alignment.h's PPO gives
/// -beta times its KL to the reference, plus the reward model's score on the last one) and
/// the value head estimates V_t, the return expected from the state before y_t.
///
/// **GAE** (Schulman et al., 2016), with V_{n+1} = 0 (the answer ends):
///
///     delta_t = r_t + gamma V_{t+1} - V_t
///     A_t     = delta_t + gamma lambda A_{t+1}          (A_{n+1} = 0)
///     R_t     = A_t + V_t                               the value head's target
///
/// lambda = 1 gives the plain return minus V (unbiased, noisy); lambda = 0 the one-step
/// estimate delta_t (biased by V, quiet).
///
/// **The clipped surrogate**, over M answer tokens, with the ratio of the policy being
/// trained to the one that sampled the tokens, rho_t = exp(log pi(y_t) - log pi_old(y_t)):
///
///     L_policy = -(1/M) sum_t min(rho_t A_t, clip(rho_t, 1 - eps, 1 + eps) A_t)
///
/// Once a token's ratio has moved past 1 +- eps in the direction its advantage favours, the
/// clipped term is the smaller one and its gradient is zero: each batch of samples may move
/// the policy only so far, which is what lets PPO take several epochs on one batch.
///
/// **The clipped value loss** (as in OpenAI's baselines), with V_old the values at sampling:
///
///     V_clip  = V_old + clip(V - V_old, -eps_v, eps_v)
///     L_value = (1/2) (1/M) sum_t max((V_t - R_t)^2, (V_clip,t - R_t)^2)
///
/// The bodies of gae() are exercise 05.3 (solutions/05-alignment/gae.cpp); those of the four
/// ppo_* functions exercise 05.4 (solutions/05-alignment/ppo_objective.cpp).
#pragma once

#include <span>

#include "tinygpt/core/tape.h"
#include "tinygpt/core/tensor.h"

namespace tinygpt::align {

/// @brief Advantages and returns of one answer by GAE (see the file).
/// @param rewards (n) r_t, the reward of each token.
/// @param values (n) V_t, the value head's estimate before each token.
/// @param gamma the discount, in [0, 1].
/// @param lambda GAE's lambda, in [0, 1].
/// @param advantages (n) out: A_t.
/// @param returns (n) out: R_t = A_t + V_t.
void gae(std::span<const float> rewards, std::span<const float> values, float gamma, float lambda,
         std::span<float> advantages, std::span<float> returns);

/// @brief The clipped surrogate loss L_policy (see the file), a mean over M tokens.
/// @param logprobs (M) log pi(y_t) under the policy being trained.
/// @param old_logprobs (M) log pi_old(y_t) when the tokens were sampled.
/// @param advantages (M) A_t.
/// @param clip eps, positive.
/// @return L_policy.
float ppo_policy_forward(std::span<const float> logprobs, std::span<const float> old_logprobs,
                         std::span<const float> advantages, float clip);

/// @brief Accumulates (+=) dL_policy/dlogprobs times dloss: -(1/M) rho_t A_t where the
/// unclipped term is the minimum, 0 where the clipped one is.
/// @param dlogprobs (M) the gradient to accumulate into.
/// @param logprobs (M) as in forward.
/// @param old_logprobs (M) as in forward.
/// @param advantages (M) as in forward.
/// @param clip eps.
/// @param dloss the gradient of the loss.
void ppo_policy_backward(std::span<float> dlogprobs, std::span<const float> logprobs,
                         std::span<const float> old_logprobs, std::span<const float> advantages,
                         float clip, float dloss);

/// @brief The clipped value loss L_value (see the file), a mean over M tokens.
/// @param values (M) V_t from the value head being trained.
/// @param old_values (M) V_old,t when the tokens were sampled.
/// @param returns (M) R_t.
/// @param clip eps_v, positive.
/// @return L_value.
float ppo_value_forward(std::span<const float> values, std::span<const float> old_values,
                        std::span<const float> returns, float clip);

/// @brief Accumulates (+=) dL_value/dvalues times dloss: (1/M) (V_t - R_t) where the
/// unclipped square is the larger, (1/M) (V_clip,t - R_t) dV_clip/dV otherwise (0 once V_t
/// has left V_old +- eps_v).
/// @param dvalues (M) the gradient to accumulate into.
/// @param values (M) as in forward.
/// @param old_values (M) as in forward.
/// @param returns (M) as in forward.
/// @param clip eps_v.
/// @param dloss the gradient of the loss.
void ppo_value_backward(std::span<float> dvalues, std::span<const float> values,
                        std::span<const float> old_values, std::span<const float> returns,
                        float clip, float dloss);

/// @brief Records L_policy. Throws Error naming the shapes unless all three are (M) or
/// (M, 1) with M > 0, or when clip is not positive.
/// @param tape the tape.
/// @param logprobs log pi(y_t), with gradient.
/// @param old_logprobs log pi_old(y_t), a constant.
/// @param advantages A_t, a constant.
/// @param clip eps.
/// @return the loss, a scalar (1).
Tensor ppo_policy_loss(Tape& tape, const Tensor& logprobs, const Tensor& old_logprobs,
                       const Tensor& advantages, float clip);

/// @brief Records L_value. Errors as ppo_policy_loss().
/// @param tape the tape.
/// @param values V_t, with gradient.
/// @param old_values V_old,t, a constant.
/// @param returns R_t, a constant.
/// @param clip eps_v.
/// @return the loss, a scalar (1).
Tensor ppo_value_loss(Tape& tape, const Tensor& values, const Tensor& old_values,
                      const Tensor& returns, float clip);

}  // namespace tinygpt::align
