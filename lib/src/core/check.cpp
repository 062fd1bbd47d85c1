#include "tinygpt/core/check.h"

namespace tinygpt {

NotImplemented::NotImplemented(const std::string& what)
    : Error(what + std::string(kNotImplementedMarker) + " (see `tinygpt course hint` for help)") {}

namespace detail {

void throw_check_failure(const char* file, int line, const char* condition,
                         const std::string& message) {
  // Only the file name: full build paths make messages long and differ between machines.
  std::string_view path(file);
  const auto slash = path.find_last_of('/');
  if (slash != std::string_view::npos) path.remove_prefix(slash + 1);
  throw Error(message, concat(condition, " at ", path, ":", line));
}

}  // namespace detail
}  // namespace tinygpt
