#include "alerts/alert.h"

#include <cmath>
#include <cstdio>
#include <ctime>

namespace tw::alerts {
namespace {

double rounded(double value, double scale) {
  return std::round(value * scale) / scale;
}

// One line: control characters (newlines, tabs, escapes) become spaces.
std::string one_line(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) out += (c < 0x20 || c == 0x7f) ? ' ' : static_cast<char>(c);
  return out;
}

// Slack's mrkdwn treats <...> as links and mentions; it asks for these three
// to be escaped in text.
std::string slack_escaped(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

nlohmann::ordered_json count_or_null(const std::optional<std::int64_t>& count) {
  return count ? nlohmann::ordered_json(*count) : nlohmann::ordered_json(nullptr);
}

// "2024-05-01T12:00:00Z".
std::string iso_utc(std::int64_t unix_ms) {
  std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

}  // namespace

nlohmann::ordered_json video_stats_json(const std::optional<VideoStats>& stats) {
  if (!stats || stats->empty()) return nullptr;
  return {{"views", count_or_null(stats->views)},
          {"likes", count_or_null(stats->likes)},
          {"comments", count_or_null(stats->comments)},
          {"shares", count_or_null(stats->shares)},
          {"saves", count_or_null(stats->saves)},
          {"observed_at", stats->observed_at ? nlohmann::ordered_json(iso_utc(stats->observed_at))
                                             : nlohmann::ordered_json(nullptr)},
          {"source", stats->source.empty() ? nlohmann::ordered_json(nullptr)
                                           : nlohmann::ordered_json(stats->source)}};
}

std::string format_video_time(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) seconds = 0;
  long tenths = std::lround(seconds * 10);
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%ld:%02ld.%ld", tenths / 600, (tenths / 10) % 60,
                tenths % 10);
  return buffer;
}

std::string evidence_path(const Appearance& appearance) {
  return appearance.evidence_frame.empty() ? appearance.evidence_crop : appearance.evidence_frame;
}

std::string alert_text(const store::AppearanceRecord& record) {
  const Appearance& a = record.appearance;
  char score[16];
  std::snprintf(score, sizeof score, "%.2f", a.best_score);
  std::string text = "trendwatch: " + a.target + " seen at " + format_video_time(a.start) + "-" +
                     format_video_time(a.end) + " (score " + score + ") in \"" +
                     record.video.title + "\"";
  if (!record.video.author.empty()) text += " by " + record.video.author;
  if (!record.video.url.empty()) text += " " + record.video.url;
  return slack_escaped(one_line(text));
}

nlohmann::ordered_json alert_payload(const store::AppearanceRecord& record) {
  const Appearance& a = record.appearance;
  std::string evidence = evidence_path(a);
  nlohmann::ordered_json body;
  body["id"] = record.id;
  body["type"] = "appearance";  // trend alerts say "trend" (alerts/trend_alert.h)
  body["text"] = alert_text(record);
  body["target"] = a.target;
  body["video"] = {{"id", record.video.id},
                   {"url", record.video.url},
                   {"title", record.video.title},
                   {"author", record.video.author},
                   {"source", record.video.source},
                   {"stats", video_stats_json(record.video.stats)},
                   {"hashtags", record.video.hashtags}};
  body["start"] = rounded(a.start, 1000);
  body["end"] = rounded(a.end, 1000);
  body["score"] = rounded(a.best_score, 10000);
  body["evidence"] =
      evidence.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(evidence);
  return body;
}

Alert make_alert(const store::AppearanceRecord& record) {
  Alert alert;
  alert.id = record.id;
  alert.text = alert_text(record);
  // Invalid UTF-8 in a title is replaced rather than failing the alert.
  alert.json = alert_payload(record).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  alert.record = record;
  return alert;
}

}  // namespace tw::alerts
