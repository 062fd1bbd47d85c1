#include "process.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "require.h"
#include "tinygpt/core/check.h"

extern char** environ;

namespace tinygpt::course {
namespace {

/// Closes a file descriptor when it goes out of scope, so no error path leaks one.
class Descriptor {
 public:
  explicit Descriptor(int fd = -1) : fd_(fd) {}
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  ~Descriptor() { reset(); }
  int get() const { return fd_; }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_;
};

/// A pipe whose ends are closed on exec: the child sees only the ends dup2'ed onto 1 and 2.
struct Pipe {
  Descriptor read;
  Descriptor write;
};

void open_pipe(Pipe& pipe) {
  int fds[2];
  TINYGPT_CHECK(::pipe2(fds, O_CLOEXEC) == 0, "cannot create a pipe: ", std::strerror(errno));
  pipe.read.reset(fds[0]);
  pipe.write.reset(fds[1]);
}

}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv, const RunOptions& options) {
  TINYGPT_CHECK(!argv.empty(), "run_process: no program given");
  Pipe out_pipe, err_pipe;
  open_pipe(out_pipe);
  if (!options.merge_errors) open_pipe(err_pipe);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe.write.get(), 1);
  posix_spawn_file_actions_adddup2(
      &actions, options.merge_errors ? out_pipe.write.get() : err_pipe.write.get(), 2);
  if (!options.working_dir.empty()) {
    posix_spawn_file_actions_addchdir_np(&actions, options.working_dir.c_str());
  }
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  pid_t pid = 0;
  const int spawned =
      ::posix_spawnp(&pid, argv[0].c_str(), &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  require(spawned == 0, "cannot run '", argv[0], "'",
          options.working_dir.empty() ? "" : " in " + options.working_dir.string(), ": ",
          std::strerror(spawned), spawned == ENOENT ? " (is it installed and on PATH?)" : "");
  // Only the child may hold the write ends, or the reads below would never see the end.
  out_pipe.write.reset();
  err_pipe.write.reset();

  // Both pipes are drained together: a program that fills one while we wait on the other
  // would block forever.
  ProcessResult result;
  std::array<pollfd, 2> polled{pollfd{out_pipe.read.get(), POLLIN, 0},
                               pollfd{err_pipe.read.get(), POLLIN, 0}};
  std::array<std::string*, 2> sinks{&result.output, &result.errors};
  const nfds_t count = options.merge_errors ? 1 : 2;
  char buffer[65536];
  for (std::size_t open = count; open > 0;) {
    if (::poll(polled.data(), count, -1) < 0) {
      TINYGPT_CHECK(errno == EINTR, "waiting for '", argv[0], "': ", std::strerror(errno));
      continue;
    }
    for (std::size_t i = 0; i < count; ++i) {
      if (polled[i].fd < 0 || polled[i].revents == 0) continue;
      const ssize_t n = ::read(polled[i].fd, buffer, sizeof buffer);
      if (n > 0) {
        sinks[i]->append(buffer, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        polled[i].fd = -1;  // poll ignores negative descriptors
        --open;
      }
    }
  }

  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    TINYGPT_CHECK(errno == EINTR, "waiting for '", argv[0], "': ", std::strerror(errno));
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

std::string last_lines(std::string_view text, std::size_t count) {
  if (count == 0) return {};
  std::size_t start = text.size();
  if (start > 0 && text[start - 1] == '\n') --start;  // the final newline ends the last line
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t newline = start == 0 ? std::string_view::npos : text.rfind('\n', start - 1);
    if (newline == std::string_view::npos) return std::string(text);
    start = newline;
  }
  return std::string(text.substr(start + 1));
}

}  // namespace tinygpt::course
