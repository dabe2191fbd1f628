// SSD MobileNetV1 face detection, reproducing face-api's
// SsdMobilenetv1.locateFaces: pad bottom/right to a square, resize (tfjs
// bilinear), x/127.5 - 1, decode against the anchors, sigmoid scores, greedy
// NMS, boxes mapped back to image pixels.
#include "vision/face_detector.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <stdexcept>

#include "core/errors.h"
#include "vision/conv_runtime.h"
#include "vision/tf_image.h"

namespace tw::vision {

namespace {

// TF "SAME" convolution output size.
int same_out(int in, int stride) {
  return (in + stride - 1) / stride;
}

// A decoded box, relative to the square net input.
struct RelBox {
  float ymin, xmin, ymax, xmax;
};

// face-api's nonMaxSuppression.ts IOU: corners may come in either order.
float relative_iou(const RelBox& a, const RelBox& b) {
  const float ay0 = std::min(a.ymin, a.ymax), ax0 = std::min(a.xmin, a.xmax);
  const float ay1 = std::max(a.ymin, a.ymax), ax1 = std::max(a.xmin, a.xmax);
  const float by0 = std::min(b.ymin, b.ymax), bx0 = std::min(b.xmin, b.xmax);
  const float by1 = std::max(b.ymin, b.ymax), bx1 = std::max(b.xmin, b.xmax);
  const float area_a = (ay1 - ay0) * (ax1 - ax0);
  const float area_b = (by1 - by0) * (bx1 - bx0);
  if (area_a <= 0 || area_b <= 0) return 0.f;
  const float inter = std::max(std::min(ay1, by1) - std::max(ay0, by0), 0.f) *
                      std::max(std::min(ax1, bx1) - std::max(ax0, bx0), 0.f);
  return inter / (area_a + area_b - inter);
}

}  // namespace

namespace {

// The anchors of a rows x cols input.  size_scale_y/x turn an anchor's
// scale (a share of the trained square side) into a share of this input's
// height/width.
std::vector<std::array<float, 4>> anchors_for(int rows, int cols, double size_scale_y,
                                              double size_scale_x) {
  if (rows < 1 || cols < 1) throw std::invalid_argument("SSD input size must be positive");
  // Feature maps the six box predictors see: conv 11 (stride 16), the
  // MobileNet output (stride 32), then four stride-2 extra layers.
  std::array<int, 6> grid_rows{}, grid_cols{};
  int r = rows, c = cols;
  for (int i = 0; i < 4; ++i) r = same_out(r, 2), c = same_out(c, 2);
  grid_rows[0] = r, grid_cols[0] = c;
  for (int i = 1; i < 6; ++i) {
    grid_rows[i] = same_out(grid_rows[i - 1], 2);
    grid_cols[i] = same_out(grid_cols[i - 1], 2);
  }

  // Scales linear from 0.2 to 0.95 over the six layers; the lowest layer has
  // three boxes (0.1 square, 0.2 at 2:1 and 1:2), the others five aspect
  // ratios plus a square at the geometric mean of this and the next scale.
  // 0.3333 (not 1/3) is what the trained graph used.
  struct Spec {
    double scale, aspect;
  };
  std::array<double, 7> scales{};
  for (int i = 0; i < 6; ++i) scales[i] = 0.2 + (0.95 - 0.2) * i / 5.0;
  scales[6] = 1.0;

  std::vector<std::array<float, 4>> anchors;
  for (int layer = 0; layer < 6; ++layer) {
    std::vector<Spec> specs;
    if (layer == 0) {
      specs = {{0.1, 1.0}, {scales[0], 2.0}, {scales[0], 0.5}};
    } else {
      for (double aspect : {1.0, 2.0, 0.5, 3.0, 0.3333}) {
        specs.push_back({scales[layer], aspect});
        if (aspect == 1.0) specs.push_back({std::sqrt(scales[layer] * scales[layer + 1]), 1.0});
      }
    }
    for (int row = 0; row < grid_rows[layer]; ++row) {
      for (int col = 0; col < grid_cols[layer]; ++col) {
        const double cy = (row + 0.5) / grid_rows[layer], cx = (col + 0.5) / grid_cols[layer];
        for (const Spec& spec : specs) {
          const double h = size_scale_y * spec.scale / std::sqrt(spec.aspect);
          const double w = size_scale_x * spec.scale * std::sqrt(spec.aspect);
          anchors.push_back({static_cast<float>(cy - h / 2), static_cast<float>(cx - w / 2),
                             static_cast<float>(cy + h / 2), static_cast<float>(cx + w / 2)});
        }
      }
    }
  }
  return anchors;
}

}  // namespace

std::vector<std::array<float, 4>> ssd_anchors(int input_size, int trained_input) {
  if (input_size < 1) throw std::invalid_argument("SSD input size must be positive");
  const double size_scale =
      trained_input > 0 ? static_cast<double>(trained_input) / input_size : 1.0;
  return anchors_for(input_size, input_size, size_scale, size_scale);
}

std::vector<std::array<float, 4>> ssd_anchors(int rows, int cols, int trained_input) {
  if (rows < 1 || cols < 1 || trained_input < 1)
    throw std::invalid_argument("SSD input and trained sizes must be positive");
  return anchors_for(rows, cols, static_cast<double>(trained_input) / rows,
                     static_cast<double>(trained_input) / cols);
}

struct FaceDetector::Impl {
  std::shared_ptr<ConvRuntime> net;  // shared by detectors made from one
  size_t encodings_output = 0, logits_output = 0;
  DetectorOptions options;
  std::vector<std::array<float, 4>> anchors;  // of the whole square
  // crop_padding: the anchors of each cropped input, by (rows, cols).
  std::map<std::pair<int, int>, std::vector<std::array<float, 4>>> cropped_anchors;

