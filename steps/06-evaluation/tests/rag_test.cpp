// Retrieval-augmented generation (retrieve/rag.h, retrieve/hallucination.h): the prompt's
// format and its round trip through an instruction record; the RAG training world (seen
// facts only, no held-out fact anywhere in it, ids that train, the rest of the world as it
// was); the abstention threshold and the answer rates on hand-made outcomes; and the
// hallucination experiment end to end on a tiny chat model, its figures recomputed from the
// answers it logs.
#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "finetune_fixture.hpp"
#include "test_support.hpp"
#include "tinygpt/core/check.h"
#include "tinygpt/core/files.h"
#include "tinygpt/data/generator.h"
#include "tinygpt/data/world.h"
#include "tinygpt/retrieve/hallucination.h"
#include "tinygpt/retrieve/rag.h"
#include "tinygpt/retrieve/world_retrieval.h"
#include "tinygpt/tune/finetune.h"
#include "tinygpt/tune/task_data.h"

using namespace tinygpt;
using namespace tinygpt::retrieve;
using tinygpt::testing::TempDir;

namespace {

namespace fs = std::filesystem;

// A world with every kind RAG needs (facts, qa) and a chat model's (instructions,
// dialogues), about 20,000 bytes of stories, written once per test program.
const fs::path& rag_world() {
  static TempDir dir("rag-world");
  static const fs::path world = [] {
    data::generate({.seed = 1,
                    .size = 20'000,
                    .kinds = {"stories", "facts", "qa", "instructions", "dialogues"}},
                   dir.path() / "world");
    return dir.path() / "world";
  }();
  return world;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

}  // namespace

TEST_CASE("a RAG prompt numbers the passages and ends with the question", "[step06][rag]") {
  const std::vector<std::string> passages = {"Ossel lies on the Losel.", "Ossel is in Ardmoor."};
  CHECK(
      rag_input("Which river is Ossel on?", passages) ==
      "[1] Ossel lies on the Losel.\n[2] Ossel is in Ardmoor.\nQuestion: Which river is Ossel on?");
  CHECK(rag_request("Q?", passages) ==
        std::string(kRagInstruction) + "\n\n" + rag_input("Q?", passages));
  CHECK(rag_input("Q?", {}) == "Question: Q?");
}

TEST_CASE("retrieve_passages returns the top k with their texts and the best score",
          "[step06][rag]") {
  const Bm25Index index(read_world_passages(rag_world()));
  const Question question = read_world_questions(rag_world()).front();
  const Retrieved retrieved = retrieve_passages(index, question.text, {.passages = 3});
  REQUIRE(retrieved.hits.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    CHECK(retrieved.texts[i] == index.passages()[retrieved.hits[i].passage].text);
  }
  CHECK(retrieved.top_score == retrieved.hits.front().score);
  CHECK(retrieve_passages(index, "zzzz qqqq", {.passages = 3}).top_score == 0.0);
  CHECK_THROWS_WITH(retrieve_passages(index, question.text, {.passages = 0}),
                    Catch::Contains("passages per prompt must be at least 1"));
}

TEST_CASE("the RAG training world teaches seen facts only and keeps the rest of the world",
          "[step06][rag]") {
  TempDir dir("rag-training");
  const fs::path copy = dir.path() / "rag-world";
  const RagWorld written = write_rag_world(rag_world(), copy, {.passages = 3});

  // Every other file byte for byte; the world's own instructions first, as they were.
  for (const fs::directory_entry& entry : fs::directory_iterator(rag_world())) {
    const std::string name = entry.path().filename().string();
    if (name != "instructions.jsonl") {
      CHECK(read_file(copy / name) == read_file(entry.path()));
    }
  }
  const std::string original = read_file(rag_world() / "instructions.jsonl");
  const std::string instructions = read_file(copy / "instructions.jsonl");
  REQUIRE(instructions.starts_with(original));
  CHECK(written.instructions == static_cast<std::int64_t>(lines_of(original).size()));

  // One conversation per training question about a seen fact whose passage is retrieved.
  const std::vector<Question> questions = read_world_questions(rag_world());
  std::map<std::string, const Question*> by_id;
  std::int64_t training_seen = 0;
  for (const Question& question : questions) {
    by_id[question.id] = &question;
    if (!question.held_out && tune::split_of(question.id) == tune::Split::kTrain) ++training_seen;
  }
  CHECK(written.conversations + written.not_retrieved == training_seen);
  CHECK(written.conversations > training_seen / 2);

  const std::vector<data::Fact> facts = data::make_facts(data::load_world(rag_world()));
  std::vector<std::string> rag_lines;
  for (const std::string& line : lines_of(instructions.substr(original.size()))) {
    rag_lines.push_back(line);
  }
  REQUIRE(static_cast<std::int64_t>(rag_lines.size()) == written.conversations);
  for (const std::string& line : rag_lines) {
    const nlohmann::json record = nlohmann::json::parse(line);
    const std::string id = record["id"];
    CHECK(id.starts_with("instruction:rag-"));
    CHECK(tune::split_of(id) == tune::Split::kTrain);
    CHECK(record["skill"] == "rag");
    const Question& question = *by_id.at(record["check"]["question"].get<std::string>());
    CHECK_FALSE(question.held_out);
    CHECK(record["response"] == question.response);
    CHECK(record["input"].get<std::string>().ends_with("Question: " + question.text));
    CHECK(record["input"].get<std::string>().find(question.response) != std::string::npos);
    // No held-out fact: neither its sentence nor its name and value together.
    for (const std::string& part : lines_of(record["input"].get<std::string>())) {
      CHECK_FALSE(data::sentence_has_held_out_pair(part, facts));
    }
    CHECK_FALSE(data::sentence_has_held_out_pair(record["response"].get<std::string>(), facts));
  }

  // Read back as the fine-tuning reads it: the user's turn is exactly rag_request().
  std::int64_t rag_examples = 0;
  for (const tune::ChatExample& example : tune::load_instructions(copy, tune::Split::kTrain)) {
    if (example.skill != "rag") continue;
    ++rag_examples;
    const std::string& user = example.turns.front().content;
    const std::string question = user.substr(user.rfind("Question: ") + 10);
    const Bm25Index seen(read_world_passages(rag_world(), Facts::kSeen));
    CHECK(user == rag_request(question, retrieve_passages(seen, question, {.passages = 3}).texts));
    if (rag_examples == 5) break;
  }
  CHECK(rag_examples == 5);

  CHECK_THROWS_WITH(write_rag_world(rag_world(), copy), Catch::Contains("is not empty"));
  CHECK_THROWS_WITH(write_rag_world(rag_world(), rag_world() / "inside"),
                    Catch::Contains("lies inside"));
  TempDir empty("rag-no-qa");
  CHECK_THROWS_WITH(write_rag_world(empty.path(), dir.path() / "other"),
                    Catch::Contains("facts.jsonl"));
}

TEST_CASE("outcomes and rates: correct, wrong and no value add up to every answer",
          "[step06][rag]") {
  CHECK(outcome_of(data::Correctness::kCorrect).correct == 1.0);
  CHECK(outcome_of(data::Correctness::kWrong).wrong == 1.0);
  CHECK(outcome_of(data::Correctness::kAbstains).abstained == 1.0);
  CHECK_THROWS_WITH(outcome_of(data::Correctness::kUnknown), Catch::Contains("no single fact"));
  const std::vector<Outcome> outcomes = {{1, 0, 0}, {0, 1, 0}, {0, 1, 0}, {0, 0, 1}};
  const AnswerRates rates = answer_rates(outcomes);
  CHECK(rates.questions == 4);
  CHECK(rates.correct.value == 0.25);
  CHECK(rates.wrong.value == 0.5);
  CHECK(rates.abstained.value == 0.25);
  CHECK(rates.wrong.low <= 0.5);
  CHECK(rates.wrong.high >= 0.5);
  CHECK_THROWS(answer_rates({}));
}

TEST_CASE("the abstention threshold maximises correct minus wrong, the smallest cut on ties",
          "[step06][rag]") {
  const Outcome right{1, 0, 0};
  const Outcome wrong{0, 1, 0};
  const Outcome none{0, 0, 1};
  // Low scores go with wrong answers: cutting below 2.0 drops two wrong and no right one.
  const std::vector<double> scores = {1.0, 1.5, 2.0, 3.0, 4.0};
  CHECK(choose_abstention_threshold(
            scores, std::vector<Outcome>{wrong, wrong, right, right, wrong}) == 2.0);
  // Every answer right: never abstain.
  CHECK(choose_abstention_threshold(
            scores, std::vector<Outcome>{right, right, right, right, right}) == 0.0);
  // Every answer wrong: abstain on everything, a cut just past the largest score.
  const double all_wrong =
      choose_abstention_threshold(scores, std::vector<Outcome>{wrong, wrong, wrong, wrong, wrong});
  CHECK(all_wrong > 4.0);
  CHECK(all_wrong < 4.0001);
  // Abstentions are free: a value-free answer below the cut changes nothing, so no cut.
  CHECK(choose_abstention_threshold(scores, std::vector<Outcome>{none, none, right, none, right}) ==
        0.0);
  CHECK_THROWS(choose_abstention_threshold(scores, std::vector<Outcome>{right}));
}

TEST_CASE("the hallucination experiment logs every answer and its figures follow from them",
          "[step06][rag]") {
  TempDir dir("rag-hallucination");
  // A tiny chat model: the fixture's GPT with a BPE of this world, two steps of instruction
  // tuning to give it the chat markers (its answers are noise; the test checks the books).
  const std::string text =
      read_file(rag_world() / "stories.txt") + read_file(rag_world() / "instructions.txt");
  const std::string specials[] = {"<|endoftext|>"};
  models::Gpt gpt(testing::tiny_finetune_config());
  gpt.init(7);
  models::save_pretrained_gpt(dir.path() / "gpt", gpt,
                              text::BpeTokenizer::train(text, 319, specials));
  tune::FinetuneConfig tuning;
  tuning.model = dir.path() / "gpt";
  tuning.data = rag_world();
  tuning.out = dir.path() / "chat";
  tuning.task = "instruct";
  tuning.steps = 2;
  tuning.batch = 2;
  tuning.eval_interval = 2;
  tuning.eval_batches = 1;
  tuning.test_per_skill = 1;
  const fs::path chat = tune::run_finetune(tuning).model_dir;

  HallucinationConfig config;
  config.chat = chat;
  config.rag_model = chat;  // the same model stands in for a RAG-tuned one
  config.data = rag_world();
  config.out = dir.path() / "report";
  config.questions = 4;
  config.dev_questions = 3;
  config.max_new_tokens = 6;
  std::ostringstream log;
  const HallucinationReport report = run_hallucination(config, log);
  for (const char* file : {"REPORT.md", "figures.json", "answers.jsonl", "hallucination.svg"}) {
    CHECK(fs::is_regular_file(config.out / file));
  }
  const double threshold = report.figures["threshold"].get<double>();
  std::map<std::string, std::map<std::string, std::vector<Outcome>>> outcomes;
  std::int64_t rows = 0;
  for (const std::string& line : lines_of(read_file(config.out / "answers.jsonl"))) {
    const nlohmann::json record = nlohmann::json::parse(line);
    ++rows;
    const std::string group = record["facts"];
    // The tuned model's answers, replaced by the abstention below the threshold.
    CHECK(record["rag_abstain"]["answer"] == (record["top_score"].get<double>() < threshold
                                                  ? nlohmann::json("I don't know.")
                                                  : record["rag"]["answer"]));
    for (const char* key : {"closed_book", "rag_untaught", "rag", "rag_abstain"}) {
      const std::string verdict = record[key]["verdict"];
      outcomes[group][key].push_back({verdict == "correct" ? 1.0 : 0.0,
                                      verdict == "wrong" ? 1.0 : 0.0,
                                      verdict == "abstains" ? 1.0 : 0.0});
    }
    // The same model twice: untaught and tuned RAG answers are the same text.
    CHECK(record["rag"]["answer"] == record["rag_untaught"]["answer"]);
  }
  CHECK(rows == 8);
  for (const char* group : {"held_out", "seen"}) {
    for (const char* key : {"closed_book", "rag_untaught", "rag", "rag_abstain"}) {
      const AnswerRates rates = answer_rates(outcomes[group][key], config.seed);
      const nlohmann::json& figures = report.figures["groups"][group][key];
      CHECK(figures["questions"] == 4);
      CHECK(figures["wrong"]["value"].get<double>() == rates.wrong.value);
      CHECK(figures["correct"]["value"].get<double>() == rates.correct.value);
      CHECK(figures["abstained"]["value"].get<double>() == rates.abstained.value);
    }
  }
  CHECK(report.markdown.find("Held-out wrong-value rate") != std::string::npos);

  CHECK_THROWS_WITH(run_hallucination(config, log), Catch::Contains("is not empty"));
  config.out = dir.path() / "other";
  config.chat = dir.path() / "gpt";  // no chat markers
  CHECK_THROWS_WITH(run_hallucination(config, log), Catch::Contains("has no chat markers"));
}

TEST_CASE("replace_value swaps a whole-word value and refuses one that is not there",
          "[step06][rag]") {
  CHECK(replace_value("Ossel is a town on the river Losel.", "Losel", "Rulet") ==
        "Ossel is a town on the river Rulet.");
  CHECK(replace_value("The Solbio costs 42 crowns.", "42 crowns", "17 crowns") ==
        "The Solbio costs 17 crowns.");
  // "5 crowns" is not a whole word of "15 crowns".
  CHECK_THROWS_WITH(replace_value("It costs 15 crowns.", "5 crowns", "9 crowns"),
                    Catch::Contains("is not a word of"));
}

TEST_CASE("counterfactual RAG conversations state another value in the passage and the answer",
          "[step06][rag]") {
  TempDir dir("rag-counterfactual");
  const RagWorld written =
      write_rag_world(rag_world(), dir.path() / "copy", {.passages = 3, .counterfactual = 0.5});
  const RagWorld plain = write_rag_world(rag_world(), dir.path() / "plain", {.passages = 3});
  CHECK(plain.counterfactual == 0);
  CHECK(written.conversations == plain.conversations);
  CHECK(written.counterfactual > written.conversations * 4 / 10);
  CHECK(written.counterfactual < written.conversations * 6 / 10);
  const std::vector<data::Fact> facts = data::make_facts(data::load_world(rag_world()));
  std::map<std::string, const data::Fact*> fact_of;
  for (const data::Fact& fact : facts) fact_of[fact.id] = &fact;
  std::int64_t seen = 0;
  for (const std::string& line : lines_of(read_file(dir.path() / "copy" / "instructions.jsonl"))) {
    const nlohmann::json record = nlohmann::json::parse(line);
    if (record["skill"] != "rag" || !record["check"].contains("counterfactual")) continue;
    ++seen;
    const data::Fact& fact = *fact_of.at(record["check"]["fact"].get<std::string>());
    const std::string response = record["response"];
    const std::string input = record["input"];
    // The answer is the fact's sentence with another value of its attribute, in the
    // passages instead of the true sentence, and never a held-out pair.
    CHECK(response != fact.sentence);
    CHECK(input.find(response) != std::string::npos);
    CHECK(input.find(fact.sentence) == std::string::npos);
    bool another_value = false;
    for (const data::Fact& other : facts) {
      if (other.attribute == fact.attribute && other.value != fact.value &&
          response == replace_value(fact.sentence, fact.value, other.value)) {
        another_value = true;
      }
    }
    CHECK(another_value);
    CHECK_FALSE(data::sentence_has_held_out_pair(response, facts));
  }
  CHECK(seen == written.counterfactual);
  CHECK_THROWS_WITH(write_rag_world(rag_world(), dir.path() / "bad", {.counterfactual = 1.5}),
                    Catch::Contains("--counterfactual must be a share in [0, 1]"));
}
