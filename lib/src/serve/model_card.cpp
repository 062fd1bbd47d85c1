// A model card from the files recorded beside a model: each figure is copied from a file
// the card names, and a section with no file behind it says "not measured".
#include "tinygpt/serve/model_card.h"

#include <iomanip>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <vector>

#include "tinygpt/core/build_info.h"
#include "tinygpt/core/check.h"
#include "tinygpt/core/files.h"
#include "tinygpt/core/safetensors.h"
#include "tinygpt/eval/evaluation.h"

namespace tinygpt::serve {

namespace fs = std::filesystem;
using nlohmann::ordered_json;

namespace {

constexpr const char* kNotMeasured = "Not measured.";
// A table of figures stops here and points at its file: a card is read, report.json is not.
constexpr std::size_t kMostRows = 60;

ordered_json read_json(const fs::path& file) {
  try {
    return ordered_json::parse(read_file(file));
  } catch (const ordered_json::parse_error& error) {
    throw Error(file.string() + ": not valid JSON: " + error.what());
  }
}

std::optional<ordered_json> read_json_if_present(const fs::path& file) {
  if (!fs::is_regular_file(file)) return std::nullopt;
  return read_json(file);
}

// A value as the card shows it: numbers with four significant digits, strings as they are.
std::string show(const ordered_json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_float()) {
    std::ostringstream out;
    out << std::setprecision(4) << value.get<double>();
    return out.str();
  }
  return value.dump();
}

// An interval as step 06 records it: {"value", "low", "high"}.
bool is_interval(const ordered_json& value) {
  return value.is_object() && value.size() == 3 && value.contains("value") &&
         value.contains("low") && value.contains("high");
}

constexpr const char* kNamingFields[] = {"slice", "axis", "group", "name", "label"};

// What names an element of an array of objects (a fairness slice, a group): its naming
// fields joined, else its index.
std::string element_label(const ordered_json& element, std::size_t index) {
  std::string label;
  for (const char* key : kNamingFields) {
    if (element.contains(key) && element[key].is_string()) {
      label += (label.empty() ? "" : "/") + element[key].get<std::string>();
    }
  }
  return label.empty() ? std::to_string(index) : label;
}

// Every scalar of a JSON tree as (dotted path, value) rows; an interval is one row, "value
// [low, high]"; an array of objects is walked element by element, other arrays are shown
// whole when short (labels, a small confusion matrix), else counted.
void flatten(const ordered_json& value, const std::string& path,
             std::vector<std::pair<std::string, std::string>>& rows) {
  if (is_interval(value)) {
    rows.emplace_back(
        path, show(value["value"]) + " [" + show(value["low"]) + ", " + show(value["high"]) + "]");
    return;
  }
  if (value.is_object()) {
    for (const auto& [key, item] : value.items()) {
      flatten(item, path.empty() ? key : path + "." + key, rows);
    }
    return;
  }
  if (value.is_array() && !value.empty() && value.front().is_object()) {
    for (std::size_t i = 0; i < value.size(); ++i) {
      // The naming fields are in the path already; a row of their own would repeat them.
      ordered_json rest = value[i];
      for (const char* key : kNamingFields) {
        if (rest.contains(key) && rest[key].is_string()) rest.erase(key);
      }
      flatten(rest, path + "[" + element_label(value[i], i) + "]", rows);
    }
    return;
  }
  if (value.is_array()) {
    const std::string whole = value.dump();
    rows.emplace_back(path, whole.size() <= 120
                                ? "`" + whole + "`"
                                : "(" + std::to_string(value.size()) + " entries in the file)");
    return;
  }
  rows.emplace_back(path, show(value));
}

std::string figures_table(const ordered_json& figures, const std::string& source) {
  std::vector<std::pair<std::string, std::string>> rows;
  flatten(figures, "", rows);
  std::ostringstream out;
  out << "| figure | value |\n|---|---|\n";
  for (std::size_t i = 0; i < rows.size() && i < kMostRows; ++i) {
    out << "| " << rows[i].first << " | " << rows[i].second << " |\n";
  }
  if (rows.size() > kMostRows) {
    out << "\n" << rows.size() - kMostRows << " more figures in `" << source << "`.\n";
  }
  return out.str();
}

// One training run that led to the model: its folder and what it recorded.
struct Run {
  fs::path folder;
  ordered_json config;                 // train_config.json
  std::optional<ordered_json> report;  // report.json
  std::optional<ordered_json> last;    // metrics.jsonl's last line with a validation loss
};

// Which command wrote a train_config.json, from the fields only that command writes.
std::string command_of(const ordered_json& config) {
  if (config.contains("model_config")) return "tinygpt train";
  if (config.contains("task")) return "tinygpt finetune --task " + show(config["task"]);
  if (config.contains("method")) return "tinygpt align --method " + show(config["method"]);
  return "an unknown command";
}

std::optional<ordered_json> last_validation(const fs::path& metrics) {
  if (!fs::is_regular_file(metrics)) return std::nullopt;
  std::istringstream lines(read_file(metrics));
  std::optional<ordered_json> last;
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    const ordered_json record = ordered_json::parse(line, nullptr, false);
    if (record.is_object() && record.contains("val_loss")) last = record;
  }
  return last;
}

