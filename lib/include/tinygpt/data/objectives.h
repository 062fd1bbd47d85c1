/// @file objectives.h
/// @brief The examples of BERT's two pre-training objectives, as pure functions of
/// (seed, step, example index): masked-language-model masking and next-sentence pairs.
///
/// Masked language modelling (Devlin et al., "BERT", 2019): about 15% of the eligible
/// positions of a sequence are selected; the model must predict their original tokens.
/// Of the selected positions 80% are replaced by [MASK], 10% by a random token and 10%
/// keep their token, so the model cannot learn "predict only where [MASK] is" (there is
/// no [MASK] at fine-tuning time) and must keep a good representation of every token.
///
/// Next-sentence prediction: sentence A and a sentence B that is either the sentence that
/// really follows A in its document (label 0, "is next") or a sentence from another
/// document (label 1, "not next"), half and half.
///
/// Every random decision is an integer drawn with CounterRng::below(), so the same key
/// gives the same example on every platform, in any process, in any order, and resuming or
/// sharding a run changes nothing. No file I/O here: the data pipeline calls these.
///
/// The bodies of mlm_mask (exercise 03.4) and nsp_sample_pair (exercise 03.5) are in
/// solutions/03-pretraining/masking.cpp and solutions/03-pretraining/nsp.cpp, the learner's
/// stubs in exercises/03-pretraining/ under the same names; the rest is
/// lib/src/data/objectives.cpp.
/// Shapes: T = positions of one sequence, B = sequences of a batch.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace tinygpt::data {

/// Target of a position that takes no part in the loss (nn::softmax_cross_entropy's default
/// ignore_index).
inline constexpr std::int32_t kIgnoreTarget = -1;

/// @brief Which example a random decision belongs to: the run's seed, the training step and
/// the global index of the example in the run.
struct ExampleKey {
  std::uint64_t seed = 0;     ///< the run's seed
  std::uint64_t step = 0;     ///< the training step, below 2^32
  std::uint64_t example = 0;  ///< the global example index, below 2^48
};

/// @brief What mlm_mask needs besides the sequence.
struct MlmSettings {
  std::int32_t mask_id = 0;     ///< the [MASK] token's id, in [0, vocab_size)
  std::int32_t vocab_size = 0;  ///< V: random replacements are drawn from [0, V)
};

/// @brief BERT's masking of one sequence (exercise 03.4).
///
/// With rng = CounterRng(key.seed, RngStream::kMasking, key.step, key.example), positions are
/// visited in order t = 0, 1, ..., T-1, and an eligible position (maskable[t] != 0) draws:
///   1. s = rng.below(100); the position is selected when s < 15 (probability 0.15);
///   2. when selected, r = rng.below(10): r < 8 puts mask_id (80%), r == 8 puts
///      rng.below(vocab_size), a random token (10%), r == 9 keeps the token (10%).
/// A position that is not eligible draws nothing and is never selected. Following exactly
/// this order of draws is part of the contract (golden values are tested).
/// @param inputs (T) output: the model's input, ids with the replacements made.
/// @param targets (T) output: ids[t] at selected positions, kIgnoreTarget elsewhere.
/// @param ids (T) the original token ids, each in [0, vocab_size).
/// @param maskable (T) 1 where a position may be selected, 0 for special tokens and padding.
/// @param settings mask id and vocabulary size.
/// @param key the example's key.
void mlm_mask(std::span<std::int32_t> inputs, std::span<std::int32_t> targets,
              std::span<const std::int32_t> ids, std::span<const std::uint8_t> maskable,
              const MlmSettings& settings, const ExampleKey& key);

/// @brief mlm_mask for a batch: row b is example key.example + b.
/// @param inputs (B*T) output, as mlm_mask's, row after row.
/// @param targets (B*T) output, as mlm_mask's.
/// @param ids (B*T) the original ids.
/// @param maskable (B*T) eligibility flags.
/// @param batch B, which must divide the length of ids.
/// @param settings mask id and vocabulary size.
/// @param key key of the batch's first row.
void mlm_mask_batch(std::span<std::int32_t> inputs, std::span<std::int32_t> targets,
                    std::span<const std::int32_t> ids, std::span<const std::uint8_t> maskable,
                    std::int64_t batch, const MlmSettings& settings, const ExampleKey& key);

/// @brief Eligibility flags: 1 everywhere except at the listed special ids ([CLS], [SEP],
/// padding, ...), which are never selected for masking.
/// @param ids (T) token ids.
/// @param special_ids ids that must never be masked.
/// @return (T) flags for mlm_mask.
std::vector<std::uint8_t> maskable_flags(std::span<const std::int32_t> ids,
                                         std::span<const std::int32_t> special_ids);

/// @brief The sentences of a corpus, grouped into documents: document d holds the
/// consecutive sentence indices [first_sentence(d), first_sentence(d) + sentence_count(d)).
class SentenceDocuments {
 public:
  /// @brief Throws Error when there are fewer than 2 documents, a document is empty, no
  /// document has 2 sentences (so no true pair exists), or a count does not fit 32 bits.
  /// @param sentences_per_document the number of sentences of each document, in order.
  explicit SentenceDocuments(std::span<const std::int64_t> sentences_per_document);

  /// @return D, the number of documents.
  std::int64_t documents() const { return static_cast<std::int64_t>(starts_.size()) - 1; }
  /// @return the number of sentences of all documents.
  std::int64_t sentences() const { return starts_.back(); }
  /// @param document d in [0, D).
  /// @return the index of its first sentence.
  std::int64_t first_sentence(std::int64_t document) const;
  /// @param document d in [0, D).
  /// @return its number of sentences, at least 1.
  std::int64_t sentence_count(std::int64_t document) const;
  /// @param sentence a sentence index in [0, sentences()).
  /// @return the document holding it.
  std::int64_t document_of(std::int64_t sentence) const;
  /// @return the number of sentences that have a next sentence in their document
  /// (sentences() - documents()): the possible first sentences of a pair.
  std::int64_t pair_starts() const { return sentences() - documents(); }
  /// @param k in [0, pair_starts()).
  /// @return the k-th sentence (in corpus order) that has a next sentence in its document.
  std::int64_t nth_pair_start(std::int64_t k) const;

 private:
  std::vector<std::int64_t> starts_;  // (D+1) first sentence of each document, then the total
};

/// @brief A next-sentence-prediction example: two sentence indices and the label.
struct NspPair {
  std::int64_t first = 0;   ///< sentence A
  std::int64_t second = 0;  ///< sentence B
  std::int32_t label = 0;   ///< 0: B follows A in the same document; 1: B is from another document
};

/// @brief Chooses one NSP example (exercise 03.5).
///
/// With rng = CounterRng(key.seed, RngStream::kData, key.step, key.example), in this order:
///   1. A = documents.nth_pair_start(rng.below(pair_starts())): A always has a next sentence,
///      whichever the label, so A alone says nothing about the label;
///   2. coin = rng.below(2); coin 0 gives B = A + 1, label 0;
///   3. coin 1: with d = document_of(A), o = rng.below(D - 1), and o += 1 when o >= d (every
///      other document equally likely); B = first_sentence(o) + rng.below(sentence_count(o)),
///      label 1.
/// @param documents the corpus's sentences and documents.
/// @param key the example's key.
/// @return the pair.
NspPair nsp_sample_pair(const SentenceDocuments& documents, const ExampleKey& key);

}  // namespace tinygpt::data
