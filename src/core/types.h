#pragma once
// Plain value types that flow between the rooms of src/.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tw {

// An axis-aligned box in pixels of the frame it was found in.
struct Box {
  float x = 0, y = 0, width = 0, height = 0;
  float area() const { return width > 0 && height > 0 ? width * height : 0.f; }
  float right() const { return x + width; }
  float bottom() const { return y + height; }
};
float iou(const Box& a, const Box& b);

struct Point {
  float x = 0, y = 0;
};

// One face in one image: box and detector score; landmarks when computed.
struct FaceDetection {
  Box box;
  float score = 0;
  std::vector<Point> landmarks;  // empty, or the 68 points of iBUG 300-W order
};

using Descriptor = std::vector<float>;  // 128 floats for faces

// One observation of how far a video spread, as a source or a refresh saw
// it.  A figure the source did not give stays unset (not 0).
struct VideoStats {
  std::optional<std::int64_t> views, likes, comments, shares, saves;
  std::int64_t observed_at = 0;  // unix ms; 0 = the store's now when stored
  std::string source;            // the configured source that observed them
  bool empty() const { return !views && !likes && !comments && !shares && !saves; }
};

// A video as a source lists it.  (platform, id) is the dedupe key.
struct VideoRef {
  std::string platform;  // "tiktok", "youtube", "url", "file", ...
  std::string id;
  std::string url;  // what fetch downloads; a local path for files
  std::string title;
  std::string author;
  std::string posted_at;              // ISO 8601 when known, else empty
  std::string source;                 // the configured source's name
  std::vector<std::string> hashtags;  // without '#', as the source gives them
  std::string music_id, music_title;
  std::optional<double> duration;   // seconds, as the platform says
  std::optional<VideoStats> stats;  // figures seen when listed
  std::string media_url;            // a direct media URL to try before `url` (it may expire)
};

// A target on screen during [start, end] seconds of a video.
struct Appearance {
  std::string target;
  double start = 0;         // seconds
  double end = 0;           // seconds, >= start
  double best_time = 0;     // the sampled frame with the best score
  float best_score = 0;     // similarity in [0,1]; higher is surer
  float best_distance = 0;  // descriptor distance for faces (lower is closer)
  Box box;                  // in the best frame
  int frames = 0;           // sampled frames that matched
  // Face appearances decided per face track (issue 21); all 0 when decided
  // frame by frame (scan --decide frame) and for other kinds of target.
  int tracks = 0;               // matched face tracks merged into it
  int track_frames = 0;         // sampled frames of those tracks (first to last seen)
  int matched_frames = 0;       // of their described frames, those matching on their own
  float template_score = 0;     // the best track's template score (as best_score)
  float template_distance = 0;  // and its distance
  std::string evidence_frame;   // path of the annotated best frame, when written
  std::string evidence_crop;    // path of the crop, when written
};

}  // namespace tw
