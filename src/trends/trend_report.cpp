#include "trends/trend_report.h"

#include <cmath>

namespace tw::trends {

using nlohmann::ordered_json;

namespace {

ordered_json or_null(const std::optional<std::int64_t>& value) {
  return value ? ordered_json(*value) : ordered_json(nullptr);
}

ordered_json text_or_null(const std::string& value) {
  return value.empty() ? ordered_json(nullptr) : ordered_json(value);
}

double rounded(double value, double scale) {
  return std::round(value * scale) / scale;
}

}  // namespace

std::vector<CountedVideo> counted_videos(const store::Store& store, const std::string& target,
                                         Millis since, Millis until) {
  std::vector<CountedVideo> out;
  for (const store::TrendVideo& row : store.trend_videos(target, since, until)) {
    CountedVideo v;
    const store::VideoRecord& video = row.video;
    v.video_id = video.id;
    v.at = row.counted_at;
    v.author = video.ref.author;
    v.appearances = row.appearances;
    if (video.latest) {
      v.views = video.latest->views;
      v.likes = video.latest->likes;
      v.shares = video.latest->shares;
      v.observed_at = video.latest->observed_at;
    }
    v.platform = video.ref.platform;
    v.id = video.ref.id;
    v.url = video.ref.url;
    v.title = video.ref.title;
    v.posted_at = video.ref.posted_at;
    v.best_score = row.best_score;
    v.best_appearance = row.best_appearance_id;
    out.push_back(std::move(v));
  }
  return out;
}

TrendReport trend_report(const store::Store& store, const std::string& target, BucketSize by,
                         Millis since, Millis until, std::size_t top) {
  TrendReport report;
  report.target = target;
  report.by = by;
  report.since = since;
  report.until = until;
  std::vector<CountedVideo> videos = counted_videos(store, target, since, until);
  report.buckets = bucketize(videos, by, since, until);
  report.top_videos = top_by_views(std::move(videos), top);
  for (store::SurgeRecord& s : store.surges(target, since))
    if (s.started_at < until) report.surges.push_back(std::move(s));
  return report;
}

ordered_json to_json(const CountedVideo& v) {
  return {{"video", v.video_id},
          {"platform", v.platform},
          {"id", v.id},
          {"url", v.url},
          {"title", v.title},
          {"author", v.author},
          {"views", or_null(v.views)},
          {"likes", or_null(v.likes)},
          {"shares", or_null(v.shares)},
          {"observed_at", v.observed_at ? ordered_json(iso8601(*v.observed_at)) : nullptr},
          {"posted_at", text_or_null(v.posted_at)},
          {"counted_at", iso8601(v.at)},
          {"appearances", v.appearances},
          {"best_score", rounded(v.best_score, 10000)},
          {"appearance", text_or_null(v.best_appearance)}};
}

ordered_json to_json(const store::SurgeRecord& s) {
  return {{"id", s.id},
          {"target", s.target},
          {"started_at", iso8601(s.started_at)},
          {"opened_at", iso8601(s.opened_at)},
          {"ended_at", s.ended_at ? ordered_json(iso8601(*s.ended_at)) : nullptr},
          {"videos", s.videos},
          {"expected", rounded(s.expected, 1000)},
          {"views", s.views},
          {"reason", s.reason}};
}

ordered_json to_json(const TrendReport& report) {
  ordered_json out;
  out["target"] = report.target;
  out["by"] = std::string(to_string(report.by));
  out["since"] = iso8601(report.since);
  out["until"] = iso8601(report.until);
  out["buckets"] = ordered_json::array();
  for (const Bucket& b : report.buckets)
    out["buckets"].push_back({{"start", iso8601(b.start)},
                              {"videos", b.videos},
                              {"appearances", b.appearances},
                              {"authors", b.authors},
                              {"views", b.views},
                              {"likes", b.likes},
                              {"shares", b.shares}});
  out["top_videos"] = ordered_json::array();
  for (const CountedVideo& v : report.top_videos) out["top_videos"].push_back(to_json(v));
  out["surges"] = ordered_json::array();
  for (const store::SurgeRecord& s : report.surges) out["surges"].push_back(to_json(s));
  return out;
}

}  // namespace tw::trends
