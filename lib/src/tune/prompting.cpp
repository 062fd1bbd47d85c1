#include "tinygpt/tune/prompting.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <numeric>
#include <set>

#include "tinygpt/core/check.h"
#include "tinygpt/core/files.h"
#include "tinygpt/core/rng.h"
#include "tinygpt/core/tape.h"
#include "tinygpt/infer/engine.h"
#include "tinygpt/tune/classifier.h"

namespace tinygpt::tune {

namespace {

using nlohmann::json;

// Rows scored in one forward pass.
constexpr std::size_t kRowsPerPass = 16;
// The longest answer to a question, in tokens: a short answer, or a sentence stating it.
constexpr std::int64_t kAnswerTokens = 24;

std::string fill(const PromptFormat& format, const std::string& input) {
  std::string text = format.pattern;
  const std::size_t at = text.find("{input}");
  return text.replace(at, 7, input);
}

// Each demonstration as the prompt writes it, tokenized once for every query of a prompt.
std::vector<std::vector<std::int32_t>> encode_shots(const text::Tokenizer& tokenizer,
                                                    const PromptFormat& format,
                                                    std::span<const LabelledText> demonstrations,
                                                    std::span<const std::string> answers) {
  std::vector<std::vector<std::int32_t>> shots;
  for (std::size_t i = 0; i < demonstrations.size(); ++i) {
    shots.push_back(
        tokenizer.encode(fill(format, demonstrations[i].text) + " " + answers[i] + "\n\n"));
  }
  return shots;
}

// The prompt's tokens: as many of the demonstrations as fit before the query (dropped from
// the front), leaving `room` tokens for the answer. Counts the demonstrations kept.
std::vector<std::int32_t> prompt_tokens(const text::Tokenizer& tokenizer,
                                        const PromptFormat& format,
                                        std::span<const std::vector<std::int32_t>> shots,
                                        const std::string& query, std::int64_t context,
                                        std::int64_t room, std::int64_t& kept) {
  std::vector<std::int32_t> query_ids = tokenizer.encode(fill(format, query));
  auto used = static_cast<std::int64_t>(query_ids.size()) + room;
  std::size_t first = shots.size();
  while (first > 0 && used + static_cast<std::int64_t>(shots[first - 1].size()) <= context) {
    used += static_cast<std::int64_t>(shots[--first].size());
  }
  std::vector<std::int32_t> ids;
  for (std::size_t i = first; i < shots.size(); ++i)
    ids.insert(ids.end(), shots[i].begin(), shots[i].end());
  ids.insert(ids.end(), query_ids.begin(), query_ids.end());
  // A query longer than the context keeps its end, where the answer is asked for.
  if (static_cast<std::int64_t>(ids.size()) + room > context) {
    ids.erase(ids.begin(), ids.end() - (context - room));
  }
  kept = static_cast<std::int64_t>(shots.size() - first);
  return ids;
}

std::string trimmed(const std::string& text) {
  const std::size_t first = text.find_first_not_of(" \n");
  const std::size_t last = text.find_last_not_of(" \n");
  return first == std::string::npos ? std::string() : text.substr(first, last - first + 1);
}

}  // namespace

PromptSet load_prompt_set(const std::filesystem::path& path, std::size_t labels) {
  const std::string where = path.string();
  const json object = json::parse(read_file(path), nullptr, false);
  TINYGPT_CHECK(!object.is_discarded() && object.is_object(), where,
                ": not a JSON object ({\"formats\": [...], \"verbalizers\": [...]})");
  PromptSet set;
  TINYGPT_CHECK(
      object.contains("formats") && object["formats"].is_array() && !object["formats"].empty(),
      where, ": 'formats' must be a non-empty array");
  for (const json& format : object["formats"]) {
    TINYGPT_CHECK(format.contains("name") && format["name"].is_string() &&
                      format.contains("pattern") && format["pattern"].is_string(),
                  where, ": a format needs a 'name' and a 'pattern' (strings): ", format.dump());
    PromptFormat parsed{format["name"].get<std::string>(), format["pattern"].get<std::string>()};
    TINYGPT_CHECK(parsed.pattern.find("{input}") != std::string::npos, where, ": format '",
                  parsed.name, "' has no {input} in its pattern");
    set.formats.push_back(parsed);
  }
  if (labels == 0) return set;
  TINYGPT_CHECK(object.contains("verbalizers") && object["verbalizers"].is_array() &&
                    !object["verbalizers"].empty(),
                where, ": 'verbalizers' must be a non-empty array");
  for (const json& verbalizer : object["verbalizers"]) {
    TINYGPT_CHECK(verbalizer.contains("name") && verbalizer["name"].is_string() &&
                      verbalizer.contains("words") && verbalizer["words"].is_array(),
                  where, ": a verbalizer needs a 'name' and 'words': ", verbalizer.dump());
    Verbalizer parsed{verbalizer["name"].get<std::string>(), {}};
    std::set<std::string> seen;
    for (const json& word : verbalizer["words"]) {
      TINYGPT_CHECK(word.is_string() && !word.get<std::string>().empty(), where, ": verbalizer '",
                    parsed.name, "' has a word that is not a non-empty string");
      TINYGPT_CHECK(seen.insert(word.get<std::string>()).second, where, ": verbalizer '",
                    parsed.name, "' lists \"", word.get<std::string>(), "\" twice");
      parsed.words.push_back(word.get<std::string>());
    }
    TINYGPT_CHECK(parsed.words.size() == labels, where, ": verbalizer '", parsed.name, "' has ",
                  parsed.words.size(), " words for ", labels, " labels");
    set.verbalizers.push_back(parsed);
  }
  return set;
}

std::vector<LabelledText> draw_demonstrations(std::span<const LabelledText> pool,
                                              const PromptChoice& choice,
                                              std::span<const std::string> labels) {
  TINYGPT_CHECK(choice.shots >= 0 && static_cast<std::size_t>(choice.shots) <= pool.size(),
                "draw_demonstrations: ", choice.shots, " demonstrations from a pool of ",
                pool.size());
  CounterRng rng(choice.draw, RngStream::kDemo, static_cast<std::uint64_t>(choice.shots), 0);
  std::set<std::uint32_t> taken;
  std::vector<LabelledText> drawn;
  while (static_cast<std::int64_t>(drawn.size()) < choice.shots) {
    const std::uint32_t pick = rng.below(static_cast<std::uint32_t>(pool.size()));
    if (taken.insert(pick).second) drawn.push_back(pool[pick]);
  }
  if (choice.sorted_by_label) {
    const auto rank = [&labels](const LabelledText& example) {
      return std::find(labels.begin(), labels.end(), example.label) - labels.begin();
    };
    std::stable_sort(
        drawn.begin(), drawn.end(),
        [&rank](const LabelledText& a, const LabelledText& b) { return rank(a) < rank(b); });
  }
  return drawn;
}

PromptScore score_classification(models::Gpt& gpt, const text::Tokenizer& tokenizer,
                                 const PromptChoice& choice, std::span<const LabelledText> pool,
                                 std::span<const LabelledText> examples,
                                 std::span<const std::string> labels) {
  TINYGPT_CHECK(choice.verbalizer.words.size() == labels.size(),
                "score_classification: ", choice.verbalizer.words.size(), " words for ",
                labels.size(), " labels");
  TINYGPT_CHECK(!examples.empty(), "score_classification: no examples");
  const std::vector<LabelledText> demonstrations = draw_demonstrations(pool, choice, labels);
  std::vector<std::string> answers;
  for (const LabelledText& demonstration : demonstrations) {
    const auto label =
        std::find(labels.begin(), labels.end(), demonstration.label) - labels.begin();
    TINYGPT_CHECK(label < static_cast<std::ptrdiff_t>(labels.size()), demonstration.id,
                  ": label \"", demonstration.label, "\" is not among the task's labels");
    answers.push_back(choice.verbalizer.words[static_cast<std::size_t>(label)]);
  }
  const std::vector<std::vector<std::int32_t>> shots =
      encode_shots(tokenizer, choice.format, demonstrations, answers);
  std::vector<std::vector<std::int32_t>> words;
  std::int64_t longest = 0;
  bool single_tokens = true;
  for (const std::string& word : choice.verbalizer.words) {
    words.push_back(tokenizer.encode(" " + word));
    longest = std::max(longest, static_cast<std::int64_t>(words.back().size()));
    single_tokens = single_tokens && words.back().size() == 1;
  }
  // One row per (example, word); when every word is one token, a row of the first word
  // serves all, since the logits before the last token do not depend on it.
  struct Row {
    std::vector<std::int32_t> ids;
    std::int64_t prompt_length = 0;
    std::size_t example = 0;
    std::size_t word = 0;
  };
  std::vector<Row> rows;
  PromptScore score;
  for (std::size_t e = 0; e < examples.size(); ++e) {
    std::int64_t kept = 0;
    const std::vector<std::int32_t> prompt =
        prompt_tokens(tokenizer, choice.format, shots, examples[e].text,
                      gpt.config().context_length, longest, kept);
    score.mean_shots += static_cast<double>(kept);
    for (std::size_t w = 0; w < (single_tokens ? 1 : words.size()); ++w) {
      Row row{prompt, static_cast<std::int64_t>(prompt.size()), e, w};
      row.ids.insert(row.ids.end(), words[w].begin(), words[w].end());
      rows.push_back(std::move(row));
    }
  }
  std::vector<std::vector<double>> scores(examples.size(), std::vector<double>(words.size()));
  Tape tape;
  const NoGradGuard no_grad(tape);
  for (std::size_t first = 0; first < rows.size(); first += kRowsPerPass) {
    const std::size_t count = std::min(kRowsPerPass, rows.size() - first);
    std::vector<std::vector<std::int32_t>> sequences;
    for (std::size_t r = 0; r < count; ++r) sequences.push_back(rows[first + r].ids);
    const TextBatch batch =
        pad_batch(sequences, std::vector<std::int32_t>(count, 0), gpt.config().context_length);
    tape.reset();
    const Tensor logits = gpt.forward(tape, batch.ids, batch.batch, batch.mask);
    const MatrixMap all = logits.matrix();
    for (std::size_t r = 0; r < count; ++r) {
      const Row& row = rows[first + r];
      const auto length = static_cast<Eigen::Index>(row.ids.size());
      const auto block = all.middleRows(static_cast<Eigen::Index>(r) * batch.time, length);
      if (!single_tokens) {
        scores[row.example][row.word] = continuation_logprob(block, row.ids, row.prompt_length);
        continue;
      }
      std::vector<std::int32_t> ids = row.ids;
      for (std::size_t w = 0; w < words.size(); ++w) {
        ids.back() = words[w].front();
        scores[row.example][w] = continuation_logprob(block, ids, row.prompt_length);
      }
    }
  }
  for (std::size_t e = 0; e < examples.size(); ++e) {
    const auto best = std::max_element(scores[e].begin(), scores[e].end()) - scores[e].begin();
    score.correct.push_back(labels[static_cast<std::size_t>(best)] == examples[e].label ? 1.0
                                                                                        : 0.0);
  }
  score.mean_shots /= static_cast<double>(examples.size());
  score.accuracy = std::accumulate(score.correct.begin(), score.correct.end(), 0.0) /
                   static_cast<double>(examples.size());
  return score;
}

PromptScore score_questions(models::Gpt& gpt, const text::Tokenizer& tokenizer,
                            const PromptChoice& choice, std::span<const LabelledText> pool,
                            std::span<const LabelledText> examples, const data::Judge* judge) {
  TINYGPT_CHECK(!examples.empty(), "score_questions: no questions");
  const std::vector<LabelledText> demonstrations = draw_demonstrations(pool, choice, {});
  std::vector<std::string> answers;
  for (const LabelledText& demonstration : demonstrations) answers.push_back(demonstration.label);
  const std::vector<std::vector<std::int32_t>> shots =
      encode_shots(tokenizer, choice.format, demonstrations, answers);
  std::vector<std::string> generated(examples.size());
  PromptScore score;
  infer::Engine engine(gpt, {.slots = 16, .tokenizer = &tokenizer});
  for (std::size_t e = 0; e < examples.size(); ++e) {
    std::int64_t kept = 0;
    infer::Request request;
    request.prompt = prompt_tokens(tokenizer, choice.format, shots, examples[e].text,
                                   gpt.config().context_length, kAnswerTokens, kept);
    score.mean_shots += static_cast<double>(kept);
    request.options.max_new_tokens = kAnswerTokens;
    request.options.usable_vocab = tokenizer.vocab_size();
    request.stop_strings = {"\n"};
    request.on_event = [&generated, e](const infer::TokenEvent& event) {
      generated[e] += event.text;
    };
    engine.submit(std::move(request));
  }
  engine.run_until_idle();
  double stated = 0.0;
  for (std::size_t e = 0; e < examples.size(); ++e) {
    score.correct.push_back(trimmed(generated[e]) == examples[e].label ? 1.0 : 0.0);
    if (judge != nullptr &&
        judge->judge(examples[e].text, generated[e]).correctness == data::Correctness::kCorrect) {
      stated += 1.0;
    }
  }
  if (judge != nullptr) score.states_fact = stated / static_cast<double>(examples.size());
  score.mean_shots /= static_cast<double>(examples.size());
  score.accuracy = std::accumulate(score.correct.begin(), score.correct.end(), 0.0) /
                   static_cast<double>(examples.size());
  return score;
}

namespace {

PromptScore score_prompt(models::Gpt& gpt, const text::Tokenizer& tokenizer,
                         const PromptChoice& choice, std::span<const LabelledText> pool,
                         std::span<const LabelledText> examples,
                         std::span<const std::string> labels, const data::Judge* judge = nullptr) {
  return labels.empty() ? score_questions(gpt, tokenizer, choice, pool, examples, judge)
                        : score_classification(gpt, tokenizer, choice, pool, examples, labels);
}

}  // namespace

std::vector<ShotsRow> score_shots(models::Gpt& gpt, const text::Tokenizer& tokenizer,
                                  const PromptChoice& base, std::span<const std::int64_t> shots,
                                  int draws, std::span<const LabelledText> pool,
                                  std::span<const LabelledText> examples,
                                  std::span<const std::string> labels, const data::Judge* judge) {
  TINYGPT_CHECK(draws >= 1, "score_shots: at least one draw, got ", draws);
  std::vector<ShotsRow> rows;
  for (const std::int64_t k : shots) {
    ShotsRow row{.shots = k, .low = 1.0, .states_fact = judge != nullptr ? 0.0 : -1.0};
    const int runs = k == 0 ? 1 : draws;
    for (int draw = 0; draw < runs; ++draw) {
      PromptChoice choice = base;
      choice.shots = k;
      choice.draw = static_cast<std::uint64_t>(draw);
      choice.sorted_by_label = false;
      const PromptScore score = score_prompt(gpt, tokenizer, choice, pool, examples, labels, judge);
      row.mean += score.accuracy / runs;
      if (judge != nullptr) row.states_fact += score.states_fact / runs;
      row.mean_shots += score.mean_shots / runs;
      row.low = std::min(row.low, score.accuracy);
      row.high = std::max(row.high, score.accuracy);
      if (draw == 0 && k > 1 && !labels.empty()) {
        choice.sorted_by_label = true;
        row.grouped = score_prompt(gpt, tokenizer, choice, pool, examples, labels).accuracy;
      } else if (draw == 0) {
        row.grouped = score.accuracy;  // no label order to change
      }
    }
    rows.push_back(row);
  }
  return rows;
}

std::vector<RankedPrompt> search_prompts(models::Gpt& gpt, const text::Tokenizer& tokenizer,
                                         const PromptSet& set, std::int64_t shots, int draws,
                                         std::span<const LabelledText> pool,
                                         std::span<const LabelledText> dev,
                                         std::span<const LabelledText> test,
                                         std::span<const std::string> labels) {
  std::vector<RankedPrompt> ranked;
  const std::vector<Verbalizer> none = {Verbalizer{}};
  for (const PromptFormat& format : set.formats) {
    for (const Verbalizer& verbalizer : labels.empty() ? none : set.verbalizers) {
      for (int draw = 0; draw < (shots == 0 ? 1 : draws); ++draw) {
        const PromptChoice choice{format, verbalizer, shots, static_cast<std::uint64_t>(draw),
                                  false};
        ranked.push_back({choice, score_prompt(gpt, tokenizer, choice, pool, dev, labels).accuracy,
                          score_prompt(gpt, tokenizer, choice, pool, test, labels).accuracy});
      }
    }
  }
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const RankedPrompt& a, const RankedPrompt& b) { return a.dev > b.dev; });
  return ranked;
}

}  // namespace tinygpt::tune
