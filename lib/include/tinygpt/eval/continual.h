/// @file continual.h
/// @brief Retraining as the world changes: a chat model that knows version 1 of a world is
/// fine-tuned on what version 2 changed (datasets/README.md, "version 2"), and what it
/// learns and forgets is measured with the ground-truth judge (data/judge.h).
///
/// Catastrophic forgetting (McCloskey and Cohen, 1989): gradient steps on new data alone move
/// the weights that also held the old knowledge, so old facts and skills degrade. Three
/// ways to update are compared, each a `tune::run_finetune` run of task instruct on a copy
/// of the world whose instructions.jsonl holds the update's conversations:
///   - naive: the new facts only (changed and new facts' questions);
///   - replay: the same, with old conversations mixed in so that a stated share of the
///     training conversations is old (questions about facts that did not change, and
///     instructions of the five skills), drawn at random from version 1's training split;
///   - lora: the new facts only, into a LoRA adapter (tune/lora.h); the model folder that
///     knows version 1 is only read, and its weights are checked bit-identical after.
///
/// A fact's question becomes an instruction record of skill "qa": the question as the
/// instruction, the short answer ("Losel", "42 crowns") as the response, its fact id and
/// change kept beside. Only seen facts' questions of the train and dev splits are written
/// (dev for the validation loss); the test split's questions are what is measured:
///   - new-fact accuracy: test questions about changed or new seen facts, judged against
///     version 2's catalogue (correct = the judge's Correctness::kCorrect);
///   - old-fact retention: test questions about unchanged seen facts, judged the same way;
///   - stale: the share of the changed facts' answers that state version 1's value;
///   - instruction skills: exact match on version 2's first test instructions of each skill
///     (tune::exact_match_by_skill), pooled over the skills and per skill.
/// Each share has its 95% bootstrap interval (tune::bootstrap_mean, 1,000 resamples).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tinygpt/tune/finetune.h"
#include "tinygpt/tune/instruction_tuning.h"
#include "tinygpt/tune/metrics.h"

