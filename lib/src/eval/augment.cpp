// EDA's four operations (eval/augment.h); random deletion's body is exercise 06.7.
#include "tinygpt/eval/augment.h"

#include <algorithm>
#include <cmath>

#include "tinygpt/core/check.h"
#include "tinygpt/core/files.h"
#include "tinygpt/core/rng.h"
#include "tinygpt/eval/perturb.h"
#include "tinygpt/eval/robustness.h"
#include "tinygpt/tune/task_data.h"

namespace tinygpt::eval {

namespace {

bool is_ascii_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

std::vector<std::string> words_of(std::string_view text) {
  std::vector<std::string> words;
  std::size_t at = 0;
  while (at < text.size()) {
    while (at < text.size() && is_ascii_space(text[at])) ++at;
    const std::size_t begin = at;
    while (at < text.size() && !is_ascii_space(text[at])) ++at;
    if (at > begin) words.emplace_back(text.substr(begin, at - begin));
  }
  return words;
}

std::string joined(std::span<const std::string> words) {
  std::string text;
  for (const std::string& word : words) text += (text.empty() ? "" : " ") + word;
  return text;
}

// n = max(1, round(alpha * words)): how many units an operation changes.
std::size_t changes(double alpha, std::size_t words) {
  return std::max<std::size_t>(
      1, static_cast<std::size_t>(std::lround(alpha * static_cast<double>(words))));
}

std::string synonym_replacement(std::string_view text, double alpha, std::uint64_t seed,
                                std::uint64_t index) {
  std::size_t table_words = 0;
  for (const std::string& word : words_of(text)) table_words += synonyms_of(word).empty() ? 0 : 1;
  if (table_words == 0) return std::string(text);
  // perturb.h's synonym swaps change exactly round(s m) of the m table words: s = n / m.
  const std::size_t n = std::min(changes(alpha, words_of(text).size()), table_words);
  return swap_synonyms(text, static_cast<double>(n) / static_cast<double>(table_words), seed,
                       index);
}

std::string random_insertion(std::string_view text, double alpha, CounterRng& rng) {
  std::vector<std::string> words = words_of(text);
  std::vector<std::size_t> table;  // positions of words with synonyms
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (!synonyms_of(words[i]).empty()) table.push_back(i);
  }
  if (table.empty()) return std::string(text);
  const std::size_t n = changes(alpha, words.size());
  for (std::size_t k = 0; k < n; ++k) {
    const std::string& source = words[table[rng.below(static_cast<std::uint32_t>(table.size()))]];
    const std::span<const std::string_view> group = synonyms_of(source);
    std::string synonym(group[rng.below(static_cast<std::uint32_t>(group.size()))]);
    const std::size_t gap = rng.below(static_cast<std::uint32_t>(words.size() + 1));
    words.insert(words.begin() + static_cast<std::ptrdiff_t>(gap), std::move(synonym));
    // The inserted word shifts the table's positions at or after the gap.
    for (std::size_t& position : table) position += position >= gap ? 1 : 0;
  }
  return joined(words);
}

std::string random_swap(std::string_view text, double alpha, CounterRng& rng) {
  std::vector<std::string> words = words_of(text);
  std::vector<std::size_t> movable;  // structural words keep their place
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (!is_structural_word(words[i])) movable.push_back(i);
  }
  if (movable.size() < 2) return std::string(text);
  const std::size_t n = changes(alpha, words.size());
  const auto count = static_cast<std::uint32_t>(movable.size());
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t a = rng.below(count);
    // A different word of the movable ones: draw among the others.
    std::size_t b = rng.below(count - 1);
    b += b >= a ? 1 : 0;
    std::swap(words[movable[a]], words[movable[b]]);
  }
  return joined(words);
}

std::string deletion(std::string_view text, double p, CounterRng& rng) {
  const std::vector<std::string> words = words_of(text);
  std::vector<float> draws(words.size());
  for (float& draw : draws) draw = rng.uniform();
  return joined(random_deletion(words, p, draws, rng.uniform()));
}

void check_share(double value, const char* name) {
  TINYGPT_CHECK(value >= 0.0 && value <= 1.0, "EDA: ", name, " must be in [0, 1], got ", value);
}

}  // namespace

