#include "scan/face_tracker.h"

#include <opencv2/imgproc.hpp>

namespace tw::scan {

cv::Mat face_patch(const cv::Mat& bgr, const Box& box) {
  cv::Rect r(cvRound(box.x), cvRound(box.y), cvRound(box.width), cvRound(box.height));
  r &= cv::Rect(0, 0, bgr.cols, bgr.rows);
  if (r.area() <= 0) return {};
  cv::Mat small, gray;
  cv::resize(bgr(r), small, cv::Size(16, 16), 0, 0, cv::INTER_AREA);
  if (small.channels() == 1) return small;
  cv::cvtColor(small, gray, small.channels() == 4 ? cv::COLOR_BGRA2GRAY : cv::COLOR_BGR2GRAY);
  return gray;
}

std::vector<int> FaceTracker::continued(const std::vector<Box>& boxes,
                                        const std::vector<cv::Mat>& patches) const {
  std::vector<int> out(boxes.size(), -1);
  if (!options_.enabled) return out;
  std::vector<bool> taken(tracks_.size(), false);
  for (std::size_t i = 0; i < boxes.size() && i < patches.size(); ++i) {
    if (patches[i].empty()) continue;
    int best = -1;
    float best_iou = options_.min_iou;
    for (std::size_t k = 0; k < tracks_.size(); ++k) {
      if (taken[k] || !tracks_[k].settled || tracks_[k].age + 1 >= options_.recheck_every) continue;
      float overlap = iou(boxes[i], tracks_[k].box);
      if (tracks_[k].may_match && overlap < options_.min_iou_may_match) continue;
      if (overlap >= best_iou) {
        best = static_cast<int>(k);
        best_iou = overlap;
      }
    }
    if (best < 0) continue;
    const Track& track = tracks_[best];
    if (track.patch.size() != patches[i].size()) continue;
    if (cv::norm(track.patch, patches[i], cv::NORM_L1) / static_cast<double>(track.patch.total()) >
        options_.max_patch_change)
      continue;
    taken[best] = true;
    out[i] = best;
  }
  return out;
}

bool FaceTracker::may_match_at(const Box& box) const {
  for (const Track& track : tracks_)
    if (track.may_match && iou(box, track.box) >= options_.min_iou) return true;
  return false;
}

void FaceTracker::update(const std::vector<Box>& boxes, const std::vector<cv::Mat>& patches,
                         const std::vector<Descriptor>& descriptors,
                         const std::vector<int>& track_of, const std::vector<bool>& settled,
                         const std::vector<bool>& may_match) {
  std::vector<Track> next;
  for (std::size_t i = 0; i < boxes.size() && i < patches.size() && i < descriptors.size(); ++i) {
    int track = i < track_of.size() ? track_of[i] : -1;
    int age = track >= 0 && track < static_cast<int>(tracks_.size()) ? tracks_[track].age + 1 : 0;
    next.push_back({boxes[i], patches[i], descriptors[i], age, i < settled.size() && settled[i],
                    i < may_match.size() && may_match[i]});
  }
  tracks_ = std::move(next);
}

}  // namespace tw::scan
