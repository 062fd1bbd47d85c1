/// @file transformer.h
/// @brief What the three transformer families share: how a forward pass is run, where
/// attention weights go for pictures, and parameter initialisation.
///
/// The families (gpt.h, encoder.h, seq2seq.h) are built from one pre-LayerNorm block:
///
///     x = x + dropout(attn(ln_1(x)) c_proj)          self-attention (causal in decoders)
///     x = x + dropout(cross(ln_2(x), memory) c_proj) encoder-decoder only
///     x = x + dropout(gelu(ln(x) c_fc) c_proj)        feed-forward, width 4C
///
/// Parameter names follow GPT-2's (h.0.attn.c_attn.weight, ...), weights in the
/// (C_in, C_out) layout, so GPT-2 checkpoints load unchanged.
/// Shapes: B batch, T time, S source time, C width, H heads, V vocabulary, P context.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "tinygpt/core/parameters.h"
#include "tinygpt/core/tape.h"
#include "tinygpt/models/config.h"

namespace tinygpt::models {

/// @brief The attention weights of one attention layer, for pictures and lessons.
struct AttentionMap {
  std::string name;            ///< the layer, e.g. "h.0.attn" or "decoder.h.1.cross"
  std::int64_t batch = 0;      ///< B
  std::int64_t heads = 0;      ///< H
  std::int64_t queries = 0;    ///< T
  std::int64_t keys = 0;       ///< S
  std::vector<float> weights;  ///< (B, H, T, S), each query's row sums to 1 (or is 0)
};

/// @brief The keys and values of tokens a GPT has already read, kept between forward
/// passes so that generating a token costs one position's work, not the whole context's
/// (implemented by infer::KvCache).
///
/// A forward pass with a cache (a GPT's, or an encoder-decoder's decoder) takes only the
/// new tokens of each sequence. Their positions
/// start after the cached ones; every self-attention layer stores their keys and values
/// after the cached ones and attends each new query over all keys up to its own position.
class AttentionCache {
 public:
  virtual ~AttentionCache() = default;
  /// @return for each sequence of the batch, how many positions it has cached (B values).
  virtual std::span<const std::int64_t> cached_lengths() const = 0;
  /// @brief Causal self-attention of one layer for the batch's new tokens.
  /// @param tape the tape (gradients disabled: a cache is for inference).
  /// @param layer the block's index, in [0, L).
  /// @param qkv (B, T, 3C) the new tokens' fused query, key and value projections.
  /// @param heads H.
  /// @return (B, T, C): each new token's attention output, heads merged.
  virtual Tensor attend(Tape& tape, std::int64_t layer, const Tensor& qkv, std::int64_t heads) = 0;
  /// @brief The cross-attention keys and values of one decoder layer (encoder-decoder):
  /// they depend on the encoder's output only, so the first pass computes them and later
  /// passes get the kept ones back.
  /// @param tape the tape (gradients disabled).
  /// @param layer the decoder block's index, in [0, L).
  /// @param compute computes them from the encoder's output: (B, S, 2C).
  /// @return (B, S, 2C), valid until the tape is reset.
  virtual Tensor cross_kv(Tape& tape, std::int64_t layer,
                          const std::function<Tensor()>& compute) = 0;
};

/// @brief How a pass computes the model's matrix products with its weights, when they are
/// stored another way than the trained float32 parameters: infer::ServingWeights (float32,
/// int8 or NF4 weights packed for a batch-invariant inference kernel) and
/// tune::QuantizedBase (QLoRA's frozen NF4 base, for training as well).
///
/// Every linear layer calls linear(); the output layer, which reuses the token embeddings
/// (V, C), calls transposed(). The weight is passed as a key: its float32 values may be gone.
/// The weights are frozen: an implementation never records their gradient, but it may record
/// the input's (dx += dy weight^T), so that a training pass reaches the layers below (an
/// adapter's, tune/qlora.h). ServingWeights records nothing (inference only).
class MatrixProducts {
 public:
  virtual ~MatrixProducts() = default;
  /// @param tape the tape.
  /// @param x (..., C_in) the input rows.
  /// @param weight the layer's (C_in, C_out) weight.
  /// @param bias its (C_out) bias, or nullptr.
  /// @return (..., C_out) = x weight + bias.
  virtual Tensor linear(Tape& tape, const Tensor& x, const Parameter& weight,
                        const Parameter* bias) = 0;
  /// @param tape the tape.
  /// @param x (..., C) the input rows.
  /// @param weight a (V, C) matrix (the token embeddings).
  /// @return (..., V) = x weight^T.
  virtual Tensor transposed(Tape& tape, const Tensor& x, const Parameter& weight) = 0;
};

struct RunOptions;

/// @brief A parameter-efficient fine-tuning method attached to a model's forward pass (the
/// PEFT methods of tune/): the model calls it at its hooks, the model code stays one.
///
/// linear() sees every linear layer's output: LoRA (tune/lora.h) adds its low-rank update
/// there. The layer names are the parameters' without ".weight", e.g. "h.0.attn.c_attn",
/// "decoder.h.1.cross.c_q".
///
/// An adapter with virtual tokens (soft prompts and prefix tuning, tune/prompt_tuning.h)
/// puts n rows ahead of every sequence of a GPT or an encoder: embed() prepends them to the
/// token embeddings, and attention_input() may change each self-attention layer's fused
/// query-key-value rows. The virtual tokens take positions 0 .. n-1 and the text n ..
/// n+T-1 (so n + T must fit the context); the padding mask sees them as real tokens; the
/// model drops their rows before its output, so callers see (B, T, ...) as without them.
/// With a KV cache they are read in each sequence's first pass (its cache empty) and stay
/// cached like any token: a pass whose sequences all have cached positions runs no hook
/// but linear().
///
/// An adapter's parameters live in the model's ParameterSet, so the training loop,
/// clipping and checkpoints treat them like any other; the base model's are frozen.
class Adapter {
 public:
  virtual ~Adapter() = default;
  /// @return n, the virtual tokens put ahead of every sequence; 0 (the default): none.
  virtual std::int64_t virtual_tokens() const { return 0; }
  /// @brief Called first in a pass that starts its sequences, when virtual_tokens() > 0.
  /// @param tape the tape.
  /// @param tokens (B, T, C) the text's token embeddings, before positions.
  /// @param options the pass's options.
  /// @return (B, n + T, C): the virtual tokens' rows, then the text's.
  virtual Tensor embed(Tape& tape, const Tensor& tokens, const RunOptions& options) {
    (void)tape, (void)options;
    return tokens;
  }
  /// @brief Called in every self-attention layer of a pass that starts its sequences, when
  /// virtual_tokens() > 0.
  /// @param tape the tape.
  /// @param layer the block's index, in [0, L).
  /// @param qkv (B, n + T, 3C) the fused query, key and value projections.
  /// @param options the pass's options.
  /// @return (B, n + T, 3C) what the layer attends with.
  virtual Tensor attention_input(Tape& tape, std::int64_t layer, const Tensor& qkv,
                                 const RunOptions& options) {
    (void)tape, (void)layer, (void)options;
    return qkv;
  }
  /// @param tape the tape.
  /// @param layer the linear layer, e.g. "h.0.attn.c_attn".
  /// @param x (..., C_in) the layer's input.
  /// @param base (..., C_out) the base layer's output, x W + b.
  /// @param options the pass's options (training mode and dropout key).
  /// @return (..., C_out) the output the rest of the model sees; the default: base.
  virtual Tensor linear(Tape& tape, const std::string& layer, const Tensor& x, const Tensor& base,
                        const RunOptions& options) {
    (void)tape, (void)layer, (void)x, (void)options;
    return base;
  }
};

/// @brief How a forward pass runs.
struct RunOptions {
  /// Training mode: dropout is applied (with the config's probability). Evaluation mode
  /// (the default) is deterministic.
  bool training = false;
  std::uint64_t seed = 0;  ///< the run's seed, for dropout masks
  std::uint64_t step = 0;  ///< the training step, for dropout masks
  /// Global index of the batch's first example. Dropout row r of call site s draws from
  /// CounterRng index s * 2^40 + first_example * T + r, so a process that holds another
  /// share of the same global batch draws other, consistent masks.
  std::uint64_t first_example = 0;
  /// When set, every attention layer appends its weights here, in the order they run.
  std::vector<AttentionMap>* attention = nullptr;
  /// Generation (a GPT, or the decoder of an encoder-decoder; evaluation mode): the ids are
  /// each sequence's new tokens, attending over the cache's earlier keys and values (see
  /// AttentionCache).
  AttentionCache* cache = nullptr;
  /// Weights stored another way (see MatrixProducts): packed for serving, or QLoRA's NF4
  /// base; nullptr: the parameters themselves.
  MatrixProducts* products = nullptr;
  /// A PEFT adapter (see Adapter) the pass runs through; nullptr: the base model alone.
  Adapter* adapter = nullptr;
};

/// @brief Initialises parameters as GPT-2 does: weights and embeddings N(0, 0.02^2), the
/// projections into the residual stream (names ending in c_proj.weight) N(0, (0.02 /
/// sqrt(2 L))^2) so that the stream's variance does not grow with depth, biases 0,
/// LayerNorm weights 1. Parameter i draws from CounterRng stream kInit, index i.
/// @param parameters the model's parameters, in the order the model declared them.
/// @param config the model's config (for L).
/// @param seed the seed.
void init_parameters(ParameterSet& parameters, const ModelConfig& config, std::uint64_t seed);

}  // namespace tinygpt::models
