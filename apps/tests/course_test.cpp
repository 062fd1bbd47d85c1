// Tests of `tinygpt course`: manifests, Catch2 reports, and every subcommand on real git
// repositories in temporary folders. The [slow] test builds step 01 of a copy of this
// source tree with the learner's stubs, as a learner's first `course check 01` does.
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "check.h"
#include "contract.h"
#include "export.h"
#include "files.h"
#include "git.h"
#include "hint.h"
#include "manifest.h"
#include "process.h"
#include "progress.h"
#include "reset.h"
#include "status.h"
#include "test_report.h"
#include "tinygpt/core/check.h"
#include "tinygpt_catch.hpp"
#include "xml.h"

namespace fs = std::filesystem;
using namespace tinygpt;
using tinygpt::testing::contains;

namespace {

/// A new folder below the system's temporary folder, removed with its content at the end.
class TempDir {
 public:
  TempDir() {
    std::string path = (fs::temp_directory_path() / "tinygpt-course-test-XXXXXX").string();
    REQUIRE(mkdtemp(path.data()) != nullptr);
    path_ = path;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

void write(const fs::path& path, const std::string& content) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << content;
}

/// Commits everything in `dir` with a fixed identity, so the tests need no git set-up.
void commit_all(const fs::path& dir, const std::string& message) {
  course::run_git(dir, {"add", "--all"});
  course::run_git(dir, {"-c", "user.name=Test", "-c", "user.email=test@example.invalid", "-c",
                        "commit.gpgsign=false", "commit", "--quiet", "--message", message});
}

constexpr const char* kManifest = R"({
  "step": "01",
  "name": "basics",
  "lesson": "steps/01-basics/README.md",
  "exercises": [
    {"id": "01.2", "title": "Scaling", "file": "scale.cpp", "functions": ["scale"],
     "section": "Scaling", "prerequisites": [], "minutes": 10, "hints": ["scale hint"]},
    {"id": "01.1", "title": "Adding", "file": "add.cpp", "functions": ["add"],
     "section": "Adding", "prerequisites": [], "minutes": 5,
     "hints": ["first add hint", "second add hint"]},
    {"id": "01.3", "title": "Scaling back", "file": "scale.cpp", "functions": ["unscale"],
     "section": "Scaling", "prerequisites": ["01.2"], "minutes": 10, "hints": ["unscale hint"]},
    {"id": "01.4", "title": "Norms", "file": "norm.cpp", "functions": ["norm"],
     "section": "Norms", "prerequisites": [], "minutes": 15, "hints": ["norm hint"]}
  ]
})";

constexpr const char* kAddStub = "int add(int a, int b) { throw \"exercise 01.1\"; }\n";
constexpr const char* kScaleStub = "int scale(int a) { throw \"exercise 01.2\"; }\n";

/// A shipped course with four exercises in three files, and a learner's clone of it.
struct CourseRepos {
  TempDir dir;
  fs::path upstream = dir.path() / "upstream";
  fs::path learner = dir.path() / "learner";

  CourseRepos() {
    write(upstream / "CMakeLists.txt", "project(course_test NONE)\n");
    write(upstream / "exercises/01-basics/manifest.json", kManifest);
    write(upstream / "exercises/01-basics/add.cpp", kAddStub);
    write(upstream / "exercises/01-basics/scale.cpp", kScaleStub);
    write(upstream / "exercises/01-basics/norm.cpp", "float norm();\n");
    write(upstream / "solutions/01-basics/add.cpp", "int add(int a, int b) { return a + b; }\n");
    course::run_git(upstream, {"init", "--quiet", "--initial-branch=main"});
    commit_all(upstream, "the course");
    course::run_git(dir.path(), {"clone", "--quiet", upstream.string(), learner.string()});
  }
};

course::Course sample_course(const fs::path& dir) {
  write(dir / "exercises/01-basics/manifest.json", kManifest);
  return course::load_course(dir);
}

std::vector<course::TestCaseResult> run_sample(const std::vector<std::string>& spec = {}) {
  return course::run_catch_program(TINYGPT_CATCH_SAMPLE, spec);
}

}  // namespace

