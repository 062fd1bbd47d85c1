// The bias audit (counts of group terms and their co-occurrence with occupations and
// sentiment words, sentence by sentence) and counterfactual augmentation. The rules are
// stated in audit.h; this file keeps them in one scanner (for_each_word) used by both.
#include "tinygpt/data/audit.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "generator_detail.h"
#include "tinygpt/core/check.h"
#include "tinygpt/core/files.h"

namespace tinygpt::data {

namespace {

// Part of a word: ASCII letters and digits, and every byte of a non-ASCII UTF-8 character
// (so "Zoë" is one word and is never taken for "Zo").
bool is_word_byte(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return byte >= 0x80 || std::isalnum(byte) != 0;
}

std::string lowercase(std::string_view word) {
  std::string lower(word);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower;
}

// Calls on_word(start, end) for every word and on_sentence_end() at every sentence end
// ('.', '!', '?', a blank line, and the end of the text).
template <typename OnWord, typename OnSentenceEnd>
void for_each_word(std::string_view text, OnWord on_word, OnSentenceEnd on_sentence_end) {
  bool line_blank = true;
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (is_word_byte(c)) {
      std::size_t end = i;
      while (end < text.size() && is_word_byte(text[end])) ++end;
      on_word(i, end);
      line_blank = false;
      i = end;
      continue;
    }
    if (c == '.' || c == '!' || c == '?') on_sentence_end();
    if (c == '\n') {
      if (line_blank) on_sentence_end();
      line_blank = true;
    } else if (c != ' ' && c != '\t' && c != '\r') {
      line_blank = false;
    }
    ++i;
  }
  on_sentence_end();
}

// The lexicon as lookup tables: word -> column, word -> row.
struct Lookup {
  std::map<std::string, int, std::less<>> names;     // exact case -> column
  std::map<std::string, int, std::less<>> pronouns;  // lowercase -> column
  std::map<std::string, int, std::less<>> rows;      // lowercase -> row
};

Lookup make_lookup(const AuditLexicon& lexicon) {
  Lookup lookup;
  for (std::size_t g = 0; g < lexicon.groups.size(); ++g) {
    const GroupTerms& group = lexicon.groups[g];
    const bool names = group.axis == kNameAxis;
    for (const std::string& term : group.terms) {
      auto& table = names ? lookup.names : lookup.pronouns;
      const std::string key = names ? term : lowercase(term);
      TINYGPT_CHECK(table.count(key) == 0, "audit: the term '", term,
                    "' is in two groups of the lexicon");
      table[key] = static_cast<int>(g);
    }
  }
  const int occupations = static_cast<int>(lexicon.occupations.size());
  for (int r = 0; r < occupations; ++r) {
    lookup.rows.emplace(lowercase(lexicon.occupations[r]), r);
  }
  // Plurals after every singular, so a singular that looks like a plural ("s"-ending
  // word) keeps its own row.
  for (int r = 0; r < occupations; ++r) {
    lookup.rows.emplace(lowercase(lexicon.occupations[r]) + "s", r);
  }
  for (const std::string& word : lexicon.positive_words) {
    lookup.rows.emplace(lowercase(word), occupations);
  }
  for (const std::string& word : lexicon.negative_words) {
    lookup.rows.emplace(lowercase(word), occupations + 1);
  }
  return lookup;
}

std::vector<std::string> strings_of(std::span<const std::string_view> words) {
  return {words.begin(), words.end()};
}

// The name groups of a lexicon, in order, checked to be parallel lists.
std::vector<const GroupTerms*> name_groups(const AuditLexicon& lexicon) {
  std::vector<const GroupTerms*> groups;
  for (const GroupTerms& group : lexicon.groups) {
    if (group.axis == kNameAxis) groups.push_back(&group);
  }
  for (const GroupTerms* group : groups) {
    TINYGPT_CHECK(group->terms.size() == groups.front()->terms.size(),
                  "rotate_names: the name groups must be parallel lists, but '",
                  groups.front()->group, "' has ", groups.front()->terms.size(), " names and '",
                  group->group, "' ", group->terms.size());
  }
  return groups;
}

// `replacement` written with the case pattern of `original`: all capitals (2+ letters),
// a capital first letter, or lower case.
std::string with_case_of(std::string_view original, std::string_view replacement) {
  std::string result(replacement);
  const bool first_upper = std::isupper(static_cast<unsigned char>(original.front())) != 0;
  const bool all_upper =
      original.size() > 1 && std::all_of(original.begin(), original.end(), [](char c) {
        return std::isupper(static_cast<unsigned char>(c)) != 0;
      });
  if (all_upper) {
    for (char& c : result) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  } else if (first_upper) {
    result[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(result[0])));
  }
  return result;
}

