// The SQLite back end: a Connection over the sqlite3 C API.  What is
// SQLite's own: opening the file (WAL, busy_timeout, foreign keys),
// statements with `?` parameters, and BEGIN IMMEDIATE for writes.  One file
// holds one writer at a time, so the schema and scheduler locks are free.
#include "store/sqlite_store.h"

#include <sqlite3.h>

#include <chrono>
#include <memory>
#include <thread>

#include "core/errors.h"
#include "store/connection.h"
#include "store/schema.h"
#include "store/sql_store.h"

namespace tw::store {
namespace {

// Another connection held the lock for longer than busy_timeout.
class DatabaseBusy : public StoreError {
 public:
  using StoreError::StoreError;
};

bool is_busy(int rc) {
  return (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED;
}

class SqliteConnection final : public Connection {
 public:
  SqliteConnection(const std::filesystem::path& path, std::chrono::milliseconds busy_timeout)
      : path_(path) {
    sqlite3* db = nullptr;
    int rc =
        sqlite3_open_v2(path.c_str(), &db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    handle_.reset(db);  // closed whatever happens next
    if (rc != SQLITE_OK) {
      throw StoreError("cannot open SQLite database " + path.string() + ": " +
                       (db ? sqlite3_errmsg(db) : "out of memory"));
    }
    db_ = db;
    sqlite3_extended_result_codes(db_, 1);
    // The timeout first: another process may hold the lock while this one
    // switches to WAL or migrates.
    script("PRAGMA busy_timeout=" + std::to_string(busy_timeout.count()));
    try {
      script("PRAGMA journal_mode=WAL");
    } catch (const DatabaseBusy&) {
      throw;  // locked, not unusable: the caller waits
    } catch (const StoreError& e) {
      throw InputError(path.string(),
                       std::string("not a usable SQLite database (") + e.what() + ")");
    }
    script("PRAGMA foreign_keys=ON");
  }

  const Dialect& dialect() const override { return kSqliteDialect; }
  std::string name() const override { return path_.string(); }

  Result run(const std::string& sql, const SqlValues& parameters) override {
    sqlite3_stmt* raw = nullptr;
    if (int rc = sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &raw, nullptr);
        rc != SQLITE_OK) {
      fail("SQLite prepare", rc);
    }
    std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> statement(raw, &sqlite3_finalize);
    for (size_t i = 0; i < parameters.size(); ++i)
      bind(raw, static_cast<int>(i + 1), parameters[i]);
    Result result;
    int columns = sqlite3_column_count(raw);
    for (;;) {
      int rc = sqlite3_step(raw);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) fail("SQLite step", rc);
      std::vector<SqlValue> cells;
      cells.reserve(static_cast<size_t>(columns));
      for (int c = 0; c < columns; ++c) cells.push_back(column(raw, c));
      result.rows.emplace_back(std::move(cells));
    }
    // sqlite3_changes() keeps the last write's count: a query has none.
    if (!sqlite3_stmt_readonly(raw)) result.affected = sqlite3_changes(db_);
    return result;
  }

  void script(const std::string& sql) override {
    char* error = nullptr;
    if (int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error); rc != SQLITE_OK) {
      std::string message = error ? error : sqlite3_errmsg(db_);
      sqlite3_free(error);
      if (is_busy(rc)) throw DatabaseBusy("SQLite: " + message);
      throw StoreError("SQLite: " + message);
    }
  }

  // A write takes the write lock up front (BEGIN IMMEDIATE), so that two
  // writers queue on busy_timeout instead of dead-locking.
  void transaction(Access access, const std::function<void()>& body) override {
    script(access == Access::write ? "BEGIN IMMEDIATE" : "BEGIN");
    try {
      body();
      script("COMMIT");
    } catch (...) {
      try {
        script("ROLLBACK");
      } catch (const StoreError&) {  // SQLite already rolled back (e.g. after an I/O error)
      }
      throw;
    }
  }

  void lock_schema() override {}  // BEGIN IMMEDIATE holds the file
  bool hold_scheduler_lock() override { return true; }

 private:
  [[noreturn]] void fail(const std::string& what, int rc = SQLITE_ERROR) {
    if (is_busy(rc)) throw DatabaseBusy(what + ": " + sqlite3_errmsg(db_));
    throw StoreError(what + ": " + sqlite3_errmsg(db_));
  }

  void bind(sqlite3_stmt* statement, int index, const SqlValue& value) {
    int rc = SQLITE_OK;
    if (const auto* i = std::get_if<std::int64_t>(&value)) {
      rc = sqlite3_bind_int64(statement, index, *i);
    } else if (const auto* d = std::get_if<double>(&value)) {
      rc = sqlite3_bind_double(statement, index, *d);
    } else if (const auto* s = std::get_if<std::string>(&value)) {
      rc = sqlite3_bind_text64(statement, index, s->data(), s->size(), SQLITE_TRANSIENT,
                               SQLITE_UTF8);
    } else {
      rc = sqlite3_bind_null(statement, index);
    }
    if (rc != SQLITE_OK) fail("SQLite bind");
  }

  static SqlValue column(sqlite3_stmt* statement, int c) {
    switch (sqlite3_column_type(statement, c)) {
      case SQLITE_INTEGER:
        return std::int64_t{sqlite3_column_int64(statement, c)};
      case SQLITE_FLOAT:
        return sqlite3_column_double(statement, c);
      case SQLITE_NULL:
        return nullptr;
      default: {
        const auto* bytes = sqlite3_column_text(statement, c);
        if (!bytes) return std::string();
        return std::string(reinterpret_cast<const char*>(bytes),
                           static_cast<size_t>(sqlite3_column_bytes(statement, c)));
      }
    }
  }

  std::filesystem::path path_;
  std::unique_ptr<sqlite3, decltype(&sqlite3_close)> handle_{nullptr, &sqlite3_close};
  sqlite3* db_ = nullptr;  // handle_.get()
};

}  // namespace

int sqlite_schema_latest() {
  return latest_schema_version();
}

std::unique_ptr<Store> open_sqlite_store(const std::filesystem::path& path,
                                         const StoreOptions& options) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw InputError(path.string(), "is a directory, not a database file");
  }
  if (path.has_parent_path()) {
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) throw InputError(path.parent_path().string(), "cannot create folder: " + ec.message());
  }
  // Another process may hold the file's lock (a backup, a long write):
  // opening and migrating wait for it, each try bounded by the busy
  // timeout, until sqlite_open_wait has passed.
  using Clock = std::chrono::steady_clock;
  const auto started = Clock::now();
  for (;;) {
    try {
      return std::make_unique<SqlStore>(
          std::make_unique<SqliteConnection>(path, options.sqlite_busy_timeout), options);
    } catch (const DatabaseBusy& e) {
      const auto waited = Clock::now() - started;
      if (waited >= options.sqlite_open_wait) {
        throw InputError(
            path.string(),
            "the database is locked by another process; gave up after waiting " +
                std::to_string(std::chrono::duration_cast<std::chrono::seconds>(waited).count()) +
                " s (" + e.what() + ")");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    } catch (const StoreError& e) {
      throw InputError(path.string(), e.what());
    }
  }
}

}  // namespace tw::store
