#include "export.h"

#include "git.h"
#include "require.h"

namespace tinygpt::course {

namespace fs = std::filesystem;

void export_without_solutions(const Course& course, const fs::path& target, std::ostream& out) {
  require(!fs::exists(target) || (fs::is_directory(target) && fs::is_empty(target)),
          target.string(), " already exists and is not an empty folder; choose a new one");
  const fs::path& source = course.root;
  const fs::path destination = fs::absolute(target);
  fs::create_directories(destination);

  int copied = 0;
  int left_out = 0;
  for (const std::string& file : list_files(source, false)) {
    if (file.starts_with("solutions/")) {
      ++left_out;
      continue;
    }
    const fs::path from = source / file;
    // A file deleted but not yet committed has nothing to copy.
    if (!fs::exists(fs::symlink_status(from))) continue;
    fs::create_directories((destination / file).parent_path());
    if (fs::is_symlink(from)) {
      fs::copy_symlink(from, destination / file);
    } else {
      fs::copy_file(from, destination / file);
    }
    ++copied;
  }

  run_git(destination, {"init", "--quiet", "--initial-branch=main"});
  run_git(destination, {"add", "--all"});
  // A teacher's machine may have no git identity; the copy needs one commit all the same.
  std::vector<std::string> commit{"commit", "--quiet", "--message", "classroom copy of tinygpt"};
  if (!try_git(destination, {"config", "user.email"})) {
    commit.insert(commit.begin(),
                  {"-c", "user.name=tinygpt course", "-c", "user.email=course@tinygpt.invalid"});
  }
  run_git(destination, commit);
  out << "Copied " << copied << " files to " << destination.string() << ", leaving out " << left_out
      << " files of solutions/, and committed them (\"classroom copy of tinygpt\").\n"
      << "Publish that repository for your students: each step builds their stubs, and "
      << "`tinygpt course reset` restores a stub from it.\n";
}

}  // namespace tinygpt::course
