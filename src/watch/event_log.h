#pragma once
// Structured logs for the daemon: one JSON object per line and per event
// ({"ts": "...", "event": "scan.done", ...}), so that journald, grep and jq
// all read them.  Thread-safe.
#include <nlohmann/json.hpp>

#include <iosfwd>
#include <memory>
#include <mutex>
#include <string>

namespace tw::watch {

class EventLog {
 public:
  explicit EventLog(std::ostream& out) : out_(out) {}
  void event(const std::string& name,
             nlohmann::ordered_json fields = nlohmann::ordered_json::object());

 private:
  std::ostream& out_;
  std::mutex mutex_;
};

// Routes spdlog messages of the rooms below (e.g. the outbox's retries) into
// the event log as {"event": "log", "level": ..., "message": ...}, so that
// the daemon's stderr stays one JSON object per line.  Until the returned
// guard is destroyed.
class SpdlogToEventLog {
 public:
  explicit SpdlogToEventLog(EventLog& log);
  ~SpdlogToEventLog();
  SpdlogToEventLog(const SpdlogToEventLog&) = delete;
  SpdlogToEventLog& operator=(const SpdlogToEventLog&) = delete;

 private:
  std::shared_ptr<void> previous_;
};

}  // namespace tw::watch
