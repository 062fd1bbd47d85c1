/// @file qlora.h
/// @brief QLoRA (Dettmers et al., 2023, "QLoRA: Efficient Finetuning of Quantized LLMs"): LoRA
/// (lora.h) in float32 on top of a frozen base whose linear weights are stored in 4-bit
/// NormalFloat (infer/nf4.h), dequantised tile by tile in the forward and the backward pass.
///
///     forward   y  = x deq(W) + b                 Nf4Matrix::multiply, a tile of rows at a time
///     backward  dx += dy deq(W)^T                 Nf4Matrix::multiply_transposed_add
///               (no dW: the base is frozen; LoRA's A and B get their gradients as in lora.h)
///
/// The backward pass still needs W, but only to carry the gradient through to x (and so to
/// the LoRA layers below): QLoRA's whole point is that the 4-bit copy is enough for that.
///
/// **Which weights.** Every block's linear weight, the (C_in, C_out) matrices "*.weight" of
/// the blocks "h.<l>." (a GPT's, an encoder's) and "encoder.h.<l>." / "decoder.h.<l>." (an
/// encoder-decoder's, cross-attention included): attn.c_attn, attn.c_proj, mlp.c_fc,
/// mlp.c_proj, cross.c_q, cross.c_kv, cross.c_proj. The token and position embeddings, the
/// LayerNorms, the biases and a task head stay float32, as in the paper (it quantises the
/// linear layers; embeddings and norms are a small share and numerically touchy). The tied
/// output layer x wte^T therefore runs on the float32 wte, with its backward to x.
///
/// **Freeing the float32 copy.** Once quantised, a weight's float32 values are given back: its
/// Parameter keeps its name but becomes an empty (0) tensor with no gradient. Whatever needs
/// the float32 base (weights_hash(), merging an adapter) must run before, or on a fresh load
/// of the model folder; Lora::merge() refuses such a base. A training run's checkpoints then
/// hold the adapter, the head and the float32 rest, not the quantised base, which a resumed
/// run quantises again from the model folder (quantising is deterministic).
///
///     tune::Lora lora(gpt.parameters(), gpt.config(), {.rank = 8}, seed);  // needs W's shapes
///     tune::QuantizedBase base(gpt.parameters());                           // W -> NF4, freed
///     models::RunOptions options;
///     options.products = &base;
///     options.adapter = &lora;
///     Tensor logits = gpt.forward(tape, ids, batch, mask, options);
///
/// Shapes: N rows (B T), C_in, C_out, V vocabulary, C width.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "tinygpt/core/parameters.h"
#include "tinygpt/core/tape.h"
#include "tinygpt/infer/nf4.h"
#include "tinygpt/models/transformer.h"

namespace tinygpt::tune {

/// @param parameter one of a model's parameters.
/// @return whether QLoRA quantises it: a rank-2 "*.weight" inside a block ("h.<l>." or
/// "*.h.<l>."), i.e. a linear layer's weight, not an embedding, a LayerNorm or a head.
bool qlora_quantizes(const Parameter& parameter);

/// @brief The weight memory of a model with a quantised base, in bytes.
struct BaseMemory {
  std::int64_t quantized_float32 = 0;  ///< the quantised layers as float32 (before)
  std::int64_t quantized_nf4 = 0;      ///< the same layers in NF4 (codes, scales, constants)
  std::int64_t other_float32 = 0;      ///< every other parameter (embeddings, norms, adapter)

  /// @return the weights all in float32.
  std::int64_t float32_total() const { return quantized_float32 + other_float32; }
  /// @return the weights as held: NF4 layers and the float32 rest.
  std::int64_t total() const { return quantized_nf4 + other_float32; }
};

/// @brief A frozen base whose block linear weights are NF4 (see the file): pass it as
/// models::RunOptions::products, for training passes as well as inference.
class QuantizedBase final : public models::MatrixProducts {
 public:
  /// @brief Quantises every weight qlora_quantizes() accepts to NF4 and frees its float32
  /// values and gradient (see the file). Error when the model has no such weight.
  /// @param parameters the model's parameters; they must outlive this object.
  explicit QuantizedBase(ParameterSet& parameters);
  QuantizedBase(const QuantizedBase&) = delete;
  QuantizedBase& operator=(const QuantizedBase&) = delete;

  /// @brief y = x deq(W) + b from the layer's NF4 weight; when x has a gradient, records the
  /// backward dx += dy deq(W)^T (and db += the rows' sum of dy for a bias that trains). A
  /// weight that is not quantised runs as nn::linear on its float32 values.
  /// @param tape the tape.
  /// @param x (..., C_in).
  /// @param weight the layer's weight (a key: its float32 values may be gone).
  /// @param bias its (C_out) bias, or nullptr.
  /// @return (..., C_out).
  Tensor linear(Tape& tape, const Tensor& x, const Parameter& weight,
                const Parameter* bias) override;
  /// @brief The tied output layer x wte^T on the float32 embeddings (nn::matmul: the
  /// backward reaches x, and wte when it trains).
  /// @param tape the tape.
  /// @param x (..., C).
  /// @param weight the (V, C) token embeddings.
  /// @return (..., V).
  Tensor transposed(Tape& tape, const Tensor& x, const Parameter& weight) override;

  /// @return the quantised weights' names, in the model's order.
  std::vector<std::string> layers() const;
  /// @param name a quantised weight's name, e.g. "h.0.attn.c_attn.weight".
  /// @return its NF4 matrix; Error naming it when it is not quantised.
  const infer::Nf4Matrix& matrix(const std::string& name) const;
  /// @return the weight memory now (the model's parameters as they are, adapter included).
  BaseMemory memory() const;

 private:
  ParameterSet& parameters_;
  std::map<const Parameter*, infer::Nf4Matrix> matrices_;  // by the freed Parameter
  std::vector<std::string> order_;                         // quantised names, model order
  std::int64_t quantized_float32_bytes_ = 0;
};

}  // namespace tinygpt::tune
