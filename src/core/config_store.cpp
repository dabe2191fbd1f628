// [store]: where trendwatch keeps what it has seen.
#include "core/config_table.h"

namespace tw::config {

namespace {

void store_url(StoreConfig& store, const Value& value) {
  // A bare path is an SQLite file, like sqlite://PATH.
  store.url = value.text().find("://") == std::string::npos
                  ? sqlite_url(resolve_path(value.table().base_dir(), value.text()))
                  : value.text();
}

constexpr Key<StoreConfig> kKeys[] = {
    {"url", Type::string, note("`sqlite://<home>/trendwatch.db`"),
     "`sqlite:///path`, a bare path (SQLite), or `postgresql://...`", store_url},
};

}  // namespace

const Section kStoreSection = plain_section<&Config::store, kKeys>("store");

}  // namespace tw::config
