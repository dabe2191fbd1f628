// Real people (issue 2, item 7): on KPhotoAlbum's demo photos, whose
// index.xml names the people in each, descriptors of the same person sit
// closer together than descriptors of different people.  Both distance
// distributions are printed in the test log.
#include <gtest/gtest.h>
#include <opencv2/core.hpp>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>

#include "face_models.h"
#include "support/kphotoalbum.h"
#include "vision/face_embedder.h"

namespace tw {
namespace {

struct Labelled {
  std::string person, source;
  Descriptor descriptor;
};

struct Stats {
  float min = 0, median = 0, max = 0;
};

Stats stats_of(std::vector<float> v) {
  std::sort(v.begin(), v.end());
  return {v.front(), v[v.size() / 2], v.back()};
}

void print_distribution(const std::string& name, const std::vector<float>& values) {
  const Stats s = stats_of(values);
  std::printf("%-10s n=%zu min=%.3f median=%.3f max=%.3f\n", name.c_str(), values.size(), s.min,
              s.median, s.max);
  constexpr int kBins = 12;  // 0.1 wide, 0 .. 1.2
  int counts[kBins] = {};
  for (float v : values) ++counts[std::clamp(static_cast<int>(v * 10), 0, kBins - 1)];
  for (int b = 0; b < kBins; ++b) {
    const int bar = static_cast<int>(std::lround(60.0 * counts[b] / values.size()));
    std::printf("  %.1f-%.1f %5d %s\n", b / 10.0, (b + 1) / 10.0, counts[b],
                std::string(static_cast<size_t>(bar), '#').c_str());
  }
}

TEST(RealPeople, SamePersonDistancesSitBelowDifferentPersonDistances) {
  auto& analyser = test::shared_analyser();
  std::vector<Labelled> faces;
  for (const test::LabelledPhoto& photo : test::kphotoalbum_photos()) {
    if (photo.people.empty()) continue;
    const std::string name = photo.file.filename().string();
    const cv::Mat image = test::turned_upright(media::load_image(photo.file), photo.angle);
    const auto found = analyser.analyse(image);
    std::printf("%-20s angle %3d people %zu faces %zu\n", name.c_str(), photo.angle,
                photo.people.size(), found.size());
    for (const auto& face : found) {
      const Box& b = face.detection.box;
      const int owner = test::face_owner(photo, found.size(), b.x, b.y, b.width, b.height);
      if (owner >= 0) faces.push_back({photo.people[owner], name, face.descriptor});
    }
  }
  // face-api's demo photos: people who are none of the album's.
  std::vector<Labelled> strangers;
  for (int n = 1; n <= 6; ++n)
    for (const auto& face : analyser.analyse(media::load_image(test::face_api_sample(n))))
      strangers.push_back({"sample" + std::to_string(n), "face-api", face.descriptor});

  std::map<std::string, int> per_person;
  for (const auto& f : faces) ++per_person[f.person];
  for (const auto& [person, count] : per_person)
    std::printf("%s: %d faces\n", person.c_str(), count);

  std::vector<float> same, different;
  for (size_t i = 0; i < faces.size(); ++i) {
    for (size_t j = i + 1; j < faces.size(); ++j) {
      const float d = vision::descriptor_distance(faces[i].descriptor, faces[j].descriptor);
      (faces[i].person == faces[j].person ? same : different).push_back(d);
    }
    for (const auto& s : strangers)
      different.push_back(vision::descriptor_distance(faces[i].descriptor, s.descriptor));
  }
  ASSERT_GE(same.size(), 10u) << "too few same-person pairs to say anything";
  ASSERT_GE(different.size(), 50u);
  print_distribution("same", same);
  print_distribution("different", different);

  const Stats s = stats_of(same), d = stats_of(different);
  EXPECT_LT(s.median, d.median);
  // A sensible separation: the typical same-person pair is closer than the
  // typical different-person pair by a clear margin, and at most a few
  // different-person pairs are closer than the same-person median.
  EXPECT_GT(d.median - s.median, 0.15f);
  const auto below =
      std::count_if(different.begin(), different.end(), [&](float v) { return v < s.median; });
  EXPECT_LT(static_cast<double>(below) / different.size(), 0.05);
}

}  // namespace
}  // namespace tw
