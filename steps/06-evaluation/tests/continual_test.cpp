// Continual fine-tuning (eval/continual.h) on two versions of a small world: the update's
// world copy holds exactly the changed and new seen facts' training and dev questions, replay
// mixes in the stated share of old, still-true conversations, and a comparison with step 04's
// tiny GPT leaves a LoRA run's base bit-identical and reports shares that are the judge's
// verdicts counted. The checks read the generator's own "change" and "split" fields, not the
// judge the library uses to find a question's fact.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "finetune_fixture.hpp"
#include "test_support.hpp"
#include "tinygpt/core/files.h"
#include "tinygpt/data/generator.h"
#include "tinygpt/data/judge.h"
#include "tinygpt/data/world.h"
#include "tinygpt/eval/continual.h"
#include "tinygpt/tune/task_data.h"

using namespace tinygpt;

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Every line of a JSONL file, parsed.
std::vector<json> jsonl(const fs::path& path) {
  std::vector<json> records;
  std::istringstream lines(read_file(path));
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) records.push_back(json::parse(line));
  }
  return records;
}

// Versions 1 and 2 of seed 1's world (questions and instructions), in dir/v1 and dir/v2.
void make_versions(const fs::path& dir) {
  data::generate({.seed = 1, .size = 20000, .kinds = {"facts", "qa", "instructions"}}, dir / "v1");
  data::generate({.seed = 1,
                  .size = 20000,
                  .kinds = {"facts", "qa", "instructions"},
                  .world_version = 2,
                  .change = {.share = 0.2, .new_entities = 12}},
                 dir / "v2");
}

bool trains_or_validates(const std::string& id) {
  return tune::split_of(id) != tune::Split::kTest;
}

}  // namespace

TEST_CASE(
    "continual learning: the update holds exactly the changed and new seen facts' train and dev "
    "questions",
    "[step06][eval]") {
  testing::TempDir dir("continual-update");
  make_versions(dir.path());
  const eval::ContinualData written =
      eval::write_update_world(dir.path() / "v1", dir.path() / "v2", dir.path() / "update", 0.0, 1);

  // What the generator says should be taught: its own change and split fields.
  std::multiset<std::string> expected;
  std::set<std::string> held_out_or_test;
  for (const json& qa : jsonl(dir.path() / "v2" / "qa.jsonl")) {
    const std::string id = qa["id"];
    const bool fresh = qa["change"] != "unchanged";
    if (fresh && qa["split"] == "seen" && trains_or_validates(id)) {
      expected.insert(id + " " + qa["fact"].get<std::string>());
    } else {
      held_out_or_test.insert(id);
    }
  }
  REQUIRE(!expected.empty());
  std::multiset<std::string> taught;
  std::int64_t test_instructions = 0;
  for (const json& record : jsonl(dir.path() / "update" / "instructions.jsonl")) {
    if (record["skill"] == "qa") {
      const std::string id = record["id"];
      CHECK(held_out_or_test.count(id) == 0);
      taught.insert(id + " " + record["fact"].get<std::string>());
    } else {
      // Only version 2's test instructions, which the run's report asks and never trains on.
      CHECK(tune::split_of(record["id"].get<std::string>()) == tune::Split::kTest);
      ++test_instructions;
    }
  }
  CHECK(taught == expected);
  CHECK(written.facts_train + written.facts_dev == static_cast<std::int64_t>(expected.size()));
  CHECK(written.replay_qa + written.replay_skill == 0);
  CHECK(written.instructions == test_instructions);
  CHECK(test_instructions ==
        static_cast<std::int64_t>(
            tune::load_instructions(dir.path() / "v2", tune::Split::kTest).size()));
}

