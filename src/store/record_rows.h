#pragma once
// The column lists of the store's records and the readers that turn a row of
// them back into a record, shared by every query and both back ends.
#include <chrono>
#include <string>

#include "store/connection.h"
#include "store/store.h"

namespace tw::store::rows {

// Column lists in reader order, without FROM (RETURNING uses them too), and
// the SELECTs built from them, ready for a WHERE clause.
inline constexpr const char* kVideoColumns =
    "v.id, v.platform, v.video_id, v.url, v.title, v.author, v.posted_at, v.source, "
    "v.first_seen_at, v.state, v.attempts, v.next_attempt_at, v.lease_owner, v.lease_expires_at, "
    "v.last_error, v.target_set_version, v.duration, v.hashtags, v.music_id, v.music_title, "
    "v.media_url, v.posted_ms, v.refreshed_at, v.views, v.likes, v.comments, v.shares, v.saves, "
    "v.stats_observed_at, v.stats_source";
inline constexpr int kVideoColumnCount = 30;
inline constexpr const char* kAppearanceColumns =
    "a.id, a.video, v.platform, v.video_id, v.url, v.title, v.author, v.posted_at, v.source, "
    "a.scan, a.target_set_version, a.target, a.start_s, a.end_s, a.best_time, a.best_score, "
    "a.best_distance, a.box_x, a.box_y, a.box_w, a.box_h, a.frames, a.evidence_frame, "
    "a.evidence_crop, a.verdict, a.verdict_at, a.created_at, v.hashtags, v.views, "
    "v.likes, v.comments, v.shares, v.saves, v.stats_observed_at, v.stats_source";
inline constexpr const char* kDeliveryColumns =
    "id, appearance, sink, state, attempts, next_attempt_at, last_error, delivered_at, kind";
inline constexpr const char* kSourceColumns =
    "name, kind, location, last_poll_at, last_success_at, last_error, last_error_at, "
    "consecutive_failures, next_poll_at, (SELECT count(*) FROM videos WHERE source = s.name), "
    "warnings, state";
inline constexpr const char* kSurgeColumns =
    "id, target, started_at, opened_at, ended_at, window_ms, videos, expected, views, reason, "
    "payload";
inline constexpr const char* kObservationColumns =
    "views, likes, comments, shares, saves, observed_at, source";
inline constexpr const char* kScanColumns =
    "id, video, target_set_version, worker, started_at, finished_at, frames_sampled, status, "
    "error, timings";

inline std::string select_videos() {
  return std::string("SELECT ") + kVideoColumns + " FROM videos v ";
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
inline std::string select_scans() {
  return std::string("SELECT ") + kScanColumns + " FROM scans ";
}
inline std::string select_surges() {
  return std::string("SELECT ") + kSurgeColumns + " FROM surges ";
}

// An appearance that counts (for trends, listings, refreshes): not dismissed.
inline constexpr const char* kNotDismissed = "(a.verdict IS NULL OR a.verdict <> 'dismissed')";

// Figures in the order views, likes, comments, shares, saves, observed at,
// source, from column `first` on; nullopt when never observed.
std::optional<VideoStats> read_stats(const Row& row, int first);
VideoRecord read_video(const Row& row);  // columns 0 .. kVideoColumnCount-1
AppearanceRecord read_appearance(const Row& row);
DeliveryRecord read_delivery(const Row& row);
SourceRecord read_source(const Row& row);
ScanRecord read_scan(const Row& row);
SurgeRecord read_surge(const Row& row);

// The delay before retry number `attempts`: base * 2^(attempts-1), at most cap.
Millis backoff(std::chrono::milliseconds base, std::chrono::milliseconds cap, int attempts);

// Throws InputError for an appearance with no target or a value that is not
// finite: alerts carry appearances as JSON, which has no NaN or infinity.
void check_finite(const Appearance& a);

}  // namespace tw::store::rows
