/// @file prompt_tuning.h
/// @brief Soft prompts and prefix tuning: the frozen model is steered by n virtual tokens
/// ahead of the text instead of by new weights.
///
/// **Soft prompt tuning** (Lester et al., 2021, "The Power of Scale for Parameter-Efficient
/// Prompt Tuning"): n trainable vectors P (n, C) are put in front of every sequence's token
/// embeddings, as if the text began with n tokens that are not in the vocabulary. Only P
/// trains, n C values. It starts random or from the embeddings of a text's tokens ("Classify
/// the sentiment:"), which starts it where a hand-written prompt would be.
///
/// **Prefix tuning** (Li and Liang, 2021, "Prefix-Tuning: Optimizing Continuous Prompts for
/// Generation"): every layer l gets its own n trainable keys and values (n, 2C), put in front
/// of the text's in that layer's attention; a soft prompt reaches the layers only through the
/// first one's. Trained directly they are unstable, so the paper trains them through a
/// reparameterisation: an embedding E (n, C) and an MLP, K_l V_l = tanh(E W_1 + b_1) W_2,l +
/// b_2,l. After training the MLP is folded away: the adapter keeps the (n, 2C) prefixes it
/// computes and nothing else (key_values()).
///
/// Both attach through models::Adapter's virtual tokens: the n rows take positions 0 .. n-1
/// and the text n .. n+T-1, the padding mask counts them as real, the KV cache reads them in
/// each sequence's first pass. A prefix's rows carry no token: the stream holds zeros there
/// and each layer's keys and values of those rows are replaced by the prefix (nn/rows.h puts
/// them in front of the text's rows).
///
///     tune::SoftPrompt prompt(gpt.parameters(), gpt.config(), {.virtual_tokens = 16}, {}, seed);
///     models::RunOptions options;
///     options.adapter = &prompt;
///     Tensor logits = gpt.forward(tape, ids, batch, mask, options);  // (B, T, V) as before
///
/// Their parameters join the model's set: "prompt_embeddings" (n, C), PEFT's name; or
/// "prefix.embedding", "prefix.mlp.0.*" and "prefix.mlp.2.h.<l>.*" with the MLP, and
/// "prefix.h.<l>.key_values" (n, 2C) without it (and after folding).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tinygpt/core/parameters.h"
#include "tinygpt/core/tape.h"
#include "tinygpt/models/config.h"
#include "tinygpt/tune/peft_adapter.h"

namespace tinygpt::tune {

/// @brief Settings of both methods (PEFT's PromptTuningConfig / PrefixTuningConfig names in
/// brackets).
struct PromptSettings {
  /// n [num_virtual_tokens]: at least 1, at most half the context (the engine's sliding
  /// window re-reads P/2 tokens behind them).
  std::int64_t virtual_tokens = 16;
  /// Soft prompt [prompt_tuning_init]: "random" (normal, with the token embeddings'
  /// standard deviation, so the virtual tokens start at the scale of real ones) or "text".
  std::string init = "random";
  /// Soft prompt, init "text" [prompt_tuning_init_text]: its tokens' embeddings start the
  /// prompt, repeated until there are n.
  std::string init_text;
  /// Prefix [prefix_projection]: train through the reparameterisation MLP.
  bool projection = true;
  /// Prefix [encoder_hidden_size]: the MLP's hidden width; 0: the model's width C.
  std::int64_t projection_hidden = 0;
};

/// @brief Checks the settings against a model: n in [1, P/2], init known (and "text" with a
/// text), the hidden width not negative. Each Error names the setting, its value and what is
/// allowed.
/// @param settings the settings.
/// @param config the model they are for (a GPT or an encoder).
void check_prompt_settings(const PromptSettings& settings, const models::ModelConfig& config);

/// @brief A soft prompt (see the file).
class SoftPrompt final : public PeftAdapter {
 public:
  /// @brief Adds "prompt_embeddings" (n, C) to the model's parameters.
  /// @param parameters the model's parameters, with "wte.weight" (they must outlive the
  ///        adapter).
  /// @param config the model's config.
  /// @param settings checked with check_prompt_settings().
  /// @param init_ids init "text": the text's token ids (at least one); else ignored.
  /// @param seed draws the random init.
  SoftPrompt(ParameterSet& parameters, const models::ModelConfig& config,
             const PromptSettings& settings, std::span<const std::int32_t> init_ids,
             std::uint64_t seed);

