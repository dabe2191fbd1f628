#include "store/record_rows.h"

#include <algorithm>
#include <cmath>

#include "core/errors.h"
#include "store/video_fields.h"

namespace tw::store::rows {

std::optional<VideoStats> read_stats(const Row& s, int first) {
  if (s.is_null(first + 5)) return std::nullopt;
  VideoStats stats;
  stats.views = s.optional_integer(first);
  stats.likes = s.optional_integer(first + 1);
  stats.comments = s.optional_integer(first + 2);
  stats.shares = s.optional_integer(first + 3);
  stats.saves = s.optional_integer(first + 4);
  stats.observed_at = s.integer(first + 5);
  stats.source = s.text(first + 6);
  return stats;
}

VideoRecord read_video(const Row& s) {
  VideoRecord v;
  v.id = s.integer(0);
  v.ref.platform = s.text(1);
  v.ref.id = s.text(2);
  v.ref.url = s.text(3);
  v.ref.title = s.text(4);
  v.ref.author = s.text(5);
  v.ref.posted_at = s.text(6);
  v.ref.source = s.text(7);
  v.first_seen_at = s.integer(8);
  v.state = parse_video_state(s.text(9));
  v.attempts = static_cast<int>(s.integer(10));
  v.next_attempt_at = s.integer(11);
  v.lease_owner = s.text(12);
  v.lease_expires_at = s.optional_integer(13);
  v.last_error = s.text(14);
  v.target_set_version = s.text(15);
  v.duration = s.optional_real(16);
  v.ref.duration = v.duration;
  v.ref.hashtags = parse_json_array(s.text(17));
  v.ref.music_id = s.text(18);
  v.ref.music_title = s.text(19);
  v.ref.media_url = s.text(20);
  v.posted_ms = s.optional_integer(21);
  v.refreshed_at = s.optional_integer(22);
  v.latest = read_stats(s, 23);
  v.ref.stats = v.latest;
  return v;
}

AppearanceRecord read_appearance(const Row& s) {
  AppearanceRecord r;
  r.id = s.text(0);
  r.video_id = s.integer(1);
  r.video.platform = s.text(2);
  r.video.id = s.text(3);
  r.video.url = s.text(4);
  r.video.title = s.text(5);
  r.video.author = s.text(6);
  r.video.posted_at = s.text(7);
  r.video.source = s.text(8);
  r.scan_id = s.optional_integer(9);
  r.target_set_version = s.text(10);
  Appearance& a = r.appearance;
  a.target = s.text(11);
  a.start = s.real(12);
  a.end = s.real(13);
  a.best_time = s.real(14);
  a.best_score = static_cast<float>(s.real(15));
  a.best_distance = static_cast<float>(s.real(16));
  a.box = Box{static_cast<float>(s.real(17)), static_cast<float>(s.real(18)),
              static_cast<float>(s.real(19)), static_cast<float>(s.real(20))};
  a.frames = static_cast<int>(s.integer(21));
  a.evidence_frame = s.text(22);
  a.evidence_crop = s.text(23);
  r.verdict = parse_verdict(s.text(24));
  r.verdict_at = s.optional_integer(25);
  r.created_at = s.integer(26);
  r.video.hashtags = parse_json_array(s.text(27));
  r.video.stats = read_stats(s, 28);
  return r;
}

DeliveryRecord read_delivery(const Row& s) {
  DeliveryRecord d;
  d.id = s.integer(0);
  d.appearance_id = s.text(1);
  d.sink = s.text(2);
  d.state = parse_delivery_state(s.text(3));
  d.attempts = static_cast<int>(s.integer(4));
  d.next_attempt_at = s.integer(5);
  d.last_error = s.text(6);
  d.delivered_at = s.optional_integer(7);
  d.kind = s.text(8);
  return d;
}

SourceRecord read_source(const Row& s) {
  SourceRecord r;
  r.config = {s.text(0), s.text(1), s.text(2)};
  r.last_poll_at = s.optional_integer(3);
  r.last_success_at = s.optional_integer(4);
  r.last_error = s.text(5);
  r.last_error_at = s.optional_integer(6);
  r.consecutive_failures = static_cast<int>(s.integer(7));
  r.next_poll_at = s.optional_integer(8);
  r.videos = s.integer(9);
  r.warnings = parse_json_array(s.text(10));
  r.state = s.text(11);
  return r;
}

ScanRecord read_scan(const Row& s) {
  ScanRecord r;
  r.id = s.integer(0);
  r.video_id = s.integer(1);
  r.target_set_version = s.text(2);
  r.worker = s.text(3);
  r.started_at = s.integer(4);
  r.finished_at = s.integer(5);
  r.frames_sampled = static_cast<int>(s.integer(6));
  r.status = s.text(7);
  r.error = s.text(8);
  r.timings_json = s.text(9);
  return r;
}

SurgeRecord read_surge(const Row& s) {
  SurgeRecord r;
  r.id = s.text(0);
  r.target = s.text(1);
  r.started_at = s.integer(2);
  r.opened_at = s.integer(3);
  r.ended_at = s.optional_integer(4);
  r.window_ms = s.integer(5);
  r.videos = s.integer(6);
  r.expected = s.real(7);
  r.views = s.integer(8);
  r.reason = s.text(9);
  r.payload_json = s.text(10);
  return r;
}

Millis backoff(std::chrono::milliseconds base, std::chrono::milliseconds cap, int attempts) {
  Millis delay = std::max<Millis>(base.count(), 0);
  for (int i = 1; i < attempts && delay < cap.count(); ++i) delay *= 2;
  return std::min<Millis>(delay, cap.count());
}

void check_finite(const Appearance& a) {
  for (double v : {a.start, a.end, a.best_time, double(a.best_score), double(a.best_distance),
                   double(a.box.x), double(a.box.y), double(a.box.width), double(a.box.height)}) {
    if (!std::isfinite(v)) throw InputError("appearance of " + a.target, "a value is not finite");
  }
  if (a.target.empty()) throw InputError("appearance", "no target name");
}

}  // namespace tw::store::rows
