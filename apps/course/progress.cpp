#include "progress.h"

#include <nlohmann/json.hpp>

#include "files.h"
#include "require.h"
#include "tinygpt/core/check.h"

namespace tinygpt::course {

namespace fs = std::filesystem;
using nlohmann::json;
using nlohmann::ordered_json;

fs::path progress_path(const fs::path& root) {
  return root / ".tinygpt" / "progress.json";
}

Progress load_progress(const fs::path& root) {
  const fs::path path = progress_path(root);
  const std::optional<std::string> text = read_file_if_exists(path);
  Progress progress;
  if (!text) return progress;
  std::string field = "(the whole file)";
  try {
    const json saved = json::parse(*text);
    field = "done_steps";
    for (const json& step : saved.at("done_steps"))
      progress.done_steps.insert(step.get<std::string>());
    field = "hints_shown";
    for (const auto& [id, shown] : saved.at("hints_shown").items()) {
      progress.hints_shown[id] = shown.get<int>();
    }
    field = "checks";
    for (const auto& [id, check] : saved.at("checks").items()) {
      field = "checks." + id;
      const std::string state = check.at("state").get<std::string>();
      require(state == "passing" || state == "failing", "state is \"", state,
              "\", expected \"passing\" or \"failing\"");
      progress.checks[id] =
          CheckRecord{state == "passing", check.at("file_hash").get<std::string>()};
    }
  } catch (const std::exception& error) {  // json's parse and type errors, and the check above
    throw Error(detail::concat(path.string(), ": ", field, ": ", error.what(),
                               "; fix it, or delete the file to start afresh (checks and hints "
                               "are then forgotten, your code is not touched)"));
  }
  return progress;
}

void save_progress(const fs::path& root, const Progress& progress) {
  // ordered_json keeps the fields in this order, which reads better than sorted.
  ordered_json saved;
  saved["done_steps"] = progress.done_steps;
  saved["hints_shown"] = ordered_json::object();
  for (const auto& [id, shown] : progress.hints_shown) saved["hints_shown"][id] = shown;
  saved["checks"] = ordered_json::object();
  for (const auto& [id, check] : progress.checks) {
    saved["checks"][id] = {{"state", check.passing ? "passing" : "failing"},
                           {"file_hash", check.file_hash}};
  }
  write_file_atomically(progress_path(root), saved.dump(2) + "\n");
}

}  // namespace tinygpt::course
