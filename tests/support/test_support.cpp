#include "support/test_support.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace fs = std::filesystem;

namespace tw::test {

fs::path source_dir() {
  return TW_SOURCE_DIR;
}
fs::path cache_dir() {
  return TW_CACHE_DIR;
}
fs::path testdata_dir() {
  return cache_dir() / "testdata";
}

fs::path flag_png(const std::string& code) {
  return testdata_dir() / "usr/share/iso-flags-png-320x240" / (code + ".png");
}
fs::path face_api_dir() {
  return cache_dir() / "face-api" / "package";
}
fs::path trendwatch_exe() {
  return TW_TRENDWATCH_EXE;
}
fs::path home_dir() {
  if (const char* h = std::getenv("TRENDWATCH_HOME")) return h;
  return fs::path(TW_BINARY_DIR) / "test-home";
}

fs::path fresh_dir(const std::string& hint) {
  static std::atomic<int> counter{0};
  fs::path dir = fs::path(TW_BINARY_DIR) / "test-tmp" /
                 (hint + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

void write_file(const fs::path& path, const std::string& bytes) {
  if (path.has_parent_path()) fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

std::vector<nlohmann::json> json_lines(const std::string& text) {
  std::vector<nlohmann::json> objects;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) objects.push_back(nlohmann::json::parse(line));
  return objects;
}

RunResult run_program(const std::vector<std::string>& argv,
                      const std::vector<std::string>& extra_env, int timeout_s) {
  fs::path dir = fresh_dir("run");
  fs::path out_path = dir / "stdout", err_path = dir / "stderr";
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int in = ::open("/dev/null", O_RDONLY);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(err, 2);
    for (const auto& kv : extra_env) ::putenv(const_cast<char*>(kv.c_str()));
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  RunResult r;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  int status = 0;
  while (true) {
    pid_t w = ::waitpid(pid, &status, WNOHANG);
    if (w == pid) break;
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      r.exit_code = -2;  // timed out
      r.out = read_file(out_path);
      r.err = read_file(err_path) + "\n[test] timed out after " + std::to_string(timeout_s) + " s";
      return r;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = read_file(out_path);
  r.err = read_file(err_path);
  return r;
}

RunResult run_trendwatch(const std::vector<std::string>& args,
                         const std::vector<std::string>& extra_env, int timeout_s) {
  std::vector<std::string> argv{trendwatch_exe().string()};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_program(argv, extra_env, timeout_s);
}

}  // namespace tw::test
