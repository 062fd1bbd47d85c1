/// @file audit.h
/// @brief A bias audit of training text, and one mitigation.
///
/// The audit counts **group terms** (people's first names by naming group, and gendered
/// pronoun sets) and how often each group shares a sentence with an occupation word or a
/// sentiment word. A model trained on the text sees exactly these co-occurrences, so a
/// skew in the table (one group's names next to "baker" far more than another's) is an
/// association the model can learn.
///
/// The mitigation is **counterfactual data augmentation**: copies of the text with the
/// group terms swapped (names rotated between the naming groups through the catalogue's
/// parallel name lists, she/her <-> he/his), added to the original. Every sentence then
/// appears once with each group, so the table of original + copies is balanced by
/// construction: for every occupation, every group of an axis has the same count.
///
/// Counting rules (the same for every corpus):
/// - A **word** is a maximal run of ASCII letters, digits and non-ASCII bytes (so "Zoë" is
///   one word and "she's" gives "she" and "s").
/// - A **sentence** ends at '.', '!' or '?' and at a blank line; sentences never span two
///   texts. Co-occurrence is counted per sentence, not in a window of N words: a sentence
///   is the unit in which a name and its attribute are stated ("Halowin works as a
///   baker."), while a window crosses into the next sentence and measures nearness, not
///   what is said about whom. (Limits: "Mr." ends a sentence; a pronoun in the sentence
///   after its occupation is not linked to it.)
/// - A cell (group, word) is the number of sentences in which at least one term of the
///   group and at least one form of the word appear. Names match case-sensitively;
///   pronouns, occupations and sentiment words case-insensitively; an occupation also
///   matches its plural with "s" ("bakers").
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tinygpt/data/world.h"

