#pragma once
// The PostgreSQL implementation of tw::store::Store (libpq): the store and
// work queue shared by any number of worker processes on any number of
// machines.  Use open_store(); this is its back end.  See docs/scale-out.md.
#include <memory>
#include <string>

#include "store/store.h"

namespace tw::store {

// True when this build has libpq (otherwise open_postgres_store throws).
bool postgres_available();

// Connects (a libpq URL: postgresql://user:pass@host:port/db?options) and
// migrates.  Throws tw::InputError when the server cannot be reached, the
// URL is malformed, or the schema is newer than this build knows.
std::unique_ptr<Store> open_postgres_store(const std::string& url, const StoreOptions& options);

}  // namespace tw::store
