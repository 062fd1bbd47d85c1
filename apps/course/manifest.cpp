#include "manifest.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "files.h"
#include "require.h"
#include "tinygpt/core/check.h"

namespace tinygpt::course {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

/// Reads the fields of one manifest, so every error can name the file and the field.
class ManifestReader {
 public:
  explicit ManifestReader(fs::path path) : path_(std::move(path)) {}

  [[noreturn]] void fail(const std::string& field, const std::string& problem) const {
    throw Error(detail::concat(path_.string(), ": ", field, ": ", problem));
  }

  const json& member(const json& object, const std::string& field, const char* key,
                     json::value_t type, const char* type_name) const {
    const auto found = object.find(key);
    if (found == object.end()) fail(field, "missing");
    // Every JSON number type counts as a number; minutes are checked to be whole below.
    const bool matches =
        type == json::value_t::number_integer ? found->is_number() : found->type() == type;
    if (!matches) fail(field, detail::concat("expected ", type_name, ", got ", found->dump()));
    return *found;
  }

  std::string string(const json& object, const std::string& prefix, const char* key) const {
    const std::string field = prefix + key;
    std::string value =
        member(object, field, key, json::value_t::string, "a string").get<std::string>();
    if (value.empty()) fail(field, "is empty");
    return value;
  }

  std::vector<std::string> strings(const json& object, const std::string& prefix,
                                   const char* key) const {
    const std::string field = prefix + key;
    const json& array = member(object, field, key, json::value_t::array, "an array");
    std::vector<std::string> values;
    for (std::size_t i = 0; i < array.size(); ++i) {
      if (!array[i].is_string()) {
        fail(detail::concat(field, "[", i, "]"),
             detail::concat("expected a string, got ", array[i].dump()));
      }
      values.push_back(array[i].get<std::string>());
    }
    return values;
  }

  int minutes(const json& object, const std::string& prefix) const {
    const std::string field = prefix + "minutes";
    const json& value = member(object, field, "minutes", json::value_t::number_integer, "a number");
    if (!value.is_number_integer() || value.get<long long>() <= 0 ||
        value.get<long long>() > 10000) {
      fail(field, detail::concat("expected a whole number of minutes, got ", value.dump()));
    }
    return value.get<int>();
  }

 private:
  fs::path path_;
};

}  // namespace

Step load_step(const fs::path& path) {
  const ManifestReader reader(path);
  json manifest;
  try {
    manifest = json::parse(read_file(path));
  } catch (const json::parse_error& error) {
    reader.fail("(the whole file)", detail::concat("not valid JSON: ", error.what()));
  }
  if (!manifest.is_object()) reader.fail("(the whole file)", "expected a JSON object");

  Step step;
  step.folder = path.parent_path().filename().string();
  step.number = reader.string(manifest, "", "step");
  if (!std::regex_match(step.number, std::regex("[0-9][0-9]")) ||
      step.folder.rfind(step.number + "-", 0) != 0) {
    reader.fail("step", detail::concat("expected the two digits that start the folder name '",
                                       step.folder, "', got \"", step.number, "\""));
  }
  step.name = reader.string(manifest, "", "name");
  step.lesson = reader.string(manifest, "", "lesson");

  const json& exercises =
      reader.member(manifest, "exercises", "exercises", json::value_t::array, "an array");
  const std::regex id_pattern("([0-9][0-9])\\.([1-9][0-9]*)");
  std::set<std::string> ids;
  for (std::size_t i = 0; i < exercises.size(); ++i) {
    const std::string prefix = detail::concat("exercises[", i, "].");
    const json& entry = exercises[i];
    if (!entry.is_object()) {
      reader.fail(detail::concat("exercises[", i, "]"),
                  detail::concat("expected an object, got ", entry.dump()));
    }
    Exercise exercise;
    exercise.id = reader.string(entry, prefix, "id");
    std::smatch parts;
    if (!std::regex_match(exercise.id, parts, id_pattern) || parts[1] != step.number) {
      reader.fail(prefix + "id", detail::concat("expected \"", step.number,
                                                ".M\" (M = 1, 2, ...), got \"", exercise.id, "\""));
    }
    if (!ids.insert(exercise.id).second) reader.fail(prefix + "id", "repeats " + exercise.id);
    exercise.step = step.number;
    exercise.number = std::stoi(parts[2]);
    exercise.title = reader.string(entry, prefix, "title");
    const std::string file = reader.string(entry, prefix, "file");
    if (file.find('/') != std::string::npos || file.find('\\') != std::string::npos ||
        file.front() == '.') {
      reader.fail(prefix + "file", detail::concat("expected a file name inside ", step.folder,
                                                  ", got \"", file, "\""));
    }
    exercise.file = detail::concat("exercises/", step.folder, "/", file);
    exercise.functions = reader.strings(entry, prefix, "functions");
    exercise.section = reader.string(entry, prefix, "section");
    exercise.prerequisites = reader.strings(entry, prefix, "prerequisites");
    exercise.minutes = reader.minutes(entry, prefix);
    exercise.hints = reader.strings(entry, prefix, "hints");
    step.exercises.push_back(std::move(exercise));
  }
  std::sort(step.exercises.begin(), step.exercises.end(),
            [](const Exercise& a, const Exercise& b) { return a.number < b.number; });
  return step;
}

