#include "alerts/sink.h"

#include <algorithm>
#include <iostream>
#include <set>

#include "alerts/sink_factories.h"
#include "core/errors.h"

namespace tw::alerts {
namespace {

bool has_line_break(const std::string& s) {
  return s.find_first_of("\r\n") != std::string::npos;
}

std::unique_ptr<Sink> with_types(std::unique_ptr<Sink> sink,
                                 const std::vector<std::string>& types) {
  sink->set_types(types);
  return sink;
}

std::unique_ptr<Sink> make_sink_of_kind(const SinkConfig& config) {
  std::string name = config.name.empty() ? config.kind : config.name;
  std::string where = "alert " + name;
  if (config.timeout.count() <= 0) throw InputError(where, "timeout must be positive");
  if (config.kind == "console") return make_console_sink(name, std::cout);
  if (config.kind == "webhook") {
    if (!config.url.starts_with("http://") && !config.url.starts_with("https://")) {
      throw InputError(where, "webhook url must start with http:// or https://");
    }
    return make_webhook_sink(name, config.url, config.timeout);
  }
  if (config.kind == "email") {
    if (!config.smtp.starts_with("smtp://") && !config.smtp.starts_with("smtps://")) {
      throw InputError(where, "smtp must be smtp://host:port or smtps://host:port");
    }
    if (config.from.empty() || has_line_break(config.from)) {
      throw InputError(where, "needs one `from` address");
    }
    if (config.to.empty()) throw InputError(where, "needs at least one `to` address");
    for (const auto& to : config.to) {
      if (to.empty() || has_line_break(to)) throw InputError(where, "bad `to` address");
    }
    SinkConfig checked = config;
    checked.name = name;
    return make_email_sink(checked);
  }
  if (config.kind == "command") {
    if (config.command.empty() || config.command[0].empty()) {
      throw InputError(where, "command needs an argv list, e.g. [\"notify.sh\", \"--flag\"]");
    }
    return make_command_sink(name, config.command, config.timeout);
  }
  throw InputError(where,
                   "unknown alert kind \"" + config.kind + "\" (console, webhook, email, command)");
}

}  // namespace

bool Sink::takes(const std::string& type) const {
  return std::find(types_.begin(), types_.end(), type) != types_.end();
}

std::unique_ptr<Sink> make_sink(const SinkConfig& config) {
  const std::string name = config.name.empty() ? config.kind : config.name;
  for (const std::string& type : config.types)
    if (type != store::kAppearanceDelivery && type != store::kTrendDelivery)
      throw InputError("alert " + name,
                       "unknown alert type \"" + type + "\" in types (appearance, trend)");
  return with_types(make_sink_of_kind(config), config.types);
}

SinkConfig sink_config(const AlertConfig& alert) {
  SinkConfig config;
  config.kind = std::string(to_string(alert.kind));
  config.name = alert.name;
  config.url = alert.url;
  config.smtp = alert.smtp;
  config.from = alert.from;
  config.to = alert.to;
  config.command = alert.command;
  config.timeout = alert.timeout;
  config.types = alert.types;
  return config;
}

std::vector<std::unique_ptr<Sink>> make_sinks(const std::vector<AlertConfig>& alerts) {
  return make_sinks(alerts, std::cout);
}

std::vector<std::unique_ptr<Sink>> make_sinks(const std::vector<AlertConfig>& alerts,
                                              std::ostream& console) {
  std::vector<std::unique_ptr<Sink>> sinks;
  std::set<std::string> names;
  for (const AlertConfig& alert : alerts) {
    auto sink =
        alert.kind == AlertKind::console
            ? with_types(make_console_sink(alert.name.empty() ? "console" : alert.name, console),
                         alert.types)
            : make_sink(sink_config(alert));
    if (!names.insert(sink->name()).second) {
      throw InputError("alert " + sink->name(), "two [[alert]] tables have this name");
    }
    sinks.push_back(std::move(sink));
  }
  return sinks;
}

}  // namespace tw::alerts