// A path a run recorded: as it was given, relative to where the command ran; when that is
// not here, relative to the folder holding the run folder (runs usually sit side by side).
fs::path recorded_path(const fs::path& run, const std::string& path) {
  const fs::path given = path;
  if (given.is_absolute() || fs::exists(given)) return given;
  const fs::path beside = run.parent_path() / given;
  return fs::exists(beside) ? beside : given;
}

// The runs from the model's own back to pre-training, following train_config.json's "model"
// (a run folder is the model folder's parent); at most 8, in case of a loop.
std::vector<Run> lineage(const fs::path& model) {
  std::vector<Run> runs;
  fs::path folder = model;
  for (int depth = 0; depth < 8; ++depth) {
    const fs::path run = fs::absolute(folder).lexically_normal().parent_path();
    std::optional<ordered_json> config = read_json_if_present(run / "train_config.json");
    if (!config) break;
    runs.push_back({run, *config, read_json_if_present(run / "report.json"),
                    last_validation(run / "metrics.jsonl")});
    if (!config->contains("model") || !(*config)["model"].is_string()) break;
    folder = recorded_path(run, (*config)["model"].get<std::string>());
  }
  return runs;
}

bool same_folder(const fs::path& a, const fs::path& b) {
  std::error_code error;
  return !a.empty() && fs::equivalent(a, b, error) && !error;
}

// The report's entry of this model: its name, and each suite's figures of it.
struct Evaluated {
  std::string name;
  ordered_json report;                                       // the whole report.json
  std::vector<std::pair<std::string, ordered_json>> suites;  // suite -> this model's figures
};

std::optional<Evaluated> evaluated(const ModelCardInputs& inputs) {
  if (inputs.eval_report.empty()) return std::nullopt;
  const fs::path file = inputs.eval_report / "report.json";
  TINYGPT_CHECK(fs::is_regular_file(file), "--eval ", inputs.eval_report.string(),
                " has no report.json (a `tinygpt eval run` report folder has one)");
  Evaluated result;
  result.report = read_json(file);
  TINYGPT_CHECK(result.report.contains("models") && result.report["models"].is_object(),
                file.string(), ": no \"models\" object");
  std::string names;
  for (const auto& [name, entry] : result.report["models"].items()) {
    names += (names.empty() ? "" : ", ") + name + " (" + show(entry.value("path", "")) + ")";
    const bool named = !inputs.eval_model.empty() && name == inputs.eval_model;
    const bool here = inputs.eval_model.empty() && entry.value("adapter", "").empty() &&
                      same_folder(entry.value("path", ""), inputs.model);
    if (named || here) result.name = name;
  }
  TINYGPT_CHECK(!result.name.empty(), file.string(), ": no model ",
                inputs.eval_model.empty() ? "whose path is " + inputs.model.string()
                                          : "named \"" + inputs.eval_model + "\"",
                "; its models are ", names);
  if (result.report.contains("suites")) {
    for (const auto& [suite, figures] : result.report["suites"].items()) {
      if (figures.contains(result.name)) result.suites.emplace_back(suite, figures[result.name]);
    }
  }
  return result;
}

bool is_fairness(const std::string& suite) {
  return suite.find("fairness") != std::string::npos;
}

std::string describe_suite(const std::string& name) {
  for (const eval::SuiteInfo& suite : eval::evaluation_suites()) {
    if (suite.name == name) return std::string(suite.description);
  }
  return "a suite this build does not know";
}

// What the model is for, from its head and chat markers alone.
std::string kind_of(const ordered_json& config) {
  if (config.contains("head") && config["head"].contains("task")) {
    const std::string task = show(config["head"]["task"]);
    const std::string labels =
        config["head"].contains("labels") ? show(config["head"]["labels"]) : "";
    if (task == "reward") return "a reward model: it scores an answer to a question (one number)";
    if (task == "classification") return "a text classifier with the labels " + labels;
    return "a model with a \"" + task + "\" head (labels " + labels + ")";
  }
  if (config.contains("chat")) return "a chat model: it answers in the chat template";
  return "a language model: it continues text";
}

}  // namespace

