// Pre-training data (pretraining_detail.h): token files as given or tokenised from text
// into out/data, or translation pairs, with the tokenizer that goes with them.
#include "pretraining_detail.h"

#include "tinygpt/core/check.h"
#include "tinygpt/data/batching.h"
#include "tinygpt/data/token_file.h"

namespace tinygpt::train::detail {

namespace fs = std::filesystem;

namespace {

void say(const TrainCallbacks& callbacks, const std::string& message) {
  if (callbacks.on_message) callbacks.on_message(message);
}

// The special tokens a tokenizer trained for a family gets.
std::vector<std::string> family_specials(models::Family family) {
  switch (family) {
    case models::Family::kGpt:
      return {"<|endoftext|>"};
    case models::Family::kEncoder:
      return {"<|endoftext|>", "[CLS]", "[SEP]", "[PAD]", "[MASK]"};
    case models::Family::kSeq2Seq:
      return {"<|endoftext|>", "[BOS]", "[EOS]", "[PAD]"};
  }
  return {};
}

text::BpeTokenizer train_tokenizer(const TrainConfig& config, const std::string& text,
                                   const TrainCallbacks& callbacks) {
  say(callbacks,
      "training a byte-level BPE of " + std::to_string(config.model.vocab_size) + " tokens");
  const std::vector<std::string> specials = family_specials(config.model.family);
  return text::BpeTokenizer::train(text, static_cast<std::int32_t>(config.model.vocab_size),
                                   specials);
}

// A file rank 0 wrote, which another rank must see: the ranks share `out`.
void require_shared(const fs::path& file) {
  TINYGPT_CHECK(fs::is_regular_file(file), file.string(),
                ": rank 0 wrote it but this rank cannot see it; the ranks of a data-parallel run "
                "need a shared filesystem for --out");
}

// Seq2seq: the translation pairs, and a tokenizer (--tokenizer, the data's tokenizer.bpe,
// or one trained on both sides of the pairs into out/data, reused on resume).
void prepare_pairs(const TrainConfig& config, const TrainCallbacks& callbacks, bool reader,
                   PreparedData& prepared) {
  const fs::path file = translation_file(config.data);
  say(callbacks, "reading translation pairs from " + file.string());
  prepared.pairs = data::load_translation_pairs(file);
  TINYGPT_CHECK(prepared.pairs.size() >= 2, "--data ", file.string(),
                ": too few translation pairs to split into training and validation");
  prepared.dir = config.out / "data";
  const fs::path saved = prepared.dir / "tokenizer.bpe";
  if (!config.tokenizer.empty()) {
    prepared.tokenizer = text::BpeTokenizer::load(config.tokenizer);
  } else if (fs::is_regular_file(config.data / "tokenizer.bpe")) {
    prepared.tokenizer = text::BpeTokenizer::load(config.data / "tokenizer.bpe");
  } else if (reader || (config.resume && fs::is_regular_file(saved))) {
    require_shared(saved);
    prepared.tokenizer = text::BpeTokenizer::load(saved);
  } else {
    std::string text;
    for (const data::TranslationPair& pair : prepared.pairs) {
      text += pair.source + "\n" + pair.target + "\n";
    }
    prepared.tokenizer = train_tokenizer(config, text, callbacks);
    fs::create_directories(prepared.dir);
    prepared.tokenizer->save(saved);
  }
}

// Token files as given, or a text corpus tokenised into out/data (once: a resumed run
// reuses them).
void prepare_token_files(const TrainConfig& config, const TrainCallbacks& callbacks, bool reader,
                         PreparedData& prepared) {
  if (fs::is_directory(config.data) && has_token_files(config.data)) {
    prepared.dir = config.data;
    const fs::path tokenizer_path =
        config.tokenizer.empty() ? config.data / "tokenizer.bpe" : config.tokenizer;
    TINYGPT_CHECK(fs::is_regular_file(tokenizer_path), "--data ", config.data.string(),
                  ": no tokenizer.bpe beside the token files; give the tokenizer that made them "
                  "with --tokenizer");
    prepared.tokenizer = text::BpeTokenizer::load(tokenizer_path);
    return;
  }
  prepared.dir = config.out / "data";
  const fs::path tokenizer_path = prepared.dir / "tokenizer.bpe";
  if (reader) {
    for (const char* name : {"tokenizer.bpe", "train.tokens", "validation.tokens"}) {
      require_shared(prepared.dir / name);
    }
  }
  if ((reader || config.resume) && has_token_files(prepared.dir) &&
      fs::is_regular_file(tokenizer_path)) {
    prepared.tokenizer = text::BpeTokenizer::load(tokenizer_path);
    return;
  }
  data::Corpus corpus;
  if (fs::is_directory(config.data)) {
    say(callbacks, "reading the generated world in " + config.data.string());
    corpus = data::load_world_corpus(config.data);
  } else {
    say(callbacks, "reading " + config.data.string());
    const std::vector<fs::path> files = {config.data};
    corpus = data::load_text_files(files, {});
  }
  if (!config.tokenizer.empty()) {
    prepared.tokenizer = text::BpeTokenizer::load(config.tokenizer);
  } else {
    prepared.tokenizer =
        train_tokenizer(config, data::join_records(corpus.train, "\n\n"), callbacks);
  }
  say(callbacks, "tokenising into " + prepared.dir.string());
  fs::create_directories(prepared.dir);
  prepared.tokenizer->save(tokenizer_path);
  data::write_corpus_token_files(corpus, *prepared.tokenizer, prepared.dir);
}

}  // namespace

bool has_token_files(const fs::path& dir) {
  return fs::is_regular_file(dir / "train.tokens") &&
         fs::is_regular_file(dir / "validation.tokens");
}

fs::path translation_file(const fs::path& dir) {
  for (const char* name : {"translation.txt", "translation.jsonl"}) {
    if (fs::is_regular_file(dir / name)) return dir / name;
  }
  return {};
}

PreparedData prepare_data(const TrainConfig& config, const TrainCallbacks& callbacks, bool reader) {
  PreparedData prepared;
  if (config.model.family == models::Family::kSeq2Seq) {
    prepare_pairs(config, callbacks, reader, prepared);
  } else {
    prepare_token_files(config, callbacks, reader, prepared);
  }
  TINYGPT_CHECK(prepared.tokenizer->vocab_size() <= config.model.vocab_size, "the tokenizer has ",
                prepared.tokenizer->vocab_size(), " tokens but the model's vocab_size is ",
                config.model.vocab_size,
                "; use a model config with vocab_size >= ", prepared.tokenizer->vocab_size());
  if (prepared.tokenizer->vocab_size() < config.model.vocab_size) {
    say(callbacks, "note: the tokenizer has " + std::to_string(prepared.tokenizer->vocab_size()) +
                       " tokens, the model " + std::to_string(config.model.vocab_size) +
                       "; the ids above the tokenizer's never occur in the data");
  }
  prepared.tokenizer_hash = data::tokenizer_hash(*prepared.tokenizer);
  prepared.end_of_text = data::end_of_text_id(*prepared.tokenizer);
  return prepared;
}

}  // namespace tinygpt::train::detail
