#pragma once
// The SQLite implementation of tw::store::Store (WAL, busy_timeout, foreign
// keys, versioned migrations).  Use open_store(); this is its back end.
#include <filesystem>
#include <memory>

#include "store/store.h"

namespace tw::store {

// The latest schema version this build writes (see docs/store.md).
int sqlite_schema_latest();

// Opens (creating the file and parent folders when missing) and migrates.
// Throws tw::InputError when the file is not a SQLite database or its schema
// is newer than this build knows.
std::unique_ptr<Store> open_sqlite_store(const std::filesystem::path& path,
                                         const StoreOptions& options);

}  // namespace tw::store
