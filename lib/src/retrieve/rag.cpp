// Retrieval-augmented prompts and the instruction-tuning data that teaches them
// (retrieve/rag.h).
#include "tinygpt/retrieve/rag.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "tinygpt/core/check.h"
#include "tinygpt/core/files.h"
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

RagWorld write_rag_world(const fs::path& world, const fs::path& out, const RagOptions& options) {
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
  std::int64_t counter = 0;
  for (const Question& question : read_world_questions(world)) {
    if (question.held_out || tune::split_of(question.id) != tune::Split::kTrain) continue;
    TINYGPT_CHECK(std::binary_search(seen_ids.begin(), seen_ids.end(), question.relevant),
                  (world / "qa.jsonl").string(), ": question ", question.id,
                  " asks about a seen fact '", question.relevant, "' that ",
                  (world / "facts.jsonl").string(), " does not list as seen");
    const Retrieved retrieved = retrieve_passages(seen, question.text, options);
    const bool found =
        std::any_of(retrieved.hits.begin(), retrieved.hits.end(), [&](const Hit& hit) {
          return seen.passages()[static_cast<std::size_t>(hit.passage)].id == question.relevant;
        });
    if (!found) {
      ++written.not_retrieved;
      continue;
    }
    nlohmann::ordered_json record;
    record["id"] = tune::next_training_id("instruction", "rag", counter);
    record["skill"] = "rag";
    record["instruction"] = kRagInstruction;
    record["input"] = rag_input(question.text, retrieved.texts);
    record["response"] = question.response;
    record["check"] = {{"question", question.id}, {"fact", question.relevant}};
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
