#pragma once
// Structured logs for the daemon: one JSON object per line and per event
// ({"ts": "...", "event": "scan.done", ...}), so that journald, grep and jq
// all read them.  Thread-safe.
#include <nlohmann/json.hpp>

#include <iosfwd>
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

}  // namespace tw::watch
