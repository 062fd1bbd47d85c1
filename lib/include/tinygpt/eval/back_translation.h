/// @file back_translation.h
/// @brief Back-translation (Sennrich, Haddow and Birch, "Improving Neural Machine Translation
/// Models with Monolingual Data", ACL 2016): sentences of the target language alone, translated
/// into the source language by a reverse model, become extra training pairs.
///
/// The experiment on a generated world's translation pairs (English -> the constructed
/// language), with few real pairs:
///
///   1. the first N training pairs are the real data; the constructed-language side of the
///      other training pairs is the monolingual text (their English is never read);
///   2. a reverse model (conlang -> English) trains on the N real pairs, turned around;
///   3. it translates M monolingual sentences into English; each (synthetic English, real
///      conlang sentence) is a new training pair;
///   4. the forward model trains on the N real pairs alone, or on those plus the M synthetic
///      ones, and both translate the test pairs for BLEU and chrF.
///
/// The synthetic side is the source: the model reads imperfect English but always learns to
/// write real, fluent conlang sentences, so the decoder (what a reader sees) learns from clean
/// text only.
///
/// The world copies keep the world's split by id (tune::split_of()): translation.jsonl holds
/// every dev and test record as it was; translation.txt, the file `tinygpt train` reads, holds
/// the training pairs alone, so that a model trained on the copy never sees a dev or test pair.
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "tinygpt/eval/significance.h"
#include "tinygpt/models/pretrained.h"

namespace tinygpt::eval {

/// @brief A world's translation pairs cut for back-translation.
struct BackTranslationData {
  /// The first N training records (split_of(id) is train), as they are: the real pairs.
  std::vector<nlohmann::ordered_json> real;
  /// The conlang side of the other training records, in file order, each sentence once; a
  /// sentence that is also the target of a dev or test pair is left out, so no held-out
  /// reference reaches training through the synthetic pairs.
  std::vector<std::string> monolingual;
  /// The id of the record each monolingual sentence came from (for the copy's provenance).
  std::vector<std::string> monolingual_ids;
  /// Every dev and test record, as it is.
  std::vector<nlohmann::ordered_json> held_out;
};

/// @brief Reads a world's translation.jsonl and cuts it for back-translation.
/// @param world a world folder with translation.jsonl (`tinygpt data generate --kinds
///        translation`); Error naming the file, line and field when it is missing or bad.
/// @param real N, the real training pairs kept, at least 1; Error when the world has fewer.
/// @return the real pairs, the monolingual sentences and the held-out records.
BackTranslationData read_back_translation_data(const std::filesystem::path& world,
                                               std::int64_t real);

/// @brief The pairs of one split of a world's translation.jsonl, in file order.
/// @param world the folder.
/// @param split "train", "dev" or "test" (anything else: Error).
/// @return (English, conlang) of each record of that split.
std::vector<std::pair<std::string, std::string>> translation_split(
    const std::filesystem::path& world, std::string_view split);

/// @brief Translates sentences with an encoder-decoder, greedily: the encoder reads a source
/// once, then the decoder, fed [BOS] and the tokens chosen so far, picks its most likely next
/// token (ids the tokenizer cannot decode never) until [EOS] or the context is full.
/// Sentences are decoded `batch` at a time, padded; a row's result does not depend on the
/// others in its batch (the padding is masked).
/// @param model a loaded model folder holding a seq2seq model whose tokenizer has [BOS], [EOS]
///        and [PAD] (as `tinygpt train` saves them); Error naming `origin` otherwise.
/// @param origin the folder it was loaded from, for messages.
/// @param sources the sentences to translate; a source longer than the context is cut.
/// @param batch sentences per forward pass, at least 1.
/// @return one translation per source, in order (without [BOS] and [EOS]): the decoded bytes
///         made valid UTF-8 (core/utf8.h's valid_utf8()) with each tab and line break turned
///         into a space, so that a translation is one line of text.
std::vector<std::string> translate_greedy(models::ModelFolder& model,
                                          const std::filesystem::path& origin,
                                          std::span<const std::string> sources,
                                          std::int64_t batch = 32);

/// @brief How to write a back-translation world copy.
struct BackTranslationCopy {
  /// Synthetic English for the first synthetic.size() monolingual sentences (sentence k's
  /// back-translation at k); empty writes the real pairs alone, the baseline.
  std::vector<std::string> synthetic;
  /// translation.txt as "conlang<TAB>English" lines: the reverse model's training data (with
  /// no synthetic pairs). translation.jsonl keeps its fields by their names either way.
  bool reverse = false;
};

/// @brief What write_back_translation_world() wrote.
struct BackTranslationWorld {
  std::int64_t real = 0;       ///< real training pairs
  std::int64_t synthetic = 0;  ///< synthetic training pairs
  std::int64_t empty = 0;      ///< back-translations left out because they were empty
  std::int64_t held_out = 0;   ///< dev and test pairs, as they were
};

/// @brief Writes a world copy for the experiment: every file byte for byte except
/// translation.jsonl (the real training records, then one record per synthetic pair: id
/// tune::next_training_id("translation", "bt", ...), the synthetic "english", the monolingual
/// "conlang", the source record's "form" and "back_translation_of" its id; an empty synthetic
/// English is left out and counted; then every dev and test record) and translation.txt (the
/// training pairs alone). The copy is written into a temporary sibling folder and renamed to `out`
/// when complete, so `out` never holds half a world.
/// @param world the world folder `data` was read from.
/// @param data its cut (read_back_translation_data()).
/// @param copy the synthetic English and the direction.
/// @param out a new or empty folder outside `world` (Error otherwise).
/// @return the counts.
BackTranslationWorld write_back_translation_world(const std::filesystem::path& world,
                                                  const BackTranslationData& data,
                                                  const BackTranslationCopy& copy,
                                                  const std::filesystem::path& out);

/// @brief Two systems' translations of the same sentences, compared.
struct TranslationComparison {
  PairedBootstrap bleu;  ///< corpus BLEU (sacreBLEU's defaults: 13a, exp smoothing), A - B
  PairedBootstrap chrf;  ///< corpus chrF2, A - B
};

/// @brief Corpus BLEU and chrF of two systems on one test set, each with Koehn's paired
/// bootstrap (paired_bootstrap_corpus(): every resample rescored from the sentences' summed
/// statistics, never from averaged sentence scores).
/// @param a (N) system A's translations, N >= 1.
/// @param b (N) system B's translations of the same sentences.
/// @param references (N) the reference translations; Error when the three differ in length.
/// @param options resamples and seed.
/// @return both tests.
TranslationComparison compare_translations(std::span<const std::string> a,
                                           std::span<const std::string> b,
                                           std::span<const std::string> references,
                                           const BootstrapOptions& options = {});

}  // namespace tinygpt::eval
