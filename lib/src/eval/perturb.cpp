// Perturbation suites for robustness tests (eval/perturb.h). perturb_word_characters(), the
// edit of one word, is in perturb_characters.cpp.
#include "tinygpt/eval/perturb.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <map>
#include <numeric>
#include <set>

#include "tinygpt/core/check.h"
#include "tinygpt/core/rng.h"

namespace tinygpt::eval {
namespace {

bool is_ascii_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

bool is_ascii_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// A word as data/audit.h counts them: ASCII letters, digits and non-ASCII bytes.
bool is_word_byte(char c) {
  const auto u = static_cast<unsigned char>(c);
  return is_ascii_letter(c) || (c >= '0' && c <= '9') || u >= 0x80;
}

std::string lowercase(std::string_view word) {
  std::string out(word);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// `replacement` (lowercase) with its first letter in the case of `original`'s.
std::string in_case_of(std::string_view original, std::string_view replacement) {
  std::string out(replacement);
  if (!original.empty() && original[0] >= 'A' && original[0] <= 'Z' && !out.empty() &&
      out[0] >= 'a' && out[0] <= 'z') {
    out[0] = static_cast<char>(out[0] - 'a' + 'A');
  }
  return out;
}

// Byte ranges [begin, end) of the maximal runs of bytes for which keep(c) holds.
template <typename Keep>
std::vector<std::pair<std::size_t, std::size_t>> runs(std::string_view text, Keep keep) {
  std::vector<std::pair<std::size_t, std::size_t>> spans;
  std::size_t i = 0;
  while (i < text.size()) {
    if (!keep(text[i])) {
      ++i;
      continue;
    }
    const std::size_t begin = i;
    while (i < text.size() && keep(text[i])) ++i;
    spans.emplace_back(begin, i);
  }
  return spans;
}

void check_severity(double severity, std::string_view who) {
  TINYGPT_CHECK(severity >= 0.0 && severity <= 1.0, who, ": the severity must be in [0, 1], got ",
                severity);
}

// Which of n units are changed at this severity: the first round(severity n) of a random
// order (Fisher-Yates, n - 1 draws whatever the severity, so severities are nested).
std::vector<bool> chosen_units(std::size_t n, double severity, CounterRng& rng) {
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), std::size_t{0});
  for (std::size_t i = n; i > 1; --i) {
    std::swap(order[i - 1], order[rng.below(static_cast<std::uint32_t>(i))]);
  }
  const auto k = static_cast<std::size_t>(std::llround(severity * static_cast<double>(n)));
  std::vector<bool> chosen(n, false);
  for (std::size_t i = 0; i < k && i < n; ++i) chosen[order[i]] = true;
  return chosen;
}

// One of `count` choices other than `self`: below(count - 1), skipping self.
std::size_t other_than(std::size_t self, std::size_t count, CounterRng& rng) {
  std::size_t r = rng.below(static_cast<std::uint32_t>(count - 1));
  return r >= self ? r + 1 : r;
}

// The twelve sentiment words of the reviews (lib/src/data/generator_detail.h), as antonym
// pairs: each positive word faces the negative word of the same strength, roughly.
constexpr std::array<std::pair<std::string_view, std::string_view>, 6> kAntonyms = {{
    {"good", "bad"},
    {"great", "poor"},
    {"excellent", "awful"},
    {"superb", "terrible"},
    {"wonderful", "dreadful"},
    {"lovely", "shoddy"},
}};

}  // namespace

std::string_view qwerty_neighbours(char letter) {
  // Key centres: row r, column c at x = c + shift[r], y = r. Two keys touch when they are
  // in one row and next to each other, or in adjacent rows less than one key apart in x.
  static const std::array<std::string, 26> table = [] {
    constexpr std::array<std::string_view, 3> rows = {"qwertyuiop", "asdfghjkl", "zxcvbnm"};
    constexpr std::array<double, 3> shift = {0.0, 0.25, 0.75};
    std::array<std::string, 26> neighbours;
    for (std::size_t r = 0; r < rows.size(); ++r) {
      for (std::size_t c = 0; c < rows[r].size(); ++c) {
        const double x = static_cast<double>(c) + shift[r];
        std::string& out = neighbours[static_cast<std::size_t>(rows[r][c] - 'a')];
        for (std::size_t r2 = 0; r2 < rows.size(); ++r2) {
          for (std::size_t c2 = 0; c2 < rows[r2].size(); ++c2) {
            const double dx = std::abs(static_cast<double>(c2) + shift[r2] - x);
            const bool same_row = r2 == r && dx == 1.0;
            const bool next_row = (r2 + 1 == r || r + 1 == r2) && dx < 1.0;
            if (same_row || next_row) out += rows[r2][c2];
          }
        }
      }
    }
    return neighbours;
  }();
  if (!is_ascii_letter(letter)) return {};
  const char lower =
      (letter >= 'A' && letter <= 'Z') ? static_cast<char>(letter - 'A' + 'a') : letter;
  return table[static_cast<std::size_t>(lower - 'a')];
}

