// The optimized scan path (scene gate, face tracking, detector input from
// the smallest face, first hit) against the naive reference path
// (`exhaustive`): the same appearances on every scan test clip, and the
// cases each shortcut could get wrong.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <map>

#include "scan/scan_clips.h"
#include "scan/scanner.h"

namespace fs = std::filesystem;
using namespace tw;
using test::anne;
using test::jesper;

namespace {

void print(const std::string& label, const scan::ScanResult& r) {
  std::printf(
      "%s %s: %lld sampled, %lld analysed, %lld faces, %lld embedded, %lld confirmed, input %d%s\n",
      label.c_str(), r.input.c_str(), static_cast<long long>(r.frames_sampled),
      static_cast<long long>(r.frames_analysed), static_cast<long long>(r.faces),
      static_cast<long long>(r.faces_embedded), static_cast<long long>(r.faces_confirmed),
      r.detector_input, r.stopped_early ? ", stopped early" : "");
  for (const auto& a : r.appearances)
    std::printf("  %-8s [%.2f, %.2f] frames %d distance %.3f\n", a.target.c_str(), a.start, a.end,
                a.frames, a.best_distance);
}

// The agreement rule: same targets, each interval's ends within
// 0.4 s (two sampled frames at 5 fps).
void expect_same_appearances(const std::vector<Appearance>& naive,
                             const std::vector<Appearance>& fast, const std::string& clip) {
  ASSERT_EQ(fast.size(), naive.size()) << clip;
  for (std::size_t i = 0; i < naive.size(); ++i) {
    EXPECT_EQ(fast[i].target, naive[i].target) << clip;
    EXPECT_NEAR(fast[i].start, naive[i].start, 0.4) << clip << " " << naive[i].target;
    EXPECT_NEAR(fast[i].end, naive[i].end, 0.4) << clip << " " << naive[i].target;
  }
}

void expect_found(const std::vector<Appearance>& found,
                  const std::vector<test::ExpectedAppearance>& expected, const std::string& clip) {
  ASSERT_EQ(found.size(), expected.size()) << clip;
  for (const auto& e : expected) {
    auto it = std::find_if(found.begin(), found.end(),
                           [&](const Appearance& a) { return a.target == e.target; });
    ASSERT_NE(it, found.end()) << clip << ": " << e.target << " not found";
    EXPECT_NEAR(it->start, e.start, 0.4) << clip << " " << e.target;
    EXPECT_NEAR(it->end, e.end, 0.4) << clip << " " << e.target;
  }
}

scan::ScanOptions naive_options() {
  scan::ScanOptions o;
  o.exhaustive = true;
  return o;
}

scan::ScanOptions approximate_options() {
  scan::ScanOptions o;
  o.approximate = true;
  return o;
}

// Every scan test clip scanned by two scanners (`second` printed after
// `first`), with the clip it was.
struct ClipScans {
  test::NamedClip clip;
  scan::ScanResult first, second;
};

std::vector<ClipScans> scan_every_clip(scan::Scanner& first, const std::string& first_label,
                                       scan::Scanner& second, const std::string& second_label) {
  std::vector<ClipScans> out;
  for (const test::NamedClip& clip : test::all_scan_clips()) {
    fs::path file = test::make_clip(clip.spec);
    ClipScans c{clip, first.scan(file, clip.name), second.scan(file, clip.name)};
    print(first_label, c.first);
    print(second_label, c.second);
    out.push_back(std::move(c));
  }
  return out;
}

// A 4 s clip in which `photo` moves across a still from 0.5 s to 3.5 s.
test::NamedClip moving_face(const char* photo, const char* target) {
  test::ClipSpec spec;
  spec.duration = 4;
  spec.segments = {test::Background::still(test::demo_photo("skagen.jpg"))};
  spec.overlays.push_back(test::Overlay::image(test::face_crop(test::demo_photo(photo)), 0.5, 3.5)
                              .scaled_to_height(340)
                              .moving(60, 300, 300, 600));
  return test::NamedClip{target, spec, {{target, 0.5, 3.5}}};
}

}  // namespace

