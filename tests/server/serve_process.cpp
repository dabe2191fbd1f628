#include "server/serve_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "support/test_support.h"

namespace fs = std::filesystem;

namespace tw::test {

namespace {}  // namespace

ServeProcess::ServeProcess(const std::vector<std::string>& args,
                           const std::vector<std::string>& extra_env, int timeout_s) {
  const fs::path dir = fresh_dir("serve");
  out_ = dir / "stdout";
  err_ = dir / "stderr";
  std::vector<std::string> argv{trendwatch_exe().string(), "serve"};
  argv.insert(argv.end(), args.begin(), args.end());
  // posix_spawn: the child only gets its files and environment, then execs.
  std::vector<std::string> env_text(extra_env);
  for (char** e = environ; *e; ++e) env_text.emplace_back(*e);  // extra_env wins (first)
  std::vector<char*> env_ptrs, arg_ptrs;
  for (auto& e : env_text) env_ptrs.push_back(e.data());
  env_ptrs.push_back(nullptr);
  for (auto& a : argv) arg_ptrs.push_back(a.data());
  arg_ptrs.push_back(nullptr);
  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  posix_spawn_file_actions_addopen(&files, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&files, 1, out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&files, 2, err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const int failed =
      ::posix_spawn(&pid_, arg_ptrs[0], &files, nullptr, arg_ptrs.data(), env_ptrs.data());
  posix_spawn_file_actions_destroy(&files);
  if (failed) {
    pid_ = -1;
    throw std::runtime_error("cannot start " + argv[0]);
  }
  const std::regex printed(R"(http://(\[[^\]]+\]|[^/:\s]+):(\d+)/)");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  while (std::chrono::steady_clock::now() < deadline) {
    std::smatch match;
    const std::string text = read_file(out_);
    if (std::regex_search(text, match, printed)) {
      url_ = match[0];
      port_ = std::stoi(match[2]);
      return;
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      pid_ = -1;
      throw std::runtime_error("trendwatch serve exited with " + std::to_string(exit_code_) +
                               " before listening:\n" + output());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  stop(5);
  throw std::runtime_error("trendwatch serve printed no URL within " + std::to_string(timeout_s) +
                           " s:\n" + output());
}

ServeProcess::~ServeProcess() {
  stop(5);
}

std::string ServeProcess::loopback_url() const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/";
}

int ServeProcess::signal_and_wait(int signal, int timeout_s) {
  if (pid_ < 0) return exit_code_;
  ::kill(pid_, signal);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  int status = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      pid_ = -1;
      return exit_code_;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  exit_code_ = -2;
  return exit_code_;
}

std::string ServeProcess::output() const {
  return read_file(out_) + read_file(err_);
}

}  // namespace tw::test
