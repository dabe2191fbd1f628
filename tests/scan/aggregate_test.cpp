// Frame hits -> appearances, and the pipeline's queue; no models needed.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "scan/aggregate.h"
#include "scan/bounded_queue.h"

using namespace tw::scan;

namespace {

constexpr double kSamplePeriod = 0.2;  // 5 fps

// Feeds sampled frames 0..count-1; hit_frames say which ones hit `target`.
std::vector<AppearanceEvidence> run(const std::vector<int>& hit_frames, int count,
                                    AggregationOptions options = {}, double duration = 0,
                                    const std::string& target = "t") {
  AppearanceAggregator agg(options, kSamplePeriod, false);
  for (int i = 0; i < count; ++i) {
    std::vector<FrameHit> hits;
    if (std::find(hit_frames.begin(), hit_frames.end(), i) != hit_frames.end())
      hits.push_back({target, 0.5f + 0.01f * i, 0.4f - 0.001f * i, {float(i), 0, 10, 10}, {}, {}});
    agg.add_frame(i, i * kSamplePeriod, hits, cv::Mat());
  }
  return agg.finish(duration > 0 ? duration : count * kSamplePeriod);
}

}  // namespace

TEST(Aggregate, ConsecutiveHitsAreOneAppearanceEndingOnePeriodAfterTheLastHit) {
  auto out = run({15, 16, 17, 18, 19, 20, 21, 22, 23, 24}, 40);  // 3.0 s .. 4.8 s
  ASSERT_EQ(out.size(), 1u);
  const auto& a = out[0].appearance;
  EXPECT_DOUBLE_EQ(a.start, 3.0);
  EXPECT_NEAR(a.end, 5.0, 1e-9);
  EXPECT_EQ(a.frames, 10);
  EXPECT_NEAR(a.best_time, 24 * kSamplePeriod, 1e-9);  // the highest score
  EXPECT_FLOAT_EQ(a.box.x, 24.f);
  EXPECT_NEAR(a.best_score, 0.74f, 1e-6);
}

TEST(Aggregate, ASingleStrayFrameIsDroppedUnlessMinFramesIsOne) {
  EXPECT_TRUE(run({7}, 20).empty());
  AggregationOptions one;
  one.min_frames = 1;
  auto out = run({7}, 20, one);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_NEAR(out[0].appearance.start, 1.4, 1e-9);
  EXPECT_NEAR(out[0].appearance.end, 1.6, 1e-9);
}

TEST(Aggregate, AHalfSecondCameoIsKept) {
  auto out = run({10, 11, 12}, 20);  // 2.0, 2.2, 2.4 s on screen
  ASSERT_EQ(out.size(), 1u);
  EXPECT_NEAR(out[0].appearance.start, 2.0, 1e-9);
  EXPECT_NEAR(out[0].appearance.end, 2.6, 1e-9);
}

TEST(Aggregate, ShortGapsJoinLongerGapsSplit) {
  auto joined = run({2, 3, 6, 7}, 12);  // two sampled frames missed: 0.4 s
  ASSERT_EQ(joined.size(), 1u);
  EXPECT_EQ(joined[0].appearance.frames, 4);
  EXPECT_NEAR(joined[0].appearance.end, 1.6, 1e-9);
  auto split = run({2, 3, 7, 8}, 12);  // three missed
  ASSERT_EQ(split.size(), 2u);
  EXPECT_NEAR(split[0].appearance.end, 0.8, 1e-9);
  EXPECT_NEAR(split[1].appearance.start, 1.4, 1e-9);
  AggregationOptions no_gap;
  no_gap.max_gap = 0;
  EXPECT_EQ(run({2, 3, 5, 6}, 12, no_gap).size(), 2u);
  AggregationOptions one;
  one.max_gap = 1;
  EXPECT_EQ(run({2, 3, 5, 6}, 12, one).size(), 1u);
  EXPECT_EQ(run({2, 3, 6, 7}, 12, one).size(), 2u);
}

TEST(Aggregate, EndIsClippedToTheDuration) {
  auto out = run({8, 9}, 10, {}, 1.9);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_NEAR(out[0].appearance.end, 1.9, 1e-9);
}

TEST(Aggregate, TargetsAreAggregatedIndependently) {
  AppearanceAggregator agg({}, kSamplePeriod, true);
  cv::Mat frame(8, 8, CV_8UC3, cv::Scalar(1, 2, 3));
  for (int i = 0; i < 20; ++i) {
    std::vector<FrameHit> hits;
    if (i >= 2 && i < 6) hits.push_back({"a", 0.6f, 0.3f, {}, {}, {}});
    if (i >= 4 && i < 12) hits.push_back({"b", 0.7f, 0.2f, {}, frame(cv::Rect(0, 0, 4, 4)), {}});
    agg.add_frame(i, i * kSamplePeriod, hits, frame);
  }
  auto out = agg.finish(4.0);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].appearance.target, "a");
  EXPECT_NEAR(out[0].appearance.start, 0.4, 1e-9);
  EXPECT_NEAR(out[0].appearance.end, 1.2, 1e-9);
  EXPECT_EQ(out[1].appearance.target, "b");
  EXPECT_NEAR(out[1].appearance.start, 0.8, 1e-9);
  EXPECT_NEAR(out[1].appearance.end, 2.4, 1e-9);
  EXPECT_EQ(out[1].best_crop.cols, 4);
  EXPECT_EQ(out[1].best_frame.cols, 8);
}

TEST(BoundedQueue, DeliversInOrderAndBlocksTheProducerWhenFull) {
  BoundedQueue<int> queue(2);
  std::atomic<int> pushed{0};
  std::thread producer([&] {
    for (int i = 0; i < 100; ++i) {
      queue.push(i);
      pushed = i + 1;
    }
    queue.close();
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_LE(pushed.load(), 3) << "the producer ran ahead of a full queue";
  int expected = 0;
  while (auto v = queue.pop()) EXPECT_EQ(*v, expected++);
  producer.join();
  EXPECT_EQ(expected, 100);
}

TEST(BoundedQueue, CancelWakesABlockedProducer) {
  BoundedQueue<int> queue(1);
  queue.push(1);
  std::atomic<bool> returned{false};
  bool result = true;
  std::thread producer([&] {
    result = queue.push(2);
    returned = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  EXPECT_FALSE(returned.load());
  queue.cancel();
  producer.join();
  EXPECT_FALSE(result);
  EXPECT_FALSE(queue.pop().has_value());
}
