#pragma once
// A trend alert: one surge of a target told to the outside world, through the
// same outbox and sinks as appearances (docs/alerts.md, docs/trends.md).  The
// payload is made once, when the surge starts, and stored with it
// (SurgeRecord::payload_json), so that a retry or a restart sends the very
// same bytes under the same id.
#include <nlohmann/json.hpp>

#include <string>

#include "alerts/alert.h"
#include "store/store.h"
#include "trends/surge.h"

namespace tw::alerts {

// "trendwatch: alice is surging: 7 videos in the last 6h; about 1.0 expected
// from the past 7d (p = 8.3e-05)".  Target names hold only letters, digits,
// '.', '_' and '-' (targets/target.h), the rest is numbers and fixed words:
// nothing a chat client would take for markup.
std::string trend_text(const std::string& target, const trends::SurgeFigures& figures,
                       const trends::SurgeRule& rule);

// {"type": "trend", "id", "text", "target", "window", "videos", "expected",
// "views", "top_videos": [...], "started_at", "window_start", "window_end",
// "baseline", "baseline_videos", "p", "reach_z", "top_views", "by_count",
// "by_reach", "reason", "dashboard"}; top_videos are the window's most viewed
// (at most `top`), each {"url", "title", "author", "views", ..., "appearance"}.
// `dashboard_url` (the dashboard's address, "" = none) gives "dashboard" a
// link to the target's trend page.
nlohmann::ordered_json trend_payload(const std::string& surge_id, const std::string& target,
                                     trends::Millis started_at, const trends::SurgeFigures& figures,
                                     const trends::SurgeRule& rule,
                                     const std::string& dashboard_url = "", std::size_t top = 5);

// The alert the outbox sends for a stored surge: its stored payload, as is.
// A row without a usable payload (written by hand, or by an older version)
// is sent with one made from the row's own figures.
Alert make_trend_alert(const store::SurgeRecord& surge);

}  // namespace tw::alerts
