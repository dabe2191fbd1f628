#include "alerts/trend_alert.h"

#include <cmath>

#include "core/config.h"
#include "trends/trend_report.h"

namespace tw::alerts {

using nlohmann::ordered_json;

namespace {

double rounded(double value, double scale) {
  return std::isfinite(value) ? std::round(value * scale) / scale : 0.0;
}

std::string duration_text(trends::Millis ms) {
  return format_duration(Duration(ms));
}

std::string trend_link(const std::string& dashboard_url, const std::string& target) {
  if (dashboard_url.empty()) return "";
  std::string base = dashboard_url;
  if (base.back() != '/') base += '/';
  return base + "#/trends/" + target;
}

// What a receiver needs when the stored payload cannot be used.
ordered_json payload_from_row(const store::SurgeRecord& surge) {
  ordered_json body;
  body["type"] = store::kTrendDelivery;
  body["id"] = surge.id;
  body["text"] = "trendwatch: " + surge.target + " is surging: " + surge.reason;
  body["target"] = surge.target;
  body["window"] = duration_text(surge.window_ms);
  body["videos"] = surge.videos;
  body["expected"] = rounded(surge.expected, 1000);
  body["views"] = surge.views;
  body["top_videos"] = ordered_json::array();
  body["started_at"] = trends::iso8601(surge.started_at);
  body["reason"] = surge.reason;
  return body;
}

}  // namespace

std::string trend_text(const std::string& target, const trends::SurgeFigures& figures,
                       const trends::SurgeRule& rule) {
  return "trendwatch: " + target + " is surging: " + trends::explain(figures, rule);
}

ordered_json trend_payload(const std::string& surge_id, const std::string& target,
                           trends::Millis started_at, const trends::SurgeFigures& figures,
                           const trends::SurgeRule& rule, const std::string& dashboard_url,
                           std::size_t top) {
  ordered_json body;
  body["type"] = store::kTrendDelivery;
  body["id"] = surge_id;
  body["text"] = trend_text(target, figures, rule);
  body["target"] = target;
  body["window"] = duration_text(rule.window);
  body["videos"] = figures.videos;
  body["expected"] = rounded(figures.expected, 1000);
  body["views"] = figures.views;
  body["top_videos"] = ordered_json::array();
  for (const trends::CountedVideo& v : trends::top_by_views(figures.window_videos, top))
    body["top_videos"].push_back(trends::to_json(v));
  body["started_at"] = trends::iso8601(started_at);
  body["window_start"] = trends::iso8601(figures.window_start);
  body["window_end"] = trends::iso8601(figures.now);
  body["baseline"] = duration_text(rule.baseline);
  body["baseline_videos"] = figures.baseline_videos;
  body["p"] = figures.p;
  body["top_views"] = figures.top_views;
  body["typical_views"] = rounded(figures.typical_views, 1);
  body["reach_z"] = rounded(figures.reach_z, 1000);
  body["by_count"] = figures.by_count;
  body["by_reach"] = figures.by_reach;
  body["reason"] = trends::explain(figures, rule);
  const std::string link = trend_link(dashboard_url, target);
  body["dashboard"] = link.empty() ? ordered_json(nullptr) : ordered_json(link);
  return body;
}

Alert make_trend_alert(const store::SurgeRecord& surge) {
  ordered_json body = ordered_json::parse(surge.payload_json, nullptr, false);
  const bool usable = body.is_object() && body.value("id", "") == surge.id &&
                      body.contains("text") && body["text"].is_string();
  if (!usable) body = payload_from_row(surge);
  Alert alert;
  alert.id = surge.id;
  alert.type = store::kTrendDelivery;
  alert.text = body["text"].get<std::string>();
  alert.json = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  alert.surge = surge;
  return alert;
}

}  // namespace tw::alerts
