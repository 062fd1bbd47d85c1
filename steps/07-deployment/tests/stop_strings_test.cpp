// Stop strings (exercise 07.2): found anywhere in the pending text, the earliest of
// several, held back while the text's end could still begin one, across token boundaries.
#include <string>
#include <vector>

#include "test_support.hpp"
#include "tinygpt/infer/stop_strings.h"

using namespace tinygpt;
using tinygpt::testing::contains;

namespace {
infer::StopScan scan(std::string_view text, std::vector<std::string> stops) {
  return infer::scan_stop_strings(text, stops);
}
}  // namespace

TEST_CASE("a complete stop string stops, showing only the text before it",
          "[step07][stop_strings][ex07.2]") {
  const infer::StopScan found = scan("the end. END and more", {"END"});
  CHECK(found.stopped);
  CHECK(found.show == 9);  // "the end. "
  const infer::StopScan earliest = scan("a\n\nb ###", {"###", "\n\n"});
  CHECK(earliest.stopped);
  CHECK(earliest.show == 1);  // "a": the earlier of the two
  const infer::StopScan at_start = scan("END", {"END"});
  CHECK(at_start.stopped);
  CHECK(at_start.show == 0);
}

TEST_CASE("the end that could begin a stop string is held back, the rest shown",
          "[step07][stop_strings][ex07.2]") {
  CHECK(scan("abc EN", {"END"}).show == 4);  // "EN" may become "END"
  CHECK(scan("abc E", {"END"}).show == 4);
  CHECK(scan("abc ENx", {"END"}).show == 7);  // "ENx" cannot: everything is shown
  CHECK(scan("abc\n", {"\n\n", "xyz"}).show == 3);
  CHECK(scan("abc xy", {"\n\n", "xyz"}).show == 4);  // the longest held-back end counts
  CHECK_FALSE(scan("abc EN", {"END"}).stopped);
  CHECK(scan("anything", {}).show == 8);
  CHECK(scan("", {"END"}).show == 0);
}

TEST_CASE("a stop string split across tokens is found when its last piece arrives",
          "[step07][stop_strings][ex07.2]") {
  // Tokens as a generator would deliver them; the shown text never holds any of "END".
  const std::vector<std::string> tokens = {"The st", "ory E", "N", "D is ", "hidden"};
  const std::vector<std::string> stops = {"END"};
  std::string pending, shown;
  bool stopped = false;
  for (const std::string& token : tokens) {
    pending += token;
    const infer::StopScan result = infer::scan_stop_strings(pending, stops);
    shown += pending.substr(0, result.show);
    pending.erase(0, result.show);
    if (result.stopped) {
      stopped = true;
      break;
    }
  }
  CHECK(stopped);
  CHECK(shown == "The story ");
}

TEST_CASE("an empty stop string is refused", "[step07][stop_strings][ex07.2]") {
  CHECK_THROWS_WITH(scan("text", {"END", ""}), contains("a stop string is empty"));
}
