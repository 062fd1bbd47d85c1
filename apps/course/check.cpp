#include "check.h"

#include <algorithm>
#include <regex>
#include <set>
#include <sstream>

#include "files.h"
#include "hint.h"
#include "process.h"
#include "require.h"
#include "tinygpt/core/check.h"

namespace tinygpt::course {
namespace {

namespace fs = std::filesystem;

/// The id of a course exercise that `failure` names, if any.
std::optional<std::string> named_exercise(const Course& course, const TestFailure& failure) {
  std::optional<std::string> id = exercise_named_in(failure.message);
  if (id && course.has_exercise(*id)) return id;
  return std::nullopt;
}

/// The end of a cmake log without make's own "Error 1" lines, which only repeat that the
/// compiler failed.
std::string build_log_tail(const std::string& log) {
  static const std::regex make_noise(R"(^g?make(\[[0-9]+\])?: .*)");
  std::istringstream lines(log);
  std::string kept;
  for (std::string line; std::getline(lines, line);) {
    if (!std::regex_match(line, make_noise)) kept += line + "\n";
  }
  return last_lines(kept, 40);
}

void run_build_tool(const std::vector<std::string>& argv, const std::string& what,
                    std::ostream& out) {
  const ProcessResult result = run_process(argv, {{}, true});
  if (result.exit_code == 0) return;
  out << "\n" << build_log_tail(result.output) << "\n";
  throw Error(detail::concat(what, " failed (exit status ", result.exit_code,
                             "); the end of its output is above"));
}

std::string relative_to_root(const Course& course, const std::string& location) {
  const std::string prefix = course.root.string() + "/";
  return location.starts_with(prefix) ? location.substr(prefix.size()) : location;
}

}  // namespace

StepVerdict judge_step(const Course& course, const Step& step,
                       const std::vector<TestCaseResult>& results) {
  StepVerdict verdict;
  std::set<std::string> failing;
  for (const TestCaseResult& result : results) {
    ++verdict.tests_total;
    if (result.passed) {
      ++verdict.tests_passed;
      continue;
    }
    for (const std::string& id : result.exercise_ids()) failing.insert(id);
    for (const TestFailure& failure : result.failures) {
      if (const auto id = named_exercise(course, failure)) failing.insert(*id);
    }
    if (verdict.first_failure) continue;
    verdict.first_failure = result;
    std::optional<std::string> id = named_exercise(course, result.failures.front());
    for (const std::string& tagged : result.exercise_ids()) {
      if (!id && course.has_exercise(tagged)) id = tagged;
    }
    if (id) verdict.failure_exercise = &course.exercise(*id);
  }
  for (const Exercise& exercise : step.exercises) {
    verdict.exercises.push_back({&exercise, !failing.contains(exercise.id)});
  }
  return verdict;
}

void print_verdict(const Course& course, const Step& step, const StepVerdict& verdict,
                   const Progress& progress, std::ostream& out) {
  out << "\nStep " << step.number << ": " << verdict.tests_passed << " of " << verdict.tests_total
      << " test cases pass.\n";
  for (const ExerciseVerdict& entry : verdict.exercises) {
    out << "  " << entry.exercise->id << "  " << (entry.passing ? "passing" : "failing") << "  "
        << entry.exercise->title << "\n";
  }
  if (!verdict.first_failure) return;

  const TestCaseResult& test = *verdict.first_failure;
  const TestFailure& failure = test.failures.front();
  out << "\nFirst failure: \"" << test.name << "\" " << test.tags << "\n"
      << "  at " << relative_to_root(course, failure.location) << "\n";
  std::istringstream lines(failure.description);
  for (std::string line; std::getline(lines, line);) out << "  " << line << "\n";
  out << "\n";
  if (verdict.failure_exercise == nullptr) {
    out << "This test is not tied to one exercise: it uses several of the step's functions "
           "together; the exercises marked failing above are the place to look.\n";
    return;
  }
  const Exercise& exercise = *verdict.failure_exercise;
  print_exercise(course, exercise, out);
  if (exercise.hints.empty()) return;
  const auto shown = progress.hints_shown.find(exercise.id);
  const int latest = shown == progress.hints_shown.end() ? 0 : shown->second - 1;
  print_hint(exercise, std::clamp(latest, 0, static_cast<int>(exercise.hints.size()) - 1), out);
  out << "More help: `tinygpt course hint " << exercise.id << "`.\n";
}

void record_verdict(const Step& step, const StepVerdict& verdict,
                    const std::map<std::string, std::string>& file_hashes, Progress& progress) {
  for (const ExerciseVerdict& entry : verdict.exercises) {
    progress.checks[entry.exercise->id] =
        CheckRecord{entry.passing, file_hashes.at(entry.exercise->file)};
  }
  if (verdict.passed()) {
    progress.done_steps.insert(step.number);
  } else {
    progress.done_steps.erase(step.number);
  }
}

bool run_check(const Course& course, const CheckOptions& options, Progress& progress,
               std::ostream& out) {
  const Step& step = course.step(options.step);
  // Hash the files before building: an edit made during the build is then seen as
  // unchecked, not as checked.
  std::map<std::string, std::string> file_hashes;
  for (const Exercise& exercise : step.exercises) {
    const std::optional<std::string> content = read_file_if_exists(course.root / exercise.file);
    require(content.has_value(), exercise.file, " (exercise ", exercise.id,
            ") is missing; `tinygpt course reset ", exercise.id, "` restores its stub");
    file_hashes[exercise.file] = content_hash(*content);
  }

  std::set<std::string> exercise_steps{step.number};
  for (const Step& other : course.steps) {
    if (progress.done_steps.contains(other.number)) exercise_steps.insert(other.number);
  }
  const std::vector<std::string> steps_list(exercise_steps.begin(), exercise_steps.end());
  const std::string target = "step" + step.number + "_tests";
  out << "Checking step " << step.number << " in " << options.build_dir.string()
      << " (your code for steps " << join(steps_list, ", ") << ", the reference for the others)\n"
      << "Configuring...\n"
      << std::flush;
  run_build_tool(
      {"cmake", "-S", course.root.string(), "-B", options.build_dir.string(),
       "-DCMAKE_BUILD_TYPE=Release", "-DTINYGPT_EXERCISES=" + join(steps_list, ";"),
       "-DTINYGPT_BUILD_TESTS=ON", "-DTINYGPT_BUILD_BENCHMARKS=OFF", "-DTINYGPT_BUILD_APPS=OFF"},
      "configuring " + options.build_dir.string(), out);
  out << "Building " << target << " (" << options.jobs
      << " jobs; the first build takes a few minutes)...\n"
      << std::flush;
  run_build_tool({"cmake", "--build", options.build_dir.string(), "--target", target, "--parallel",
                  std::to_string(options.jobs)},
                 "building " + target, out);

  const auto programs = find_step_test_programs(options.build_dir);
  const auto program = programs.find(step.number);
  require(program != programs.end(), "the build made no ", options.build_dir.string(), "/steps/",
          step.folder, "/", target);
  out << "Running " << target << "...\n" << std::flush;
  const std::vector<TestCaseResult> results = run_catch_program(program->second);
  const StepVerdict verdict = judge_step(course, step, results);
  print_verdict(course, step, verdict, progress, out);

  const bool was_done = progress.done_steps.contains(step.number);
  record_verdict(step, verdict, file_hashes, progress);
  if (verdict.passed()) {
    out << "\nEvery test of step " << step.number << " passes: the step is marked done, and "
        << "later checks keep building it from your code.\n";
  } else if (was_done) {
    out << "\nStep " << step.number << " is no longer marked done: later checks use the "
        << "reference solution for it until this check passes again.\n";
  }
  return verdict.passed();
}

}  // namespace tinygpt::course
