#pragma once
// Another process holding a SQLite file's write lock, for fault injection:
// python3's sqlite3 module runs BEGIN EXCLUSIVE (and optional SQL), holds
// the lock for a while and commits.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "support/test_support.h"

namespace tw::test {

class SqliteLocker {
 public:
  // Returns once the lock is held (holding() false if that never happened
  // within 30 s).  `sql` runs inside the locked transaction.
  SqliteLocker(const std::filesystem::path& db, double seconds, const std::string& sql = "") {
    log_ = fresh_dir("sqlite-locker") / "locker.log";
    pid_ = ::fork();
    if (pid_ == 0) {
      int fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      const std::string script =
          "import sqlite3, sys, time\n"
          "c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)\n"
          "c.execute('BEGIN EXCLUSIVE')\n"
          "if sys.argv[3]: c.execute(sys.argv[3])\n"
          "print('locked', flush=True)\n"
          "time.sleep(float(sys.argv[2]))\n"
          "c.execute('COMMIT')\n"
          "print('committed', flush=True)\n";
      std::string db_text = db.string(), seconds_text = std::to_string(seconds);
      ::execlp("python3", "python3", "-c", script.c_str(), db_text.c_str(), seconds_text.c_str(),
               sql.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    for (int i = 0; i < 600 && !holding(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  SqliteLocker(const SqliteLocker&) = delete;
  SqliteLocker& operator=(const SqliteLocker&) = delete;
  ~SqliteLocker() {
    if (pid_ > 0 && !finished_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }

  bool holding() const { return read_file(log_).find("locked") != std::string::npos; }
  // Waits for the commit; true when python committed and exited 0.
  bool finish() {
    int status = 0;
    ::waitpid(pid_, &status, 0);
    finished_ = true;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
           read_file(log_).find("committed") != std::string::npos;
  }
  std::string log() const { return read_file(log_); }

 private:
  pid_t pid_ = -1;
  std::filesystem::path log_;
  bool finished_ = false;
};

}  // namespace tw::test
