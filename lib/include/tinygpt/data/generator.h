/// @file generator.h
/// @brief Text about the generated world (world.h), each kind with its ground truth:
/// stories (pre-training text), encyclopedia facts split into seen and held-out, labelled
/// product reviews, named-entity sentences, question/answer pairs, dialogues, instructions,
/// preference pairs, parallel sentences in a constructed language and fairness probes; and
/// `generate`, which writes them into a folder.
///
/// The held-out rule: a held-out fact's entity name and value never appear together in
/// one sentence of any generated text file. Every sentence is checked against it as it is
/// built (sentence_has_held_out_pair), so the rule holds by construction. Only the JSONL
/// ground truth of facts and QA names held-out facts, marked `held_out`, for evaluation.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "tinygpt/data/world.h"

namespace tinygpt::data {

/// Every kind `generate` writes, in the order it writes them (also the default).
inline constexpr std::array<std::string_view, 10> kKinds = {
    "stories",   "facts",        "reviews",     "entities",    "qa",
    "dialogues", "instructions", "preferences", "translation", "fairness"};

/// Default amount of story text: enough for a small GPT to learn the world's language.
inline constexpr std::int64_t kDefaultStoryBytes = 2'000'000;
/// Largest --size accepted; more is almost certainly a typo (and would not fit memory).
inline constexpr std::int64_t kMaxStoryBytes = 1'000'000'000;

/// @brief One fact of the catalogue, with its encyclopedia sentence.
struct Fact {
  std::string id;           ///< entity id + "/" + attribute, e.g. "town:3/river"
  std::string entity;       ///< entity id, e.g. "town:3"
  std::string entity_name;  ///< the entity's name as it appears in text
  std::string attribute;    ///< river, region, town, occupation, pet, maker, kind or price
  std::string value;        ///< the value as it appears in text ("Ossel", "baker", "42 crowns")
  std::string sentence;     ///< encyclopedia sentence stating exactly this fact
  bool held_out = false;    ///< never stated, nor entity and value in one sentence, in any text
};

/// @brief Every fact of the world, in catalogue order (towns, people, companies, products),
/// about one in five held out, chosen by CounterRng(seed, kWorld, kHeldOutStep, position).
/// In version 2 a fact of a version-1 entity keeps its version-1 position's draw (so it is
/// held out in both versions or in neither, changed or not), and the facts of new entities
/// draw from kNewHeldOutStep, indexed by their order among the new facts.
/// @param world the catalogue.
/// @return the facts.
std::vector<Fact> make_facts(const World& world);

/// @brief Whether `text` contains `phrase` as whole words (not inside a longer word).
/// @param text a sentence.
/// @param phrase one or more words, e.g. "cat" or "42 crowns".
/// @return true when found with no letter or digit right before or after it.
bool contains_words(std::string_view text, std::string_view phrase);

/// @brief Whether one sentence breaks the held-out rule: it contains, as whole words, both
/// the entity name and the value of a held-out fact.
/// @param sentence one sentence.
/// @param facts the facts (only held-out ones matter).
/// @return true when the sentence must not be used.
bool sentence_has_held_out_pair(std::string_view sentence, const std::vector<Fact>& facts);

/// @brief One story and what it states.
struct Story {
  std::string text;                   ///< sentences separated by spaces, no newline
  std::string protagonist;            ///< person id
  std::vector<std::string> entities;  ///< ids of every entity named, in first-mention order
  std::vector<int> facts;             ///< indices into the facts of every fact stated
};

/// @brief Stories until their text (with a blank line after each) reaches `bytes`. Story i
/// is drawn from CounterRng(seed, kWorld, kStoryStep, i) alone, so a smaller size gives a
/// prefix of a larger one. Story i is about person i mod the number of people, so every person,
/// town and product is covered. Only seen facts are stated.
/// @param world the catalogue.
/// @param facts make_facts(world).
/// @param bytes approximate total size of the text, at least 1.
/// @return the stories.
std::vector<Story> make_stories(const World& world, const std::vector<Fact>& facts,
                                std::int64_t bytes);

/// @brief A review's label.
enum class Sentiment { kNegative, kNeutral, kPositive };

/// @brief "negative", "neutral" or "positive".
/// @param sentiment the label.
/// @return its name.
std::string_view sentiment_name(Sentiment sentiment);

/// @brief One product review.
struct Review {
  std::string product;       ///< product id
  std::string text;          ///< two or three sentences, no newline
  Sentiment label{};         ///< the verdict, by the rule of its construction
  std::string construction;  ///< plain, intensified, negated, contrast or neutral
};

/// @brief Reviews of random products. The label follows from the construction: plain and
/// intensified ("really awful") keep the adjective's polarity; negated flips it ("not
/// good" is negative, "not bad at all" positive); contrast ("A and B, but overall C")
/// takes the polarity of the clause after "but"; neutral uses no sentiment word or a
/// balanced "neither good nor bad". Review i is drawn from CounterRng(seed, kWorld,
/// kReviewStep, i).
/// @param world the catalogue.
/// @param facts make_facts(world): held-out facts are never stated in a review either.
/// @param count number of reviews, at least 1.
/// @return the reviews.
std::vector<Review> make_reviews(const World& world, const std::vector<Fact>& facts,
                                 std::int64_t count);

/// @brief The keyword-counting baseline: +1 per positive word, -1 per negative word of its
/// fixed lists; above 0 is positive, below 0 negative, 0 neutral. It ignores negation and
/// contrast, which is what the reviews are built to show.
/// @param text a review.
/// @return the predicted label.
Sentiment keyword_sentiment(std::string_view text);

/// @brief Share of reviews whose keyword_sentiment equals their label.
/// @param reviews the reviews, not empty.
/// @return accuracy in [0, 1].
double keyword_baseline_accuracy(const std::vector<Review>& reviews);

/// @brief A named-entity span of a sentence: UTF-8 byte offsets, end-exclusive.
struct EntitySpan {
  int start = 0;       ///< byte offset of the first byte of the name
  int end = 0;         ///< byte offset just after the name
  std::string label;   ///< person, place, organisation or product
  std::string entity;  ///< the entity's id in the catalogue
};

/// @brief One sentence with every name in it marked.
struct EntitySentence {
  std::string text;               ///< one sentence, no newline; may contain non-ASCII letters
  std::vector<EntitySpan> spans;  ///< in order of position, not overlapping
};

/// @brief Sentences naming two to four entities (people, towns, rivers, regions, companies,
/// products), each name marked with its byte span. Some sentences contain a non-ASCII
/// letter before a name ("café"), so byte offsets and character offsets differ. Sentence i
/// is drawn from CounterRng(seed, kWorld, kEntitiesStep, i).
/// @param world the catalogue.
/// @param facts make_facts(world): a sentence never breaks the held-out rule.
/// @param count number of sentences, at least 1.
/// @return the sentences.
std::vector<EntitySentence> make_entity_sentences(const World& world,
                                                  const std::vector<Fact>& facts,
                                                  std::int64_t count);

/// @brief A question about one fact and its answer.
struct QaPair {
  int fact = 0;          ///< index into the facts
  std::string question;  ///< e.g. "Which river is Draenvan on?"
  std::string answer;    ///< the fact's value, as in text ("Losel")
  std::string response;  ///< a full-sentence answer: the fact's encyclopedia sentence
};

/// @brief Question/answer pairs: pair i asks about fact i mod facts.size(), so every fact,
/// held-out ones included, is asked about once before any is asked twice; the phrasing is
/// drawn from CounterRng(seed, kWorld, kQaStep, i). Answers are read from the catalogue.
/// @param world the catalogue.
/// @param facts make_facts(world).
/// @param count number of pairs, at least 1.
/// @return the pairs.
std::vector<QaPair> make_qa(const World& world, const std::vector<Fact>& facts, std::int64_t count);

/// @brief One turn of a conversation.
struct Turn {
  std::string role;     ///< "user" or "assistant"
  std::string content;  ///< one line of text
};

/// @brief A user/assistant conversation about one entity.
struct Dialogue {
  std::string entity;       ///< the id of the entity talked about
  std::vector<Turn> turns;  ///< user first, roles alternating, assistant last
  std::vector<int> facts;   ///< indices of the facts the assistant states, in order
};

/// @brief Conversations of two to four exchanges: an optional greeting, one to three
/// questions about seen facts of one entity answered from the catalogue, an optional
/// thanks. Dialogue i is drawn from CounterRng(seed, kWorld, kDialogueStep, i).
/// @param world the catalogue.
/// @param facts make_facts(world): held-out facts are never asked about.
/// @param count number of dialogues, at least 1.
/// @return the dialogues.
std::vector<Dialogue> make_dialogues(const World& world, const std::vector<Fact>& facts,
                                     std::int64_t count);

/// @brief One instruction with a response that can be checked.
struct Instruction {
  std::string skill;               ///< arithmetic, copy, reverse, list or summary
  std::string instruction;         ///< what to do
  std::string input;               ///< what to do it to ("" for arithmetic)
  std::string response;            ///< the correct response
  std::string op;                  ///< arithmetic: "+", "-" or "*"; else ""
  std::int64_t a = 0;              ///< arithmetic: the left operand
  std::int64_t b = 0;              ///< arithmetic: the right operand
  int story = -1;                  ///< summary: the story's position (as in make_stories)
  std::vector<int> story_facts;    ///< summary: indices of the facts the story states
  std::vector<int> summary_facts;  ///< summary: indices of the facts the summary states
};

/// @brief Instructions of five skills, in equal shares: arithmetic on small whole numbers,
/// copying a sentence, reversing its words, sorting a list of words alphabetically, and a
/// one-sentence summary of a story (protagonist, product bought, and the protagonist's
/// occupation and home when the story states them). Inputs are seen facts' sentences and
/// stories, so no instruction states a held-out fact. Instruction i is drawn from
/// CounterRng(seed, kWorld, kInstructionStep, i).
/// @param world the catalogue.
/// @param facts make_facts(world).
/// @param count number of instructions, at least 1.
/// @return the instructions.
std::vector<Instruction> make_instructions(const World& world, const std::vector<Fact>& facts,
                                           std::int64_t count);

/// @brief A prompt with a better and a worse response.
struct Preference {
  std::string prompt;       ///< a user's question about a seen fact
  std::string chosen;       ///< the better response
  std::string rejected;     ///< the worse response
  std::string reason;       ///< correct_fact, helpful or polite: what makes `chosen` better
  int fact = 0;             ///< index of the fact asked about
  std::string wrong_value;  ///< correct_fact: the false value `rejected` states; else ""
};

/// @brief Preference pairs in three equal shares: correct_fact (the rejected response
/// states another value of the same attribute, which contradicts the catalogue), helpful
/// (the rejected response evades the question) and polite (both state the fact; the
/// rejected one is rude). Pair i is drawn from CounterRng(seed, kWorld, kPreferenceStep, i).
/// @param world the catalogue.
/// @param facts make_facts(world): only seen facts are asked about.
/// @param count number of pairs, at least 1.
/// @return the pairs.
std::vector<Preference> make_preferences(const World& world, const std::vector<Fact>& facts,
                                         std::int64_t count);

/// @brief One word of the constructed language.
struct ConlangWord {
  std::string english;  ///< the English word ("dog", "old", "saw"), or a particle's role
  std::string word;     ///< the made-up word, lowercase ASCII letters
  std::string part;     ///< noun, adjective, verb, intransitive_verb or particle
};

/// @brief The constructed language: its lexicon and its grammar. Word order is
/// subject-object-verb; adjectives follow their noun; there are no articles; the object
/// takes the particle `object_marker` after it; "in X" becomes "X `locative`"
/// (a postposition); names are not translated; the first letter is capitalised.
struct Conlang {
  std::vector<ConlangWord> lexicon;  ///< nouns, adjectives, verbs, then the two particles
  std::string object_marker;         ///< the particle after the object
  std::string locative;              ///< the postposition meaning "in"
};

/// @brief The constructed language of a seed: every word is built from syllables drawn
/// from CounterRng(seed, kWorld, kLexiconStep, word position), distinct from every other.
/// @param seed the world's seed.
/// @return the language.
Conlang make_conlang(std::uint64_t seed);

/// @brief The language as JSON (translation_lexicon.json): its grammar rules, then its
/// lexicon, two-space indentation, a final newline.
/// @param conlang the language.
/// @return the JSON text.
std::string conlang_json(const Conlang& conlang);

/// @brief A parallel sentence pair.
struct Translation {
  std::string english;  ///< e.g. "The old dog saw the red kettle."
  std::string conlang;  ///< e.g. "Tova meri kelu sana ko dimo."
  std::string form;     ///< transitive or intransitive
};

/// @brief Parallel sentences: "The [adjective] noun verb the [adjective] noun." and "The
/// [adjective] noun verb in Town.", where a subject may also be a person's name, each
/// translated word by word with the lexicon and reordered by the grammar. Pair i is drawn
/// from CounterRng(seed, kWorld, kTranslationStep, i).
/// @param world the catalogue (names of people and towns).
/// @param facts make_facts(world): no sentence breaks the held-out rule.
/// @param conlang make_conlang(world.seed).
/// @param count number of pairs, at least 1.
/// @return the pairs.
std::vector<Translation> make_translations(const World& world, const std::vector<Fact>& facts,
                                           const Conlang& conlang, std::int64_t count);

/// @brief One fairness probe: one variant of a templated sentence.
struct FairnessProbe {
  int probe = 0;                   ///< the probe set; its variants differ only in `terms`
  std::string template_id;         ///< which template, e.g. "name:2" or "pronoun:0"
  std::string axis;                ///< "name" or "pronoun"
  std::string group;               ///< naming group (name axis) or subject pronoun
  std::vector<std::string> terms;  ///< the words put in: [name] or [subject, possessive]
  std::string pattern;             ///< the sentence with {name} or {subject} and {possessive} slots
  std::string text;                ///< the pattern with the terms put in
  std::string person;              ///< name axis: the id of the person named; else ""
};

/// @brief Probe sets: each fills one template's other slots (occupation, town, product,
/// animal, sentiment word) once, then puts in a name from each naming group (a person of
/// that group, drawn) or each pronoun (she/her, he/his, they/their), so a model's outputs
/// on the variants can be compared. Set i is drawn from CounterRng(seed, kWorld,
/// kFairnessStep, i); it has kNamingGroups.size() variants, in group order.
/// @param world the catalogue.
/// @param facts make_facts(world): no probe breaks the held-out rule.
/// @param sets number of probe sets, at least 1.
/// @return the probes, set by set.
std::vector<FairnessProbe> make_fairness_probes(const World& world, const std::vector<Fact>& facts,
                                                std::int64_t sets);

/// @brief What `generate` makes.
struct GenerateOptions {
  std::uint64_t seed = 1;                  ///< the world's and the texts' seed
  std::int64_t size = kDefaultStoryBytes;  ///< approximate bytes of story text, above 0
  std::vector<std::string> kinds{kKinds.begin(), kKinds.end()};  ///< kinds to write
  /// 1: make_world(seed); 2: change_world of it, every kind written about the changed
  /// catalogue (version 1's files are the same whether or not version 2 was ever made).
  int world_version = 1;
  WorldChange change;  ///< version 2's changed share and new entities; unused in version 1
};

/// @brief One file `generate` wrote.
struct GeneratedFile {
  std::string name;          ///< file name inside the output folder
  std::int64_t records = 0;  ///< records of its kind (lines of a JSONL file), or entries
  std::int64_t bytes = 0;    ///< file size
};

/// @brief What `generate` did.
struct GenerateReport {
  std::vector<GeneratedFile> files;  ///< in the order written
  double keyword_accuracy = -1;      ///< keyword baseline on the reviews; -1 without reviews
};

/// @brief Splits a comma-separated list of kinds and checks each: a name not in kKinds is
/// an "unknown kind", and the error lists the valid kinds. Repeated kinds are kept once.
/// @param list e.g. "stories,reviews".
/// @return the kinds, in the order given.
std::vector<std::string> parse_kinds(std::string_view list);

/// @brief Checks options and output folder without writing anything: size in (0,
/// kMaxStoryBytes], kinds valid and not empty, world version 1 or 2 (and for 2 a valid
/// change: check_world_change), `out` a writable folder or a path whose
/// nearest existing ancestor is a writable folder. Throws Error naming the bad argument.
/// @param options what to make.
/// @param out the output folder.
void check_generate_arguments(const GenerateOptions& options, const std::filesystem::path& out);

/// @brief Checks the arguments (nothing is written when they are bad), creates `out` if
/// needed and writes catalogue.json and, per kind, its text file and its JSONL ground
/// truth, each atomically (a temporary file renamed over the name).
/// @param options what to make.
/// @param out the output folder.
/// @return the files written and the keyword baseline's accuracy.
GenerateReport generate(const GenerateOptions& options, const std::filesystem::path& out);

}  // namespace tinygpt::data
