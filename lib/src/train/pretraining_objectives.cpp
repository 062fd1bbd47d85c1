// The three pre-training objectives (pretraining_detail.h): causal language modelling for
// the GPT, masked language modelling + next-sentence prediction for the encoder, and
// translation with teacher forcing for the encoder-decoder.
#include <array>

#include "pretraining_detail.h"
#include "tinygpt/core/check.h"
#include "tinygpt/data/batching.h"
#include "tinygpt/data/objectives.h"
#include "tinygpt/data/token_file.h"
#include "tinygpt/models/encoder.h"
#include "tinygpt/models/generate.h"
#include "tinygpt/models/gpt.h"
#include "tinygpt/models/pretrained.h"
#include "tinygpt/models/seq2seq.h"
#include "tinygpt/nn/cross_entropy.h"
#include "tinygpt/nn/elementwise.h"

namespace tinygpt::train::detail {

namespace fs = std::filesystem;

namespace {

// A special token the family needs, with an error that says which tokenizer lacks it.
std::int32_t required_special(const text::BpeTokenizer& tokenizer, const char* special,
                              models::Family family) {
  try {
    return tokenizer.special_id(special);
  } catch (const Error&) {
    TINYGPT_CHECK(false, "a ", models::family_name(family), " model needs the special token ",
                  special,
                  " in its tokenizer; let the trainer train one (no --tokenizer) or train one "
                  "with that special token");
  }
  return -1;
}

// Opens a token file and checks it against the tokenizer and the context.
data::TokenFile open_token_file(const fs::path& path, const PreparedData& prepared,
                                std::int64_t time) {
  data::TokenFile file(path);
  file.check_tokenizer(prepared.tokenizer_hash);
  TINYGPT_CHECK(file.size() > time, "--data: ", path.string(), " holds ", file.size(),
                " tokens; it needs more than --context ", time);
  return file;
}

// The loss as the one validation figure.
Figures loss_figures(const Tensor& loss) {
  return {{"loss", static_cast<double>(loss.item())}};
}

// GPT: causal language modelling on random windows of the training tokens.
class CausalLmObjective final : public Objective {
 public:
  CausalLmObjective(const TrainConfig& config, const PreparedData& prepared)
      : config_(config),
        prepared_(prepared),
        train_(open_token_file(prepared.dir / "train.tokens", prepared, config.time())),
        validation_(open_token_file(prepared.dir / "validation.tokens", prepared, config.time())),
        model_(config.model) {
    model_.init(config.seed);
  }

  ParameterSet& parameters() override { return model_.parameters(); }
  DataSize data_size() const override {
    const std::int64_t tokens = config_.batch * config_.time();
    return {train_.size(), tokens, "training tokens", tokens};
  }

  Tensor loss(Tape& tape, const data::BatchKey& key, const models::RunOptions& options) override {
    batch_ = data::causal_lm_batch(train_, key, config_.time());
    const Tensor logits = model_.forward(tape, batch_.inputs, key.batch, {}, options);
    return nn::softmax_cross_entropy(tape, logits, batch_.targets);
  }
  Figures validate(Tape& tape, std::int64_t first, std::int64_t rows) override {
    batch_ = data::causal_lm_validation_batch(validation_, first, rows, config_.time());
    const Tensor logits = model_.forward(tape, batch_.inputs, rows);
    return loss_figures(nn::softmax_cross_entropy(tape, logits, batch_.targets));
  }

  std::optional<std::string> sample(std::int64_t step) override {
    const std::int32_t start =
        prepared_.end_of_text >= 0 ? prepared_.end_of_text : validation_.token(0);
    const std::vector<std::int32_t> prompt = {start};
    models::GenerateOptions options;
    options.max_new_tokens = config_.sample_tokens;
    options.sampling.temperature = 0.8f;
    options.sampling.top_k = 40;
    options.seed = config_.seed + static_cast<std::uint64_t>(step);
    const std::vector<std::int32_t> tokens = models::generate(model_, prompt, options);
    // A model may have more ids than its tokenizer (a BPE that ran out of merges), and early
    // in training it can still pick one. Such an id has no text: it is shown as U+FFFD.
    std::string text;
    std::vector<std::int32_t> run;
    for (const std::int32_t token : tokens) {
      if (token < prepared_.tokenizer->vocab_size()) {
        run.push_back(token);
        continue;
      }
      text += prepared_.tokenizer->decode(run) + "\xEF\xBF\xBD";
      run.clear();
    }
    return text + prepared_.tokenizer->decode(run);
  }

