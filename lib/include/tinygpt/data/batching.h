/// @file batching.h
/// @brief Training batches of the three model families, each a pure function of
/// (seed, step, global example index): causal-LM windows from a token file, sentence pairs
/// for next-sentence prediction, and source/target pairs for the encoder-decoder.
///
/// Example e of step s draws only from CounterRng(seed, RngStream::kData, s, e). Nothing
/// is carried from one step to the next, so a resumed run draws exactly the batches it
/// would have drawn, and a process that holds examples [e0, e0 + B) of a larger global
/// batch draws exactly those rows of it: N processes together see the batch one process
/// would see. Validation batches are deterministic too and do not depend on the step.
///
/// Legend: B = examples in the batch, T = tokens per example (target side for
/// seq2seq), S = source tokens per example. Every id array is flat and row-major,
/// (B*T): row b is example first_example + b, as the models' forward() take them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tinygpt/data/objectives.h"
#include "tinygpt/data/token_file.h"
#include "tinygpt/text/tokenizer.h"

namespace tinygpt::data {

/// The step whose draws validation uses where it must sample (NSP pairs): fixed, so the
/// validation set is the same at every evaluation, and above any real training step.
inline constexpr std::uint64_t kValidationStep = 0xFFFFFFFFu;

/// @brief Which rows of which global batch to draw.
struct BatchKey {
  std::uint64_t seed = 0;          ///< the run's seed
  std::uint64_t step = 0;          ///< the training step, below 2^32
  std::int64_t first_example = 0;  ///< e0: global index, within the step, of row 0
  std::int64_t batch = 0;          ///< B: rows to draw, examples [e0, e0 + B)
};

// ---------------------------------------------------------------------------------------
// Causal language modelling (GPT)

/// @brief Inputs and next-token targets of causal language modelling.
struct LmBatch {
  std::int64_t batch = 0;             ///< B
  std::int64_t time = 0;              ///< T
  std::vector<std::int32_t> inputs;   ///< (B*T) tokens [start, start + T) of each window
  std::vector<std::int32_t> targets;  ///< (B*T) tokens [start + 1, start + T + 1): shifted by one
  std::vector<std::int64_t> starts;   ///< (B) each window's first position in the token file
};

/// @brief Where training window e of step s starts: uniform over every window of T + 1
/// tokens that fits, i.e. in [0, N - T - 1], from CounterRng(seed, kData, step, example).
/// @param token_count N, at least T + 1.
/// @param time T, at least 1.
/// @param seed the run's seed.
/// @param step the training step.
/// @param example the global example index.
/// @return the start position.
std::int64_t causal_lm_window_start(std::int64_t token_count, std::int64_t time, std::uint64_t seed,
                                    std::uint64_t step, std::int64_t example);

/// @brief A training batch of random windows (causal_lm_window_start() per row).
/// @param file the training token file, at least T + 1 tokens.
/// @param key seed, step and rows.
/// @param time T.
/// @return the batch.
LmBatch causal_lm_batch(const TokenFile& file, const BatchKey& key, std::int64_t time);

/// @brief Number of validation windows: consecutive, non-overlapping windows of T inputs,
/// window w starting at w * T, as many as fit with their extra target token.
/// @param token_count N.
/// @param time T, at least 1.
/// @return floor((N - 1) / T), or 0 for an empty file.
std::int64_t causal_lm_validation_windows(std::int64_t token_count, std::int64_t time);

/// @brief A validation batch: rows are windows first_window, first_window + 1, ... (modulo
/// the window count), so evaluating every window once covers the file once. No randomness.
/// @param file the validation token file, at least T + 1 tokens.
/// @param first_window index of row 0's window.
/// @param batch B.
/// @param time T.
/// @return the batch.
LmBatch causal_lm_validation_batch(const TokenFile& file, std::int64_t first_window,
                                   std::int64_t batch, std::int64_t time);

// ---------------------------------------------------------------------------------------
// Next-sentence prediction (encoder)

/// @brief The sentences of a text: each ends with '.', '?' or '!' followed by white space
/// or the end (the generated stories: "... a cat. She ..."); leading and trailing white
/// space trimmed; a trailing piece without a full stop is a sentence too.
/// @param text a document.
/// @return its sentences, in order.
std::vector<std::string> split_sentences(std::string_view text);

/// @brief Documents split into sentences, each sentence tokenised on its own.
///
/// Document d is record d, so sentence and document indices name records of the corpus
/// they came from. The layout is objectives.h's SentenceDocuments with the tokens added:
/// document d holds sentences [document_starts[d], document_starts[d + 1]).
struct SentenceCorpus {
  std::vector<std::int32_t> tokens;           ///< every sentence's ids, one after another
  std::vector<std::int64_t> sentence_starts;  ///< (sentences + 1) offsets into tokens
  std::vector<std::int64_t> document_starts;  ///< (documents + 1) offsets into sentences
  /// Sentences followed by another sentence of their document: the possible first
  /// sentences (A) of a pair, in order.
  std::vector<std::int64_t> pair_starts;

