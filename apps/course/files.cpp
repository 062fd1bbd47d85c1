#include "files.h"

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "require.h"
#include "tinygpt/core/check.h"

namespace tinygpt::course {

namespace fs = std::filesystem;

std::optional<std::string> read_file_if_exists(const fs::path& path) {
  if (!fs::exists(path)) return std::nullopt;
  return read_file(path);
}

std::string content_hash(std::string_view content) {
  const std::uint64_t hash = fnv1a_64(content);
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
  return hex;
}

}  // namespace tinygpt::course
