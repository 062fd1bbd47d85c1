/// @file evaluation.h
/// @brief `tinygpt eval run`: several model folders evaluated on named suites, one report
/// folder with REPORT.md, report.json (every figure) and SVG plots.
///
/// A config names a generated world (its test splits and ground truth are the data), the
/// models, and the suites:
///
///     {"data": "world", "out": "eval-report",
///      "models": [{"name": "classifier", "path": "finetune/classify/model"},
///                 {"name": "lora", "path": "gpt/model", "adapter": "finetune/lora/adapter",
///                  "kind": "classifier"},
///                 {"name": "chat", "path": "finetune/instruct/model"}],
///      "suites": ["classification", "answers"]}
///
/// Every model has a **kind**, read from its folder's config.json unless the entry says it:
/// a folder with a classification head is a `classifier`, one with chat markers a `chat`
/// model, any other GPT a `language_model`; a classifier may be an adapter over its base
/// (then "kind": "classifier" is required; merge other adapters first). A suite
/// runs on every model of its kind (evaluation_suites() lists them) and compares the
/// models of that kind with the first one, on the same items, by a paired bootstrap. A
/// model entry's "suites" narrows that to the suites it lists.
///
/// The report shows each model's training curve too, when its folder sits in a run folder
/// beside the run's loss.svg (as `tinygpt train`, `finetune` and `align` leave it).
///
/// Optional fields: "seed" (1), "examples" (test items per suite or for each: all unless
/// given), "lm_tokens", "answer_tokens" and "attack_budget" (EvaluationConfig). Paths are
/// relative to the config file's folder. The report folder may not lie inside a model,
/// adapter or world folder (an evaluation never writes into its inputs), and each of its
/// files is written atomically.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace tinygpt::eval {

/// @brief What a model is evaluated as.
enum class ModelKind {
  kLanguageModel,  ///< a GPT: the next token of text
  kClassifier,     ///< a sequence classifier: a classification head
  kChat,           ///< an instruction-tuned GPT with chat markers
};

/// @param kind a kind.
/// @return its name in configs: "language_model", "classifier" or "chat".
std::string_view model_kind_name(ModelKind kind);

/// @brief One model to evaluate.
struct ModelEntry {
  std::string name;               ///< its name in the report, unique
  std::filesystem::path path;     ///< the model folder (with an adapter: its base)
  std::filesystem::path adapter;  ///< a classifier's adapter folder over `path`, or empty
  /// what it is evaluated as: given, or read from the folder by check_evaluation_config()
  std::optional<ModelKind> kind;
  /// the suites it takes part in, of the config's; empty: every suite of its kind
  std::vector<std::string> suites;
};

/// @brief An evaluation: data, models, suites and their settings.
struct EvaluationConfig {
  std::filesystem::path data;       ///< a world folder (`tinygpt data generate`)
  std::filesystem::path out;        ///< the report folder
  std::vector<ModelEntry> models;   ///< at least one
  std::vector<std::string> suites;  ///< names of evaluation_suites(), at least one
  std::uint64_t seed = 1;           ///< bootstrap and perturbation seed
  /// Test items per suite, 0 for every one: "examples" is a number (every suite) or an object
  /// of suite names ({"robustness": 200, "attack": 100}; a suite not named takes them all).
  /// The items are the first ones: reviews, questions, probe sets (fairness: per slice),
  /// names per group (lm_fairness: of the world's people and of new ones).
  std::map<std::string, std::int64_t, std::less<>> examples;
  std::int64_t lm_tokens = 16384;   ///< language_model: the most validation tokens scored
  std::int64_t answer_tokens = 24;  ///< answers: the longest answer generated
  double attack_budget = 0.2;       ///< attack: share of a review's words it may change

  /// @param suite a suite's name.
  /// @return its test items, 0 for every one.
  std::int64_t examples_for(std::string_view suite) const;
};

/// @brief One suite: its name, the kind of model it takes and what it measures.
struct SuiteInfo {
  std::string_view name;         ///< the name in configs
  ModelKind kind;                ///< the models it runs on
  std::string_view description;  ///< one line for --help and the report
};

/// @return every suite, in report order.
std::vector<SuiteInfo> evaluation_suites();

/// @brief Reads an evaluation config. Error naming the file and the field for anything
/// wrong: not JSON, an unknown field, a wrong type, no models or suites, an unknown suite or
/// kind, a repeated model name, an adapter without "kind": "classifier".
/// @param json_text the file's text.
/// @param origin the file (relative paths are relative to its folder).
/// @return the config, paths resolved.
EvaluationConfig parse_evaluation_config(std::string_view json_text,
                                         const std::filesystem::path& origin);

/// @brief Checks a config against the disk before any work: the world has the files the
/// suites read, every model folder exists and is of its kind (a kind read from config.json
/// when the entry has none is filled in), every suite has a model of its kind, and the
/// report folder is not inside a model folder. Error naming the model, folder or suite.
/// @param config the config; kinds are filled in.
void check_evaluation_config(EvaluationConfig& config);

/// @brief What an evaluation wrote.
struct EvaluationResult {
  std::filesystem::path report;    ///< out/REPORT.md
  nlohmann::ordered_json figures;  ///< report.json's content
  std::vector<std::string> files;  ///< every file written into out, by name
};

/// @brief Runs every suite on its models and writes the report folder (checks first).
/// @param config the evaluation.
/// @param log progress lines.
/// @return what was written.
EvaluationResult run_evaluation(EvaluationConfig config, std::ostream& log);

}  // namespace tinygpt::eval
