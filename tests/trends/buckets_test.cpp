// Trend buckets: UTC hours and days, each video once, empty buckets kept.
#include "trends/buckets.h"

#include <gtest/gtest.h>

#include "trends/trend_time.h"

namespace tw::trends {
namespace {

using test::kDay;
using test::kDec3;
using test::kHour;

CountedVideo video(std::int64_t id, Millis at, std::string author = "",
                   std::optional<std::int64_t> views = std::nullopt, std::int64_t appearances = 1) {
  CountedVideo v;
  v.video_id = id;
  v.at = at;
  v.author = std::move(author);
  v.views = views;
  v.appearances = appearances;
  return v;
}

TEST(Buckets, StartsAreUtcHoursAndDays) {
  EXPECT_EQ(iso8601(kDec3), "2026-12-03T00:00:00Z");
  const Millis t = kDec3 + 13 * kHour + 59 * 60 * 1000 + 59999;  // 13:59:59.999
  EXPECT_EQ(iso8601(bucket_start(t, BucketSize::hour)), "2026-12-03T13:00:00Z");
  EXPECT_EQ(iso8601(bucket_start(t, BucketSize::day)), "2026-12-03T00:00:00Z");
  // Before 1970 the floor still goes down, not towards zero.
  EXPECT_EQ(bucket_start(-1, BucketSize::hour), -kHour);
  EXPECT_EQ(iso8601(bucket_start(-1, BucketSize::day)), "1969-12-31T00:00:00Z");
}

TEST(Buckets, ADayBoundaryIsCountedOnce) {
  const Millis midnight = kDec3 + kDay;
  std::vector<CountedVideo> videos{video(1, midnight - 1, "a"), video(2, midnight, "b"),
                                   video(3, midnight + 1, "b")};
  auto days = bucketize(videos, BucketSize::day, kDec3, kDec3 + 2 * kDay);
  ASSERT_EQ(days.size(), 2u);
  EXPECT_EQ(days[0].start, kDec3);
  EXPECT_EQ(days[0].videos, 1);
  EXPECT_EQ(days[1].start, midnight);
  EXPECT_EQ(days[1].videos, 2);
  EXPECT_EQ(days[1].authors, 1);  // "b" twice is one author
  EXPECT_EQ(days[0].videos + days[1].videos, 3);
}

TEST(Buckets, EmptyBucketsAreKeptAndFiguresSummed) {
  std::vector<CountedVideo> videos{video(1, kDec3 + 10 * 60 * 1000, "a", 1000, 2),
                                   video(2, kDec3 + 20 * 60 * 1000, "", 500, 1),
                                   video(3, kDec3 + 3 * kHour, "c", std::nullopt, 4)};
  videos[0].likes = 7;
  videos[0].shares = 3;
  auto hours = bucketize(videos, BucketSize::hour, kDec3, kDec3 + 4 * kHour);
  ASSERT_EQ(hours.size(), 4u);
  EXPECT_EQ(hours[0].videos, 2);
  EXPECT_EQ(hours[0].appearances, 3);
  EXPECT_EQ(hours[0].authors, 1);  // an unknown author is not counted as one
  EXPECT_EQ(hours[0].views, 1500);
  EXPECT_EQ(hours[0].likes, 7);
  EXPECT_EQ(hours[0].shares, 3);
  EXPECT_EQ(hours[1].videos, 0);
  EXPECT_EQ(hours[2].videos, 0);
  EXPECT_EQ(hours[3].videos, 1);
  EXPECT_EQ(hours[3].views, 0);  // unknown views add nothing
  EXPECT_EQ(hours[3].appearances, 4);
}

TEST(Buckets, VideosOutsideTheRangeAreLeftOut) {
  std::vector<CountedVideo> videos{video(1, kDec3 - 1), video(2, kDec3), video(3, kDec3 + kHour)};
  auto hours = bucketize(videos, BucketSize::hour, kDec3, kDec3 + kHour);
  ASSERT_EQ(hours.size(), 1u);
  EXPECT_EQ(hours[0].videos, 1);
  EXPECT_TRUE(bucketize(videos, BucketSize::hour, kDec3, kDec3).empty());
}

TEST(Buckets, TooManyBucketsKeepTheNewest) {
  std::vector<CountedVideo> videos{video(1, kDec3), video(2, kDec3 + 9 * kHour + 5)};
  auto hours = bucketize(videos, BucketSize::hour, kDec3, kDec3 + 10 * kHour, 3);
  ASSERT_EQ(hours.size(), 3u);
  EXPECT_EQ(hours.front().start, kDec3 + 7 * kHour);
  EXPECT_EQ(hours.back().videos, 1);
}

TEST(Buckets, TopVideosByViewsThenNewest) {
  std::vector<CountedVideo> videos{video(1, kDec3, "", 10), video(2, kDec3 + 1, "", std::nullopt),
                                   video(3, kDec3 + 2, "", 5000), video(4, kDec3 + 3, "", 10)};
  auto top = top_by_views(videos, 3);
  ASSERT_EQ(top.size(), 3u);
  EXPECT_EQ(top[0].video_id, 3);
  EXPECT_EQ(top[1].video_id, 4);  // same views: the newer first
  EXPECT_EQ(top[2].video_id, 1);
  EXPECT_EQ(top_by_views(videos, 10).back().video_id, 2);  // unknown views last
}

TEST(Buckets, BucketSizeNames) {
  EXPECT_EQ(parse_bucket_size("hour"), BucketSize::hour);
  EXPECT_EQ(parse_bucket_size("day"), BucketSize::day);
  EXPECT_FALSE(parse_bucket_size("week"));
  EXPECT_EQ(to_string(BucketSize::day), "day");
}

}  // namespace
}  // namespace tw::trends