// Words after which "her" is an object and "his" a pronoun, not a determiner: a noun
// phrase never starts with them ("gave her the key", "saw her in town", "it was his and").
const std::set<std::string, std::less<>> kNotNounStarts = {
    "a",     "about", "after", "again", "all",   "also",    "am",        "an",     "and",   "any",
    "are",   "as",    "at",    "away",  "back",  "be",      "because",   "before", "both",  "but",
    "by",    "down",  "each",  "for",   "from",  "he",      "her",       "here",   "him",   "his",
    "how",   "i",     "if",    "in",    "into",  "is",      "it",        "just",   "me",    "nor",
    "not",   "now",   "of",    "off",   "on",    "once",    "onto",      "or",     "out",   "over",
    "she",   "so",    "some",  "than",  "that",  "the",     "them",      "then",   "there", "these",
    "they",  "this",  "those", "to",    "today", "tonight", "tomorrow",  "too",    "under", "up",
    "us",    "very",  "was",   "we",    "well",  "were",    "what",      "when",   "where", "which",
    "while", "who",   "whom",  "why",   "with",  "without", "yesterday", "yet",    "you"};

// Whether the next word after `end` (skipping only whitespace) starts a noun phrase.
bool noun_follows(std::string_view text, std::size_t end) {
  std::size_t start = end;
  while (start < text.size() && std::isspace(static_cast<unsigned char>(text[start])) != 0) {
    ++start;
  }
  if (start == end || start >= text.size() || !is_word_byte(text[start])) return false;
  std::size_t stop = start;
  while (stop < text.size() && is_word_byte(text[stop])) ++stop;
  return kNotNounStarts.count(lowercase(text.substr(start, stop - start))) == 0;
}

// The he/she counterpart of a pronoun (lowercase), "" when the word is not one.
std::string swapped_pronoun(std::string_view lower, std::string_view text, std::size_t end) {
  if (lower == "she") return "he";
  if (lower == "he") return "she";
  if (lower == "him") return "her";
  if (lower == "hers") return "his";
  if (lower == "herself") return "himself";
  if (lower == "himself") return "herself";
  if (lower == "her") return noun_follows(text, end) ? "his" : "him";
  if (lower == "his") return noun_follows(text, end) ? "her" : "hers";
  return "";
}

