// The PostgreSQL back end: a Connection over libpq.  What is PostgreSQL's
// own: connecting (and reconnecting, bounded, when the session is lost),
// typed `$n` parameters, retrying a transaction that a lost connection cut
// short, and the advisory locks that let several processes share a database
// (one migrates at a time; one polls the sources).
#include "store/postgres_store.h"

#include "core/errors.h"
#include "core/redact.h"  // redact_url: the password never reaches a message

#if __has_include(<libpq-fe.h>)
#define TW_HAVE_LIBPQ 1
#include <libpq-fe.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstring>
#include <thread>

#include "store/connection.h"
#include "store/sql_store.h"
#endif

namespace tw::store {

#ifndef TW_HAVE_LIBPQ

bool postgres_available() {
  return false;
}

std::unique_ptr<Store> open_postgres_store(const std::string& url, const StoreOptions&) {
  throw InputError(redact_url(url), "this trendwatch was built without libpq (PostgreSQL)");
}

#else

namespace {

// The connection broke: nothing of the current transaction was committed
// unless the loss happened during COMMIT itself.
class ConnectionLost : public StoreError {
 public:
  using StoreError::StoreError;
};

// Advisory lock keys ("tw" + purpose), the same in every process.
constexpr std::int64_t kMigrationLockKey = 0x7477'0001;
constexpr std::int64_t kSchedulerLockKey = 0x7477'0002;

// How long a lost connection is tried again before a call fails.
constexpr std::chrono::seconds kReconnectPatience{10};

// Parameter types, so that the server need not guess them from context
// (a NULL is left for the server to type).
constexpr Oid kInt8 = 20, kFloat8 = 701, kText = 25;

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

class PostgresConnection final : public Connection {
 public:
  explicit PostgresConnection(std::string url) : url_(std::move(url)) {
    // Defaults first: anything the URL says wins (expand_dbname).
    const char* keys[] = {"connect_timeout", "application_name", "dbname", nullptr};
    const char* values[] = {"5", "trendwatch", url_.c_str(), nullptr};
    conn_.reset(PQconnectdbParams(keys, values, 1));
    if (!conn_) throw InputError(redact_url(url_), "out of memory connecting to PostgreSQL");
    if (PQstatus(conn_.get()) != CONNECTION_OK) {
      throw InputError(redact_url(url_), "cannot connect to PostgreSQL: " + message());
    }
    quiet_notices();
  }

  const Dialect& dialect() const override { return kPostgresDialect; }
  std::string name() const override { return redact_url(url_); }

  Result run(const std::string& sql, const SqlValues& parameters) override {
    std::vector<std::string> texts(parameters.size());
    std::vector<const char*> pointers(parameters.size(), nullptr);
    std::vector<Oid> types(parameters.size(), 0);
    for (size_t i = 0; i < parameters.size(); ++i) {
      const SqlValue& p = parameters[i];
      if (const auto* n = std::get_if<std::int64_t>(&p)) {
        texts[i] = std::to_string(*n);
        types[i] = kInt8;
      } else if (const auto* d = std::get_if<double>(&p)) {
        char buf[64];
        auto [end, ec] = std::to_chars(buf, buf + sizeof buf, *d);  // shortest exact form
        texts[i].assign(buf, end);
        types[i] = kFloat8;
      } else if (const auto* s = std::get_if<std::string>(&p)) {
        texts[i] = *s;
        types[i] = kText;
      } else {
        continue;  // NULL
      }
      pointers[i] = texts[i].c_str();
    }
    Owned r = check(PQexecParams(conn_.get(), sql.c_str(), static_cast<int>(parameters.size()),
                                 types.data(), pointers.data(), nullptr, nullptr, 0));
    Result result;
    int rows = PQntuples(r.get()), columns = PQnfields(r.get());
    result.rows.reserve(static_cast<size_t>(rows));
    for (int row = 0; row < rows; ++row) {
      std::vector<SqlValue> cells;
      cells.reserve(static_cast<size_t>(columns));
      for (int c = 0; c < columns; ++c) {
        if (PQgetisnull(r.get(), row, c)) {
          cells.emplace_back(nullptr);
        } else {
          cells.emplace_back(std::string(PQgetvalue(r.get(), row, c),
                                         static_cast<size_t>(PQgetlength(r.get(), row, c))));
        }
      }
      result.rows.emplace_back(std::move(cells));
    }
    const char* affected = PQcmdTuples(r.get());
    if (affected && *affected)
      std::from_chars(affected, affected + strlen(affected), result.affected);
    return result;
  }

