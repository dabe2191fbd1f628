#pragma once
// Trend figures: the videos that showed a target, counted per UTC hour or
// day.  A video counts once, in the bucket of its posted time when the
// platform gave one, else of when trendwatch first saw it; its reach is its
// latest observed figures (docs/trends.md).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tw::trends {

using Millis = std::int64_t;  // unix milliseconds, UTC

enum class BucketSize { hour, day };

// "hour" / "day"; nullopt otherwise.
std::optional<BucketSize> parse_bucket_size(std::string_view text);
std::string_view to_string(BucketSize size);
Millis bucket_length(BucketSize size);
// The start of the UTC hour or day holding t (also for times before 1970).
Millis bucket_start(Millis t, BucketSize size);

// One video with at least one appearance of the target.
struct CountedVideo {
  std::int64_t video_id = 0;  // the store's row id
  Millis at = 0;              // posted time when known, else first seen
  std::string author;
  std::int64_t appearances = 0;  // of the target in this video
  std::optional<std::int64_t> views, likes, shares;
  std::optional<Millis> observed_at;  // when the figures were observed
  // For lists of top videos:
  std::string platform, id, url, title, posted_at;
  float best_score = 0;
  std::string best_appearance;  // the id of its best appearance
};

struct Bucket {
  Millis start = 0;
  std::int64_t videos = 0;
  std::int64_t appearances = 0;
  std::int64_t authors = 0;  // distinct, within the bucket
  std::int64_t views = 0, likes = 0, shares = 0;
};

// Every bucket from the one holding `since` to the one holding `until - 1`,
// empty ones included, so a chart's gaps are real zeros.  Videos outside
// [since, until) are left out.  At most `max_buckets` (the newest kept).
std::vector<Bucket> bucketize(const std::vector<CountedVideo>& videos, BucketSize size,
                              Millis since, Millis until, std::size_t max_buckets = 10000);

// The `n` videos with the most views (unknown views last), ties by time,
// newest first.
std::vector<CountedVideo> top_by_views(std::vector<CountedVideo> videos, std::size_t n);

// "2026-12-04T10:00:00Z".
std::string iso8601(Millis t);

}  // namespace tw::trends
