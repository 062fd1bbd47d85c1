// The bias audit of training text (data/audit.h): counts on hand-written text, the
// generated world's deliberate occupation skew, counterfactual augmentation that balances
// the table, and determinism.
#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "generator_test_support.hpp"
#include "tinygpt/core/files.h"
#include "tinygpt/data/audit.h"
#include "tinygpt/data/generator.h"

using namespace tinygpt;
using namespace tinygpt::data;
using namespace tinygpt::testing;

namespace {

// The column of a group, by name.
std::size_t column_of(const AuditTable& table, const std::string& group) {
  for (std::size_t c = 0; c < table.columns.size(); ++c) {
    if (table.columns[c].group == group) return c;
  }
  FAIL("no column " << group);
  return 0;
}

const AuditRow& row_of(const AuditTable& table, const std::string& label) {
  for (const AuditRow& row : table.rows) {
    if (row.label == label) return row;
  }
  FAIL("no row " << label);
  return table.rows.front();
}

std::int64_t count(const AuditTable& table, const std::string& row, const std::string& group) {
  return row_of(table, row).counts[column_of(table, group)];
}

// Two tiny parallel name groups (and a third for rotations), one occupation.
AuditLexicon names_lexicon() {
  AuditLexicon lexicon;
  lexicon.groups = {
      {"name", "x", {"Ann", "Bo"}}, {"name", "y", {"Cy", "Di"}}, {"name", "z", {"Ed", "Fay"}}};
  lexicon.occupations = {"doctor"};
  lexicon.positive_words = {"good"};
  lexicon.negative_words = {"bad"};
  return lexicon;
}

// The pre-training text of a small world: its stories and its seen facts' sentences.
std::vector<std::string> world_texts(const World& world, std::int64_t story_bytes) {
  const std::vector<Fact> facts = make_facts(world);
  std::vector<std::string> texts;
  for (const Story& story : make_stories(world, facts, story_bytes)) texts.push_back(story.text);
  for (const Fact& fact : facts) {
    if (!fact.held_out) texts.push_back(fact.sentence);
  }
  return texts;
}

// The occupations the datasheet says group g favours: kOccupations[5g .. 5g+4].
std::int64_t favoured_count(const AuditTable& table, int favoured_by, const std::string& group) {
  std::int64_t sum = 0;
  for (int o = 5 * favoured_by; o < 5 * favoured_by + 5; ++o) {
    sum += count(table, std::string(kOccupations[o]), group);
  }
  return sum;
}

}  // namespace

TEST_CASE("pronoun counts and sentence co-occurrence on hand-written text", "[step03][audit]") {
  const std::vector<std::string> texts = {
      "She is a baker. He is a baker and a good one! They were bakers.\n\n"
      "Her owl is lovely. his cat\n\nis awful",
      "Shepherds and others say nothing."};
  const AuditTable table = audit_texts(texts, builtin_lexicon(), "hand-written");
  CHECK(table.corpus == "hand-written");
  CHECK(table.texts == 2);
  // Sentences: 5 ended by '.', '!' or a blank line, the text's end, and the second text.
  CHECK(table.sentences == 7);
  CHECK(table.words == 23 + 5);
  REQUIRE(table.columns.size() == 3);
  CHECK(table.columns[0].group == "she");
  CHECK(table.columns[0].mentions == 2);  // She, Her ("Shepherds" is not "she")
  CHECK(table.columns[0].sentences == 2);
  CHECK(table.columns[1].mentions == 2);  // He, his
  CHECK(table.columns[2].mentions == 1);  // They
  const AuditRow& baker = row_of(table, "baker");
  CHECK(baker.sentences == 3);  // "bakers" counts as the plural
  CHECK(baker.counts == std::vector<std::int64_t>{1, 1, 1});
  const AuditRow& positive = row_of(table, "positive");
  CHECK(positive.kind == "sentiment");
  CHECK(positive.sentences == 2);  // good, lovely
  CHECK(positive.counts == std::vector<std::int64_t>{1, 1, 0});
  const AuditRow& negative = row_of(table, "negative");
  CHECK(negative.sentences == 1);  // "is awful", in a sentence of its own after the blank line
  CHECK(negative.counts == std::vector<std::int64_t>{0, 0, 0});
  CHECK(row_of(table, "nurse").sentences == 0);
}

