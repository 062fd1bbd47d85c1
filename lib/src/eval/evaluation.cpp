// `tinygpt eval run` (eval/evaluation.h): the config, its checks, and the report folder the
// suites (evaluation_suites.cpp) fill.
#include "tinygpt/eval/evaluation.h"

#include <algorithm>
#include <chrono>
#include <set>
#include <sstream>

#include "../train/config_detail.h"
#include "evaluation_detail.h"
#include "tinygpt/core/check.h"
#include "tinygpt/core/files.h"
#include "tinygpt/eval/robustness.h"
#include "tinygpt/models/pretrained.h"

namespace tinygpt::eval {

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using train::detail::read_field;

constexpr std::string_view kFields[] = {"data", "out",      "models",    "suites",
                                        "seed", "examples", "lm_tokens", "answer_tokens"};
constexpr std::string_view kModelFields[] = {"name", "path", "adapter", "kind", "suites"};
constexpr ModelKind kKinds[] = {ModelKind::kLanguageModel, ModelKind::kClassifier,
                                ModelKind::kChat};

std::string suite_names() {
  std::string names;
  for (const detail::Suite& suite : detail::suites()) {
    names += (names.empty() ? "" : ", ") + std::string(suite.info.name);
  }
  return names;
}

ModelKind parse_kind(const std::string& name, const std::string& where) {
  for (const ModelKind kind : kKinds) {
    if (model_kind_name(kind) == name) return kind;
  }
  throw Error(where + ": kind \"" + name + "\" is unknown; use language_model, classifier or chat");
}

ModelEntry parse_model(const json& item, std::size_t index, const fs::path& base,
                       const std::string& origin) {
  const std::string where = origin + ": models[" + std::to_string(index) + "]";
  TINYGPT_CHECK(item.is_object(), where, " must be an object {\"name\": ..., \"path\": ...}, got ",
                item.dump());
  for (const auto& [key, value] : item.items()) {
    TINYGPT_CHECK(
        std::find(std::begin(kModelFields), std::end(kModelFields), key) != std::end(kModelFields),
        where, ": unknown field '", key, "'");
  }
  ModelEntry entry;
  read_field(item, "name", entry.name, where);
  read_field(item, "path", entry.path, where);
  read_field(item, "adapter", entry.adapter, where);
  read_field(item, "suites", entry.suites, where);
  TINYGPT_CHECK(!entry.name.empty(), where, ": field 'name' is missing or empty");
  TINYGPT_CHECK(!entry.path.empty(), where, ": field 'path' is missing or empty");
  entry.path = train::detail::relative_to(base, entry.path).lexically_normal();
  entry.adapter = train::detail::relative_to(base, entry.adapter).lexically_normal();
  if (item.contains("kind")) {
    std::string kind;
    read_field(item, "kind", kind, where);
    entry.kind = parse_kind(kind, where);
  }
  TINYGPT_CHECK(entry.adapter.empty() || entry.kind == ModelKind::kClassifier, where, " (",
                entry.name,
                "): only a classifier is evaluated through an adapter (give \"kind\": "
                "\"classifier\"); merge other adapters first with `tinygpt adapter merge`");
  return entry;
}

// Whether a model (its kind known) takes part in a suite.
bool takes_part(const ModelEntry& model, const SuiteInfo& suite) {
  return *model.kind == suite.kind &&
         (model.suites.empty() ||
          std::find(model.suites.begin(), model.suites.end(), suite.name) != model.suites.end());
}

// "examples": a number for every suite, or an object of suite names and numbers.
void read_examples(const json& object, const std::string& where, EvaluationConfig& config) {
  if (!object.contains("examples")) return;
  const json& field = object.at("examples");
  const auto count = [&where](const json& value, const std::string& key) {
    TINYGPT_CHECK(value.is_number_integer() && value.get<std::int64_t>() >= 0, where, ": field '",
                  key, "' must be 0 (all) or a positive integer, got ", value.dump());
    return value.get<std::int64_t>();
  };
  if (!field.is_object()) {
    const std::int64_t every = count(field, "examples");
    for (const detail::Suite& suite : detail::suites()) {
      config.examples[std::string(suite.info.name)] = every;
    }
    return;
  }
  for (const auto& [name, value] : field.items()) {
    const auto& all = detail::suites();
    TINYGPT_CHECK(std::any_of(all.begin(), all.end(),
                              [&name](const detail::Suite& s) { return s.info.name == name; }),
                  where, ": field 'examples' names suite \"", name,
                  "\", which is unknown; use one of ", suite_names());
    config.examples[name] = count(value, "examples." + name);
  }
}

}  // namespace

std::int64_t EvaluationConfig::examples_for(std::string_view suite) const {
  const auto found = examples.find(suite);
  return found == examples.end() ? 0 : found->second;
}

