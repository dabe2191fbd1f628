// BlazeFace decoding as MediaPipe's face detection graphs do it
// (SsdAnchorsCalculator with fixed anchor sizes, TensorsToDetections with
// x/y/w/h scales equal to the input size, WEIGHTED non-max suppression),
// written for inputs of any size: every regression is in input pixels, so a
// box is its anchor cell's centre plus the raw offset, whatever the input.
#include "vision/blaze_face.h"

#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "core/errors.h"
#include "vision/conv_runtime.h"
#include "vision/landmarker.h"
#include "vision/tf_image.h"

namespace tw::vision {

namespace {

constexpr int kValuesPerAnchor = 16;  // box (cx, cy, w, h) + 6 keypoints (x, y)
constexpr int kHeads = 2;

struct Head {
  int stride = 0;
  int anchors_per_cell = 0;
  size_t score_output = 0, box_output = 0;
};

int round_up(int value, int multiple) {
  return (value + multiple - 1) / multiple * multiple;
}

// A candidate in image pixels.
struct Candidate {
  float score = 0;
  float xmin = 0, ymin = 0, xmax = 0, ymax = 0;
  std::array<float, 12> keypoints{};
};

float candidate_iou(const Candidate& a, const Candidate& b) {
  const float w = std::min(a.xmax, b.xmax) - std::max(a.xmin, b.xmin);
  const float h = std::min(a.ymax, b.ymax) - std::max(a.ymin, b.ymin);
  if (w <= 0 || h <= 0) return 0.f;
  const float inter = w * h;
  const float area_a = (a.xmax - a.xmin) * (a.ymax - a.ymin);
  const float area_b = (b.xmax - b.xmin) * (b.ymax - b.ymin);
  return inter / (area_a + area_b - inter);
}

// MediaPipe's WEIGHTED suppression: the best remaining candidate takes
// every remaining one that overlaps it by more than `iou`, and becomes their
// score-weighted mean (box and keypoints) with its own score.
std::vector<Candidate> weighted_nms(std::vector<Candidate> remaining, float iou, int max_faces) {
  std::stable_sort(remaining.begin(), remaining.end(),
                   [](const Candidate& a, const Candidate& b) { return a.score > b.score; });
  std::vector<Candidate> kept;
  while (!remaining.empty() && static_cast<int>(kept.size()) < max_faces) {
    const Candidate top = remaining.front();
    std::vector<Candidate> rest;
    Candidate sum;
    float weight = 0;
    for (const Candidate& c : remaining) {
      if (candidate_iou(top, c) > iou || &c == &remaining.front()) {
        sum.xmin += c.score * c.xmin, sum.ymin += c.score * c.ymin;
        sum.xmax += c.score * c.xmax, sum.ymax += c.score * c.ymax;
        for (size_t k = 0; k < sum.keypoints.size(); ++k)
          sum.keypoints[k] += c.score * c.keypoints[k];
        weight += c.score;
      } else {
        rest.push_back(c);
      }
    }
    Candidate merged;
    merged.score = top.score;
    merged.xmin = sum.xmin / weight, merged.ymin = sum.ymin / weight;
    merged.xmax = sum.xmax / weight, merged.ymax = sum.ymax / weight;
    for (size_t k = 0; k < sum.keypoints.size(); ++k)
      merged.keypoints[k] = sum.keypoints[k] / weight;
    kept.push_back(merged);
    remaining = std::move(rest);
  }
  return kept;
}

}  // namespace

std::vector<ViewWindow> blaze_face_windows(const BlazeFaceView& view, int width, int height,
                                           int trained_input) {
  if (width < 1 || height < 1) throw std::invalid_argument("BlazeFace: empty image");
  const int side = std::max(width, height);
  const cv::Size trained(trained_input, trained_input);
  switch (view.kind) {
    case BlazeFaceView::Kind::square:
      return {{cv::Rect(0, 0, side, side), trained}};
    case BlazeFaceView::Kind::canvas: {
      if (view.long_side < 32) throw std::invalid_argument("BlazeFace canvas must be >= 32 px");
      const double scale = static_cast<double>(view.long_side) / side;
      const int cols = round_up(static_cast<int>(std::ceil(width * scale - 1e-9)), 32);
      const int rows = round_up(static_cast<int>(std::ceil(height * scale - 1e-9)), 32);
      return {{cv::Rect(0, 0, static_cast<int>(std::lround(cols / scale)),
                        static_cast<int>(std::lround(rows / scale))),
               cv::Size(cols, rows)}};
    }
    case BlazeFaceView::Kind::tiles: {
      if (view.tiles_x < 1 || view.tiles_y < 1 || view.tile_overlap < 0)
        throw std::invalid_argument("BlazeFace tiles: counts must be >= 1, overlap >= 0");
      const double cell = std::max(static_cast<double>(width) / view.tiles_x,
                                   static_cast<double>(height) / view.tiles_y);
      const int tile = std::min(side, static_cast<int>(std::ceil(cell * (1 + view.tile_overlap))));
      auto origin = [&](int i, int count, int extent) {
        if (count == 1 || tile >= extent) return std::min(0, (extent - tile) / 2);
        return static_cast<int>(
            std::lround(static_cast<double>(i) * (extent - tile) / (count - 1)));
      };
      std::vector<ViewWindow> windows;
      for (int y = 0; y < view.tiles_y; ++y)
        for (int x = 0; x < view.tiles_x; ++x)
          windows.push_back({cv::Rect(origin(x, view.tiles_x, width),
                                      origin(y, view.tiles_y, height), tile, tile),
                             trained});
      return windows;
    }
  }
  throw std::invalid_argument("BlazeFace: unknown view");
}

struct BlazeFaceDetector::Impl {
  std::shared_ptr<ConvRuntime> net;
  int trained_input = 0;
  std::array<Head, kHeads> heads;
  BlazeFaceOptions options;
  std::vector<float> input;  // NHWC batch, reused
};

BlazeFaceDetector::BlazeFaceDetector(const std::filesystem::path& onnx_file,
                                     BlazeFaceOptions options)
    : BlazeFaceDetector(models::read_conv_net(onnx_file), onnx_file, options) {}

BlazeFaceDetector::BlazeFaceDetector(const models::ConvNet& net, const std::filesystem::path& named,
                                     BlazeFaceOptions options)
    : impl_(std::make_unique<Impl>()) {
  auto refuse = [&](const std::string& why) {
    throw InputError(named.string(), "is not a BlazeFace net: " + why);
  };
  if (net.input_channels != 3 || net.input_rows != net.input_cols ||
      (net.input_rows != 128 && net.input_rows != 256))
    refuse("its input is not 3 channels of 128x128 or 256x256");
  if (net.outputs.size() != 4) refuse("it has " + std::to_string(net.outputs.size()) + " outputs");
  const int size = net.input_rows;
  impl_->trained_input = size;
  // MediaPipe's anchor options: strides {8, 16, 16, 16} (front) and
  // {16, 32, 32, 32} (back), two anchors per layer; layers of one stride
  // share a head, so 2 anchors per cell on the finer head and 6 on the other.
  const int finer = size == 128 ? 8 : 16;
  impl_->heads = {Head{finer, 2}, Head{finer * 2, 6}};
  impl_->net = std::make_shared<ConvRuntime>(net);

  // Which output is which: scores have 1 value per row, boxes 16, and a
  // head's row count at the trained size is its cells times its anchors.
  const std::vector<float> zeros(static_cast<size_t>(size) * size * 3, 0.f);
  const auto& outputs = impl_->net->run(zeros.data(), 1, size, size);
  std::array<int, kHeads> scores_found{}, boxes_found{};
  for (size_t i = 0; i < outputs.size(); ++i) {
    const int width = net.outputs[i].width;
    const size_t rows = outputs[i].size() / std::max(width, 1);
    bool placed = false;
    for (int h = 0; h < kHeads; ++h) {
      Head& head = impl_->heads[h];
      const size_t cells = static_cast<size_t>(size / head.stride) * (size / head.stride);
      if (rows != cells * head.anchors_per_cell) continue;
      if (width == 1) head.score_output = i, ++scores_found[h], placed = true;
      if (width == kValuesPerAnchor) head.box_output = i, ++boxes_found[h], placed = true;
    }
    if (!placed) refuse("output " + net.outputs[i].name + " fits no head");
  }
  for (int h = 0; h < kHeads; ++h)
    if (scores_found[h] != 1 || boxes_found[h] != 1) refuse("its outputs do not make two heads");
  impl_->options = options;
}

BlazeFaceDetector::BlazeFaceDetector(const BlazeFaceDetector& sharing_net, BlazeFaceOptions options)
    : impl_(std::make_unique<Impl>(*sharing_net.impl_)) {
  impl_->options = options;
}

BlazeFaceDetector::~BlazeFaceDetector() = default;
BlazeFaceDetector::BlazeFaceDetector(BlazeFaceDetector&&) noexcept = default;
BlazeFaceDetector& BlazeFaceDetector::operator=(BlazeFaceDetector&&) noexcept = default;

const BlazeFaceOptions& BlazeFaceDetector::options() const {
  return impl_->options;
}

int BlazeFaceDetector::trained_input() const {
  return impl_->trained_input;
}

std::vector<BlazeFaceDetection> BlazeFaceDetector::detect(const cv::Mat& image) {
  const cv::Mat bgr = as_bgr8(image);
  Impl& m = *impl_;
  const BlazeFaceOptions& opt = m.options;
  const auto windows = blaze_face_windows(opt.view, bgr.cols, bgr.rows, m.trained_input);
  const cv::Size input = windows.front().input;  // the same for every window of a view
  const size_t floats = static_cast<size_t>(input.area()) * 3;
  m.input.resize(floats * windows.size());

  // Each window: the part inside the image, resized into a black input.
  struct Placed {
    cv::Point2d origin;  // image pixel at input (0, 0)
    cv::Point2d scale;   // image pixels per input pixel
  };
  std::vector<Placed> placed;
  const cv::Rect whole(0, 0, bgr.cols, bgr.rows);
  for (size_t w = 0; w < windows.size(); ++w) {
    const ViewWindow& win = windows[w];
    const double sx = static_cast<double>(input.width) / win.source.width;
    const double sy = static_cast<double>(input.height) / win.source.height;
    const cv::Rect inside = win.source & whole;
    cv::Mat canvas(input, CV_8UC3, cv::Scalar::all(0));
    cv::Rect target(static_cast<int>(std::lround((inside.x - win.source.x) * sx)),
                    static_cast<int>(std::lround((inside.y - win.source.y) * sy)),
                    static_cast<int>(std::lround(inside.width * sx)),
                    static_cast<int>(std::lround(inside.height * sy)));
    target &= cv::Rect(0, 0, input.width, input.height);
    if (target.width > 0 && target.height > 0) {
      const bool shrinking = target.width < inside.width;
      cv::resize(bgr(inside), canvas(target), target.size(), 0, 0,
                 shrinking ? cv::INTER_AREA : cv::INTER_LINEAR);
    }
    cv::Mat rgb;
    cv::cvtColor(canvas, rgb, cv::COLOR_BGR2RGB);
    cv::Mat pixels(input, CV_32FC3, m.input.data() + floats * w);
    rgb.convertTo(pixels, CV_32FC3, 1.0 / 127.5, -1.0);  // MediaPipe's [-1, 1]
    // Back to image pixels through the resized part's own scale.
    const double kx = target.width > 0 ? static_cast<double>(inside.width) / target.width : 1;
    const double ky = target.height > 0 ? static_cast<double>(inside.height) / target.height : 1;
    placed.push_back({{inside.x - target.x * kx, inside.y - target.y * ky}, {kx, ky}});
  }

  const int batch = static_cast<int>(windows.size());
  const auto& outputs = m.net->run(m.input.data(), batch, input.height, input.width);
  const float logit_min = std::log(opt.min_score / (1 - opt.min_score));
  std::vector<Candidate> candidates;
  for (const Head& head : m.heads) {
    const int rows = (input.height + head.stride - 1) / head.stride;
    const int cols = (input.width + head.stride - 1) / head.stride;
    const size_t anchors = static_cast<size_t>(rows) * cols * head.anchors_per_cell;
    const std::vector<float>& scores = outputs.at(head.score_output);
    const std::vector<float>& boxes = outputs.at(head.box_output);
    if (scores.size() != anchors * batch || boxes.size() != anchors * batch * kValuesPerAnchor)
      throw std::runtime_error("BlazeFace: the net's outputs do not match its anchors");
    for (int b = 0; b < batch; ++b) {
      const Placed& p = placed[b];
      for (size_t a = 0; a < anchors; ++a) {
        // Scores are clipped to +-100 before the sigmoid in MediaPipe.
        const float logit = std::clamp(scores[b * anchors + a], -100.f, 100.f);
        if (!(logit >= logit_min)) continue;
        const size_t cell = a / head.anchors_per_cell;
        const double ax = (static_cast<double>(cell % cols) + 0.5) * head.stride;
        const double ay = (static_cast<double>(cell / cols) + 0.5) * head.stride;
        const float* r = boxes.data() + (b * anchors + a) * kValuesPerAnchor;
        auto image_x = [&](double x) { return static_cast<float>(p.origin.x + x * p.scale.x); };
        auto image_y = [&](double y) { return static_cast<float>(p.origin.y + y * p.scale.y); };
        Candidate c;
        c.score = 1.f / (1.f + std::exp(-logit));
        c.xmin = image_x(ax + r[0] - r[2] / 2), c.xmax = image_x(ax + r[0] + r[2] / 2);
        c.ymin = image_y(ay + r[1] - r[3] / 2), c.ymax = image_y(ay + r[1] + r[3] / 2);
        for (int k = 0; k < 6; ++k) {
          c.keypoints[2 * k] = image_x(ax + r[4 + 2 * k]);
          c.keypoints[2 * k + 1] = image_y(ay + r[5 + 2 * k]);
        }
        if (c.xmax > c.xmin && c.ymax > c.ymin) candidates.push_back(c);
      }
    }
  }

  std::vector<BlazeFaceDetection> faces;
  for (const Candidate& c : weighted_nms(std::move(candidates), opt.nms_iou, opt.max_faces)) {
    BlazeFaceDetection d;
    d.face.score = c.score;
    const float x0 = std::max(0.f, c.xmin), y0 = std::max(0.f, c.ymin);
    const float x1 = std::min<float>(bgr.cols, c.xmax), y1 = std::min<float>(bgr.rows, c.ymax);
    if (x1 <= x0 || y1 <= y0) continue;
    d.face.box = {x0, y0, x1 - x0, y1 - y0};
    for (int k = 0; k < 6; ++k) d.keypoints[k] = {c.keypoints[2 * k], c.keypoints[2 * k + 1]};
    faces.push_back(d);
  }
  return faces;
}

std::array<Point, 4> keypoint_aligned_positions(int size) {
  auto mean_of = [&](std::initializer_list<int> indices) {
    Point sum;
    for (int i : indices) {
      const Point p = aligned_position(i, size);
      sum.x += p.x / static_cast<float>(indices.size());
      sum.y += p.y / static_cast<float>(indices.size());
    }
    return sum;
  };
  return {mean_of({36, 37, 38, 39, 40, 41}), mean_of({42, 43, 44, 45, 46, 47}), mean_of({30}),
          mean_of({60, 61, 62, 63, 64, 65, 66, 67})};
}

cv::Mat keypoint_alignment_transform(const std::array<Point, 6>& keypoints, int size) {
  const auto targets = keypoint_aligned_positions(size);
  std::vector<cv::Point2d> from, to;
  for (size_t i = 0; i < targets.size(); ++i) {
    from.emplace_back(keypoints[i].x, keypoints[i].y);
    to.emplace_back(targets[i].x, targets[i].y);
  }
  return similarity_transform(from, to);
}

}  // namespace tw::vision
