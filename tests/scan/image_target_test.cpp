// Image targets through the Scanner on generated H.264 clips: Debian's ISO
// flags (iso-flags-png-320x240) re-encoded as low-quality JPEGs, moving,
// scaled, rotated, partly covered by a caption banner, over real footage.
// Found within 0.4 s of the interval they are on screen; look-alike flags
// of the same colours are not found.  A batch of small clips measures the
// recall and false-match rate (printed; see docs/image_targets.md).
#include <gtest/gtest.h>
#include <unistd.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <random>

#include "core/errors.h"
#include "scan/scan_fixture.h"
#include "scan/scanner.h"
#include "support/clips.h"
#include "targets/enroll_image.h"

namespace tw {
namespace {

namespace fs = std::filesystem;

using test::flag_png;

fs::path work_dir() {
  fs::path dir = fs::path(TW_BINARY_DIR) / "test-clips" / "image-targets";
  fs::create_directories(dir);
  return dir;
}

// Writes `image` once to a stable path (make_clip's cache keys on the path
// and its time), atomically so parallel test runs do not see half a file.
fs::path write_once(const std::string& name, const cv::Mat& image,
                    const std::vector<int>& params = {}) {
  fs::path out = work_dir() / name;
  if (fs::exists(out)) return out;
  fs::path tmp =
      work_dir() / (name + ".tmp" + std::to_string(::getpid()) + out.extension().string());
  cv::imwrite(tmp.string(), image, params);
  fs::rename(tmp, out);
  return out;
}

// The flag re-encoded as a JPEG of the given quality (blocky, smeared colours).
fs::path flag_jpeg(const std::string& code, int quality) {
  return write_once(code + "-q" + std::to_string(quality) + ".jpg",
                    media::load_image(flag_png(code)), {cv::IMWRITE_JPEG_QUALITY, quality});
}

// A news-style caption banner: white text on a dark bar.
fs::path caption_banner(int width, int height) {
  cv::Mat bar(height, width, CV_8UC3, cv::Scalar(30, 20, 20));
  cv::putText(bar, "BREAKING: FLAG SPOTTED", {8, height * 2 / 3}, cv::FONT_HERSHEY_DUPLEX,
              height / 45.0, cv::Scalar(255, 255, 255), 2);
  return write_once("caption-" + std::to_string(width) + "x" + std::to_string(height) + ".png",
                    bar);
}

fs::path footage() {
  return test::testdata_dir() / "usr/share/doc/opencv-doc/examples/data/Megamind.avi";
}

targets::Target image_target(const std::string& name, const std::string& code) {
  auto result = targets::enroll_image_target(name, {flag_png(code)});
  for (const auto& r : result.refused) ADD_FAILURE() << r.photo << ": " << r.reason;
  if (!result.target) throw std::runtime_error("image enrollment of " + code + " failed");
  return *result.target;
}

std::vector<Appearance> appearances_of(const scan::ScanResult& r, const std::string& target) {
  std::vector<Appearance> out;
  for (const auto& a : r.appearances)
    if (a.target == target) out.push_back(a);
  return out;
}

TEST(ImageTargetScan, AFlagIsFoundWhileOnScreenAmidFootageWithACaptionOverIt) {
  // Montenegro's flag (a gold eagle on red) from 2.0 to 4.5 s, a q20 JPEG,
  // 300 px high, rotated 12 degrees, moving, the lower third covered by a
  // caption; a person is on screen from 0.5 to 2.5 s in the same clip.
  test::ClipSpec spec;
  spec.duration = 6;
  spec.segments = {test::Background::footage(footage(), 3.0)};
  spec.overlays.push_back(
      test::Overlay::image(test::face_crop(test::demo_photo("jesper_2.jpg")), 0.5, 2.5)
          .scaled_to_height(420)
          .at(150, 700));
  spec.overlays.push_back(test::Overlay::image(flag_jpeg("me", 20), 2.0, 4.5)
                              .scaled_to_height(300)
                              .rotated(12)
                              .moving(120, 200, 220, 320));
  spec.overlays.push_back(
      test::Overlay::image(caption_banner(520, 110), 2.0, 4.5).moving(90, 420, 190, 540));
  fs::path clip = test::make_clip(spec);

  scan::Scanner scanner(test::test_models(),
                        {test::enroll_from("jesper", {test::demo_photo("jesper_2.jpg")}),
                         image_target("montenegro", "me")});
  scan::ScanResult r = scanner.scan(clip);
  auto flags = appearances_of(r, "montenegro");
  ASSERT_EQ(flags.size(), 1u) << "appearances: " << r.appearances.size();
  std::printf("montenegro: %.2f-%.2f s, best score %.2f, box %.0fx%.0f at (%.0f,%.0f)\n",
              flags[0].start, flags[0].end, flags[0].best_score, flags[0].box.width,
              flags[0].box.height, flags[0].box.x, flags[0].box.y);
  std::printf("image matching: %.0f ms per 720x1280 frame (%lld frames)\n",
              1000 * r.timings.images / std::max<std::int64_t>(1, r.frames_sampled),
              static_cast<long long>(r.frames_sampled));
  EXPECT_NEAR(flags[0].start, 2.0, 0.4);
  EXPECT_NEAR(flags[0].end, 4.5, 0.4);
  EXPECT_GT(flags[0].best_score, 0.5f);
  EXPECT_LE(flags[0].best_score, 1.0f);
  // The box holds the flag: inside the frame, about the overlay's size.
  EXPECT_GT(flags[0].box.height, 200);
  EXPECT_LT(flags[0].box.height, 600);
  // Faces are scanned in the same pass.
  auto people = appearances_of(r, "jesper");
  ASSERT_EQ(people.size(), 1u);
  EXPECT_NEAR(people[0].start, 0.5, 0.4);
  EXPECT_NEAR(people[0].end, 2.5, 0.4);
}

TEST(ImageTargetScan, TheCommandLineEnrollsShowsAndScansAnImageTarget) {
  // A still flag over footage from 1.0 to 3.0 s (a q30 JPEG, rotated).
  test::ClipSpec spec;
  spec.duration = 4;
  spec.segments = {test::Background::footage(footage(), 5.0)};
  spec.overlays.push_back(test::Overlay::image(flag_jpeg("ec", 30), 1.0, 3.0)
                              .scaled_to_height(260)
                              .rotated(-15)
                              .at(150, 500));
  fs::path clip = test::make_clip(spec);
  fs::path home = test::fresh_dir("image-target-cli");
  fs::create_directory_symlink(test::home_dir() / "models", home / "models");
  const std::vector<std::string> env = {"TRENDWATCH_HOME=" + home.string()};

  auto add = test::run_trendwatch(
      {"target", "add", "ecuador", "--kind", "image", "--photos", flag_png("ec").string()}, env);
  ASSERT_EQ(add.exit_code, 0) << add.out << add.err;
  auto show = test::run_trendwatch({"target", "show", "ecuador"}, env);
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_NE(show.out.find("kind:        image"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("min inliers: 12"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("ec.png"), std::string::npos) << show.out;

  auto flat = test::run_trendwatch(
      {"target", "add", "flat", "--kind", "image", "--photos",
       write_once("flat-blue.png", cv::Mat(240, 320, CV_8UC3, cv::Scalar(200, 60, 20))).string()},
      env);
  EXPECT_EQ(flat.exit_code, 2);
  EXPECT_NE(flat.err.find("flat-blue.png: the reference image has too few distinctive features"),
            std::string::npos)
      << flat.err;

  fs::path evidence = home / "evidence";
  auto scan = test::run_trendwatch(
      {"scan", clip.string(), "--format", "json", "--evidence", evidence.string()}, env);
  ASSERT_EQ(scan.exit_code, 0) << scan.out << scan.err;
  auto doc = nlohmann::json::parse(scan.out.substr(0, scan.out.find('\n')));
  ASSERT_EQ(doc.at("appearances").size(), 1u) << scan.out;
  const auto& a = doc["appearances"][0];
  EXPECT_EQ(a.at("target"), "ecuador");
  EXPECT_NEAR(a.at("start").get<double>(), 1.0, 0.4);
  EXPECT_NEAR(a.at("end").get<double>(), 3.0, 0.4);
  EXPECT_TRUE(fs::exists(a.at("evidence").at("frame").get<std::string>())) << scan.out;
  EXPECT_TRUE(fs::exists(a.at("evidence").at("crop").get<std::string>())) << scan.out;
}

TEST(ImageTargetScan, LookAlikeFlagsAreNotFound) {
  // Each target beside flags of its colours: Albania's black eagle on red
  // for Montenegro, Colombia and Venezuela for Ecuador, Russia and Slovenia
  // for Serbia.  Each clip also shows the target itself later, to prove the
  // scan could see it there.
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
      {"me", {"al", "mk"}}, {"ec", {"co", "ve"}}, {"rs", {"ru", "si"}}};
  for (const auto& [code, lookalikes] : cases) {
    test::ClipSpec spec;
    spec.width = 360, spec.height = 640, spec.fps = 10, spec.duration = 6;
    spec.segments = {test::Background::footage(footage(), 1.0)};
    double t = 0.2;
    for (const auto& other : lookalikes) {
      spec.overlays.push_back(
          test::Overlay::image(flag_jpeg(other, 40), t, t + 1.6).scaled_to_height(180).at(30, 200));
      t += 2.0;
    }
    spec.overlays.push_back(
        test::Overlay::image(flag_jpeg(code, 40), 4.2, 5.8).scaled_to_height(180).at(30, 200));
    scan::ScanOptions options;
    options.fps = 5;
    scan::Scanner scanner(test::test_models(), {image_target(code, code)}, options);
    scan::ScanResult r = scanner.scan(test::make_clip(spec));
    ASSERT_EQ(r.appearances.size(), 1u) << code << ": look-alikes matched";
    EXPECT_NEAR(r.appearances[0].start, 4.2, 0.4) << code;
    EXPECT_NEAR(r.appearances[0].end, 5.8, 0.4) << code;
  }
}

TEST(ImageTargetScan, AFlatColourReferenceIsRefused) {
  fs::path flat = write_once("flat-red.png", cv::Mat(240, 320, CV_8UC3, cv::Scalar(30, 30, 200)));
  auto result = targets::enroll_image_target("red", {flat, flag_png("me")});
  EXPECT_FALSE(result.target.has_value());
  ASSERT_EQ(result.refused.size(), 1u);
  EXPECT_EQ(result.refused[0].photo, flat.string());
  EXPECT_NE(result.refused[0].reason.find("too few distinctive features"), std::string::npos);
}

TEST(ImageTargetScan, TheTargetFileKeepsTheFeaturesAndRefusesDamagedOnes) {
  targets::Target t = image_target("montenegro", "me");
  std::string text = targets::to_json_text(t);
  targets::Target back = targets::target_from_json_text(text, "montenegro.json");
  EXPECT_EQ(back.kind, targets::TargetKind::image);
  EXPECT_EQ(back.min_inliers, t.min_inliers);
  ASSERT_EQ(back.image_features.size(), 1u);
  EXPECT_EQ(back.image_features[0].points.size(), t.image_features[0].points.size());
  EXPECT_EQ(
      cv::norm(back.image_features[0].descriptors, t.image_features[0].descriptors, cv::NORM_INF),
      0);
  // The reloaded target still finds the flag.
  cv::Mat frame(640, 360, CV_8UC3, cv::Scalar(90, 120, 60));
  cv::Mat flag_image = media::load_image(flag_png("me")), small;
  cv::resize(flag_image, small, {240, 180});
  small.copyTo(frame(cv::Rect(60, 200, 240, 180)));
  vision::ImageMatcher matcher(back.image_features);
  EXPECT_TRUE(matcher.match(vision::frame_features(frame)).has_value());

  auto damaged = nlohmann::json::parse(text);
  damaged["image"]["features"][0]["descriptors"] = "AAAA";
  try {
    targets::target_from_json_text(damaged.dump(), "montenegro.json");
    FAIL() << "damaged descriptors were accepted";
  } catch (const InputError& e) {
    EXPECT_EQ(e.input(), "montenegro.json");
  }
  damaged = nlohmann::json::parse(text);
  damaged.erase("image");
  EXPECT_THROW(targets::target_from_json_text(damaged.dump(), "montenegro.json"), InputError);
}

// Recall and false-match rate over many small clips (360x640, 3 s, 10 fps,
// scanned at 5 fps).  Half show the target (JPEG q15-60, 130-260 px wide,
// rotated up to 25 degrees, moving, a third of them under a caption); half
// show one of its look-alikes or another flag instead.
TEST(ImageTargetScan, RecallAndFalseMatchRateOver60Clips) {
  struct Case {
    std::string target;
    std::vector<std::string> others;  // look-alikes first
  };
  const std::vector<Case> cases = {
      {"me", {"al", "mk"}},       {"rs", {"ru", "sk", "si"}}, {"ec", {"co", "ve"}},
      {"mx", {"it", "ie", "hu"}}, {"ad", {"md", "ro", "td"}}, {"gt", {"sv", "ni", "ar"}},
      {"us", {"lr", "my"}},       {"pt", {"bd", "ma"}},
  };
  scan::ScanOptions options;
  options.fps = 5;
  // One scanner per target (loading the face models once each, not per clip).
  std::map<std::string, std::unique_ptr<scan::Scanner>> scanners;
  for (const auto& c : cases)
    scanners[c.target] = std::make_unique<scan::Scanner>(
        test::test_models(), std::vector{image_target(c.target, c.target)}, options);

  std::mt19937 rng(2026);
  auto uniform = [&rng](double lo, double hi) {
    return std::uniform_real_distribution<double>(lo, hi)(rng);
  };
  const int clips = 60;
  int positives = 0, found = 0, negatives = 0, false_matches = 0, wrong_interval = 0;
  for (int i = 0; i < clips; ++i) {
    const Case& c = cases[i % cases.size()];
    bool positive = (i / cases.size() + i) % 2 == 0;  // alternates per target
    std::string shown = positive ? c.target : c.others[rng() % c.others.size()];
    int quality = 15 + static_cast<int>(rng() % 46);
    double t0 = uniform(0.2, 0.9), t1 = t0 + uniform(1.3, 1.9);
    int width = 130 + static_cast<int>(rng() % 131);
    double x = uniform(0, 360 - width - 10), y = uniform(50, 400);
    test::ClipSpec spec;
    spec.width = 360, spec.height = 640, spec.fps = 10, spec.duration = 3;
    spec.segments = {test::Background::footage(footage(), uniform(0, 8))};
    spec.overlays.push_back(test::Overlay::image(flag_jpeg(shown, quality), t0, t1)
                                .scaled_by(width / 320.0)
                                .rotated(uniform(-25, 25))
                                .moving(x, y, x + uniform(-20, 20), y + uniform(-60, 60)));
    if (i % 3 == 0)  // a caption over the lower part of the flag
      spec.overlays.push_back(test::Overlay::image(caption_banner(300, 40), t0, t1)
                                  .at(std::max(0.0, x - 20), y + width * 0.75 * 0.6));
    scan::ScanResult r = scanners.at(c.target)->scan(test::make_clip(spec));
    if (positive) {
      ++positives;
      bool hit = r.appearances.size() == 1 && std::abs(r.appearances[0].start - t0) <= 0.4 &&
                 std::abs(r.appearances[0].end - t1) <= 0.4;
      if (hit) ++found;
      if (!hit && !r.appearances.empty()) ++wrong_interval;
      if (!hit) {
        std::printf("missed: clip %d target %s q%d %dpx on screen [%.2f, %.2f]; found", i,
                    c.target.c_str(), quality, width, t0, t1);
        for (const auto& a : r.appearances) std::printf(" [%.2f, %.2f]", a.start, a.end);
        std::printf("\n");
      }
    } else {
      ++negatives;
      if (!r.appearances.empty()) {
        ++false_matches;
        std::printf("false match: clip %d target %s shown %s q%d %dpx\n", i, c.target.c_str(),
                    shown.c_str(), quality, width);
      }
    }
  }
  double recall = static_cast<double>(found) / positives;
  double false_rate = static_cast<double>(false_matches) / negatives;
  std::printf(
      "image targets over %d clips: recall %.3f (%d/%d within 0.4 s; %d with a wrong "
      "interval), false-match rate %.3f (%d/%d clips without the target)\n",
      clips, recall, found, positives, wrong_interval, false_rate, false_matches, negatives);
  EXPECT_GE(recall, 0.8);
  EXPECT_LE(false_rate, 0.05);
}

}  // namespace
}  // namespace tw
