#include "scan/scanner.h"

#include <opencv2/core/utility.hpp>

#include <chrono>
#include <cstdio>
#include <optional>

#include "core/errors.h"
#include "scan/aggregate.h"
#include "scan/evidence.h"
#include "scan/frame_analyser.h"
#include "scan/frame_feed.h"
#include "scan/frame_schedule.h"

namespace fs = std::filesystem;

namespace tw::scan {
namespace {

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

std::string breaks_off_at(double time) {
  char when[32];
  std::snprintf(when, sizeof when, "%.1f", time);
  return std::string("the video breaks off at ") + when +
         " s (truncated or corrupt); appearances up to there are reported";
}

}  // namespace

struct Scanner::Impl {
  ScanOptions options;
  FrameAnalyser analyser;

  Impl(const models::ModelDir& models, const std::vector<targets::Target>& targets,
       ScanOptions opts)
      : options(std::move(opts)), analyser(models, targets, options) {}

  bool cancelled() const { return options.cancel && options.cancel->load(); }

  ScanResult scan(const fs::path& video, const std::string& input);
};

ScanResult Scanner::Impl::scan(const fs::path& video, const std::string& input) {
  const auto wall_start = std::chrono::steady_clock::now();
  ScanResult result;
  result.input = input.empty() ? video.string() : input;
  ThreadScope threads(options.exhaustive ? 1 : options.threads);

  // decode + sample.  Opening throws InputError for unreadable videos, on
  // the caller's thread.  The reference path decodes inline.
  FeedOptions feed_options;
  feed_options.decode_thread = !options.exhaustive;
  feed_options.queue_capacity = options.queue_capacity;
  feed_options.thumbnails =
      !options.exhaustive && (options.gate.enabled || options.tracking.enabled);
  FrameFeed feed(video, options.fps, feed_options);
  const media::VideoInfo& info = feed.info();
  result.detector_input = analyser.detector_input(info);

  // aggregate: each sampled frame's hits, in sample order.  A frame that
  // re-uses an analysed frame's hits counts its faces too.  `stop` once
  // first_hit is satisfied.
  const bool keep_pixels = !options.evidence_dir.empty();
  AppearanceAggregator aggregator(options.aggregation, feed.sample_period(), keep_pixels);
  // decide == track: face targets are decided per face track; their
  // per-frame hits still steer the schedule, but not the appearances.
  const TargetMatchers& matchers = analyser.matchers();
  std::optional<FaceTracks> tracks;
  if (options.decide == FaceDecision::track && !matchers.face_target_names().empty())
    tracks.emplace(matchers.faces(), matchers.face_target_names(), options.tracks, keep_pixels);
  // Look-back on the optimized path only: its proposal input is what
  // misses entering faces, and its decode thread gives every sampled frame
  // its own pixels (the inline decoder of the reference path re-uses them).
  if (tracks && feed_options.decode_thread)
    tracks->look_back_with([&](const cv::Mat& frame, const Box& near) {
      return analyser.look_again(frame, near, result.timings);
    });
  auto take_decided_tracks = [&] {
    for (TrackOutcome& outcome : tracks->take_decided())
      aggregator.add_span(std::move(outcome.span));
  };
  std::vector<FrameHit> frame_hits;
  double last_time = 0;
  bool stop = false;
  auto emit = [&](std::int64_t index, const media::SampledFrame& frame,
                  const FrameAnalysis& analysis, bool reused) {
    result.faces += analysis.faces;
    if (!reused) {
      ++result.frames_analysed;
      result.faces_embedded += analysis.faces_embedded;
      result.faces_confirmed += analysis.faces_confirmed;
    }
    if (tracks) {
      tracks->add_frame(index, frame.time, analysis.described, reused, frame.bgr);
      take_decided_tracks();
      frame_hits.clear();
      for (const FrameHit& hit : analysis.frame.hits)
        if (!matchers.is_face_target(hit.target)) frame_hits.push_back(hit);
      aggregator.add_frame(index, frame.time, frame_hits, frame.bgr);
    } else {
      aggregator.add_frame(index, frame.time, analysis.frame.hits, frame.bgr);
    }
    last_time = frame.time;
    if (options.progress) options.progress(frame.time, info.duration);
    if (options.first_hit && (aggregator.has_confirmed() ||
                              (tracks && tracks->has_open_match(options.aggregation.min_frames))))
      stop = true;
  };

  // gate + schedule, then detect -> describe -> match per analysed frame.
  // An appearance needs min_frames (>= 2) hits, so one on consecutive
  // frames always includes an analysed frame, and its ends are found as on
  // the exhaustive path.
  auto analyse = [&](const cv::Mat& bgr, FaceTracker* tracker) {
    return analyser.analyse(bgr, result.detector_input, tracker, result.timings);
  };
  std::optional<FrameSchedule> schedule;
  if (!options.exhaustive)
    schedule.emplace(
        options.gate, options.tracking,
        options.alternate_frames && options.aggregation.min_frames >= 2,
        options.aggregation.max_gap,
        [&](const cv::Mat& bgr, FaceTracker& tracker) { return analyse(bgr, &tracker); }, emit);

  DecodedFrame item;
  while (!stop && feed.next(item)) {
    if (cancelled()) throw Cancelled(result.input);  // the feed stops decoding as it goes
    const std::int64_t index = result.frames_sampled++;
    if (schedule)
      schedule->add(std::move(item.frame), item.thumbnail);
    else
      emit(index, item.frame, analyse(item.frame.bgr, nullptr), false);
  }
  if (stop) feed.stop();
  feed.finish();  // rethrows a decoding error
  if (schedule && !stop) schedule->finish();
  result.stopped_early = stop;
  result.frames_decoded = feed.frames_decoded();
  result.timings.decode = feed.decode_seconds();
  result.duration = info.duration > 0 ? info.duration : last_time + feed.sample_period();
  if (feed.truncated()) result.error = breaks_off_at(last_time);

  if (tracks) {
    tracks->finish();
    take_decided_tracks();
    result.face_tracks = tracks->history();
  }

  // The appearances, and their evidence.
  std::vector<AppearanceEvidence> found = aggregator.finish(result.duration);
  if (!options.evidence_dir.empty())
    write_evidence(options.evidence_dir, fs::path(result.input).stem().string(), found);
  for (auto& e : found) result.appearances.push_back(std::move(e.appearance));
  result.timings.wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  return result;
}

Scanner::Scanner(const models::ModelDir& models, std::vector<targets::Target> targets,
                 ScanOptions options) {
  if (!(options.fps > 0)) throw InputError("--fps", "the sampling rate must be positive");
  impl_ = std::make_unique<Impl>(models, targets, std::move(options));
}

Scanner::~Scanner() = default;

const ScanOptions& Scanner::options() const {
  return impl_->options;
}

ScanResult Scanner::scan(const fs::path& video, const std::string& input) {
  return impl_->scan(video, input);
}

}  // namespace tw::scan