namespace tinygpt::eval {

/// @brief What a world copy for instruction tuning holds.
struct ContinualData {
  std::int64_t facts_train = 0;   ///< training conversations: questions about the facts taught
  std::int64_t facts_dev = 0;     ///< dev conversations (validation loss only)
  std::int64_t replay_qa = 0;     ///< replayed old questions (training split)
  std::int64_t replay_skill = 0;  ///< replayed old instructions (training split)
  std::int64_t instructions = 0;  ///< the world's own instruction records written
};

/// @brief Writes a world copy that teaches version 1 (the model that later forgets): its
/// instructions.jsonl holds version 1's instructions (every split, as they are) and a "qa"
/// record for each question about a seen fact in the train and dev splits.
/// @param old_world a version-1 world folder with qa.jsonl and instructions.jsonl.
/// @param out the copy: a new or empty folder outside the world (Error otherwise).
/// @return the counts.
ContinualData write_old_facts_world(const std::filesystem::path& old_world,
                                    const std::filesystem::path& out);

/// @brief Writes a world copy for one update: "qa" records for version 2's questions about
/// changed and new seen facts in the train and dev splits; with replay_share s > 0, old
/// training conversations drawn without replacement (CounterRng stream kDemo) from version
/// 1's training questions about facts version 2 left unchanged and its training
/// instructions, round(s U / (1 - s)) of them for U new training conversations, so that
/// they are the share s of the training conversations; and version 2's test instructions
/// (not trained: what the run's own report asks). Replayed questions get new training ids
/// ("qa:replay-K") so none shares an id with a new one.
/// @param old_world version 1's folder.
/// @param new_world version 2's folder (Error naming it when its catalogue is version 1).
/// @param out the copy: a new or empty folder outside both worlds.
/// @param replay_share s in [0, 0.9] (Error naming --replay-share otherwise).
/// @param seed the replay draw's seed.
/// @return the counts.
ContinualData write_update_world(const std::filesystem::path& old_world,
                                 const std::filesystem::path& new_world,
                                 const std::filesystem::path& out, double replay_share,
                                 std::uint64_t seed);

/// @brief One question about a fact, asked and judged.
struct FactAnswer {
  std::string id;        ///< the qa record's id
  std::string fact;      ///< the fact's id
  std::string change;    ///< "changed", "new" or "unchanged"
  std::string question;  ///< the question
  std::string answer;    ///< the model's answer (greedy)
  std::string verdict;   ///< the judge's correctness: "correct", "wrong", ...
  bool correct = false;  ///< Correctness::kCorrect against version 2
  bool stale = false;    ///< a changed fact answered with version 1's value
};

/// @brief What one model knows after (or before) an update.
struct ContinualFigures {
  std::string method;        ///< "before", "naive", "replay" or "lora"
  tune::Interval new_facts;  ///< correct share on the changed and new facts' test questions
  tune::Interval old_facts;  ///< correct share on the unchanged facts' test questions
  tune::Interval stale;      ///< share of the changed facts' answers with the old value
  tune::Interval skills;     ///< exact match over every skill's test instructions asked
  std::vector<tune::SkillScore> by_skill;  ///< exact match per skill
  std::vector<FactAnswer> answers;         ///< every fact question, for the report
  double seconds = 0.0;                    ///< the update's training time (0 for "before")
};

/// @brief Scores a chat model on version 2's test questions and instructions.
/// @param model a chat model folder (with chat markers).
/// @param new_world version 2's folder.
/// @param skill_questions the first N test instructions of each skill asked (> 0).
/// @param method the row's name.
/// @return the figures.
ContinualFigures measure_continual(const std::filesystem::path& model,
                                   const std::filesystem::path& new_world,
                                   std::int64_t skill_questions, const std::string& method);

/// @param answers judged fact answers.
/// @param change "new" (changed and new facts), "unchanged" or "changed".
/// @return the correct share of those answers with its bootstrap interval, or of the stale
/// ones for "stale"; {0, 0, 0} when there are none.
tune::Interval fact_share(const std::vector<FactAnswer>& answers, const std::string& change);

/// @brief A continual-learning comparison: the model that knows version 1, three updates.
struct ContinualConfig {
  std::filesystem::path model;      ///< a GPT folder (pre-trained, or already a chat model)
  std::filesystem::path old_world;  ///< version 1's folder
  std::filesystem::path new_world;  ///< version 2's folder
  std::filesystem::path out;        ///< the report folder: new or empty
  /// Steps of instruction tuning on version 1 first (write_old_facts_world()); 0: the model
  /// already knows version 1 and is used as it is.
  std::int64_t old_steps = 0;
  std::vector<std::string> methods = {"naive", "replay", "lora"};  ///< the updates compared
  double replay_share = 0.5;          ///< replay: the old share of the training conversations
  std::int64_t steps = 200;           ///< every update's optimizer steps
  std::int64_t batch = 16;            ///< conversations per step
  float lr = 1e-3f;                   ///< the updates' peak learning rate (old_lr for version 1)
  float old_lr = 3e-3f;               ///< learning version 1's peak learning rate
  std::int64_t context = 0;           ///< tokens per conversation (0: the model's)
  tune::LoraSettings lora;            ///< lora: rank, alpha, targets
  float lora_lr = 3e-3f;              ///< lora: its peak learning rate (adapters take larger)
  std::int64_t skill_questions = 20;  ///< test instructions asked per skill
  std::uint64_t seed = 1;             ///< runs' and replay's seed
  /// Called with a line of news before each stage (teaching version 1, each update), or
  /// empty: quiet.
  std::function<void(const std::string&)> progress;
};

/// @brief Everything a comparison measured.
struct ContinualReport {
  ContinualData old_data;              ///< what taught version 1 (zeros when not taught)
  ContinualData update;                ///< the naive and lora runs' data
  ContinualData replay;                ///< the replay run's data
  std::vector<ContinualFigures> rows;  ///< "before" first, then the methods in order
  bool base_untouched = true;          ///< lora: the base's weights bit-identical after
  std::filesystem::path chat_model;    ///< the model that knows version 1
  /// @return the table (method | new-fact accuracy | old-fact retention | stale |
  /// instruction skills) and the counts, as Markdown.
  std::string markdown() const;
  /// @return the figures as JSON (continual.json).
  nlohmann::ordered_json to_json() const;
};

/// @brief Checks a config before any work: folders present, version 1 and version 2 of the
/// same seed, methods known, share and counts in range. Errors name the option.
/// @param config the config.
void check_continual_config(const ContinualConfig& config);

/// @brief Runs the comparison: teaches version 1 when old_steps > 0 (out/old), measures the
/// model before any update, then each method (out/naive, out/replay, out/lora: the world
/// copy and the run), and writes out/REPORT.md and out/continual.json atomically.
/// @param config the comparison.
/// @return what was measured.
ContinualReport run_continual(const ContinualConfig& config);

}  // namespace tinygpt::eval