  const std::vector<std::array<float, 4>>& anchors_of(int rows, int cols) {
    if (rows == options.input_size && cols == options.input_size) return anchors;
    auto& cached = cropped_anchors[{rows, cols}];
    if (cached.empty()) cached = ssd_anchors(rows, cols, kSsdTrainedInput);
    return cached;
  }
};

FaceDetector::FaceDetector(const models::ModelDir& models, DetectorOptions options)
    : impl_(std::make_unique<Impl>()) {
  if (options.input_size < 32) throw std::invalid_argument("detector input size must be >= 32");
  const models::ConvNet net = models.load_conv_net(models::kFaceDetector);
  auto output_index = [&](const std::string& name) {
    for (size_t i = 0; i < net.outputs.size(); ++i)
      if (net.outputs[i].name == name) return i;
    throw InputError(models.verified_path(models::kFaceDetector).string(),
                     "has no output " + name + "; run `trendwatch models install` to repair");
  };
  impl_->encodings_output = output_index("box_encodings");
  impl_->logits_output = output_index("class_logits");
  impl_->net = std::make_shared<ConvRuntime>(net);
  impl_->options = options;
  impl_->anchors = ssd_anchors(options.input_size, kSsdTrainedInput);
}

FaceDetector::FaceDetector(const FaceDetector& sharing_net, DetectorOptions options)
    : impl_(std::make_unique<Impl>()) {
  if (options.input_size < 32) throw std::invalid_argument("detector input size must be >= 32");
  impl_->net = sharing_net.impl_->net;
  impl_->encodings_output = sharing_net.impl_->encodings_output;
  impl_->logits_output = sharing_net.impl_->logits_output;
  impl_->options = options;
  impl_->anchors = ssd_anchors(options.input_size, kSsdTrainedInput);
}

FaceDetector::~FaceDetector() = default;
FaceDetector::FaceDetector(FaceDetector&&) noexcept = default;
FaceDetector& FaceDetector::operator=(FaceDetector&&) noexcept = default;

const DetectorOptions& FaceDetector::options() const {
  return impl_->options;
}

std::vector<FaceDetection> FaceDetector::detect(const cv::Mat& image) {
  const cv::Mat bgr = as_bgr8(image);
  const DetectorOptions& opt = impl_->options;
  const int size = opt.input_size;
  const int side = std::max(bgr.cols, bgr.rows);

  // The net's input: the square, or its part that holds the image.
  cv::Size input(size, size);
  if (opt.crop_padding) {
    auto covering = [&](int pixels) {
      const int scaled = static_cast<int>(std::ceil(static_cast<double>(pixels) * size / side));
      return std::min(size, (scaled + 31) / 32 * 32);
    };
    input = cv::Size(covering(bgr.cols), covering(bgr.rows));
  }
  const cv::Mat rgb = padded_resize_rgb(bgr, side, 0, 0, size, input);
  // NHWC floats, x/127.5 - 1.
  cv::Mat pixels;
  rgb.convertTo(pixels, CV_32FC3, 1.0 / 127.5, -1.0);
  const auto& outputs = impl_->net->run(pixels.ptr<float>(), 1, input.height, input.width);
  const auto& anchors = impl_->anchors_of(input.height, input.width);
  const std::vector<float>& encodings = outputs.at(impl_->encodings_output);
  const std::vector<float>& logits = outputs.at(impl_->logits_output);
  if (encodings.size() != anchors.size() * 4 || logits.size() != anchors.size() * 3)
    throw std::runtime_error("face detector: the model's outputs do not match its anchors");

  // Decode (outputLayer.ts) and score every anchor above the threshold.
  struct Candidate {
    float score;
    RelBox box;
  };
  std::vector<Candidate> candidates;
  // Boxes relative to the whole square (IoU is the same either way).
  const float sy = static_cast<float>(input.height) / size;
  const float sx = static_cast<float>(input.width) / size;
  const float* enc = encodings.data();
  const float* logit = logits.data();
  for (size_t i = 0; i < anchors.size(); ++i) {
    const float score = 1.f / (1.f + std::exp(-logit[i * 3 + 1]));
    if (!(score > opt.min_score)) continue;
    const auto& a = anchors[i];
    const float ha = a[2] - a[0], wa = a[3] - a[1];
    const float cy = a[0] + ha / 2, cx = a[1] + wa / 2;
    const float* t = enc + i * 4;
    const float half_h = std::exp(t[2] / 5.f) * ha / 2, half_w = std::exp(t[3] / 5.f) * wa / 2;
    const float y = t[0] / 10.f * ha + cy, x = t[1] / 10.f * wa + cx;
    candidates.push_back(
        {score, {(y - half_h) * sy, (x - half_w) * sx, (y + half_h) * sy, (x + half_w) * sx}});
  }
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const Candidate& a, const Candidate& b) { return a.score > b.score; });

  // Greedy NMS: keep a candidate unless it overlaps a kept one by more than
  // the IoU threshold.
  std::vector<const Candidate*> kept;
  for (const Candidate& c : candidates) {
    if (static_cast<int>(kept.size()) >= opt.max_faces) break;
    const bool suppressed = std::any_of(kept.begin(), kept.end(), [&](const Candidate* k) {
      return relative_iou(c.box, k->box) > opt.nms_iou;
    });
    if (!suppressed) kept.push_back(&c);
  }

  // Back to image pixels the way locateFaces does (relative to the resized,
  // unpadded part of the input), then clipped to the image.
  const double width = bgr.cols, height = bgr.rows;
  // (At least one pixel: a 1x2000 strip must not divide by zero.)
  const double pad_x = size / std::max(1.0, std::round(width * size / side));
  const double pad_y = size / std::max(1.0, std::round(height * size / side));
  std::vector<FaceDetection> faces;
  for (const Candidate* c : kept) {
    const double top = std::max(0.f, c->box.ymin) * pad_y * height;
    const double bottom = std::min(1.f, c->box.ymax) * pad_y * height;
    const double left = std::max(0.f, c->box.xmin) * pad_x * width;
    const double right = std::min(1.f, c->box.xmax) * pad_x * width;
    FaceDetection face;
    face.score = c->score;
    face.box.x = static_cast<float>(left);
    face.box.y = static_cast<float>(top);
    face.box.width = static_cast<float>(std::min(right, width) - left);
    face.box.height = static_cast<float>(std::min(bottom, height) - top);
    if (face.box.width <= 0 || face.box.height <= 0) continue;
    faces.push_back(face);
  }
  return faces;
}

}  // namespace tw::vision
