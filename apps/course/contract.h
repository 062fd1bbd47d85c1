/// @file contract.h
/// @brief `tinygpt course contract`: CI's proof that the exercises are wired right
/// (DESIGN.md, "CI contract").
#pragma once

#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "manifest.h"
#include "test_report.h"

namespace tinygpt::course {

/// @brief Which half of each exercise the build linked.
enum class Expectation {
  solutions,  ///< every test case must pass.
  stubs,      ///< every [exNN.M] test case must fail with the NotImplemented of NN.M.
};

/// @brief The contract's checks: how many held, and a line for each that did not.
struct ContractResult {
  int passed = 0;
  std::vector<std::string> violations;
};

/// @brief Judges the results of one step's test program.
/// With solutions, one check per test case: it passes. With stubs, one check per test
/// case tagged [exNN.M]: it fails, and each of its failures is a NotImplemented naming one
/// of its tagged ids, and each tagged id is in a manifest.
/// @param program the program's name, to start each violation's line.
void judge_contract(const Course& course, Expectation expectation, const std::string& program,
                    const std::vector<TestCaseResult>& results, ContractResult& contract);

/// @brief One check per manifest id: some test of `results` is tagged with it.
void judge_coverage(const Course& course, const std::vector<TestCaseResult>& results,
                    ContractResult& contract);

/// @brief Runs every <build_dir>/steps/*/stepNN_tests, judges them and the coverage of
/// every manifest id, prints each violation on one line and then "N passed, N failed".
/// @return the result; the contract holds when it has no violations.
ContractResult check_contract(const Course& course, const std::filesystem::path& build_dir,
                              Expectation expectation, std::ostream& out);

}  // namespace tinygpt::course
