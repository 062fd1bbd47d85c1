#include "tinygpt/eval/qa.h"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <map>
#include <string_view>

#include "python_word_tables.h"
#include "tinygpt/core/check.h"
#include "tinygpt/core/utf8.h"
#include "tinygpt/eval/mt_text.h"

namespace tinygpt::eval {

namespace {

constexpr std::string_view kPunctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

// Python's \w for str patterns: isalnum() or '_', from the generated table.
bool is_word(std::int32_t c) {
  const auto after = std::upper_bound(
      std::begin(detail::kPythonWordRanges), std::end(detail::kPythonWordRanges),
      static_cast<std::uint32_t>(c),
      [](std::uint32_t value, const detail::WordRange& range) { return value < range.first; });
  return after != std::begin(detail::kPythonWordRanges) &&
         static_cast<std::uint32_t>(c) <= std::prev(after)->last;
}

// The normalised answer as tokens, SQuAD's four steps in order: lower(), punctuation out,
// re.sub(r"\b(a|an|the)\b", " ", text) (a maximal run of word characters that is an
// article becomes a space), split() on white space.
std::vector<std::string> normalized_tokens(std::string_view text) {
  const std::string lowered = python_lower(text);  // Python's str.lower(); UTF-8 checked there
  std::string kept;
  for (const char c : lowered) {
    if (kPunctuation.find(c) == std::string_view::npos) kept += c;  // ASCII: never inside
  }                                                                 // a multi-byte character
  // A maximal run of word characters that reads "a", "an" or "the" becomes a space.
  std::string spaced;
  std::size_t word_start = 0;
  bool in_word = false;
  const auto end_word = [&](std::size_t end) {
    const std::string_view word = std::string_view(kept).substr(word_start, end - word_start);
    spaced.append(word == "a" || word == "an" || word == "the" ? std::string_view(" ") : word);
  };
  for (std::size_t position = 0; position < kept.size();) {
    const std::size_t start = position;
    const bool word = is_word(next_code_point(kept, position));
    if (word && !in_word) word_start = start;
    if (!word) {
      if (in_word) end_word(start);
      spaced.append(kept, start, position - start);
    }
    in_word = word;
  }
  if (in_word) end_word(kept.size());
  std::vector<std::string> tokens;
  for (const std::string_view token : python_split(spaced)) tokens.emplace_back(token);
  return tokens;
}

void check_golds(std::span<const std::string> golds, const char* what) {
  TINYGPT_CHECK(!golds.empty(), what, ": no gold answers; a question needs at least one");
}

}  // namespace

std::string normalize_answer(std::string_view text) {
  std::string out;
  for (const std::string& token : normalized_tokens(text)) {
    if (!out.empty()) out += ' ';
    out += token;
  }
  return out;
}

double exact_match(std::string_view prediction, std::string_view gold) {
  return normalize_answer(prediction) == normalize_answer(gold) ? 1.0 : 0.0;
}

double token_f1(std::string_view prediction, std::string_view gold) {
  // Bags of tokens: c = sum over tokens of min(count in prediction, count in gold).
  const std::vector<std::string> predicted = normalized_tokens(prediction);
  const std::vector<std::string> expected = normalized_tokens(gold);
  std::map<std::string, std::int64_t> left;
  for (const std::string& token : expected) left[token] += 1;
  std::int64_t common = 0;
  for (const std::string& token : predicted) {
    const auto at = left.find(token);
    if (at != left.end() && at->second > 0) {
      at->second -= 1;
      common += 1;
    }
  }
  if (common == 0) return 0.0;
  const double precision = static_cast<double>(common) / static_cast<double>(predicted.size());
  const double recall = static_cast<double>(common) / static_cast<double>(expected.size());
  return 2.0 * precision * recall / (precision + recall);
}

double best_exact_match(std::string_view prediction, std::span<const std::string> golds) {
  check_golds(golds, "best_exact_match");
  double best = 0.0;
  for (const std::string& gold : golds) best = std::max(best, exact_match(prediction, gold));
  return best;
}

double best_token_f1(std::string_view prediction, std::span<const std::string> golds) {
  check_golds(golds, "best_token_f1");
  double best = 0.0;
  for (const std::string& gold : golds) best = std::max(best, token_f1(prediction, gold));
  return best;
}

QaScores qa_scores(std::span<const std::string> predictions,
                   std::span<const std::vector<std::string>> golds) {
  TINYGPT_CHECK(predictions.size() == golds.size(), "qa_scores: ", predictions.size(),
                " predictions but ", golds.size(),
                " lists of gold answers; they must pair up, one per question");
  TINYGPT_CHECK(!predictions.empty(), "qa_scores: no questions (the predictions are empty)");
  QaScores scores;
  for (std::size_t i = 0; i < predictions.size(); ++i) {
    TINYGPT_CHECK(!golds[i].empty(), "qa_scores: question ", i,
                  " has no gold answers; every question needs at least one");
    const QaScore item{best_exact_match(predictions[i], golds[i]),
                       best_token_f1(predictions[i], golds[i])};
    scores.exact_match += item.exact_match;
    scores.f1 += item.f1;
    scores.items.push_back(item);
  }
  const auto n = static_cast<double>(predictions.size());
  scores.exact_match /= n;
  scores.f1 /= n;
  return scores;
}

}  // namespace tinygpt::eval
