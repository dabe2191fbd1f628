#include "scan/scanner.h"

#include <opencv2/core/utility.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <map>
#include <set>
#include <thread>

#include "core/errors.h"
#include "media/video.h"
#include "scan/bounded_queue.h"
#include "scan/classifier_matcher.h"
#include "scan/evidence.h"
#include "scan/face_matcher.h"
#include "scan/frame_schedule.h"
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

std::vector<std::string> names_of(const std::vector<targets::Target>& targets) {
  std::vector<std::string> out;
  for (const auto& t : targets) out.push_back(t.name);
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

// The smallest face, in pixels of the detector's input, that the SSD still
// finds reliably (measured: bench/bench_speed.cpp --face-sizes).
constexpr double kDetectableFaceNetPx = 16;

// A face found at a smaller input than the reference's may be this much
// narrower (or wider) there than the reference path's box for it.
constexpr float kRefinedSizeSlack = 1.5f;

// A face that matches a target by this much or more on the box the smaller
// input drew is reported on that box, without the reference scale's
// confirmation.  Over the bench clips, the smaller input's box moved the
// distance by at most 0.078 from the reference box's; and of 213 faces
// proposed matching by 0.1 or more, 2 were not faces at the reference scale
// (both by less than 0.12: a cartoon face near Jesper), none of those by 0.15.
constexpr float kClearMatchMargin = 0.15f;

// One sampled frame on its way from the decode thread, with the scene
// gate's thumbnail made there (so the inference thread does not).
struct DecodedFrame {
  media::SampledFrame frame;
  cv::Mat thumbnail;
};

// A frame's faces as described: boxes[i] has descriptors[i] and was
// input[i] of the boxes asked for.  at_reference[i] (when filled): boxes[i]
// is the box the reference path's detector draws.
struct DescribedFaces {
  std::vector<Box> boxes;
  std::vector<Descriptor> descriptors;
  std::vector<std::size_t> input;
  std::vector<bool> at_reference;
};

}  // namespace

int detector_input_for(int width, int height, float smallest_face_px, int max_input) {
  const int side = std::max(width, height);
  max_input = std::max(128, max_input);
  if (side <= 0 || !(smallest_face_px > 0)) return max_input;
  const double needed = kDetectableFaceNetPx * side / smallest_face_px;
  const int rounded_up = static_cast<int>(std::ceil(needed / 32.0)) * 32;
  return std::clamp(rounded_up, 128, max_input);
}

struct Scanner::Impl {
  ScanOptions options;
  FaceMatcher matcher;
  std::vector<NamedImageMatcher> image_matchers;
  ClassifierMatcher classifiers;
  // Face targets, and classifier targets: a face the reference scale does
  // not confirm leaves the decisions open of those it may match.
  std::vector<std::string> face_target_names, classifier_names;
  vision::FaceDetector detector;  // at options.detector (the exhaustive path's)
  std::map<int, std::unique_ptr<vision::FaceDetector>> sized_detectors;  // by input size
  vision::Landmarker landmarker;
  vision::FaceEmbedder embedder;
  // One frame's analysis under way: the scan's counters, and the targets a
  // face on the frame left undecided (AnalysedFrame::unsettled; the
  // tracking path only).
  struct FrameWork {
    ScanResult& result;
    std::set<std::string> unsettled;
  };

  Impl(const models::ModelDir& models, std::vector<targets::Target> targets, ScanOptions opts)
      : options(std::move(opts)),
        matcher(of_kind(targets, targets::TargetKind::face), options.threshold),
        image_matchers(image_matchers_of(targets)),
        classifiers(models, targets),
        face_target_names(names_of(matcher.targets())),
        classifier_names(names_of(of_kind(targets, targets::TargetKind::classifier))),
        detector(models, options.detector),
        landmarker(models),
        embedder(models) {}

