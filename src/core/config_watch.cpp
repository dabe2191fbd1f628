// [watch]: the monitor, and the defaults of every [[source]].
#include "core/config_table.h"

namespace tw::config {

namespace {

void dashboard_url(WatchConfig& watch, const Value& value) {
  if (!value.text().empty() && !is_remote_url(value.text()))
    value.fail("must be an http(s) URL (the dashboard's address as readers reach it)");
  // The link goes into every trend alert and the store's outbox: no secret
  // may ride along in it.
  const std::string& url = value.text();
  const auto host = url.find("://");
  const auto path = url.find('/', host == std::string::npos ? 0 : host + 3);
  if (url.find('?') != std::string::npos ||
      url.substr(0, path).find('@', host == std::string::npos ? 0 : host) != std::string::npos)
    value.fail("must not carry a user, password or query (the link goes into every trend alert)");
  watch.dashboard_url = url;
}

constexpr Key<WatchConfig> kKeys[] = {
    {"concurrency", Type::integer, value("2"), "videos scanned at once",
     to<&WatchConfig::concurrency>, at_least(1)},
    {"every", Type::duration, value("5m"), "a source's `every` when it sets none",
     to<&WatchConfig::every>},
    {"source_timeout", Type::duration, value("2m"), "a source's `timeout` when it sets none",
     to<&WatchConfig::source_timeout>},
    {"max_videos", Type::integer, value("50"), "a source's `max_videos` when it sets none",
     to<&WatchConfig::max_videos>, at_least(1)},
    {"outbox_retry_initial", Type::duration, value("30s"), "first delay before an alert is resent",
     to<&WatchConfig::outbox_retry_initial>},
    {"outbox_retry_max", Type::duration, value("1h"), "longest delay between resends",
     to<&WatchConfig::outbox_retry_max>},
    {"outbox_max_attempts", Type::integer, value("0"), "attempts per alert and sink; 0: no limit",
     to<&WatchConfig::outbox_max_attempts>, at_least(0)},
    {"scan_retry_initial", Type::duration, value("1m"),
     "first delay before a failed scan is retried", to<&WatchConfig::scan_retry_initial>},
    {"scan_retry_max", Type::duration, value("1h"), "longest delay between scan retries",
     to<&WatchConfig::scan_retry_max>},
    {"scan_max_attempts", Type::integer, value("3"),
     "scans of a video before it is given up (a full disk uses none)",
     to<&WatchConfig::scan_max_attempts>, at_least(1)},
    {"cache_dir", Type::path, note("`<home>/cache`"), "download cache",
     to<&WatchConfig::cache_dir>},
    {"cache_max_bytes", Type::size, value("2GB"), "the cache is trimmed to this size, oldest first",
     to<&WatchConfig::cache_max_bytes>},
    {"dashboard_url", Type::string, note("none"),
     "the dashboard's address as readers reach it (`trendwatch serve`); trend alerts link their "
     "trend page under it; empty: no link",
     dashboard_url},
};

// Retries never wait less than the first delay.
void check(const WatchConfig& watch, const Table& table) {
  if (watch.outbox_retry_max < watch.outbox_retry_initial)
    table.fail_at(table.has("outbox_retry_max") ? "outbox_retry_max" : "outbox_retry_initial",
                  "[watch].outbox_retry_max is shorter than [watch].outbox_retry_initial");
  if (watch.scan_retry_max < watch.scan_retry_initial)
    table.fail_at(table.has("scan_retry_max") ? "scan_retry_max" : "scan_retry_initial",
                  "[watch].scan_retry_max is shorter than [watch].scan_retry_initial");
}

}  // namespace

const Section kWatchSection = plain_section<&Config::watch, kKeys, check>("watch");

}  // namespace tw::config
