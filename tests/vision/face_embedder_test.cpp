// FaceEmbedder alone: deterministic, batches equal singles, other crop sizes
// are resized, bad crops are refused; descriptor_distance is Euclidean.
#include <gtest/gtest.h>
#include <opencv2/imgproc.hpp>

#include <cmath>

#include "vision/face_embedder.h"
#include "vision/face_models.h"

namespace fs = std::filesystem;
using tw::Descriptor;
using tw::vision::descriptor_distance;
using tw::vision::FaceEmbedder;

namespace {

std::vector<cv::Mat> golden_crops() {
  std::vector<cv::Mat> crops;
  const fs::path dir = tw::test::source_dir() / "tests" / "data" / "golden" / "descriptor_crops";
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  for (const auto& file : files) crops.push_back(cv::imread(file.string()));
  return crops;
}

double max_abs_diff(const Descriptor& a, const Descriptor& b) {
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, double(std::abs(a[i] - b[i])));
  return worst;
}

}  // namespace

TEST(FaceEmbedder, SameCropTwiceGivesIdenticalDescriptors) {
  const auto crops = golden_crops();
  ASSERT_FALSE(crops.empty());
  FaceEmbedder embedder(tw::test::test_models());
  const auto twice = embedder.embed({crops[0], crops[0].clone()});
  ASSERT_EQ(twice.size(), 2u);
  ASSERT_EQ(twice[0].size(), 128u);
  EXPECT_EQ(twice[0], twice[1]);
  EXPECT_EQ(descriptor_distance(twice[0], twice[1]), 0.f);
  EXPECT_EQ(embedder.embed({crops[0]})[0].size(), 128u);
}

TEST(FaceEmbedder, BatchesOfEightEqualSingles) {
  const auto crops = golden_crops();
  ASSERT_GE(crops.size(), 9u) << "need more crops than one batch";
  FaceEmbedder embedder(tw::test::test_models(), 8);
  const auto batched = embedder.embed(crops);  // a batch of 8, then the rest
  ASSERT_EQ(batched.size(), crops.size());
  double worst = 0;
  for (size_t i = 0; i < crops.size(); ++i) {
    const auto single = embedder.embed({crops[i]});
    worst = std::max(worst, max_abs_diff(batched[i], single[0]));
  }
  std::printf("[embedder] max |batch - single| over %zu crops: %.3g\n", crops.size(), worst);
  EXPECT_LT(worst, 1e-5);
  // Different faces are not the same descriptor.
  EXPECT_GT(descriptor_distance(batched[0], batched[1]), 0.1f);
}

TEST(FaceEmbedder, OtherSizesAreResizedAndBadCropsRefused) {
  const auto crops = golden_crops();
  FaceEmbedder embedder(tw::test::test_models());
  cv::Mat larger;
  cv::resize(crops[0], larger, cv::Size(300, 300), 0, 0, cv::INTER_CUBIC);
  const auto both = embedder.embed({crops[0], larger});
  // Up and down again is not pixel-exact, but it is the same face.
  EXPECT_LT(descriptor_distance(both[0], both[1]), 0.1f);
  EXPECT_TRUE(embedder.embed({}).empty());
  EXPECT_THROW(embedder.embed({cv::Mat()}), std::invalid_argument);
  EXPECT_THROW(embedder.embed({cv::Mat(150, 150, CV_8UC1, cv::Scalar(0))}), std::invalid_argument);
}

TEST(FaceEmbedder, DistanceIsEuclidean) {
  EXPECT_FLOAT_EQ(descriptor_distance({0.f, 3.f}, {4.f, 0.f}), 5.f);
  EXPECT_THROW(descriptor_distance({1.f}, {1.f, 2.f}), std::invalid_argument);
}
