// Retrieval-augmented prompts and the instruction-tuning data that teaches them
// (retrieve/rag.h).
#include "tinygpt/retrieve/rag.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "tinygpt/core/check.h"
#include "tinygpt/core/files.h"
#include "tinygpt/core/rng.h"
#include "tinygpt/data/generator.h"
#include "tinygpt/data/world.h"
#include "tinygpt/eval/robustness.h"
#include "tinygpt/retrieve/world_retrieval.h"
#include "tinygpt/tune/task_data.h"

namespace tinygpt::retrieve {

namespace fs = std::filesystem;

std::string rag_input(std::string_view question, std::span<const std::string> passages) {
  std::string input;
  for (std::size_t i = 0; i < passages.size(); ++i) {
    input += "[" + std::to_string(i + 1) + "] " + passages[i] + "\n";
  }
  return input + "Question: " + std::string(question);
}

std::string rag_request(std::string_view question, std::span<const std::string> passages) {
  return std::string(kRagInstruction) + "\n\n" + rag_input(question, passages);
}

Retrieved retrieve_passages(const Bm25Index& index, std::string_view question,
                            const RagOptions& options) {
  TINYGPT_CHECK(options.passages >= 1, "passages per prompt must be at least 1, got ",
                options.passages);
  Retrieved retrieved;
  retrieved.hits = index.search(question, options.passages, options.bm25);
  for (const Hit& hit : retrieved.hits) {
    retrieved.texts.push_back(index.passages()[static_cast<std::size_t>(hit.passage)].text);
  }
  if (!retrieved.hits.empty()) retrieved.top_score = retrieved.hits.front().score;
  return retrieved;
}

std::string replace_value(std::string_view sentence, std::string_view value,
                          std::string_view replacement) {
  const auto word_char = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  for (std::size_t at = sentence.find(value); at != std::string_view::npos;
       at = sentence.find(value, at + 1)) {
    const std::size_t end = at + value.size();
    if ((at == 0 || !word_char(sentence[at - 1])) &&
        (end == sentence.size() || !word_char(sentence[end]))) {
      return std::string(sentence.substr(0, at)) + std::string(replacement) +
             std::string(sentence.substr(end));
    }
  }
  throw Error("replace_value: '" + std::string(value) + "' is not a word of \"" +
              std::string(sentence) + "\"");
}

namespace {

// The counterfactual of a fact: its sentence with another value of its attribute, drawn
// from the values the attribute takes in the world, skipping any that would put a
// held-out fact's entity and value in one sentence. Empty when no value qualifies.
std::string counterfactual_sentence(const data::Fact& fact, const std::vector<data::Fact>& facts,
                                    CounterRng& rng) {
  std::vector<std::string> values;
  for (const data::Fact& other : facts) {
    if (other.attribute == fact.attribute && other.value != fact.value &&
        std::find(values.begin(), values.end(), other.value) == values.end()) {
      values.push_back(other.value);
    }
  }
  while (!values.empty()) {
    const std::size_t pick = rng.below(static_cast<std::uint32_t>(values.size()));
    std::string sentence = replace_value(fact.sentence, fact.value, values[pick]);
    if (!data::sentence_has_held_out_pair(sentence, facts)) return sentence;
    values.erase(values.begin() + static_cast<std::ptrdiff_t>(pick));
  }
  return "";
}

}  // namespace

RagWorld write_rag_world(const fs::path& world, const fs::path& out, const RagOptions& options) {
  TINYGPT_CHECK(options.counterfactual >= 0.0 && options.counterfactual <= 1.0,
                "--counterfactual must be a share in [0, 1], got ", options.counterfactual);
  const fs::path inputs[] = {world};
  eval::check_report_folder(out, inputs);
  TINYGPT_CHECK(!fs::exists(out) || fs::is_empty(out), "--out ", out.string(),
                " is not empty; give a new folder for the world copy");
  // Training prompts see the seen facts only: a held-out fact's sentence must not reach the
  // model through a distractor passage either.
  const Bm25Index seen(read_world_passages(world, Facts::kSeen));
  std::vector<std::string> seen_ids;
  for (const Passage& passage : seen.passages()) seen_ids.push_back(passage.id);
  std::sort(seen_ids.begin(), seen_ids.end());

  RagWorld written;
  std::string records;
  const fs::path instructions = world / "instructions.jsonl";
  if (fs::is_regular_file(instructions)) {
    records = read_file(instructions);
    if (!records.empty() && records.back() != '\n') records += '\n';
    written.instructions = std::count(records.begin(), records.end(), '\n');
  }
  const std::vector<data::Fact> facts = data::make_facts(data::load_world(world));
  std::int64_t counter = 0;
  std::uint64_t index = 0;
  for (const Question& question : read_world_questions(world)) {
    if (question.held_out || tune::split_of(question.id) != tune::Split::kTrain) continue;
    TINYGPT_CHECK(std::binary_search(seen_ids.begin(), seen_ids.end(), question.relevant),
                  (world / "qa.jsonl").string(), ": question ", question.id,
                  " asks about a seen fact '", question.relevant, "' that ",
                  (world / "facts.jsonl").string(), " does not list as seen");
    Retrieved retrieved = retrieve_passages(seen, question.text, options);
    const auto found =
        std::find_if(retrieved.hits.begin(), retrieved.hits.end(), [&](const Hit& hit) {
          return seen.passages()[static_cast<std::size_t>(hit.passage)].id == question.relevant;
        });
    if (found == retrieved.hits.end()) {
      ++written.not_retrieved;
      continue;
    }
    std::string response = question.response;
    CounterRng rng(options.seed, RngStream::kDemo, 0, index++);
    std::string counterfactual;
    if (rng.uniform() < options.counterfactual) {
      const auto fact = std::find_if(facts.begin(), facts.end(), [&](const data::Fact& f) {
        return f.id == question.relevant;
      });
      TINYGPT_CHECK(fact != facts.end(), "fact '", question.relevant, "' is not in ",
                    (world / "catalogue.json").string());
      counterfactual = counterfactual_sentence(*fact, facts, rng);
      if (!counterfactual.empty()) {
        retrieved.texts[static_cast<std::size_t>(found - retrieved.hits.begin())] = counterfactual;
        response = counterfactual;
        ++written.counterfactual;
      }
    }
    nlohmann::ordered_json record;
    record["id"] = tune::next_training_id("instruction", "rag", counter);
    record["skill"] = "rag";
    record["instruction"] = kRagInstruction;
    record["input"] = rag_input(question.text, retrieved.texts);
    record["response"] = response;
    record["check"] = {{"question", question.id}, {"fact", question.relevant}};
    if (!counterfactual.empty()) record["check"]["counterfactual"] = true;
    records += record.dump() + "\n";
    ++written.conversations;
  }
  TINYGPT_CHECK(written.conversations > 0, (world / "qa.jsonl").string(),
                " has no training question about a seen fact whose passage BM25 finds");
  tune::copy_world_except(world, out, {"instructions.jsonl"});
  write_file_atomically(out / "instructions.jsonl", records);
  return written;
}

}  // namespace tinygpt::retrieve
