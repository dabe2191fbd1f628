#include "vision/image_matcher.h"

#include <opencv2/calib3d.hpp>
#include <opencv2/features2d.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "core/errors.h"

namespace tw::vision {
namespace {

constexpr int kDescriptorBytes = 128;

cv::Mat to_grey(const cv::Mat& bgr) {
  if (bgr.channels() == 1) return bgr;
  cv::Mat grey;
  cv::cvtColor(bgr, grey, bgr.channels() == 4 ? cv::COLOR_BGRA2GRAY : cv::COLOR_BGR2GRAY);
  return grey;
}

// Downscales so the long side is at most max_side; returns the factor used.
double downscale(const cv::Mat& grey, int max_side, cv::Mat& out) {
  int long_side = std::max(grey.cols, grey.rows);
  if (max_side <= 0 || long_side <= max_side) {
    out = grey;
    return 1.0;
  }
  double scale = static_cast<double>(max_side) / long_side;
  cv::resize(grey, out, cv::Size(), scale, scale, cv::INTER_AREA);
  return scale;
}

void detect(const cv::Mat& grey, int max_features, int descriptor_type,
            std::vector<cv::KeyPoint>& keypoints, cv::Mat& descriptors) {
  auto sift = cv::SIFT::create(max_features, 3, 0.04, 10, 1.6, descriptor_type);
  sift->detectAndCompute(grey, cv::noArray(), keypoints, descriptors);
}

double cross(const Point& o, const Point& a, const Point& b) {
  return static_cast<double>(a.x - o.x) * (b.y - o.y) -
         static_cast<double>(a.y - o.y) * (b.x - o.x);
}

double distance(const Point& a, const Point& b) {
  return std::hypot(static_cast<double>(a.x - b.x), static_cast<double>(a.y - b.y));
}

// A homography that maps the reference to a convex, unmirrored quad whose
// sides are long enough and keep roughly the reference's proportions.
bool sane_outline(const std::array<Point, 4>& q, double ref_w, double ref_h,
                  const ImageMatchOptions& options) {
  for (const auto& p : q)
    if (!std::isfinite(p.x) || !std::isfinite(p.y)) return false;
  // Corners go clockwise on screen (y down) in the reference: every turn
  // must keep that sign, else the quad is mirrored, twisted or concave.
  for (int i = 0; i < 4; ++i)
    if (cross(q[i], q[(i + 1) % 4], q[(i + 2) % 4]) <= 0) return false;
  double top = distance(q[0], q[1]), right = distance(q[1], q[2]);
  double bottom = distance(q[2], q[3]), left = distance(q[3], q[0]);
  double shortest = std::min({top, right, bottom, left});
  if (shortest < options.min_outline_px) return false;
  double limit = options.max_aspect_change;
  auto within = [limit](double a, double b) { return a <= b * limit && b <= a * limit; };
  if (!within(top, bottom) || !within(left, right)) return false;  // perspective
  double aspect = (top + bottom) / std::max(1e-9, left + right);
  return within(aspect, ref_w / ref_h);
}

}  // namespace

ImageFeatures reference_features(const cv::Mat& bgr, const std::string& source,
                                 const ImageMatchOptions& options) {
  if (bgr.empty()) throw InputError(source, "the reference image is empty");
  cv::Mat grey;
  downscale(to_grey(bgr), options.max_reference_side, grey);
  std::vector<cv::KeyPoint> keypoints;
  ImageFeatures features;
  detect(grey, options.max_reference_features, CV_8U, keypoints, features.descriptors);
  if (static_cast<int>(keypoints.size()) < options.min_reference_features)
    throw InputError(source, "the reference image has too few distinctive features (" +
                                 std::to_string(keypoints.size()) + ", need " +
                                 std::to_string(options.min_reference_features) +
                                 "): a flat or plain picture cannot be found reliably");
  features.width = grey.cols;
  features.height = grey.rows;
  for (const auto& k : keypoints) features.points.push_back({k.pt.x, k.pt.y});
  return features;
}

FrameFeatures frame_features(const cv::Mat& bgr, const ImageMatchOptions& options) {
  FrameFeatures f;
  f.frame_size = bgr.size();
  if (bgr.empty()) return f;
  cv::Mat grey;
  f.scale = downscale(to_grey(bgr), options.max_frame_side, grey);
  std::vector<cv::KeyPoint> keypoints;
  detect(grey, options.max_frame_features, CV_32F, keypoints, f.descriptors);
  for (const auto& k : keypoints) f.points.push_back({k.pt.x, k.pt.y});
  return f;
}

ImageMatcher::ImageMatcher(std::vector<ImageFeatures> references, ImageMatchOptions options)
    : references_(std::move(references)), options_(options) {
  for (const auto& r : references_) {
    cv::Mat f;
    r.descriptors.convertTo(f, CV_32F);
    float_descriptors_.push_back(f);
  }
}

std::optional<ImageMatch> ImageMatcher::match(const FrameFeatures& frame) const {
  std::optional<ImageMatch> best;
  for (std::size_t i = 0; i < references_.size(); ++i) {
    auto m = match_one(i, frame);
    if (m && (!best || m->inliers > best->inliers)) best = m;
  }
  return best;
}

std::optional<ImageMatch> ImageMatcher::match_one(std::size_t index,
                                                  const FrameFeatures& frame) const {
  const ImageFeatures& ref = references_[index];
  const cv::Mat& ref_descriptors = float_descriptors_[index];
  if (ref_descriptors.rows < 2 || frame.descriptors.rows < 2) return std::nullopt;

  cv::BFMatcher matcher(cv::NORM_L2);
  std::vector<std::vector<cv::DMatch>> knn;
  matcher.knnMatch(ref_descriptors, frame.descriptors, knn, 2);
  std::vector<cv::Point2f> from, to;
  std::vector<int> used(frame.points.size(), 0);
  for (const auto& pair : knn) {
    if (pair.size() < 2 || pair[0].distance >= options_.ratio * pair[1].distance) continue;
    // One frame point may back one reference point only (many-to-one
    // matches onto a repeated stripe edge would inflate the inliers).
    if (used[pair[0].trainIdx]++) continue;
    const Point& a = ref.points[pair[0].queryIdx];
    const Point& b = frame.points[pair[0].trainIdx];
    from.emplace_back(a.x, a.y);
    to.emplace_back(b.x, b.y);
  }
  ImageMatch m;
  m.reference_index = index;
  m.good_matches = static_cast<int>(from.size());
  if (m.good_matches < std::max(4, options_.min_inliers)) return std::nullopt;

  std::vector<unsigned char> mask;
  cv::Mat h = cv::findHomography(from, to, cv::RANSAC, options_.ransac_px, mask, 2000, 0.995);
  if (h.empty()) return std::nullopt;
  m.inliers = cv::countNonZero(mask);
  if (m.inliers < options_.min_inliers) return std::nullopt;

  std::vector<cv::Point2f> corners = {
      {0.f, 0.f},
      {static_cast<float>(ref.width), 0.f},
      {static_cast<float>(ref.width), static_cast<float>(ref.height)},
      {0.f, static_cast<float>(ref.height)}};
  std::vector<cv::Point2f> projected;
  cv::perspectiveTransform(corners, projected, h);
  std::array<Point, 4> working;
  for (int i = 0; i < 4; ++i) working[i] = {projected[i].x, projected[i].y};
  if (!sane_outline(working, ref.width, ref.height, options_)) return std::nullopt;

  float min_x = 1e30f, min_y = 1e30f, max_x = -1e30f, max_y = -1e30f;
  for (int i = 0; i < 4; ++i) {
    Point p{static_cast<float>(working[i].x / frame.scale),
            static_cast<float>(working[i].y / frame.scale)};
    m.outline[i] = p;
    min_x = std::min(min_x, p.x), min_y = std::min(min_y, p.y);
    max_x = std::max(max_x, p.x), max_y = std::max(max_y, p.y);
  }
  min_x = std::clamp(min_x, 0.f, static_cast<float>(frame.frame_size.width));
  max_x = std::clamp(max_x, 0.f, static_cast<float>(frame.frame_size.width));
  min_y = std::clamp(min_y, 0.f, static_cast<float>(frame.frame_size.height));
  max_y = std::clamp(max_y, 0.f, static_cast<float>(frame.frame_size.height));
  m.box = {min_x, min_y, max_x - min_x, max_y - min_y};
  if (m.box.area() <= 0) return std::nullopt;
  m.score = static_cast<float>(m.inliers) / static_cast<float>(m.inliers + options_.min_inliers);
  return m;
}

namespace {
constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}
}  // namespace

