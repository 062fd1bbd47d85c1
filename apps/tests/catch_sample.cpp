// A Catch2 program whose results are known, standing in for a step's test program: the
// course tool's tests read its real XML report and run the contract on it. Laid out like
// step 01 with stubs: 01.2's stub throws, 01.3's test fails for another reason, a test
// names the wrong exercise, and 01.1's test passes although it should not.
#include <stdexcept>

#include "tinygpt/core/check.h"
#include "tinygpt_catch.hpp"

TEST_CASE("a passing test", "[step01][ex01.1]") {
  CHECK(1 + 1 == 2);
}

TEST_CASE("a stub that is not written yet", "[step01][ex01.2]") {
  throw tinygpt::NotImplemented("exercise 01.2 (stub_function)");
}

TEST_CASE("a test that hits another exercise's stub", "[step01][ex01.2]") {
  throw tinygpt::NotImplemented("exercise 01.3 (other_function)");
}

TEST_CASE("a wrong value & <markup>", "[step01][ex01.3]") {
  const int value = 2;
  CHECK(value == 3);
}

TEST_CASE("a failure inside nested sections", "[step01]") {
  SECTION("outer") {
    SECTION("inner") {
      REQUIRE_NOTHROW([] { throw std::runtime_error("boom in the middle"); }());
    }
  }
}