TEST(ScannerSpeed, OptimizedAndNaiveAgreeOnEveryScanClip) {
  std::vector<targets::Target> targets = {jesper(), anne()};
  scan::Scanner fast(test::test_models(), targets);
  scan::Scanner naive(test::test_models(), targets, naive_options());
  std::int64_t sampled = 0, analysed = 0, embedded_fast = 0, embedded_naive = 0;
  for (const auto& [clip, f, n] : scan_every_clip(fast, "optimized", naive, "naive    ")) {
    expect_found(n.appearances, clip.expected, clip.name + " (naive)");
    expect_found(f.appearances, clip.expected, clip.name + " (optimized)");
    expect_same_appearances(n.appearances, f.appearances, clip.name);
    EXPECT_EQ(f.frames_sampled, n.frames_sampled) << clip.name;
    EXPECT_EQ(n.frames_analysed, n.frames_sampled) << "the naive path analyses every frame";
    sampled += f.frames_sampled;
    analysed += f.frames_analysed;
    embedded_fast += f.faces_embedded;
    embedded_naive += n.faces_embedded;
  }
  // The shortcuts did something on these clips (static shots, still faces).
  std::printf("optimized: %lld of %lld frames analysed, %lld of %lld faces embedded\n",
              static_cast<long long>(analysed), static_cast<long long>(sampled),
              static_cast<long long>(embedded_fast), static_cast<long long>(embedded_naive));
  EXPECT_LT(analysed, sampled);
  EXPECT_LT(embedded_fast, embedded_naive);
}

TEST(ScannerSpeed, OptimizedAndNaiveAgreeOnMovieAvi) {
  std::vector<fs::path> photos;
  for (const auto& p : test::photos_of_only("Jesper"))
    if (p.angle == 0) photos.push_back(p.file);
  targets::Target target = test::enroll_from("jesper", photos);
  fs::path movie = test::kphotoalbum_dir() / "movie.avi";
  scan::ScanResult f = scan::Scanner(test::test_models(), {target}).scan(movie);
  scan::ScanResult n = scan::Scanner(test::test_models(), {target}, naive_options()).scan(movie);
  print("optimized", f);
  print("naive    ", n);
  ASSERT_EQ(n.appearances.size(), 1u);
  expect_same_appearances(n.appearances, f.appearances, "movie.avi");
  // Jesper is near his threshold here (missed on 2 samples in a row by
  // the naive path): --approximate still finds the one appearance.
  scan::ScanResult a =
      scan::Scanner(test::test_models(), {target}, approximate_options()).scan(movie);
  print("approximate", a);
  expect_same_appearances(n.appearances, a.appearances, "movie.avi (approximate)");
}

TEST(ScannerSpeed, ACutRightAfterAFaceAppearsStillFindsIt) {
  test::NamedClip clip = test::cut_right_after_a_face_appears();
  fs::path file = test::make_clip(clip.spec);
  scan::ScanResult r = scan::Scanner(test::test_models(), {jesper(), anne()}).scan(file);
  print("optimized", r);
  expect_found(r.appearances, clip.expected, clip.name);
  // Anne is on screen for 0.6 s only: her hits come from her own frames,
  // not from the stranger's after the cut (at her place and size).
  ASSERT_EQ(r.appearances.size(), 1u);
  EXPECT_LE(r.appearances[0].end, 2.6 + 0.2 + 1e-6);
}

TEST(ScannerSpeed, AHalfSecondFaceBetweenTwoStaticShotsIsFound) {
  test::NamedClip clip = test::cameo_between_static_shots();
  fs::path file = test::make_clip(clip.spec);
  scan::ScanResult r = scan::Scanner(test::test_models(), {jesper(), anne()}).scan(file);
  print("optimized", r);
  expect_found(r.appearances, clip.expected, clip.name);
  EXPECT_GE(r.appearances.at(0).frames, 2);
  // The static shots were skipped by the gate, yet the cameo was not.
  EXPECT_LT(r.frames_analysed, r.frames_sampled / 2);
}