std::string with_commas(std::int64_t value) {
  const std::string digits = std::to_string(value < 0 ? -value : value);
  std::string out = value < 0 ? "-" : "";
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

// The table's cells as text: a header, two rows of totals, then the body.
struct Grid {
  std::vector<std::string> header;             // "" then the groups, then "all"
  std::vector<std::vector<std::string>> rows;  // first cell the label
  std::size_t totals = 2;                      // rows before the body
};

Grid grid_of(const AuditTable& table) {
  Grid grid;
  grid.header.push_back("");
  std::vector<std::string> mentions = {"mentions"};
  std::vector<std::string> sentences = {"sentences"};
  for (const AuditColumn& column : table.columns) {
    grid.header.push_back(column.group);
    mentions.push_back(with_commas(column.mentions));
    sentences.push_back(with_commas(column.sentences));
  }
  grid.header.push_back("all");
  mentions.push_back("");
  sentences.push_back(with_commas(table.sentences));
  grid.rows.push_back(mentions);
  grid.rows.push_back(sentences);
  for (const AuditRow& row : table.rows) {
    std::vector<std::string> cells = {row.kind == "sentiment" ? row.label + " words" : row.label};
    for (const std::int64_t count : row.counts) cells.push_back(with_commas(count));
    cells.push_back(with_commas(row.sentences));
    grid.rows.push_back(cells);
  }
  return grid;
}

// Where an axis ends and the next begins: after column c (0-based group index).
bool axis_ends_after(const AuditTable& table, std::size_t c) {
  return c + 1 == table.columns.size() || table.columns[c].axis != table.columns[c + 1].axis;
}

std::string title_of(const AuditTable& table) {
  return "audit of " + table.corpus + ": " + with_commas(table.texts) + " texts, " +
         with_commas(table.sentences) + " sentences, " + with_commas(table.words) + " words";
}

}  // namespace

std::vector<GroupTerms> pronoun_groups() {
  return {{std::string(kPronounAxis), "she", {"she", "her", "hers", "herself"}},
          {std::string(kPronounAxis), "he", {"he", "him", "his", "himself"}},
          {std::string(kPronounAxis), "they", {"they", "them", "their", "theirs", "themselves"}}};
}

AuditLexicon builtin_lexicon() {
  AuditLexicon lexicon;
  lexicon.groups = pronoun_groups();
  lexicon.occupations = strings_of(kBuiltinOccupations);
  lexicon.positive_words = strings_of(detail::kPositiveWords);
  lexicon.negative_words = strings_of(detail::kNegativeWords);
  return lexicon;
}

AuditLexicon world_lexicon(const World& world) {
  AuditLexicon lexicon;
  for (const std::string_view group : kNamingGroups) {
    lexicon.groups.push_back({std::string(kNameAxis), std::string(group), {}});
  }
  for (const Person& person : world.people) {
    lexicon.groups.at(static_cast<std::size_t>(person.group)).terms.push_back(person.name);
  }
  for (GroupTerms& group : pronoun_groups()) lexicon.groups.push_back(std::move(group));
  lexicon.occupations = strings_of(kOccupations);
  lexicon.positive_words = strings_of(detail::kPositiveWords);
  lexicon.negative_words = strings_of(detail::kNegativeWords);
  return lexicon;
}

AuditLexicon load_world_lexicon(const std::filesystem::path& catalogue_json) {
  const std::string text = read_file(catalogue_json);
  AuditLexicon lexicon;
  try {
    const nlohmann::json json = nlohmann::json::parse(text);
    std::map<std::string, std::size_t> group_index;
    for (const nlohmann::json& group : json.at("naming_groups")) {
      group_index[group.get<std::string>()] = lexicon.groups.size();
      lexicon.groups.push_back({std::string(kNameAxis), group.get<std::string>(), {}});
    }
    for (const nlohmann::json& person : json.at("people")) {
      const std::string group = person.at("group").get<std::string>();
      TINYGPT_CHECK(group_index.count(group) != 0, "unknown naming group '", group, "'");
      lexicon.groups[group_index[group]].terms.push_back(person.at("name").get<std::string>());
    }
    for (const nlohmann::json& occupation : json.at("occupations")) {
      lexicon.occupations.push_back(occupation.get<std::string>());
    }
  } catch (const nlohmann::json::exception& error) {
    throw Error(catalogue_json.string() + " is not a catalogue written by `tinygpt data " +
                "generate` (" + error.what() + ")");
  }
  for (GroupTerms& group : pronoun_groups()) lexicon.groups.push_back(std::move(group));
  lexicon.positive_words = strings_of(detail::kPositiveWords);
  lexicon.negative_words = strings_of(detail::kNegativeWords);
  return lexicon;
}