  // The detector at `input` pixels (loaded on first use).
  vision::FaceDetector& detector_at(int input) {
    if (input == options.detector.input_size) return detector;
    auto& sized = sized_detectors[input];
    if (!sized) {
      vision::DetectorOptions o = options.detector;
      o.input_size = input;
      o.crop_padding = true;  // the same faces for less work on non-square frames
      sized = std::make_unique<vision::FaceDetector>(detector, o);  // the same net
    }
    return *sized;
  }

  bool scans_faces() const {
    bool only_other_kinds = !image_matchers.empty() || !classifiers.empty();
    return !matcher.targets().empty() || classifiers.wants_faces() || !only_other_kinds;
  }

  // Faces (face targets and face-backbone classifiers), then image targets,
  // then whole-frame classifiers, on the same frame: the frame's hits, and
  // whether a face on it left its decision open.  Face detection is skipped
  // when no target needs faces.  tracker: null on the exhaustive path (every
  // face embedded).
  AnalysedFrame analyze(const cv::Mat& frame, vision::FaceDetector& faces_detector,
                        FaceTracker* tracker, ScanResult& result) {
    FrameWork work{result, {}};
    AnalysedFrame analysed;
    if (scans_faces()) analysed.hits = analyze_faces(frame, faces_detector, tracker, work);
    add_other_target_hits(frame, analysed.hits, result.timings);
    // Approximate decisions are not the reference's to begin with: no
    // held frame is analysed to follow their flicker.
    if (!options.approximate) analysed.unsettled = std::move(work.unsettled);
    return analysed;
  }

  // The hits of classifiers and image targets, added to `hits`.
  void add_other_target_hits(const cv::Mat& frame, std::vector<FrameHit>& hits, StageTimings& t) {
    if (!classifiers.empty()) {
      auto start = Clock::now();
      for (auto& hit : classifiers.match_frame(frame)) hits.push_back(std::move(hit));
      t.classify += seconds_since(start);
    }
    if (image_matchers.empty()) return;
    auto start = Clock::now();
    vision::FrameFeatures features = vision::frame_features(frame);
    for (const auto& named : image_matchers) {
      std::optional<vision::ImageMatch> m = named.matcher.match(features);
      if (!m) continue;
      // distance: the share of ratio-test matches RANSAC rejected.
      float distance = 1.f - static_cast<float>(m->inliers) / std::max(1, m->good_matches);
      hits.push_back(
          {named.target, m->score, distance, m->box, region_around(frame, m->box, 0.05f), {}});
    }
    t.images += seconds_since(start);
  }

  // Landmarks + aligned crops + one embedder batch for `boxes`.  Faces whose
  // landmarks fail (no pixels inside the frame) are left out of the result.
  DescribedFaces describe(const cv::Mat& frame, const std::vector<Box>& boxes, StageTimings& t) {
    DescribedFaces out;
    if (boxes.empty()) return out;
    auto start = Clock::now();
    std::vector<std::vector<Point>> points = landmarker.landmarks(frame, boxes);
    std::vector<cv::Mat> crops;
    for (std::size_t i = 0; i < points.size() && i < boxes.size(); ++i) {
      if (points[i].empty()) continue;
      out.boxes.push_back(boxes[i]);
      out.input.push_back(i);
      crops.push_back(vision::align_face(frame, points[i]));
    }
    t.align += seconds_since(start);
    if (crops.empty()) return out;
    start = Clock::now();
    out.descriptors = embedder.embed(crops);
    t.embed += seconds_since(start);
    out.boxes.resize(std::min(out.boxes.size(), out.descriptors.size()));
    out.input.resize(out.boxes.size());
    return out;
  }