TEST_CASE("a manifest is read with its exercises sorted by id", "[apps][course]") {
  TempDir dir;
  const course::Course course = sample_course(dir.path());
  REQUIRE(course.steps.size() == 1);
  const course::Step& step = course.steps[0];
  CHECK(step.number == "01");
  CHECK(step.folder == "01-basics");
  CHECK(step.lesson == "steps/01-basics/README.md");
  REQUIRE(step.exercises.size() == 4);
  CHECK(step.exercises[0].id == "01.1");
  CHECK(step.exercises[1].id == "01.2");
  const course::Exercise& add = course.exercise("01.1");
  CHECK(add.file == "exercises/01-basics/add.cpp");
  CHECK(add.minutes == 5);
  CHECK(add.hints == std::vector<std::string>{"first add hint", "second add hint"});
  CHECK(course.exercise("01.3").prerequisites == std::vector<std::string>{"01.2"});
  CHECK(course.exercises_in_file("exercises/01-basics/scale.cpp").size() == 2);
  REQUIRE_THROWS_WITH(course.exercise("01.9"),
                      contains("no exercise '01.9'; valid ids: 01.1, 01.2, 01.3, 01.4"));
}

TEST_CASE("the real manifests list files that exist as stubs and as solutions", "[apps][course]") {
  const course::Course course = course::load_course(TINYGPT_SOURCE_DIR);
  REQUIRE(!course.exercises().empty());
  CHECK(course.step("01").exercises.front().id == "01.1");
  for (const course::Exercise* exercise : course.exercises()) {
    INFO(exercise->id);
    CHECK(fs::is_regular_file(course.root / exercise->file));
    CHECK(fs::is_regular_file(course.root / "solutions" /
                              fs::path(exercise->file).lexically_relative("exercises")));
    CHECK(!exercise->hints.empty());
  }
}

TEST_CASE("a broken manifest is an error naming the file and the field", "[apps][course]") {
  TempDir dir;
  const fs::path path = dir.path() / "exercises/01-basics/manifest.json";
  const auto load_with = [&](const std::string& from, const std::string& to) {
    std::string text = kManifest;
    const std::size_t at = text.find(from);
    REQUIRE(at != std::string::npos);
    write(path, text.replace(at, from.size(), to));
    return course::load_course(dir.path());
  };
  REQUIRE_THROWS_WITH(
      load_with(R"("minutes": 5)", R"("minutes": "five")"),
      contains(path.string() + ": exercises[1].minutes: expected a number, got \"five\""));
  REQUIRE_THROWS_WITH(load_with(R"("id": "01.1", )", ""),
                      contains(path.string() + ": exercises[1].id: missing"));
  REQUIRE_THROWS_WITH(load_with(R"("id": "01.1")", R"("id": "02.1")"),
                      contains("exercises[1].id: expected \"01.M\""));
  REQUIRE_THROWS_WITH(load_with(R"("add.cpp")", R"("../add.cpp")"),
                      contains("exercises[1].file: expected a file name inside 01-basics"));
  REQUIRE_THROWS_WITH(load_with(R"("first add hint",)", R"(7,)"),
                      contains("exercises[1].hints[0]: expected a string, got 7"));
  REQUIRE_THROWS_WITH(load_with(R"("lesson")", R"(,"lesson")"),
                      contains(path.string() + ": (the whole file): not valid JSON"));
}

TEST_CASE("the course root is found from any folder inside it", "[apps][course]") {
  TempDir dir;
  sample_course(dir.path());
  write(dir.path() / "CMakeLists.txt", "");
  fs::create_directories(dir.path() / "exercises/01-basics/deeper");
  CHECK(course::find_course_root(dir.path() / "exercises/01-basics/deeper") ==
        fs::canonical(dir.path()));
  REQUIRE_THROWS_WITH(course::find_course_root(fs::temp_directory_path()),
                      contains("no tinygpt course in"));
}

