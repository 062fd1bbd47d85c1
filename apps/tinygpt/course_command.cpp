// `tinygpt course`: the learner's and the instructor's tool for the exercises (status,
// hint, reset, check) and the classroom (export, contract). The logic lives in
// apps/course/; this file only maps the command line onto it.
#include <algorithm>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

#include "check.h"
#include "commands.h"
#include "contract.h"
#include "export.h"
#include "git.h"
#include "hint.h"
#include "manifest.h"
#include "progress.h"
#include "reset.h"
#include "status.h"
#include "tinygpt/core/check.h"

namespace tinygpt::cli {
namespace {

namespace fs = std::filesystem;

/// What the subcommands share: where the course is and which ref holds the stubs.
struct CourseOptions {
  std::string root;      ///< empty: found from the current directory.
  std::string upstream;  ///< empty: the branch's upstream, origin/HEAD or origin/main.
};

void add_root_option(CLI::App& command, CourseOptions& options) {
  command.add_option("--root", options.root,
                     "The course's folder (default: the first folder from here upwards that "
                     "holds exercises/ and CMakeLists.txt)");
}

void add_upstream_option(CLI::App& command, CourseOptions& options) {
  command.add_option("--upstream", options.upstream,
                     "The git ref holding the shipped stubs (default: the branch's upstream, "
                     "else origin/HEAD, else origin/main)");
}

course::Course open_course(const CourseOptions& options) {
  if (options.root.empty())
    return course::load_course(course::find_course_root(fs::current_path()));
  const fs::path root = fs::absolute(options.root);
  if (!fs::is_directory(root / "exercises")) {
    throw Error(detail::concat("--root ", options.root,
                               " holds no exercises/ folder: it is not the course's folder"));
  }
  return course::load_course(fs::weakly_canonical(root));
}

/// Runs `action` on the course and the learner's progress, then saves the progress.
void update_progress(const CourseOptions& options,
                     const std::function<void(const course::Course&, course::Progress&)>& action) {
  const course::Course course = open_course(options);
  course::Progress progress = course::load_progress(course.root);
  action(course, progress);
  course::save_progress(course.root, progress);
}

void register_status(CLI::App& course_app) {
  CLI::App* status = course_app.add_subcommand(
      "status", "Every exercise: todo, passing, failing, or unchecked (changed since its check)");
  auto options = std::make_shared<CourseOptions>();
  auto json = std::make_shared<bool>(false);
  add_root_option(*status, *options);
  add_upstream_option(*status, *options);
  status->add_flag("--json", *json,
                   "Print a JSON array of {id, step, title, file, state, minutes}, for grading");
  status->callback([options, json] {
    const course::Course course = open_course(*options);
    const course::Progress progress = course::load_progress(course.root);
    const std::string upstream = course::resolve_upstream(course.root, options->upstream);
    const auto states = course::course_status(course, progress, upstream);
    if (*json) {
      course::print_status_json(states, std::cout);
    } else {
      course::print_status(course, progress, states, upstream, std::cout);
    }
  });
}

void register_hint(CLI::App& course_app) {
  CLI::App* hint = course_app.add_subcommand(
      "hint", "The exercise's lesson section and its next hint (each call shows one more)");
  auto options = std::make_shared<CourseOptions>();
  auto id = std::make_shared<std::string>();
  auto all = std::make_shared<bool>(false);
  add_root_option(*hint, *options);
  hint->add_option("id", *id, "The exercise, e.g. 01.2")->required();
  hint->add_flag("--all", *all, "Show every hint");
  hint->callback([options, id, all] {
    update_progress(*options, [&](const course::Course& course, course::Progress& progress) {
      course::show_hint(course, *id, *all, progress, std::cout);
    });
  });
}

void register_reset(CLI::App& course_app) {
  CLI::App* reset = course_app.add_subcommand(
      "reset", "Put the exercise's file back to the shipped stub (your version is overwritten)");
  auto options = std::make_shared<CourseOptions>();
  auto id = std::make_shared<std::string>();
  add_root_option(*reset, *options);
  add_upstream_option(*reset, *options);
  reset->add_option("id", *id, "The exercise, e.g. 01.2")->required();
  reset->callback([options, id] {
    update_progress(*options, [&](const course::Course& course, course::Progress& progress) {
      const std::string upstream = course::resolve_upstream(course.root, options->upstream);
      course::reset_exercise(course, *id, upstream, progress, std::cout);
    });
  });
}

void register_check(CLI::App& course_app) {
  CLI::App* check = course_app.add_subcommand(
      "check", "Build a step with your code, run its tests, show the first failure and its hint");
  auto options = std::make_shared<CourseOptions>();
  auto check_options = std::make_shared<course::CheckOptions>();
  auto build_dir = std::make_shared<std::string>();
  check_options->jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  add_root_option(*check, *options);
  check->add_option("step", check_options->step, "The step, e.g. 01")->required();
  check->add_option("--build-dir", *build_dir, "The build folder (default: <root>/build/course)");
  check->add_option("--jobs", check_options->jobs, "Parallel compile jobs")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  check->callback([options, check_options, build_dir] {
    bool passed = false;
    update_progress(*options, [&](const course::Course& course, course::Progress& progress) {
      check_options->build_dir =
          build_dir->empty() ? course.root / "build" / "course" : fs::absolute(*build_dir);
      passed = course::run_check(course, *check_options, progress, std::cout);
    });
    if (!passed) {
      throw Error(
          detail::concat("step ", check_options->step,
                         " does not pass yet; fix the first failure above and check again"));
    }
  });
}

void register_export(CLI::App& course_app) {
  CLI::App* export_app = course_app.add_subcommand(
      "export", "Make a classroom copy: a new git repository without solutions/");
  auto options = std::make_shared<CourseOptions>();
  auto target = std::make_shared<std::string>();
  auto without_solutions = std::make_shared<bool>(false);
  add_root_option(*export_app, *options);
  // Required, so the command says what it leaves out; it is the only kind of copy.
  export_app->add_flag("--without-solutions", *without_solutions, "Leave solutions/ out")
      ->required();
  export_app->add_option("dir", *target, "The new folder (must not exist, or be empty)")
      ->required();
  export_app->callback([options, target] {
    course::export_without_solutions(open_course(*options), *target, std::cout);
  });
}

void register_contract(CLI::App& course_app) {
  CLI::App* contract = course_app.add_subcommand(
      "contract",
      "CI: with solutions every test passes; with stubs every [exNN.M] test fails "
      "with exercise NN.M's NotImplemented, and every exercise has a test");
  auto options = std::make_shared<CourseOptions>();
  auto build_dir = std::make_shared<std::string>();
  auto expectation = std::make_shared<std::string>();
  add_root_option(*contract, *options);
  contract->add_option("--build-dir", *build_dir, "A build folder with the step test programs")
      ->required();
  contract->add_option("--expect", *expectation, "What the build linked: solutions or stubs")
      ->required()
      ->check(CLI::IsMember({"solutions", "stubs"}));
  contract->callback([options, build_dir, expectation] {
    const course::ContractResult result = course::check_contract(
        open_course(*options), *build_dir,
        *expectation == "stubs" ? course::Expectation::stubs : course::Expectation::solutions,
        std::cout);
    if (!result.violations.empty()) {
      throw Error(detail::concat("the exercise contract is broken: ", result.violations.size(),
                                 " violations, listed above"));
    }
  });
}

}  // namespace

void register_course_command(CLI::App& app) {
  CLI::App* course_app = app.add_subcommand(
      "course", "The exercises: status, hint, reset, check; for teachers: export, contract");
  course_app->require_subcommand(1);
  register_status(*course_app);
  register_hint(*course_app);
  register_reset(*course_app);
  register_check(*course_app);
  register_export(*course_app);
  register_contract(*course_app);
}

}  // namespace tinygpt::cli
