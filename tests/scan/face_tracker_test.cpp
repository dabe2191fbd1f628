// The face tracker's rules for re-using a descriptor: overlap, look,
// settledness, age, and the stricter rule for faces that may match.
#include <gtest/gtest.h>

#include "scan/face_tracker.h"

namespace tw {
namespace {

using scan::FaceTracker;

cv::Mat patch(int grey) {
  return cv::Mat(16, 16, CV_8UC1, cv::Scalar(grey));
}

Box moved(Box b, float dx) {
  b.x += dx;
  return b;
}

// One face tracked from a first frame; returns what continued() says for
// `next` in the second.
int continued_after(const Box& first, bool settled, bool may_match, const Box& next,
                    int next_grey = 100) {
  FaceTracker tracker(scan::TrackingOptions{});
  tracker.update({first}, {patch(100)}, {Descriptor(128, 0.1f)}, {-1}, {settled}, {may_match});
  return tracker.continued({next}, {patch(next_grey)}).at(0);
}

TEST(FaceTracker, ReusesASettledFaceThatMovedALittle) {
  const Box face{100, 100, 100, 100};
  EXPECT_EQ(continued_after(face, true, false, moved(face, 20)), 0);  // IoU 0.67
  EXPECT_EQ(continued_after(face, true, false, moved(face, 60)), -1) << "IoU 0.25";
  EXPECT_EQ(continued_after(face, true, false, face, 160), -1) << "another look";
  EXPECT_EQ(continued_after(face, false, false, face), -1) << "near a threshold";
}

TEST(FaceTracker, AFaceThatMayMatchIsReusedOnlyWhileItStaysPut) {
  const Box face{100, 100, 100, 100};
  EXPECT_EQ(continued_after(face, true, true, moved(face, 3)), 0);    // IoU 0.94
  EXPECT_EQ(continued_after(face, true, true, moved(face, 20)), -1);  // IoU 0.67
  FaceTracker tracker(scan::TrackingOptions{});
  tracker.update({face}, {patch(100)}, {Descriptor(128, 0.1f)}, {-1}, {true}, {true});
  EXPECT_TRUE(tracker.may_match_at(moved(face, 20)));
  EXPECT_FALSE(tracker.may_match_at(moved(face, 80)));
}

TEST(FaceTracker, ADescriptorIsRefreshedAfterRecheckEvery) {
  scan::TrackingOptions options;
  options.recheck_every = 3;
  FaceTracker tracker(options);
  const Box face{100, 100, 100, 100};
  tracker.update({face}, {patch(100)}, {Descriptor(128, 0.1f)}, {-1}, {true});
  int reused = 0;
  for (int frame = 0; frame < 5; ++frame) {
    const int track = tracker.continued({face}, {patch(100)}).at(0);
    if (track < 0) break;
    ++reused;
    tracker.update({face}, {patch(100)}, {tracker.descriptor(track)}, {track}, {true});
  }
  EXPECT_EQ(reused, 2);
}

}  // namespace
}  // namespace tw
