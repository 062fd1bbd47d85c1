#include "tinygpt/models/gpt.h"

#include "blocks.h"
#include "tinygpt/core/check.h"

namespace tinygpt::models {

struct Gpt::Weights {
  explicit Weights(const ModelConfig& model_config)
      : config(model_config),
        wte(detail::declare(parameters, "wte.weight", Shape{config.vocab_size, config.width})),
        positions(parameters, "wpe.weight", config),
        blocks(detail::declare_stack(parameters, "h.", config, /*cross=*/false)),
        ln_f(detail::declare_norm(parameters, "ln_f", config.width)) {}

  ModelConfig config;
  ParameterSet parameters;  // declared first: the handles below point into it
  Parameter* wte;           // (V, C)
  detail::PositionTable positions;
  std::vector<detail::Block> blocks;
  detail::Norm ln_f;
};

Gpt::Gpt(const ModelConfig& config) {
  TINYGPT_CHECK(config.family == Family::kGpt, "Gpt: the config's family is ",
                family_name(config.family), ", not gpt");
  weights_ = std::make_unique<Weights>(config);
}

Gpt::~Gpt() = default;
Gpt::Gpt(Gpt&&) noexcept = default;
Gpt& Gpt::operator=(Gpt&&) noexcept = default;

const ModelConfig& Gpt::config() const {
  return weights_->config;
}
ParameterSet& Gpt::parameters() {
  return weights_->parameters;
}
void Gpt::init(std::uint64_t seed) {
  init_parameters(weights_->parameters, weights_->config, seed);
}

Tensor Gpt::forward(Tape& tape, std::span<const std::int32_t> ids, std::int64_t batch,
                    std::span<const std::uint8_t> mask, const RunOptions& options) {
  return logits(tape, hidden(tape, ids, batch, mask, options), options);  // hidden() checks
}

Tensor Gpt::logits(Tape& tape, const Tensor& states, const RunOptions& options) {
  TINYGPT_CHECK(states.shape.rank() == 3 && states.shape[2] == weights_->config.width,
                "Gpt::logits: hidden states ", states.shape.str(), " are not (B, T, ",
                weights_->config.width, ")");
  // The output layer runs no dropout, so the pass's time does not matter to it.
  detail::Forward run(tape, weights_->config, options, states.shape[1]);
  return run.tied_logits(states, *weights_->wte);
}

Tensor Gpt::hidden(Tape& tape, std::span<const std::int32_t> ids, std::int64_t batch,
                   std::span<const std::uint8_t> mask, const RunOptions& options) {
  const Weights& w = *weights_;
  detail::check_batch(w.config, "Gpt::forward", ids, batch, mask);
  const std::int64_t time = static_cast<std::int64_t>(ids.size()) / batch;
  if (options.cache != nullptr) {
    detail::check_cached_batch(w.config, "Gpt::forward", *options.cache, batch, time, mask,
                               options);
  }
  detail::Forward run(tape, w.config, options, time);

  Tensor x = run.embed(*w.wte, ids, batch, w.positions);
  const std::span<const std::uint8_t> keep = run.key_keep(mask);
  for (std::size_t l = 0; l < w.blocks.size(); ++l) {
    x = run.block(w.blocks[l], "h." + std::to_string(l), x, /*causal=*/true, keep);
  }
  return run.norm(run.text_rows(x), w.ln_f);
}

}  // namespace tinygpt::models
