#pragma once
// The generated clips the scan tests run on (720x1280 30 fps H.264, made by
// tests/support/clips.h), each with the appearances it must give.  Shared by
// the scanner tests, the optimized-vs-naive agreement test and
// bench/bench_speed.cpp.
#include <filesystem>
#include <string>
#include <vector>

#include "scan/scan_fixture.h"
#include "support/clips.h"

namespace tw::test {

// Jesper enrolled from these; jesper_2.jpg (also Jesper, not among them) is
// what the clips show.
inline targets::Target jesper() {
  return enroll_from(
      "jesper", {demo_photo("jesper.jpg"), demo_photo("cold_water.jpg"), demo_photo("pool.jpg"),
                 demo_photo("grand_canyon_2.jpg"), demo_photo("new_wave_2.jpg")});
}
// Anne Helene has one photo of her alone, so clips show that photo (scaled,
// moving, re-encoded); Jesper's parts stay a photo he was not enrolled from.
// (Donna's two photos give the detector no face.)
inline targets::Target anne() {
  return enroll_from("anne", {demo_photo("anne_helene.jpg")});
}

// Group photos of strangers.  (sample2's frontmost face is within 0.52 of
// Jesper's gallery, under the default threshold: a known false match that
// docs/threshold.md reports; the clips leave it out.)
inline std::filesystem::path stranger_group(int n) {
  return face_api_dir() / "demo" / ("sample" + std::to_string(n) + ".jpg");
}

inline std::filesystem::path megamind_avi() {
  return testdata_dir() / "usr/share/doc/opencv-doc/examples/data/Megamind.avi";
}

struct ExpectedAppearance {
  std::string target;
  double start = 0, end = 0;
};

struct NamedClip {
  std::string name;
  ClipSpec spec;
  std::vector<ExpectedAppearance> expected;
};

// Other footage and other people around [t0, t1] where `shown` is on screen.
inline ClipSpec clip_with(const std::filesystem::path& shown, double t0, double t1,
                          double duration = 7) {
  ClipSpec spec;
  spec.duration = duration;
  spec.segments = {Background::pattern("testsrc2"),
                   Background::still(demo_photo("skagen.jpg")).from(2.6),
                   Background::footage(megamind_avi()).from(5.4)};
  spec.overlays.push_back(
      Overlay::image(stranger_group(3), 0.4, 2.4).scaled_to_height(420).moving(0, 80, 40, 160));
  spec.overlays.push_back(
      Overlay::image(face_crop(shown), t0, t1).scaled_to_height(360).moving(60, 250, 300, 700));
  spec.overlays.push_back(
      Overlay::image(stranger_group(5), 5.6, 6.6).scaled_to_height(320).at(380, 820));
  return spec;
}

inline NamedClip jesper_from_3_to_5() {
  return {"jesper_3_to_5", clip_with(demo_photo("jesper_2.jpg"), 3.0, 5.0), {{"jesper", 3, 5}}};
}

inline NamedClip strangers_only() {
  return {"strangers_only", clip_with(stranger_group(4), 3.0, 5.0), {}};
}

inline NamedClip two_targets() {
  ClipSpec spec;
  spec.duration = 7;
  spec.segments = {Background::still(demo_photo("sunset.jpg")),
                   Background::pattern("smptebars").from(3.6)};
  spec.overlays.push_back(Overlay::image(face_crop(demo_photo("jesper_2.jpg")), 0.8, 3.0)
                              .scaled_to_height(340)
                              .moving(20, 100, 280, 400));
  spec.overlays.push_back(
      Overlay::image(stranger_group(6), 2.0, 5.2).scaled_to_height(380).at(0, 860));
  spec.overlays.push_back(Overlay::image(face_crop(demo_photo("anne_helene.jpg")), 4.0, 6.2)
                              .scaled_to_height(380)
                              .moving(300, 200, 100, 420));
  return {"two_targets", spec, {{"jesper", 0.8, 3.0}, {"anne", 4.0, 6.2}}};
}

inline NamedClip half_second_cameo() {
  ClipSpec spec;
  spec.duration = 4;
  spec.segments = {Background::solid("0x203040"), Background::pattern("testsrc2").from(2.0)};
  spec.overlays.push_back(Overlay::image(face_crop(demo_photo("jesper_2.jpg")), 1.5, 2.0)
                              .scaled_to_height(360)
                              .at(200, 400));
  return {"half_second_cameo", spec, {{"jesper", 1.5, 2.0}}};
}

// Static shots, which the scene gate skips: a still photo for 2.5 s, Anne
// Helene (still, not moving) for 0.5 s over a second still shot, then that
// shot alone.  The cameo must not be hidden by the gate.
inline NamedClip cameo_between_static_shots() {
  ClipSpec spec;
  spec.duration = 6;
  spec.segments = {Background::still(demo_photo("sunset.jpg")),
                   Background::still(demo_photo("skagen.jpg")).from(2.5)};
  spec.overlays.push_back(Overlay::image(face_crop(demo_photo("anne_helene.jpg")), 3.0, 3.5)
                              .scaled_to_height(300)
                              .at(260, 500));
  return {"cameo_between_static_shots", spec, {{"anne", 3.0, 3.5}}};
}

// Anne Helene appears on a still shot at 2.0 s, and 0.6 s later a hard cut
// to another still shot shows a stranger at the same place and size (the
// tracker must not carry Anne's descriptor across the cut).
inline NamedClip cut_right_after_a_face_appears() {
  ClipSpec spec;
  spec.duration = 5.5;
  spec.segments = {Background::still(demo_photo("sunset.jpg")),
                   Background::still(demo_photo("skagen.jpg")).from(2.6)};
  spec.overlays.push_back(Overlay::image(face_crop(demo_photo("anne_helene.jpg")), 2.0, 2.6)
                              .scaled_to_height(320)
                              .at(80, 300));
  spec.overlays.push_back(
      Overlay::image(face_crop(stranger_group(4)), 2.64, 4.0).scaled_to_height(320).at(80, 300));
  spec.overlays.push_back(
      Overlay::image(stranger_group(6), 0.0, 1.6).scaled_to_height(380).at(0, 860));
  return {"cut_right_after_a_face_appears", spec, {{"anne", 2.0, 2.6}}};
}

// Every clip above, for tests and benches that run them all.
inline std::vector<NamedClip> all_scan_clips() {
  return {jesper_from_3_to_5(),
          strangers_only(),
          two_targets(),
          half_second_cameo(),
          cameo_between_static_shots(),
          cut_right_after_a_face_appears()};
}

}  // namespace tw::test