TEST(ScannerSpeed, FirstHitStopsEarlyAndStillReportsTheAppearance) {
  test::NamedClip clip = test::jesper_from_3_to_5();
  fs::path file = test::make_clip(clip.spec);
  scan::ScanOptions options;
  options.first_hit = true;
  scan::ScanResult r = scan::Scanner(test::test_models(), {jesper()}, options).scan(file);
  print("first hit", r);
  EXPECT_TRUE(r.stopped_early);
  ASSERT_EQ(r.appearances.size(), 1u);
  EXPECT_EQ(r.appearances[0].target, "jesper");
  EXPECT_NEAR(r.appearances[0].start, 3.0, 0.4);
  EXPECT_GE(r.appearances[0].frames, options.aggregation.min_frames);
  // Stopped within a few frames of the appearance's start, long before the
  // 7 s clip's 35 sampled frames.
  EXPECT_LE(r.frames_sampled, static_cast<std::int64_t>((3.0 + 1.0) * options.fps));
  EXPECT_NEAR(r.duration, 7.0, 0.05);

  // Without first_hit nothing stops early.
  options.first_hit = false;
  scan::ScanResult all = scan::Scanner(test::test_models(), {jesper()}, options).scan(file);
  EXPECT_FALSE(all.stopped_early);
  EXPECT_EQ(all.frames_sampled, 35);
}

TEST(ScannerSpeed, MinFaceChoosesTheDetectorInput) {
  // 720x1280 frames are padded to 1280 square; the input shrinks with the
  // smallest face that must be found, within [128, max].
  EXPECT_EQ(scan::detector_input_for(720, 1280, 64), 320);
  EXPECT_LT(scan::detector_input_for(720, 1280, 100), 320);
  EXPECT_GT(scan::detector_input_for(720, 1280, 32), 512);
  EXPECT_EQ(scan::detector_input_for(720, 1280, 1000), 128);
  EXPECT_EQ(scan::detector_input_for(720, 1280, 8, 1024), 1024);
  EXPECT_EQ(scan::detector_input_for(160, 120, 20), 128);

  // Faces ~100 px wide: with --min-face 100 the detector runs on a smaller
  // input and still finds Jesper; faces under 100 px are not required.
  test::NamedClip clip = test::jesper_from_3_to_5();
  fs::path file = test::make_clip(clip.spec);
  scan::ScanOptions options;
  options.smallest_face_px = 100;
  scan::ScanResult r = scan::Scanner(test::test_models(), {jesper()}, options).scan(file);
  print("min-face 100", r);
  EXPECT_EQ(r.detector_input, scan::detector_input_for(720, 1280, 100));
  expect_found(r.appearances, clip.expected, clip.name);

  scan::ScanResult d = scan::Scanner(test::test_models(), {jesper()}).scan(file);
  EXPECT_EQ(d.detector_input, 320);
  scan::ScanResult n = scan::Scanner(test::test_models(), {jesper()}, naive_options()).scan(file);
  EXPECT_EQ(n.detector_input, 512) << "the naive path keeps the detector's configured input";
}

// A face that matches by a wide margin is reported on the smaller input's
// box; one near its target's threshold is re-detected at the reference
// scale on every analysed frame it moves in.  Either way the appearances
// are the naive path's.
TEST(ScannerSpeed, OnlyFacesNearAThresholdAreReDetectedAtTheReferenceScale) {
  std::vector<targets::Target> targets = {jesper(), anne()};
  scan::Scanner fast(test::test_models(), targets);
  scan::Scanner naive(test::test_models(), targets, naive_options());
  // Anne's photo is her enrollment photo: far inside her threshold.
  // Jesper's is not among his: within 0.1 of his threshold.
  std::map<std::string, scan::ScanResult> found;
  for (const auto& clip :
       {moving_face("anne_helene.jpg", "anne"), moving_face("jesper_2.jpg", "jesper")}) {
    fs::path file = test::make_clip(clip.spec);
    scan::ScanResult f = fast.scan(file, clip.name);
    scan::ScanResult n = naive.scan(file, clip.name);
    print("optimized", f);
    print("naive    ", n);
    expect_found(f.appearances, clip.expected, clip.name);
    expect_same_appearances(n.appearances, f.appearances, clip.name);
    EXPECT_EQ(n.faces_confirmed, 0) << "the naive path detects at the reference scale";
    found[clip.name] = f;
  }
  EXPECT_EQ(found["anne"].faces_confirmed, 0);
  // The moving Jesper is re-detected on most frames he is analysed in.
  EXPECT_GE(found["jesper"].faces_confirmed, found["jesper"].appearances.at(0).frames / 2);
}