  // The box the exhaustive path's detector draws for a face found at a
  // smaller input: the detector re-run on a window around the face, cut
  // from the exhaustive path's view of the frame (same scale; window origin
  // on its 32 px grid, so the net's first two feature grids line up with the
  // full-frame run's and the face sees the same features), with 64 px of
  // context around the face.  Landmarks, crops and descriptors then match
  // the reference path's.  nullopt: no face there at that scale (the
  // reference would not have one either).
  std::optional<Box> refine(const cv::Mat& frame, const Box& coarse, StageTimings& t) {
    auto start = Clock::now();
    const int full = options.detector.input_size;
    const double scale = static_cast<double>(full) / std::max(frame.cols, frame.rows);
    constexpr int kGrid = 32, kContext = 64;
    auto down = [](double v) { return static_cast<int>(std::floor(v / kGrid)) * kGrid; };
    auto up = [](double v) { return static_cast<int>(std::ceil(v / kGrid)) * kGrid; };
    const int x0 = std::max(0, down(coarse.x * scale - kContext));
    const int y0 = std::max(0, down(coarse.y * scale - kContext));
    const int x1 = up((coarse.x + coarse.width) * scale + kContext);
    const int y1 = up((coarse.y + coarse.height) * scale + kContext);
    const int input = std::min(full, std::max(x1 - x0, y1 - y0));
    // The window in frame pixels; beyond the frame it is black, as in the
    // full-frame run's padding.
    const cv::Rect window(cvRound(x0 / scale), cvRound(y0 / scale), cvRound(input / scale),
                          cvRound(input / scale));
    const cv::Rect inside = window & cv::Rect(0, 0, frame.cols, frame.rows);
    std::optional<Box> best;
    if (inside.area() > 0) {
      cv::Mat canvas(window.height, window.width, frame.type(), cv::Scalar::all(0));
      frame(inside).copyTo(canvas(inside - window.tl()));
      float best_overlap = 0.3f;
      for (const FaceDetection& d : detector_at(input).detect(canvas)) {
        Box box = d.box;
        box.x += static_cast<float>(window.x);
        box.y += static_cast<float>(window.y);
        const float overlap = iou(box, coarse);
        if (overlap > best_overlap) {
          best_overlap = overlap;
          best = box;
        }
      }
    }
    t.detect += seconds_since(start);
    return best;
  }

  // How a face's descriptor stands against each face target: its distance
  // minus the target's threshold (negative: a match).
  std::vector<float> gaps_to_thresholds(const Descriptor& descriptor) const {
    std::vector<float> gaps;
    for (std::size_t t = 0; t < matcher.targets().size(); ++t)
      gaps.push_back(matcher.distance_to(t, descriptor) - matcher.threshold_of(t));
    return gaps;
  }

  // The face targets whose gap (from gaps_to_thresholds) passes `keep`.
  template <typename Keep>
  std::vector<std::string> targets_where(const std::vector<float>& gaps, Keep keep) const {
    std::vector<std::string> out;
    for (std::size_t t = 0; t < gaps.size(); ++t)
      if (keep(gaps[t])) out.push_back(face_target_names[t]);
    return out;
  }

  // The face targets a face with these gaps matches or lies within
  // `margin` of (beyond: it stays on its side).
  std::vector<std::string> matched_or_near(const std::vector<float>& gaps, float margin) const {
    return targets_where(gaps, [margin](float g) { return g < margin; });
  }

  // The face targets within `margin` of their threshold.
  std::vector<std::string> near(const std::vector<float>& gaps, float margin) const {
    return targets_where(gaps, [margin](float g) { return std::abs(g) < margin; });
  }

  // No target's threshold within `margin` (a re-used copy then gives the
  // same decisions).
  static bool clear_cut(const std::vector<float>& gaps, float margin) {
    return std::all_of(gaps.begin(), gaps.end(), [&](float g) { return std::abs(g) >= margin; });
  }

  // Further than `margin` beyond every target's threshold.
  static bool clearly_no_match(const std::vector<float>& gaps, float margin) {
    return std::all_of(gaps.begin(), gaps.end(), [&](float g) { return g >= margin; });
  }

