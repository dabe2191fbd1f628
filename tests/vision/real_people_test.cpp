// Real people (issue 2, item 7): on KPhotoAlbum's demo photos, whose
// index.xml names the people in each, descriptors of the same person sit
// closer together than descriptors of different people.  Both distance
// distributions are printed in the test log.
#include <gtest/gtest.h>
#include <opencv2/core.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include "face_models.h"
#include "vision/face_embedder.h"

namespace tw {
namespace {

struct Photo {
  std::string file;
  int angle = 0;                    // KPhotoAlbum's own rotation for display (clockwise)
  std::vector<std::string> people;  // named in the photo
  std::vector<cv::Rect> areas;      // face areas, when tagged (same order as people)
};

std::string attribute(const std::string& tag, const std::string& name) {
  const std::string key = " " + name + "=\"";
  const size_t at = tag.find(key);
  if (at == std::string::npos) return {};
  const size_t start = at + key.size();
  return tag.substr(start, tag.find('"', start) - start);
}

// The <image> elements of index.xml with their People values.
std::vector<Photo> read_index(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string xml = buffer.str();
  std::vector<Photo> photos;
  for (size_t at = xml.find("<image "); at != std::string::npos; at = xml.find("<image ", at + 1)) {
    const size_t tag_end = xml.find('>', at);
    const std::string tag = xml.substr(at, tag_end - at);
    Photo photo;
    photo.file = attribute(tag, "file");
    if (const std::string angle = attribute(tag, "angle"); !angle.empty())
      photo.angle = std::stoi(angle);
    if (tag.back() != '/') {
      const size_t end = xml.find("</image>", tag_end);
      const std::string body = xml.substr(tag_end, end - tag_end);
      const size_t people = body.find("<option name=\"People\">");
      if (people != std::string::npos) {
        const std::string option = body.substr(people, body.find("</option>", people) - people);
        for (size_t v = option.find("<value "); v != std::string::npos;
             v = option.find("<value ", v + 1)) {
          const std::string value = option.substr(v, option.find('>', v) - v);
          photo.people.push_back(attribute(value, "value"));
          int x, y, w, h;
          if (std::sscanf(attribute(value, "area").c_str(), "%d %d %d %d", &x, &y, &w, &h) == 4)
            photo.areas.emplace_back(x, y, w, h);
        }
      }
    }
    photos.push_back(photo);
  }
  return photos;
}

// KPhotoAlbum's angle (multiples of 90, clockwise) applied to the pixels.
cv::Mat upright(const cv::Mat& image, int angle) {
  const int quarters = ((angle % 360 + 360) % 360) / 90;
  if (quarters == 0) return image;
  static constexpr cv::RotateFlags kTurns[] = {cv::ROTATE_90_CLOCKWISE, cv::ROTATE_180,
                                               cv::ROTATE_90_COUNTERCLOCKWISE};
  cv::Mat out;
  cv::rotate(image, out, kTurns[quarters - 1]);
  return out;
}

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
  auto& analyzer = test::shared_analyzer();
  std::vector<Labelled> faces;
  for (const Photo& photo : read_index(test::kphotoalbum_dir() / "index.xml")) {
    if (photo.people.empty() || !media::looks_like_image_file(photo.file)) continue;
    const cv::Mat image =
        upright(media::load_image(test::kphotoalbum_dir() / photo.file), photo.angle);
    const auto found = analyzer.analyze(image);
    std::printf("%-20s angle %3d people %zu faces %zu\n", photo.file.c_str(), photo.angle,
                photo.people.size(), found.size());
    if (photo.people.size() == 1 && found.size() == 1) {
      faces.push_back({photo.people[0], photo.file, found[0].descriptor});
    } else if (!photo.areas.empty() && photo.angle == 0 &&
               photo.areas.size() == photo.people.size()) {
      // Tagged areas: a face belongs to the one area holding its centre.
      for (const auto& face : found) {
        const Box& b = face.detection.box;
        const cv::Point centre(static_cast<int>(b.x + b.width / 2),
                               static_cast<int>(b.y + b.height / 2));
        int owner = -1, owners = 0;
        for (size_t a = 0; a < photo.areas.size(); ++a)
          if (photo.areas[a].contains(centre)) owner = static_cast<int>(a), ++owners;
        if (owners == 1) faces.push_back({photo.people[owner], photo.file, face.descriptor});
      }
    }
  }
  // face-api's demo photos: people who are none of the album's.
  std::vector<Labelled> strangers;
  for (int n = 1; n <= 6; ++n)
    for (const auto& face : analyzer.analyze(media::load_image(test::face_api_sample(n))))
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
