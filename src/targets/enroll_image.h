#pragma once
// Enrollment of an image target (a flag, a logo, a meme): each reference
// image's local features are stored in the target file, so scanning needs
// neither the images nor a model.  A reference with too few features (a
// flat colour, a plain tricolour) is refused with its reason; as for faces,
// when any reference is refused no target is made.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "targets/enroll.h"
#include "targets/target.h"
#include "vision/image_matcher.h"

namespace tw::targets {

inline constexpr int kDefaultImageMinInliers = 12;

struct ImageEnrollOptions {
  std::optional<int> min_inliers;  // default: kDefaultImageMinInliers
  vision::ImageMatchOptions matching;
};

EnrollResult enroll_image_target(const std::string& name,
                                 const std::vector<std::filesystem::path>& images,
                                 const ImageEnrollOptions& options = {});

}  // namespace tw::targets