namespace tinygpt::data {

/// The axis of the naming groups (first names) in a lexicon.
inline constexpr std::string_view kNameAxis = "name";
/// The axis of the pronoun groups (she, he, they) in a lexicon.
inline constexpr std::string_view kPronounAxis = "pronoun";

/// @brief One group of an axis and the words that stand for it.
struct GroupTerms {
  std::string axis;                ///< kNameAxis or kPronounAxis
  std::string group;               ///< e.g. "amber" or "she"
  std::vector<std::string> terms;  ///< names (parallel across the axis' groups) or pronouns
};

/// @brief The words an audit looks for.
struct AuditLexicon {
  /// Groups, axis by axis. The name groups' terms are parallel lists: term i of every name
  /// group is swapped with term i of the others by rotate_names.
  std::vector<GroupTerms> groups;
  std::vector<std::string> occupations;     ///< lowercase, singular
  std::vector<std::string> positive_words;  ///< lowercase
  std::vector<std::string> negative_words;  ///< lowercase
};

/// Occupations for any English text (the generated world's sixteen are among them), used
/// when no catalogue is given. Deliberately free of gendered job titles.
inline constexpr std::string_view kBuiltinOccupations[] = {
    "baker",     "weaver",    "potter",    "farmer",     "miller",     "tailor",
    "painter",   "sailor",    "doctor",    "teacher",    "builder",    "gardener",
    "librarian", "carpenter", "fisher",    "clockmaker", "nurse",      "engineer",
    "lawyer",    "secretary", "scientist", "professor",  "programmer", "soldier",
    "pilot",     "cook",      "writer",    "judge",      "merchant",   "clerk"};

/// @brief The pronoun groups, which work on any English text: she (she, her, hers,
/// herself), he (he, him, his, himself), they (they, them, their, theirs, themselves).
/// @return three groups on kPronounAxis, in that order.
std::vector<GroupTerms> pronoun_groups();

/// @brief The lexicon for any text: the pronoun groups, kBuiltinOccupations and the
/// reviews' sentiment words (no names: only a catalogue knows which names form a group).
/// @return the lexicon.
AuditLexicon builtin_lexicon();

/// @brief The lexicon of a generated world: its people's names by naming group (in id
/// order, so the lists are parallel), the pronoun groups, the catalogue's occupations and
/// the reviews' sentiment words.
/// @param world the catalogue.
/// @return the lexicon.
AuditLexicon world_lexicon(const World& world);

/// @brief world_lexicon read from a catalogue.json written by `tinygpt data generate`.
/// Throws Error naming the file when it is missing or is not a catalogue.
/// @param catalogue_json path of catalogue.json.
/// @return the lexicon.
AuditLexicon load_world_lexicon(const std::filesystem::path& catalogue_json);

/// @brief A column of the table: one group.
struct AuditColumn {
  std::string axis;            ///< kNameAxis or kPronounAxis
  std::string group;           ///< e.g. "amber", "she"
  std::int64_t mentions = 0;   ///< occurrences of the group's terms
  std::int64_t sentences = 0;  ///< sentences with at least one of them
};

/// @brief A row of the table: one occupation, or all positive or all negative words.
struct AuditRow {
  std::string label;                 ///< the occupation, "positive" or "negative"
  std::string kind;                  ///< "occupation" or "sentiment"
  std::int64_t sentences = 0;        ///< sentences with the row's word(s), any group or none
  std::vector<std::int64_t> counts;  ///< per column: sentences with both, in column order
};

/// @brief What an audit counted.
struct AuditTable {
  std::string corpus;                ///< a description of the text audited
  std::int64_t texts = 0;            ///< texts audited
  std::int64_t sentences = 0;        ///< sentences in them
  std::int64_t words = 0;            ///< words in them
  std::vector<AuditColumn> columns;  ///< the lexicon's groups, in its order
  std::vector<AuditRow> rows;        ///< occupations in the lexicon's order, then sentiment
};

/// @brief Audits texts: splits each into sentences and words and counts, for every group,
/// its mentions and its co-occurrence with every occupation and with the sentiment words
/// (see the file comment for the exact rules).
/// @param texts the texts (files, stories, paragraphs); sentences never span two of them.
/// @param lexicon the words to look for.
/// @param corpus a description for the table's title.
/// @return the table.
AuditTable audit_texts(std::span<const std::string> texts, const AuditLexicon& lexicon,
                       std::string_view corpus);

/// @brief The table as aligned text: one column per group (axes separated by a bar), a
/// row of mentions and of sentences, then one row per occupation and sentiment row.
/// @param table the table.
/// @return the text, lines ending with a newline.
std::string format_audit_table(const AuditTable& table);

/// @brief The table as a Markdown table (for the lesson), same layout.
/// @param table the table.
/// @return the Markdown, lines ending with a newline.
std::string format_audit_markdown(const AuditTable& table);

/// @brief The text with every name of the lexicon's name groups replaced by its parallel
/// name `shift` groups further on (term i of group g becomes term i of group (g + shift)
/// mod G). Whole, case-sensitive words only; everything else is kept byte for byte.
/// Throws Error when the name groups' lists differ in length.
/// @param text any text.
/// @param lexicon the lexicon (only its name groups are used).
/// @param shift how many groups on; 0 gives the text unchanged.
/// @return the rotated text.
std::string rotate_names(std::string_view text, const AuditLexicon& lexicon, int shift);

/// @brief The text with she-pronouns and he-pronouns exchanged: she <-> he, herself <->
/// himself, hers -> his, him -> her, and the two ambiguous words by the word after them:
/// "her" is possessive before a noun ("her owl" -> "his owl") and an object otherwise
/// ("told her the news", "saw her." -> "him"); "his" is a determiner before a noun
/// ("his owl" -> "her owl") and a pronoun otherwise ("it is his." -> "hers"). "Before a
/// noun" means followed, after spaces, by a word that is not one of a short list of
/// function words (the, a, to, and, ...). The rule can be wrong ("told her Halowin
/// left"), but the audit is not affected: both forms belong to the same group. Case is
/// kept (She -> He, HER -> HIS). "they" and its forms are not changed.
/// @param text any text.
/// @return the swapped text.
std::string swap_pronouns(std::string_view text);

/// @brief What counterfactual augmentation swaps.
struct AugmentOptions {
  bool names = true;     ///< rotate names through every naming group
  bool pronouns = true;  ///< exchange she- and he-pronouns
};

/// @brief Counterfactual copies of every text: for names, every rotation (1 to G-1 groups
/// on); for pronouns, swapped and unswapped; all combinations except the original itself
/// (with three naming groups and both options: 5 copies of each text). The original plus
/// these copies has every sentence once per name rotation and pronoun swap, so its audit
/// gives every group of an axis the same counts. An axis the lexicon lacks is skipped.
/// @param texts the original texts.
/// @param lexicon the lexicon (its name groups).
/// @param options what to swap.
/// @return the copies, copy by copy (all texts of the first copy, then the next).
std::vector<std::string> counterfactual_copies(std::span<const std::string> texts,
                                               const AuditLexicon& lexicon,
                                               const AugmentOptions& options = {});

}  // namespace tinygpt::data