  void script(const std::string& sql) override { check(PQexec(conn_.get(), sql.c_str())); }

  // A connection found broken is reset first; one lost before COMMIT was
  // sent committed nothing, so the whole body is run once more on a fresh
  // connection.  A loss during COMMIT is ambiguous and is reported
  // (StoreError) rather than guessed.
  void transaction(Access, const std::function<void()>& body) override {
    for (int attempt = 0;; ++attempt) {
      bool connected = false, committing = false;
      try {
        ensure_connected();  // already retried a few times when it throws
        connected = true;
        script("BEGIN");
        body();
        committing = true;
        script("COMMIT");
        return;
      } catch (const ConnectionLost&) {
        if (!connected || committing || attempt >= 1) throw;
      } catch (...) {
        rollback_quietly();
        throw;
      }
    }
  }

  // A transaction-level lock: processes starting together migrate one after
  // the other.
  void lock_schema() override {
    run("SELECT pg_advisory_xact_lock($1)", values(kMigrationLockKey));
  }

  // A session lock, released when the connection ends: with several `watch`
  // processes on one database, one polls and the others stand by until it
  // goes.  Held per session, so a reconnect must take it again.
  bool hold_scheduler_lock() override {
    if (scheduler_generation_ == generation_) return true;
    Result lock = run("SELECT pg_try_advisory_lock($1)", values(kSchedulerLockKey));
    if (lock.rows.at(0).text(0) != "t") return false;
    scheduler_generation_ = generation_;
    return true;
  }

 private:
  using Owned = std::unique_ptr<PGresult, decltype(&PQclear)>;

  Owned check(PGresult* raw) {
    Owned r(raw, &PQclear);
    ExecStatusType status = raw ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
    if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return r;
    std::string error = trimmed(raw ? PQresultErrorMessage(raw) : message());
    if (PQstatus(conn_.get()) != CONNECTION_OK) throw ConnectionLost("PostgreSQL: " + error);
    throw StoreError("PostgreSQL: " + error);
  }

  // Resets a broken connection, trying again for up to kReconnectPatience
  // (each try bounded by connect_timeout): a server restart takes seconds,
  // and riding it out here spares every caller a failed call.  A longer
  // outage is the callers' to retry on their own schedule.
  void ensure_connected() {
    if (PQstatus(conn_.get()) == CONNECTION_OK) return;
    const auto give_up_at = std::chrono::steady_clock::now() + kReconnectPatience;
    for (int attempt = 0; attempt == 0 || std::chrono::steady_clock::now() < give_up_at;
         ++attempt) {
      if (attempt)
        std::this_thread::sleep_for(std::chrono::milliseconds(std::min(250 * attempt, 1000)));
      PQreset(conn_.get());
      if (PQstatus(conn_.get()) == CONNECTION_OK) {
        ++generation_;  // a new session: its session locks are gone
        quiet_notices();
        return;
      }
    }
    throw ConnectionLost("lost the connection to PostgreSQL " + redact_url(url_) + ": " +
                         message());
  }

  void rollback_quietly() {
    try {
      if (PQtransactionStatus(conn_.get()) != PQTRANS_IDLE) script("ROLLBACK");
    } catch (const StoreError&) {
      // A broken connection has no transaction left to roll back.
    }
  }

  std::string message() const { return trimmed(conn_ ? PQerrorMessage(conn_.get()) : ""); }
  void quiet_notices() {
    PQsetNoticeProcessor(
        conn_.get(), [](void*, const char*) {}, nullptr);
  }

  std::string url_;
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn_{nullptr, &PQfinish};
  int generation_ = 0;             // increments every time the session is replaced
  int scheduler_generation_ = -1;  // the generation that holds the scheduler lock
};

}  // namespace

bool postgres_available() {
  return true;
}

std::unique_ptr<Store> open_postgres_store(const std::string& url, const StoreOptions& options) {
  try {
    return std::make_unique<SqlStore>(std::make_unique<PostgresConnection>(url), options);
  } catch (const StoreError& e) {
    throw InputError(redact_url(url), e.what());
  }
}

#endif

}  // namespace tw::store
