/// @file encoder.h
/// @brief The encoder-only transformer (BERT-style) with pre-LayerNorm blocks.
///
///     x = wte[ids] + positions + wtt[type_ids]     (B, T, C)
///     x = block_l(x) for l = 0 .. L-1              bidirectional self-attention + MLP
///     hidden = ln_f(x)                             (B, T, C), one vector per token
///     mlm_logits = ln(gelu(hidden W_d + b_d)) wte^T + b_mlm     (B, T, V)
///     pooled = tanh(hidden[:, 0] W_p + b_p)       (B, C), the first token for the sequence
///     nsp_logits = pooled W_nsp + b_nsp            (B, 2)
///
/// Every token sees every other one (only padding is hidden), which suits understanding
/// tasks: masked-token prediction, classification, tagging. Parameters: wte.weight,
/// wpe.weight (learned positions), wtt.weight (type_vocab_size, C), h.N.* as in GPT, ln_f,
/// mlm.dense (C, C), mlm.ln, mlm.bias (V), pooler (C, C), nsp (C, 2).
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "tinygpt/core/parameters.h"
#include "tinygpt/core/tape.h"
#include "tinygpt/models/config.h"
#include "tinygpt/models/transformer.h"

namespace tinygpt::models {

/// @brief The outputs of an encoder's forward pass.
struct EncoderOutput {
  Tensor hidden;      ///< (B, T, C) contextual vectors, after ln_f
  Tensor mlm_logits;  ///< (B, T, V) masked-language-model scores
  Tensor pooled;      ///< (B, C) the sequence vector from the first token
  Tensor nsp_logits;  ///< (B, 2) next-sentence prediction: 0 = is next, 1 = random
};

/// @brief A BERT-style encoder: parameters and the forward pass.
class Encoder {
 public:
  /// @brief Declares the parameters, all zero; call init() or load weights.
  /// @param config a config of family encoder (anything else throws Error).
  explicit Encoder(const ModelConfig& config);
  ~Encoder();
  /// @brief Takes other's parameters (they do not move in memory, so views stay valid).
  /// @param other the model to take from; it is left empty.
  Encoder(Encoder&& other) noexcept;
  /// @return this, after taking other's parameters.
  Encoder& operator=(Encoder&&) noexcept;

  /// @return the config.
  const ModelConfig& config() const;
  /// @return the parameters, by name.
  ParameterSet& parameters();
  /// @brief GPT-2-style initialisation (see init_parameters()).
  /// @param seed the seed.
  void init(std::uint64_t seed);

  /// @brief Records the forward pass on the tape (errors as Gpt::forward).
  /// @param tape the tape.
  /// @param ids (B*T) token ids.
  /// @param type_ids (B*T) segment ids in [0, type_vocab_size), or empty for all 0.
  /// @param batch B.
  /// @param mask (B*T) 1 for a token, 0 for padding; empty: no padding.
  /// @param options training mode, dropout key, attention pictures.
  /// @return the hidden states and the three heads' outputs.
  EncoderOutput forward(Tape& tape, std::span<const std::int32_t> ids,
                        std::span<const std::int32_t> type_ids, std::int64_t batch,
                        std::span<const std::uint8_t> mask = {}, const RunOptions& options = {});

 private:
  struct Weights;
  std::unique_ptr<Weights> weights_;
};

}  // namespace tinygpt::models