std::string_view model_kind_name(ModelKind kind) {
  switch (kind) {
    case ModelKind::kLanguageModel:
      return "language_model";
    case ModelKind::kClassifier:
      return "classifier";
    case ModelKind::kChat:
      return "chat";
  }
  return "unknown";
}

std::vector<SuiteInfo> evaluation_suites() {
  std::vector<SuiteInfo> infos;
  for (const detail::Suite& suite : detail::suites()) infos.push_back(suite.info);
  return infos;
}

EvaluationConfig parse_evaluation_config(std::string_view json_text, const fs::path& origin) {
  const std::string where = origin.string();
  const json object =
      train::detail::parse_config_object(json_text, where,
                                         "an evaluation config is {\"data\": ..., \"out\": ..., "
                                         "\"models\": [...], \"suites\": [...]}");
  for (const auto& [key, value] : object.items()) {
    TINYGPT_CHECK(std::find(std::begin(kFields), std::end(kFields), key) != std::end(kFields),
                  where, ": unknown field '", key, "'");
  }
  const fs::path base = origin.parent_path();
  EvaluationConfig config;
  read_field(object, "data", config.data, where);
  read_field(object, "out", config.out, where);
  read_field(object, "suites", config.suites, where);
  read_field(object, "seed", config.seed, where);
  read_examples(object, where, config);
  read_field(object, "lm_tokens", config.lm_tokens, where);
  read_field(object, "answer_tokens", config.answer_tokens, where);
  read_field(object, "attack_budget", config.attack_budget, where);
  TINYGPT_CHECK(!config.data.empty(), where, ": field 'data' (a world folder) is missing");
  TINYGPT_CHECK(!config.out.empty(), where, ": field 'out' (the report folder) is missing");
  config.data = train::detail::relative_to(base, config.data).lexically_normal();
  config.out = train::detail::relative_to(base, config.out).lexically_normal();
  TINYGPT_CHECK(config.lm_tokens >= 2, where, ": field 'lm_tokens' must be at least 2, got ",
                config.lm_tokens);
  TINYGPT_CHECK(config.answer_tokens >= 1, where,
                ": field 'answer_tokens' must be at least 1, got ", config.answer_tokens);
  TINYGPT_CHECK(config.attack_budget > 0.0 && config.attack_budget <= 1.0, where,
                ": field 'attack_budget' must be in (0, 1], got ", config.attack_budget);

  TINYGPT_CHECK(
      object.contains("models") && object["models"].is_array() && !object["models"].empty(), where,
      ": field 'models' must be a non-empty list of {\"name\", \"path\"}");
  std::set<std::string> names;
  for (std::size_t i = 0; i < object["models"].size(); ++i) {
    config.models.push_back(parse_model(object["models"][i], i, base, where));
    TINYGPT_CHECK(names.insert(config.models.back().name).second, where, ": the model name \"",
                  config.models.back().name, "\" is used twice");
  }
  TINYGPT_CHECK(!config.suites.empty(), where, ": field 'suites' must list at least one of ",
                suite_names());
  for (const ModelEntry& model : config.models) {
    for (const std::string& name : model.suites) {
      TINYGPT_CHECK(
          std::find(config.suites.begin(), config.suites.end(), name) != config.suites.end(), where,
          ": model \"", model.name, "\" lists suite \"", name,
          "\", which the config's 'suites' does not");
    }
  }
  for (const std::string& name : config.suites) {
    const auto& all = detail::suites();
    TINYGPT_CHECK(std::any_of(all.begin(), all.end(),
                              [&name](const detail::Suite& s) { return s.info.name == name; }),
                  where, ": suite \"", name, "\" is unknown; use one of ", suite_names());
  }
  return config;
}