  /// @return the number of sentences.
  std::int64_t sentence_count() const;
  /// @return the number of documents.
  std::int64_t document_count() const;
  /// @param index a sentence in [0, sentence_count()).
  /// @return its token ids.
  std::span<const std::int32_t> sentence(std::int64_t index) const;
  /// @param index a sentence in [0, sentence_count()).
  /// @return the document that holds it.
  std::int64_t document_of(std::int64_t index) const;
};

/// @brief Splits documents into sentences (split_sentences()) and tokenises each. A
/// document without a sentence (only white space) is an Error.
/// @param documents the records, e.g. a corpus's training side.
/// @param tokenizer the tokenizer.
/// @return the sentence corpus.
SentenceCorpus make_sentence_corpus(std::span<const std::string> documents,
                                    const text::Tokenizer& tokenizer);

/// @brief The special tokens of a sentence pair.
struct NspSpecials {
  std::int32_t cls = 0;  ///< [CLS], first in every row; the encoder pools it
  std::int32_t sep = 0;  ///< [SEP], after A and after B
  std::int32_t pad = 0;  ///< [PAD], filling the row after the second [SEP]
};

/// @brief Sentence pairs for next-sentence prediction: rows [CLS] A [SEP] B [SEP] [PAD]...
struct NspBatch {
  std::int64_t batch = 0;              ///< B
  std::int64_t time = 0;               ///< T
  std::vector<std::int32_t> ids;       ///< (B*T) token ids
  std::vector<std::int32_t> type_ids;  ///< (B*T) 0 for [CLS] A [SEP] and padding, 1 for B [SEP]
  std::vector<std::uint8_t> mask;      ///< (B*T) 1 for a token, 0 for padding
  std::vector<std::int32_t> labels;    ///< (B) 0: B is A's next sentence; 1: B is random
  std::vector<std::int64_t> first;     ///< (B) A's sentence index in the corpus
  std::vector<std::int64_t> second;    ///< (B) B's sentence index in the corpus
};

/// @brief A batch of sentence pairs. Row b's pair is nsp_sample_pair() (objectives.h,
/// exercise 03.5) of the corpus's documents with ExampleKey{seed, step, first_example + b}:
/// A uniform among corpus.pair_starts, then a fair coin: B is A's next sentence (label 0)
/// or a uniform sentence of a uniform other document (label 1), all drawn from
/// CounterRng(seed, kData, step, first_example + b). When A and B do not fit in T - 3
/// tokens, the longer is cut at its end, one token at a time.
/// @param corpus sentences of one side of the split (pairs never mix sides), with at least
///        one pair start and two documents.
/// @param specials [CLS], [SEP], [PAD].
/// @param key seed, step and rows.
/// @param time T, at least 5.
/// @return the batch.
NspBatch nsp_batch(const SentenceCorpus& corpus, const NspSpecials& specials, const BatchKey& key,
                   std::int64_t time);

/// @brief A validation batch: nsp_batch() at step kValidationStep, so the same rows at
/// every evaluation.
/// @param corpus the validation side's sentences.
/// @param specials [CLS], [SEP], [PAD].
/// @param seed the run's seed.
/// @param first_example index of row 0.
/// @param batch B.
/// @param time T.
/// @return the batch.
NspBatch nsp_validation_batch(const SentenceCorpus& corpus, const NspSpecials& specials,
                              std::uint64_t seed, std::int64_t first_example, std::int64_t batch,
                              std::int64_t time);

// ---------------------------------------------------------------------------------------
// Sequence to sequence (encoder-decoder)

/// @brief A parallel sentence pair, as text.
struct TranslationPair {
  std::string source;  ///< English
  std::string target;  ///< the constructed language
};

/// @brief Reads the generated translation pairs: translation.txt (English, a tab, the
/// conlang sentence per line) or translation.jsonl (fields `english` and `conlang`), by
/// the file's extension. Throws Error naming the file and line of a malformed record.
/// @param path the file.
/// @return the pairs, in file order.
std::vector<TranslationPair> load_translation_pairs(const std::filesystem::path& path);

/// @brief Translation pairs split into training and validation.
struct TranslationSplit {
  std::vector<TranslationPair> train;       ///< in file order
  std::vector<TranslationPair> validation;  ///< in file order
};

/// @brief Splits pairs by is_validation_record() of "source\ttarget" (a translation.txt
/// line), so a pair's side depends on its text alone and a repeated pair stays on one side.
/// @param pairs the pairs.
/// @param validation_fraction in [0, 1].
/// @return the two sides.
TranslationSplit split_translation_pairs(std::span<const TranslationPair> pairs,
                                         double validation_fraction);

/// @brief A pair as token ids, without specials.
struct EncodedPair {
  std::vector<std::int32_t> source;  ///< the source sentence's ids
  std::vector<std::int32_t> target;  ///< the target sentence's ids
};

/// @brief Tokenises pairs (both sides with the same tokenizer).
/// @param pairs the pairs.
/// @param tokenizer the tokenizer.
/// @return the encoded pairs, in the same order.
std::vector<EncodedPair> encode_translation_pairs(std::span<const TranslationPair> pairs,
                                                  const text::Tokenizer& tokenizer);

/// @brief The special tokens of the decoder.
struct Seq2SeqSpecials {
  std::int32_t bos = 0;  ///< begins every target input
  std::int32_t eos = 0;  ///< ends every target label
  std::int32_t pad = 0;  ///< fills rows after the sequence
};

/// @brief Source ids and the decoder's shifted target: inputs BOS + target, labels
/// target + EOS, so label t is input t + 1 (teacher forcing).
struct Seq2SeqBatch {
  std::int64_t batch = 0;                   ///< B
  std::int64_t source_time = 0;             ///< S
  std::int64_t target_time = 0;             ///< T
  std::vector<std::int32_t> source_ids;     ///< (B*S) source ids, then [PAD]
  std::vector<std::uint8_t> source_mask;    ///< (B*S) 1 token, 0 padding
  std::vector<std::int32_t> target_inputs;  ///< (B*T) BOS + target, then [PAD]
  std::vector<std::int32_t> target_labels;  ///< (B*T) target + EOS, then kIgnoreTarget
  std::vector<std::uint8_t> target_mask;    ///< (B*T) 1 token, 0 padding
  std::vector<std::int64_t> pairs;          ///< (B) each row's pair index
};

/// @brief A training batch: row b is pair CounterRng(seed, kData, step, first_example +
/// b).below(pairs.size()). A source longer than S is cut to S; a target longer than T - 1
/// is cut so that inputs and labels fill T (its EOS then falls off the end).
/// @param pairs one side of the split, not empty.
/// @param specials BOS, EOS, PAD.
/// @param key seed, step and rows.
/// @param source_time S, at least 1.
/// @param target_time T, at least 1.
/// @return the batch.
Seq2SeqBatch seq2seq_batch(std::span<const EncodedPair> pairs, const Seq2SeqSpecials& specials,
                           const BatchKey& key, std::int64_t source_time, std::int64_t target_time);

/// @brief A validation batch: row b is pair (first_pair + b) modulo pairs.size(). No
/// randomness; evaluating every pair once covers the side once.
/// @param pairs the validation side, not empty.
/// @param specials BOS, EOS, PAD.
/// @param first_pair index of row 0's pair.
/// @param batch B.
/// @param source_time S.
/// @param target_time T.
/// @return the batch.
Seq2SeqBatch seq2seq_validation_batch(std::span<const EncodedPair> pairs,
                                      const Seq2SeqSpecials& specials, std::int64_t first_pair,
                                      std::int64_t batch, std::int64_t source_time,
                                      std::int64_t target_time);

}  // namespace tinygpt::data
