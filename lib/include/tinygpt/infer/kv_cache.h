/// @file kv_cache.h
/// @brief The KV cache: every layer's keys and values of the tokens a GPT has read, so
/// that each new token costs one position's work instead of the whole context's.
///
/// Without a cache, generating token n runs the model on all n tokens before it: the keys
/// and values of tokens 0 .. n-2 are computed again although they never change (a token's
/// key depends only on the tokens before it). With a cache, a **prefill** pass reads the
/// prompt once and stores its keys and values; each **decode** pass then reads one new
/// token per sequence, appends its key and value, and attends its query over all of them.
///
/// Storage: `slots` sequences, each with room for the model's whole context P. For layer l
/// and slot s, keys and values are (P, C) row-major matrices, head h in columns
/// [h D, (h+1) D): K[l][s][t] is the key of position t. Memory: 2 L P C floats per slot
/// (the journey's model, L 4, P 256, C 256: 2 MiB per slot). For an encoder-decoder's
/// decoder it also keeps each layer's cross-attention keys and values of the encoder's
/// output, computed once per sequence (another 2 L P C floats per slot).
///
/// A forward pass sees the cache through models::AttentionCache: bind() says which slot
/// each row of the next batch is, the pass appends the new tokens' keys and values in
/// every layer, and advance() then counts them as cached.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "tinygpt/core/parameters.h"
#include "tinygpt/models/config.h"
#include "tinygpt/models/transformer.h"

namespace tinygpt::infer {

/// @brief Keys and values of up to `slots` sequences, for every layer of a GPT.
class KvCache final : public models::AttentionCache {
 public:
  /// @param config the GPT's config (L layers, width C, heads H, context P).
  /// @param slots how many sequences it holds at once, at least 1.
  KvCache(const models::ModelConfig& config, std::int64_t slots);

  /// @return how many sequences it holds at once.
  std::int64_t slots() const { return slots_; }
  /// @return P, the positions a slot holds.
  std::int64_t capacity() const { return capacity_; }
  /// @param slot a slot.
  /// @return how many positions the slot has cached.
  std::int64_t length(std::int64_t slot) const;
  /// @brief Empties a slot (a finished or cancelled sequence); the others are untouched.
  /// @param slot a slot.
  void clear(std::int64_t slot);

  /// @brief Says which slot each sequence of the next forward pass is, in batch order.
  /// @param slots distinct slots, one per sequence of the batch.
  void bind(std::span<const std::int64_t> slots);
  /// @brief After a forward pass over `tokens` new tokens per bound sequence: counts them
  /// as cached.
  /// @param tokens T, the new tokens each bound sequence had.
  void advance(std::int64_t tokens);

  /// @return the cached lengths of the bound sequences, in batch order.
  std::span<const std::int64_t> cached_lengths() const override { return bound_lengths_; }
  /// @brief Appends the new tokens' keys and values to layer `layer` of their slots and
  /// attends each new query over its slot's keys up to its own position.
  /// @param tape the tape (gradients disabled).
  /// @param layer the block, in [0, L).
  /// @param qkv (B, T, 3C) the new tokens' fused projections.
  /// @param heads H.
  /// @return (B, T, C) attention outputs, heads merged.
  Tensor attend(Tape& tape, std::int64_t layer, const Tensor& qkv, std::int64_t heads) override;
  /// @brief An encoder-decoder's cross-attention keys and values of one layer: computed
  /// and kept on the bound sequences' first pass, read back on the later ones. The bound
  /// sequences of one pass share the source length S.
  /// @param tape the tape (gradients disabled).
  /// @param layer the decoder block, in [0, L).
  /// @param compute computes them from the encoder's output: (B, S, 2C).
  /// @return (B, S, 2C).
  Tensor cross_kv(Tape& tape, std::int64_t layer, const std::function<Tensor()>& compute) override;

 private:
  // Keys (or values) of one layer and slot: (P, C) at this offset.
  std::size_t offset(std::int64_t layer, std::int64_t slot) const;

  std::int64_t layers_;
  std::int64_t width_;
  std::int64_t heads_;
  std::int64_t capacity_;
  std::int64_t slots_;
  AlignedFloats keys_;    // (L, slots, P, C)
  AlignedFloats values_;  // (L, slots, P, C)
  AlignedFloats cross_;   // encoder-decoder: (L, slots, P, 2C), keys | values of the source
  std::vector<std::int64_t> cross_lengths_;  // (L, slots): S kept, 0 when none yet
  std::vector<std::int64_t> lengths_;        // per slot
  std::vector<std::int64_t> bound_;          // the slots of the next batch
  std::vector<std::int64_t> bound_lengths_;
};

}  // namespace tinygpt::infer
