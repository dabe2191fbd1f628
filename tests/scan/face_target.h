#pragma once
// A face target made from descriptors, for the match and track stage tests
// on made-up descriptors (no models).
#include <string>
#include <utility>

#include "targets/target.h"

namespace tw::test {

inline targets::Target face_target(const std::string& name, Descriptor gallery, float threshold) {
  targets::Target t;
  t.name = name;
  t.kind = targets::TargetKind::face;
  t.descriptors = {std::move(gallery)};
  t.threshold = threshold;
  return t;
}

}  // namespace tw::test
