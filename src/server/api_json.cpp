#include "server/api_json.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <ctime>

#include "core/redact.h"

namespace tw::server {

namespace {

nlohmann::json text_or_null(const std::string& text) {
  return text.empty() ? nlohmann::json(nullptr) : nlohmann::json(text);
}

nlohmann::json time_or_null(const std::optional<store::Millis>& millis) {
  return millis ? nlohmann::json(iso_time(*millis)) : nlohmann::json(nullptr);
}

// Percent-encodes all but RFC 3986's unreserved characters, so that an id is
// always exactly one path segment.
std::string path_segment(const std::string& text) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

nlohmann::json evidence_url(const std::string& appearance_id, const std::string& file,
                            const char* which) {
  if (file.empty()) return nullptr;
  return "/evidence/" + path_segment(appearance_id) + "/" + which;
}

nlohmann::json count_or_null(const std::optional<std::int64_t>& count) {
  return count ? nlohmann::json(*count) : nlohmann::json(nullptr);
}

// The latest figures (views, likes, ...), null when no source gave any.
nlohmann::json figures_json(const std::optional<VideoStats>& stats) {
  if (!stats || stats->empty()) return nullptr;
  return {{"views", count_or_null(stats->views)},
          {"likes", count_or_null(stats->likes)},
          {"comments", count_or_null(stats->comments)},
          {"shares", count_or_null(stats->shares)},
          {"saves", count_or_null(stats->saves)},
          {"observed_at", stats->observed_at ? nlohmann::json(iso_time(stats->observed_at))
                                             : nlohmann::json(nullptr)}};
}

// Floats printed as the short decimals they stand for (0.82, not 0.8199999928).
double tidy(float value) {
  return std::round(static_cast<double>(value) * 1e6) / 1e6;
}

}  // namespace

std::string verdict_word(store::Verdict verdict) {
  return verdict == store::Verdict::none ? "unreviewed" : store::to_string(verdict);
}

std::optional<store::Verdict> parse_verdict_word(const std::string& word) {
  if (word == "unreviewed") return store::Verdict::none;
  if (word == "confirmed") return store::Verdict::confirmed;
  if (word == "dismissed") return store::Verdict::dismissed;
  return std::nullopt;
}

std::string iso_time(store::Millis millis) {
  std::time_t seconds = static_cast<std::time_t>(millis / 1000);
  int rest = static_cast<int>(millis % 1000);
  if (rest < 0) rest += 1000, --seconds;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec, rest);
  return text;
}

nlohmann::json video_ref_json(std::int64_t video_id, const VideoRef& video) {
  return {{"id", video_id},
          {"platform", video.platform},
          {"platform_id", video.id},
          {"url", video.url},
          {"title", video.title},
          {"author", video.author},
          {"posted_at", text_or_null(video.posted_at)},
          {"source", text_or_null(video.source)},
          {"hashtags", video.hashtags},
          {"stats", figures_json(video.stats)}};
}

nlohmann::json video_json(const store::VideoRecord& video) {
  nlohmann::json out = video_ref_json(video.id, video.ref);
  out["duration"] = video.duration ? nlohmann::json(*video.duration) : nullptr;
  out["state"] = store::to_string(video.state);
  out["first_seen_at"] = iso_time(video.first_seen_at);
  out["last_error"] = text_or_null(redact_text(video.last_error));
  return out;
}

nlohmann::json scan_json(const store::ScanRecord& scan) {
  return {{"id", scan.id},
          {"status", scan.status},
          {"started_at", iso_time(scan.started_at)},
          {"finished_at", iso_time(scan.finished_at)},
          {"frames_sampled", scan.frames_sampled},
          {"target_set_version", scan.target_set_version},
          {"error", text_or_null(redact_text(scan.error))}};
}

nlohmann::json appearance_json(const store::AppearanceRecord& row) {
  const Appearance& a = row.appearance;
  return {{"id", row.id},
          {"target", a.target},
          {"start", a.start},
          {"end", a.end},
          {"best_time", a.best_time},
          {"score", tidy(a.best_score)},
          {"distance", tidy(a.best_distance)},
          {"frames", a.frames},
          {"box",
           {{"x", tidy(a.box.x)},
            {"y", tidy(a.box.y)},
            {"width", tidy(a.box.width)},
            {"height", tidy(a.box.height)}}},
          {"verdict", verdict_word(row.verdict)},
          {"verdict_at", time_or_null(row.verdict_at)},
          {"found_at", iso_time(row.created_at)},
          {"video", video_ref_json(row.video_id, row.video)},
          {"evidence",
           {{"frame", evidence_url(row.id, a.evidence_frame, "frame")},
            {"crop", evidence_url(row.id, a.evidence_crop, "crop")}}}};
}

nlohmann::json target_json(const store::TargetSummary& target) {
  return {{"name", target.name},
          {"appearances", target.appearances},
          {"videos", target.videos},
          {"confirmed", target.confirmed},
          {"dismissed", target.dismissed},
          {"unreviewed", target.appearances - target.confirmed - target.dismissed},
          {"last_seen", time_or_null(target.last_seen_at)}};
}

nlohmann::json source_json(const store::SourceRecord& source) {
  const char* health = !source.last_poll_at              ? "never polled"
                       : source.consecutive_failures > 0 ? "failing"
                                                         : "ok";
  return {{"name", source.config.name},
          {"kind", source.config.kind},
          {"location", redact_url(source.config.location)},
          {"health", health},
          {"last_polled", time_or_null(source.last_poll_at)},
          {"last_success", time_or_null(source.last_success_at)},
          {"last_error", text_or_null(redact_text(source.last_error))},
          {"last_error_at", time_or_null(source.last_error_at)},
          {"consecutive_failures", source.consecutive_failures},
          {"next_poll", time_or_null(source.next_poll_at)},
          {"videos", source.videos}};
}

}  // namespace tw::server