TEST_CASE("a process's output, errors and exit status are captured", "[apps][course]") {
  const course::ProcessResult result =
      course::run_process({"sh", "-c", "echo out; echo err >&2; exit 3"});
  CHECK(result.output == "out\n");
  CHECK(result.errors == "err\n");
  CHECK(result.exit_code == 3);
  const course::ProcessResult merged =
      course::run_process({"sh", "-c", "echo 'a b'; echo c >&2"}, {"/", true});
  CHECK(merged.output == "a b\nc\n");
  REQUIRE_THROWS_WITH(course::run_process({"tinygpt-no-such-program"}),
                      contains("cannot run 'tinygpt-no-such-program'"));
  CHECK(course::last_lines("1\n2\n3\n", 2) == "2\n3\n");
  CHECK(course::last_lines("1\n2", 5) == "1\n2");
  CHECK(course::last_lines("1\n2\n", 0).empty());
}

TEST_CASE("files are replaced atomically and keep their permissions", "[apps][course]") {
  TempDir dir;
  const fs::path path = dir.path() / "new/folder/file.txt";
  course::write_file_atomically(path, "one");
  CHECK(course::read_file(path) == "one");
  CHECK((fs::status(path).permissions() & fs::perms::all) ==
        (fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
         fs::perms::others_read));
  fs::permissions(path, fs::perms::owner_all);
  course::write_file_atomically(path, "two");
  CHECK(course::read_file(path) == "two");
  CHECK((fs::status(path).permissions() & fs::perms::all) == fs::perms::owner_all);
  CHECK(std::distance(fs::directory_iterator(path.parent_path()), fs::directory_iterator()) == 1);
  CHECK(course::content_hash("two") != course::content_hash("twO"));
  CHECK(course::content_hash("").size() == 16);
}

TEST_CASE("XML is parsed with entities, and a cut-off document is an error", "[apps][course]") {
  const course::XmlElement root = course::parse_xml(
      "<?xml version=\"1.0\"?>\n<!-- c --><a x='1 &amp; 2'>\n  t &lt;&#x41;&#66;&gt; "
      "<b/><![CDATA[<raw>]]></a>\n",
      "doc");
  CHECK(root.name == "a");
  CHECK(root.attribute("x") == "1 & 2");
  CHECK(root.attribute("y").empty());
  CHECK(root.text == "t <AB> <raw>");
  REQUIRE(root.children.size() == 1);
  CHECK(root.children[0].name == "b");
  REQUIRE_THROWS_WITH(course::parse_xml("<a><b></b>", "cut.xml"),
                      contains("cut.xml: malformed XML at byte 10: the document ends where "
                               "'</a>' was expected"));
  REQUIRE_THROWS_WITH(course::parse_xml("<a></b>", "x"), contains("expected </a>"));
  REQUIRE_THROWS_WITH(course::parse_xml("<a>&nbsp;</a>", "x"), contains("unknown entity &nbsp;"));
}

TEST_CASE("a real Catch2 XML report gives each test case and its failures", "[apps][course]") {
  const std::vector<course::TestCaseResult> results = run_sample();
  REQUIRE(results.size() == 5);
  CHECK(results[0].name == "a passing test");
  CHECK(results[0].passed);
  CHECK(results[0].exercise_ids() == std::vector<std::string>{"01.1"});
  CHECK(results[0].failures.empty());

  REQUIRE_FALSE(results[1].passed);
  REQUIRE(results[1].failures.size() == 1);
  CHECK_THAT(results[1].failures[0].description, contains("unexpected exception: exercise 01.2"));
  CHECK(course::not_implemented_exercise(results[1].failures[0].message) == "01.2");
  CHECK_THAT(results[1].failures[0].location, contains("apps/tests/catch_sample.cpp:"));
  // Compiled through ccache the file name is relative to the build folder; the report
  // gives it from the source root.
  CHECK_FALSE(results[1].failures[0].location.starts_with("../"));

  CHECK(results[3].name == "a wrong value & <markup>");
  REQUIRE(results[3].failures.size() == 1);
  CHECK(results[3].failures[0].description == "CHECK( value == 3 ) with expansion: 2 == 3");
  CHECK_FALSE(course::not_implemented_exercise(results[3].failures[0].message));

  // Failures inside sections count, and an exception that broke an assertion is kept.
  REQUIRE(results[4].failures.size() == 1);
  CHECK_THAT(results[4].failures[0].description, contains("REQUIRE_NOTHROW"));
  CHECK(results[4].failures[0].message == "boom in the middle");
  CHECK(results[4].exercise_ids().empty());

  CHECK(run_sample({"[ex01.3]"}).size() == 1);
}

