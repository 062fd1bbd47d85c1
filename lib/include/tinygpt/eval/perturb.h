/// @file perturb.h
/// @brief Perturbation suites for robustness tests: character noise, entity and synonym
/// swaps, and negation or antonym edits of reviews whose new label is known by
/// construction.
///
/// A robustness test scores a model on clean texts and on perturbed copies of them; the
/// drop in accuracy as the **severity** grows says how brittle the model is. Every
/// perturbation here is deterministic: the perturbed copy of text i is a pure function of
/// (seed, i, severity), drawn from the counter-based generator (core/rng.h) as
///
///     CounterRng(seed, RngStream::kDemo, step, index = i)
///
/// with one step per kind of perturbation (kCharNoiseStep, kEntitySwapStep,
/// kSynonymSwapStep), so two kinds never share draws and text i's copy does not depend on
/// the other texts or on the order in which they are perturbed.
///
/// **Severity** s in [0, 1] is the share of the *eligible units* that are changed: words
/// for character noise, distinct names for entity swaps, table words for synonym swaps.
/// Exactly round(s n) of the n eligible units of a text are changed: the first ones of a
/// random order of all n. The order and each unit's edit are drawn for all n units whatever
/// s is, so the perturbations are nested: the copy at severity 0.5 has every edit of the
/// copy at 0.25, and more. Severity 0 gives the text back unchanged; severity 1 changes
/// every eligible unit.
///
/// **Character noise** works on words, maximal runs of bytes that are not ASCII white space
/// (space, \\t, \\n, \\v, \\f, \\r). A word is eligible when it has two adjacent ASCII
/// letters that differ ("the", "it's"; not "a", "I", "42", "zz"), so each of the four edits
/// below applies to it and changes it. White space is never touched, and an edit never
/// deletes a word's last letter, so the words of the copy line up one to one with the
/// original's. Only ASCII letters are moved, deleted or inserted (next to an ASCII letter),
/// so valid UTF-8 stays valid.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tinygpt/data/audit.h"
#include "tinygpt/data/generator.h"