  // A match by kClearMatchMargin or more, and no threshold within `margin`:
  // the reference path decides the same on its own box.
  static bool clearly_matches(const std::vector<float>& gaps, float margin) {
    return clear_cut(gaps, margin) &&
           std::any_of(gaps.begin(), gaps.end(), [](float g) { return g <= -kClearMatchMargin; });
  }

  // A face whose decision the smaller input's box may not give as the
  // reference's does: a match that is not clear, or a near miss.
  static bool needs_reference_box(const std::vector<float>& gaps, float margin) {
    return !clearly_no_match(gaps, margin) && !clearly_matches(gaps, margin);
  }

  // Whether a face described on the smaller input's box is re-detected at
  // the reference scale: when its decision may differ there, or, with
  // `approximate`, only when it would be a hit that is not clear-cut (a
  // near miss stays a miss).
  bool confirmation_needed(const std::vector<float>& gaps, float margin) const {
    if (!options.approximate) return needs_reference_box(gaps, margin);
    const bool hit = std::any_of(gaps.begin(), gaps.end(), [](float g) { return g < 0; });
    return hit && !clearly_matches(gaps, margin);
  }

  // The reference path's box for a face proposed at `coarse` (see refine),
  // when the reference scale confirms it at a matchable size.  A face that
  // is not confirmed leaves `may_match` (the face targets it may match) and
  // the classifiers unsettled on the frame: seen, then not, it may flicker
  // from frame to frame on the reference path too.
  std::optional<Box> confirm(const cv::Mat& frame, const Box& coarse,
                             const std::vector<std::string>& may_match, FrameWork& work) {
    ++work.result.faces_confirmed;
    std::optional<Box> refined = refine(frame, coarse, work.result.timings);
    if (refined && refined->width >= options.min_face_px) return refined;
    work.unsettled.insert(may_match.begin(), may_match.end());
    work.unsettled.insert(classifier_names.begin(), classifier_names.end());
    return std::nullopt;
  }

  // The faces of `described` whose decision needs the reference's box (or
  // that are about the smallest matched size), refined to that box and
  // described again; those the reference scale does not confirm as faces
  // are dropped.  (A box from the smaller input can frame a face differently
  // enough to match where the reference's does not.)  at_reference[i]: box
  // i of the described input is the reference's already.  Order is kept;
  // the result's at_reference is filled.
  DescribedFaces confirm_possible_matches(const cv::Mat& frame, DescribedFaces described,
                                          const std::vector<bool>& at_reference, FrameWork& work) {
    const float margin = options.tracking.unsettled_margin;
    std::vector<Box> refined_boxes;
    std::vector<std::size_t> refined_of;  // refined_boxes[j] is for described[refined_of[j]]
    std::vector<bool> keep(described.boxes.size(), true);
    for (std::size_t k = 0; k < described.boxes.size(); ++k) {
      if (at_reference[described.input[k]]) continue;
      const std::vector<float> gaps = gaps_to_thresholds(described.descriptors[k]);
      // Classifier heads have no margin to check; faces of about the
      // smallest matched size are kept or not by the reference's box.
      const bool decided = !confirmation_needed(gaps, margin) && !classifiers.wants_faces() &&
                           described.boxes[k].width >= kRefinedSizeSlack * options.min_face_px;
      if (decided) continue;
      keep[k] = false;
      work.result.faces_embedded += 1;  // the coarse description was spent
      std::optional<Box> confirmed =
          confirm(frame, described.boxes[k], matched_or_near(gaps, margin), work);
      if (!confirmed) continue;
      refined_boxes.push_back(*confirmed);
      refined_of.push_back(k);
    }
    if (std::all_of(keep.begin(), keep.end(), [](bool k) { return k; })) {
      for (std::size_t input : described.input)
        described.at_reference.push_back(at_reference[input]);
      return described;
    }
    DescribedFaces again = describe(frame, refined_boxes, work.result.timings);
    std::vector<const Descriptor*> replacement(described.boxes.size(), nullptr);
    std::vector<Box> replacement_box(described.boxes.size());
    for (std::size_t j = 0; j < again.boxes.size(); ++j) {
      const std::size_t k = refined_of[again.input[j]];
      replacement[k] = &again.descriptors[j];
      replacement_box[k] = again.boxes[j];
    }
    DescribedFaces out;
    for (std::size_t k = 0; k < described.boxes.size(); ++k) {
      if (!keep[k] && !replacement[k]) continue;
      out.boxes.push_back(keep[k] ? described.boxes[k] : replacement_box[k]);
      out.descriptors.push_back(keep[k] ? described.descriptors[k] : *replacement[k]);
      out.input.push_back(described.input[k]);
      out.at_reference.push_back(!keep[k] || at_reference[described.input[k]]);
    }
    return out;
  }

