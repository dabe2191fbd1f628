#pragma once
// A set of clips made like TikTok uploads (issue 21): 720x1280 portrait,
// 5 s, a photo of one person drifting slowly across the frame for 3 s
// among other people, over stills, footage or test patterns, some with a
// hard cut.  Positive clips show Jesper or Anne Helene from photos or
// faces their enrolment (scan_clips.h) does not use where there are any;
// negative clips show people the enrolment never uses (Jim and Wayne from
// kphotoalbum, the strangers of face-api's demo photos).  Each clip's
// variations (background, size, path, timing, company) come from a fixed
// seed, so the set is the same on every run; clips are cached by
// make_clip.
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "scan/scan_clips.h"
#include "support/kphotoalbum.h"

namespace tw::test {

// One drifting face of the set.
struct DriftingFace {
  std::string name;    // for messages: photo and face
  std::string target;  // the enrolled target it is; "" for a stranger
  std::filesystem::path crop;
};

struct TiktokClip {
  std::string name;
  ClipSpec spec;
  std::string target;  // expected target, "" for a negative clip
  double t0 = 0, t1 = 0;
  Overlay person;  // the drifting face's overlay (where it is when)
  int person_width = 0;
};

namespace tiktok_detail {

inline std::filesystem::path crops_dir() {
  std::filesystem::path dir = std::filesystem::path(TW_BINARY_DIR) / "test-clips" / "crops";
  std::filesystem::create_directories(dir);
  return dir;
}

// `image`'s region around `face` (`margin` face-widths on each side),
// written once.
inline std::filesystem::path write_crop(const cv::Mat& image, cv::Rect face,
                                        const std::string& file, double margin_widths = 1.2) {
  namespace fs = std::filesystem;
  fs::path out = crops_dir() / file;
  if (fs::exists(out)) return out;
  const int margin = static_cast<int>(margin_widths * std::max(face.width, face.height));
  cv::Rect r(face.x - margin, face.y - margin, face.width + 2 * margin, face.height + 2 * margin);
  r &= cv::Rect(0, 0, image.cols, image.rows);
  fs::path tmp = out;
  tmp += ".tmp" + std::to_string(::getpid()) + ".jpg";
  cv::imwrite(tmp.string(), image(r));
  fs::rename(tmp, out);
  return out;
}

// A kphotoalbum photo as kphotoalbum shows it (turned by its angle).
inline cv::Mat upright(const LabelledPhoto& photo) {
  return turned_upright(media::load_image(photo.file), photo.angle);
}

inline const LabelledPhoto& labelled(const std::string& file) {
  static const std::vector<LabelledPhoto> photos = kphotoalbum_photos();
  for (const auto& p : photos)
    if (p.file.filename() == file) return p;
  throw std::runtime_error("not in index.xml: " + file);
}

}  // namespace tiktok_detail

// The largest face of a kphotoalbum photo, upright.
inline DriftingFace largest_face_of(const std::string& file, const std::string& target) {
  const LabelledPhoto& photo = tiktok_detail::labelled(file);
  cv::Mat image = tiktok_detail::upright(photo);
  auto faces = shared_analyser().analyse(image);
  if (faces.empty()) throw std::runtime_error("no face in " + file);
  auto largest = std::max_element(faces.begin(), faces.end(), [](const auto& a, const auto& b) {
    return a.detection.box.area() < b.detection.box.area();
  });
  const Box& b = largest->detection.box;
  cv::Rect face(cvRound(b.x), cvRound(b.y), cvRound(b.width), cvRound(b.height));
  const std::string stem = photo.file.stem().string();
  return {stem, target, tiktok_detail::write_crop(image, face, stem + "-upright-face.jpg")};
}

// A named person's tagged face area in a kphotoalbum photo (angle 0 only).
inline DriftingFace tagged_face_of(const std::string& file, const std::string& person,
                                   const std::string& target) {
  const LabelledPhoto& photo = tiktok_detail::labelled(file);
  for (std::size_t i = 0; i < photo.people.size() && i < photo.areas.size(); ++i) {
    if (photo.people[i] != person) continue;
    if (photo.angle != 0) throw std::runtime_error(file + " is turned");
    const std::string stem = photo.file.stem().string() + "-" + person;
    return {stem, target,
            // A tight crop: the people in these photos stand shoulder to
            // shoulder, and a wider one would show a neighbour's face too.
            tiktok_detail::write_crop(media::load_image(photo.file), photo.areas[i],
                                      stem + "-tight-face.jpg", 0.3)};
  }
  throw std::runtime_error(person + " has no tagged face in " + file);
}

// Face k (left to right) of face-api's demo photo sample<n>.jpg.
inline DriftingFace stranger_face(int n, std::size_t k) {
  cv::Mat image = media::load_image(stranger_group(n));
  auto faces = shared_analyser().analyse(image);
  std::sort(faces.begin(), faces.end(),
            [](const auto& a, const auto& b) { return a.detection.box.x < b.detection.box.x; });
  if (k >= faces.size())
    throw std::runtime_error("sample" + std::to_string(n) + ": no face " + std::to_string(k));
  const Box& b = faces[k].detection.box;
  cv::Rect face(cvRound(b.x), cvRound(b.y), cvRound(b.width), cvRound(b.height));
  const std::string stem = "sample" + std::to_string(n) + "-" + std::to_string(k);
  return {stem, "", tiktok_detail::write_crop(image, face, stem + "-face.jpg")};
}

// One clip of the set: `face` drifts for 3 s from about 1 s in, among
// other people; the rest from `seed`.
inline TiktokClip tiktok_clip(const DriftingFace& face, unsigned seed) {
  std::mt19937 rng(seed);
  auto uniform = [&](double lo, double hi) {
    return std::uniform_real_distribution<double>(lo, hi)(rng);
  };
  auto pick = [&](int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng); };
  const std::filesystem::path data = testdata_dir() / "usr/share/doc/opencv-doc/examples/data";

