#include "targets/enroll_image.h"

#include "core/errors.h"
#include "core/hash.h"
#include "media/image.h"

namespace fs = std::filesystem;

namespace tw::targets {

EnrollResult enroll_image_target(const std::string& name, const std::vector<fs::path>& images,
                                 const ImageEnrollOptions& options) {
  validate_target_name(name);
  EnrollResult result;
  Target target;
  target.name = name;
  target.kind = TargetKind::image;
  target.created = utc_now_iso8601();
  target.min_inliers = options.min_inliers.value_or(kDefaultImageMinInliers);
  if (target.min_inliers < 4)
    throw InputError("--min-inliers", "must be at least 4 (a homography needs 4 points)");
  for (const auto& image : images) {
    const std::string label = image.string();
    try {
      std::string hash = sha256_file(image);
      cv::Mat bgr = media::load_image(image);
      vision::ImageFeatures features = vision::reference_features(bgr, label, options.matching);
      std::error_code ec;
      fs::path absolute = fs::absolute(image, ec);
      Box whole{0, 0, static_cast<float>(bgr.cols), static_cast<float>(bgr.rows)};
      target.references.push_back({ec ? label : absolute.lexically_normal().string(), hash, whole});
      target.image_features.push_back(std::move(features));
    } catch (const InputError& e) {
      result.refused.push_back({label, e.reason()});
    }
  }
  if (images.empty()) result.refused.push_back({name, "no reference images given"});
  if (result.refused.empty()) result.target = std::move(target);
  return result;
}

}  // namespace tw::targets