TEST_CASE("exercise ids are read from messages", "[apps][course]") {
  CHECK(course::exercise_named_in("see exercise 01.10 (x)") == "01.10");
  CHECK_FALSE(course::exercise_named_in("exercise 1.2"));
  CHECK(course::not_implemented_exercise(
            "exercise 03.2 (adamw_step) is not implemented yet (see `tinygpt course hint`)") ==
        "03.2");
  CHECK_FALSE(course::not_implemented_exercise("exercise 03.2 is wrong"));
  CHECK(course::one_line("  a\n   b  c\n") == "a b c");
}

TEST_CASE("a check's verdict names failing exercises and the first failure's hint",
          "[apps][course]") {
  TempDir dir;
  const course::Course course = sample_course(dir.path());
  const course::Step& step = course.step("01");
  course::Progress progress;

  const course::StepVerdict verdict = course::judge_step(course, step, run_sample());
  CHECK(verdict.tests_total == 5);
  CHECK(verdict.tests_passed == 1);
  REQUIRE(verdict.exercises.size() == 4);
  CHECK(verdict.exercises[0].passing);        // 01.1
  CHECK_FALSE(verdict.exercises[1].passing);  // 01.2: its stub throws
  CHECK_FALSE(verdict.exercises[2].passing);  // 01.3: named by 01.2's test, and its own fails
  REQUIRE(verdict.failure_exercise != nullptr);
  CHECK(verdict.failure_exercise->id == "01.2");
  std::ostringstream out;
  course::print_verdict(course, step, verdict, progress, out);
  CHECK_THAT(out.str(), contains("Step 01: 1 of 5 test cases pass."));
  CHECK_THAT(out.str(), contains("  01.1  passing  Adding\n  01.2  failing  Scaling\n"));
  CHECK_THAT(out.str(), contains("First failure: \"a stub that is not written yet\""));
  CHECK_THAT(out.str(), contains("exercise 01.2 (stub_function) is not implemented yet"));
  CHECK_THAT(out.str(), contains("Hint 1 of 1: scale hint"));

  // The exercise a message names comes before the test's tag...
  const auto other = course::judge_step(course, step, run_sample({"*another exercise*"}));
  CHECK(other.failure_exercise->id == "01.3");
  // ...and the tag is used when the message names none.
  const auto tagged = course::judge_step(course, step, run_sample({"[ex01.3]"}));
  CHECK(tagged.failure_exercise->id == "01.3");
  out.str("");
  course::print_verdict(course, step, tagged, progress, out);
  CHECK_THAT(out.str(), contains("CHECK( value == 3 ) with expansion: 2 == 3"));
  CHECK_THAT(out.str(), contains("Exercise 01.3: Scaling back"));
  CHECK_THAT(out.str(), contains("Hint 1 of 1: unscale hint"));

  const auto untied = course::judge_step(course, step, run_sample({"*nested sections*"}));
  CHECK(untied.failure_exercise == nullptr);
  out.str("");
  course::print_verdict(course, step, untied, progress, out);
  CHECK_THAT(out.str(), contains("not tied to one exercise"));

  // A step is done when every test passes, and stops being done when one fails.
  const std::map<std::string, std::string> hashes{{"exercises/01-basics/add.cpp", "h1"},
                                                  {"exercises/01-basics/scale.cpp", "h2"},
                                                  {"exercises/01-basics/norm.cpp", "h3"}};
  course::record_verdict(step, course::judge_step(course, step, run_sample({"[ex01.1]"})), hashes,
                         progress);
  CHECK(progress.done_steps.contains("01"));
  course::record_verdict(step, verdict, hashes, progress);
  CHECK_FALSE(progress.done_steps.contains("01"));
  CHECK(progress.checks.at("01.1").passing);
  CHECK_FALSE(progress.checks.at("01.2").passing);
  CHECK(progress.checks.at("01.3").file_hash == "h2");
}

