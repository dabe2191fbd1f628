#include "trends/buckets.h"

#include <algorithm>
#include <ctime>
#include <map>
#include <set>

namespace tw::trends {

namespace {
constexpr Millis kHour = 3600LL * 1000;
constexpr Millis kDay = 24 * kHour;

// Floor division: -1 ms is in the bucket before the epoch, not in bucket 0.
Millis floor_to(Millis t, Millis step) {
  Millis q = t / step;
  if (t % step != 0 && t < 0) --q;
  return q * step;
}
}  // namespace

std::optional<BucketSize> parse_bucket_size(std::string_view text) {
  if (text == "hour") return BucketSize::hour;
  if (text == "day") return BucketSize::day;
  return std::nullopt;
}

std::string_view to_string(BucketSize size) {
  return size == BucketSize::hour ? "hour" : "day";
}

Millis bucket_length(BucketSize size) {
  return size == BucketSize::hour ? kHour : kDay;
}

Millis bucket_start(Millis t, BucketSize size) {
  // UTC has no leap seconds in unix time: hours and days are fixed lengths.
  return floor_to(t, bucket_length(size));
}

std::vector<Bucket> bucketize(const std::vector<CountedVideo>& videos, BucketSize size,
                              Millis since, Millis until, std::size_t max_buckets) {
  std::vector<Bucket> out;
  if (until <= since || max_buckets == 0) return out;
  const Millis step = bucket_length(size);
  Millis first = bucket_start(since, size);
  const Millis last = bucket_start(until - 1, size);
  const auto count = static_cast<std::size_t>((last - first) / step + 1);
  if (count > max_buckets) first = last - static_cast<Millis>(max_buckets - 1) * step;
  for (Millis start = first; start <= last; start += step) out.push_back(Bucket{start});

  std::vector<std::set<std::string>> authors(out.size());
  for (const CountedVideo& v : videos) {
    if (v.at < since || v.at >= until || v.at < first) continue;
    const auto index = static_cast<std::size_t>((bucket_start(v.at, size) - first) / step);
    Bucket& b = out[index];
    ++b.videos;
    b.appearances += v.appearances;
    b.views += v.views.value_or(0);
    b.likes += v.likes.value_or(0);
    b.shares += v.shares.value_or(0);
    // An unknown author is not a distinct one.
    if (!v.author.empty()) authors[index].insert(v.author);
  }
  for (std::size_t i = 0; i < out.size(); ++i)
    out[i].authors = static_cast<std::int64_t>(authors[i].size());
  return out;
}

std::vector<CountedVideo> top_by_views(std::vector<CountedVideo> videos, std::size_t n) {
  std::sort(videos.begin(), videos.end(), [](const CountedVideo& a, const CountedVideo& b) {
    if (a.views.has_value() != b.views.has_value()) return a.views.has_value();
    if (a.views != b.views) return a.views > b.views;
    if (a.at != b.at) return a.at > b.at;
    return a.video_id < b.video_id;
  });
  if (videos.size() > n) videos.resize(n);
  return videos;
}

std::string iso8601(Millis t) {
  std::time_t seconds = static_cast<std::time_t>(floor_to(t, 1000) / 1000);
  std::tm tm{};
  if (!::gmtime_r(&seconds, &tm)) return {};
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

}  // namespace tw::trends
