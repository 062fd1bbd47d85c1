#include "status.h"

#include <iomanip>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "files.h"
#include "git.h"

namespace tinygpt::course {

const char* state_name(ExerciseState state) {
  switch (state) {
    case ExerciseState::todo:
      return "todo";
    case ExerciseState::passing:
      return "passing";
    case ExerciseState::failing:
      return "failing";
    case ExerciseState::unchecked:
      return "unchecked";
    case ExerciseState::missing:
      return "missing";
  }
  return "?";
}

std::vector<ExerciseStatus> course_status(const Course& course, const Progress& progress,
                                          const std::string& upstream) {
  // Several exercises may share a file: ask git for each stub once.
  std::map<std::string, std::optional<std::string>> stubs;
  std::vector<ExerciseStatus> status;
  for (const Exercise* exercise : course.exercises()) {
    ExerciseStatus entry{exercise, ExerciseState::unchecked};
    const std::optional<std::string> content = read_file_if_exists(course.root / exercise->file);
    if (!stubs.contains(exercise->file)) {
      stubs[exercise->file] = file_at_ref(course.root, upstream, exercise->file);
    }
    const std::optional<std::string>& stub = stubs[exercise->file];
    const auto check = progress.checks.find(exercise->id);
    if (!content) {
      entry.state = ExerciseState::missing;
    } else if (stub && *stub == *content) {
      entry.state = ExerciseState::todo;
    } else if (check != progress.checks.end() &&
               check->second.file_hash == content_hash(*content)) {
      entry.state = check->second.passing ? ExerciseState::passing : ExerciseState::failing;
    }
    status.push_back(entry);
  }
  return status;
}

void print_status(const Course& course, const Progress& progress,
                  const std::vector<ExerciseStatus>& status, const std::string& upstream,
                  std::ostream& out) {
  out << "Exercises of " << course.root.string() << " (todo = still the stub of " << upstream
      << ")\n";
  for (const Step& step : course.steps) {
    out << "\nStep " << step.number << " (" << step.name << "), lesson " << step.lesson
        << (progress.done_steps.contains(step.number) ? ", done" : "") << "\n";
    std::map<ExerciseState, int> counts;
    std::vector<std::string> to_check;
    for (const ExerciseStatus& entry : status) {
      if (entry.exercise->step != step.number) continue;
      const Exercise& exercise = *entry.exercise;
      ++counts[entry.state];
      if (entry.state == ExerciseState::unchecked) to_check.push_back(exercise.id);
      out << "  " << exercise.id << "  " << std::left << std::setw(9) << state_name(entry.state)
          << "  " << exercise.title << "  (" << exercise.file << ", " << exercise.minutes
          << " min)\n";
    }
    out << "  summary:";
    const char* separator = " ";
    for (const ExerciseState state :
         {ExerciseState::passing, ExerciseState::failing, ExerciseState::unchecked,
          ExerciseState::todo, ExerciseState::missing}) {
      if (counts[state] == 0 && state == ExerciseState::missing) continue;
      out << separator << counts[state] << " " << state_name(state);
      separator = ", ";
    }
    out << "\n";
    if (!to_check.empty()) {
      out << "  " << join(to_check, ", ") << (to_check.size() == 1 ? " has" : " have")
          << " changed since the last check: run `tinygpt course check " << step.number << "`\n";
    }
  }
}

void print_status_json(const std::vector<ExerciseStatus>& status, std::ostream& out) {
  nlohmann::ordered_json entries = nlohmann::ordered_json::array();
  for (const ExerciseStatus& entry : status) {
    const Exercise& exercise = *entry.exercise;
    entries.push_back({{"id", exercise.id},
                       {"step", exercise.step},
                       {"title", exercise.title},
                       {"file", exercise.file},
                       {"state", state_name(entry.state)},
                       {"minutes", exercise.minutes}});
  }
  out << entries.dump(2) << "\n";
}

}  // namespace tinygpt::course
