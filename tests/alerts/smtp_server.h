#pragma once
// A real SMTP server for the e-mail tests: Debian's python3-aiosmtpd, started
// on 127.0.0.1 and writing what it receives to a Maildir, read back with
// Python's email package (read_maildir.py).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include "alerts/alert_test_support.h"
#include "support/test_support.h"

namespace tw::alerts {
namespace {

using namespace std::chrono_literals;

const char* kPython = "/usr/bin/python3";  // Debian's, which has aiosmtpd

bool accepts_connections(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return ok;
}

class SmtpServer {
 public:
  SmtpServer(const std::filesystem::path& maildir) : port_(testing::free_port()) {
    std::string listen = "127.0.0.1:" + std::to_string(port_);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::execl(kPython, kPython, "-m", "aiosmtpd", "-n", "-l", listen.c_str(), "-c",
              "aiosmtpd.handlers.Mailbox", maildir.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (!accepts_connections(port_)) {
      if (std::chrono::steady_clock::now() > deadline)
        throw std::runtime_error("aiosmtpd did not start");
      std::this_thread::sleep_for(50ms);
    }
  }
  ~SmtpServer() {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }

 private:
  int port_;
  pid_t pid_ = -1;
};

nlohmann::json read_maildir(const std::filesystem::path& maildir) {
  auto script = tw::test::source_dir() / "tests" / "alerts" / "read_maildir.py";
  auto result = tw::test::run_program({kPython, script.string(), maildir.string()}, {}, 60);
  if (result.exit_code != 0) throw std::runtime_error("read_maildir.py: " + result.err);
  return nlohmann::json::parse(result.out);
}

}  // namespace
}  // namespace tw::alerts
