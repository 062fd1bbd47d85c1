#include "blocks.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "tinygpt/core/check.h"
#include "tinygpt/core/rng.h"
#include "tinygpt/nn/attention.h"
#include "tinygpt/nn/dropout.h"
#include "tinygpt/nn/elementwise.h"
#include "tinygpt/nn/embedding.h"
#include "tinygpt/nn/gelu.h"
#include "tinygpt/nn/layernorm.h"
#include "tinygpt/nn/linear.h"
#include "tinygpt/nn/matmul.h"
#include "tinygpt/nn/positions.h"
#include "tinygpt/nn/rows.h"

namespace tinygpt::models {

void init_parameters(ParameterSet& parameters, const ModelConfig& config, std::uint64_t seed) {
  const auto ends_with = [](const std::string& name, const std::string& suffix) {
    return name.size() >= suffix.size() &&
           name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  const float stddev = 0.02f;
  const float residual_stddev = stddev / std::sqrt(2.0f * static_cast<float>(config.layers));
  std::uint64_t index = 0;
  for (Parameter& parameter : parameters) {
    const std::string& name = parameter.name;
    // LayerNorms are named ln_1, ln_2, ln_3, ln_f or end in ".ln": their weight starts at 1.
    const bool is_norm =
        name.find("ln_") != std::string::npos || name.find(".ln.") != std::string::npos;
    if (ends_with(name, ".bias")) {
      std::fill(parameter.value.begin(), parameter.value.end(), 0.0f);
    } else if (is_norm) {
      std::fill(parameter.value.begin(), parameter.value.end(), 1.0f);
    } else {
      const float scale = ends_with(name, "c_proj.weight") ? residual_stddev : stddev;
      fill_normal(parameter.value, seed, RngStream::kInit, index, 0.0f, scale);
    }
    ++index;
  }
}

namespace detail {

Parameter* declare(ParameterSet& parameters, const std::string& name, const Shape& shape) {
  parameters.add(name, shape);
  return &parameters.at(name);
}

Linear declare_linear(ParameterSet& parameters, const std::string& name, std::int64_t in,
                      std::int64_t out, bool bias) {
  Linear layer;
  layer.name = name;
  layer.weight = declare(parameters, name + ".weight", Shape{in, out});
  if (bias) layer.bias = declare(parameters, name + ".bias", Shape{out});
  return layer;
}

Norm declare_norm(ParameterSet& parameters, const std::string& name, std::int64_t width) {
  return {declare(parameters, name + ".weight", Shape{width}),
          declare(parameters, name + ".bias", Shape{width})};
}

Block declare_block(ParameterSet& parameters, const std::string& prefix, const ModelConfig& config,
                    bool cross) {
  const std::int64_t c = config.width;
  const bool bias = config.bias;
  Block block;
  block.ln_1 = declare_norm(parameters, prefix + ".ln_1", c);
  block.c_attn = declare_linear(parameters, prefix + ".attn.c_attn", c, 3 * c, bias);
  block.attn_proj = declare_linear(parameters, prefix + ".attn.c_proj", c, c, bias);
  block.ln_2 = declare_norm(parameters, prefix + ".ln_2", c);
  block.has_cross = cross;
  if (cross) {
    block.cross_q = declare_linear(parameters, prefix + ".cross.c_q", c, c, bias);
    block.cross_kv = declare_linear(parameters, prefix + ".cross.c_kv", c, 2 * c, bias);
    block.cross_proj = declare_linear(parameters, prefix + ".cross.c_proj", c, c, bias);
    block.ln_3 = declare_norm(parameters, prefix + ".ln_3", c);
  }
  block.c_fc = declare_linear(parameters, prefix + ".mlp.c_fc", c, 4 * c, bias);
  block.mlp_proj = declare_linear(parameters, prefix + ".mlp.c_proj", 4 * c, c, bias);
  return block;
}

std::vector<Block> declare_stack(ParameterSet& parameters, const std::string& prefix,
                                 const ModelConfig& config, bool cross) {
  std::vector<Block> blocks;
  for (std::int64_t i = 0; i < config.layers; ++i) {
    blocks.push_back(declare_block(parameters, prefix + std::to_string(i), config, cross));
  }
  return blocks;
}

PositionTable::PositionTable(ParameterSet& parameters, const std::string& name,
                             const ModelConfig& config) {
  const Shape shape{config.context_length, config.width};
  if (config.positions == Positions::kLearned) {
    learned_ = declare(parameters, name, shape);
  } else {
    sinusoidal_.resize(static_cast<std::size_t>(shape.numel()));
    nn::sinusoidal_positions(MatrixMap(sinusoidal_.data(), shape.rows(), shape.cols()));
    sinusoidal_table_ = Tensor{shape, sinusoidal_.data(), nullptr};
  }
}

Forward::Forward(Tape& tape, const ModelConfig& config, const RunOptions& options,
                 std::int64_t time, std::uint64_t first_dropout_site)
    : tape_(tape), config_(config), options_(options), dropout_site_(first_dropout_site) {
  const std::int64_t count = options.adapter != nullptr ? options.adapter->virtual_tokens() : 0;
  std::int64_t longest_cached = 0;
  if (count > 0 && options.cache != nullptr) {
    // The virtual tokens are read with each sequence's first pass and cached after that.
    const std::span<const std::int64_t> cached = options.cache->cached_lengths();
    const auto starting = std::count(cached.begin(), cached.end(), std::int64_t{0});
    TINYGPT_CHECK(starting == 0 || starting == static_cast<std::ptrdiff_t>(cached.size()),
                  "forward: an adapter's virtual tokens need a pass whose sequences all start "
                  "(empty caches) or all go on; this one mixes them");
    longest_cached = cached.empty() ? 0 : *std::max_element(cached.begin(), cached.end());
  }
  if (longest_cached == 0) virtual_ = count;
  TINYGPT_CHECK(virtual_ + time <= config.context_length, "forward: the adapter's ", virtual_,
                " virtual tokens and ", time, " tokens exceed the context length ",
                config.context_length);
  time_ = virtual_ + time;
}

Tensor Forward::linear(const Tensor& x, const Linear& layer) {
  const Tensor base = options_.products != nullptr
                          ? options_.products->linear(tape_, x, *layer.weight, layer.bias)
                          : nn::linear(tape_, x, layer.weight->tensor(),
                                       layer.bias != nullptr ? layer.bias->tensor() : Tensor{});
  if (options_.adapter == nullptr) return base;
  return options_.adapter->linear(tape_, layer.name, x, base, options_);
}

Tensor Forward::tied_logits(const Tensor& x, Parameter& wte) {
  if (options_.products != nullptr) return options_.products->transposed(tape_, x, wte);
  return nn::matmul(tape_, x, wte.tensor(), false, true);
}

Tensor Forward::norm(const Tensor& x, const Norm& layer) {
  return nn::layernorm(tape_, x, layer.weight->tensor(), layer.bias->tensor());
}

Tensor Forward::dropout(const Tensor& x) {
  const std::uint64_t site = dropout_site_++;
  // The site is the top byte of a 48-bit CounterRng index (see RunOptions::first_example).
  TINYGPT_CHECK(site < 256, "dropout: more than 256 dropout call sites in one pass");
  if (!options_.training || config_.dropout == 0.0f) return x;
  const std::uint64_t first_row = options_.first_example * static_cast<std::uint64_t>(time_);
  return nn::dropout(
      tape_, x, config_.dropout,
      {.seed = options_.seed, .step = options_.step, .index = (site << 40) + first_row});
}

Tensor Forward::embed(Parameter& wte, std::span<const std::int32_t> ids, std::int64_t batch,
                      const PositionTable& positions, Parameter* wtt,
                      std::span<const std::int32_t> type_ids) {
  const std::int64_t time = static_cast<std::int64_t>(ids.size()) / batch;
  Tensor tokens =
      nn::embedding(tape_, wte.tensor(), ids).reshaped(Shape{batch, time, config_.width});
  std::vector<std::int32_t> types(type_ids.begin(), type_ids.end());
  if (virtual_ > 0) {
    tokens = options_.adapter->embed(tape_, tokens, options_);
    TINYGPT_CHECK(tokens.shape == Shape({batch, time_, config_.width}),
                  "forward: the adapter's embed() returned ", tokens.shape.str(), ", not (", batch,
                  ", ", time_, ", ", config_.width, ")");
    // The virtual tokens are of type 0 (an encoder's first segment).
    if (!types.empty()) {
      types.clear();
      for (std::int64_t b = 0; b < batch; ++b) {
        types.insert(types.end(), static_cast<std::size_t>(virtual_), 0);
        types.insert(types.end(), type_ids.begin() + b * time, type_ids.begin() + (b + 1) * time);
      }
    }
  }
  Tensor x = options_.cache != nullptr ? add_cached_positions(tokens, positions)
                                       : nn::add_positions(tape_, tokens, positions.tensor());
  if (wtt != nullptr) {
    x = nn::add(tape_, x, nn::embedding(tape_, wtt->tensor(), types).reshaped(tokens.shape));
  }
  return dropout(x);
}

std::span<const std::uint8_t> Forward::key_keep(std::span<const std::uint8_t> mask) {
  if (virtual_ == 0 || mask.empty()) return mask;
  const auto time = static_cast<std::ptrdiff_t>(time_ - virtual_);  // the text's T
  keep_.clear();
  for (auto start = mask.begin(); start != mask.end(); start += time) {
    keep_.insert(keep_.end(), static_cast<std::size_t>(virtual_), 1);
    keep_.insert(keep_.end(), start, start + time);
  }
  return keep_;
}

Tensor Forward::text_rows(const Tensor& x) {
  return nn::drop_leading_rows(tape_, x, virtual_);
}

Tensor Forward::add_cached_positions(const Tensor& tokens, const PositionTable& positions) {
  const std::span<const std::int64_t> cached = options_.cache->cached_lengths();
  const std::int64_t batch = tokens.shape[0];
  const std::int64_t time = tokens.shape[1];
  if (std::all_of(cached.begin(), cached.end(),
                  [&cached](std::int64_t length) { return length == cached.front(); })) {
    return nn::add_positions(tape_, tokens, positions.tensor(), cached.front());
  }
  // Sequences at different lengths: each row looks up its own position (the same sum as
  // add_positions, x + table[p], so the result does not depend on which path ran).
  std::vector<std::int32_t> rows(static_cast<std::size_t>(batch * time));
  for (std::int64_t b = 0; b < batch; ++b) {
    for (std::int64_t t = 0; t < time; ++t) {
      rows[static_cast<std::size_t>(b * time + t)] = static_cast<std::int32_t>(cached[b] + t);
    }
  }
  return nn::add(tape_, tokens,
                 nn::embedding(tape_, positions.tensor(), rows).reshaped(tokens.shape));
}

float* Forward::attention_map(const std::string& name, std::int64_t batch, std::int64_t queries,
                              std::int64_t keys) {
  if (options_.attention == nullptr) return nullptr;
  AttentionMap& map = options_.attention->emplace_back();
  map.name = name;
  map.batch = batch;
  map.heads = config_.heads;
  map.queries = queries;
  map.keys = keys;
  map.weights.resize(static_cast<std::size_t>(batch * config_.heads * queries * keys));
  return map.weights.data();
}

Tensor Forward::block(const Block& block, const std::string& name, Tensor x, bool causal,
                      std::span<const std::uint8_t> self_keep, const Tensor* memory,
                      std::span<const std::uint8_t> memory_keep) {
  const std::int64_t batch = x.shape[0];
  const std::int64_t time = x.shape[1];

  // x = x + dropout(attn(ln_1(x)) c_proj); with a cache, over its earlier keys too.
  Tensor qkv = linear(norm(x, block.ln_1), block.c_attn);
  const std::int64_t layer = self_attention_layer_++;
  if (virtual_ > 0) {
    qkv = options_.adapter->attention_input(tape_, layer, qkv, options_);
    TINYGPT_CHECK(qkv.shape == Shape({batch, time, 3 * config_.width}),
                  "forward: the adapter's attention_input() returned ", qkv.shape.str(), ", not (",
                  batch, ", ", time, ", ", 3 * config_.width, ")");
  }
  const Tensor attended =
      options_.cache != nullptr
          ? options_.cache->attend(tape_, layer, qkv, config_.heads)
          : nn::self_attention(tape_, qkv,
                               {.heads = config_.heads,
                                .causal = causal,
                                .key_keep = self_keep,
                                .probs_out = attention_map(name + ".attn", batch, time, time)});
  x = nn::add(tape_, x, dropout(linear(attended, block.attn_proj)));

  const Norm* mlp_norm = &block.ln_2;
  if (block.has_cross) {
    // x = x + dropout(cross(ln_2(x), memory) c_proj): queries from the decoder, keys and
    // values from the encoder's output.
    const Tensor q = linear(norm(x, block.ln_2), block.cross_q);
    const auto memory_kv = [&] { return linear(*memory, block.cross_kv); };
    const Tensor kv =
        options_.cache != nullptr ? options_.cache->cross_kv(tape_, layer, memory_kv) : memory_kv();
    const Tensor crossed = nn::cross_attention(
        tape_, q, kv,
        {.heads = config_.heads,
         .causal = false,
         .key_keep = memory_keep,
         .probs_out = attention_map(name + ".cross", batch, time, memory->shape[1])});
    x = nn::add(tape_, x, dropout(linear(crossed, block.cross_proj)));
    mlp_norm = &block.ln_3;
  }

  // x = x + dropout(gelu(ln(x) c_fc) c_proj)
  const Tensor hidden = nn::gelu(tape_, linear(norm(x, *mlp_norm), block.c_fc));
  return nn::add(tape_, x, dropout(linear(hidden, block.mlp_proj)));
}

void check_cached_batch(const ModelConfig& config, const char* what, AttentionCache& cache,
                        std::int64_t batch, std::int64_t time, std::span<const std::uint8_t> mask,
                        const RunOptions& options) {
  const std::span<const std::int64_t> cached = cache.cached_lengths();
  TINYGPT_CHECK(static_cast<std::int64_t>(cached.size()) == batch, what, ": the cache has ",
                cached.size(), " sequences bound, the batch ", batch);
  TINYGPT_CHECK(mask.empty() && !options.training, what,
                ": a pass with a cache takes no padding mask and no training mode");
  for (std::int64_t b = 0; b < batch; ++b) {
    TINYGPT_CHECK(cached[b] + time <= config.context_length, what, ": sequence ", b, " has ",
                  cached[b], " cached positions; ", time, " more exceed the context length ",
                  config.context_length);
  }
}

void check_batch(const ModelConfig& config, const char* what, std::span<const std::int32_t> ids,
                 std::int64_t batch, std::span<const std::uint8_t> mask) {
  TINYGPT_CHECK(batch > 0, what, ": batch must be positive, it is ", batch);
  const auto count = static_cast<std::int64_t>(ids.size());
  TINYGPT_CHECK(count % batch == 0 && count > 0, what, ": ", count,
                " ids do not split into a batch of ", batch, " sequences");
  const std::int64_t time = count / batch;
  TINYGPT_CHECK(time <= config.context_length, what, ": sequences of ", time,
                " tokens are longer than the context length ", config.context_length);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    TINYGPT_CHECK(ids[i] >= 0 && ids[i] < config.vocab_size, what, ": token ", i, " is ", ids[i],
                  ", outside the vocabulary [0, ", config.vocab_size, ")");
  }
  TINYGPT_CHECK(mask.empty() || static_cast<std::int64_t>(mask.size()) == count, what,
                ": the mask has ", mask.size(), " flags for ", count, " tokens");
  for (std::size_t i = 0; i < mask.size(); ++i) {
    TINYGPT_CHECK(mask[i] <= 1, what, ": mask flag ", i, " is ", int{mask[i]},
                  "; flags are 1 (token) or 0 (padding)");
  }
}

}  // namespace detail
}  // namespace tinygpt::models
