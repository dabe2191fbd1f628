#include "store/store.h"

#include <cmath>
#include <filesystem>

#include "core/errors.h"
#include "core/hash.h"
#include "core/redact.h"
#include "store/postgres_store.h"
#include "store/sqlite_store.h"

namespace tw::store {

std::string to_string(VideoState s) {
  switch (s) {
    case VideoState::queued:
      return "queued";
    case VideoState::scanning:
      return "scanning";
    case VideoState::done:
      return "done";
    case VideoState::failed:
      return "failed";
  }
  return "queued";
}

std::string to_string(DeliveryState s) {
  switch (s) {
    case DeliveryState::pending:
      return "pending";
    case DeliveryState::delivered:
      return "delivered";
    case DeliveryState::failed:
      return "failed";
  }
  return "pending";
}

std::string to_string(Verdict v) {
  switch (v) {
    case Verdict::none:
      return "";
    case Verdict::confirmed:
      return "confirmed";
    case Verdict::dismissed:
      return "dismissed";
  }
  return "";
}

VideoState parse_video_state(std::string_view s) {
  for (auto state :
       {VideoState::queued, VideoState::scanning, VideoState::done, VideoState::failed}) {
    if (s == to_string(state)) return state;
  }
  throw InputError(std::string(s), "not a video state (queued, scanning, done, failed)");
}

DeliveryState parse_delivery_state(std::string_view s) {
  for (auto state : {DeliveryState::pending, DeliveryState::delivered, DeliveryState::failed}) {
    if (s == to_string(state)) return state;
  }
  throw InputError(std::string(s), "not a delivery state (pending, delivered, failed)");
}

Verdict parse_verdict(std::string_view s) {
  for (auto verdict : {Verdict::none, Verdict::confirmed, Verdict::dismissed}) {
    if (s == to_string(verdict)) return verdict;
  }
  throw InputError(std::string(s), "not a verdict (confirmed, dismissed)");
}

std::string appearance_id(const VideoRef& video, const std::string& target,
                          const std::string& target_set_version, double start_seconds) {
  // Tenths of a second: re-running the same scan gives the same start, while
  // two appearances of one target in one video are seconds apart.
  long long start_tenths = std::llround(start_seconds * 10.0);
  const char separator = '\x1f';  // cannot occur in ids, names or versions
  std::string key = video.platform + separator + video.id + separator + target + separator +
                    target_set_version + separator + std::to_string(start_tenths);
  return sha256_hex(key).substr(0, 32);
}

std::unique_ptr<Store> open_store(const std::string& url, const StoreOptions& options) {
  if (url.empty()) throw InputError(url, "empty store URL");
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    return open_postgres_store(url, options);
  }
  std::filesystem::path path;
  const std::string sqlite_scheme = "sqlite://";
  if (url.starts_with(sqlite_scheme)) {
    path = url.substr(sqlite_scheme.size());  // "/abs" after sqlite:// or "relative"
  } else if (url.find("://") != std::string::npos) {
    throw InputError(redact_url(url), "unknown store URL scheme (use sqlite:// or postgresql://)");
  } else {
    path = url;
  }
  if (path.empty()) throw InputError(url, "no database file in the store URL");
  return open_sqlite_store(path, options);
}

}  // namespace tw::store
