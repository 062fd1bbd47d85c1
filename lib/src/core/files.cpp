#include "tinygpt/core/files.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "tinygpt/core/check.h"

namespace tinygpt {

namespace fs = std::filesystem;

std::string read_file(const fs::path& path) {
  TINYGPT_CHECK(fs::is_regular_file(path), "no file ", path);
  std::ifstream in(path, std::ios::binary);
  TINYGPT_CHECK(in.is_open(), "cannot read ", path, " (check its permissions)");
  std::ostringstream content;
  content << in.rdbuf();
  TINYGPT_CHECK(!in.bad(), "error while reading ", path);
  return std::move(content).str();
}

void write_file_atomically(const fs::path& path, std::string_view content) {
  const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
  fs::create_directories(dir);
  std::string temp = (dir / detail::concat(".", path.filename().string(), ".tmp-XXXXXX")).string();
  const int fd = mkstemp(temp.data());
  TINYGPT_CHECK(fd >= 0, "cannot create a temporary file next to ", path.string(), ": ",
                std::strerror(errno));

  // mkstemp makes the file private (0600); a replaced file keeps its usual mode.
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

std::uint64_t fnv1a_64(std::string_view bytes) {
  std::uint64_t hash = 14695981039346656037ull;  // the FNV-1a 64-bit offset basis
  for (const char byte : bytes) {
    hash ^= static_cast<unsigned char>(byte);
    hash *= 1099511628211ull;  // the FNV 64-bit prime
  }
  return hash;
}

}  // namespace tinygpt