AuditTable audit_texts(std::span<const std::string> texts, const AuditLexicon& lexicon,
                       std::string_view corpus) {
  const Lookup lookup = make_lookup(lexicon);
  AuditTable table;
  table.corpus = std::string(corpus);
  for (const GroupTerms& group : lexicon.groups) table.columns.push_back({group.axis, group.group});
  const std::size_t groups = lexicon.groups.size();
  for (const std::string& occupation : lexicon.occupations) {
    table.rows.push_back({occupation, "occupation", 0, std::vector<std::int64_t>(groups)});
  }
  table.rows.push_back({"positive", "sentiment", 0, std::vector<std::int64_t>(groups)});
  table.rows.push_back({"negative", "sentiment", 0, std::vector<std::int64_t>(groups)});

  // What the current sentence contains: a flag per group and per row.
  std::vector<char> group_seen(groups), row_seen(table.rows.size());
  std::int64_t sentence_words = 0;
  for (const std::string& text : texts) {
    ++table.texts;
    const auto on_word = [&](std::size_t start, std::size_t end) {
      const std::string_view word = std::string_view(text).substr(start, end - start);
      ++sentence_words;
      if (const auto name = lookup.names.find(word); name != lookup.names.end()) {
        ++table.columns[name->second].mentions;
        group_seen[name->second] = 1;
        return;
      }
      const std::string lower = lowercase(word);
      if (const auto pronoun = lookup.pronouns.find(lower); pronoun != lookup.pronouns.end()) {
        ++table.columns[pronoun->second].mentions;
        group_seen[pronoun->second] = 1;
      } else if (const auto row = lookup.rows.find(lower); row != lookup.rows.end()) {
        row_seen[row->second] = 1;
      }
    };
    const auto on_sentence_end = [&] {
      if (sentence_words == 0) return;
      ++table.sentences;
      table.words += sentence_words;
      for (std::size_t g = 0; g < groups; ++g) table.columns[g].sentences += group_seen[g];
      for (std::size_t r = 0; r < table.rows.size(); ++r) {
        if (!row_seen[r]) continue;
        ++table.rows[r].sentences;
        for (std::size_t g = 0; g < groups; ++g) table.rows[r].counts[g] += group_seen[g];
      }
      std::fill(group_seen.begin(), group_seen.end(), 0);
      std::fill(row_seen.begin(), row_seen.end(), 0);
      sentence_words = 0;
    };
    for_each_word(text, on_word, on_sentence_end);
  }
  return table;
}

std::string format_audit_table(const AuditTable& table) {
  const Grid grid = grid_of(table);
  std::vector<std::size_t> widths(grid.header.size());
  for (std::size_t c = 0; c < widths.size(); ++c) {
    widths[c] = grid.header[c].size();
    for (const auto& row : grid.rows) widths[c] = std::max(widths[c], row[c].size());
    if (c > 0) widths[c] = std::max<std::size_t>(widths[c], 6);
  }
  std::ostringstream out;
  out << title_of(table) << "\n"
      << "cells: sentences in which a term of the column's group and the row's word both "
         "appear\n\n";
  // A bar after the labels and after each axis; "all" stands alone at the end.
  const auto line = [&](const std::vector<std::string>& cells) {
    std::string text = cells[0] + std::string(widths[0] - cells[0].size(), ' ') + " |";
    for (std::size_t c = 1; c < cells.size(); ++c) {
      text.append(1 + widths[c] - cells[c].size(), ' ');  // right-aligned numbers
      text += cells[c];
      if (c < cells.size() - 1 && axis_ends_after(table, c - 1)) text += " |";
    }
    out << text << "\n";
  };
  line(grid.header);
  for (std::size_t r = 0; r < grid.rows.size(); ++r) {
    if (r == grid.totals) {
      // The rule under the totals, with '+' where the bars are (as `line` places them).
      std::string rule(widths[0] + 1, '-');
      rule += "+";
      for (std::size_t c = 1; c < grid.header.size(); ++c) {
        rule += std::string(widths[c] + 1, '-');
        if (c < grid.header.size() - 1 && axis_ends_after(table, c - 1)) rule += "-+";
      }
      out << rule << "\n";
    }
    line(grid.rows[r]);
  }
  return out.str();
}