Course load_course(const fs::path& root) {
  Course course;
  course.root = root;
  const fs::path exercises_dir = root / "exercises";
  require(fs::is_directory(exercises_dir), exercises_dir.string(), " is not a folder");
  for (const fs::directory_entry& entry : fs::directory_iterator(exercises_dir)) {
    const fs::path manifest = entry.path() / "manifest.json";
    if (entry.is_directory() && fs::exists(manifest)) course.steps.push_back(load_step(manifest));
  }
  std::sort(course.steps.begin(), course.steps.end(),
            [](const Step& a, const Step& b) { return a.number < b.number; });
  for (std::size_t i = 1; i < course.steps.size(); ++i) {
    require(course.steps[i].number != course.steps[i - 1].number, "two manifests below ",
            exercises_dir.string(), " are both step ", course.steps[i].number, ": ",
            course.steps[i - 1].folder, " and ", course.steps[i].folder);
  }
  return course;
}

const Exercise& Course::exercise(std::string_view id) const {
  std::vector<std::string> valid;
  for (const Exercise* candidate : exercises()) {
    if (candidate->id == id) return *candidate;
    valid.push_back(candidate->id);
  }
  throw Error(detail::concat(
      "no exercise '", id,
      "'; valid ids: ", valid.empty() ? std::string("none (no manifests)") : join(valid, ", ")));
}

const Step& Course::step(std::string_view number) const {
  std::vector<std::string> valid;
  for (const Step& candidate : steps) {
    if (candidate.number == number) return candidate;
    valid.push_back(candidate.number);
  }
  throw Error(
      detail::concat("no step '", number, "' has exercises; valid steps: ",
                     valid.empty() ? std::string("none (no manifests)") : join(valid, ", ")));
}

std::vector<const Exercise*> Course::exercises() const {
  std::vector<const Exercise*> all;
  for (const Step& step : steps) {
    for (const Exercise& exercise : step.exercises) all.push_back(&exercise);
  }
  return all;
}

std::vector<const Exercise*> Course::exercises_in_file(std::string_view file) const {
  std::vector<const Exercise*> sharing;
  for (const Exercise* exercise : exercises()) {
    if (exercise->file == file) sharing.push_back(exercise);
  }
  return sharing;
}

bool Course::has_exercise(std::string_view id) const {
  const std::vector<const Exercise*> all = exercises();
  return std::any_of(all.begin(), all.end(),
                     [id](const Exercise* exercise) { return exercise->id == id; });
}

fs::path find_course_root(const fs::path& start) {
  fs::path absolute = fs::weakly_canonical(fs::absolute(start));
  if (absolute.filename().empty()) absolute = absolute.parent_path();  // "dir/" -> "dir"
  for (fs::path dir = absolute;; dir = dir.parent_path()) {
    if (fs::is_directory(dir / "exercises") && fs::is_regular_file(dir / "CMakeLists.txt")) {
      return dir;
    }
    if (dir == dir.root_path() || dir.parent_path() == dir) break;
  }
  throw Error(detail::concat("no tinygpt course in ", absolute.string(),
                             " or any folder above it (the course root holds exercises/ and "
                             "CMakeLists.txt); run this inside the course or pass --root DIR"));
}

std::string join(const std::vector<std::string>& parts, std::string_view separator) {
  std::string joined;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) joined += separator;
    joined += parts[i];
  }
  return joined;
}

}  // namespace tinygpt::course