  std::string_view peft_type() const override { return "PROMPT_TUNING"; }
  bool owns(std::string_view parameter) const override { return parameter == kName; }
  std::int64_t numel() const override { return prompt_->shape.numel(); }
  std::int64_t virtual_tokens() const override { return settings_.virtual_tokens; }
  /// @brief The prompt's rows in front of every sequence's token embeddings.
  /// @param tape the tape.
  /// @param tokens (B, T, C).
  /// @param options unused.
  /// @return (B, n + T, C).
  Tensor embed(Tape& tape, const Tensor& tokens, const models::RunOptions& options) override;

  /// @return the settings.
  const PromptSettings& settings() const { return settings_; }
  /// The parameter's name, as PEFT saves it.
  static constexpr std::string_view kName = "prompt_embeddings";

 private:
  PromptSettings settings_;
  Parameter* prompt_;  // (n, C)
};

/// @brief Prefix tuning (see the file).
class Prefix final : public PeftAdapter {
 public:
  /// @brief Adds the prefix's parameters to the model's: with the projection the embedding
  /// E (n, C) ~ N(0, 1) and the MLP's layers (PyTorch's nn.Linear init, U(-1/sqrt(fan_in),
  /// 1/sqrt(fan_in))); without it, the (n, 2C) prefixes of every layer ~ N(0, 1) (both as
  /// PEFT's PrefixEncoder).
  /// @param parameters the model's parameters (they must outlive the adapter).
  /// @param config the model's config.
  /// @param settings checked with check_prompt_settings().
  /// @param seed draws the init.
  Prefix(ParameterSet& parameters, const models::ModelConfig& config,
         const PromptSettings& settings, std::uint64_t seed);

  std::string_view peft_type() const override { return "PREFIX_TUNING"; }
  bool owns(std::string_view parameter) const override;
  std::int64_t numel() const override;
  std::int64_t virtual_tokens() const override { return settings_.virtual_tokens; }
  /// @brief Rows of zeros in front of every sequence (the prefix carries no token), and the
  /// pass's prefixes (the MLP runs here, once per pass).
  /// @param tape the tape.
  /// @param tokens (B, T, C).
  /// @param options unused.
  /// @return (B, n + T, C).
  Tensor embed(Tape& tape, const Tensor& tokens, const models::RunOptions& options) override;
  /// @brief Layer `layer`'s keys and values of the first n rows replaced by its prefix (their
  /// queries are zero: nothing reads those rows' outputs).
  /// @param tape the tape.
  /// @param layer the block, in [0, L).
  /// @param qkv (B, n + T, 3C).
  /// @param options unused.
  /// @return (B, n + T, 3C).
  Tensor attention_input(Tape& tape, std::int64_t layer, const Tensor& qkv,
                         const models::RunOptions& options) override;

  /// @brief Folds the MLP away: the prefixes it computes now.
  /// @return (L, n, 2C): layer l's keys (its first C columns) and values (the last C).
  std::vector<float> key_values();
  /// @brief Sets the prefixes of an adapter without the projection (a loaded one).
  /// @param values (L, n, 2C), as key_values() returns.
  void set_key_values(std::span<const float> values);
  /// @return the settings.
  const PromptSettings& settings() const { return settings_; }

 private:
  // The prefixes of every layer for one pass: through the MLP, or the parameters.
  void compute_key_values(Tape& tape);

  PromptSettings settings_;
  std::int64_t layers_;
  std::int64_t width_;
  Parameter* embedding_ = nullptr;  // with the projection: E (n, C)
  Parameter* hidden_weight_ = nullptr;
  Parameter* hidden_bias_ = nullptr;
  std::vector<Parameter*> out_weights_, out_biases_;  // with the projection, per layer
  std::vector<Parameter*> key_values_;                // without it: (n, 2C) per layer
  std::vector<Tensor> pass_;  // the current pass's prefixes, (n, 2C) per layer
};

}  // namespace tinygpt::tune