  void save_model(const fs::path& folder) override {
    models::save_pretrained_gpt(folder, model_, *prepared_.tokenizer);
  }

 private:
  const TrainConfig& config_;
  const PreparedData& prepared_;
  data::TokenFile train_;
  data::TokenFile validation_;
  models::Gpt model_;
  data::LmBatch batch_;  // kept until the next batch, so the tape's views stay valid
};

// The documents of a token file as text (each without its separator): the encoder's
// sentence pairs are drawn from them.
std::vector<std::string> decode_documents(const data::TokenFile& file,
                                          const text::Tokenizer& tokenizer) {
  std::vector<std::string> documents;
  const std::int32_t separator = file.header().separator;
  for (std::int64_t d = 0; d < file.document_count(); ++d) {
    const std::int64_t begin = file.document_start(d), end = file.document_start(d + 1);
    std::vector<std::int32_t> ids = file.tokens(begin, end - begin);
    if (!ids.empty() && ids.back() == separator) ids.pop_back();
    std::string text = tokenizer.decode(ids);
    if (text.find_first_not_of(" \t\r\n") != std::string::npos) {
      documents.push_back(std::move(text));
    }
  }
  return documents;
}

// Encoder: masked language modelling and next-sentence prediction on sentence pairs,
// loss = MLM + NSP (BERT).
class MlmNspObjective final : public Objective {
 public:
  MlmNspObjective(const TrainConfig& config, const PreparedData& prepared)
      : config_(config), prepared_(prepared), model_(config.model) {
    const text::BpeTokenizer& tokenizer = *prepared.tokenizer;
    const models::Family family = config.model.family;
    specials_ = {required_special(tokenizer, "[CLS]", family),
                 required_special(tokenizer, "[SEP]", family),
                 required_special(tokenizer, "[PAD]", family)};
    mlm_ = {required_special(tokenizer, "[MASK]", family),
            static_cast<std::int32_t>(tokenizer.vocab_size())};
    TINYGPT_CHECK(config.time() >= 5, "--context must be at least 5 for sentence pairs, got ",
                  config.time());
    const data::TokenFile train(prepared.dir / "train.tokens");
    const data::TokenFile validation(prepared.dir / "validation.tokens");
    train.check_tokenizer(prepared.tokenizer_hash);
    validation.check_tokenizer(prepared.tokenizer_hash);
    train_ = data::make_sentence_corpus(decode_documents(train, tokenizer), tokenizer);
    validation_ = data::make_sentence_corpus(decode_documents(validation, tokenizer), tokenizer);
    model_.init(config.seed);
  }

  ParameterSet& parameters() override { return model_.parameters(); }
  DataSize data_size() const override {
    return {static_cast<std::int64_t>(train_.pair_starts.size()), config_.batch, "training pairs",
            config_.batch * config_.time()};
  }

  Tensor loss(Tape& tape, const data::BatchKey& key, const models::RunOptions& options) override {
    batch_ = data::nsp_batch(train_, specials_, key, config_.time());
    mask_tokens(key.seed, key.step, key.first_example, key.batch);
    return mlm_plus_nsp(tape, key.batch, options);
  }
  Figures validate(Tape& tape, std::int64_t first, std::int64_t rows) override {
    batch_ = data::nsp_validation_batch(validation_, specials_, config_.seed, first, rows,
                                        config_.time());
    mask_tokens(config_.seed, data::kValidationStep, first, rows);
    return loss_figures(mlm_plus_nsp(tape, rows, {}));
  }

  void save_model(const fs::path& folder) override {
    models::save_model_folder(folder, model_.config(), model_.parameters(), *prepared_.tokenizer);
  }

