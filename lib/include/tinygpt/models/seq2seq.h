/// @file seq2seq.h
/// @brief The encoder-decoder transformer (the structure of "Attention Is All You Need"),
/// with pre-LayerNorm blocks.
///
///     memory = encoder.ln_f(encoder blocks(wte[src] + positions))        (B, S, C)
///     y = wte[tgt] + positions                                            (B, T, C)
///     y = decoder block_l(y, memory) for l = 0 .. L-1   causal self-attention,
///                                                        cross-attention to memory, MLP
///     logits = decoder.ln_f(y) wte^T                                      (B, T, V)
///
/// Source and target share one vocabulary and one embedding table, tied to the output
/// layer (as in the paper). Positions are sinusoidal by default; learned positions use one
/// wpe.weight for both stacks. Parameters: wte.weight, encoder.h.N.* (as GPT's blocks),
/// encoder.ln_f, decoder.h.N.{ln_1, attn.c_attn, attn.c_proj, ln_2, cross.c_q, cross.c_kv,
/// cross.c_proj, ln_3, mlp.c_fc, mlp.c_proj}, decoder.ln_f.
#pragma once

#include <cstdint>
#include <memory>
#include <span>

#include "tinygpt/core/parameters.h"
#include "tinygpt/core/tape.h"
#include "tinygpt/models/config.h"
#include "tinygpt/models/transformer.h"

namespace tinygpt::models {

/// @brief A source sequence batch or a target sequence batch: ids and padding flags.
struct SequenceBatch {
  std::span<const std::int32_t> ids;   ///< (B*T) token ids
  std::span<const std::uint8_t> mask;  ///< (B*T) 1 token, 0 padding; empty: no padding
};

/// @brief An encoder-decoder transformer: parameters and the forward pass.
class Seq2Seq {
 public:
  /// @brief Declares the parameters, all zero; call init() or load weights.
  /// @param config a config of family seq2seq (anything else throws Error).
  explicit Seq2Seq(const ModelConfig& config);
  ~Seq2Seq();
  /// @brief Takes other's parameters (they do not move in memory, so views stay valid).
  /// @param other the model to take from; it is left empty.
  Seq2Seq(Seq2Seq&& other) noexcept;
  /// @return this, after taking other's parameters.
  Seq2Seq& operator=(Seq2Seq&&) noexcept;

  /// @return the config.
  const ModelConfig& config() const;
  /// @return the parameters, by name.
  ParameterSet& parameters();
  /// @brief GPT-2-style initialisation (see init_parameters()).
  /// @param seed the seed.
  void init(std::uint64_t seed);

  /// @brief Records the encoder on the tape.
  /// @param tape the tape.
  /// @param source the source batch.
  /// @param batch B.
  /// @param options training mode, dropout key, attention pictures.
  /// @return memory (B, S, C).
  Tensor encode(Tape& tape, const SequenceBatch& source, std::int64_t batch,
                const RunOptions& options = {});
  /// @brief Records the decoder on the tape, attending to `memory`.
  /// @param tape the tape.
  /// @param memory (B, S, C) from encode().
  /// @param source_mask the source's padding flags (empty: none).
  /// @param target the target batch (the decoder's input, shifted right by the caller).
  /// @param batch B.
  /// @param options as for encode(); dropout sites continue after the encoder's.
  /// @return logits (B, T, V).
  Tensor decode(Tape& tape, const Tensor& memory, std::span<const std::uint8_t> source_mask,
                const SequenceBatch& target, std::int64_t batch, const RunOptions& options = {});
  /// @brief encode() then decode().
  /// @param tape the tape.
  /// @param source the source batch.
  /// @param target the target batch.
  /// @param batch B.
  /// @param options training mode, dropout key, attention pictures.
  /// @return logits (B, T, V).
  Tensor forward(Tape& tape, const SequenceBatch& source, const SequenceBatch& target,
                 std::int64_t batch, const RunOptions& options = {});

 private:
  struct Weights;
  std::unique_ptr<Weights> weights_;
};

}  // namespace tinygpt::models
