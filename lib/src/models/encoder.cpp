#include "tinygpt/models/encoder.h"

#include <vector>

#include "blocks.h"
#include "tinygpt/core/check.h"
#include "tinygpt/nn/activations.h"
#include "tinygpt/nn/elementwise.h"
#include "tinygpt/nn/embedding.h"
#include "tinygpt/nn/gelu.h"
#include "tinygpt/nn/matmul.h"

namespace tinygpt::models {

struct Encoder::Weights {
  explicit Weights(const ModelConfig& model_config)
      : config(model_config),
        wte(detail::declare(parameters, "wte.weight", Shape{config.vocab_size, config.width})),
        positions(parameters, "wpe.weight", config),
        wtt(detail::declare(parameters, "wtt.weight", Shape{config.type_vocab_size, config.width})),
        blocks(detail::declare_stack(parameters, "h.", config, /*cross=*/false)),
        ln_f(detail::declare_norm(parameters, "ln_f", config.width)),
        mlm_dense(detail::declare_linear(parameters, "mlm.dense", config.width, config.width,
                                         config.bias)),
        mlm_ln(detail::declare_norm(parameters, "mlm.ln", config.width)),
        mlm_bias(config.bias ? detail::declare(parameters, "mlm.bias", Shape{config.vocab_size})
                             : nullptr),
        pooler(
            detail::declare_linear(parameters, "pooler", config.width, config.width, config.bias)),
        nsp(detail::declare_linear(parameters, "nsp", config.width, 2, config.bias)) {}

  ModelConfig config;
  ParameterSet parameters;  // declared first: the handles below point into it
  Parameter* wte;           // (V, C)
  detail::PositionTable positions;
  Parameter* wtt;  // (type_vocab_size, C)
  std::vector<detail::Block> blocks;
  detail::Norm ln_f;
  detail::Linear mlm_dense;  // (C, C)
  detail::Norm mlm_ln;
  Parameter* mlm_bias;    // (V), or nullptr without biases
  detail::Linear pooler;  // (C, C)
  detail::Linear nsp;     // (C, 2)
};

Encoder::Encoder(const ModelConfig& config) {
  TINYGPT_CHECK(config.family == Family::kEncoder, "Encoder: the config's family is ",
                family_name(config.family), ", not encoder");
  weights_ = std::make_unique<Weights>(config);
}

Encoder::~Encoder() = default;
Encoder::Encoder(Encoder&&) noexcept = default;
Encoder& Encoder::operator=(Encoder&&) noexcept = default;

const ModelConfig& Encoder::config() const {
  return weights_->config;
}
ParameterSet& Encoder::parameters() {
  return weights_->parameters;
}
void Encoder::init(std::uint64_t seed) {
  init_parameters(weights_->parameters, weights_->config, seed);
}

EncoderOutput Encoder::forward(Tape& tape, std::span<const std::int32_t> ids,
                               std::span<const std::int32_t> type_ids, std::int64_t batch,
                               std::span<const std::uint8_t> mask, const RunOptions& options) {
  const Weights& w = *weights_;
  detail::check_batch(w.config, "Encoder::forward", ids, batch, mask);
  TINYGPT_CHECK(options.cache == nullptr, "Encoder::forward: a KV cache is for GPT generation");
  const std::int64_t time = static_cast<std::int64_t>(ids.size()) / batch;
  std::vector<std::int32_t> zero_types;
  if (type_ids.empty()) {
    zero_types.assign(ids.size(), 0);
    type_ids = zero_types;
  }
  TINYGPT_CHECK(type_ids.size() == ids.size(), "Encoder::forward: ", type_ids.size(),
                " type ids for ", ids.size(), " tokens");
  detail::Forward run(tape, w.config, options, time);

  Tensor x = run.embed(*w.wte, ids, batch, w.positions, w.wtt, type_ids);
  const std::span<const std::uint8_t> keep = run.key_keep(mask);
  for (std::size_t l = 0; l < w.blocks.size(); ++l) {
    x = run.block(w.blocks[l], "h." + std::to_string(l), x, /*causal=*/false, keep);
  }
  EncoderOutput out;
  out.hidden = run.norm(run.text_rows(x), w.ln_f);

  // The MLM head: a transform, then scores against the (tied) token embeddings.
  const Tensor transformed =
      run.norm(nn::gelu(tape, run.linear(out.hidden, w.mlm_dense)), w.mlm_ln);
  out.mlm_logits = nn::matmul(tape, transformed, w.wte->tensor(), false, true);
  if (w.mlm_bias != nullptr) {
    out.mlm_logits = nn::add(tape, out.mlm_logits, w.mlm_bias->tensor());
  }

  // The first token of each sequence (row b*T of the (B*T, C) view) stands for the whole
  // sequence: gathering rows is an embedding lookup into the hidden states.
  std::vector<std::int32_t> first_rows(static_cast<std::size_t>(batch));
  for (std::int64_t b = 0; b < batch; ++b) first_rows[b] = static_cast<std::int32_t>(b * time);
  const Tensor first =
      nn::embedding(tape, out.hidden.reshaped(Shape{batch * time, w.config.width}), first_rows);
  out.pooled = nn::tanh(tape, run.linear(first, w.pooler));
  out.nsp_logits = run.linear(out.pooled, w.nsp);
  return out;
}

}  // namespace tinygpt::models
