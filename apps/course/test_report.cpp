#include "test_report.h"

#include <unistd.h>

#include <cstdlib>
#include <regex>

#include "files.h"
#include "process.h"
#include "tinygpt/core/check.h"
#include "xml.h"

namespace tinygpt::course {
namespace {

namespace fs = std::filesystem;

// "file:line". A relative file name is relative to the build folder it was compiled in
// (ccache's base_dir makes the paths inside the source tree relative, CMakeLists.txt), and
// every build folder lies inside the tree: without its leading "../" it is the path from
// the source root.
std::string location_of(const XmlElement& element) {
  const std::string name = element.attribute("filename");
  if (name.empty()) return {};
  std::string_view file = name;
  while (file.starts_with("../")) file.remove_prefix(3);
  return std::string(file) + ":" + element.attribute("line");
}

const XmlElement* child(const XmlElement& element, std::string_view name) {
  for (const XmlElement& candidate : element.children) {
    if (candidate.name == name) return &candidate;
  }
  return nullptr;
}

std::string child_text(const XmlElement& element, std::string_view name) {
  const XmlElement* found = child(element, name);
  return found == nullptr ? std::string() : found->text;
}

/// Collects the failures below a test case in document order; sections nest.
void collect_failures(const XmlElement& element, std::vector<TestFailure>& failures) {
  for (const XmlElement& node : element.children) {
    if (node.name == "Expression" && node.attribute("success") == "false") {
      TestFailure failure{detail::concat(node.attribute("type"), "( ", child_text(node, "Original"),
                                         " ) with expansion: ", child_text(node, "Expanded")),
                          child_text(node, "Expanded"), location_of(node)};
      // REQUIRE_NOTHROW and friends hold the exception that made them fail.
      if (const XmlElement* exception = child(node, "Exception")) {
        failure.description += "; exception: " + exception->text;
        failure.message = exception->text;
      }
      failures.push_back(std::move(failure));
    } else if (node.name == "Exception") {
      failures.push_back({"unexpected exception: " + node.text, node.text, location_of(node)});
    } else if (node.name == "FatalErrorCondition") {
      failures.push_back({"fatal error: " + node.text, node.text, location_of(node)});
    } else if (node.name == "Failure") {
      failures.push_back({"FAIL: " + node.text, node.text, location_of(node)});
    } else if (node.name == "Section") {
      collect_failures(node, failures);
    }
  }
}

void collect_test_cases(const XmlElement& element, std::vector<TestCaseResult>& results) {
  for (const XmlElement& node : element.children) {
    if (node.name != "TestCase") {
      collect_test_cases(node, results);  // Catch2 v2 wraps them in a Group
      continue;
    }
    TestCaseResult result{node.attribute("name"), node.attribute("tags"), location_of(node)};
    const XmlElement* overall = child(node, "OverallResult");
    result.passed = overall != nullptr && overall->attribute("success") == "true";
    collect_failures(node, result.failures);
    // A test case can fail with nothing to show (a CHECK inside a crashed helper).
    if (!result.passed && result.failures.empty()) {
      result.failures.push_back({"failed without a failed assertion", "", result.location});
    }
    results.push_back(std::move(result));
  }
}

}  // namespace

std::vector<std::string> TestCaseResult::exercise_ids() const {
  static const std::regex tag(R"(\[ex([0-9][0-9]\.[0-9]+)\])", std::regex::icase);
  std::vector<std::string> ids;
  for (std::sregex_iterator it(tags.begin(), tags.end(), tag), end; it != end; ++it) {
    ids.push_back((*it)[1]);
  }
  return ids;
}

std::vector<TestCaseResult> parse_catch_report(std::string_view xml, const std::string& source) {
  std::vector<TestCaseResult> results;
  collect_test_cases(parse_xml(xml, source), results);
  return results;
}

std::vector<TestCaseResult> run_catch_program(const fs::path& program,
                                              const std::vector<std::string>& test_spec) {
  std::string report = (fs::temp_directory_path() / "tinygpt-report-XXXXXX").string();
  const int fd = mkstemp(report.data());
  TINYGPT_CHECK(fd >= 0, "cannot create a temporary file for the report of ", program.string());
  ::close(fd);
  // The report goes to a file: test code that prints to stdout cannot break the XML.
  std::vector<std::string> argv{fs::absolute(program).string(), "--reporter", "xml", "--out",
                                report};
  argv.insert(argv.end(), test_spec.begin(), test_spec.end());
  ProcessResult run;
  std::string xml;
  try {
    run = run_process(argv, {program.parent_path(), true});
    xml = read_file(report);
  } catch (const Error&) {
    fs::remove(report);
    throw;
  }
  fs::remove(report);
  try {
    return parse_catch_report(xml, program.filename().string() + "'s XML report");
  } catch (const Error& error) {
    throw Error(detail::concat(program.string(), " left no complete report (exit status ",
                               run.exit_code, "): ", error.what(), "\nthe end of its output:\n",
                               last_lines(run.output, 20)));
  }
}

std::map<std::string, fs::path> find_step_test_programs(const fs::path& build_dir) {
  static const std::regex step_folder(R"(([0-9][0-9])-.*)");
  std::map<std::string, fs::path> programs;
  const fs::path steps = build_dir / "steps";
  if (!fs::is_directory(steps)) return programs;
  for (const fs::directory_entry& entry : fs::directory_iterator(steps)) {
    std::smatch match;
    const std::string folder = entry.path().filename().string();
    if (!entry.is_directory() || !std::regex_match(folder, match, step_folder)) continue;
    const fs::path program = entry.path() / ("step" + match[1].str() + "_tests");
    if (fs::is_regular_file(program)) programs[match[1]] = program;
  }
  return programs;
}

std::optional<std::string> exercise_named_in(std::string_view message) {
  static const std::regex named(R"(exercise ([0-9][0-9]\.[0-9]+))");
  std::match_results<std::string_view::const_iterator> match;
  if (!std::regex_search(message.begin(), message.end(), match, named)) return std::nullopt;
  return match[1].str();
}

std::optional<std::string> not_implemented_exercise(std::string_view message) {
  static const std::regex stub(R"(exercise ([0-9][0-9]\.[0-9]+)\b[^\n]*)" +
                               std::string(kNotImplementedMarker));
  std::match_results<std::string_view::const_iterator> match;
  if (!std::regex_search(message.begin(), message.end(), match, stub)) return std::nullopt;
  return match[1].str();
}

std::string one_line(std::string_view text) {
  std::string line;
  bool space = false;
  for (const char c : text) {
    if (c == '\n' || c == '\r' || c == ' ' || c == '\t') {
      space = !line.empty();
      continue;
    }
    if (space) line += ' ';
    space = false;
    line += c;
  }
  return line;
}

}  // namespace tinygpt::course
