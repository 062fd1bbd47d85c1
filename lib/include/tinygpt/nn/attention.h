/// @file attention.h
/// @brief Scaled dot-product attention with causal and padding masks, and multi-head
/// self- and cross-attention built on it (Vaswani et al. 2017).
///
/// One head of one sequence: queries q (T, D), keys k (S, D), values v (S, D);
/// scores = q k^T / sqrt(D) (T, S), masked entries set to -infinity, probs = softmax of
/// each row, out = probs v (T, D). Masks:
///   - causal: query t sees key s only when s <= t + (S - T) (with S == T: s <= t; with a
///     cache of earlier keys the offset keeps the rule about absolute positions);
///   - key padding: key_keep has S flags, 1 for a real token, 0 for padding; empty means
///     every key is real.
/// A query that sees no key at all gets zero probabilities and a zero output.
///
/// The op functions work on one (batch, head) slice; self_attention() and cross_attention()
/// split heads, run the B*H slices across threads, and merge heads again.
/// Exercises: attention_forward 02.1, attention_backward 02.2, apply_attention_mask 02.5,
/// split_heads/merge_heads 02.6 (solutions/02-transformer/attention.cpp, masks.cpp and
/// heads.cpp; stubs in exercises/02-transformer/).
#pragma once

#include <cstdint>
#include <span>

#include "tinygpt/core/tape.h"
#include "tinygpt/core/tensor.h"

namespace tinygpt::nn {

/// @brief Sets masked scores to -infinity (causal rule and key padding, as above).
/// @param scores (T, S) attention scores of one head of one sequence.
/// @param causal apply the causal rule.
/// @param key_keep S flags (1 real, 0 padding), or empty.
void apply_attention_mask(MatrixRef scores, bool causal, std::span<const std::uint8_t> key_keep);

/// @brief out = softmax(mask(q k^T / sqrt(D))) v for one head of one sequence.
/// @param out (T, D) result.
/// @param probs (T, S) the attention weights, kept for backward (0 where masked).
/// @param q (T, D) queries.
/// @param k (S, D) keys.
/// @param v (S, D) values.
/// @param causal apply the causal rule.
/// @param key_keep S flags (1 real, 0 padding), or empty.
void attention_forward(MatrixRef out, MatrixRef probs, ConstMatrixRef q, ConstMatrixRef k,
                       ConstMatrixRef v, bool causal, std::span<const std::uint8_t> key_keep);
/// @brief Accumulates dq, dk, dv of one head of one sequence.
///
/// dv += probs^T dout; dprobs = dout v^T; dscores = probs * (dprobs - rowsum(dprobs * probs));
/// dq += dscores k / sqrt(D); dk += dscores^T q / sqrt(D). An empty gradient is not
/// wanted: skip its work (dscores is needed only for dq and dk).
/// @param dq (T, D), or empty.
/// @param dk (S, D), or empty.
/// @param dv (S, D), or empty.
/// @param dout (T, D) gradient of the output.
/// @param q the forward queries.
/// @param k the forward keys.
/// @param v the forward values.
/// @param probs (T, S) from forward.
void attention_backward(MatrixRef dq, MatrixRef dk, MatrixRef dv, ConstMatrixRef dout,
                        ConstMatrixRef q, ConstMatrixRef k, ConstMatrixRef v, ConstMatrixRef probs);

/// @brief Splits heads: x (B*T, H*D) becomes out (B*H*T, D), with
/// out[(b*H + h)*T + t, d] = x[b*T + t, h*D + d], so each (b, h) slice is contiguous.
/// @param out (B*H*T, D).
/// @param x (B*T, H*D); may be a column block of a wider matrix (the q, k or v of a fused QKV).
/// @param batch B.
/// @param heads H.
void split_heads_forward(MatrixRef out, ConstMatrixRef x, std::int64_t batch, std::int64_t heads);
/// @brief dx += merge of dout: the gradient of split_heads_forward.
/// @param dx (B*T, H*D).
/// @param dout (B*H*T, D).
/// @param batch B.
/// @param heads H.
void split_heads_backward(MatrixRef dx, ConstMatrixRef dout, std::int64_t batch,
                          std::int64_t heads);
/// @brief Merges heads, the inverse of split_heads_forward: x (B*H*T, D) becomes
/// out (B*T, H*D).
/// @param out (B*T, H*D).
/// @param x (B*H*T, D).
/// @param batch B.
/// @param heads H.
void merge_heads_forward(MatrixRef out, ConstMatrixRef x, std::int64_t batch, std::int64_t heads);
/// @brief dx += split of dout: the gradient of merge_heads_forward.
/// @param dx (B*H*T, D).
/// @param dout (B*T, H*D).
/// @param batch B.
/// @param heads H.
void merge_heads_backward(MatrixRef dx, ConstMatrixRef dout, std::int64_t batch,
                          std::int64_t heads);

/// @brief How multi-head attention is masked, and where to copy its weights for pictures.
struct AttentionOptions {
  std::int64_t heads = 1;                  ///< H; the width C must be a multiple of it
  bool causal = false;                     ///< decoder self-attention
  std::span<const std::uint8_t> key_keep;  ///< B*S flags (1 real, 0 padding), or empty
  float* probs_out = nullptr;              ///< if set, receives the (B, H, T, S) weights
};

/// @brief Records multi-head self-attention from a fused QKV projection.
///
/// Throws Error naming the shapes or values when qkv is not (B, T, 3C), C is not a multiple
/// of heads, or key_keep has not B*T flags of 0 or 1.
/// @param tape the tape.
/// @param qkv (B, T, 3C): queries, keys and values side by side (GPT-2's c_attn output).
/// @param options heads and masks.
/// @return (B, T, C), heads merged, before the output projection.
Tensor self_attention(Tape& tape, const Tensor& qkv, const AttentionOptions& options);

/// @brief Records multi-head cross-attention: decoder queries over encoder keys and values.
///
/// Throws Error naming the shapes or values when kv is not (B, S, 2C) for q (B, T, C), C is
/// not a multiple of heads, key_keep has not B*S flags of 0 or 1, or causal is set.
/// @param tape the tape.
/// @param q (B, T, C) queries from the decoder.
/// @param kv (B, S, 2C) keys and values side by side, from the encoder output.
/// @param options heads and the encoder's key padding (causal must be false).
/// @return (B, T, C), heads merged, before the output projection.
Tensor cross_attention(Tape& tape, const Tensor& q, const Tensor& kv,
                       const AttentionOptions& options);

}  // namespace tinygpt::nn
