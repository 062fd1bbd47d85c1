/// @file alignment.h
/// @brief Aligning a chat model with preference pairs (`tinygpt align`): a method, the
/// world's pairs, and the one training loop (train/loop.h).
///
/// Methods:
///   - reward: a reward model, the model with a "reward" head (one score, read at the last
///     token) trained by the Bradley-Terry loss to score each pair's chosen answer above its
///     rejected one (preference_loss.h). Every weight trains.
///   - dpo: the model itself trained by DPO's loss against a frozen copy of itself, the
///     reference (Rafailov et al., 2023).
///   - ppo: RLHF (Ouyang et al., 2022): the model samples answers to the training prompts on
///     the inference engine, a reward model (made by `reward`) scores them, and PPO
///     (ppo_loss.h, ppo_rollouts.h) raises the score while a per-token KL penalty holds the
///     model near the reference. A value head ("value_head.*") shares the model's trunk; the
///     saved model leaves it out.
///   - contrastive: contrastive post-training (Xu et al., 2023): DPO on pairs made with no
///     labels, the model's own greedy answer to each training prompt (chosen) against a
///     weaker model's (rejected), weakest model first (an easy-to-hard curriculum).
///
/// The model folder must be instruction-tuned (it has the chat markers: `tinygpt finetune
/// --task instruct`). The run's folder is the loop's (checkpoints with exact resume,
/// metrics.jsonl, loss.svg, train_config.json) plus model/ (a model folder every command
/// loads; a reward model's has its head) and report.json: for the pair methods, the test
/// pairs ordered right, overall and per reason; for the policies (dpo, ppo, contrastive),
/// their greedy answers to the test questions judged against the reference's. PPO adds
/// rollouts.jsonl (one line per batch of samples: reward, KL, gold score, length, times) and
/// overoptimisation.svg (the reward and the gold score against the KL).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "tinygpt/train/distributed.h"
#include "tinygpt/train/loop.h"

namespace tinygpt::align {

/// @brief What an alignment run does: how to train (LoopConfig) and what.
struct AlignConfig : train::LoopConfig {
  std::filesystem::path model;  ///< the instruction-tuned model folder, the starting policy
  std::filesystem::path data;   ///< a world folder with preferences.jsonl
  std::string method = "dpo";   ///< reward, dpo, ppo or contrastive
  /// dpo, contrastive: the implicit reward's scale; ppo: the KL penalty's coefficient (its
  /// start, with adaptive_kl). Larger keeps the policy nearer the reference.
  float beta = 0.1f;
  std::int64_t context = 0;  ///< T, tokens per conversation; 0: the model's context_length
  /// The report scores the first N test pairs and asks their questions (0: all).
  std::int64_t test_pairs = 0;
  /// dpo, contrastive: the weight alpha of the chosen answers' negative log-likelihood per
  /// token added to DPO's loss (0: plain DPO). DPO alone may lower the probability of both
  /// answers of a pair as long as the rejected one falls faster; this term holds the chosen
  /// answers up (Pang et al., 2024, "RPO").
  float sft_coef = 0.0f;
  /// The frozen reference of dpo, ppo and contrastive (empty: `model`); same shape and
  /// tokenizer as the model.
  std::filesystem::path reference;

  /// PPO's settings (Schulman et al., 2017; the defaults are common choices for language
  /// models, as in Ziegler et al., 2019 and Hugging Face TRL).
  struct Ppo {
    std::filesystem::path reward_model;  ///< made by `tinygpt align --method reward`
    /// Answers sampled per iteration; each iteration then takes epochs x rollouts / batch
    /// optimizer steps, so `steps` should be a multiple of that.
    std::int64_t rollouts = 64;
    std::int64_t epochs = 4;          ///< passes over each batch of samples
    float clip = 0.2f;                ///< eps of the clipped surrogate
    float value_clip = 0.2f;          ///< eps_v of the clipped value loss
    float value_coef = 0.1f;          ///< the value loss's weight in the total loss
    float gamma = 1.0f;               ///< GAE's discount
    float lambda = 0.95f;             ///< GAE's lambda
    bool adaptive_kl = false;         ///< adapt beta toward kl_target (Ziegler et al., 2019)
    float kl_target = 6.0f;           ///< nats per answer
    float kl_horizon = 10000.0f;      ///< samples over which beta may change by e
    std::int64_t answer_tokens = 48;  ///< the longest sampled answer
    float temperature = 1.0f;         ///< of the sampling
  } ppo;                              ///< ppo only

  /// contrastive: the weaker models whose answers are rejected, weakest first; training
  /// goes through them in order, an equal share of the steps each.
  std::vector<std::filesystem::path> weaker;
};

/// @brief Parses an alignment config file: a JSON object with AlignConfig's fields (`model`
/// and `data` relative to the file's folder) and the loop's. Unknown fields and wrong types
/// are Errors naming the file and field.
/// @param json_text the JSON text.
/// @param origin the file's path.
/// @return the config (checked by run_align()).
AlignConfig parse_align_config(std::string_view json_text, const std::filesystem::path& origin);

/// @param config a config.
/// @return its own fields (not the loop's) as the members of a one-line JSON object,
/// without the braces: what the checkpoints record and train_config.json starts with.
std::string settings_json(const AlignConfig& config);

/// @brief Checks a config before any training: the method known, beta positive, the model
/// folder a GPT with the chat markers, the data with preferences.jsonl, the reference of
/// the model's shape and tokenizer, PPO's reward model a reward model with that tokenizer,
/// PPO's and contrastive's settings in range. Each Error names the setting.
/// @param config the config.
void check_align_config(const AlignConfig& config);

/// @brief What an alignment run measured on the test pairs.
struct AlignResult {
  train::TrainResult training;      ///< the loop's result
  double seconds = 0.0;             ///< wall time of the whole run, set-up and report included
  std::filesystem::path model_dir;  ///< out/model
  std::filesystem::path report;     ///< out/report.json
  std::string summary;              ///< the report as a small Markdown table
};

/// @brief Aligns as the config says (check_align_config() first), scores the test pairs
/// and writes report.json. Resumes with config.resume.
/// @param config the run.
/// @param callbacks progress hooks.
/// @param communicator the ranks that train together.
/// @return what happened.
AlignResult run_align(const AlignConfig& config, const train::TrainCallbacks& callbacks = {},
                      train::Communicator& communicator = train::world_communicator());

}  // namespace tinygpt::align
