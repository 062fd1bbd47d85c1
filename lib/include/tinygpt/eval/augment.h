/// @file augment.h
/// @brief EDA, "easy data augmentation" (Wei and Zou, 2019): four cheap edits that turn one
/// labelled sentence into several for a classifier with few labels.
///
/// The four operations, on a text's words (maximal runs of bytes that are not ASCII white
/// space, punctuation attached), with n = max(1, round(alpha * words)):
///
///   - synonym replacement (SR): n words of the synonym table (perturb.h's, the world's
///     review vocabulary and near-synonyms) replaced by another word of their group;
///   - random insertion (RI): n times, a synonym of a random table word of the text put in
///     at a random gap between words;
///   - random swap (RS): n times, two random words change places;
///   - random deletion (RD): each word deleted with probability p (exercise 06.7).
///
/// Unlike the paper, which knows no grammar, the structural words that decide a review's
/// label (perturb.h's structural_words(): "not", "but", ...) are never deleted or moved,
/// so a negated review stays negated; a swap of two other words may still read oddly, as in
/// the paper. Every augmented text is a pure function of (seed, text index, copy), drawn
/// from CounterRng(seed, kDemo, kEdaStep, index * kEdaCopies + copy).
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tinygpt::eval {

/// The step of EDA's CounterRng(seed, kDemo, step, index * kEdaCopies + copy).
inline constexpr std::uint64_t kEdaStep = 6010;
/// The most copies of one text eda() makes (the stride of the draws' index).
inline constexpr std::int64_t kEdaCopies = 64;

/// @brief One of EDA's four operations.
enum class EdaOperation {
  kSynonymReplacement,  ///< SR
  kRandomInsertion,     ///< RI
  kRandomSwap,          ///< RS
  kRandomDeletion,      ///< RD
};

/// @param operation an operation.
/// @return its short name: "SR", "RI", "RS" or "RD".
std::string_view eda_operation_name(EdaOperation operation);

/// @brief Random deletion of words, given their draws (exercise 06.7:
/// solutions/06-evaluation/random_deletion.cpp). Word i is kept when draws[i] >= p or when
/// it is a structural word (perturb.h's is_structural_word()); the others are deleted. When
/// that deletes every word, the one word at index floor(u_keep * words) is kept instead, so
/// a text never becomes empty. No words give no words.
/// @param words the words, in order.
/// @param p the probability of deleting a word, in [0, 1].
/// @param draws one uniform draw in [0, 1) per word.
/// @param u_keep a uniform draw in [0, 1) for the word kept when all would go.
/// @return the words kept, in order.
std::vector<std::string> random_deletion(std::span<const std::string> words, double p,
                                         std::span<const float> draws, float u_keep);

/// @brief How much EDA changes (the paper's defaults: every alpha 0.1, 4 copies).
struct EdaOptions {
  double alpha_sr = 0.1;    ///< SR changes n = max(1, round(alpha_sr * words)) words
  double alpha_ri = 0.1;    ///< RI inserts that many words
  double alpha_rs = 0.1;    ///< RS makes that many swaps
  double p_rd = 0.1;        ///< RD deletes each word with this probability
  std::int64_t copies = 4;  ///< augmented texts per text, 1 to kEdaCopies
};

/// @brief One EDA operation on one text.
/// @param text the text.
/// @param operation which operation.
/// @param options the operations' strengths (copies is not used).
/// @param seed the augmentation's seed.
/// @param index the draws' index (eda() passes text index * kEdaCopies + copy).
/// @return the edited text: words joined by single spaces (RS, RI, RD) or the text with
///         its table words replaced in place (SR). A text without the operation's units
///         (no table word for SR and RI, fewer than two movable words for RS) comes back
///         unchanged.
std::string eda_operation(std::string_view text, EdaOperation operation, const EdaOptions& options,
                          std::uint64_t seed, std::uint64_t index);

/// @brief EDA's copies of one text: copy k applies operation k mod 4 (SR, RI, RS, RD, SR,
/// ...), as the paper spreads its copies over the four.
/// @param text the text.
/// @param options strengths and copies; Error naming the option when an alpha or p is
///        outside [0, 1] or copies is outside [1, kEdaCopies].
/// @param seed the augmentation's seed.
/// @param index the text's index in its set.
/// @return `copies` texts (some may equal the original when an operation does not apply).
std::vector<std::string> eda(std::string_view text, const EdaOptions& options, std::uint64_t seed,
                             std::uint64_t index);

/// @brief What write_eda_world() wrote.
struct EdaWorld {
  std::int64_t originals = 0;  ///< training reviews kept
  std::int64_t copies = 0;     ///< EDA copies added
};

/// @brief A copy of a world for fine-tuning on few labels, with or without EDA: every file
/// byte for byte except reviews.jsonl, which holds every dev and test review, the first
/// `labels` training reviews (all when 0), and then options.copies EDA copies of each as
/// new training records (the original's fields with the new text, "eda_of" naming it, and
/// an id from tune::next_training_id("eda", ...)). options.copies 0 writes the subset
/// alone, the baseline an augmented run is compared with.
/// @param world a world folder with reviews.jsonl.
/// @param out the copy: a new or empty folder outside `world` (Error otherwise).
/// @param labels training reviews kept, 0 for all.
/// @param options the operations' strengths and copies per review (0 to kEdaCopies).
/// @param seed the augmentation's seed (review k of the kept ones is EDA's index k).
/// @return the counts.
EdaWorld write_eda_world(const std::filesystem::path& world, const std::filesystem::path& out,
                         std::int64_t labels, const EdaOptions& options, std::uint64_t seed);

}  // namespace tinygpt::eval