  TiktokClip clip;
  clip.name = face.name + "#" + std::to_string(seed);
  clip.target = face.target;
  ClipSpec& spec = clip.spec;
  spec.duration = 5;
  const std::vector<Background> backgrounds = {
      Background::still(demo_photo("skagen.jpg")),
      Background::still(demo_photo("sunset.jpg")),
      Background::still(demo_photo("snow.jpg")),
      Background::still(demo_photo("grand_canyon_3.jpg")),
      Background::footage(megamind_avi(), uniform(0, 5)),
      Background::footage(data / "vtest.avi", uniform(0, 20)),
      Background::pattern("testsrc2"),
      Background::pattern("mandelbrot")};
  spec.segments = {backgrounds[pick(static_cast<int>(backgrounds.size()))]};
  // Half the clips cut to another shot, sometimes while the face is on.
  if (pick(2) == 0) {
    Background second = backgrounds[pick(static_cast<int>(backgrounds.size()))];
    spec.segments.push_back(second.from(uniform(0.5, 4.5)));
  }

  // Other people: a group photo of strangers, or a stranger's face, for
  // part of the clip, away from the drifting face's side.
  const bool left = pick(2) == 0;
  const int group = std::vector<int>{1, 3, 4, 5, 6}[pick(5)];
  const double g0 = uniform(0, 1.5), g1 = uniform(3.0, 5.0);
  spec.overlays.push_back(
      Overlay::image(stranger_group(group), g0, g1)
          .scaled_to_height(static_cast<int>(uniform(300, 420)))
          .moving(left ? 300 : 0, uniform(820, 860), left ? 260 : 40, uniform(820, 860)));

  // The face: 3 s on screen, drifting ~100-250 px, at 300-420 px high.
  clip.t0 = std::round(uniform(0.6, 1.4) * 30) / 30;
  clip.t1 = clip.t0 + 3.0;
  const int height = static_cast<int>(uniform(300, 420));
  const double x0 = left ? uniform(0, 120) : uniform(260, 380);
  const double y0 = uniform(80, 300);
  const double x1 = x0 + uniform(-100, 100);
  const double y1 = y0 + uniform(100, 200);
  clip.person =
      Overlay::image(face.crop, clip.t0, clip.t1).scaled_to_height(height).moving(x0, y0, x1, y1);
  cv::Mat crop = cv::imread(face.crop.string());
  clip.person_width = crop.empty() ? height : crop.cols * height / std::max(1, crop.rows);
  spec.overlays.push_back(clip.person);
  return clip;
}

// The drifting faces of the set: 5 showing an enrolled target, 12 strangers.
inline std::vector<DriftingFace> positive_faces() {
  return {largest_face_of("jesper_2.jpg", "jesper"), largest_face_of("pool_2.jpg", "jesper"),
          largest_face_of("new_wave_1.jpg", "jesper"),
          tagged_face_of("qt-logo.jpg", "Jesper", "jesper"),
          largest_face_of("anne_helene.jpg", "anne")};
}

inline std::vector<DriftingFace> stranger_faces() {
  return {tagged_face_of("qt-logo.jpg", "Jim", ""),
          tagged_face_of("qt-logo.jpg", "Wayne", ""),
          stranger_face(1, 0),
          stranger_face(1, 2),
          stranger_face(2, 0),
          stranger_face(2, 1),
          stranger_face(3, 0),
          stranger_face(3, 2),
          stranger_face(4, 1),
          stranger_face(5, 0),
          stranger_face(6, 1),
          stranger_face(6, 3)};
}

// The whole set: each positive face in 4 clips, each stranger in 1 (20
// positive clips, 12 negative).
inline std::vector<TiktokClip> tiktok_clips() {
  std::vector<TiktokClip> out;
  unsigned seed = 2100;
  for (const DriftingFace& face : positive_faces())
    for (int k = 0; k < 4; ++k) out.push_back(tiktok_clip(face, seed++));
  for (const DriftingFace& face : stranger_faces()) out.push_back(tiktok_clip(face, seed++));
  return out;
}

// Where the drifting face's overlay is at time t (its top-left corner).
inline cv::Point2d person_at(const TiktokClip& clip, double t) {
  const Overlay& o = clip.person;
  const double f = std::clamp((t - o.t0) / (o.t1 - o.t0), 0.0, 1.0);
  return {o.x0 + (o.x1 - o.x0) * f, o.y0 + (o.y1 - o.y0) * f};
}

// True when a face box at time t lies on the drifting face's overlay.
inline bool on_person(const TiktokClip& clip, double t, const Box& box) {
  if (t < clip.t0 - 0.05 || t > clip.t1 + 0.05) return false;
  const cv::Point2d at = person_at(clip, t);
  const double cx = box.x + box.width / 2, cy = box.y + box.height / 2;
  return cx >= at.x && cx <= at.x + clip.person_width && cy >= at.y &&
         cy <= at.y + clip.person.height;
}

}  // namespace tw::test