bool is_noise_eligible(std::string_view word) {
  for (std::size_t i = 0; i + 1 < word.size(); ++i) {
    if (is_ascii_letter(word[i]) && is_ascii_letter(word[i + 1]) && word[i] != word[i + 1]) {
      return true;
    }
  }
  return false;
}

std::string char_noise(std::string_view text, const CharNoiseOptions& options, std::uint64_t seed,
                       std::uint64_t index) {
  check_severity(options.severity, "char_noise");
  TINYGPT_CHECK(!options.edits.empty(), "char_noise: no edits to choose from");
  std::vector<std::pair<std::size_t, std::size_t>> eligible;
  for (const auto& span : runs(text, [](char c) { return !is_ascii_space(c); })) {
    if (is_noise_eligible(text.substr(span.first, span.second - span.first))) {
      eligible.push_back(span);
    }
  }
  CounterRng rng(seed, RngStream::kDemo, kCharNoiseStep, index);
  const std::vector<bool> chosen = chosen_units(eligible.size(), options.severity, rng);
  std::string out;
  out.reserve(text.size() + eligible.size());
  std::size_t done = 0;  // bytes of `text` copied or replaced so far
  for (std::size_t w = 0; w < eligible.size(); ++w) {
    // Every word's draws are made, chosen or not, so that a word's edit is the same at
    // every severity.
    const CharEdit edit =
        options.edits[rng.below(static_cast<std::uint32_t>(options.edits.size()))];
    const float u_position = rng.uniform();
    const float u_letter = rng.uniform();
    if (!chosen[w]) continue;
    const auto [begin, end] = eligible[w];
    out.append(text.substr(done, begin - done));
    out += perturb_word_characters(text.substr(begin, end - begin), edit, u_position, u_letter);
    done = end;
  }
  out.append(text.substr(done));
  return out;
}

std::vector<std::string> char_noise_suite(std::span<const std::string> texts,
                                          const CharNoiseOptions& options, std::uint64_t seed) {
  std::vector<std::string> out;
  out.reserve(texts.size());
  for (std::size_t i = 0; i < texts.size(); ++i)
    out.push_back(char_noise(texts[i], options, seed, i));
  return out;
}

std::vector<std::string> lexicon_names(const data::AuditLexicon& lexicon) {
  std::vector<std::string> names;
  std::set<std::string> seen;
  for (const data::GroupTerms& group : lexicon.groups) {
    if (group.axis != data::kNameAxis) continue;
    for (const std::string& name : group.terms) {
      if (seen.insert(name).second) names.push_back(name);
    }
  }
  return names;
}

std::string swap_entities(std::string_view text, std::span<const std::string> names,
                          double severity, std::uint64_t seed, std::uint64_t index) {
  check_severity(severity, "swap_entities");
  TINYGPT_CHECK(names.size() >= 2, "swap_entities: need at least two names to swap, got ",
                names.size());
  std::map<std::string_view, std::size_t> position;  // name -> its index in `names`
  for (std::size_t i = 0; i < names.size(); ++i) {
    TINYGPT_CHECK(position.emplace(names[i], i).second, "swap_entities: the name '", names[i],
                  "' is listed twice");
  }
  // The distinct names of the text, in order of first occurrence, and every occurrence.
  const auto words = runs(text, is_word_byte);
  std::vector<std::size_t> distinct;                         // indices into `names`
  std::vector<std::pair<std::size_t, std::size_t>> mention;  // (word, index into distinct)
  for (std::size_t w = 0; w < words.size(); ++w) {
    const auto it = position.find(text.substr(words[w].first, words[w].second - words[w].first));
    if (it == position.end()) continue;
    const auto d = std::find(distinct.begin(), distinct.end(), it->second);
    mention.emplace_back(w, static_cast<std::size_t>(d - distinct.begin()));
    if (d == distinct.end()) distinct.push_back(it->second);
  }
  CounterRng rng(seed, RngStream::kDemo, kEntitySwapStep, index);
  const std::vector<bool> chosen = chosen_units(distinct.size(), severity, rng);
  std::vector<std::size_t> replacement(distinct.size());
  for (std::size_t d = 0; d < distinct.size(); ++d) {
    replacement[d] = other_than(distinct[d], names.size(), rng);
  }
  std::string out;
  std::size_t done = 0;
  for (const auto& [w, d] : mention) {
    if (!chosen[d]) continue;
    out.append(text.substr(done, words[w].first - done));
    out += names[replacement[d]];
    done = words[w].second;
  }
  out.append(text.substr(done));
  return out;
}