std::string descriptors_to_base64(const cv::Mat& descriptors) {
  cv::Mat bytes;
  descriptors.convertTo(bytes, CV_8U);
  bytes = bytes.isContinuous() ? bytes : bytes.clone();
  const unsigned char* data = bytes.ptr<unsigned char>();
  std::size_t n = bytes.total() * bytes.elemSize();
  std::string out;
  out.reserve((n + 2) / 3 * 4);
  for (std::size_t i = 0; i < n; i += 3) {
    unsigned v = data[i] << 16;
    if (i + 1 < n) v |= data[i + 1] << 8;
    if (i + 2 < n) v |= data[i + 2];
    out += kBase64[(v >> 18) & 63];
    out += kBase64[(v >> 12) & 63];
    out += i + 1 < n ? kBase64[(v >> 6) & 63] : '=';
    out += i + 2 < n ? kBase64[v & 63] : '=';
  }
  return out;
}

cv::Mat descriptors_from_base64(const std::string& text, std::size_t rows) {
  std::vector<unsigned char> bytes;
  bytes.reserve(text.size() / 4 * 3);
  unsigned v = 0;
  int bits = 0;
  for (char c : text) {
    if (c == '=') break;
    int d = base64_value(c);
    if (d < 0) throw std::invalid_argument("descriptors are not valid base64");
    v = (v << 6) | static_cast<unsigned>(d);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes.push_back(static_cast<unsigned char>((v >> bits) & 0xFF));
    }
  }
  if (bytes.size() != rows * kDescriptorBytes)
    throw std::invalid_argument("descriptors hold " + std::to_string(bytes.size()) +
                                " bytes, expected " + std::to_string(rows) + " x 128");
  cv::Mat m(static_cast<int>(rows), kDescriptorBytes, CV_8U);
  if (!bytes.empty()) std::copy(bytes.begin(), bytes.end(), m.ptr<unsigned char>());
  return m;
}

}  // namespace tw::vision
