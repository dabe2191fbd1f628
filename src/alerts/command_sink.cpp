// The command sink runs the configured argv directly (posix_spawnp, which
// forks and execs; never a shell) in its own process group, writes the alert
// JSON to its standard input and waits, killing the group at the timeout.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "alerts/sink_factories.h"

extern char** environ;

namespace tw::alerts {
namespace {

using Clock = std::chrono::steady_clock;

struct Fd {
  int fd = -1;
  ~Fd() { reset(); }
  void reset() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exit status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("killed by signal ") + strsignal(WTERMSIG(status));
  return "status " + std::to_string(status);
}

class CommandSink final : public Sink {
 public:
  CommandSink(const std::string& name, std::vector<std::string> argv,
              std::chrono::milliseconds timeout)
      : Sink(name), argv_(std::move(argv)), timeout_(timeout) {}

  void send(const Alert& alert) override {
    // stdin is a socket so that a child that never reads gives EPIPE to
    // send(MSG_NOSIGNAL) instead of SIGPIPE to this process.
    int input[2], output[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, input) != 0) {
      throw DeliveryError(std::string("socketpair: ") + std::strerror(errno));
    }
    Fd to_child{input[0]}, child_in{input[1]};
    if (::pipe2(output, O_CLOEXEC) != 0) {
      throw DeliveryError(std::string("pipe: ") + std::strerror(errno));
    }
    Fd from_child{output[0]}, child_out{output[1]};

    pid_t pid = spawn(child_in.fd, child_out.fd);
    child_in.reset();
    child_out.reset();
    ::fcntl(to_child.fd, F_SETFL, O_NONBLOCK);
    ::fcntl(from_child.fd, F_SETFL, O_NONBLOCK);

    const auto deadline = Clock::now() + timeout_;
    size_t written = 0;
    std::string tail;  // the last bytes the command printed, for the error
    int status = 0;
    bool exited = false;
    auto exit_seen_at = Clock::time_point::max();
    while (true) {
      if (!exited && ::waitpid(pid, &status, WNOHANG) == pid) {
        exited = true;
        exit_seen_at = Clock::now();
      }
      // Done when the command exited and its output is closed (or, if a
      // background child keeps the pipe open, shortly after the exit).
      if (exited &&
          (from_child.fd < 0 || Clock::now() - exit_seen_at > std::chrono::milliseconds(200))) {
        break;
      }
      if (Clock::now() >= deadline) {
        ::kill(-pid, SIGKILL);
        if (!exited) ::waitpid(pid, &status, 0);
        throw DeliveryError(argv_[0] + ": timed out after " + std::to_string(timeout_.count()) +
                            " ms" + last_words(tail));
      }
      pollfd fds[2];
      nfds_t n = 0;
      if (to_child.fd >= 0) fds[n++] = {to_child.fd, POLLOUT, 0};
      if (from_child.fd >= 0) fds[n++] = {from_child.fd, POLLIN, 0};
      ::poll(fds, n, 20);
      if (to_child.fd >= 0) write_some(alert.json, written, to_child);
      if (from_child.fd >= 0) read_some(tail, from_child);
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      throw DeliveryError(argv_[0] + ": " + describe_status(status) + last_words(tail));
    }
  }

 private:
  pid_t spawn(int stdin_fd, int stdout_fd) {
    std::vector<char*> argv;
    for (const auto& arg : argv_) argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, stdin_fd, 0);
    posix_spawn_file_actions_adddup2(&actions, stdout_fd, 1);
    posix_spawn_file_actions_adddup2(&actions, stdout_fd, 2);
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    sigset_t no_signals, all_signals;
    sigemptyset(&no_signals);
    sigfillset(&all_signals);
    posix_spawnattr_setflags(
        &attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    posix_spawnattr_setpgroup(&attributes, 0);  // its own group: the timeout kills all of it
    posix_spawnattr_setsigmask(&attributes, &no_signals);
    posix_spawnattr_setsigdefault(&attributes, &all_signals);
    pid_t pid = 0;
    int rc = posix_spawnp(&pid, argv[0], &actions, &attributes, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    if (rc != 0) throw DeliveryError(argv_[0] + ": cannot run: " + std::strerror(rc));
    return pid;
  }

  static void write_some(const std::string& data, size_t& written, Fd& fd) {
    while (written < data.size()) {
      ssize_t n =
          ::send(fd.fd, data.data() + written, data.size() - written, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        written += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
      break;  // the command closed its input: it chose not to read it all
    }
    ::shutdown(fd.fd, SHUT_WR);  // end of input
    fd.reset();
  }

  static void read_some(std::string& tail, Fd& fd) {
    char buffer[4096];
    while (true) {
      ssize_t n = ::read(fd.fd, buffer, sizeof buffer);
      if (n > 0) {
        tail.append(buffer, static_cast<size_t>(n));
        if (tail.size() > 2000) tail.erase(0, tail.size() - 1000);
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
      fd.reset();  // end of output
      return;
    }
  }

  static std::string last_words(const std::string& output) {
    std::string text = output.size() > 300 ? output.substr(output.size() - 300) : output;
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    for (char& c : text) {
      if (c == '\n' || c == '\r') c = ' ';
    }
    return text.empty() ? "" : ": " + text;
  }

  std::vector<std::string> argv_;
  std::chrono::milliseconds timeout_;
};

}  // namespace

std::unique_ptr<Sink> make_command_sink(const std::string& name,
                                        const std::vector<std::string>& argv,
                                        std::chrono::milliseconds timeout) {
  return std::make_unique<CommandSink>(name, argv, timeout);
}

}  // namespace tw::alerts