std::string model_card_markdown(const ModelCardInputs& inputs) {
  const fs::path config_file = inputs.model / "config.json";
  TINYGPT_CHECK(fs::is_regular_file(config_file), "--model ", inputs.model.string(),
                " has no config.json: not a model folder");
  const ordered_json config = read_json(config_file);
  const std::vector<Run> runs = lineage(inputs.model);
  const std::optional<Evaluated> eval = evaluated(inputs);
  std::int64_t parameters = 0;
  const fs::path weights = inputs.model / "model.safetensors";
  if (fs::is_regular_file(weights)) {
    const SafetensorsFile file = SafetensorsFile::read(weights);
    for (const std::string& name : file.names()) parameters += file.info(name).numel();
  }
  const std::string name = inputs.model.string();
  std::vector<std::string> not_measured;

  std::ostringstream card;
  card << "# Model card: `" << name << "`\n\n"
       << "Written by `tinygpt model-card` (tinygpt " << build_info().version
       << ") from the files recorded beside the model, after Mitchell et al. 2019, \"Model "
          "Cards for Model Reporting\". Every figure is copied from the file named with it; "
          "a section with nothing recorded says \"not measured\".\n\n";

  // 1. Model details.
  card << "## Model details\n\n- Kind: " << kind_of(config) << ".\n";
  card << "- Architecture (`config.json`):";
  for (const auto& [key, value] : config.items()) {
    if (key != "head" && key != "chat") card << " " << key << " " << show(value) << ";";
  }
  card << "\n";
  if (parameters > 0) card << "- Parameters: " << parameters << " (`model.safetensors`).\n";
  if (config.contains("head")) {
    card << "- Head:";
    for (const auto& [key, value] : config["head"].items())
      card << " " << key << " " << show(value) << ";";
    card << "\n";
  }
  if (config.contains("chat")) {
    card << "- Chat markers:";
    for (const auto& [key, value] : config["chat"].items())
      card << " " << key << " `" << show(value) << "`;";
    card << "\n";
  }
  if (runs.empty()) {
    card << "- How it was made: not recorded (no `train_config.json` beside the folder).\n";
  } else {
    card << "- How it was made, last step first:\n";
    for (const Run& run : runs) {
      card << "  - `" << command_of(run.config) << "` in `" << run.folder.string() << "`";
      for (const char* key : {"steps", "batch", "optimizer", "lr", "seed"}) {
        if (run.config.contains(key)) card << ", " << key << " " << show(run.config[key]);
      }
      card << ".\n";
    }
  }
  card << "- Licence, authors, contact: not recorded.\n\n";

  // 2. Intended use.
  card << "## Intended use\n\n"
       << "- Primary use: learning how language models are built. tinygpt is a course; this "
          "model is "
       << kind_of(config)
       << ", trained on the data named under \"Training "
          "data\" and measured only as the figures below say.\n"
       << "- Out of scope: any decision about people, and any use where its errors matter. "
          "Nothing beyond the figures below is known about its behaviour.\n\n";

  // 3. Factors: the groups the figures are broken down by.
  card << "## Factors\n\n";
  bool factors = false;
  if (eval) {
    for (const auto& [suite, figures] : eval->suites) {
      if (!is_fairness(suite)) continue;
      card << "- Groups probed by the `" << suite << "` suite (" << describe_suite(suite)
           << "): figures under \"Ethical considerations\".\n";
      factors = true;
    }
  }
  for (const Run& run : runs) {
    if (!run.report) continue;
    for (const char* key : {"groups", "pairs"}) {
      if (!run.report->contains(key) || !(*run.report)[key].is_object()) continue;
      card << "- The run `" << run.folder.filename().string() << "` reports its test figures by "
           << key << ":";
      for (const auto& [group, figures] : (*run.report)[key].items()) card << " " << group << ";";
      card << "\n";
      factors = true;
    }
  }
  if (!factors) {
    card << kNotMeasured << " No figures broken down by group are recorded.\n";
    not_measured.push_back("figures by group (factors)");
  }

  // 4. Metrics.
  card << "\n## Metrics\n\n";
  bool metrics = false;
  if (eval) {
    for (const auto& [suite, figures] : eval->suites) {
      card << "- `" << suite << "`: " << describe_suite(suite) << ".\n";
      metrics = true;
    }
  }
  for (const Run& run : runs) {
    if (run.last) {
      card << "- Validation loss (the run's training objective on its validation data) of the run `"
           << run.folder.filename().string() << "`.\n";
      metrics = true;
    }
    if (run.report) {
      card << "- The test figures of the run `" << run.folder.filename().string()
           << "` (`report.json`).\n";
      metrics = true;
    }
  }
  if (!metrics) card << kNotMeasured << "\n";

  // 5. Evaluation data.
  card << "\n## Evaluation data\n\n";
  if (eval) {
    card << "- `tinygpt eval run` report `" << inputs.eval_report.string() << "`, model \""
         << eval->name << "\": the test splits of `"
         << show(eval->report.value("data", ordered_json(""))) << "`, seed "
         << show(eval->report.value("seed", ordered_json(""))) << ".\n";
  } else {
    card << "- No `tinygpt eval run` report was given.\n";
    not_measured.push_back("the evaluation suites (`tinygpt eval run`)");
  }
  for (const Run& run : runs) {
    if (run.report && run.config.contains("data")) {
      card << "- The run `" << run.folder.filename().string() << "`: the test split of `"
           << show(run.config["data"]) << "`.\n";
    }
  }

  // 6. Training data.
  card << "\n## Training data\n\n";
  bool generated = false;
  if (runs.empty()) card << kNotMeasured << " No run records the data.\n";
  for (const Run& run : runs) {
    if (!run.config.contains("data")) continue;
    const fs::path data = recorded_path(run.folder, run.config["data"].get<std::string>());
    const bool world = fs::is_regular_file(data / "catalogue.json");
    generated = generated || world;
    card << "- `" << command_of(run.config) << "`: `" << data.string() << "`"
         << (world ? ", a world generated by `tinygpt data generate` (synthetic)" : "")
         << (run.config.contains("train_examples") && run.config["train_examples"] != 0
                 ? ", its first " + show(run.config["train_examples"]) + " training examples"
                 : "")
         << ".\n";
  }

  // 7. Quantitative analyses.
  card << "\n## Quantitative analyses\n\n";
  bool figures = false;
  for (const Run& run : runs) {
    if (run.last) {
      card << "### Training run `" << run.folder.filename().string() << "` (`metrics.jsonl`)\n\n"
           << "At step " << show(run.last->value("step", ordered_json(""))) << ": training loss "
           << show(run.last->value("loss", ordered_json(""))) << ", validation loss "
           << show((*run.last)["val_loss"]) << ".\n\n";
      figures = true;
    }
    if (run.report) {
      card << "### Test figures of the run `" << run.folder.filename().string() << "`\n\n"
           << figures_table(*run.report, (run.folder / "report.json").string()) << "\n";
      figures = true;
    }
  }
  if (eval) {
    for (const auto& [suite, suite_figures] : eval->suites) {
      if (is_fairness(suite)) continue;
      card << "### `" << suite << "` (`tinygpt eval run`)\n\n"
           << figures_table(suite_figures, (inputs.eval_report / "report.json").string()) << "\n";
      figures = true;
    }
  }
  if (!figures) card << kNotMeasured << "\n\n";

  // 8. Ethical considerations.
  card << "## Ethical considerations\n\n";
  if (generated) {
    card << "- Training data: the generated world is synthetic; its people are invented, so "
            "it holds no one's personal data and no one's writing was used without consent.\n";
  } else if (!runs.empty()) {
    card << "- Training data: not a generated world; where it came from, and with whose "
            "consent, is not recorded here.\n";
  }
  bool fairness = false;
  if (eval) {
    for (const auto& [suite, suite_figures] : eval->suites) {
      if (!is_fairness(suite)) continue;
      card << "\n### Bias and fairness: `" << suite << "`\n\n"
           << figures_table(suite_figures, (inputs.eval_report / "report.json").string()) << "\n";
      fairness = true;
    }
  }
  if (!fairness) {
    card << "- Bias and fairness: " << kNotMeasured
         << " (`tinygpt eval run` with the `fairness` or `lm_fairness` suite measures it.)\n";
    not_measured.push_back("bias and fairness");
  }

  // 9. Caveats and recommendations.
  card << "\n## Caveats and recommendations\n\n";
  if (parameters > 0) {
    card << "- A model of " << parameters
         << " parameters trained on a small corpus: expect it to be wrong often, and "
            "confidently.\n";
  }
  for (const std::string& missing : not_measured) card << "- Not measured: " << missing << ".\n";
  card << "- Serve it behind a content policy and tell users they are talking to a model.\n";
  return card.str();
}

fs::path write_model_card(const ModelCardInputs& inputs, const fs::path& out) {
  const fs::path file = out.empty() ? inputs.model / "MODEL_CARD.md" : out;
  write_file_atomically(file, model_card_markdown(inputs));
  return file;
}

}  // namespace tinygpt::serve