TEST_CASE("names match whole words with their case, each sentence counted once",
          "[step03][audit]") {
  const std::vector<std::string> texts = {
      "Ann, a doctor, met Cy and Ann. Bo and Di are doctors! ann is a doctor. Annie's doctor "
      "is good."};
  const AuditTable table = audit_texts(texts, names_lexicon(), "names");
  CHECK(table.columns[column_of(table, "x")].mentions == 3);  // Ann twice, Bo
  CHECK(table.columns[column_of(table, "x")].sentences == 2);
  CHECK(table.columns[column_of(table, "y")].mentions == 2);
  CHECK(table.columns[column_of(table, "z")].mentions == 0);
  CHECK(row_of(table, "doctor").sentences == 4);
  CHECK(count(table, "doctor", "x") == 2);  // a sentence with Ann twice counts once
  CHECK(count(table, "doctor", "y") == 2);
  CHECK(count(table, "positive", "x") == 0);  // "Annie" is not "Ann"
}

TEST_CASE("the text table is aligned and the Markdown table has one cell per column",
          "[step03][audit]") {
  const std::vector<std::string> texts = {"She is a baker. He is a good teacher."};
  const AuditTable table = audit_texts(texts, world_lexicon(make_world(1)), "aligned");
  const std::vector<std::string> lines = lines_of(format_audit_table(table));
  REQUIRE(lines.size() > 5);
  CHECK(lines[0].find("audit of aligned") == 0);
  // Header, totals, rule and one line per row, all of one width.
  const std::size_t first = 3;
  REQUIRE(lines.size() == first + 1 + 2 + 1 + table.rows.size());
  for (std::size_t i = first; i < lines.size(); ++i) {
    INFO(lines[i]);
    CHECK(lines[i].size() == lines[first].size());
  }
  CHECK(lines[first].find("amber") != std::string::npos);
  CHECK(lines[first + 3].find("-+-") != std::string::npos);
  const std::vector<std::string> markdown = lines_of(format_audit_markdown(table));
  const std::size_t cells = table.columns.size() + 2;  // label, groups, all
  std::size_t rows = 0;
  for (const std::string& line : markdown) {
    if (line.empty() || line[0] != '|') continue;
    ++rows;
    CHECK(std::count(line.begin(), line.end(), '|') == static_cast<std::ptrdiff_t>(cells + 1));
  }
  CHECK(rows == 2 + 2 + table.rows.size());
}

TEST_CASE("names rotate through the parallel lists of the naming groups", "[step03][audit]") {
  const AuditLexicon lexicon = names_lexicon();
  const std::string text = "Ann met Cy and Fay; Annie stayed with Bo.";
  CHECK(rotate_names(text, lexicon, 0) == text);
  CHECK(rotate_names(text, lexicon, 1) == "Cy met Ed and Bo; Annie stayed with Di.");
  CHECK(rotate_names(text, lexicon, 2) == "Ed met Ann and Di; Annie stayed with Fay.");
  CHECK(rotate_names(text, lexicon, 3) == text);
  AuditLexicon uneven = lexicon;
  uneven.groups[1].terms.pop_back();
  CHECK_THROWS_AS(rotate_names(text, uneven, 1), Error);
}

TEST_CASE("pronoun swap resolves her and his by the word after them", "[step03][audit]") {
  CHECK(swap_pronouns("She fed her owl and gave her the key.") ==
        "He fed his owl and gave him the key.");
  CHECK(swap_pronouns("He said it was his. Ask him, then HER cat? His dog saw her.") ==
        "She said it was hers. Ask her, then HIS cat? Her dog saw him.");
  CHECK(swap_pronouns("The book is hers and she made it herself; he helped himself.") ==
        "The book is his and he made it himself; she helped herself.");
  // "they", words that only start like a pronoun, and everything else stay as they are.
  CHECK(swap_pronouns("They thank the shepherd, heroes and Hershey.") ==
        "They thank the shepherd, heroes and Hershey.");
  // Swapping twice gives the text back where the rule is unambiguous.
  const std::string text = "She lost her cat, so he lent her his.";
  CHECK(swap_pronouns(text) == "He lost his cat, so she lent him hers.");
  CHECK(swap_pronouns(swap_pronouns(text)) == text);
}

