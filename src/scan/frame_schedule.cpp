#include "scan/frame_schedule.h"

#include <utility>

namespace tw::scan {

FrameSchedule::FrameSchedule(SceneGateOptions gate, TrackingOptions tracking, bool hold_back,
                             int max_gap, Analyse analyse, Emit emit)
    : gate_(gate),
      tracker_(tracking),
      hold_back_(hold_back),
      max_gap_(max_gap),
      analyse_(std::move(analyse)),
      emit_(std::move(emit)) {}

void FrameSchedule::emit(std::int64_t index, const media::SampledFrame& frame,
                         const FrameAnalysis& analysis, bool reused) {
  for (const auto& hit : analysis.frame.hits) last_hit_[hit.target] = index;
  emit_(index, frame, analysis, reused);
}

void FrameSchedule::remember(const FrameAnalysis& analysis) {
  last_ = analysis;
  for (auto& hit : last_.frame.hits) hit.descriptor.clear();
}

// The held frame analysed in its place, when the frame after it did not
// change (a change that came and went).
void FrameSchedule::analyse_held_in_place() {
  if (held_->cut) tracker_.clear();
  const FrameAnalysis analysis = analyse_(held_->frame.bgr, tracker_);
  gate_.analysed(held_->thumbnail);
  remember(analysis);
  emit(held_->index, held_->frame, analysis, false);
  held_.reset();
  last_was_analysed_ = true;
}

void FrameSchedule::add(media::SampledFrame frame, const cv::Mat& thumbnail) {
  const std::int64_t index = next_index_++;
  bool changed = gate_.must_analyse(thumbnail);
  if (changed && hold_back_ && !held_ && last_was_analysed_) {
    held_ = Held{std::move(frame), thumbnail, index, gate_.cut(), tracker_};
    last_was_analysed_ = false;
    return;
  }
  if (!changed && held_) {
    analyse_held_in_place();
    changed = gate_.must_analyse(thumbnail);
  }
  if (!changed) {
    emit(index, frame, last_, true);
    last_was_analysed_ = false;
    return;
  }
  if (gate_.cut()) tracker_.clear();
  const FrameAnalysis analysis = analyse_(frame.bgr, tracker_);
  gate_.analysed(thumbnail);
  if (held_) {
    if (held_frame_takes_earlier_hits(last_.frame, analysis.frame, held_->index, last_hit_,
                                      max_gap_)) {
      emit(held_->index, held_->frame, last_, true);
    } else {
      if (held_->cut) held_->tracker.clear();
      emit(held_->index, held_->frame, analyse_(held_->frame.bgr, held_->tracker), false);
    }
    held_.reset();
  }
  remember(analysis);
  emit(index, frame, analysis, false);
  last_was_analysed_ = true;
}

void FrameSchedule::finish() {
  if (held_) analyse_held_in_place();
}

}  // namespace tw::scan