TEST_CASE("progress survives a save and a load, and a damaged file is named", "[apps][course]") {
  TempDir dir;
  CHECK(course::load_progress(dir.path()).checks.empty());
  course::Progress progress;
  progress.done_steps = {"01", "03"};
  progress.hints_shown["01.2"] = 2;
  progress.checks["01.1"] = {true, "abc"};
  course::save_progress(dir.path(), progress);
  const course::Progress loaded = course::load_progress(dir.path());
  CHECK(loaded.done_steps == progress.done_steps);
  CHECK(loaded.hints_shown == progress.hints_shown);
  CHECK(loaded.checks.at("01.1").passing);
  CHECK(loaded.checks.at("01.1").file_hash == "abc");

  write(course::progress_path(dir.path()), R"({"done_steps": [], "hints_shown": {"01.1": "x"}})");
  REQUIRE_THROWS_WITH(course::load_progress(dir.path()),
                      contains(course::progress_path(dir.path()).string() + ": hints_shown: "));
}

TEST_CASE("status tells todo, unchecked, passing and missing apart", "[apps][course]") {
  CourseRepos repos;
  const course::Course course = course::load_course(repos.learner);
  const std::string upstream = course::resolve_upstream(repos.learner, "");
  CHECK(upstream == "origin/main");

  const fs::path add = repos.learner / "exercises/01-basics/add.cpp";
  write(add, "int add(int a, int b) { return a + b; }\n");
  course::Progress progress;
  auto states = course::course_status(course, progress, upstream);
  REQUIRE(states.size() == 4);
  CHECK(states[0].exercise->id == "01.1");
  CHECK(states[0].state == course::ExerciseState::unchecked);
  CHECK(states[1].state == course::ExerciseState::todo);
  CHECK(states[2].state == course::ExerciseState::todo);

  // A check of this very content counts; an edit after it does not.
  progress.checks["01.1"] = {true, course::content_hash(course::read_file(add))};
  progress.checks["01.2"] = {false, course::content_hash(kScaleStub)};
  fs::remove(repos.learner / "exercises/01-basics/norm.cpp");
  states = course::course_status(course, progress, upstream);
  CHECK(states[0].state == course::ExerciseState::passing);
  CHECK(states[1].state == course::ExerciseState::todo);  // still the stub, whatever the check
  CHECK(states[3].state == course::ExerciseState::missing);

  std::ostringstream out;
  course::print_status(course, progress, states, upstream, out);
  CHECK_THAT(out.str(),
             contains("  01.1  passing    Adding  (exercises/01-basics/add.cpp, 5 min)"));
  CHECK_THAT(out.str(), contains("summary: 1 passing, 0 failing, 0 unchecked, 2 todo, 1 missing"));

  write(add, "int add(int a, int b) { return b + a; }\n");
  states = course::course_status(course, progress, upstream);
  CHECK(states[0].state == course::ExerciseState::unchecked);
  out.str("");
  course::print_status(course, progress, states, upstream, out);
  CHECK_THAT(out.str(),
             contains("01.1 has changed since the last check: run `tinygpt course check 01`"));

  out.str("");
  course::print_status_json(states, out);
  const nlohmann::json json = nlohmann::json::parse(out.str());
  REQUIRE(json.size() == 4);
  CHECK(json[0] == nlohmann::json{{"id", "01.1"},
                                  {"step", "01"},
                                  {"title", "Adding"},
                                  {"file", "exercises/01-basics/add.cpp"},
                                  {"state", "unchecked"},
                                  {"minutes", 5}});
  CHECK(json[3]["state"] == "missing");
}

