// The optimized path's order of analysis, with a scripted analysis instead
// of models: which frames are analysed, which re-use hits, and that every
// sampled frame comes out once, in order.
#include "scan/frame_schedule.h"

#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

using namespace tw;
using namespace tw::scan;

namespace {

// A thumbnail the gate sees as scene `look`: looks 1 or 2 apart differ in
// every cell by 8 or 16 grey levels (a change, not a cut); 3 or more apart,
// a cut.
cv::Mat thumbnail(int look) {
  return cv::Mat(160, 90, CV_8UC1, cv::Scalar(100 + 8 * look));
}

struct Frame {
  int look = 0;           // what the gate sees
  std::string hit;        // target hit when analysed ("": none)
  std::string unsettled;  // the analysis leaves doubt about this target ("": none)
};

struct Outcome {
  std::int64_t index = 0;
  std::string hit;
  bool reused = false;
};

// Runs the schedule over `frames`; analysed: the frame indices analysed,
// in the order they were.
struct Schedule {
  std::vector<Outcome> emitted;
  std::vector<std::int64_t> analysed;
  // By frame index: the tracker handed to the analysis still followed the
  // face of the analysed frame before (it is dropped at a cut).
  std::map<std::int64_t, bool> tracked;
};

Schedule run(const std::vector<Frame>& frames, bool hold_back = true, int max_gap = 2) {
  Schedule out;
  FrameSchedule schedule(
      SceneGateOptions{}, TrackingOptions{}, hold_back, max_gap,
      [&](const cv::Mat& bgr, FaceTracker& tracker) {
        // The frame's index is written in its first pixel.
        const int index = bgr.at<int>(0, 0);
        out.analysed.push_back(index);
        // Every frame shows one face at the same place.
        const Box box{100, 100, 80, 100};
        const cv::Mat patch(16, 16, CV_8UC1, cv::Scalar(128));
        out.tracked[index] = tracker.continued({box}, {patch}).at(0) >= 0;
        tracker.update({box}, {patch}, {Descriptor(128, 0.f)}, {-1}, {true});
        FrameAnalysis a;
        if (!frames[index].hit.empty()) {
          FrameHit hit;
          hit.target = frames[index].hit;
          a.frame.hits.push_back(hit);
        }
        if (!frames[index].unsettled.empty()) a.frame.unsettled.insert(frames[index].unsettled);
        a.faces = a.frame.hits.size();
        return a;
      },
      [&](std::int64_t index, const media::SampledFrame&, const FrameAnalysis& a, bool reused) {
        out.emitted.push_back({index, a.frame.hits.empty() ? "" : a.frame.hits[0].target, reused});
      });
  for (std::size_t i = 0; i < frames.size(); ++i) {
    media::SampledFrame f;
    f.bgr = cv::Mat(1, 1, CV_32SC1, cv::Scalar(static_cast<int>(i)));
    f.time = 0.2 * static_cast<double>(i);
    schedule.add(std::move(f), thumbnail(frames[i].look));
  }
  schedule.finish();
  return out;
}

void expect_every_frame_once_in_order(const Schedule& r, std::size_t frames) {
  ASSERT_EQ(r.emitted.size(), frames);
  for (std::size_t i = 0; i < frames; ++i) EXPECT_EQ(r.emitted[i].index, static_cast<int>(i));
  const std::set<std::int64_t> distinct(r.analysed.begin(), r.analysed.end());
  EXPECT_EQ(distinct.size(), r.analysed.size()) << "a frame was analysed twice";
}

// Frames whose look changes every frame (moving footage), also against
// the frame two before.
std::vector<Frame> changing(int n, const std::string& hit = "", const std::string& unsettled = "") {
  std::vector<Frame> out;
  for (int i = 0; i < n; ++i) out.push_back({i % 3, hit, unsettled});
  return out;
}

}  // namespace

TEST(FrameSchedule, AStillShotIsAnalysedOnceAndAgainAfterMaxSkipped) {
  std::vector<Frame> frames(25, Frame{0, "anne", ""});
  Schedule r = run(frames);
  expect_every_frame_once_in_order(r, frames.size());
  // max_skipped 9: frames 0, 10 and 20.
  EXPECT_EQ(r.analysed, (std::vector<std::int64_t>{0, 10, 20}));
  for (const auto& e : r.emitted) {
    EXPECT_EQ(e.hit, "anne");
    EXPECT_EQ(e.reused, e.index % 10 != 0);
  }
}

TEST(FrameSchedule, ChangingFramesWithoutDoubtAreAnalysedEveryOtherFrame) {
  std::vector<Frame> frames = changing(11, "anne");
  Schedule r = run(frames);
  expect_every_frame_once_in_order(r, frames.size());
  EXPECT_EQ(r.analysed, (std::vector<std::int64_t>{0, 2, 4, 6, 8, 10}));
  for (const auto& e : r.emitted) {
    EXPECT_EQ(e.hit, "anne");
    EXPECT_EQ(e.reused, e.index % 2 == 1) << e.index;
  }
}

