#include "tinygpt/models/seq2seq.h"

#include <vector>

#include "blocks.h"
#include "tinygpt/core/check.h"

namespace tinygpt::models {
namespace {
// Dropout sites of the decoder start here, so they never share draws with the encoder's.
constexpr std::uint64_t kDecoderDropoutSites = 128;
}  // namespace

struct Seq2Seq::Weights {
  explicit Weights(const ModelConfig& model_config)
      : config(model_config),
        wte(detail::declare(parameters, "wte.weight", Shape{config.vocab_size, config.width})),
        positions(parameters, "wpe.weight", config),
        encoder(detail::declare_stack(parameters, "encoder.h.", config, /*cross=*/false)),
        encoder_ln_f(detail::declare_norm(parameters, "encoder.ln_f", config.width)),
        decoder(detail::declare_stack(parameters, "decoder.h.", config, /*cross=*/true)),
        decoder_ln_f(detail::declare_norm(parameters, "decoder.ln_f", config.width)) {}

  ModelConfig config;
  ParameterSet parameters;  // declared first: the handles below point into it
  Parameter* wte;           // (V, C), shared by source, target and output
  detail::PositionTable positions;
  std::vector<detail::Block> encoder;
  detail::Norm encoder_ln_f;
  std::vector<detail::Block> decoder;
  detail::Norm decoder_ln_f;
};

Seq2Seq::Seq2Seq(const ModelConfig& config) {
  TINYGPT_CHECK(config.family == Family::kSeq2Seq, "Seq2Seq: the config's family is ",
                family_name(config.family), ", not seq2seq");
  TINYGPT_CHECK(config.layers < 40, "Seq2Seq: ", config.layers,
                " layers is more than the dropout sites allow (39)");
  weights_ = std::make_unique<Weights>(config);
}

Seq2Seq::~Seq2Seq() = default;
Seq2Seq::Seq2Seq(Seq2Seq&&) noexcept = default;
Seq2Seq& Seq2Seq::operator=(Seq2Seq&&) noexcept = default;

const ModelConfig& Seq2Seq::config() const {
  return weights_->config;
}
ParameterSet& Seq2Seq::parameters() {
  return weights_->parameters;
}
void Seq2Seq::init(std::uint64_t seed) {
  init_parameters(weights_->parameters, weights_->config, seed);
}

namespace {
// Virtual tokens (soft prompts, prefixes) would need a rule for two stacks and the
// cross-attention between them; an encoder-decoder takes adapters on its linear layers.
void check_adapter(const RunOptions& options) {
  TINYGPT_CHECK(options.adapter == nullptr || options.adapter->virtual_tokens() == 0,
                "Seq2Seq: soft prompts and prefixes attach to GPT and encoder models; an "
                "encoder-decoder takes LoRA");
}
}  // namespace

Tensor Seq2Seq::encode(Tape& tape, const SequenceBatch& source, std::int64_t batch,
                       const RunOptions& options) {
  const Weights& w = *weights_;
  check_adapter(options);
  detail::check_batch(w.config, "Seq2Seq source", source.ids, batch, source.mask);
  TINYGPT_CHECK(options.cache == nullptr,
                "Seq2Seq::encode: the encoder reads its source whole; a KV cache is for decode()");
  const std::int64_t time = static_cast<std::int64_t>(source.ids.size()) / batch;
  detail::Forward run(tape, w.config, options, time, /*first_dropout_site=*/0);
  Tensor x = run.embed(*w.wte, source.ids, batch, w.positions);
  for (std::size_t l = 0; l < w.encoder.size(); ++l) {
    x = run.block(w.encoder[l], "encoder.h." + std::to_string(l), x, /*causal=*/false, source.mask);
  }
  return run.norm(x, w.encoder_ln_f);
}

Tensor Seq2Seq::decode(Tape& tape, const Tensor& memory, std::span<const std::uint8_t> source_mask,
                       const SequenceBatch& target, std::int64_t batch, const RunOptions& options) {
  const Weights& w = *weights_;
  check_adapter(options);
  detail::check_batch(w.config, "Seq2Seq target", target.ids, batch, target.mask);
  TINYGPT_CHECK(
      memory.shape.rank() == 3 && memory.shape[0] == batch && memory.shape[2] == w.config.width,
      "Seq2Seq::decode: memory ", memory.shape.str(), " is not (", batch, ", S, ", w.config.width,
      ")");
  TINYGPT_CHECK(source_mask.empty() ||
                    static_cast<std::int64_t>(source_mask.size()) == batch * memory.shape[1],
                "Seq2Seq::decode: the source mask has ", source_mask.size(), " flags for memory ",
                memory.shape.str());
  const std::int64_t time = static_cast<std::int64_t>(target.ids.size()) / batch;
  if (options.cache != nullptr) {
    detail::check_cached_batch(w.config, "Seq2Seq::decode", *options.cache, batch, time,
                               target.mask, options);
  }
  detail::Forward run(tape, w.config, options, time, kDecoderDropoutSites);
  Tensor y = run.embed(*w.wte, target.ids, batch, w.positions);
  for (std::size_t l = 0; l < w.decoder.size(); ++l) {
    y = run.block(w.decoder[l], "decoder.h." + std::to_string(l), y, /*causal=*/true, target.mask,
                  &memory, source_mask);
  }
  return run.tied_logits(run.norm(y, w.decoder_ln_f), *w.wte);
}

Tensor Seq2Seq::forward(Tape& tape, const SequenceBatch& source, const SequenceBatch& target,
                        std::int64_t batch, const RunOptions& options) {
  const Tensor memory = encode(tape, source, batch, options);
  return decode(tape, memory, source.mask, target, batch, options);
}

}  // namespace tinygpt::models
