#include "scan/scanner.h"

#include <opencv2/core/utility.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>
#include <thread>

#include "core/errors.h"
#include "media/video.h"
#include "scan/bounded_queue.h"
#include "scan/classifier_matcher.h"
#include "scan/evidence.h"
#include "scan/face_matcher.h"
#include "vision/face_embedder.h"
#include "vision/image_matcher.h"
#include "vision/landmarker.h"

namespace fs = std::filesystem;

namespace tw::scan {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// The face box grown by a margin and clipped to the frame: what a person
// looks at in the evidence crop (a view into frame, not a copy).
cv::Mat face_region(const cv::Mat& frame, const Box& box) {
  float margin = 0.25f * std::max(box.width, box.height);
  cv::Rect r(cvRound(box.x - margin), cvRound(box.y - margin), cvRound(box.width + 2 * margin),
             cvRound(box.height + 2 * margin));
  r &= cv::Rect(0, 0, frame.cols, frame.rows);
  return r.area() > 0 ? frame(r) : cv::Mat();
}

// A found image's box, slightly grown and clipped (a view into frame).
cv::Mat image_region(const cv::Mat& frame, const Box& box) {
  float margin = 0.05f * std::max(box.width, box.height);
  cv::Rect r(cvRound(box.x - margin), cvRound(box.y - margin), cvRound(box.width + 2 * margin),
             cvRound(box.height + 2 * margin));
  r &= cv::Rect(0, 0, frame.cols, frame.rows);
  return r.area() > 0 ? frame(r) : cv::Mat();
}

// Sets OpenCV's thread count for the scope and restores it after.
class ThreadScope {
 public:
  explicit ThreadScope(int threads) : previous_(cv::getNumThreads()), active_(threads > 0) {
    if (active_) cv::setNumThreads(threads);
  }
  ~ThreadScope() {
    if (active_) cv::setNumThreads(previous_);
  }

 private:
  int previous_;
  bool active_;
};

// Targets of one kind, in their given order.
std::vector<targets::Target> of_kind(const std::vector<targets::Target>& all,
                                     targets::TargetKind kind) {
  std::vector<targets::Target> out;
  for (const auto& t : all)
    if (t.kind == kind) out.push_back(t);
  return out;
}

struct NamedImageMatcher {
  std::string target;
  vision::ImageMatcher matcher;
};

std::vector<NamedImageMatcher> image_matchers_of(const std::vector<targets::Target>& all) {
  std::vector<NamedImageMatcher> out;
  for (auto& t : of_kind(all, targets::TargetKind::image)) {
    vision::ImageMatchOptions options;
    options.min_inliers = t.min_inliers;
    out.push_back({t.name, vision::ImageMatcher(std::move(t.image_features), options)});
  }
  return out;
}

}  // namespace

struct Scanner::Impl {
  ScanOptions options;
  FaceMatcher matcher;
  std::vector<NamedImageMatcher> image_matchers;
  ClassifierMatcher classifiers;
  vision::FaceDetector detector;
  vision::Landmarker landmarker;
  vision::FaceEmbedder embedder;

  Impl(const models::ModelDir& models, std::vector<targets::Target> targets, ScanOptions opts)
      : options(std::move(opts)),
        matcher(of_kind(targets, targets::TargetKind::face), options.threshold),
        image_matchers(image_matchers_of(targets)),
        classifiers(models, targets),
        detector(models, options.detector),
        landmarker(models),
        embedder(models) {}

  // Faces (face targets and face-backbone classifiers), then image targets,
  // then whole-frame classifiers, on the same frame.  Face detection is
  // skipped when no target needs faces.
  std::vector<FrameHit> analyze(const cv::Mat& frame, StageTimings& t, std::int64_t& faces) {
    std::vector<FrameHit> hits;
    bool only_other_kinds = !image_matchers.empty() || !classifiers.empty();
    if (!matcher.targets().empty() || classifiers.wants_faces() || !only_other_kinds)
      hits = analyze_faces(frame, t, faces);
    if (!classifiers.empty()) {
      auto start = Clock::now();
      for (auto& hit : classifiers.match_frame(frame)) hits.push_back(std::move(hit));
      t.classify += seconds_since(start);
    }
    if (image_matchers.empty()) return hits;
    auto start = Clock::now();
    vision::FrameFeatures features = vision::frame_features(frame);
    for (const auto& named : image_matchers) {
      std::optional<vision::ImageMatch> m = named.matcher.match(features);
      if (!m) continue;
      // distance: the share of ratio-test matches RANSAC rejected.
      float distance = 1.f - static_cast<float>(m->inliers) / std::max(1, m->good_matches);
      hits.push_back({named.target, m->score, distance, m->box, image_region(frame, m->box), {}});
    }
    t.images += seconds_since(start);
    return hits;
  }