namespace tinygpt::eval {

/// The step of CounterRng(seed, kDemo, step, text index) for character noise.
inline constexpr std::uint64_t kCharNoiseStep = 6001;
/// The step of CounterRng(seed, kDemo, step, text index) for entity swaps.
inline constexpr std::uint64_t kEntitySwapStep = 6002;
/// The step of CounterRng(seed, kDemo, step, text index) for synonym swaps.
inline constexpr std::uint64_t kSynonymSwapStep = 6003;

/// @brief One character edit of a word (typing mistakes).
enum class CharEdit {
  kSwap,      ///< two adjacent, different ASCII letters change places ("teh")
  kInsert,    ///< a QWERTY neighbour of an ASCII letter is typed after it ("thre")
  kDelete,    ///< an ASCII letter is dropped ("te")
  kKeyboard,  ///< an ASCII letter becomes one of its QWERTY neighbours ("thr")
};

/// @brief The letters next to a letter on a QWERTY keyboard: the keys whose centres are
/// less than one key width apart, with the rows "qwertyuiop", "asdfghjkl", "zxcvbnm"
/// shifted right by 0, 1/4 and 3/4 of a key (so 'a' touches q, w, s, z; 'g' touches t, y,
/// f, h, v, b).
/// @param letter an ASCII letter, either case.
/// @return its neighbours, lowercase, in keyboard order (row by row, left to right);
///         empty for anything but an ASCII letter.
std::string_view qwerty_neighbours(char letter);

/// @brief Whether character noise may touch a word: it has two adjacent ASCII letters
/// that differ.
/// @param word one word (no white space).
/// @return true when every CharEdit applies to it and changes it.
bool is_noise_eligible(std::string_view word);

/// @brief One character edit of one word, given its random draws (exercise 06.4:
/// solutions/06-evaluation/perturb_characters.cpp). The candidates of an edit are, left to right:
/// for kSwap, the positions i such that word[i] and word[i + 1] are different ASCII letters; for
/// the others, the positions of ASCII letters. The edit takes candidate floor(u_position * count).
/// kInsert types, right after that letter, and kKeyboard types instead of it, its QWERTY neighbour
/// floor(u_letter * neighbours), in the letter's case. A word without candidates, or of
/// one byte for kDelete, comes back unchanged.
/// @param word one word (no white space).
/// @param edit which edit.
/// @param u_position a uniform draw in [0, 1) for the position.
/// @param u_letter a uniform draw in [0, 1) for the typed letter (kInsert, kKeyboard).
/// @return the edited word.
std::string perturb_word_characters(std::string_view word, CharEdit edit, float u_position,
                                    float u_letter);

/// @brief Which character edits noise uses, and how much.
struct CharNoiseOptions {
  double severity = 0.1;  ///< share of the eligible words edited, in [0, 1]
  /// the edits to choose from, uniformly; not empty
  std::vector<CharEdit> edits = {CharEdit::kSwap, CharEdit::kInsert, CharEdit::kDelete,
                                 CharEdit::kKeyboard};
};

/// @brief Character noise on one text: round(severity * n) of its n eligible words get one
/// CharEdit each (see the file). Draws, from CounterRng(seed, kDemo, kCharNoiseStep,
/// index): first the order of the eligible words (a Fisher-Yates shuffle, n - 1 draws of
/// below()), then, for every eligible word in text order, the edit (below(edits)), then
/// u_position and u_letter (uniform()).
/// @param text any valid or invalid UTF-8 text (non-ASCII bytes are kept as they are).
/// @param options severity and edits; throws Error when the severity is outside [0, 1] or
///        there are no edits.
/// @param seed the suite's seed.
/// @param index the text's index in its suite.
/// @return the noisy text, with the same white space and the same number of words.
std::string char_noise(std::string_view text, const CharNoiseOptions& options, std::uint64_t seed,
                       std::uint64_t index);

/// @brief Character noise on every text of a suite, text i with index i.
/// @param texts the clean texts.
/// @param options severity and edits.
/// @param seed the suite's seed.
/// @return the noisy texts, in the same order.
std::vector<std::string> char_noise_suite(std::span<const std::string> texts,
                                          const CharNoiseOptions& options, std::uint64_t seed);

/// @brief Every name of a lexicon's naming groups (data/audit.h; world_lexicon() gives a
/// generated world's people), group by group, without repeats.
/// @param lexicon the lexicon.
/// @return the names.
std::vector<std::string> lexicon_names(const data::AuditLexicon& lexicon);

/// @brief Entity swaps: the distinct names of `names` that occur in the text as whole words
/// (a word as in data/audit.h: a run of ASCII letters, digits and non-ASCII bytes; names
/// match case-sensitively) are the eligible units. round(severity * n) of them, the first
/// of a random order, are each replaced, at every occurrence, by one other name of the
/// list, so a story keeps who is who. Draws, from CounterRng(seed, kDemo, kEntitySwapStep,
/// index): the order (n - 1 draws), then for each distinct name in order of first
/// occurrence its replacement (below(names - 1), skipping itself). Two names may get the
/// same replacement, and a replacement may be a name the text already has.
/// @param text any text.
/// @param names the known names, at least two, no repeats.
/// @param severity share of the distinct names swapped, in [0, 1].
/// @param seed the suite's seed.
/// @param index the text's index in its suite.
/// @return the text with names swapped; everything else byte for byte.
std::string swap_entities(std::string_view text, std::span<const std::string> names,
                          double severity, std::uint64_t seed, std::uint64_t index);

/// @brief The project's own synonym table (not from a thesaurus): groups of words of the
/// generated reviews (lib/src/data/generator_reviews.cpp) and a few near-synonyms of
/// them, such that any word of a group can stand for any other without changing a
/// review's sentiment (good, great, fine, nice; bad, poor, weak; very, really, truly, ...).
/// @return the groups, lowercase.
std::span<const std::vector<std::string_view>> synonym_groups();

/// @brief Synonym swaps: every whole word (as in swap_entities) that is in a synonym group,
/// compared in lowercase, is an eligible unit; round(severity * n) of them, the first of a
/// random order, are replaced by another word of the group, capitalised when the word was.
/// Draws, from CounterRng(seed, kDemo, kSynonymSwapStep, index): the order (n - 1 draws),
/// then for each eligible word in text order its replacement (below(group - 1), skipping
/// itself). A review's label does not change.
/// @param text any text.
/// @param severity share of the table words swapped, in [0, 1].
/// @param seed the suite's seed.
/// @param index the text's index in its suite.
/// @return the text with synonyms swapped.
std::string swap_synonyms(std::string_view text, double severity, std::uint64_t seed,
                          std::uint64_t index);

/// @brief A word's core: its first run of ASCII letters, lowercase ("good" in "Good.",
/// "not" in "not,"); what the synonym table and the structural words are about.
/// @param word one word (no white space).
/// @return the core, empty when the word has no ASCII letter.
std::string word_core(std::string_view word);

/// @brief The words that decide a generated review's label by its grammar
/// (generator_reviews.cpp): a negation reverses the verdict ("not", "never", "hardly",
/// "neither", "nor"), and "but" selects the clause that counts. An edit that deletes, moves
/// or misspells one may change the label, so label-preserving edits leave them alone.
/// @return the words, lowercase.
std::span<const std::string_view> structural_words();

/// @param word one word (no white space).
/// @return whether its core is one of structural_words().
bool is_structural_word(std::string_view word);

/// @brief The synonym group of a word's core in synonym_groups().
/// @param word one word (no white space).
/// @return the group (the word's core among them), or an empty span when it has none.
std::span<const std::string_view> synonyms_of(std::string_view word);

/// @brief A text and the label it has by construction.
struct LabelledText {
  std::string text;            ///< the edited text
  data::Sentiment label = {};  ///< its label
};

/// @brief The label after an edit that reverses a review's polarity: positive <-> negative;
/// neutral stays neutral (a review that praises and blames equally, or neither, still does
/// after the reversal).
/// @param label the label before.
/// @return the label after.
data::Sentiment flipped_sentiment(data::Sentiment label);

/// @brief The antonym of one of the reviews' twelve sentiment words, in pairs good-bad,
/// great-poor, excellent-awful, superb-terrible, wonderful-dreadful, lovely-shoddy.
/// @param word a word, compared in lowercase.
/// @return the antonym (lowercase), or empty when the word is not a sentiment word.
std::string_view sentiment_antonym(std::string_view word);

/// @brief Negation edit of a generated review: "not" inserted after the copula of its
/// verdict, the last "is" directly followed (after one space) by a sentiment word ("It is
/// good." -> "It is not good."; "..., but overall it is bad." -> "..., but overall it is not
/// bad."). In the reviews' grammar the verdict clause decides the label and "not" reverses
/// it, so the new label is flipped_sentiment(label). Does not apply (empty) when there is no
/// such copula: verdicts already negated ("is not", "is hardly"), intensified ("is very
/// good") or neutral ("is neither good nor bad").
/// @param review a review's text.
/// @param label its label.
/// @return the edited review and its label, or nothing.
std::optional<LabelledText> negate_review(std::string_view review, data::Sentiment label);

/// @brief Antonym edit of a generated review: every sentiment word replaced by its
/// sentiment_antonym (capitalised when it was). Every clause's polarity reverses, so a
/// positive or negative review flips (the contrast's verdict after "but" flips with it)
/// and "neither good nor bad" stays neutral: the new label is flipped_sentiment(label).
/// Does not apply (empty) to a text without sentiment words.
/// @param review a review's text.
/// @param label its label.
/// @return the edited review and its label, or nothing.
std::optional<LabelledText> antonym_review(std::string_view review, data::Sentiment label);

}  // namespace tinygpt::eval
