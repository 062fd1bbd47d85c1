#include "commands.h"

namespace tinygpt::cli {

void register_commands(CLI::App& app) {
  register_journey_command(app);
  register_course_command(app);
}

}  // namespace tinygpt::cli