  // detect -> landmarks + align -> embed (one batch per frame) -> match.
  std::vector<FrameHit> analyze_faces(const cv::Mat& frame, StageTimings& t, std::int64_t& faces) {
    auto start = Clock::now();
    std::vector<FaceDetection> detections = detector.detect(frame);
    t.detect += seconds_since(start);
    std::vector<FrameHit> hits;
    if (detections.empty()) return hits;
    faces += static_cast<std::int64_t>(detections.size());

    start = Clock::now();
    std::vector<Box> detected;
    for (const auto& d : detections)
      if (d.box.width >= options.min_face_px) detected.push_back(d.box);
    if (detected.empty()) return hits;
    std::vector<std::vector<Point>> points = landmarker.landmarks(frame, detected);
    std::vector<Box> boxes;  // the faces that got landmarks, in crop order
    std::vector<cv::Mat> crops;
    for (std::size_t i = 0; i < points.size() && i < detected.size(); ++i) {
      if (points[i].empty()) continue;  // a box with no pixels inside the frame
      boxes.push_back(detected[i]);
      crops.push_back(vision::align_face(frame, points[i]));
    }
    t.align += seconds_since(start);
    if (crops.empty()) return hits;

    start = Clock::now();
    std::vector<Descriptor> descriptors = embedder.embed(crops);
    t.embed += seconds_since(start);

    start = Clock::now();
    for (std::size_t i = 0; i < descriptors.size() && i < boxes.size(); ++i) {
      std::optional<FaceMatch> m = matcher.match(descriptors[i]);
      if (!m) continue;
      const std::string& name = matcher.targets()[m->target_index].name;
      auto same = std::find_if(hits.begin(), hits.end(),
                               [&](const FrameHit& h) { return h.target == name; });
      FrameHit hit{name,          m->score, m->distance, boxes[i], face_region(frame, boxes[i]),
                   descriptors[i]};
      if (same == hits.end())
        hits.push_back(std::move(hit));
      else if (hit.score > same->score)
        *same = std::move(hit);
    }
    t.match += seconds_since(start);
    if (classifiers.wants_faces()) {
      start = Clock::now();
      for (auto& hit : classifiers.match_faces(frame, boxes, descriptors))
        hits.push_back(std::move(hit));
      t.classify += seconds_since(start);
    }
    return hits;
  }

  ScanResult scan(const fs::path& video, const std::string& input) {
    auto wall_start = Clock::now();
    ScanResult result;
    result.input = input.empty() ? video.string() : input;
    ThreadScope threads(options.exhaustive ? 1 : options.threads);

    // Opening throws InputError for unreadable videos, on the caller's thread.
    auto sampler = std::make_unique<media::FrameSampler>(video, options.fps);
    const media::VideoInfo info = sampler->info();
    double period = 1.0 / options.fps;
    if (info.fps > 0) period = std::max(period, 1.0 / info.fps);
    AppearanceAggregator aggregator(options.aggregation, period, !options.evidence_dir.empty());

    std::int64_t sample_index = 0;
    double last_time = 0;
    auto process = [&](media::SampledFrame& frame) {
      std::vector<FrameHit> hits = analyze(frame.bgr, result.timings, result.faces);
      aggregator.add_frame(sample_index++, frame.time, hits, frame.bgr);
      last_time = frame.time;
      if (options.progress) options.progress(frame.time, info.duration);
    };

    if (options.exhaustive) {
      media::SampledFrame frame;
      while (true) {
        auto start = Clock::now();
        bool more = sampler->next(frame);
        result.timings.decode += seconds_since(start);
        if (!more) break;
        process(frame);
      }
    } else {
      BoundedQueue<media::SampledFrame> queue(options.queue_capacity);
      double decode_seconds = 0;
      std::exception_ptr decode_error;
      std::thread decoder([&] {
        try {
          while (true) {
            media::SampledFrame frame;
            auto start = Clock::now();
            bool more = sampler->next(frame);
            decode_seconds += seconds_since(start);
            if (!more || !queue.push(std::move(frame))) break;
          }
        } catch (...) {
          decode_error = std::current_exception();
        }
        queue.close();
      });
      try {
        while (auto frame = queue.pop()) process(*frame);
      } catch (...) {
        queue.cancel();
        decoder.join();
        throw;
      }
      decoder.join();
      result.timings.decode = decode_seconds;
      if (decode_error) std::rethrow_exception(decode_error);
    }

    result.frames_sampled = sample_index;
    result.frames_decoded = sampler->frames_decoded();
    result.duration = info.duration > 0 ? info.duration : last_time + period;
    if (sampler->truncated()) {
      char when[32];
      std::snprintf(when, sizeof when, "%.1f", last_time);
      result.error = std::string("the video breaks off at ") + when +
                     " s (truncated or corrupt); appearances up to there are reported";
    }
    std::vector<AppearanceEvidence> found = aggregator.finish(result.duration);
    if (!options.evidence_dir.empty())
      write_evidence(options.evidence_dir, fs::path(result.input).stem().string(), found);
    for (auto& e : found) result.appearances.push_back(std::move(e.appearance));
    result.timings.wall = seconds_since(wall_start);
    return result;
  }
};

Scanner::Scanner(const models::ModelDir& models, std::vector<targets::Target> targets,
                 ScanOptions options) {
  if (!(options.fps > 0)) throw InputError("--fps", "the sampling rate must be positive");
  impl_ = std::make_unique<Impl>(models, std::move(targets), std::move(options));
}

Scanner::~Scanner() = default;

const ScanOptions& Scanner::options() const {
  return impl_->options;
}

ScanResult Scanner::scan(const fs::path& video, const std::string& input) {
  return impl_->scan(video, input);
}

}  // namespace tw::scan
