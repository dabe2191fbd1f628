#include "alerts/outbox.h"

#include "alerts/trend_alert.h"

#include <spdlog/spdlog.h>

#include <map>
#include <set>

#include "core/redact.h"

namespace tw::alerts {

Outbox::Outbox(store::Store& store, std::vector<std::unique_ptr<Sink>> sinks)
    : store_(store), sinks_(std::move(sinks)) {}

std::vector<std::string> Outbox::sink_names() const {
  std::vector<std::string> names;
  for (const auto& sink : sinks_) names.push_back(sink->name());
  return names;
}

std::vector<std::string> Outbox::sink_names(const std::string& type) const {
  std::vector<std::string> names;
  for (const auto& sink : sinks_)
    if (sink->takes(type)) names.push_back(sink->name());
  return names;
}

Alert Outbox::make(const store::DeliveryRecord& delivery) const {
  if (delivery.kind == store::kTrendDelivery) {
    std::optional<store::SurgeRecord> surge = store_.surge(delivery.appearance_id);
    if (!surge) throw DeliveryError("surge " + delivery.appearance_id + " is gone");
    return make_trend_alert(*surge);
  }
  if (delivery.kind != store::kAppearanceDelivery)
    throw DeliveryError("alerts of kind '" + delivery.kind + "' are not sent by this outbox");
  std::optional<store::AppearanceRecord> record = store_.appearance(delivery.appearance_id);
  if (!record) throw DeliveryError("appearance " + delivery.appearance_id + " is gone");
  return make_alert(*record);
}

DeliveryReport Outbox::deliver_due(int limit) {
  DeliveryReport report;
  std::map<std::string, Sink*> by_name;
  for (const auto& sink : sinks_) by_name[sink->name()] = sink.get();
  std::set<std::string> failing;
  // An alert goes to several sinks; an appearance and a surge never share an id
  // in practice, but the kind is part of the key all the same.
  std::map<std::pair<std::string, std::string>, Alert> alerts;
  for (const store::DeliveryRecord& delivery : store_.due_deliveries(sink_names(), limit)) {
    if (failing.count(delivery.sink)) {
      ++report.skipped;
      continue;
    }
    Sink* sink = by_name.at(delivery.sink);
    try {
      const auto key = std::make_pair(delivery.kind, delivery.appearance_id);
      auto cached = alerts.find(key);
      if (cached == alerts.end()) cached = alerts.emplace(key, make(delivery)).first;
      sink->send(cached->second);
    } catch (const std::exception& e) {
      // The send failed (or the alert could not be made): back off.  A store
      // error while marking propagates to the caller, which retries later.
      // The error is stored and shown: no secret it may quote goes with it.
      failing.insert(delivery.sink);
      const std::string error = redact_text(e.what());
      store::DeliveryRecord after = store_.mark_delivery_failed(delivery.id, error);
      if (after.state == store::DeliveryState::failed) {
        ++report.given_up;
        spdlog::error("alert {} to {}: gave up after {} attempts: {}", delivery.appearance_id,
                      delivery.sink, after.attempts, error);
      } else {
        ++report.failed;
        spdlog::warn("alert {} to {}: attempt {} failed, retry in {} s: {}", delivery.appearance_id,
                     delivery.sink, after.attempts,
                     (after.next_attempt_at - store_.now() + 999) / 1000, error);
      }
      continue;
    }
    store_.mark_delivered(delivery.id);
    ++report.delivered;
    spdlog::info("alert {} delivered to {}", delivery.appearance_id, delivery.sink);
  }
  return report;
}

}  // namespace tw::alerts
