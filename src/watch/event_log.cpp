#include "watch/event_log.h"

#include <chrono>
#include <ctime>
#include <ostream>

#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include "core/redact.h"

namespace tw::watch {
namespace {

std::string utc_now_with_millis() {
  auto now = std::chrono::system_clock::now();
  std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  char out[48];
  std::snprintf(out, sizeof out, "%s.%03dZ", buf, static_cast<int>(millis));
  return out;
}

class EventLogSink : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit EventLogSink(EventLog& log) : log_(log) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    auto level = spdlog::level::to_string_view(msg.level);
    log_.event("log", {{"level", std::string(level.data(), level.size())},
                       {"message", std::string(msg.payload.data(), msg.payload.size())}});
  }
  void flush_() override {}

 private:
  EventLog& log_;
};

}  // namespace

SpdlogToEventLog::SpdlogToEventLog(EventLog& log) {
  previous_ = std::static_pointer_cast<void>(spdlog::default_logger());
  spdlog::set_default_logger(
      std::make_shared<spdlog::logger>("trendwatch", std::make_shared<EventLogSink>(log)));
}

SpdlogToEventLog::~SpdlogToEventLog() {
  spdlog::set_default_logger(std::static_pointer_cast<spdlog::logger>(previous_));
}

namespace {

// Every string of an event passes redact_text: an error, a URL or a library's
// log message may quote a secret, and the log is read by people and tools.
void redact_strings(nlohmann::ordered_json& value) {
  if (value.is_string()) {
    value = redact_text(value.get_ref<const std::string&>());
  } else if (value.is_structured()) {
    for (auto& item : value) redact_strings(item);
  }
}

}  // namespace

void EventLog::event(const std::string& name, nlohmann::ordered_json fields) {
  nlohmann::ordered_json line = {{"ts", utc_now_with_millis()}, {"event", name}};
  redact_strings(fields);
  for (auto& [key, value] : fields.items()) line[key] = value;
  // Untrusted text (titles) may hold invalid UTF-8: replace rather than throw.
  std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::lock_guard lock(mutex_);
  out_ << text << '\n';
  out_.flush();
}

}  // namespace tw::watch
