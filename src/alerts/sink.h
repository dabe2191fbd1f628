#pragma once
// Alert sinks: where alerts go.  Each send() either delivers the alert or
// throws DeliveryError; the outbox (outbox.h) records which and retries.
#include <chrono>
#include <iosfwd>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "alerts/alert.h"
#include "core/config.h"

namespace tw::alerts {

class DeliveryError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct SinkConfig {
  std::string kind;  // console | webhook | email | command
  // Deliveries are keyed by this name: keep it stable across restarts, or
  // pending alerts for the old name are not sent.  "" = the kind.
  std::string name;
  std::string url;                   // webhook: http(s)://...
  std::string smtp;                  // email: smtp://host:port or smtps://host:port
  std::string username, password;    // email: SMTP AUTH, when the server wants it
  std::string from;                  // email
  std::vector<std::string> to;       // email
  std::vector<std::string> command;  // command: argv, run without a shell
  std::chrono::milliseconds timeout{std::chrono::seconds(10)};
  // The alert types it takes: "appearance", "trend" (AlertConfig::types).
  std::vector<std::string> types = {"appearance", "trend"};
};

class Sink {
 public:
  explicit Sink(std::string name) : name_(std::move(name)) {}
  virtual ~Sink() = default;
  const std::string& name() const { return name_; }
  // Whether alerts of `type` ("appearance" | "trend") are made for this sink:
  // the outbox writes a pending delivery only for the sinks that take it.
  bool takes(const std::string& type) const;
  void set_types(std::vector<std::string> types) { types_ = std::move(types); }
  // Delivers or throws DeliveryError naming the reason.  May block up to the
  // sink's timeout; safe to call from one thread at a time.
  virtual void send(const Alert& alert) = 0;

 private:
  std::string name_;
  std::vector<std::string> types_ = {"appearance", "trend"};
};

// Checks the config (InputError naming the sink and the reason) and builds it.
std::unique_ptr<Sink> make_sink(const SinkConfig& config);

// The [[alert]] tables of trendwatch.toml, each made into its sink (names
// are the config's, e.g. "webhook-1"; two sinks with one name are refused).
SinkConfig sink_config(const AlertConfig& alert);
// Console sinks write to `console`.
std::vector<std::unique_ptr<Sink>> make_sinks(const std::vector<AlertConfig>& alerts,
                                              std::ostream& console);
std::vector<std::unique_ptr<Sink>> make_sinks(const std::vector<AlertConfig>& alerts);

// Console: one readable line per alert on `out` (stdout by default).
std::unique_ptr<Sink> make_console_sink(const std::string& name, std::ostream& out);

}  // namespace tw::alerts