std::span<const std::vector<std::string_view>> synonym_groups() {
  // The project's own table. Each group keeps a review's polarity and, roughly, its
  // strength; the first words of the sentiment groups are the generator's, the others are
  // words the generator never writes, which is what a synonym swap tests.
  static const std::vector<std::vector<std::string_view>> groups = {
      {"good", "great", "fine", "nice"},
      {"excellent", "superb", "wonderful", "splendid"},
      {"lovely", "delightful", "charming"},
      {"bad", "poor", "weak"},
      {"awful", "terrible", "dreadful", "horrible"},
      {"shoddy", "flimsy", "sloppy"},
      {"very", "really", "truly", "extremely", "incredibly"},
      {"bought", "purchased"},
      {"arrived", "came"},
      {"colour", "color"},
      {"box", "packaging"},
      {"handle", "grip"},
  };
  return groups;
}

std::string swap_synonyms(std::string_view text, double severity, std::uint64_t seed,
                          std::uint64_t index) {
  check_severity(severity, "swap_synonyms");
  std::map<std::string, std::pair<std::size_t, std::size_t>> where;  // word -> (group, slot)
  const auto groups = synonym_groups();
  for (std::size_t g = 0; g < groups.size(); ++g) {
    for (std::size_t s = 0; s < groups[g].size(); ++s) where[std::string(groups[g][s])] = {g, s};
  }
  struct Unit {
    std::size_t begin, end, group, slot;
  };
  std::vector<Unit> units;
  for (const auto& [begin, end] : runs(text, is_word_byte)) {
    const auto it = where.find(lowercase(text.substr(begin, end - begin)));
    if (it != where.end()) units.push_back({begin, end, it->second.first, it->second.second});
  }
  CounterRng rng(seed, RngStream::kDemo, kSynonymSwapStep, index);
  const std::vector<bool> chosen = chosen_units(units.size(), severity, rng);
  std::string out;
  std::size_t done = 0;
  for (std::size_t u = 0; u < units.size(); ++u) {
    const Unit& unit = units[u];
    const std::vector<std::string_view>& group = groups[unit.group];
    const std::size_t other = other_than(unit.slot, group.size(), rng);
    if (!chosen[u]) continue;
    out.append(text.substr(done, unit.begin - done));
    out += in_case_of(text.substr(unit.begin, unit.end - unit.begin), group[other]);
    done = unit.end;
  }
  out.append(text.substr(done));
  return out;
}

data::Sentiment flipped_sentiment(data::Sentiment label) {
  switch (label) {
    case data::Sentiment::kPositive:
      return data::Sentiment::kNegative;
    case data::Sentiment::kNegative:
      return data::Sentiment::kPositive;
    case data::Sentiment::kNeutral:
      break;
  }
  return data::Sentiment::kNeutral;
}

std::string_view sentiment_antonym(std::string_view word) {
  const std::string lower = lowercase(word);
  for (const auto& [positive, negative] : kAntonyms) {
    if (lower == positive) return negative;
    if (lower == negative) return positive;
  }
  return {};
}

std::optional<LabelledText> negate_review(std::string_view review, data::Sentiment label) {
  const auto words = runs(review, is_word_byte);
  for (std::size_t w = words.size(); w >= 2; --w) {
    const auto [copula_begin, copula_end] = words[w - 2];
    const auto [begin, end] = words[w - 1];
    if (lowercase(review.substr(copula_begin, copula_end - copula_begin)) != "is") continue;
    if (review.substr(copula_end, begin - copula_end) != " ") continue;
    if (sentiment_antonym(review.substr(begin, end - begin)).empty()) continue;
    std::string text(review.substr(0, begin));
    text += "not ";
    text += review.substr(begin);
    return LabelledText{std::move(text), flipped_sentiment(label)};
  }
  return std::nullopt;
}

std::optional<LabelledText> antonym_review(std::string_view review, data::Sentiment label) {
  std::string text;
  std::size_t done = 0;
  bool changed = false;
  for (const auto& [begin, end] : runs(review, is_word_byte)) {
    const std::string_view word = review.substr(begin, end - begin);
    const std::string_view antonym = sentiment_antonym(word);
    if (antonym.empty()) continue;
    text.append(review.substr(done, begin - done));
    text += in_case_of(word, antonym);
    done = end;
    changed = true;
  }
  if (!changed) return std::nullopt;
  text.append(review.substr(done));
  return LabelledText{std::move(text), flipped_sentiment(label)};
}

std::string word_core(std::string_view word) {
  const auto is_letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  std::size_t begin = 0;
  while (begin < word.size() && !is_letter(word[begin])) ++begin;
  std::size_t end = begin;
  while (end < word.size() && is_letter(word[end])) ++end;
  return lowercase(word.substr(begin, end - begin));
}

std::span<const std::string_view> structural_words() {
  static constexpr std::string_view kWords[] = {"not", "never", "hardly", "neither", "nor", "but"};
  return kWords;
}

bool is_structural_word(std::string_view word) {
  const std::span<const std::string_view> words = structural_words();
  return std::find(words.begin(), words.end(), word_core(word)) != words.end();
}

std::span<const std::string_view> synonyms_of(std::string_view word) {
  const std::string core = word_core(word);
  for (const std::vector<std::string_view>& group : synonym_groups()) {
    if (std::find(group.begin(), group.end(), core) != group.end()) return group;
  }
  return {};
}

}  // namespace tinygpt::eval
