#include "reset.h"

#include "files.h"
#include "git.h"
#include "require.h"

namespace tinygpt::course {

void reset_exercise(const Course& course, std::string_view id, const std::string& upstream,
                    Progress& progress, std::ostream& out) {
  const Exercise& exercise = course.exercise(id);
  const std::optional<std::string> stub = file_at_ref(course.root, upstream, exercise.file);
  require(stub.has_value(), exercise.file, " is not in ", upstream,
          ", so there is no stub to restore it from; pass --upstream REF");
  write_file_atomically(course.root / exercise.file, *stub);

  std::vector<std::string> ids;
  for (const Exercise* sharing : course.exercises_in_file(exercise.file)) {
    ids.push_back(sharing->id);
    progress.checks.erase(sharing->id);
  }
  out << "Reset " << exercise.file << " to the stub of " << upstream << ".\n";
  if (ids.size() > 1) {
    out << "The file holds exercises " << join(ids, ", ") << ": the whole file is reset, so "
        << "all of them start again, not only " << exercise.id << ".\n";
  }
  if (progress.done_steps.erase(exercise.step) > 0) {
    out << "Step " << exercise.step << " is no longer marked done: later steps use the "
        << "reference solution until `tinygpt course check " << exercise.step
        << "` passes again.\n";
  }
}

}  // namespace tinygpt::course
