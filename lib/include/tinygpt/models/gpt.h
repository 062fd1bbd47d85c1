/// @file gpt.h
/// @brief The decoder-only transformer: GPT-2's architecture exactly.
///
///     x = wte[ids] + positions                     (B, T, C)
///     x = block_l(x) for l = 0 .. L-1              causal self-attention + MLP
///     logits = ln_f(x) wte^T                       (B, T, V), the LM head tied to wte
///
/// Parameters (Hugging Face's GPT-2 names): wte.weight (V, C), wpe.weight (P, C) when
/// positions are learned, h.N.{ln_1, attn.c_attn, attn.c_proj, ln_2, mlp.c_fc, mlp.c_proj},
/// ln_f. Each block is described in transformer.h.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "tinygpt/core/parameters.h"
#include "tinygpt/core/tape.h"
#include "tinygpt/models/config.h"
#include "tinygpt/models/transformer.h"

namespace tinygpt::models {

/// @brief A GPT: parameters and the forward pass.
class Gpt {
 public:
  /// @brief Declares the parameters, all zero; call init() or load weights.
  /// @param config a config of family gpt (anything else throws Error).
  explicit Gpt(const ModelConfig& config);
  ~Gpt();
  /// @brief Takes other's parameters (they do not move in memory, so views stay valid).
  /// @param other the model to take from; it is left empty.
  Gpt(Gpt&& other) noexcept;
  /// @return this, after taking other's parameters.
  Gpt& operator=(Gpt&&) noexcept;

  /// @return the config.
  const ModelConfig& config() const;
  /// @return the parameters, by name.
  ParameterSet& parameters();
  /// @brief GPT-2's initialisation (see init_parameters()).
  /// @param seed the seed.
  void init(std::uint64_t seed);

  /// @brief Records the forward pass on the tape.
  ///
  /// Throws Error naming the problem when ids do not split into `batch` sequences, a
  /// sequence is longer than the context, an id is outside the vocabulary, or the mask has
  /// the wrong size.
  /// @param tape the tape.
  /// @param ids (B*T) token ids, sequence after sequence.
  /// @param batch B.
  /// @param mask (B*T) 1 for a token, 0 for padding (keys never attended to); empty: no padding.
  /// @param options training mode, dropout key, attention pictures.
  /// @return logits (B, T, V).
  Tensor forward(Tape& tape, std::span<const std::int32_t> ids, std::int64_t batch,
                 std::span<const std::uint8_t> mask = {}, const RunOptions& options = {});

  /// @brief Records the forward pass without the language-model head: the final hidden
  /// states, ln_f(x), that a task head (a classifier) reads. Arguments and errors as
  /// forward().
  /// @param tape the tape.
  /// @param ids (B*T) token ids.
  /// @param batch B.
  /// @param mask (B*T) 1 for a token, 0 for padding; empty: no padding.
  /// @param options training mode, dropout key, cache, attention pictures.
  /// @return hidden states (B, T, C).
  Tensor hidden(Tape& tape, std::span<const std::int32_t> ids, std::int64_t batch,
                std::span<const std::uint8_t> mask = {}, const RunOptions& options = {});

  /// @brief Records the language-model head (tied to wte) on hidden states: forward() is
  /// logits(hidden()). A caller that needs both (PPO's value head reads the states) runs
  /// the blocks once.
  /// @param tape the tape.
  /// @param states (B, T, C) from hidden().
  /// @param options as given to hidden() (the matrix products hook).
  /// @return logits (B, T, V).
  Tensor logits(Tape& tape, const Tensor& states, const RunOptions& options = {});

 private:
  struct Weights;
  std::unique_ptr<Weights> weights_;
};

}  // namespace tinygpt::models