 private:
  // BERT's 15% selection with 80/10/10, never on [CLS], [SEP] or [PAD].
  void mask_tokens(std::uint64_t seed, std::uint64_t step, std::int64_t first, std::int64_t rows) {
    const std::array<std::int32_t, 3> never = {specials_.cls, specials_.sep, specials_.pad};
    const std::vector<std::uint8_t> maskable = data::maskable_flags(batch_.ids, never);
    inputs_.resize(batch_.ids.size());
    targets_.resize(batch_.ids.size());
    data::mlm_mask_batch(inputs_, targets_, batch_.ids, maskable, rows, mlm_,
                         {seed, step, static_cast<std::uint64_t>(first)});
  }
  Tensor mlm_plus_nsp(Tape& tape, std::int64_t rows, const models::RunOptions& options) {
    const models::EncoderOutput out =
        model_.forward(tape, inputs_, batch_.type_ids, rows, batch_.mask, options);
    const Tensor mlm = nn::softmax_cross_entropy(tape, out.mlm_logits, targets_);
    const Tensor nsp = nn::softmax_cross_entropy(tape, out.nsp_logits, batch_.labels);
    return nn::add(tape, mlm, nsp);
  }

  const TrainConfig& config_;
  const PreparedData& prepared_;
  models::Encoder model_;
  data::NspSpecials specials_;
  data::MlmSettings mlm_;
  data::SentenceCorpus train_, validation_;
  data::NspBatch batch_;                        // kept until the next batch
  std::vector<std::int32_t> inputs_, targets_;  // the masked ids and the MLM targets
};

// Seq2seq: the decoder predicts the target sentence of a translation pair (teacher forcing).
class TranslationObjective final : public Objective {
 public:
  TranslationObjective(const TrainConfig& config, const PreparedData& prepared)
      : config_(config), prepared_(prepared), model_(config.model) {
    const text::BpeTokenizer& tokenizer = *prepared.tokenizer;
    const models::Family family = config.model.family;
    specials_ = {required_special(tokenizer, "[BOS]", family),
                 required_special(tokenizer, "[EOS]", family),
                 required_special(tokenizer, "[PAD]", family)};
    const data::TranslationSplit split = data::split_translation_pairs(prepared.pairs, 0.1);
    TINYGPT_CHECK(!split.train.empty() && !split.validation.empty(),
                  "--data: the translation pairs do not split into training and validation (",
                  split.train.size(), " and ", split.validation.size(), " pairs)");
    train_ = data::encode_translation_pairs(split.train, tokenizer);
    validation_ = data::encode_translation_pairs(split.validation, tokenizer);
    model_.init(config.seed);
  }

  ParameterSet& parameters() override { return model_.parameters(); }
  DataSize data_size() const override {
    return {static_cast<std::int64_t>(train_.size()), config_.batch, "training pairs",
            config_.batch * config_.time()};
  }

  Tensor loss(Tape& tape, const data::BatchKey& key, const models::RunOptions& options) override {
    batch_ = data::seq2seq_batch(train_, specials_, key, config_.time(), config_.time());
    return target_loss(tape, key.batch, options);
  }
  Figures validate(Tape& tape, std::int64_t first, std::int64_t rows) override {
    batch_ = data::seq2seq_validation_batch(validation_, specials_, first, rows, config_.time(),
                                            config_.time());
    return loss_figures(target_loss(tape, rows, {}));
  }

  void save_model(const fs::path& folder) override {
    models::save_model_folder(folder, model_.config(), model_.parameters(), *prepared_.tokenizer);
  }

 private:
  Tensor target_loss(Tape& tape, std::int64_t rows, const models::RunOptions& options) {
    const Tensor logits = model_.forward(tape, {batch_.source_ids, batch_.source_mask},
                                         {batch_.target_inputs, batch_.target_mask}, rows, options);
    return nn::softmax_cross_entropy(tape, logits, batch_.target_labels);
  }

  const TrainConfig& config_;
  const PreparedData& prepared_;
  models::Seq2Seq model_;
  data::Seq2SeqSpecials specials_;
  std::vector<data::EncodedPair> train_, validation_;
  data::Seq2SeqBatch batch_;  // kept until the next batch
};

}  // namespace

std::unique_ptr<Objective> make_pretraining_objective(const TrainConfig& config,
                                                      const PreparedData& prepared) {
  switch (config.model.family) {
    case models::Family::kGpt:
      return std::make_unique<CausalLmObjective>(config, prepared);
    case models::Family::kEncoder:
      return std::make_unique<MlmNspObjective>(config, prepared);
    case models::Family::kSeq2Seq:
      return std::make_unique<TranslationObjective>(config, prepared);
  }
  TINYGPT_CHECK(false, "train: unknown model family");
  return nullptr;
}

}  // namespace tinygpt::train::detail