  // Tracked faces re-use their descriptor; the others are described in one
  // batch.  A face detected at a smaller input than the reference's that
  // may match is then refined (the reference's box) and described again, so
  // that hits and decisions near a threshold are the reference path's; a
  // face far from every match, or clearly matching, decides the same either
  // way.  The result keeps detection order; the tracker keeps the detected
  // boxes, so that frames compare like with like.
  DescribedFaces describe_tracked(const cv::Mat& frame, const std::vector<Box>& detected,
                                  FaceTracker& tracker, bool refine_boxes, FrameWork& work) {
    std::vector<cv::Mat> patches;
    for (const Box& b : detected) patches.push_back(face_patch(frame, b));
    std::vector<int> track_of = tracker.continued(detected, patches);
    std::vector<Box> fresh_boxes;
    std::vector<std::size_t> fresh_of;  // fresh_boxes[k] is for detected[fresh_of[k]]
    std::vector<bool> at_reference;     // fresh_boxes[k] is the reference path's box
    for (std::size_t i = 0; i < detected.size(); ++i) {
      if (track_of[i] >= 0) continue;
      // Boxes found at a smaller input are tighter than the reference's.
      if (detected[i].width * (refine_boxes ? kRefinedSizeSlack : 1.f) < options.min_face_px)
        continue;
      if (refine_boxes && !options.approximate && tracker.may_match_at(detected[i])) {
        // Close to a match on the last analysed frame, so most likely
        // refined now too: straight to the reference's box.
        // Not described yet: any face target.
        std::optional<Box> confirmed = confirm(frame, detected[i], face_target_names, work);
        if (!confirmed) continue;
        fresh_boxes.push_back(*confirmed);
        at_reference.push_back(true);
      } else {
        fresh_boxes.push_back(detected[i]);
        at_reference.push_back(!refine_boxes);
      }
      fresh_of.push_back(i);
    }
    DescribedFaces fresh = describe(frame, fresh_boxes, work.result.timings);
    if (refine_boxes) fresh = confirm_possible_matches(frame, std::move(fresh), at_reference, work);
    std::vector<Box> shown = detected;  // the box each face is reported with
    for (std::size_t k = 0; k < fresh.boxes.size(); ++k)
      shown[fresh_of[fresh.input[k]]] = fresh.boxes[k];
    work.result.faces_embedded += static_cast<std::int64_t>(fresh.descriptors.size());
    std::vector<const Descriptor*> descriptor_of(detected.size(), nullptr);
    std::vector<bool> described_at_reference(detected.size(), !refine_boxes);
    for (std::size_t k = 0; k < fresh.descriptors.size(); ++k) {
      descriptor_of[fresh_of[fresh.input[k]]] = &fresh.descriptors[k];
      if (refine_boxes) described_at_reference[fresh_of[fresh.input[k]]] = fresh.at_reference[k];
    }
    for (std::size_t i = 0; i < detected.size(); ++i)
      if (track_of[i] >= 0 && detected[i].width >= options.min_face_px)
        descriptor_of[i] = &tracker.descriptor(track_of[i]);

    // Faces left without a descriptor (not confirmed, too small, or not
    // landmarked) are left out, as describe() does.
    DescribedFaces out;
    std::vector<Box> kept_detected;
    std::vector<cv::Mat> kept_patches;
    std::vector<int> kept_tracks;
    std::vector<bool> settled, may_match;
    for (std::size_t i = 0; i < detected.size(); ++i) {
      if (!descriptor_of[i]) continue;
      out.boxes.push_back(shown[i]);
      out.descriptors.push_back(*descriptor_of[i]);
      out.input.push_back(i);
      kept_detected.push_back(detected[i]);
      kept_patches.push_back(patches[i]);
      kept_tracks.push_back(track_of[i]);
      const TrackingOptions& tracking = tracker.options();
      const std::vector<float> gaps = gaps_to_thresholds(*descriptor_of[i]);
      // A continued track was settled when its descriptor was made.  With
      // `approximate`, every face keeps its descriptor while tracked.
      settled.push_back(options.approximate || track_of[i] >= 0 ||
                        clear_cut(gaps, tracking.unsettled_margin) ||
                        (described_at_reference[i] && clear_cut(gaps, tracking.still_face_margin)));
      may_match.push_back(!options.approximate &&
                          needs_reference_box(gaps, tracking.unsettled_margin));
      // A face near a match that moves is described afresh on every
      // analysed frame, and its decisions can flip between sampled frames.
      std::vector<std::string> open;
      if (may_match.back() && track_of[i] < 0)
        open = matched_or_near(gaps, tracking.unsettled_margin);
      else if (!settled.back())
        open = near(gaps, tracking.unsettled_margin);
      work.unsettled.insert(open.begin(), open.end());
    }
    tracker.update(kept_detected, kept_patches, out.descriptors, kept_tracks, settled, may_match);
    return out;
  }