// A face near its threshold that stays put over moving footage: the gate
// passes every frame, but the face's reference-scale box and descriptor
// are re-used for a few analysed frames instead of re-detected on each.
TEST(ScannerSpeed, AStillFaceNearAThresholdIsReDetectedOnlyEveryFewFrames) {
  test::ClipSpec spec;
  spec.duration = 4;
  spec.segments = {test::Background::footage(test::testdata_dir() /
                                             "usr/share/doc/opencv-doc/examples/data/vtest.avi")};
  spec.overlays.push_back(
      test::Overlay::image(test::face_crop(test::demo_photo("jesper_2.jpg")), 0.5, 3.5)
          .scaled_to_height(340)
          .at(200, 400));
  fs::path file = test::make_clip(spec);
  scan::ScanResult f = scan::Scanner(test::test_models(), {jesper()}).scan(file, "still");
  scan::ScanResult n =
      scan::Scanner(test::test_models(), {jesper()}, naive_options()).scan(file, "still");
  print("optimized", f);
  print("naive    ", n);
  expect_found(f.appearances, {{"jesper", 0.5, 3.5}}, "still");
  expect_same_appearances(n.appearances, f.appearances, "still");
  // Re-detected when first seen and then about once per recheck_every (5)
  // analysed frames, not on each analysed frame it is on screen in.
  EXPECT_GE(f.faces_confirmed, 1);
  EXPECT_LE(f.faces_confirmed, (f.frames_analysed + 4) / 5 + 1);
}

// `approximate` gives up the reference path's frame-by-frame decisions for
// less work, but still finds every face where it is on screen.
TEST(ScannerSpeed, ApproximateFindsEveryScanClipsFacesWithLessWork) {
  std::vector<targets::Target> targets = {jesper(), anne()};
  scan::Scanner exact(test::test_models(), targets);
  scan::Scanner approximate(test::test_models(), targets, approximate_options());
  std::int64_t work_exact = 0, work_approximate = 0;
  auto work = [](const scan::ScanResult& r) { return r.frames_analysed + r.faces_confirmed; };
  for (const auto& [clip, e, a] :
       scan_every_clip(exact, "exact      ", approximate, "approximate")) {
    expect_found(a.appearances, clip.expected, clip.name + " (approximate)");
    EXPECT_LE(work(a), work(e)) << clip.name;
    work_exact += work(e);
    work_approximate += work(a);
  }
  EXPECT_LT(work_approximate, work_exact) << "analysed frames + reference-scale detections";
}

// The case it saves most on: a face near its threshold that moves is no
// longer re-detected at the reference scale on every analysed frame.
TEST(ScannerSpeed, ApproximateReDetectsAMovingFaceNearAThresholdLessOften) {
  const test::NamedClip clip = moving_face("jesper_2.jpg", "jesper");
  fs::path file = test::make_clip(clip.spec);
  scan::ScanResult e = scan::Scanner(test::test_models(), {jesper()}).scan(file, clip.name);
  scan::ScanResult a =
      scan::Scanner(test::test_models(), {jesper()}, approximate_options()).scan(file, clip.name);
  print("exact      ", e);
  print("approximate", a);
  expect_found(e.appearances, clip.expected, clip.name + " (exact)");
  expect_found(a.appearances, clip.expected, clip.name + " (approximate)");
  EXPECT_LT(a.faces_confirmed, e.faces_confirmed);
  EXPECT_LT(a.faces_embedded, e.faces_embedded);
}