TEST_CASE(
    "continual learning: replay mixes the stated share of old still-true training conversations",
    "[step06][eval]") {
  testing::TempDir dir("continual-replay");
  make_versions(dir.path());
  std::map<std::string, std::string> change_of_fact;
  for (const json& fact : jsonl(dir.path() / "v2" / "facts.jsonl")) {
    change_of_fact[fact["id"]] = fact["change"];
  }
  std::map<std::string, std::string> old_question_fact;  // version 1's training questions
  for (const json& qa : jsonl(dir.path() / "v1" / "qa.jsonl")) {
    if (qa["split"] == "seen" && tune::split_of(qa["id"].get<std::string>()) == tune::Split::kTrain)
      old_question_fact[qa["question"]] = qa["fact"];
  }
  for (const double share : {0.25, 0.5, 0.75}) {
    INFO("share " << share);
    const fs::path out = dir.path() / ("replay-" + std::to_string(share));
    const eval::ContinualData written =
        eval::write_update_world(dir.path() / "v1", dir.path() / "v2", out, share, 3);
    std::int64_t fresh = 0, replayed = 0;
    std::set<std::string> ids;
    for (const json& record : jsonl(out / "instructions.jsonl")) {
      const std::string id = record["id"];
      CHECK(ids.insert(id).second);  // no id twice
      if (tune::split_of(id) != tune::Split::kTrain) continue;
      if (record.contains("change") && record["change"] != "unchanged") {
        ++fresh;
        continue;
      }
      ++replayed;
      if (record["skill"] == "qa") {
        // A replayed question is one of version 1's training questions, about a fact that
        // version 2 left as it was.
        REQUIRE(old_question_fact.contains(record["instruction"]));
        const std::string fact = old_question_fact.at(record["instruction"]);
        CHECK(record["fact"] == fact);
        CHECK(change_of_fact.at(fact) == "unchanged");
      }
    }
    CHECK(fresh == written.facts_train);
    CHECK(replayed == written.replay_qa + written.replay_skill);
    CHECK(written.replay_qa > 0);
    CHECK(written.replay_skill > 0);
    CHECK(replayed == std::llround(share * static_cast<double>(fresh) / (1.0 - share)));
    const double measured = static_cast<double>(replayed) / static_cast<double>(replayed + fresh);
    CHECK(std::abs(measured - share) < 1.0 / static_cast<double>(fresh));
  }
  // The same seed draws the same old conversations.
  eval::write_update_world(dir.path() / "v1", dir.path() / "v2", dir.path() / "again", 0.5, 3);
  CHECK(read_file(dir.path() / "again" / "instructions.jsonl") ==
        read_file(dir.path() / ("replay-" + std::to_string(0.5)) / "instructions.jsonl"));
  CHECK_THROWS_WITH(
      eval::write_update_world(dir.path() / "v1", dir.path() / "v2", dir.path() / "bad", 0.95, 1),
      Catch::Contains("--replay-share must be in [0, 0.9], got 0.95"));
  CHECK_THROWS_WITH(
      eval::write_update_world(dir.path() / "v1", dir.path() / "v1", dir.path() / "bad", 0.5, 1),
      Catch::Contains("holds version 1 of its world"));
}

TEST_CASE("continual learning: shares count the answers the judge marks correct or stale",
          "[step06][eval]") {
  const auto answer = [](const std::string& change, bool correct, bool stale) {
    eval::FactAnswer a;
    a.change = change;
    a.correct = correct;
    a.stale = stale;
    return a;
  };
  const std::vector<eval::FactAnswer> answers = {
      answer("changed", false, true),    answer("changed", true, false),
      answer("new", true, false),        answer("new", false, false),
      answer("unchanged", true, false),  answer("unchanged", true, false),
      answer("unchanged", false, false), answer("changed", false, true)};
  CHECK(eval::fact_share(answers, "new").value == Approx(2.0 / 5));
  CHECK(eval::fact_share(answers, "changed").value == Approx(1.0 / 3));
  CHECK(eval::fact_share(answers, "unchanged").value == Approx(2.0 / 3));
  CHECK(eval::fact_share(answers, "stale").value == Approx(2.0 / 3));
  const tune::Interval none = eval::fact_share({}, "new");
  CHECK((none.value == 0.0 && none.low == 0.0 && none.high == 0.0));
}

