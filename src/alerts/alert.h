#pragma once
// An alert: one appearance told to the outside world.  The JSON body is the
// webhook contract of DESIGN.md; the command sink gets the same bytes on
// stdin and the e-mail carries the same facts.
#include <nlohmann/json.hpp>

#include <string>

#include "store/store.h"

namespace tw::alerts {

struct Alert {
  std::string id;    // the appearance id: receivers dedupe on it
  std::string text;  // one line, Slack-compatible
  std::string json;  // {"id","text","target","video":{...},"start","end","score","evidence"}
  store::AppearanceRecord record;                 // appearance alerts
  std::string type = store::kAppearanceDelivery;  // "appearance" | "trend"
  std::optional<store::SurgeRecord> surge;        // trend alerts (alerts/trend_alert.h)
};

// Untrusted strings (title, author, url) go into the JSON verbatim; in `text`
// they are flattened to one line and &, <, > are escaped as Slack asks, so a
// title cannot ping a channel or forge a link.
std::string alert_text(const store::AppearanceRecord& record);
nlohmann::ordered_json alert_payload(const store::AppearanceRecord& record);
Alert make_alert(const store::AppearanceRecord& record);

// A video's latest figures as {"views", "likes", "comments", "shares",
// "saves", "observed_at" (ISO 8601 UTC), "source"}, a figure no source gave
// as null; null when there are none.  The alert's video.stats, and `videos`.
nlohmann::ordered_json video_stats_json(const std::optional<VideoStats>& stats);

// "1:05.3" (minutes:seconds.tenths), for times in a video.
std::string format_video_time(double seconds);
// The evidence image an alert points to: the annotated frame, else the crop,
// else "".
std::string evidence_path(const Appearance& appearance);

}  // namespace tw::alerts
