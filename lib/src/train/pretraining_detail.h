// Pre-training (train/trainer.h): the data a family trains on, and the family's objective.
// Private to train.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tinygpt/data/corpus.h"
#include "tinygpt/text/bpe.h"
#include "tinygpt/train/loop.h"
#include "tinygpt/train/objective.h"
#include "tinygpt/train/trainer.h"

namespace tinygpt::train::detail {

// What the data preparation gives the objectives.
struct PreparedData {
  std::optional<text::BpeTokenizer> tokenizer;  // always set by prepare_data
  std::uint64_t tokenizer_hash = 0;
  std::int32_t end_of_text = -1;
  std::filesystem::path dir;  // holds train.tokens, validation.tokens (not seq2seq), tokenizer.bpe
  std::vector<data::TranslationPair> pairs;  // seq2seq only
};

// Whether a folder holds train.tokens and validation.tokens.
bool has_token_files(const std::filesystem::path& dir);
// The translation pairs of a folder made by `tinygpt data generate`, or "" when none.
std::filesystem::path translation_file(const std::filesystem::path& dir);

// The family's data: token files as given, or a text corpus tokenised into out/data (once:
// a resumed run reuses them); for seq2seq, the translation pairs and their tokenizer.
// `reader`: rank 0 has prepared out/data already; read what it wrote.
PreparedData prepare_data(const TrainConfig& config, const TrainCallbacks& callbacks, bool reader);

// The objective of the config's family, its model initialised from the config's seed.
// `config` and `prepared` must outlive it.
std::unique_ptr<Objective> make_pretraining_objective(const TrainConfig& config,
                                                      const PreparedData& prepared);

// The pre-training settings as members of a JSON object without the braces (RunRecord).
std::string pretraining_settings_json(const TrainConfig& config);

}  // namespace tinygpt::train::detail
