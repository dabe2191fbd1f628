#pragma once
// The store's schema as versioned migrations, written once for both
// dialects (dialect.h).  Each migration runs in its own transaction together
// with the schema_version row that records it (sql_store.cpp), so a crash
// leaves the schema at one version or the next.  Never edit a released
// migration: append a new one.
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "store/connection.h"
#include "store/dialect.h"

namespace tw::store {

// Runs one statement (shared text, dialect.h) in the migration's transaction.
using StatementRunner = std::function<Result(std::string_view sql, const SqlValues& parameters)>;

struct Migration {
  int version;
  const char* description;
  const char* both;      // statements for both dialects
  const char* sqlite;    // then these, on SQLite only ("" = none)
  const char* postgres;  // or these, on PostgreSQL only
  // Then this, for what SQL cannot say in both dialects (e.g. parsing dates).
  void (*fill)(const StatementRunner& run) = nullptr;

  std::string sql(const Dialect& dialect) const;
};

std::span<const Migration> migrations();
int latest_schema_version();

}  // namespace tw::store
