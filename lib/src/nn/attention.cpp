// Graph functions of multi-head self- and cross-attention. The op bodies are exercises 02.1,
// 02.2 (solutions/02-transformer/attention.cpp), 02.5 (masks.cpp) and 02.6 (heads.cpp); this
// file is the driver: it splits heads, runs the B*H independent (batch, head) slices across
// threads, and merges heads again.
#include "tinygpt/nn/attention.h"

#include <algorithm>

#include "../core/parallel.h"
#include "bf16_operands.h"
#include "tinygpt/core/check.h"

namespace tinygpt::nn {

namespace {

// The sizes of one multi-head attention call: B sequences of T queries over S keys, width
// C = H * D.
struct AttentionSizes {
  std::int64_t batch = 0;  // B
  std::int64_t heads = 0;  // H
  std::int64_t time = 0;   // T
  std::int64_t keys = 0;   // S
  std::int64_t width = 0;  // C

  std::int64_t head_dim() const { return width / heads; }
  std::int64_t slices() const { return batch * heads; }
};

// node.saved of an attention call, one contiguous buffer from the tape:
//   q (B*H*T, D) | k (B*H*S, D) | v (B*H*S, D) | probs (B*H*T, S) | heads (B*H*T, D)
// and, when the call is recorded, the per-head gradients dq | dk | dv, shaped as q, k, v.
// `heads` holds the slices' outputs in forward and the gradient reaching them in backward.
// The gradient buffers are taken in forward because backward cannot ask the tape for memory.
struct AttentionBuffers {
  float* q = nullptr;
  float* k = nullptr;
  float* v = nullptr;
  float* probs = nullptr;
  float* heads = nullptr;
  float* dq = nullptr;
  float* dk = nullptr;
  float* dv = nullptr;
};

std::int64_t buffers_size(const AttentionSizes& n, bool with_grads) {
  const std::int64_t queries = n.slices() * n.time * n.head_dim();
  const std::int64_t keys = n.slices() * n.keys * n.head_dim();
  const std::int64_t probs = n.slices() * n.time * n.keys;
  return 2 * queries + 2 * keys + probs + (with_grads ? queries + 2 * keys : 0);
}

AttentionBuffers buffers_at(float* base, const AttentionSizes& n, bool with_grads) {
  const std::int64_t queries = n.slices() * n.time * n.head_dim();
  const std::int64_t keys = n.slices() * n.keys * n.head_dim();
  AttentionBuffers buffers;
  buffers.q = base;
  buffers.k = buffers.q + queries;
  buffers.v = buffers.k + keys;
  buffers.probs = buffers.v + keys;
  buffers.heads = buffers.probs + n.slices() * n.time * n.keys;
  if (with_grads) {
    buffers.dq = buffers.heads + queries;
    buffers.dk = buffers.dq + queries;
    buffers.dv = buffers.dk + keys;
  }
  return buffers;
}

// Queries per block of a causal slice. Query t sees only keys up to t + (S - T), so a block
// of queries needs only the keys up to its last query's: computing a slice block by block
// skips most of the masked upper triangle of q k^T and of probs v, which softmax would zero
// anyway (with T = 128, 62% of the work instead of all of it). Small enough to skip most of
// the triangle, large enough that each block's products still run near the GEMM's speed.
constexpr std::int64_t kCausalQueryBlock = 32;

// Query block [first, first + count) of a slice and the keys it sees: [0, visible).
struct QueryBlock {
  std::int64_t first = 0;
  std::int64_t count = 0;
  std::int64_t visible = 0;
};

// The query blocks of one slice: one block of all T queries when nothing is causal (every
// query sees every key), else blocks of kCausalQueryBlock.
template <typename Body>
void for_each_query_block(const AttentionSizes& n, bool causal, const Body& body) {
  const std::int64_t block = causal ? kCausalQueryBlock : n.time;
  for (std::int64_t first = 0; first < n.time; first += block) {
    const std::int64_t count = std::min(block, n.time - first);
    const std::int64_t visible =
        causal ? std::clamp<std::int64_t>(first + count + (n.keys - n.time), 0, n.keys) : n.keys;
    body(QueryBlock{.first = first, .count = count, .visible = visible});
  }
}

// Runs body(b, first_query_row, first_key_row) for every sequence b across threads: where
// sequence b starts in the per-head buffers, whose H slices are contiguous there (H*T query
// rows and H*S key rows). Splitting and merging heads copy a sequence at a time.
template <typename Body>
void for_each_sequence(const AttentionSizes& n, const Body& body) {
  detail::parallel_for(n.batch, n.batch * (n.time + 2 * n.keys) * n.width, [&](std::int64_t b) {
    body(b, b * n.heads * n.time, b * n.heads * n.keys);
  });
}

// About the flops of one call, to decide whether threads pay off.
std::int64_t attention_work(const AttentionSizes& n) {
  return 4 * n.slices() * n.time * n.keys * n.head_dim();
}

// out (B*T, C) = multi-head attention of q_in (B*T, C) over k_in and v_in (B*S, C). The
// inputs may be column blocks of a fused QKV or KV: split_heads_forward reads them in place.
// In bf16 (`round`), the split q, k and v are rounded to bfloat16 before the products, and
// backward multiplies the same rounded values.
void multi_head_forward(MatrixRef out, ConstMatrixRef q_in, ConstMatrixRef k_in,
                        ConstMatrixRef v_in, const AttentionSizes& n, bool causal,
                        std::span<const std::uint8_t> key_keep, bool round,
                        const AttentionBuffers& buffers) {
  const std::int64_t d = n.head_dim();
  MatrixMap q(buffers.q, n.slices() * n.time, d);
  MatrixMap k(buffers.k, n.slices() * n.keys, d);
  MatrixMap v(buffers.v, n.slices() * n.keys, d);
  MatrixMap probs(buffers.probs, n.slices() * n.time, n.keys);
  MatrixMap heads(buffers.heads, n.slices() * n.time, d);
  const std::int64_t query_rows = n.heads * n.time;  // of one sequence, in q and heads
  const std::int64_t key_rows = n.heads * n.keys;    // of one sequence, in k and v
  for_each_sequence(n, [&](std::int64_t b, std::int64_t query_row, std::int64_t key_row) {
    split_heads_forward(q.middleRows(query_row, query_rows), q_in.middleRows(b * n.time, n.time), 1,
                        n.heads);
    split_heads_forward(k.middleRows(key_row, key_rows), k_in.middleRows(b * n.keys, n.keys), 1,
                        n.heads);
    split_heads_forward(v.middleRows(key_row, key_rows), v_in.middleRows(b * n.keys, n.keys), 1,
                        n.heads);
  });
  if (round) {
    for (float* buffer : {buffers.q, buffers.k, buffers.v}) {
      const std::int64_t rows = buffer == buffers.q ? n.time : n.keys;
      detail::round_all_to_bfloat16(buffer, buffer, n.slices() * rows * d);
    }
  }
  // Slice (b, h) is rows [slice*T, (slice+1)*T) of q, probs and heads, and rows
  // [slice*S, (slice+1)*S) of k and v; every slice writes only its own rows.
  detail::parallel_for(n.slices(), attention_work(n), [&](std::int64_t slice) {
    const std::int64_t b = slice / n.heads;
    const std::int64_t row = slice * n.time;  // the slice's first query row
    const std::int64_t key = slice * n.keys;  // and its first key row
    for_each_query_block(n, causal, [&](const QueryBlock& block) {
      const auto keep = key_keep.empty()
                            ? key_keep
                            : key_keep.subspan(static_cast<std::size_t>(b * n.keys),
                                               static_cast<std::size_t>(block.visible));
      // Keys past `visible` are masked for this whole block: their probabilities are 0.
      probs.block(row + block.first, block.visible, block.count, n.keys - block.visible).setZero();
      attention_forward(heads.middleRows(row + block.first, block.count),
                        probs.block(row + block.first, 0, block.count, block.visible),
                        q.middleRows(row + block.first, block.count),
                        k.middleRows(key, block.visible), v.middleRows(key, block.visible), causal,
                        keep);
    });
  });
  for_each_sequence(n, [&](std::int64_t b, std::int64_t query_row, std::int64_t) {
    merge_heads_forward(out.middleRows(b * n.time, n.time), heads.middleRows(query_row, query_rows),
                        1, n.heads);
  });
}

// The gradient of multi_head_forward: dq_in, dk_in, dv_in += ... from dout (B*T, C).
void multi_head_backward(MatrixRef dq_in, MatrixRef dk_in, MatrixRef dv_in, ConstMatrixRef dout,
                         const AttentionSizes& n, bool causal, const AttentionBuffers& buffers) {
  const std::int64_t d = n.head_dim();
  const MatrixMap q(buffers.q, n.slices() * n.time, d);
  const MatrixMap k(buffers.k, n.slices() * n.keys, d);
  const MatrixMap v(buffers.v, n.slices() * n.keys, d);
  const MatrixMap probs(buffers.probs, n.slices() * n.time, n.keys);
  MatrixMap dheads(buffers.heads, n.slices() * n.time, d);
  MatrixMap dq(buffers.dq, n.slices() * n.time, d);
  MatrixMap dk(buffers.dk, n.slices() * n.keys, d);
  MatrixMap dv(buffers.dv, n.slices() * n.keys, d);
  // An empty dq_in, or empty dk_in and dv_in (a frozen encoder's memory in cross-attention),
  // is not wanted: attention_backward gets empty views for it and skips its work.
  const bool want_q = dq_in.size() != 0;
  const bool want_kv = dk_in.size() != 0;
  Matrix none;
  // The op functions accumulate; these buffers are this call's alone, so start them at zero.
  const std::int64_t query_rows = n.heads * n.time;
  const std::int64_t key_rows = n.heads * n.keys;
  for_each_sequence(n, [&](std::int64_t b, std::int64_t query_row, std::int64_t key_row) {
    dheads.middleRows(query_row, query_rows).setZero();
    if (want_q) dq.middleRows(query_row, query_rows).setZero();
    if (want_kv) dk.middleRows(key_row, key_rows).setZero();
    if (want_kv) dv.middleRows(key_row, key_rows).setZero();
    merge_heads_backward(dheads.middleRows(query_row, query_rows),
                         dout.middleRows(b * n.time, n.time), 1, n.heads);
  });
  // The same query blocks as the forward, one after another within a slice: they all add
  // into the slice's dk and dv.
  detail::parallel_for(n.slices(), 2 * attention_work(n), [&](std::int64_t slice) {
    const std::int64_t row = slice * n.time;
    const std::int64_t key = slice * n.keys;
    for_each_query_block(n, causal, [&](const QueryBlock& block) {
      attention_backward(
          want_q ? MatrixRef(dq.middleRows(row + block.first, block.count)) : MatrixRef(none),
          want_kv ? MatrixRef(dk.middleRows(key, block.visible)) : MatrixRef(none),
          want_kv ? MatrixRef(dv.middleRows(key, block.visible)) : MatrixRef(none),
          dheads.middleRows(row + block.first, block.count),
          q.middleRows(row + block.first, block.count), k.middleRows(key, block.visible),
          v.middleRows(key, block.visible),
          probs.block(row + block.first, 0, block.count, block.visible));
    });
  });
  for_each_sequence(n, [&](std::int64_t b, std::int64_t query_row, std::int64_t key_row) {
    if (want_q) {
      split_heads_backward(dq_in.middleRows(b * n.time, n.time),
                           dq.middleRows(query_row, query_rows), 1, n.heads);
    }
    if (want_kv) {
      split_heads_backward(dk_in.middleRows(b * n.keys, n.keys), dk.middleRows(key_row, key_rows),
                           1, n.heads);
      split_heads_backward(dv_in.middleRows(b * n.keys, n.keys), dv.middleRows(key_row, key_rows),
                           1, n.heads);
    }
  });
}

void check_options(const char* op, const AttentionOptions& options, std::int64_t width,
                   std::int64_t batch, std::int64_t keys) {
  TINYGPT_CHECK(options.heads >= 1, op, ": heads must be at least 1, got ", options.heads);
  TINYGPT_CHECK(width % options.heads == 0, op, ": the width C = ", width,
                " is not divisible by heads = ", options.heads);
  TINYGPT_CHECK(options.key_keep.empty() ||
                    static_cast<std::int64_t>(options.key_keep.size()) == batch * keys,
                op, ": key_keep has ", options.key_keep.size(), " flags, expected B*S = ", batch,
                "*", keys, " = ", batch * keys, " (or none)");
  for (std::size_t i = 0; i < options.key_keep.size(); ++i) {
    TINYGPT_CHECK(options.key_keep[i] <= 1, op, ": key_keep[", i, "] is ",
                  static_cast<int>(options.key_keep[i]), "; flags are 1 (real) or 0 (padding)");
  }
}

AttentionSizes self_sizes(const Tensor& qkv, std::int64_t heads) {
  return {.batch = qkv.shape[0],
          .heads = heads,
          .time = qkv.shape[1],
          .keys = qkv.shape[1],
          .width = qkv.shape[2] / 3};
}

AttentionSizes cross_sizes(const Tensor& q, const Tensor& kv, std::int64_t heads) {
  return {.batch = q.shape[0],
          .heads = heads,
          .time = q.shape[1],
          .keys = kv.shape[1],
          .width = q.shape[2]};
}

void self_attention_node_backward(const Node& node) {
  const Tensor& qkv = node.in[0];
  const AttentionSizes n = self_sizes(qkv, node.args.heads);
  MatrixMap dqkv = qkv.grad_matrix();
  multi_head_backward(dqkv.middleCols(0, n.width), dqkv.middleCols(n.width, n.width),
                      dqkv.middleCols(2 * n.width, n.width), node.out.grad_matrix(), n,
                      node.args.causal, buffers_at(node.saved, n, true));
}

void cross_attention_node_backward(const Node& node) {
  const Tensor& q = node.in[0];
  const Tensor& kv = node.in[1];
  const AttentionSizes n = cross_sizes(q, kv, node.args.heads);
  MatrixMap dkv = kv.grad_matrix();
  Matrix none;
  const bool want_kv = dkv.size() != 0;
  multi_head_backward(q.grad_matrix(),
                      want_kv ? MatrixRef(dkv.middleCols(0, n.width)) : MatrixRef(none),
                      want_kv ? MatrixRef(dkv.middleCols(n.width, n.width)) : MatrixRef(none),
                      node.out.grad_matrix(), n, /*causal=*/false, buffers_at(node.saved, n, true));
}

// Runs and records one attention call; the inputs are checked and `n` is their sizes.
Tensor record_attention(Tape& tape, const char* op, BackwardFn backward, const Tensor& q_source,
                        const Tensor& kv_source, bool self, const AttentionSizes& n,
                        const AttentionOptions& options) {
  Tensor out = self ? tape.output(Shape{n.batch, n.time, n.width}, {q_source})
                    : tape.output(Shape{n.batch, n.time, n.width}, {q_source, kv_source});
  const bool with_grads = out.grad != nullptr;
  const AttentionBuffers buffers = buffers_at(
      tape.scratch(static_cast<std::size_t>(buffers_size(n, with_grads))), n, with_grads);
  const MatrixMap q_matrix = q_source.matrix();
  const MatrixMap kv_matrix = kv_source.matrix();
  // Column blocks of the fused tensors: self reads q | k | v of qkv, cross q and k | v of kv.
  const std::int64_t first_key = self ? n.width : 0;
  multi_head_forward(out.matrix(), q_matrix.middleCols(0, n.width),
                     kv_matrix.middleCols(first_key, n.width),
                     kv_matrix.middleCols(first_key + n.width, n.width), n, options.causal,
                     options.key_keep, tape.precision() == Precision::kBfloat16, buffers);
  if (options.probs_out != nullptr) {
    // Slice (b, h) of probs is (T, S) at row (b*H + h)*T: exactly the (B, H, T, S) layout.
    std::copy_n(buffers.probs, n.slices() * n.time * n.keys, options.probs_out);
  }
  if (with_grads) {
    Node node{.op = op, .backward = backward, .out = out, .saved = buffers.q};
    node.in[0] = q_source;
    if (!self) node.in[1] = kv_source;
    node.args.heads = n.heads;
    node.args.causal = options.causal;
    tape.record(node);
  }
  return out;
}

}  // namespace

Tensor self_attention(Tape& tape, const Tensor& qkv, const AttentionOptions& options) {
  TINYGPT_CHECK(qkv.shape.rank() == 3 && qkv.shape[2] % 3 == 0,
                "self_attention: qkv must be (B, T, 3C), its shape is ", qkv.shape.str());
  TINYGPT_CHECK(qkv.numel() > 0, "self_attention: qkv ", qkv.shape.str(), " is empty");
  const AttentionSizes n = self_sizes(qkv, options.heads);
  check_options("self_attention", options, n.width, n.batch, n.keys);
  return record_attention(tape, "self_attention", &self_attention_node_backward, qkv, qkv, true, n,
                          options);
}

Tensor cross_attention(Tape& tape, const Tensor& q, const Tensor& kv,
                       const AttentionOptions& options) {
  TINYGPT_CHECK(q.shape.rank() == 3 && q.numel() > 0,
                "cross_attention: q must be a non-empty (B, T, C), its shape is ", q.shape.str());
  TINYGPT_CHECK(kv.shape.rank() == 3 && kv.numel() > 0 && kv.shape[0] == q.shape[0] &&
                    kv.shape[2] == 2 * q.shape[2],
                "cross_attention: kv ", kv.shape.str(), " does not fit q ", q.shape.str(),
                ": expected (", q.shape[0], ", S, ", 2 * q.shape[2], ")");
  TINYGPT_CHECK(!options.causal,
                "cross_attention: causal must be false (queries of the decoder may see every "
                "position of the encoder)");
  const AttentionSizes n = cross_sizes(q, kv, options.heads);
  check_options("cross_attention", options, n.width, n.batch, n.keys);
  return record_attention(tape, "cross_attention", &cross_attention_node_backward, q, kv, false, n,
                          options);
}

}  // namespace tinygpt::nn