void check_evaluation_config(EvaluationConfig& config) {
  TINYGPT_CHECK(fs::is_directory(config.data), "data: ", config.data.string(),
                " is not a folder; make a world with `tinygpt data generate --out ",
                config.data.string(), "`");
  for (ModelEntry& model : config.models) {
    const std::string where = "model \"" + model.name + "\" (" + model.path.string() + ")";
    TINYGPT_CHECK(fs::is_directory(model.path), where, ": no such folder");
    TINYGPT_CHECK(model.adapter.empty() || fs::is_directory(model.adapter), where, ": adapter ",
                  model.adapter.string(), " is no folder");
    const models::FolderConfig folder = models::read_folder_config(model.path);
    if (!model.kind) {
      model.kind = folder.head && folder.head->task == "classification" ? ModelKind::kClassifier
                   : folder.chat                                        ? ModelKind::kChat
                                                                        : ModelKind::kLanguageModel;
    }
    const bool gpt = folder.model.family == models::Family::kGpt;
    const ModelKind kind = *model.kind;
    TINYGPT_CHECK(kind == ModelKind::kClassifier || gpt, where, ": a ", model_kind_name(kind),
                  " is a GPT, not a ", models::family_name(folder.model.family));
    if (model.adapter.empty()) {
      TINYGPT_CHECK(
          kind != ModelKind::kClassifier || (folder.head && folder.head->task == "classification"),
          where, ": not a classifier (no classification head in its config.json)");
      TINYGPT_CHECK(kind != ModelKind::kChat || folder.chat, where,
                    ": not a chat model (no chat markers in its config.json)");
    }
  }
  std::vector<fs::path> inputs = {config.data};
  for (const ModelEntry& model : config.models) {
    inputs.push_back(model.path);
    inputs.push_back(model.adapter);
  }
  check_report_folder(config.out, inputs);
  for (const std::string& name : config.suites) {
    const auto& all = detail::suites();
    const detail::Suite& suite = *std::find_if(
        all.begin(), all.end(), [&name](const detail::Suite& s) { return s.info.name == name; });
    TINYGPT_CHECK(std::any_of(config.models.begin(), config.models.end(),
                              [&suite](const ModelEntry& m) { return takes_part(m, suite.info); }),
                  "suite \"", name, "\" evaluates a ", model_kind_name(suite.info.kind),
                  " model and no model of that kind takes part in it");
    for (const std::string& file : suite.needs) {
      TINYGPT_CHECK(fs::is_regular_file(config.data / file), "suite \"", name, "\" reads ",
                    (config.data / file).string(),
                    ", which is missing; generate it with `tinygpt "
                    "data generate --out ",
                    config.data.string(), "`");
    }
  }
}

EvaluationResult run_evaluation(EvaluationConfig config, std::ostream& log) {
  check_evaluation_config(config);
  using Clock = std::chrono::steady_clock;
  EvaluationResult result;
  std::ostringstream report;
  report << "# Evaluation report\n\nData: `" << config.data.string()
         << "` (its test splits, judged by the world's ground truth). Seed " << config.seed
         << ". Written by `tinygpt eval run`.\n\n| model | kind | folder |\n|---|---|---|\n";
  nlohmann::ordered_json figures;
  figures["data"] = config.data.string();
  figures["seed"] = config.seed;
  for (const ModelEntry& model : config.models) {
    report << "| " << model.name << " | " << model_kind_name(*model.kind) << " | `"
           << model.path.string() << "`"
           << (model.adapter.empty() ? "" : " + adapter `" + model.adapter.string() + "`")
           << " |\n";
    figures["models"][model.name] = {{"kind", model_kind_name(*model.kind)},
                                     {"path", model.path.string()},
                                     {"adapter", model.adapter.string()}};
  }
  fs::create_directories(config.out);
  for (const detail::Suite& suite : detail::suites()) {
    if (std::find(config.suites.begin(), config.suites.end(), suite.info.name) ==
        config.suites.end()) {
      continue;
    }
    std::vector<const ModelEntry*> models;
    for (const ModelEntry& model : config.models) {
      if (takes_part(model, suite.info)) models.push_back(&model);
    }
    log << "suite " << suite.info.name << ": " << suite.info.description << "\n";
    const auto start = Clock::now();
    detail::SuiteOutput output = suite.run(config, models, log);
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    output.figures["seconds"] = seconds;
    report << "\n## " << suite.info.name << "\n\n"
           << suite.info.description << " (" << detail::fixed(seconds, 1) << " s)\n\n"
           << output.markdown;
    figures["suites"][std::string(suite.info.name)] = std::move(output.figures);
    for (const auto& [name, content] : output.files) {
      write_file_atomically(config.out / name, content);
      result.files.push_back(name);
    }
  }
  // The learning curves: a model made by `tinygpt train`, `finetune` or `align` sits in its
  // run folder beside the run's loss.svg.
  std::string curves;
  for (const ModelEntry& model : config.models) {
    const fs::path run = (model.adapter.empty() ? model.path : model.adapter).parent_path();
    if (!fs::is_regular_file(run / "loss.svg")) continue;
    const std::string name = "training-" + detail::file_slug(model.name) + ".svg";
    write_file_atomically(config.out / name, read_file(run / "loss.svg"));
    result.files.push_back(name);
    curves += "### " + model.name + "\n\n![training curve of " + model.name + "](" + name + ")\n\n";
  }
  if (!curves.empty()) {
    report << "\n## Training curves\n\nThe loss (and validation figures) of each model's "
              "training run, from its run folder.\n\n"
           << curves;
  }
  write_file_atomically(config.out / "report.json", figures.dump(2) + "\n");
  write_file_atomically(config.out / "REPORT.md", report.str());
  result.files.push_back("report.json");
  result.files.push_back("REPORT.md");
  result.report = config.out / "REPORT.md";
  result.figures = std::move(figures);
  return result;
}

}  // namespace tinygpt::eval
