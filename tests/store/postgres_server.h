#pragma once
// A real PostgreSQL for tests: started once per test process (lazily, by the
// first test that needs it) with scripts/start-postgres.sh, stopped at exit.
// Each test gets a fresh database on it.  Tests skip only when the
// postgresql binaries are not installed at all.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <glob.h>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include "support/test_support.h"

namespace tw::test {

inline bool postgres_installed() {
  glob_t found{};
  bool any = ::glob("/usr/lib/postgresql/*/bin/pg_ctl", 0, nullptr, &found) == 0;
  ::globfree(&found);
  return any || std::system("command -v pg_ctl >/dev/null 2>&1") == 0;
}

// Runs a shell command, returns its first line of output ("" on failure).
inline std::string first_line_of(const std::string& command) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), &::pclose);
  if (!pipe) return "";
  char buf[512] = {};
  std::string line = std::fgets(buf, sizeof buf, pipe.get()) ? buf : "";
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  return line;
}

class PostgresServer {
 public:
  // The server of this test process, started on first use; nullptr (and a
  // recorded failure) when it cannot start.
  static PostgresServer* get() {
    static std::unique_ptr<PostgresServer> server = [] {
      auto s = std::make_unique<PostgresServer>();
      return s->url_.empty() ? nullptr : std::move(s);
    }();
    return server.get();
  }

  PostgresServer() {
    dir_ = fresh_dir("postgres");
    std::string script = (source_dir() / "scripts" / "start-postgres.sh").string();
    url_ = first_line_of("timeout 120 '" + script + "' '" + dir_.string() + "' 2>&1");
    if (url_.rfind("postgresql://", 0) != 0) {
      ADD_FAILURE() << "start-postgres.sh failed: " << url_;
      url_.clear();
    }
  }
  ~PostgresServer() { script("--stop"); }

  const std::string& url() const { return url_; }  // the admin database

  // A new, empty database; returns its URL.
  std::string fresh_database() {
    static std::atomic<int> counter{0};
    std::string name = "tw_" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
    execute("CREATE DATABASE " + name);
    return url_.substr(0, url_.rfind('/') + 1) + name;
  }

  // Runs one statement against `url` (default: the admin database).
  void execute(const std::string& sql, const std::string& url = "") const {
    PGconn* conn = PQconnectdb((url.empty() ? url_ : url).c_str());
    PGresult* r = PQexec(conn, sql.c_str());
    ExecStatusType status = PQresultStatus(r);
    std::string error = PQerrorMessage(conn);
    PQclear(r);
    PQfinish(conn);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
      throw std::runtime_error(sql + ": " + error);
  }

  // The first column of the first row, as text.
  std::string query(const std::string& sql, const std::string& url = "") const {
    PGconn* conn = PQconnectdb((url.empty() ? url_ : url).c_str());
    PGresult* r = PQexec(conn, sql.c_str());
    std::string value;
    bool ok = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0;
    if (ok) value = PQgetvalue(r, 0, 0);
    std::string error = PQerrorMessage(conn);
    PQclear(r);
    PQfinish(conn);
    if (!ok) throw std::runtime_error(sql + ": " + error);
    return value;
  }
  long long query_integer(const std::string& sql, const std::string& url = "") const {
    return std::stoll(query(sql, url));
  }

  // Ends every trendwatch session (application_name) on the server, waiting
  // up to 10 s for each backend to exit so that its locks are gone too.
  int terminate_trendwatch_sessions() const {
    return static_cast<int>(
        query_integer("SELECT count(pg_terminate_backend(pid, 10000)) FROM pg_stat_activity "
                      "WHERE application_name = 'trendwatch' AND pid <> pg_backend_pid()"));
  }

  // Stops the server (data kept) / starts it again on the same port.
  bool pause() { return script("--pause"); }
  bool resume() { return script("--resume"); }

 private:
  bool script(const std::string& verb) {
    if (dir_.empty()) return false;
    std::string cmd = "timeout 90 '" + (source_dir() / "scripts" / "start-postgres.sh").string() +
                      "' " + verb + " '" + dir_.string() + "' >/dev/null 2>&1";
    return std::system(cmd.c_str()) == 0;
  }

  std::filesystem::path dir_;
  std::string url_;
};

// In a test body: a fresh database URL, or skip when PostgreSQL is absent.
#define TW_POSTGRES_DATABASE_OR_SKIP(url_var)                                 \
  if (!::tw::test::postgres_installed()) GTEST_SKIP() << "postgresql absent"; \
  auto* tw_pg_server = ::tw::test::PostgresServer::get();                     \
  ASSERT_NE(tw_pg_server, nullptr);                                           \
  std::string url_var = tw_pg_server->fresh_database()

}  // namespace tw::test
