#pragma once
// `trendwatch serve` as a child process for tests: started with argv (no
// shell), its address read from what it prints, stopped with SIGTERM.
// Every wait is bounded.
#include <signal.h>
#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace tw::test {

class ServeProcess {
 public:
  // Starts `trendwatch serve ARGS...` and waits up to timeout_s for the line
  // naming its URL; throws (with the output so far) if it does not come.
  explicit ServeProcess(const std::vector<std::string>& args,
                        const std::vector<std::string>& extra_env = {}, int timeout_s = 30);
  ~ServeProcess();
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;

  int port() const { return port_; }
  // The printed URL with the host replaced by 127.0.0.1 (a 0.0.0.0 listener
  // is reached over loopback only).
  std::string loopback_url() const;
  const std::string& printed_url() const { return url_; }

  // SIGTERM; waits up to timeout_s; the exit code, or -2 if it had to be killed.
  int stop(int timeout_s = 10) { return signal_and_wait(SIGTERM, timeout_s); }
  int signal_and_wait(int signal, int timeout_s = 10);
  std::string output() const;  // stdout then stderr so far

 private:
  pid_t pid_ = -1;
  int exit_code_ = -1;
  std::filesystem::path out_, err_;
  std::string url_;
  int port_ = 0;
};

}  // namespace tw::test
