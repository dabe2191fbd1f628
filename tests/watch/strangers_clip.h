#pragma once
// The monitor tests' clip of people who are not Jesper: face-api's group
// photo sample2.jpg on screen from 0.5 to 3.5 s of a 4 s 360x640 clip.
#include <filesystem>

#include "support/clips.h"
#include "support/test_support.h"

namespace tw::test {

inline std::filesystem::path strangers_clip() {
  ClipSpec spec;
  spec.width = 360;
  spec.height = 640;
  spec.duration = 4;
  spec.segments = {Background::solid("0x203040")};
  spec.overlays.push_back(Overlay::image(face_api_dir() / "demo" / "sample2.jpg", 0.5, 3.5)
                              .scaled_to_height(300)
                              .at(0, 150));
  return make_clip(spec);
}

}  // namespace tw::test