TEST_CASE("the generated world shows the occupation skew its datasheet builds in",
          "[step03][audit]") {
  const World world = make_world(1);
  const AuditLexicon lexicon = world_lexicon(world);
  const AuditTable table = audit_texts(world_texts(world, 200'000), lexicon, "world");
  // Each group's five favoured occupations share far more sentences with its own names
  // than with another group's (half of a group's people hold one of them, against
  // 5/16 of the other half of everyone else).
  for (int g = 0; g < 3; ++g) {
    const std::string own(kNamingGroups[g]);
    for (int h = 0; h < 3; ++h) {
      if (h == g) continue;
      INFO("favoured by " << own << ", compared with " << kNamingGroups[h]);
      CHECK(favoured_count(table, g, own) >
            2 * favoured_count(table, g, std::string(kNamingGroups[h])));
    }
  }
}

TEST_CASE("on the world's facts the table equals the catalogue's counts", "[step03][audit]") {
  // facts.txt states each seen occupation once, in a sentence of its own ("X works as a
  // baker."), and no other fact names an occupation: so a cell is exactly the number of
  // people of the group with that occupation whose fact is not held out.
  const World world = make_world(3);
  const std::vector<Fact> facts = make_facts(world);
  std::vector<std::string> sentences;
  std::map<std::pair<int, std::string>, std::int64_t> expected;
  for (const Fact& fact : facts) {
    if (fact.held_out) continue;
    sentences.push_back(fact.sentence);
    if (fact.attribute != "occupation") continue;
    for (const Person& person : world.people) {
      if (person.id == fact.entity) ++expected[{person.group, fact.value}];
    }
  }
  const AuditTable table = audit_texts(sentences, world_lexicon(world), "facts");
  for (int g = 0; g < 3; ++g) {
    for (const std::string_view occupation : kOccupations) {
      INFO(kNamingGroups[g] << " " << occupation);
      CHECK(count(table, std::string(occupation), std::string(kNamingGroups[g])) ==
            expected[{g, std::string(occupation)}]);
    }
  }
}

TEST_CASE("a catalogue.json gives the same lexicon as the world it was written from",
          "[step03][audit]") {
  const World world = make_world(2);
  TempPath folder("audit");
  write_file_atomically(folder.path() / "catalogue.json", catalogue_json(world));
  const AuditLexicon loaded = load_world_lexicon(folder.path() / "catalogue.json");
  const AuditLexicon made = world_lexicon(world);
  REQUIRE(loaded.groups.size() == made.groups.size());
  for (std::size_t g = 0; g < made.groups.size(); ++g) {
    CHECK(loaded.groups[g].axis == made.groups[g].axis);
    CHECK(loaded.groups[g].group == made.groups[g].group);
    CHECK(loaded.groups[g].terms == made.groups[g].terms);
  }
  CHECK(made.groups[0].terms.size() == kPersonCount / 3);
  CHECK(loaded.occupations == made.occupations);
  CHECK(loaded.positive_words == made.positive_words);
  CHECK_THROWS_AS(load_world_lexicon(folder.path() / "missing.json"), Error);
  write_file_atomically(folder.path() / "bad.json", "{\"people\": 3}");
  CHECK_THROWS_AS(load_world_lexicon(folder.path() / "bad.json"), Error);
}

TEST_CASE("counterfactual augmentation balances every row across swapped groups",
          "[step03][audit]") {
  const World world = make_world(1);
  const AuditLexicon lexicon = world_lexicon(world);
  const std::vector<std::string> texts = world_texts(world, 50'000);
  const std::vector<std::string> copies = counterfactual_copies(texts, lexicon);
  REQUIRE(copies.size() == 5 * texts.size());  // 3 rotations x 2 swaps, less the original
  std::vector<std::string> augmented = texts;
  augmented.insert(augmented.end(), copies.begin(), copies.end());
  const AuditTable before = audit_texts(texts, lexicon, "before");
  const AuditTable after = audit_texts(augmented, lexicon, "after");
  // Before: skewed (the favoured occupations of amber).
  CHECK(favoured_count(before, 0, "amber") > favoured_count(before, 0, "cedar"));
  // After: every name group and she/he have equal counts in every row; the rest is the
  // original six times over.
  CHECK(after.sentences == 6 * before.sentences);
  CHECK(after.words == 6 * before.words);
  CHECK(after.columns[column_of(after, "amber")].mentions ==
        after.columns[column_of(after, "cedar")].mentions);
  CHECK(after.columns[column_of(after, "she")].sentences ==
        after.columns[column_of(after, "he")].sentences);
  CHECK(after.columns[column_of(after, "they")].mentions ==
        6 * before.columns[column_of(before, "they")].mentions);
  for (const AuditRow& row : after.rows) {
    INFO(row.label);
    CHECK(row.sentences == 6 * row_of(before, row.label).sentences);
    CHECK(count(after, row.label, "amber") == count(after, row.label, "cedar"));
    CHECK(count(after, row.label, "cedar") == count(after, row.label, "slate"));
    CHECK(count(after, row.label, "she") == count(after, row.label, "he"));
  }
  // Names alone: three copies per text in all, pronouns left as they were.
  AugmentOptions names_only;
  names_only.pronouns = false;
  CHECK(counterfactual_copies(texts, lexicon, names_only).size() == 2 * texts.size());
}

TEST_CASE("pronoun-only augmentation balances she and he on any text", "[step03][audit]") {
  const std::vector<std::string> texts = {
      "She is a doctor and her patients like her. He is a nurse.",
      "Her nurse was good to him. They said she was a terrible cook."};
  const AuditLexicon lexicon = builtin_lexicon();  // no name groups: only pronouns swap
  const std::vector<std::string> copies = counterfactual_copies(texts, lexicon);
  REQUIRE(copies.size() == texts.size());
  CHECK(copies[0] == "He is a doctor and his patients like him. She is a nurse.");
  std::vector<std::string> augmented = texts;
  augmented.insert(augmented.end(), copies.begin(), copies.end());
  const AuditTable before = audit_texts(texts, lexicon, "before");
  CHECK(count(before, "doctor", "she") == 1);
  CHECK(count(before, "doctor", "he") == 0);
  const AuditTable after = audit_texts(augmented, lexicon, "after");
  for (const AuditRow& row : after.rows) {
    INFO(row.label);
    CHECK(count(after, row.label, "she") == count(after, row.label, "he"));
  }
  CHECK(count(after, "doctor", "she") == 1);
  // "He is a nurse." and "Her nurse was good to him." (both groups), each also swapped.
  CHECK(count(after, "nurse", "he") == 3);
}

TEST_CASE("the audit and the augmentation are deterministic", "[step03][audit]") {
  const World world = make_world(4);
  const AuditLexicon lexicon = world_lexicon(world);
  const std::vector<std::string> texts = world_texts(world, 20'000);
  CHECK(world_texts(world, 20'000) == texts);
  const std::vector<std::string> copies = counterfactual_copies(texts, lexicon);
  CHECK(counterfactual_copies(texts, lexicon) == copies);
  const std::string first = format_audit_table(audit_texts(texts, lexicon, "world"));
  CHECK(format_audit_table(audit_texts(texts, lexicon, "world")) == first);
  CHECK(format_audit_markdown(audit_texts(copies, lexicon, "copies")) ==
        format_audit_markdown(audit_texts(copies, lexicon, "copies")));
  CHECK(fnv1a_64(first) == fnv1a_64(format_audit_table(audit_texts(texts, lexicon, "world"))));
}