std::string format_audit_markdown(const AuditTable& table) {
  const Grid grid = grid_of(table);
  std::ostringstream out;
  out << "*" << title_of(table) << "; a cell counts the sentences in which a term of the "
      << "column's group and the row's word both appear.*\n\n";
  out << "| |";
  for (std::size_t c = 1; c < grid.header.size(); ++c) out << " " << grid.header[c] << " |";
  out << "\n|---|";
  for (std::size_t c = 1; c < grid.header.size(); ++c) out << "---:|";
  out << "\n";
  for (std::size_t r = 0; r < grid.rows.size(); ++r) {
    const bool total = r < grid.totals;
    out << "| " << (total ? "*" + grid.rows[r][0] + "*" : grid.rows[r][0]) << " |";
    for (std::size_t c = 1; c < grid.rows[r].size(); ++c) out << " " << grid.rows[r][c] << " |";
    out << "\n";
  }
  return out.str();
}

std::string rotate_names(std::string_view text, const AuditLexicon& lexicon, int shift) {
  const std::vector<const GroupTerms*> groups = name_groups(lexicon);
  const int count = static_cast<int>(groups.size());
  if (count == 0 || shift % count == 0) return std::string(text);
  std::map<std::string, std::string, std::less<>> replacement;
  for (int g = 0; g < count; ++g) {
    const GroupTerms& to = *groups[static_cast<std::size_t>(((g + shift) % count + count) % count)];
    for (std::size_t i = 0; i < groups[g]->terms.size(); ++i) {
      replacement[groups[g]->terms[i]] = to.terms[i];
    }
  }
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  std::size_t copied = 0;
  for_each_word(
      text,
      [&](std::size_t start, std::size_t end) {
        const auto found = replacement.find(text.substr(start, end - start));
        if (found == replacement.end()) return;
        out.append(text.substr(copied, start - copied));
        out += found->second;
        copied = end;
      },
      [] {});
  out.append(text.substr(copied));
  return out;
}

std::string swap_pronouns(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 16);
  std::size_t copied = 0;
  for_each_word(
      text,
      [&](std::size_t start, std::size_t end) {
        const std::string_view word = text.substr(start, end - start);
        if (word.size() > 7) return;  // longer than "himself": not a pronoun
        const std::string swapped = swapped_pronoun(lowercase(word), text, end);
        if (swapped.empty()) return;
        out.append(text.substr(copied, start - copied));
        out += with_case_of(word, swapped);
        copied = end;
      },
      [] {});
  out.append(text.substr(copied));
  return out;
}

std::vector<std::string> counterfactual_copies(std::span<const std::string> texts,
                                               const AuditLexicon& lexicon,
                                               const AugmentOptions& options) {
  const int rotations =
      options.names ? std::max(1, static_cast<int>(name_groups(lexicon).size())) : 1;
  const int swaps = options.pronouns ? 2 : 1;
  std::vector<std::string> copies;
  for (int swap = 0; swap < swaps; ++swap) {
    for (int shift = 0; shift < rotations; ++shift) {
      if (swap == 0 && shift == 0) continue;  // the original itself
      for (const std::string& text : texts) {
        const std::string rotated = rotate_names(text, lexicon, shift);
        copies.push_back(swap == 1 ? swap_pronouns(rotated) : rotated);
      }
    }
  }
  return copies;
}

}  // namespace tinygpt::data
