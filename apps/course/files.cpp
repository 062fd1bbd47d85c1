#include "files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "require.h"
#include "tinygpt/core/check.h"

namespace tinygpt::course {

namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
  std::optional<std::string> content = read_file_if_exists(path);
  require(content.has_value(), "cannot read ", path.string(), ": no such file");
  return *std::move(content);
}

std::optional<std::string> read_file_if_exists(const fs::path& path) {
  if (!fs::exists(path)) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  require(in && !fs::is_directory(path), "cannot read ", path.string());
  return content.str();
}

void write_file_atomically(const fs::path& path, std::string_view content) {
  const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  fs::create_directories(dir);
  std::string temp = (dir / detail::concat(".", path.filename().string(), ".tmp-XXXXXX")).string();
  const int fd = mkstemp(temp.data());
  TINYGPT_CHECK(fd >= 0, "cannot create a temporary file next to ", path.string(), ": ",
                std::strerror(errno));

  // mkstemp makes the file private (0600); an exercise file should keep its usual mode.
  struct stat existing {};
  const mode_t mode = ::stat(path.c_str(), &existing) == 0 ? existing.st_mode & 07777 : 0644;
  std::string failure;  // stays empty while every call succeeds
  if (::fchmod(fd, mode) != 0) failure = std::strerror(errno);
  for (std::size_t written = 0; failure.empty() && written < content.size();) {
    const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) failure = n < 0 ? std::strerror(errno) : "the disk took no bytes";
    if (n > 0) written += static_cast<std::size_t>(n);
  }
  if (failure.empty() && ::fsync(fd) != 0) failure = std::strerror(errno);
  if (::close(fd) != 0 && failure.empty()) failure = std::strerror(errno);
  if (failure.empty() && std::rename(temp.c_str(), path.c_str()) != 0) {
    failure = std::strerror(errno);
  }
  if (!failure.empty()) {
    std::remove(temp.c_str());
    throw Error(detail::concat("cannot write ", path.string(), ": ", failure));
  }
}

std::string content_hash(std::string_view content) {
  std::uint64_t hash = 14695981039346656037ull;  // FNV-1a's offset basis and prime
  for (const char byte : content) {
    hash ^= static_cast<unsigned char>(byte);
    hash *= 1099511628211ull;
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
  return hex;
}

}  // namespace tinygpt::course
