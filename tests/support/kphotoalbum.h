#pragma once
// Labels of the kphotoalbum demo photos, read from the package's own
// index.xml (who is in each photo, where their faces were tagged, and the
// rotation kphotoalbum applies when it shows the photo).  Header-only.
#include <opencv2/core.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "support/test_support.h"

namespace tw::test {

struct LabelledPhoto {
  std::filesystem::path file;
  int angle = 0;  // clockwise degrees kphotoalbum turns the photo by
  std::vector<std::string> people;
  // The people's tagged face areas, in pixels of the stored (unturned)
  // photo, in the order of `people`; empty when the photo has none.
  std::vector<cv::Rect> areas;
};

inline std::filesystem::path kphotoalbum_dir() {
  return testdata_dir() / "usr/share/kphotoalbum/demo";
}

namespace detail {
inline std::string attribute(const std::string& tag, const std::string& name) {
  std::string key = " " + name + "=\"";
  auto at = tag.find(key);
  if (at == std::string::npos) return "";
  at += key.size();
  return tag.substr(at, tag.find('"', at) - at);
}
}  // namespace detail

// Every <image> of index.xml with its People values (photos only).
inline std::vector<LabelledPhoto> kphotoalbum_photos() {
  std::ifstream in(kphotoalbum_dir() / "index.xml");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string xml = ss.str();
  std::vector<LabelledPhoto> out;
  for (std::size_t at = xml.find("<image "); at != std::string::npos;
       at = xml.find("<image ", at + 1)) {
    std::size_t tag_end = xml.find('>', at);
    std::string tag = xml.substr(at, tag_end - at);
    // <image .../> has no People; otherwise they end at its </image>.
    const bool closed = !tag.empty() && tag.back() == '/';
    std::string block = closed ? "" : xml.substr(at, xml.find("</image>", at) - at);
    LabelledPhoto photo;
    photo.file = kphotoalbum_dir() / detail::attribute(tag, "file");
    if (photo.file.extension() != ".jpg") continue;
    std::string angle = detail::attribute(tag, "angle");
    photo.angle = angle.empty() ? 0 : std::stoi(angle);
    std::size_t people = block.find("<option name=\"People\">");
    if (people != std::string::npos) {
      std::string section = block.substr(people, block.find("</option>", people) - people);
      for (std::size_t v = section.find("<value "); v != std::string::npos;
           v = section.find("<value ", v + 1)) {
        const std::string value = section.substr(v, section.find('>', v) - v);
        photo.people.push_back(detail::attribute(value, "value"));
        int x, y, w, h;
        if (std::sscanf(detail::attribute(value, "area").c_str(), "%d %d %d %d", &x, &y, &w, &h) ==
            4)
          photo.areas.emplace_back(x, y, w, h);
      }
    }
    out.push_back(photo);
  }
  return out;
}

// A photo's pixels turned as kphotoalbum shows it (angle: a multiple of 90,
// clockwise).
inline cv::Mat turned_upright(const cv::Mat& image, int angle) {
  static constexpr cv::RotateFlags kTurns[] = {cv::ROTATE_90_CLOCKWISE, cv::ROTATE_180,
                                               cv::ROTATE_90_COUNTERCLOCKWISE};
  const int quarters = ((angle % 360 + 360) % 360) / 90;
  if (quarters == 0) return image;
  cv::Mat out;
  cv::rotate(image, out, kTurns[quarters - 1]);
  return out;
}

// Whose face a box found in `photo` is (an index into photo.people), or -1:
// the one person of a photo where exactly one face was found, else the one
// tagged area holding the box's centre (tagged areas are in the stored
// photo's pixels, so only unturned photos use them).
inline int face_owner(const LabelledPhoto& photo, size_t faces_found, float x, float y, float width,
                      float height) {
  if (photo.people.size() == 1 && faces_found == 1) return 0;
  if (photo.areas.empty() || photo.angle != 0 || photo.areas.size() != photo.people.size())
    return -1;
  const cv::Point centre(static_cast<int>(x + width / 2), static_cast<int>(y + height / 2));
  int owner = -1, owners = 0;
  for (size_t a = 0; a < photo.areas.size(); ++a)
    if (photo.areas[a].contains(centre)) owner = static_cast<int>(a), ++owners;
  return owners == 1 ? owner : -1;
}

// Photos showing exactly this one person (and nobody else named).
inline std::vector<LabelledPhoto> photos_of_only(const std::string& person) {
  std::vector<LabelledPhoto> out;
  for (auto& p : kphotoalbum_photos())
    if (p.people.size() == 1 && p.people[0] == person) out.push_back(p);
  return out;
}

}  // namespace tw::test
