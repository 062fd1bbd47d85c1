#include "contract.h"

#include <algorithm>
#include <set>

#include "require.h"

namespace tinygpt::course {
namespace {

/// Why a test case tagged with `tagged` breaks the stubs' contract, or "" when it keeps it.
std::string stub_violation(const Course& course, const TestCaseResult& result,
                           const std::vector<std::string>& tagged) {
  for (const std::string& id : tagged) {
    if (!course.has_exercise(id)) return "is tagged [ex" + id + "], which no manifest lists";
  }
  if (result.passed) {
    return "passes with the stubs: it must fail with the NotImplemented of exercise " +
           join(tagged, " or ");
  }
  for (const TestFailure& failure : result.failures) {
    const std::optional<std::string> id = not_implemented_exercise(failure.message);
    if (!id) {
      return "fails for another reason than a stub's NotImplemented: " +
             one_line(failure.description) + " (at " + failure.location + ")";
    }
    if (std::find(tagged.begin(), tagged.end(), *id) == tagged.end()) {
      return "fails with the NotImplemented of exercise " + *id + ", but is tagged " + result.tags +
             ": tag it [ex" + *id + "] too, or make it use only its exercise";
    }
  }
  return {};
}

}  // namespace

void judge_contract(const Course& course, Expectation expectation, const std::string& program,
                    const std::vector<TestCaseResult>& results, ContractResult& contract) {
  for (const TestCaseResult& result : results) {
    std::string violation;
    if (expectation == Expectation::solutions) {
      if (!result.passed) {
        violation = "fails with the solutions: " + one_line(result.failures.front().description) +
                    " (at " + result.failures.front().location + ")";
      }
    } else {
      const std::vector<std::string> tagged = result.exercise_ids();
      if (tagged.empty()) continue;  // untagged tests may pass or fail with the stubs
      violation = stub_violation(course, result, tagged);
    }
    if (violation.empty()) {
      ++contract.passed;
    } else {
      contract.violations.push_back(program + ": \"" + result.name + "\" " + violation);
    }
  }
}

void judge_coverage(const Course& course, const std::vector<TestCaseResult>& results,
                    ContractResult& contract) {
  std::set<std::string> covered;
  for (const TestCaseResult& result : results) {
    for (const std::string& id : result.exercise_ids()) covered.insert(id);
  }
  for (const Exercise* exercise : course.exercises()) {
    if (covered.contains(exercise->id)) {
      ++contract.passed;
    } else {
      contract.violations.push_back("exercise " + exercise->id + " (" + exercise->file +
                                    ") has no test tagged [ex" + exercise->id + "]");
    }
  }
}

ContractResult check_contract(const Course& course, const std::filesystem::path& build_dir,
                              Expectation expectation, std::ostream& out) {
  const auto programs = find_step_test_programs(build_dir);
  require(!programs.empty(), "no step test programs in ", build_dir.string(),
          "/steps/NN-name/stepNN_tests; build that folder first");
  ContractResult contract;
  std::vector<TestCaseResult> all_results;
  for (const auto& [step, program] : programs) {
    const std::vector<TestCaseResult> results = run_catch_program(program);
    out << "ran " << program.filename().string() << ": " << results.size() << " test cases\n";
    judge_contract(course, expectation, program.filename().string(), results, contract);
    all_results.insert(all_results.end(), results.begin(), results.end());
  }
  judge_coverage(course, all_results, contract);
  for (const std::string& violation : contract.violations) out << violation << "\n";
  out << contract.passed << " passed, " << contract.violations.size() << " failed\n";
  return contract;
}

}  // namespace tinygpt::course
