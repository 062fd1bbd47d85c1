// The KV cache (infer/kv_cache.h): storage per layer and slot, and the attention of new
// tokens over their slot's cached keys and values.
#include "tinygpt/infer/kv_cache.h"

#include <algorithm>

#include "../core/parallel.h"
#include "tinygpt/core/check.h"
#include "tinygpt/infer/cached_attention.h"
#include "tinygpt/nn/attention.h"

namespace tinygpt::infer {

KvCache::KvCache(const models::ModelConfig& config, std::int64_t slots)
    : layers_(config.layers),
      width_(config.width),
      heads_(config.heads),
      capacity_(config.context_length),
      slots_(slots) {
  TINYGPT_CHECK(config.family != models::Family::kEncoder,
                "KvCache: the model is an encoder; the cache holds the keys and values of a GPT "
                "or of an encoder-decoder's decoder");
  TINYGPT_CHECK(slots >= 1, "KvCache: slots must be at least 1, got ", slots);
  const auto size = static_cast<std::size_t>(layers_ * slots_ * capacity_ * width_);
  keys_.assign(size, 0.0f);
  values_.assign(size, 0.0f);
  if (config.family == models::Family::kSeq2Seq) cross_.assign(2 * size, 0.0f);
  lengths_.assign(static_cast<std::size_t>(slots_), 0);
  cross_lengths_.assign(static_cast<std::size_t>(layers_ * slots_), 0);
}

std::size_t KvCache::offset(std::int64_t layer, std::int64_t slot) const {
  return static_cast<std::size_t>(((layer * slots_) + slot) * capacity_ * width_);
}

std::int64_t KvCache::length(std::int64_t slot) const {
  TINYGPT_CHECK(slot >= 0 && slot < slots_, "KvCache: slot ", slot, " is outside [0, ", slots_,
                ")");
  return lengths_[static_cast<std::size_t>(slot)];
}

void KvCache::clear(std::int64_t slot) {
  TINYGPT_CHECK(slot >= 0 && slot < slots_, "KvCache: slot ", slot, " is outside [0, ", slots_,
                ")");
  // The stale keys stay in memory; a length of 0 makes them unreachable.
  lengths_[static_cast<std::size_t>(slot)] = 0;
  for (std::int64_t layer = 0; layer < layers_; ++layer) {
    cross_lengths_[static_cast<std::size_t>(layer * slots_ + slot)] = 0;
  }
}

void KvCache::bind(std::span<const std::int64_t> slots) {
  TINYGPT_CHECK(!slots.empty(), "KvCache::bind: no slots");
  bound_.assign(slots.begin(), slots.end());
  bound_lengths_.clear();
  for (std::size_t i = 0; i < bound_.size(); ++i) {
    TINYGPT_CHECK(bound_[i] >= 0 && bound_[i] < slots_, "KvCache::bind: slot ", bound_[i],
                  " is outside [0, ", slots_, ")");
    TINYGPT_CHECK(std::find(bound_.begin(), bound_.begin() + static_cast<std::ptrdiff_t>(i),
                            bound_[i]) == bound_.begin() + static_cast<std::ptrdiff_t>(i),
                  "KvCache::bind: slot ", bound_[i], " appears twice in one batch");
    bound_lengths_.push_back(lengths_[static_cast<std::size_t>(bound_[i])]);
  }
}

void KvCache::advance(std::int64_t tokens) {
  for (std::size_t i = 0; i < bound_.size(); ++i) {
    std::int64_t& length = lengths_[static_cast<std::size_t>(bound_[i])];
    TINYGPT_CHECK(tokens >= 0 && bound_lengths_[i] + tokens <= capacity_, "KvCache::advance: slot ",
                  bound_[i], " would hold ", bound_lengths_[i] + tokens,
                  " positions, more than its ", capacity_);
    length = bound_lengths_[i] + tokens;
  }
  bound_lengths_.clear();
  bound_.clear();
}

Tensor KvCache::attend(Tape& tape, std::int64_t layer, const Tensor& qkv, std::int64_t heads) {
  TINYGPT_CHECK(!tape.grad_enabled(),
                "KvCache::attend: a cache is for inference; disable "
                "gradients (NoGradGuard)");
  TINYGPT_CHECK(layer >= 0 && layer < layers_ && heads == heads_, "KvCache::attend: layer ", layer,
                " with ", heads, " heads, but the cache is for ", layers_, " layers of ", heads_,
                " heads");
  const std::int64_t batch = qkv.shape[0];
  const std::int64_t time = qkv.shape[1];
  const std::int64_t c = width_;
  const std::int64_t d = c / heads_;
  TINYGPT_CHECK(qkv.shape.rank() == 3 && qkv.shape[2] == 3 * c &&
                    batch == static_cast<std::int64_t>(bound_.size()),
                "KvCache::attend: qkv ", qkv.shape.str(), " for ", bound_.size(),
                " bound sequences of width ", c);
  const MatrixMap fused = qkv.matrix();  // (B*T, 3C): q | k | v
  // 1. Append the new keys and values after each sequence's cached ones.
  for (std::int64_t b = 0; b < batch; ++b) {
    const std::size_t at = offset(layer, bound_[static_cast<std::size_t>(b)]);
    MatrixMap keys(keys_.data() + at, capacity_, c);
    MatrixMap values(values_.data() + at, capacity_, c);
    const std::int64_t start = bound_lengths_[static_cast<std::size_t>(b)];
    keys.middleRows(start, time) = fused.block(b * time, c, time, c);
    values.middleRows(start, time) = fused.block(b * time, 2 * c, time, c);
  }
  // 2. Each (sequence, head): the new queries over keys [0, start + T), causal with the
  // offset (query t is position start + t), exactly attention_forward's rule for S > T.
  Tensor out = tape.output(Shape{batch, time, c}, {});
  MatrixMap merged = out.matrix();
  std::int64_t longest = 0;
  for (const std::int64_t length : bound_lengths_) longest = std::max(longest, length + time);
  // Prefill keeps each (sequence, head)'s (T, S) weights for attention_forward; a decode
  // pass needs none.
  float* probs_buffer =
      time == 1 ? nullptr : tape.scratch(static_cast<std::size_t>(batch * heads_ * time * longest));
  detail::parallel_for(
      batch * heads_, batch * heads_ * time * longest * d, [&](std::int64_t slice) {
        const std::int64_t b = slice / heads_;
        const std::int64_t h = slice % heads_;
        const std::size_t at = offset(layer, bound_[static_cast<std::size_t>(b)]);
        const std::int64_t keys_seen = bound_lengths_[static_cast<std::size_t>(b)] + time;
        const MatrixMap keys(keys_.data() + at, capacity_, c);
        const MatrixMap values(values_.data() + at, capacity_, c);
        if (time == 1) {  // decoding: one query sees every key (exercise 07.3)
          attend_one(merged.block(b, h * d, 1, d), fused.block(b, h * d, 1, d),
                     keys.block(0, h * d, keys_seen, d), values.block(0, h * d, keys_seen, d));
          return;
        }
        MatrixMap probs(probs_buffer + slice * time * longest, time, keys_seen);
        nn::attention_forward(
            merged.block(b * time, h * d, time, d), probs, fused.block(b * time, h * d, time, d),
            keys.block(0, h * d, keys_seen, d), values.block(0, h * d, keys_seen, d),
            /*causal=*/true, {});
      });
  return out;
}

Tensor KvCache::cross_kv(Tape& tape, std::int64_t layer, const std::function<Tensor()>& compute) {
  TINYGPT_CHECK(!cross_.empty(),
                "KvCache::cross_kv: this cache was made for a GPT, which has no cross-attention");
  TINYGPT_CHECK(layer >= 0 && layer < layers_ && !bound_.empty(), "KvCache::cross_kv: layer ",
                layer, " of ", layers_, " with ", bound_.size(), " bound sequences");
  const auto batch = static_cast<std::int64_t>(bound_.size());
  const std::int64_t c2 = 2 * width_;
  const auto index = [&](std::int64_t b) {
    return static_cast<std::size_t>(layer * slots_ + bound_[static_cast<std::size_t>(b)]);
  };
  const auto storage = [&](std::int64_t b) {
    return cross_.data() + index(b) * static_cast<std::size_t>(capacity_ * c2);
  };
  bool all_kept = true;
  for (std::int64_t b = 0; b < batch; ++b) all_kept = all_kept && cross_lengths_[index(b)] > 0;
  if (!all_kept) {
    // The first pass of these sequences: compute, and keep each sequence's rows.
    const Tensor kv = compute();
    const std::int64_t source = kv.shape[1];
    TINYGPT_CHECK(
        kv.shape.rank() == 3 && kv.shape[0] == batch && kv.shape[2] == c2 && source <= capacity_,
        "KvCache::cross_kv: keys and values ", kv.shape.str(), " for ", batch,
        " sequences of at most ", capacity_, " source positions");
    for (std::int64_t b = 0; b < batch; ++b) {
      std::copy_n(kv.data + b * source * c2, source * c2, storage(b));
      cross_lengths_[index(b)] = source;
    }
    return kv;
  }
  const std::int64_t source = cross_lengths_[index(0)];
  for (std::int64_t b = 1; b < batch; ++b) {
    TINYGPT_CHECK(cross_lengths_[index(b)] == source,
                  "KvCache::cross_kv: the sequences of one "
                  "pass have sources of ",
                  source, " and ", cross_lengths_[index(b)], " positions");
  }
  Tensor kv = tape.output(Shape{batch, source, c2}, {});
  for (std::int64_t b = 0; b < batch; ++b) {
    std::copy_n(storage(b), source * c2, kv.data + b * source * c2);
  }
  return kv;
}

}  // namespace tinygpt::infer
