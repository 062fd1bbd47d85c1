#include "hint.h"

#include <algorithm>

namespace tinygpt::course {

void print_exercise(const Course& course, const Exercise& exercise, std::ostream& out) {
  out << "Exercise " << exercise.id << ": " << exercise.title << "\n"
      << "  file:   " << exercise.file << "\n"
      << "  lesson: " << course.step(exercise.step).lesson << ", section \"" << exercise.section
      << "\"\n";
}

void print_hint(const Exercise& exercise, int index, std::ostream& out) {
  out << "Hint " << index + 1 << " of " << exercise.hints.size() << ": "
      << exercise.hints[static_cast<std::size_t>(index)] << "\n";
}

void show_hint(const Course& course, std::string_view id, bool all, Progress& progress,
               std::ostream& out) {
  const Exercise& exercise = course.exercise(id);
  print_exercise(course, exercise, out);
  const int count = static_cast<int>(exercise.hints.size());
  if (count == 0) {
    out << "This exercise has no hints: the lesson section says what to do.\n";
    return;
  }
  int& shown = progress.hints_shown[exercise.id];
  if (all) {
    for (int i = 0; i < count; ++i) print_hint(exercise, i, out);
    shown = count;
    return;
  }
  if (shown >= count) {
    // Repeating the last hint is more use than nothing; --all lists the earlier ones.
    print_hint(exercise, count - 1, out);
    out << "That was the last hint; `tinygpt course hint " << exercise.id
        << " --all` shows them all again.\n";
    return;
  }
  shown = std::max(shown, 0);
  print_hint(exercise, shown, out);
  ++shown;
  if (shown < count) {
    out << "Still stuck? `tinygpt course hint " << exercise.id << "` gives the next one.\n";
  }
}

}  // namespace tinygpt::course
