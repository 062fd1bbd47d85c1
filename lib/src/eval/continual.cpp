// Continual fine-tuning on a changed world, and what it forgets (eval/continual.h).
#include "tinygpt/eval/continual.h"

#include <chrono>
#include <cmath>
#include <map>
#include <set>
#include <span>
#include <sstream>

#include "tinygpt/align/judged_answers.h"
#include "tinygpt/core/check.h"
#include "tinygpt/core/files.h"
#include "tinygpt/core/rng.h"
#include "tinygpt/data/judge.h"
#include "tinygpt/data/world.h"
#include "tinygpt/eval/robustness.h"
#include "tinygpt/eval/significance.h"
#include "tinygpt/models/pretrained.h"
#include "tinygpt/tune/adapter_files.h"
#include "tinygpt/tune/task_data.h"

namespace tinygpt::eval {

namespace {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

// The replay draw's step in stream kDemo (a number no other draw of the course uses).
constexpr std::uint64_t kReplayStep = 1061;
// The longest answer generated: a fact's short answer is a few tokens, an instruction's
// (a summary) about 30, as the instruct report asks them.
constexpr std::int64_t kFactAnswerLength = 24;
constexpr std::int64_t kSkillAnswerLength = 64;
constexpr double kMaxReplayShare = 0.9;

// What happened to each fact of version 2: "changed", "new" or "unchanged", by fact id.
struct FactChanges {
  std::map<std::string, std::string> kind;       // fact id -> change
  std::map<std::string, std::string> old_value;  // changed fact id -> version 1's value
};

FactChanges fact_changes(const data::World& changed, const data::Judge& judge) {
  FactChanges changes;
  const std::set<std::string> new_entities(changed.new_entities.begin(),
                                           changed.new_entities.end());
  for (const data::Fact& fact : judge.facts()) {
    changes.kind[fact.id] = new_entities.contains(fact.entity) ? "new" : "unchanged";
  }
  for (const data::ChangedFact& fact : changed.changed_facts) {
    changes.kind[fact.id] = "changed";
    changes.old_value[fact.id] = fact.old_value;
  }
  return changes;
}

// A world folder's world, with the version it must be (Error naming the folder otherwise).
data::World world_of_version(const fs::path& folder, int version, const char* option) {
  const data::World world = data::load_world(folder);
  TINYGPT_CHECK(world.version == version, option, " ", folder.string(), " holds version ",
                world.version, " of its world; give a folder made with `tinygpt data generate",
                version == 2 ? " --world-version 2`" : "` (version 1)");
  return world;
}

// A question of qa.jsonl with the fact it asks about.
struct FactQuestion {
  tune::LabelledText pair;  // id, question, short answer, "seen" or "held_out"
  std::string fact;         // the fact's id
};

// The seen facts' questions of a split, each with its fact as the judge finds it.
std::vector<FactQuestion> seen_questions(const fs::path& world, tune::Split split,
                                         const data::Judge& judge) {
  std::vector<FactQuestion> questions;
  for (tune::LabelledText& pair : tune::load_questions(world, split)) {
    if (pair.group != "seen") continue;
    const std::optional<int> fact = judge.fact_asked(pair.text);
    TINYGPT_CHECK(fact.has_value(), world.string(), "/qa.jsonl: ", pair.id, " (\"", pair.text,
                  "\") asks about no single fact of the catalogue");
    questions.push_back({std::move(pair), judge.facts()[static_cast<std::size_t>(*fact)].id});
  }
  return questions;
}

// A question as an instruction record of skill "qa", the short answer its response.
ordered_json qa_record(const FactQuestion& question, const std::string& id,
                       const std::string& change) {
  ordered_json record = {{"id", id},
                         {"skill", "qa"},
                         {"instruction", question.pair.text},
                         {"input", ""},
                         {"response", question.pair.label},
                         {"fact", question.fact}};
  if (!change.empty()) record["change"] = change;
  return record;
}

// An instruction as load_instructions() read it, written back: the user turn (instruction
// and input joined as the loader joins them) is the instruction, so it reads back the same.
ordered_json instruction_record(const tune::ChatExample& example) {
  return {{"id", example.id},
          {"skill", example.skill},
          {"instruction", example.turns.front().content},
          {"input", ""},
          {"response", example.turns.back().content}};
}

void check_new_folder(const fs::path& out, std::span<const fs::path> inputs) {
  check_report_folder(out, inputs);
  TINYGPT_CHECK(!fs::exists(out) || (fs::is_directory(out) && fs::is_empty(out)), "--out ",
                out.string(), " is not an empty folder; give a new one");
}

void write_records(const fs::path& out, const std::vector<ordered_json>& records) {
  std::string text;
  for (const ordered_json& record : records) text += record.dump() + "\n";
  write_file_atomically(out / "instructions.jsonl", text);
}

// Exact match pooled over every skill: the answers as one skill "all".
tune::Interval pooled_exact_match(std::vector<tune::ChatAnswer> answers) {
  for (tune::ChatAnswer& answer : answers) answer.skill = "all";
  const std::vector<tune::SkillScore> pooled = tune::exact_match_by_skill(answers);
  return pooled.empty() ? tune::Interval{} : pooled.front().exact_match;
}

ordered_json data_json(const ContinualData& data) {
  return {{"facts_train", data.facts_train},
          {"facts_dev", data.facts_dev},
          {"replay_qa", data.replay_qa},
          {"replay_skill", data.replay_skill},
          {"instructions", data.instructions}};
}

}  // namespace

ContinualData write_old_facts_world(const fs::path& old_world, const fs::path& out) {
  const data::World world = world_of_version(old_world, 1, "--old");
  const fs::path inputs[] = {old_world};
  check_new_folder(out, inputs);
  const data::Judge judge(world);
  ContinualData written;
  std::vector<ordered_json> records;
  for (const tune::Split split : {tune::Split::kTrain, tune::Split::kDev, tune::Split::kTest}) {
    for (const tune::ChatExample& example : tune::load_instructions(old_world, split)) {
      records.push_back(instruction_record(example));
      ++written.instructions;
    }
  }
  for (const tune::Split split : {tune::Split::kTrain, tune::Split::kDev}) {
    for (const FactQuestion& question : seen_questions(old_world, split, judge)) {
      records.push_back(qa_record(question, question.pair.id, ""));
      ++(split == tune::Split::kTrain ? written.facts_train : written.facts_dev);
    }
  }
  write_records(out, records);
  return written;
}

ContinualData write_update_world(const fs::path& old_world, const fs::path& new_world,
                                 const fs::path& out, double replay_share, std::uint64_t seed) {
  TINYGPT_CHECK(
      std::isfinite(replay_share) && replay_share >= 0.0 && replay_share <= kMaxReplayShare,
      "--replay-share must be in [0, ", kMaxReplayShare, "], got ", replay_share);
  const data::World old_version = world_of_version(old_world, 1, "--old");
  const data::World new_version = world_of_version(new_world, 2, "--new");
  TINYGPT_CHECK(old_version.seed == new_version.seed, "--old ", old_world.string(), " (seed ",
                old_version.seed, ") and --new ", new_world.string(), " (seed ", new_version.seed,
                ") are not two versions of one world");
  const fs::path inputs[] = {old_world, new_world};
  check_new_folder(out, inputs);
  const data::Judge new_judge(new_version);
  const FactChanges changes = fact_changes(new_version, new_judge);

  ContinualData written;
  std::vector<ordered_json> records;
  for (const tune::Split split : {tune::Split::kTrain, tune::Split::kDev}) {
    for (const FactQuestion& question : seen_questions(new_world, split, new_judge)) {
      const std::string& change = changes.kind.at(question.fact);
      if (change == "unchanged") continue;
      records.push_back(qa_record(question, question.pair.id, change));
      ++(split == tune::Split::kTrain ? written.facts_train : written.facts_dev);
    }
  }
  TINYGPT_CHECK(written.facts_train > 0, "--new ", new_world.string(),
                ": no training question about a changed or new fact (was it made with "
                "--changed 0 and --new-entities 0?)");

  // The old data that may be replayed: version 1's training questions about facts that are
  // still true, and its training instructions. A changed fact's old question is left out:
  // replaying it would teach the old value against the update.
  std::vector<ordered_json> pool;
  const data::Judge old_judge(old_version);
  std::int64_t counter = 0;
  for (const FactQuestion& question : seen_questions(old_world, tune::Split::kTrain, old_judge)) {
    if (changes.kind.at(question.fact) != "unchanged") continue;
    pool.push_back(
        qa_record(question, tune::next_training_id("qa", "replay", counter), "unchanged"));
  }
  for (const tune::ChatExample& example : tune::load_instructions(old_world, tune::Split::kTrain)) {
    pool.push_back(instruction_record(example));
  }
  const double wanted =
      replay_share * static_cast<double>(written.facts_train) / (1.0 - replay_share);
  const auto replayed = static_cast<std::size_t>(std::llround(wanted));
  TINYGPT_CHECK(replayed <= pool.size(), "--replay-share ", replay_share, " needs ", replayed,
                " old conversations; ", old_world.string(), " has ", pool.size());
  // A partial Fisher-Yates shuffle: the first `replayed` places are a draw without
  // replacement, each a pure function of (seed, place).
  for (std::size_t k = 0; k < replayed; ++k) {
    CounterRng rng(seed, RngStream::kDemo, kReplayStep, k);
    const std::size_t pick = k + rng.below(static_cast<std::uint32_t>(pool.size() - k));
    std::swap(pool[k], pool[pick]);
    ++(pool[k]["skill"] == "qa" ? written.replay_qa : written.replay_skill);
    records.push_back(pool[k]);
  }
  for (const tune::ChatExample& example : tune::load_instructions(new_world, tune::Split::kTest)) {
    records.push_back(instruction_record(example));
    ++written.instructions;
  }
  write_records(out, records);
  return written;
}

tune::Interval fact_share(const std::vector<FactAnswer>& answers, const std::string& change) {
  std::vector<double> scores;
  for (const FactAnswer& answer : answers) {
    if (change == "stale") {
      if (answer.change == "changed") scores.push_back(answer.stale ? 1.0 : 0.0);
    } else if (answer.change == change || (change == "new" && answer.change == "changed")) {
      scores.push_back(answer.correct ? 1.0 : 0.0);
    }
  }
  return scores.empty() ? tune::Interval{} : tune::bootstrap_mean(scores);
}

ContinualFigures measure_continual(const fs::path& model, const fs::path& new_world,
                                   std::int64_t skill_questions, const std::string& method) {
  TINYGPT_CHECK(skill_questions > 0, "--skill-questions must be at least 1, got ", skill_questions);
  models::PretrainedGpt gpt = models::load_pretrained_gpt(model);
  TINYGPT_CHECK(gpt.chat.has_value(), "--model ", model.string(),
                " has no chat markers; give an instruction-tuned model or --old-steps");
  const data::World world = world_of_version(new_world, 2, "--new");
  const data::Judge judge(world);
  const FactChanges changes = fact_changes(world, judge);

  ContinualFigures figures;
  figures.method = method;
  const std::vector<FactQuestion> questions = seen_questions(new_world, tune::Split::kTest, judge);
  std::vector<tune::PreferencePair> prompts;
  for (const FactQuestion& question : questions)
    prompts.push_back({question.pair.id, question.pair.text});
  const std::vector<align::JudgedAnswer> judged = align::judged_answers(
      gpt.model, gpt.tokenizer, *gpt.chat, prompts, judge,
      {.max_new_tokens = kFactAnswerLength, .sampling = {.temperature = 0.0f}});
  for (std::size_t i = 0; i < questions.size(); ++i) {
    const data::Verdict& verdict = judged[i].verdict;
    FactAnswer answer{questions[i].pair.id,
                      questions[i].fact,
                      changes.kind.at(questions[i].fact),
                      questions[i].pair.text,
                      judged[i].answer,
                      std::string(data::correctness_name(verdict.correctness)),
                      verdict.correctness == data::Correctness::kCorrect,
                      false};
    const auto old_value = changes.old_value.find(answer.fact);
    answer.stale = old_value != changes.old_value.end() &&
                   verdict.correctness == data::Correctness::kWrong &&
                   verdict.wrong_value == old_value->second;
    figures.answers.push_back(std::move(answer));
  }
  figures.new_facts = fact_share(figures.answers, "new");
  figures.old_facts = fact_share(figures.answers, "unchanged");
  figures.stale = fact_share(figures.answers, "stale");

  std::vector<tune::ChatExample> instructions;
  std::map<std::string, std::int64_t> asked;
  for (tune::ChatExample& example : tune::load_instructions(new_world, tune::Split::kTest)) {
    if (asked[example.skill]++ < skill_questions) instructions.push_back(std::move(example));
  }
  const std::vector<tune::ChatAnswer> answers =
      tune::answer_all(gpt.model, gpt.tokenizer, *gpt.chat, instructions, kSkillAnswerLength);
  figures.by_skill = tune::exact_match_by_skill(answers);
  figures.skills = pooled_exact_match(answers);
  return figures;
}

void check_continual_config(const ContinualConfig& config) {
  TINYGPT_CHECK(fs::is_directory(config.model), "--model ", config.model.string(),
                ": no such model folder");
  const models::FolderConfig folder = models::read_folder_config(config.model);
  TINYGPT_CHECK(folder.model.family == models::Family::kGpt, "--model ", config.model.string(),
                " is not a GPT; continual fine-tuning generates answers");
  TINYGPT_CHECK(config.old_steps > 0 || folder.chat.has_value(), "--model ", config.model.string(),
                " has no chat markers: give an instruction-tuned model, or --old-steps N to "
                "teach it version 1 first");
  TINYGPT_CHECK(fs::is_directory(config.old_world), "--old ", config.old_world.string(),
                ": no such world folder");
  TINYGPT_CHECK(fs::is_directory(config.new_world), "--new ", config.new_world.string(),
                ": no such world folder");
  const data::World old_version = world_of_version(config.old_world, 1, "--old");
  const data::World new_version = world_of_version(config.new_world, 2, "--new");
  TINYGPT_CHECK(old_version.seed == new_version.seed, "--old (seed ", old_version.seed,
                ") and --new (seed ", new_version.seed, ") are not two versions of one world");
  TINYGPT_CHECK(!config.methods.empty(), "--methods: give at least one of naive, replay, lora");
  std::set<std::string> seen;
  for (const std::string& method : config.methods) {
    TINYGPT_CHECK(method == "naive" || method == "replay" || method == "lora", "--methods: '",
                  method, "' is not one of naive, replay, lora");
    TINYGPT_CHECK(seen.insert(method).second, "--methods: '", method, "' given twice");
  }
  TINYGPT_CHECK(std::isfinite(config.replay_share) && config.replay_share > 0.0 &&
                    config.replay_share <= kMaxReplayShare,
                "--replay-share must be above 0 and at most ", kMaxReplayShare, ", got ",
                config.replay_share);
  TINYGPT_CHECK(config.steps > 0, "--steps must be at least 1, got ", config.steps);
  TINYGPT_CHECK(config.old_steps >= 0, "--old-steps must be 0 or more, got ", config.old_steps);
  TINYGPT_CHECK(config.batch > 0, "--batch must be at least 1, got ", config.batch);
  TINYGPT_CHECK(config.skill_questions > 0, "--skill-questions must be at least 1, got ",
                config.skill_questions);
  const fs::path inputs[] = {config.model, config.old_world, config.new_world};
  check_new_folder(config.out, inputs);
}

ContinualReport run_continual(const ContinualConfig& config) {
  check_continual_config(config);
  const auto say = [&config](const std::string& line) {
    if (config.progress) config.progress(line);
  };
  const auto finetune = [&config](const fs::path& model, const fs::path& data, const fs::path& out,
                                  const std::string& method, std::int64_t steps, float lr) {
    tune::FinetuneConfig run;
    run.model = model;
    run.data = data;
    run.out = out;
    run.task = "instruct";
    run.method = method;
    run.lora = config.lora;
    run.seed = config.seed;
    run.steps = steps;
    run.batch = config.batch;
    run.lr = lr;
    run.min_lr = lr / 10.0f;
    run.context = config.context;
    run.eval_interval = steps;
    run.eval_batches = 1;
    run.keep = 1;
    run.test_per_skill = 1;
    return tune::run_finetune(run);
  };
  using Clock = std::chrono::steady_clock;
  const auto seconds_since = [](Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
  };

  ContinualReport report;
  report.chat_model = config.model;
  if (config.old_steps > 0) {
    say("teaching version 1: " + std::to_string(config.old_steps) + " steps");
    report.old_data = write_old_facts_world(config.old_world, config.out / "old" / "world");
    report.chat_model =
        finetune(config.model, config.out / "old" / "world", config.out / "old" / "run", "full",
                 config.old_steps, config.old_lr)
            .model_dir;
  }
  say("measuring the model before any update");
  report.rows.push_back(
      measure_continual(report.chat_model, config.new_world, config.skill_questions, "before"));
  for (const std::string& method : config.methods) {
    const fs::path dir = config.out / method;
    const ContinualData data =
        write_update_world(config.old_world, config.new_world, dir / "world",
                           method == "replay" ? config.replay_share : 0.0, config.seed);
    (method == "replay" ? report.replay : report.update) = data;
    say("update " + method + ": " + std::to_string(config.steps) + " steps on " +
        std::to_string(data.facts_train + data.replay_qa + data.replay_skill) +
        " training conversations");
    const std::uint64_t base_before =
        tune::weights_hash(models::load_model_folder(report.chat_model).parameters());
    const Clock::time_point start = Clock::now();
    const bool lora = method == "lora";
    const tune::FinetuneResult result =
        finetune(report.chat_model, dir / "world", dir / "run", lora ? "lora" : "full",
                 config.steps, lora ? config.lora_lr : config.lr);
    const double seconds = seconds_since(start);
    fs::path updated = result.model_dir;
    if (lora) {
      // The adapter merged into a plain folder (W + (alpha / r) A B) answers as the base
      // with the adapter does, on the engine's own products.
      tune::merge_adapter(report.chat_model, result.model_dir, dir / "merged");
      updated = dir / "merged";
      report.base_untouched =
          tune::weights_hash(models::load_model_folder(report.chat_model).parameters()) ==
          base_before;
      TINYGPT_CHECK(report.base_untouched, "lora: the base ", report.chat_model.string(),
                    " changed while its adapter trained");
    }
    ContinualFigures figures =
        measure_continual(updated, config.new_world, config.skill_questions, method);
    figures.seconds = seconds;
    report.rows.push_back(std::move(figures));
  }
  write_file_atomically(config.out / "REPORT.md", report.markdown());
  write_file_atomically(config.out / "continual.json", report.to_json().dump(2) + "\n");
  return report;
}

std::string ContinualReport::markdown() const {
  std::ostringstream out;
  out << "# Continual fine-tuning: version 1 -> version 2\n\n"
      << "Chat model that knows version 1: " << chat_model.string() << "\n\n"
      << "| method | new-fact accuracy % [95% CI] | old-fact retention % [95% CI] | "
         "stale answers % | instruction skills exact match % [95% CI] | training s |\n"
      << "|---|---|---|---:|---|---:|\n";
  for (const ContinualFigures& row : rows) {
    out << "| " << row.method << " | " << tune::percent(row.new_facts) << " | "
        << tune::percent(row.old_facts) << " | " << tune::percent(row.stale.value) << " | "
        << tune::percent(row.skills) << " | ";
    if (row.method == "before") {
      out << "- |\n";
    } else {
      out << static_cast<std::int64_t>(std::llround(row.seconds)) << " |\n";
    }
  }
  if (!rows.empty()) {
    std::int64_t fresh = 0, kept = 0;
    for (const FactAnswer& answer : rows.front().answers) {
      ++(answer.change == "unchanged" ? kept : fresh);
    }
    out << "\nTest questions: " << fresh << " about changed or new facts, " << kept
        << " about unchanged facts; instruction skills: "
        << (rows.front().by_skill.empty() ? 0 : rows.front().by_skill.front().examples)
        << " test instructions per skill.\n";
    out << "\n| method | ";
    for (const tune::SkillScore& skill : rows.front().by_skill) out << skill.skill << " % | ";
    out << "\n|---|";
    for (std::size_t s = 0; s < rows.front().by_skill.size(); ++s) out << "---:|";
    out << "\n";
    for (const ContinualFigures& row : rows) {
      out << "| " << row.method << " | ";
      for (const tune::SkillScore& skill : row.by_skill)
        out << tune::percent(skill.exact_match.value) << " | ";
      out << "\n";
    }
  }
  out << "\nUpdate data: " << update.facts_train << " training and " << update.facts_dev
      << " dev conversations about changed and new facts";
  if (replay.replay_qa + replay.replay_skill > 0) {
    out << "; replay adds " << replay.replay_qa << " old questions and " << replay.replay_skill
        << " old instructions";
  }
  out << ".\nLoRA's base bit-identical after training: " << (base_untouched ? "yes" : "NO")
      << ".\n";
  return out.str();
}

nlohmann::ordered_json ContinualReport::to_json() const {
  ordered_json json = {{"chat_model", chat_model.string()}, {"old_data", data_json(old_data)},
                       {"update", data_json(update)},       {"replay", data_json(replay)},
                       {"base_untouched", base_untouched},  {"rows", ordered_json::array()}};
  for (const ContinualFigures& row : rows) {
    ordered_json entry = {{"method", row.method},
                          {"new_facts", eval::to_json(row.new_facts)},
                          {"old_facts", eval::to_json(row.old_facts)},
                          {"stale", eval::to_json(row.stale)},
                          {"skills", eval::to_json(row.skills)},
                          {"seconds", row.seconds},
                          {"by_skill", ordered_json::object()},
                          {"answers", ordered_json::array()}};
    for (const tune::SkillScore& skill : row.by_skill) {
      entry["by_skill"][skill.skill] = eval::to_json(skill.exact_match);
    }
    for (const FactAnswer& answer : row.answers) {
      entry["answers"].push_back({{"id", answer.id},
                                  {"fact", answer.fact},
                                  {"change", answer.change},
                                  {"question", answer.question},
                                  {"answer", answer.answer},
                                  {"verdict", answer.verdict},
                                  {"stale", answer.stale}});
    }
    json["rows"].push_back(std::move(entry));
  }
  return json;
}

}  // namespace tinygpt::eval
