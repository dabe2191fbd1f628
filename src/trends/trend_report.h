#pragma once
// What `trendwatch trends` prints and the dashboard's trend page shows: a
// target's videos per bucket, its top videos by views, and its surges, read
// from the store.
#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "store/store.h"
#include "trends/buckets.h"

namespace tw::trends {

struct TrendReport {
  std::string target;
  BucketSize by = BucketSize::hour;
  Millis since = 0, until = 0;
  std::vector<Bucket> buckets;
  std::vector<CountedVideo> top_videos;
  std::vector<store::SurgeRecord> surges;  // started within [since, until), or still open
};

// The videos with a (not dismissed) appearance of `target` counted in
// [since, until).
std::vector<CountedVideo> counted_videos(const store::Store& store, const std::string& target,
                                         Millis since, Millis until);

TrendReport trend_report(const store::Store& store, const std::string& target, BucketSize by,
                         Millis since, Millis until, std::size_t top = 10);

// {"target", "by", "since", "until", "buckets": [{"start", "videos",
// "appearances", "authors", "views", "likes", "shares"}], "top_videos":
// [{"url", "title", "author", "views", "likes", "shares", "posted_at",
// "best_score", "appearance", "video"}], "surges": [...]}.
nlohmann::ordered_json to_json(const TrendReport& report);
nlohmann::ordered_json to_json(const CountedVideo& video);
nlohmann::ordered_json to_json(const store::SurgeRecord& surge);

}  // namespace tw::trends