  // detect -> landmarks + align -> embed (one batch per frame) -> match.
  std::vector<FrameHit> analyze_faces(const cv::Mat& frame, vision::FaceDetector& faces_detector,
                                      FaceTracker* tracker, FrameWork& work) {
    ScanResult& result = work.result;
    StageTimings& t = result.timings;
    auto start = Clock::now();
    std::vector<FaceDetection> detections = faces_detector.detect(frame);
    t.detect += seconds_since(start);
    result.faces += static_cast<std::int64_t>(detections.size());

    std::vector<Box> detected;
    DescribedFaces faces;
    if (tracker) {
      for (const auto& d : detections) detected.push_back(d.box);
      const bool refine_boxes = faces_detector.options().input_size < options.detector.input_size;
      faces = describe_tracked(frame, detected, *tracker, refine_boxes, work);
    } else {
      for (const auto& d : detections)
        if (d.box.width >= options.min_face_px) detected.push_back(d.box);
      faces = describe(frame, detected, t);
      result.faces_embedded += static_cast<std::int64_t>(faces.descriptors.size());
    }
    std::vector<FrameHit> hits;
    if (faces.descriptors.empty()) return hits;

    start = Clock::now();
    for (std::size_t i = 0; i < faces.descriptors.size(); ++i) {
      std::optional<FaceMatch> m = matcher.match(faces.descriptors[i]);
      if (!m) continue;
      const std::string& name = matcher.targets()[m->target_index].name;
      auto same = std::find_if(hits.begin(), hits.end(),
                               [&](const FrameHit& h) { return h.target == name; });
      FrameHit hit{name,
                   m->score,
                   m->distance,
                   faces.boxes[i],
                   region_around(frame, faces.boxes[i], 0.25f),
                   faces.descriptors[i]};
      if (same == hits.end())
        hits.push_back(std::move(hit));
      else if (hit.score > same->score)
        *same = std::move(hit);
    }
    t.match += seconds_since(start);
    if (classifiers.wants_faces()) {
      start = Clock::now();
      for (auto& hit : classifiers.match_faces(frame, faces.boxes, faces.descriptors))
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

    // The exhaustive path: the configured detector, no gate, no tracking.
    result.detector_input = options.detector.input_size;
    if (!options.exhaustive && options.smallest_face_px > 0 && info.width > 0 && info.height > 0)
      result.detector_input = detector_input_for(info.width, info.height, options.smallest_face_px,
                                                 std::max(1024, options.detector.input_size));
    vision::FaceDetector& faces_detector =
        options.exhaustive ? detector : detector_at(result.detector_input);

    double last_time = 0;
    bool stop = false;
    // Hands one sampled frame's hits to the aggregator, in sample order; sets
    // `stop` once first_hit is satisfied.  A frame that re-uses an analysed
    // frame's hits counts its faces too.
    auto emit = [&](std::int64_t index, const media::SampledFrame& frame,
                    const FrameAnalysis& analysis, bool reused) {
      if (reused) result.faces += analysis.faces;
      aggregator.add_frame(index, frame.time, analysis.frame.hits, frame.bgr);
      last_time = frame.time;
      if (options.progress) options.progress(frame.time, info.duration);
      if (options.first_hit && aggregator.has_confirmed()) stop = true;
    };
    // Analyses one frame; `with`: the tracker to use (null: none).
    auto analyse = [&](const cv::Mat& bgr, FaceTracker* with) {
      const std::int64_t faces_before = result.faces;
      FrameAnalysis a;
      a.frame = analyze(bgr, faces_detector, with, result);
      a.faces = result.faces - faces_before;
      ++result.frames_analyzed;
      return a;
    };
    // The optimized path's order of analysis (scan/frame_schedule.h).  An
    // appearance needs min_frames (>= 2) hits, so one on consecutive frames
    // always includes an analysed frame, and its ends are found as on the
    // exhaustive path.
    std::optional<FrameSchedule> schedule;
    if (!options.exhaustive)
      schedule.emplace(
          options.gate, options.tracking,
          options.alternate_frames && options.aggregation.min_frames >= 2,
          options.aggregation.max_gap,
          [&](const cv::Mat& bgr, FaceTracker& tracker) { return analyse(bgr, &tracker); }, emit);
    std::int64_t sample_index = 0;  // sampled frames handed on so far
    auto process = [&](media::SampledFrame& frame, const cv::Mat& thumbnail) {
      const std::int64_t index = sample_index++;
      if (schedule)
        schedule->add(std::move(frame), thumbnail);
      else
        emit(index, frame, analyse(frame.bgr, nullptr), false);
    };

    if (options.exhaustive) {
      media::SampledFrame frame;
      while (!stop) {
        auto start = Clock::now();
        bool more = sampler->next(frame);
        result.timings.decode += seconds_since(start);
        if (!more) break;
        process(frame, cv::Mat());
      }
    } else {
      BoundedQueue<DecodedFrame> queue(options.queue_capacity);
      double decode_seconds = 0;
      std::exception_ptr decode_error;
      const bool wants_thumbnails = options.gate.enabled || options.tracking.enabled;
      std::thread decoder([&] {
        try {
          while (true) {
            DecodedFrame item;
            auto start = Clock::now();
            bool more = sampler->next(item.frame);
            if (more && wants_thumbnails) item.thumbnail = scene_thumbnail(item.frame.bgr);
            decode_seconds += seconds_since(start);
            if (!more || !queue.push(std::move(item))) break;
          }
        } catch (...) {
          decode_error = std::current_exception();
        }
        queue.close();
      });
      try {
        while (!stop) {
          std::optional<DecodedFrame> item = queue.pop();
          if (!item) break;
          process(item->frame, item->thumbnail);
        }
      } catch (...) {
        queue.cancel();
        decoder.join();
        throw;
      }
      if (stop) queue.cancel();
      decoder.join();
      result.timings.decode = decode_seconds;
      if (decode_error) std::rethrow_exception(decode_error);
    }
    if (schedule && !stop) schedule->finish();
    result.stopped_early = stop;

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