TEST(FrameSchedule, AHeldFrameIsAnalysedWhenItsNeighboursDisagreeOrLeaveDoubt) {
  // Frame 1 is held between two frames without hits and takes frame 0's;
  // frame 3 is held between frame 2 (nothing) and frame 4 (Jesper), so it
  // is analysed after frame 4; frame 5, held at the end, by finish().
  std::vector<Frame> frames = changing(6);
  frames[3].hit = "jesper";
  frames[4].hit = "jesper";
  frames[5].hit = "jesper";
  Schedule r = run(frames);
  expect_every_frame_once_in_order(r, frames.size());
  EXPECT_EQ(r.analysed, (std::vector<std::int64_t>{0, 2, 4, 3, 5}));
  EXPECT_TRUE(r.emitted[1].reused);
  EXPECT_FALSE(r.emitted[3].reused);
  EXPECT_EQ(r.emitted[3].hit, "jesper");

  // Anne on both sides, but frame 2 leaves doubt about Jesper: frames 1
  // and 3, held on either side of it, are analysed too.
  std::vector<Frame> doubt = changing(5, "anne");
  doubt[2].unsettled = "jesper";
  Schedule d = run(doubt);
  expect_every_frame_once_in_order(d, doubt.size());
  EXPECT_EQ(d.analysed, (std::vector<std::int64_t>{0, 2, 1, 4, 3}));
  for (const auto& e : d.emitted) EXPECT_FALSE(e.reused) << e.index;

  // Doubt about Anne herself, hit on both sides, does not matter: the held
  // frames are within one appearance of hers whatever they show.
  std::vector<Frame> inside = changing(5, "anne", "anne");
  Schedule i = run(inside);
  expect_every_frame_once_in_order(i, inside.size());
  EXPECT_EQ(i.analysed, (std::vector<std::int64_t>{0, 2, 4}));
}

TEST(FrameSchedule, WithoutHoldingBackEveryChangingFrameIsAnalysed) {
  std::vector<Frame> frames = changing(7, "anne");
  Schedule r = run(frames, false);
  expect_every_frame_once_in_order(r, frames.size());
  EXPECT_EQ(r.analysed, (std::vector<std::int64_t>{0, 1, 2, 3, 4, 5, 6}));
}

TEST(FrameSchedule, AChangeThatComesAndGoesIsAnalysedInPlace) {
  // Frame 1 changes (Jesper flashes by) and frame 2 looks like frame 0
  // again: the held frame 1 is analysed as soon as frame 2 shows no change,
  // then frame 2 is analysed against it, and frame 3 re-uses frame 2's.
  std::vector<Frame> frames = {{0, "", ""}, {1, "jesper", ""}, {0, "", ""}, {0, "", ""}};
  Schedule r = run(frames);
  expect_every_frame_once_in_order(r, frames.size());
  EXPECT_EQ(r.analysed, (std::vector<std::int64_t>{0, 1, 2}));
  EXPECT_EQ(r.emitted[1].hit, "jesper");
  EXPECT_FALSE(r.emitted[1].reused);
  EXPECT_EQ(r.emitted[3].hit, "");
  EXPECT_TRUE(r.emitted[3].reused);
}

TEST(FrameSchedule, AFrameHeldAtTheEndIsAnalysedByFinish) {
  std::vector<Frame> frames = changing(4, "anne");
  Schedule r = run(frames);
  expect_every_frame_once_in_order(r, frames.size());
  EXPECT_EQ(r.analysed.back(), 3);
  EXPECT_FALSE(r.emitted.back().reused);
}

TEST(FrameSchedule, TracksAreDroppedAtACut) {
  // A cut at frame 3 from a shot with Anne to one with nobody: frame 3 is
  // held, then analysed after frame 4 since the hits differ; neither sees
  // the tracks of the shot before.
  std::vector<Frame> frames = {
      {0, "anne", ""}, {1, "anne", ""}, {0, "anne", ""}, {4, "", ""}, {5, "", ""}};
  Schedule r = run(frames);
  expect_every_frame_once_in_order(r, frames.size());
  EXPECT_EQ(r.analysed, (std::vector<std::int64_t>{0, 1, 2, 4, 3}));
  EXPECT_TRUE(r.tracked[1]);
  EXPECT_TRUE(r.tracked[2]);
  EXPECT_FALSE(r.tracked[3]);
  EXPECT_FALSE(r.tracked[4]);
  EXPECT_EQ(r.emitted[2].hit, "anne");
  EXPECT_EQ(r.emitted[3].hit, "");
}
