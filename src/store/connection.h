#pragma once
// What the shared store logic (sql_store.h) asks of a back end: run one
// statement with bound values and hand back its rows, run a schema script,
// wrap work in a transaction, and the two locks only a shared server needs.
// SQLite (sqlite_store.cpp) and PostgreSQL (postgres_store.cpp) implement it;
// everything else is written once.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "store/dialect.h"

namespace tw::store {

// A bound parameter or a column value.  PostgreSQL hands every column back
// as text; SQLite as its storage class.  Row converts between them.
using SqlValue = std::variant<std::nullptr_t, std::int64_t, double, std::string>;

inline SqlValue sql_value(std::int64_t v) {
  return v;
}
inline SqlValue sql_value(int v) {
  return std::int64_t{v};
}
inline SqlValue sql_value(double v) {
  return v;
}
inline SqlValue sql_value(std::string v) {
  return v;
}
inline SqlValue sql_value(const char* v) {
  return std::string(v);
}
inline SqlValue sql_value(std::nullopt_t) {
  return nullptr;
}
template <class T>
SqlValue sql_value(const std::optional<T>& v) {
  return v ? sql_value(*v) : SqlValue(nullptr);
}

using SqlValues = std::vector<SqlValue>;

// The parameters of one statement, in the order of its `?`s.
template <class... Args>
SqlValues values(const Args&... args) {
  return {sql_value(args)...};
}

// One result row, read by column number.
class Row {
 public:
  explicit Row(std::vector<SqlValue> cells) : cells_(std::move(cells)) {}
  bool is_null(int column) const;
  std::string text(int column) const;  // NULL -> ""
  std::int64_t integer(int column) const;
  double real(int column) const;
  std::optional<std::int64_t> optional_integer(int column) const;
  std::optional<double> optional_real(int column) const;

 private:
  const SqlValue& cell(int column) const;
  std::vector<SqlValue> cells_;
};

struct Result {
  std::vector<Row> rows;
  std::int64_t affected = 0;  // rows changed by an INSERT, UPDATE or DELETE
};

// How a transaction is opened: a write takes the write lock up front
// (SQLite: BEGIN IMMEDIATE), so that two writers queue instead of
// dead-locking.
enum class Access { read, write };

class Connection {
 public:
  virtual ~Connection() = default;

  virtual const Dialect& dialect() const = 0;
  // The database as messages name it: the file, or the URL without password.
  virtual std::string name() const = 0;

  // One statement in the dialect's own text (see Dialect::expand), with its
  // parameters bound, never spliced.
  virtual Result run(const std::string& sql, const SqlValues& parameters) = 0;
  // Several statements without parameters: a migration's DDL.
  virtual void script(const std::string& sql) = 0;

  // Runs `body` as one transaction: all of it is committed or none.  The
  // body may be run again from the start after a lost connection (it must
  // build its result afresh each time).
  virtual void transaction(Access access, const std::function<void()>& body) = 0;

  // Inside a migration's transaction: wait until no other process migrates.
  virtual void lock_schema() = 0;
  // Inside a transaction: whether this process is the one that polls the
  // sources (only one does when several share a server).
  virtual bool hold_scheduler_lock() = 0;
};

}  // namespace tw::store
