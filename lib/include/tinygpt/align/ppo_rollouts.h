/// @file ppo_rollouts.h
/// @brief One iteration of RLHF's data: answers sampled from the policy on the inference
/// engine, scored by a reward model, penalised by their KL to the reference, and turned into
/// the advantages and returns PPO trains on (ppo_loss.h).
///
/// For answer i, tokens y_1 .. y_n sampled from pi_old (the policy as it was when sampling):
///
///     kl_t = log pi_old(y_t) - log pi_ref(y_t)             the "k1" estimator of the KL:
///                                                          its mean over samples of pi_old
///                                                          is KL(pi_old || pi_ref)
///     r_t  = -beta kl_t  (+ the reward model's score of the whole answer, at t = n)
///
/// (Ziegler et al., 2019; Stiennon et al., 2020). The values V_t come from the value head, a
/// (C, 1) linear layer on the policy's final hidden state before each answer token. GAE
/// (gae()) gives A_t and R_t; the advantages are then whitened over the whole batch (mean 0,
/// standard deviation 1), which keeps the policy's step size independent of the reward's
/// scale.
///
/// Determinism: answer i of iteration k draws its tokens from the counter-based generator
/// with the seed rollout_seed(run seed, k) + i, so a run's samples depend on its seed and
/// the policy only, whatever the batch's order on the engine.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "tinygpt/core/parameters.h"
#include "tinygpt/core/tape.h"
#include "tinygpt/models/gpt.h"
#include "tinygpt/text/bpe.h"
#include "tinygpt/text/chat_template.h"
#include "tinygpt/tune/instruction_tuning.h"

namespace tinygpt::align {

/// @brief The models of RLHF: the policy (with its value head among its parameters), its
/// frozen reference and the frozen reward model, all reading one tokenizer's ids.
struct PpoModels {
  models::Gpt& policy;                  ///< the model being trained
  models::Gpt& reference;               ///< pi_ref, frozen
  models::Gpt& reward_model;            ///< a GPT with a "reward" head, frozen
  const text::BpeTokenizer& tokenizer;  ///< the policy's, with the chat markers
  const text::ChatTemplate& chat;       ///< the markers
};

/// @brief Adds the value head to a policy's parameters: "value_head.weight" (C, 1), normal
/// with standard deviation 0.02, and "value_head.bias" (1), zero.
/// @param parameters the policy's parameters.
/// @param width C.
/// @param seed the run's seed.
void add_value_head(ParameterSet& parameters, std::int64_t width, std::uint64_t seed);

/// @param parameter a parameter's name.
/// @return whether it belongs to the value head (a saved policy leaves it out).
bool is_value_head(const std::string& parameter);

/// @brief Records the value head's estimates V_t before every answer token of a batch, in
/// the order of token_logprobs() (preference_data.h).
/// @param tape the tape.
/// @param parameters the policy's parameters, with the value head.
/// @param states (B, T, C) the policy's hidden states on batch.inputs (Gpt::hidden()).
/// @param batch the conversations.
/// @return (M, 1) values.
Tensor answer_values(Tape& tape, ParameterSet& parameters, const Tensor& states,
                     const tune::ChatBatch& batch);

/// @brief One iteration's samples. The per-token lists hold the answers' tokens one answer
/// after another: answer i's are [offsets[i], offsets[i + 1]).
struct Rollouts {
  std::vector<std::string> prompts;             ///< the questions
  std::vector<std::string> answers;             ///< the sampled answers' text
  std::vector<text::ChatTokens> conversations;  ///< prompt and answer, the answer flagged
  std::vector<std::int64_t> offsets;            ///< R + 1 offsets into the token lists
  std::vector<float> logprobs;                  ///< log pi_old(y_t)
  std::vector<float> reference_logprobs;        ///< log pi_ref(y_t)
  std::vector<float> entropies;                 ///< H(pi_old(. | before y_t)), nats
  std::vector<float> values;                    ///< V_old,t
  std::vector<float> advantages;                ///< A_t, whitened
  std::vector<float> returns;                   ///< R_t
  std::vector<float> scores;                    ///< (R) the reward model's score
  double generation_seconds = 0.0;              ///< sampling on the engine
  double scoring_seconds = 0.0;                 ///< the three models' forward passes

  /// @return R, the answers.
  std::int64_t size() const { return static_cast<std::int64_t>(prompts.size()); }
  /// @return M, the answer tokens of all answers.
  std::int64_t tokens() const { return offsets.empty() ? 0 : offsets.back(); }
  /// @param i an answer.
  /// @return its KL estimate, the sum of kl_t over its tokens, in nats.
  double kl(std::int64_t i) const;
};

/// @param seed the run's seed.
/// @param iteration the iteration k.
/// @return the seed of answer 0 of iteration k (answer i uses it + i).
std::uint64_t rollout_seed(std::uint64_t seed, std::int64_t iteration);

/// @brief Samples one answer per prompt from the policy on the engine (answer_tokens()):
/// fills prompts, answers, conversations and offsets; an answer that would not fit in
/// `context` tokens beside its prompt is cut there.
/// @param models the models.
/// @param prompts the questions.
/// @param generation the longest answer, the temperature and the seed (rollout_seed()).
/// @param context the longest conversation, prompt and answer.
/// @return the samples, not scored yet.
Rollouts sample_rollouts(const PpoModels& models, std::span<const std::string> prompts,
                         const models::GenerateOptions& generation, std::int64_t context);

/// @brief Scores sampled answers without gradients: the policy's log-probabilities,
/// entropies and values, the reference's log-probabilities and the reward model's scores.
/// @param rollouts the samples (sample_rollouts()).
/// @param models the models.
void score_rollouts(Rollouts& rollouts, const PpoModels& models);

/// @brief The rewards r_t of the file, GAE, then whitening: fills advantages and returns.
/// @param rollouts scored samples.
/// @param beta the KL penalty's coefficient.
/// @param gamma GAE's discount.
/// @param lambda GAE's lambda.
void assign_advantages(Rollouts& rollouts, float beta, float gamma, float lambda);

/// @brief The adaptive KL coefficient of Ziegler et al. (2019): with the error e =
/// clip(KL / target - 1, -0.2, 0.2), beta <- beta (1 + e samples / horizon). Above the
/// target beta grows and pulls the policy back; below it shrinks.
/// @param beta the coefficient used for this batch.
/// @param kl the batch's mean KL per answer, in nats.
/// @param target the KL aimed at.
/// @param horizon how many samples beta's changes are spread over: the larger, the slower
///        it moves (10,000 in Ziegler et al.).
/// @param samples R, the answers in the batch.
/// @return the coefficient for the next batch.
float adapted_kl_coef(float beta, double kl, float target, float horizon, std::int64_t samples);

}  // namespace tinygpt::align