TEST_CASE("the upstream ref falls back to origin/HEAD and must exist", "[apps][course]") {
  CourseRepos repos;
  course::run_git(repos.learner, {"branch", "--quiet", "--unset-upstream"});
  CHECK(course::resolve_upstream(repos.learner, "") == "origin/HEAD");
  CHECK(course::resolve_upstream(repos.learner, "main") == "main");
  REQUIRE_THROWS_WITH(course::resolve_upstream(repos.learner, "nope"),
                      contains("--upstream nope is not a commit"));
  course::run_git(repos.learner, {"remote", "remove", "origin"});
  REQUIRE_THROWS_WITH(course::resolve_upstream(repos.learner, ""),
                      contains("neither origin/HEAD nor origin/main exists; pass --upstream REF"));
}

TEST_CASE("reset restores the shipped stub even after the learner committed", "[apps][course]") {
  CourseRepos repos;
  const course::Course course = course::load_course(repos.learner);
  const fs::path scale = repos.learner / "exercises/01-basics/scale.cpp";
  write(scale, "int scale(int a) { return 2 * a; }\n");
  commit_all(repos.learner, "my scale");
  course::Progress progress;
  progress.done_steps.insert("01");
  progress.checks["01.3"] = {true, "old"};

  std::ostringstream out;
  course::reset_exercise(course, "01.3", "origin/main", progress, out);
  CHECK(course::read_file(scale) == kScaleStub);
  CHECK_THAT(out.str(), contains("Reset exercises/01-basics/scale.cpp to the stub of origin/main"));
  CHECK_THAT(out.str(), contains("holds exercises 01.2, 01.3: the whole file is reset"));
  CHECK_THAT(out.str(), contains("Step 01 is no longer marked done"));
  CHECK(progress.checks.empty());
  CHECK(progress.done_steps.empty());
  REQUIRE_THROWS_WITH(course::reset_exercise(course, "07.1", "origin/main", progress, out),
                      contains("no exercise '07.1'"));
}

TEST_CASE("each hint call shows one more hint and remembers it", "[apps][course]") {
  TempDir dir;
  const course::Course course = sample_course(dir.path());
  course::Progress progress;
  std::ostringstream out;
  course::show_hint(course, "01.1", false, progress, out);
  CHECK_THAT(out.str(), contains("Exercise 01.1: Adding\n  file:   exercises/01-basics/add.cpp\n"
                                 "  lesson: steps/01-basics/README.md, section \"Adding\"\n"
                                 "Hint 1 of 2: first add hint\n"));
  CHECK(progress.hints_shown.at("01.1") == 1);
  out.str("");
  course::show_hint(course, "01.1", false, progress, out);
  CHECK_THAT(out.str(), contains("Hint 2 of 2: second add hint"));
  CHECK_FALSE(out.str().find("Hint 1 of 2") != std::string::npos);
  out.str("");
  course::show_hint(course, "01.1", false, progress, out);
  CHECK_THAT(out.str(), contains("Hint 2 of 2: second add hint\nThat was the last hint"));
  out.str("");
  course::show_hint(course, "01.2", true, progress, out);
  CHECK_THAT(out.str(), contains("Hint 1 of 1: scale hint"));
  CHECK(progress.hints_shown.at("01.2") == 1);
  REQUIRE_THROWS_WITH(course::show_hint(course, "1.1", false, progress, out),
                      contains("no exercise '1.1'; valid ids: 01.1, 01.2, 01.3, 01.4"));
}

TEST_CASE("export copies what git tracks, without solutions, into a new repository",
          "[apps][course]") {
  CourseRepos repos;
  write(repos.upstream / "notes.txt", "not tracked\n");
  const fs::path classroom = repos.dir.path() / "classroom";
  std::ostringstream out;
  course::export_without_solutions(course::load_course(repos.upstream), classroom, out);
  CHECK_THAT(out.str(), contains("leaving out 1 files of solutions/"));
  CHECK(course::read_file(classroom / "exercises/01-basics/add.cpp") == kAddStub);
  CHECK(fs::exists(classroom / "exercises/01-basics/manifest.json"));
  CHECK_FALSE(fs::exists(classroom / "solutions"));
  CHECK_FALSE(fs::exists(classroom / "notes.txt"));
  CHECK(course::run_git(classroom, {"log", "--format=%s"}) == "classroom copy of tinygpt\n");
  CHECK(course::run_git(classroom, {"status", "--porcelain"}).empty());

  REQUIRE_THROWS_WITH(
      course::export_without_solutions(course::load_course(repos.upstream), classroom, out),
      contains("already exists and is not an empty folder"));
}

