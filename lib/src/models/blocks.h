// The transformer block and the pieces around it, shared by gpt.cpp, encoder.cpp and
// seq2seq.cpp (private to the library).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "tinygpt/core/parameters.h"
#include "tinygpt/core/tape.h"
#include "tinygpt/models/config.h"
#include "tinygpt/models/transformer.h"

namespace tinygpt::models::detail {

// The layers hold their parameters, not tensors: a Tensor is taken at each forward pass
// (Parameter::tensor()), so a parameter frozen after the model was built has no gradient
// there and its gradient work is skipped.
struct Linear {
  std::string name;             // e.g. "h.0.attn.c_attn", for adapters
  Parameter* weight = nullptr;  // (C_in, C_out)
  Parameter* bias = nullptr;    // (C_out), or nullptr when the config has no biases
};

struct Norm {
  Parameter* weight = nullptr;  // (C)
  Parameter* bias = nullptr;    // (C)
};

struct Block {
  Norm ln_1;
  Linear c_attn;     // (C, 3C): fused query, key and value projections
  Linear attn_proj;  // (C, C)
  Norm ln_2;
  bool has_cross = false;
  Linear cross_q;     // (C, C)   decoder of seq2seq only
  Linear cross_kv;    // (C, 2C)
  Linear cross_proj;  // (C, C)
  Norm ln_3;          // before the MLP when there is cross-attention
  Linear c_fc;        // (C, 4C)
  Linear mlp_proj;    // (4C, C)
};

// Adds a zero parameter to the set and returns it (it never moves: see ParameterSet).
Parameter* declare(ParameterSet& parameters, const std::string& name, const Shape& shape);
Linear declare_linear(ParameterSet& parameters, const std::string& name, std::int64_t in,
                      std::int64_t out, bool bias);
Norm declare_norm(ParameterSet& parameters, const std::string& name, std::int64_t width);
// prefix is e.g. "h.0" or "decoder.h.1".
Block declare_block(ParameterSet& parameters, const std::string& prefix, const ModelConfig& config,
                    bool cross);
std::vector<Block> declare_stack(ParameterSet& parameters, const std::string& prefix,
                                 const ModelConfig& config, bool cross);

// The position table as a tensor: the wpe.weight parameter, or the sinusoidal table
// (no gradient) kept in `sinusoidal`.
class PositionTable {
 public:
  PositionTable(ParameterSet& parameters, const std::string& name, const ModelConfig& config);
  Tensor tensor() const { return learned_ != nullptr ? learned_->tensor() : sinusoidal_table_; }

 private:
  Parameter* learned_ = nullptr;
  std::vector<float> sinusoidal_;
  Tensor sinusoidal_table_;
};

// One forward pass: the tape, the options, and the dropout call sites counted in order.
class Forward {
 public:
  // first_dropout_site: where this pass's dropout call sites start counting (the decoder
  // of a seq2seq model starts after the encoder's).
  // time: T, the text's tokens per sequence (the virtual tokens of an adapter come on top).
  Forward(Tape& tape, const ModelConfig& config, const RunOptions& options, std::int64_t time,
          std::uint64_t first_dropout_site = 0);

  Tape& tape() { return tape_; }
  const ModelConfig& config() const { return config_; }

  Tensor linear(const Tensor& x, const Linear& layer);
  Tensor norm(const Tensor& x, const Norm& layer);
  // The output layer: logits = x wte^T, reusing the token embeddings (weight tying).
  Tensor tied_logits(const Tensor& x, Parameter& wte);
  Tensor dropout(const Tensor& x);
  // Token embeddings of ids (B*T) plus positions (plus token-type embeddings when given),
  // dropped out: (B, n + T, C), with the adapter's n virtual tokens first (Adapter).
  Tensor embed(Parameter& wte, std::span<const std::int32_t> ids, std::int64_t batch,
               const PositionTable& positions, Parameter* wtt = nullptr,
               std::span<const std::int32_t> type_ids = {});

  // The padding mask of the pass's rows: the text's B*T flags (or empty) with the virtual
  // tokens' flags (1) in front of each sequence.
  std::span<const std::uint8_t> key_keep(std::span<const std::uint8_t> mask);
  // The text's rows of the stream x (B, n + T, C): without the virtual tokens'.
  Tensor text_rows(const Tensor& x);

  // One block. self_keep: B*(n+T) key flags of x (or empty); memory: the encoder output
  // (B, S, C) and memory_keep its B*S flags, for blocks with cross-attention.
  Tensor block(const Block& block, const std::string& name, Tensor x, bool causal,
               std::span<const std::uint8_t> self_keep, const Tensor* memory = nullptr,
               std::span<const std::uint8_t> memory_keep = {});

 private:
  // Where an attention layer copies its weights: a new AttentionMap when the options ask
  // for them, nullptr otherwise.
  float* attention_map(const std::string& name, std::int64_t batch, std::int64_t queries,
                       std::int64_t keys);

  // Positions for the new tokens after a cache's earlier ones (RunOptions::cache).
  Tensor add_cached_positions(const Tensor& tokens, const PositionTable& positions);

  Tape& tape_;
  const ModelConfig& config_;
  const RunOptions& options_;
  std::int64_t virtual_ = 0;  // n: the adapter's virtual tokens when this pass reads them
  std::int64_t time_;         // n + T, the rows of each sequence
  std::uint64_t dropout_site_;
  std::vector<std::uint8_t> keep_;         // key_keep()'s flags
  std::int64_t self_attention_layer_ = 0;  // the next self-attention layer's index
};

// A pass with a cache reads only new tokens, in evaluation mode, without a padding mask,
// and each sequence must still fit in the context with its cached positions.
void check_cached_batch(const ModelConfig& config, const char* what, AttentionCache& cache,
                        std::int64_t batch, std::int64_t time, std::span<const std::uint8_t> mask,
                        const RunOptions& options);

// Checks the ids and mask of a batch: ids.size() == batch * time, ids in [0, V),
// time in [1, P], mask empty or batch * time flags of 0 or 1.
void check_batch(const ModelConfig& config, const char* what, std::span<const std::int32_t> ids,
                 std::int64_t batch, std::span<const std::uint8_t> mask);

}  // namespace tinygpt::models::detail
