#include "scan/evidence.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>

#include "core/errors.h"

namespace fs = std::filesystem;

namespace tw::scan {
namespace {

std::string safe_stem(const std::string& text) {
  std::string out;
  for (char c : text) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    out += ok ? c : '_';
  }
  if (out.empty() || out.front() == '.') out.insert(out.begin(), 'v');
  return out.substr(0, 80);
}

void write_jpeg(const fs::path& path, const cv::Mat& image) {
  if (image.empty()) return;
  bool ok = false;
  try {
    ok = cv::imwrite(path.string(), image, {cv::IMWRITE_JPEG_QUALITY, 90});
  } catch (const cv::Exception&) {
    ok = false;
  }
  if (!ok) throw InputError(path.string(), "cannot write the evidence image");
}

void write_descriptors(const fs::path& path, const AppearanceEvidence& e) {
  auto write_one = [](std::ofstream& out, const Descriptor& d) {
    out << "[";
    for (std::size_t i = 0; i < d.size(); ++i) out << (i ? ", " : "") << d[i];
    out << "]";
  };
  std::ofstream out(path);
  out.precision(9);
  out << "{\"descriptor\": ";
  write_one(out, e.best_descriptor);
  out << ",\n \"descriptors\": [";
  for (std::size_t i = 0; i < e.descriptors.size(); ++i) {
    out << (i ? ",\n  " : "\n  ");
    write_one(out, e.descriptors[i]);
  }
  out << "]}\n";
  if (!out) throw InputError(path.string(), "cannot write the face descriptors");
}

}  // namespace

fs::path face_descriptor_path(const fs::path& crop_path) {
  std::string name = crop_path.filename().string();
  const std::string suffix = "-crop.jpg";
  if (name.size() > suffix.size() &&
      name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0)
    name = name.substr(0, name.size() - suffix.size());
  return crop_path.parent_path() / (name + "-face.json");
}

cv::Mat region_around(const cv::Mat& frame, const Box& box, float margin) {
  const float grow = margin * std::max(box.width, box.height);
  cv::Rect r(cvRound(box.x - grow), cvRound(box.y - grow), cvRound(box.width + 2 * grow),
             cvRound(box.height + 2 * grow));
  r &= cv::Rect(0, 0, frame.cols, frame.rows);
  return r.area() > 0 ? frame(r) : cv::Mat();
}

cv::Mat annotate_frame(const cv::Mat& frame, const Appearance& a) {
  cv::Mat out = frame.clone();
  if (out.empty()) return out;
  int thickness = std::max(2, out.cols / 300);
  cv::Rect box(cvRound(a.box.x), cvRound(a.box.y), cvRound(a.box.width), cvRound(a.box.height));
  cv::rectangle(out, box, cv::Scalar(0, 255, 0), thickness);
  char label[160];
  std::snprintf(label, sizeof label, "%s %.2f @ %.2fs", a.target.c_str(), a.best_score,
                a.best_time);
  double font_scale = std::max(0.5, out.cols / 900.0);
  int baseline = 0;
  cv::Size text =
      cv::getTextSize(label, cv::FONT_HERSHEY_SIMPLEX, font_scale, thickness, &baseline);
  int y = box.y - 6 >= text.height ? box.y - 6
                                   : std::min(out.rows - baseline, box.br().y + text.height + 6);
  cv::Point origin(std::clamp(box.x, 0, std::max(0, out.cols - text.width)), y);
  cv::rectangle(out, origin + cv::Point(-2, baseline),
                origin + cv::Point(text.width + 2, -text.height - 2), cv::Scalar(0, 0, 0),
                cv::FILLED);
  cv::putText(out, label, origin, cv::FONT_HERSHEY_SIMPLEX, font_scale, cv::Scalar(0, 255, 0),
              thickness);
  return out;
}

void write_evidence(const fs::path& dir, const std::string& video_stem,
                    std::vector<AppearanceEvidence>& appearances) {
  if (appearances.empty()) return;
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw InputError(dir.string(), "cannot create the evidence folder: " + ec.message());
  int n = 0;
  for (auto& e : appearances) {
    ++n;
    std::string base =
        safe_stem(video_stem) + "-" + safe_stem(e.appearance.target) + "-" + std::to_string(n);
    fs::path frame_path = dir / (base + "-frame.jpg");
    fs::path crop_path = dir / (base + "-crop.jpg");
    if (!e.best_frame.empty()) {
      write_jpeg(frame_path, annotate_frame(e.best_frame, e.appearance));
      e.appearance.evidence_frame = frame_path.string();
    }
    if (!e.best_crop.empty()) {
      write_jpeg(crop_path, e.best_crop);
      e.appearance.evidence_crop = crop_path.string();
      // The faces' descriptors beside the crop: a dismissed false match can
      // then become negatives without detecting the faces again.
      if (!e.best_descriptor.empty()) write_descriptors(face_descriptor_path(crop_path), e);
    }
  }
}

}  // namespace tw::scan
