// A committed JSON fixture of step 06 (written by a script in reference/), read from the
// source tree.
#pragma once

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "tinygpt_catch.hpp"

namespace tinygpt::testing {

/// @param name the fixture's file name in steps/06-evaluation/reference/fixtures/.
/// @return its parsed content (the test fails when the file is missing).
inline nlohmann::json read_json_fixture(const std::string& name) {
  std::ifstream in(std::filesystem::path(TINYGPT_STEP06_FIXTURES) / name);
  REQUIRE(in.good());
  return nlohmann::json::parse(in);
}

}  // namespace tinygpt::testing
