#include "targets/enroll.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cstdio>
#include <map>

#include "core/errors.h"
#include "core/hash.h"
#include "media/image.h"
#include "targets/threshold.h"

namespace fs = std::filesystem;

namespace tw::targets {
namespace {

std::string format_number(double value, const char* format) {
  char buf[64];
  std::snprintf(buf, sizeof buf, format, value);
  return buf;
}

}  // namespace

std::vector<fs::path> expand_photo_paths(const std::vector<fs::path>& paths) {
  std::vector<fs::path> out;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<fs::path> found;
      for (const auto& entry : fs::directory_iterator(p, ec))
        if (entry.is_regular_file() && media::looks_like_image_file(entry.path()))
          found.push_back(entry.path());
      if (found.empty()) throw InputError(p.string(), "folder holds no image files");
      std::sort(found.begin(), found.end());
      out.insert(out.end(), found.begin(), found.end());
    } else if (fs::exists(p, ec)) {
      out.push_back(p);
    } else {
      throw InputError(p.string(), "no such file or folder");
    }
  }
  return out;
}

double laplacian_variance(const cv::Mat& bgr) {
  if (bgr.empty()) return 0;
  cv::Mat grey, lap;
  if (bgr.channels() == 3)
    cv::cvtColor(bgr, grey, cv::COLOR_BGR2GRAY);
  else
    grey = bgr;
  cv::Laplacian(grey, lap, CV_64F);
  cv::Scalar mean, stddev;
  cv::meanStdDev(lap, mean, stddev);
  return stddev[0] * stddev[0];
}

EnrollResult enroll_face_target(const std::string& name, const std::vector<fs::path>& photos,
                                vision::FaceAnalyser& analyser, const EnrollOptions& options) {
  validate_target_name(name);
  EnrollResult result;
  Target target;
  target.name = name;
  target.kind = TargetKind::face;
  target.threshold = options.threshold.value_or(kDefaultFaceThreshold);
  target.created = utc_now_iso8601();
  if (photos.empty()) {
    result.refused.push_back({"", "no reference photos given"});
    return result;
  }

  std::map<std::string, std::string> photo_by_hash;
  std::vector<std::string> photo_of_descriptor;
  for (const auto& photo : photos) {
    const std::string label = photo.string();
    try {
      std::string hash = sha256_file(photo);
      if (auto it = photo_by_hash.find(hash); it != photo_by_hash.end()) {
        result.warnings.push_back({label, "same file as " + it->second + "; skipped"});
        continue;
      }
      cv::Mat image = media::load_image(photo);
      std::vector<vision::AnalysedFace> faces = analyser.analyse(image);
      if (faces.empty()) {
        result.refused.push_back({label, "no face found in this photo"});
        continue;
      }
      auto largest = std::max_element(faces.begin(), faces.end(), [](const auto& a, const auto& b) {
        return a.detection.box.area() < b.detection.box.area();
      });
      if (faces.size() > 1 && !options.largest) {
        result.refused.push_back(
            {label, std::to_string(faces.size()) +
                        " faces found; use a photo of the person alone, or --largest to take "
                        "the largest face"});
        continue;
      }
      const vision::AnalysedFace& face = *largest;
      const Box& box = face.detection.box;
      float side = std::min(box.width, box.height);
      if (side < options.tiny_face_px)
        result.warnings.push_back({label, "the face is tiny (" + format_number(side, "%.0f") +
                                              " px); a closer photo gives a better descriptor"});
      double sharpness = laplacian_variance(face.aligned);
      if (sharpness < options.blurry_laplacian_var)
        result.warnings.push_back({label, "the face looks blurry (Laplacian variance " +
                                              format_number(sharpness, "%.0f") + ")"});
      for (size_t i = 0; i < target.descriptors.size(); ++i) {
        float d = vision::descriptor_distance(face.descriptor, target.descriptors[i]);
        if (d < options.duplicate_distance)
          result.warnings.push_back({label, "nearly the same face as " + photo_of_descriptor[i] +
                                                " (distance " + format_number(d, "%.3f") +
                                                "); it adds little"});
      }
      photo_by_hash[hash] = label;
      std::error_code ec;
      fs::path absolute = fs::absolute(photo, ec);
      target.references.push_back({ec ? label : absolute.lexically_normal().string(), hash, box});
      target.descriptors.push_back(face.descriptor);
      photo_of_descriptor.push_back(label);
    } catch (const InputError& e) {
      result.refused.push_back({label, e.reason()});
    }
  }
  if (result.refused.empty()) result.target = std::move(target);
  return result;
}

}  // namespace tw::targets