std::string_view eda_operation_name(EdaOperation operation) {
  switch (operation) {
    case EdaOperation::kSynonymReplacement:
      return "SR";
    case EdaOperation::kRandomInsertion:
      return "RI";
    case EdaOperation::kRandomSwap:
      return "RS";
    case EdaOperation::kRandomDeletion:
      return "RD";
  }
  return "?";
}

std::string eda_operation(std::string_view text, EdaOperation operation, const EdaOptions& options,
                          std::uint64_t seed, std::uint64_t index) {
  CounterRng rng(seed, RngStream::kDemo, kEdaStep, index);
  switch (operation) {
    case EdaOperation::kSynonymReplacement:
      return synonym_replacement(text, options.alpha_sr, seed, index);
    case EdaOperation::kRandomInsertion:
      return random_insertion(text, options.alpha_ri, rng);
    case EdaOperation::kRandomSwap:
      return random_swap(text, options.alpha_rs, rng);
    case EdaOperation::kRandomDeletion:
      return deletion(text, options.p_rd, rng);
  }
  return std::string(text);
}

std::vector<std::string> eda(std::string_view text, const EdaOptions& options, std::uint64_t seed,
                             std::uint64_t index) {
  check_share(options.alpha_sr, "alpha_sr");
  check_share(options.alpha_ri, "alpha_ri");
  check_share(options.alpha_rs, "alpha_rs");
  check_share(options.p_rd, "p_rd");
  TINYGPT_CHECK(options.copies >= 1 && options.copies <= kEdaCopies, "EDA: copies must be in [1, ",
                kEdaCopies, "], got ", options.copies);
  constexpr EdaOperation kOrder[] = {EdaOperation::kSynonymReplacement,
                                     EdaOperation::kRandomInsertion, EdaOperation::kRandomSwap,
                                     EdaOperation::kRandomDeletion};
  std::vector<std::string> copies;
  for (std::int64_t copy = 0; copy < options.copies; ++copy) {
    copies.push_back(eda_operation(
        text, kOrder[copy % 4], options, seed,
        index * static_cast<std::uint64_t>(kEdaCopies) + static_cast<std::uint64_t>(copy)));
  }
  return copies;
}

EdaWorld write_eda_world(const std::filesystem::path& world, const std::filesystem::path& out,
                         std::int64_t labels, const EdaOptions& options, std::uint64_t seed) {
  namespace fs = std::filesystem;
  TINYGPT_CHECK(labels >= 0, "--labels must be 0 (all) or more, got ", labels);
  TINYGPT_CHECK(options.copies >= 0 && options.copies <= kEdaCopies, "--copies must be in [0, ",
                kEdaCopies, "], got ", options.copies);
  const std::vector<nlohmann::ordered_json> records = tune::review_records(world);
  const fs::path inputs[] = {world};
  check_report_folder(out, inputs);
  TINYGPT_CHECK(!fs::exists(out) || fs::is_empty(out), "--out ", out.string(),
                " is not empty; give a new folder for the world copy");
  tune::copy_world_except(world, out, {"reviews.jsonl"});
  EdaWorld written;
  std::string reviews;
  std::vector<const nlohmann::ordered_json*> kept;
  for (const nlohmann::ordered_json& record : records) {
    const bool train = tune::split_of(record["id"].get<std::string>()) == tune::Split::kTrain;
    if (train && labels > 0 && written.originals >= labels) continue;
    reviews += record.dump() + "\n";
    if (train) {
      kept.push_back(&record);
      ++written.originals;
    }
  }
  std::int64_t counter = 0;
  for (std::size_t k = 0; k < kept.size() && options.copies > 0; ++k) {
    const nlohmann::ordered_json& original = *kept[k];
    for (const std::string& text :
         eda(original["text"].get<std::string>(), options, seed, static_cast<std::uint64_t>(k))) {
      nlohmann::ordered_json copy = original;
      copy["id"] = tune::next_training_id("eda", counter);
      copy["text"] = text;
      copy["eda_of"] = original["id"];
      reviews += copy.dump() + "\n";
      ++written.copies;
    }
  }
  write_file_atomically(out / "reviews.jsonl", reviews);
  return written;
}

}  // namespace tinygpt::eval
