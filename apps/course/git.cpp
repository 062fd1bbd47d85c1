#include "git.h"

#include "process.h"
#include "require.h"
#include "tinygpt/core/check.h"

namespace tinygpt::course {
namespace {

namespace fs = std::filesystem;

ProcessResult git(const fs::path& dir, const std::vector<std::string>& args) {
  std::vector<std::string> argv{"git", "-C", dir.string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_process(argv);
}

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  return text;
}

bool commit_exists(const fs::path& root, const std::string& ref) {
  return try_git(root, {"rev-parse", "--verify", "--quiet", ref + "^{commit}"}).has_value();
}

}  // namespace

std::optional<std::string> try_git(const fs::path& dir, const std::vector<std::string>& args) {
  ProcessResult result = git(dir, args);
  if (result.exit_code != 0) return std::nullopt;
  return std::move(result.output);
}

std::string run_git(const fs::path& dir, const std::vector<std::string>& args) {
  ProcessResult result = git(dir, args);
  if (result.exit_code != 0) {
    std::string command = "git";
    for (const std::string& arg : args) command += " " + arg;
    throw Error(detail::concat("`", command, "` in ", dir.string(), " failed: ",
                               trimmed(result.errors.empty() ? result.output : result.errors)));
  }
  return std::move(result.output);
}

std::string resolve_upstream(const fs::path& root, const std::string& requested) {
  // A folder that is not a checkout gets git's own explanation, not "no upstream".
  run_git(root, {"rev-parse", "--git-dir"});
  if (!requested.empty()) {
    require(commit_exists(root, requested), "--upstream ", requested,
            " is not a commit in the git repository at ", root.string());
    return requested;
  }
  const std::optional<std::string> tracked =
      try_git(root, {"rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{upstream}"});
  if (tracked && !trimmed(*tracked).empty()) return trimmed(*tracked);
  for (const char* fallback : {"origin/HEAD", "origin/main"}) {
    if (commit_exists(root, fallback)) return fallback;
  }
  throw Error(detail::concat(
      "cannot tell where the shipped stubs are: the branch in ", root.string(),
      " has no upstream, and neither origin/HEAD nor origin/main exists; pass --upstream REF "
      "(the commit or branch you cloned)"));
}

std::optional<std::string> file_at_ref(const fs::path& root, const std::string& ref,
                                       const std::string& path) {
  // "ref:./path" is relative to -C's folder, so a course inside a larger repository works.
  return try_git(root, {"show", ref + ":./" + path});
}

std::vector<std::string> list_files(const fs::path& root, bool include_untracked) {
  std::vector<std::string> args{"ls-files", "-z", "--cached"};
  if (include_untracked) args.insert(args.end(), {"--others", "--exclude-standard"});
  const std::string listing = run_git(root, args);
  std::vector<std::string> files;
  for (std::size_t start = 0; start < listing.size();) {
    std::size_t end = listing.find('\0', start);
    if (end == std::string::npos) end = listing.size();
    files.push_back(listing.substr(start, end - start));
    start = end + 1;
  }
  return files;
}

}  // namespace tinygpt::course
