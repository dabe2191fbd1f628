#pragma once
// What the SQLite and PostgreSQL stores share: the same schema, so the same
// column lists, the same row-to-record readers and the same retry rules.
// Only the C APIs that hand out column values differ; a reader takes any
// `Row` with text / integer / real / optional_integer / optional_real(column).
#include <chrono>
#include <string>

#include "store/store.h"

namespace tw::store::rows {

// Column lists in reader order, without FROM (PostgreSQL's RETURNING uses
// them too), and the SELECTs built from them, ready for a WHERE clause.
inline constexpr const char* kVideoColumns =
    "id, platform, video_id, url, title, author, posted_at, source, first_seen_at, state, "
    "attempts, next_attempt_at, lease_owner, lease_expires_at, last_error, target_set_version, "
    "duration";
inline constexpr const char* kAppearanceColumns =
    "a.id, a.video, v.platform, v.video_id, v.url, v.title, v.author, v.posted_at, v.source, "
    "a.scan, a.target_set_version, a.target, a.start_s, a.end_s, a.best_time, a.best_score, "
    "a.best_distance, a.box_x, a.box_y, a.box_w, a.box_h, a.frames, a.evidence_frame, "
    "a.evidence_crop, a.verdict, a.verdict_at, a.created_at";
inline constexpr const char* kDeliveryColumns =
    "id, appearance, sink, state, attempts, next_attempt_at, last_error, delivered_at";
inline constexpr const char* kSourceColumns =
    "name, kind, location, last_poll_at, last_success_at, last_error, last_error_at, "
    "consecutive_failures, next_poll_at, (SELECT count(*) FROM videos WHERE source = s.name)";

inline std::string select_videos() {
  return std::string("SELECT ") + kVideoColumns + " FROM videos ";
}
inline std::string select_appearances() {
  return std::string("SELECT ") + kAppearanceColumns +
         " FROM appearances a JOIN videos v ON v.id = a.video ";
}
inline std::string select_deliveries() {
  return std::string("SELECT ") + kDeliveryColumns + " FROM deliveries ";
}
inline std::string select_sources() {
  return std::string("SELECT ") + kSourceColumns + " FROM sources s ";
}

template <class Row>
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
  return v;
}

template <class Row>
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
  return r;
}

template <class Row>
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
  return d;
}

template <class Row>
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
  return r;
}

// The delay before retry number `attempts`: base * 2^(attempts-1), at most cap.
Millis backoff(std::chrono::milliseconds base, std::chrono::milliseconds cap, int attempts);

// Throws InputError for an appearance with no target or a value that is not
// finite: alerts carry appearances as JSON, which has no NaN or infinity.
void check_finite(const Appearance& a);

}  // namespace tw::store::rows
