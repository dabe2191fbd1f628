#include "sources/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <optional>
#include <system_error>

#include "core/config.h"

extern char** environ;

namespace tw::sources {

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kMaxStderr = 64 * 1024;

class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  int get() const { return fd_; }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_;
};

void make_pipe(Fd& read_end, Fd& write_end) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::system_error(errno, std::generic_category(), "pipe");
  read_end.reset(fds[0]);
  write_end.reset(fds[1]);
}

// Reads what is available, at most `at_most` bytes; false at end of file.
bool drain(int fd, std::string& into, std::size_t keep_last, std::size_t at_most = 65536) {
  char buffer[65536];
  ssize_t n = ::read(fd, buffer, std::min(sizeof buffer, std::max<std::size_t>(at_most, 1)));
  if (n < 0) return errno == EINTR || errno == EAGAIN;
  if (n == 0) return false;
  into.append(buffer, static_cast<std::size_t>(n));
  if (keep_last && into.size() > 2 * keep_last) into.erase(0, into.size() - keep_last);
  return true;
}

// "64 MiB", "1 KiB", "100 bytes": a limit as a person writes it.
std::string size_text(std::size_t bytes) {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0)
    return std::to_string(bytes / (1024 * 1024)) + " MiB";
  if (bytes >= 1024 && bytes % 1024 == 0) return std::to_string(bytes / 1024) + " KiB";
  return std::to_string(bytes) + " bytes";
}

}  // namespace

std::string ProcessResult::describe(std::chrono::milliseconds timeout) const {
  if (timed_out) return "timed out after " + format_duration(timeout) + " and was killed";
  if (output_too_large)
    return "printed more than " + size_text(output_limit) +
           " on standard output (its limit) and was killed";
  if (cancelled) return "was cancelled";
  if (signal) return "was killed by signal " + std::to_string(signal);
  return "exited with status " + std::to_string(exit_code);
}

std::string ProcessResult::last_error_line() const {
  std::string last, last_error;
  size_t start = 0;
  while (start < err.size()) {
    size_t end = err.find('\n', start);
    if (end == std::string::npos) end = err.size();
    std::string line = err.substr(start, end - start);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty()) {
      last = line;
      if (line.rfind("ERROR", 0) == 0) last_error = line;
    }
    start = end + 1;
  }
  return last_error.empty() ? last : last_error;
}

ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options) {
  if (argv.empty() || argv.front().empty())
    throw std::system_error(std::make_error_code(std::errc::invalid_argument), "empty command");
  Fd out_read, out_write, err_read, err_write;
  make_pipe(out_read, out_write);
  make_pipe(err_read, err_write);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_write.get(), 1);
  posix_spawn_file_actions_adddup2(&actions, err_write.get(), 2);
  if (!options.working_dir.empty())
    posix_spawn_file_actions_addchdir_np(&actions, options.working_dir.c_str());
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Its own process group, so a timeout kills what it started too; default
  // signal handling and an empty mask whatever the caller's threads block.
  sigset_t no_signals, default_signals;
  sigemptyset(&no_signals);
  sigemptyset(&default_signals);
  for (int s : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGCHLD}) sigaddset(&default_signals, s);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setsigmask(&attr, &no_signals);
  posix_spawnattr_setsigdefault(&attr, &default_signals);

  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  int rc = ::posix_spawnp(&pid, args[0], &actions, &attr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) throw std::system_error(rc, std::generic_category(), "cannot run " + argv[0]);
  out_write.reset();
  err_write.reset();

  ProcessResult result;
  result.output_limit = options.max_output;
  const auto deadline = Clock::now() + options.timeout;
  bool out_open = true, err_open = true, exited = false;
  int status = 0;
  std::optional<Clock::time_point> exited_at;
  auto kill_group = [&] { ::kill(-pid, SIGKILL); };

  while (true) {
    if (!exited) {
      pid_t w = ::waitpid(pid, &status, WNOHANG);
      if (w == pid) {
        exited = true;
        exited_at = Clock::now();
      }
    }
    if (exited && !out_open && !err_open) break;
    auto now = Clock::now();
    if (now >= deadline) {
      result.timed_out = true;
      break;
    }
    if (sources::cancelled(options.cancel) && !exited) {
      result.cancelled = true;
      break;
    }
    // A child that exited but left a background process holding the pipes:
    // read what is there briefly, then stop waiting for it.
    if (exited && now - *exited_at > std::chrono::milliseconds(500)) break;
    pollfd fds[2];
    int n = 0;
    if (out_open) fds[n++] = {out_read.get(), POLLIN, 0};
    if (err_open) fds[n++] = {err_read.get(), POLLIN, 0};
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count();
    int wait_ms = static_cast<int>(std::min<long long>(left, 50));
    if (n == 0) {
      ::usleep(static_cast<useconds_t>(std::min(wait_ms, 20)) * 1000);
      continue;
    }
    if (::poll(fds, static_cast<nfds_t>(n), std::max(wait_ms, 1)) < 0 && errno != EINTR) break;
    for (int i = 0; i < n; ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      if (fds[i].fd == out_read.get()) {
        // Never more than one byte past the limit: a program that prints
        // without end costs the limit in memory, not what it printed.
        out_open = drain(out_read.get(), result.out, 0, options.max_output + 1 - result.out.size());
        if (result.out.size() > options.max_output) {
          result.output_too_large = true;
          out_open = false;
        }
      } else {
        err_open = drain(err_read.get(), result.err, kMaxStderr);
      }
    }
    if (result.output_too_large) break;
  }
  // Whatever is left of the group: the child on timeout, or a background
  // process still holding its pipes.
  if (!exited || out_open || err_open) kill_group();
  if (!exited) ::waitpid(pid, &status, 0);
  if (result.err.size() > kMaxStderr) result.err.erase(0, result.err.size() - kMaxStderr);
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  if (result.timed_out || result.output_too_large || result.cancelled)
    result.signal = result.signal ? result.signal : SIGKILL;
  return result;
}

}  // namespace tw::sources