TEST_CASE(
    "continual learning: a comparison keeps LoRA's base bit-identical and reports the judge's "
    "verdicts",
    "[step06][eval]") {
  const testing::FinetuneSetup setup;  // step 04's world and tiny GPT
  const fs::path dir = setup.dir.path();
  make_versions(dir);
  // A chat model that has seen version 1: two steps on its questions and instructions.
  eval::write_old_facts_world(dir / "v1", dir / "old");
  tune::FinetuneConfig teach = setup.config("chat", "instruct", "full");
  teach.data = dir / "old";
  teach.steps = teach.eval_interval = 2;
  teach.test_per_skill = 1;
  const fs::path chat = tune::run_finetune(teach).model_dir;
  const std::string weights = read_file(chat / "model.safetensors");
  const std::string folder_config = read_file(chat / "config.json");

  eval::ContinualConfig config;
  config.model = chat;
  config.old_world = dir / "v1";
  config.new_world = dir / "v2";
  config.out = dir / "report";
  config.methods = {"lora", "naive"};
  config.steps = 2;
  config.batch = 2;
  config.context = 48;
  config.skill_questions = 1;
  config.lora.rank = 2;
  const eval::ContinualReport report = eval::run_continual(config);
  CHECK(report.base_untouched);
  // The base folder's weights and config, every byte.
  CHECK(read_file(chat / "model.safetensors") == weights);
  CHECK(read_file(chat / "config.json") == folder_config);
  REQUIRE(report.rows.size() == 3);
  CHECK(report.rows[0].method == "before");
  CHECK(report.rows[1].method == "lora");
  CHECK(report.rows[2].method == "naive");
  CHECK(fs::is_regular_file(config.out / "REPORT.md"));
  CHECK(fs::is_regular_file(config.out / "lora" / "run" / "adapter" / "adapter_model.safetensors"));
  CHECK(!fs::exists(config.out / "lora" / "run" / "model"));  // the adapter alone
  // The chat model has its markers already: no new rows, so the token embedding (tied to
  // the output layer) stays frozen and only the adapter trains.
  const std::vector<std::string> trained =
      testing::optimizer_slots(config.out / "lora" / "run" / "checkpoint-00000002.safetensors");
  CHECK(std::find(trained.begin(), trained.end(), "wte.weight") == trained.end());
  CHECK(!trained.empty());
  for (const std::string& name : trained) CHECK(name.find("lora") != std::string::npos);

  // Every answer judged again, from scratch, against version 2's catalogue.
  const data::Judge judge(data::load_world(config.new_world));
  const json figures = json::parse(read_file(config.out / "continual.json"));
  REQUIRE(figures["rows"].size() == 3);
  for (std::size_t r = 0; r < report.rows.size(); ++r) {
    const eval::ContinualFigures& row = report.rows[r];
    REQUIRE(!row.answers.empty());
    double fresh = 0, fresh_correct = 0, kept = 0, kept_correct = 0;
    for (const eval::FactAnswer& answer : row.answers) {
      const data::Verdict verdict = judge.judge(answer.question, answer.answer);
      CHECK(answer.verdict == data::correctness_name(verdict.correctness));
      CHECK(answer.correct == (verdict.correctness == data::Correctness::kCorrect));
      (answer.change == "unchanged" ? kept : fresh) += 1;
      (answer.change == "unchanged" ? kept_correct : fresh_correct) += answer.correct ? 1 : 0;
    }
    REQUIRE(fresh > 0);
    REQUIRE(kept > 0);
    CHECK(row.new_facts.value == Approx(fresh_correct / fresh));
    CHECK(row.old_facts.value == Approx(kept_correct / kept));
    CHECK(row.new_facts.low <= row.new_facts.value);
    CHECK(row.new_facts.value <= row.new_facts.high);
    CHECK(figures["rows"][r]["new_facts"]["value"].get<double>() == Approx(row.new_facts.value));
    CHECK(figures["rows"][r]["answers"].size() == row.answers.size());
    // Five skills, one test instruction each.
    REQUIRE(row.by_skill.size() == 5);
    for (const tune::SkillScore& skill : row.by_skill) CHECK(skill.examples == 1);
  }
}