TEST_CASE("the contract flags stubs that pass, wrong ids and uncovered exercises",
          "[apps][course]") {
  TempDir dir;
  const course::Course course = sample_course(dir.path());
  const fs::path program = dir.path() / "build/steps/01-basics/step01_tests";
  fs::create_directories(program.parent_path());
  fs::copy_file(TINYGPT_CATCH_SAMPLE, program);

  std::ostringstream out;
  course::ContractResult stubs =
      course::check_contract(course, dir.path() / "build", course::Expectation::stubs, out);
  CHECK(stubs.passed == 4);
  REQUIRE(stubs.violations.size() == 4);
  CHECK_THAT(stubs.violations[0],
             contains("step01_tests: \"a passing test\" passes with the stubs"));
  CHECK_THAT(stubs.violations[1],
             contains("fails with the NotImplemented of exercise 01.3, but is tagged"));
  CHECK_THAT(
      stubs.violations[2],
      contains("fails for another reason than a stub's NotImplemented: CHECK( value == 3 )"));
  CHECK_THAT(stubs.violations[3],
             contains("exercise 01.4 (exercises/01-basics/norm.cpp) has no test"));
  CHECK_THAT(out.str(), contains("\n4 passed, 4 failed\n"));

  out.str("");
  const course::ContractResult solutions =
      course::check_contract(course, dir.path() / "build", course::Expectation::solutions, out);
  CHECK(solutions.passed == 4);  // one test case and three covered ids
  CHECK(solutions.violations.size() == 5);
  CHECK_THAT(out.str(), contains("\"a wrong value & <markup>\" fails with the solutions: CHECK"));
  CHECK_THAT(out.str(), contains("4 passed, 5 failed\n"));

  REQUIRE_THROWS_WITH(course::check_contract(course, dir.path(), course::Expectation::stubs, out),
                      contains("no step test programs in"));
}

TEST_CASE("check builds step 01 from the stubs and shows the first failure with its hint",
          "[apps][course][slow]") {
  // A learner's fresh clone: this tree's files, without its build folders.
  TempDir dir;
  const fs::path source = dir.path() / "course";
  for (const std::string& file : course::list_files(TINYGPT_SOURCE_DIR, true)) {
    const fs::path from = fs::path(TINYGPT_SOURCE_DIR) / file;
    if (!fs::is_regular_file(from)) continue;
    fs::create_directories((source / file).parent_path());
    fs::copy_file(from, source / file);
  }
  course::run_git(source, {"init", "--quiet"});
  commit_all(source, "a learner's clone");

  const course::Course course = course::load_course(source);
  course::Progress progress;
  std::ostringstream out;
  // Where `course check` builds by default: at the depth of build/release, so that ccache
  // gives this tree the objects the release build compiled (CMakeLists.txt).
  const bool passed =
      course::run_check(course, {"01", source / "build" / "course", 2}, progress, out);
  INFO(out.str());
  CHECK_FALSE(passed);
  CHECK_THAT(out.str(), contains("First failure: \""));
  CHECK_THAT(out.str(), contains("is not implemented yet"));
  const std::size_t at = out.str().find("\nExercise ");
  REQUIRE(at != std::string::npos);
  const course::Exercise& failing = course.exercise(out.str().substr(at + 10, 4));
  CHECK_THAT(out.str(), contains("Hint 1 of " + std::to_string(failing.hints.size()) + ": " +
                                 failing.hints.front()));
  for (const course::Exercise& exercise : course.step("01").exercises) {
    CHECK_FALSE(progress.checks.at(exercise.id).passing);
  }
  CHECK_FALSE(progress.done_steps.contains("01"));
}
