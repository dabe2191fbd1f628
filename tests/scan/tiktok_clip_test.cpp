// Issue 21's done-when, on the TikTok-like clip set (scan/tiktok_clips.h):
// with face tracks decided whole, every positive clip gives exactly one
// appearance covering the face's time on screen (within 0.4 s) and no
// negative clip gives any; and the calibration of the track rule against
// the per-frame rule on the same clips (docs/threshold.md prints these
// tables).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <map>

#include "scan/scanner.h"
#include "scan/tiktok_clips.h"

namespace fs = std::filesystem;
using namespace tw;

namespace {

struct ClipOutcome {
  test::TiktokClip clip;
  scan::ScanResult result;
};

// The set's clips, generated two at a time on first use (cached after).
std::vector<fs::path> make_clips(const std::vector<test::TiktokClip>& clips) {
  std::vector<fs::path> files(clips.size());
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i = next++; i < clips.size(); i = next++)
      files[i] = test::make_clip(clips[i].spec);
  };
  auto other = std::async(std::launch::async, worker);
  worker();
  other.get();
  return files;
}

// Every clip of the set scanned by `scanner`, with the seconds it took.
std::vector<ClipOutcome> scan_set(scan::Scanner& scanner, const char* label) {
  std::vector<ClipOutcome> out;
  const std::vector<test::TiktokClip> clips = test::tiktok_clips();
  const std::vector<fs::path> files = make_clips(clips);
  const auto start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < clips.size(); ++i)
    out.push_back({clips[i], scanner.scan(files[i], clips[i].name)});
  std::printf("%s: %zu clips scanned in %.1f s\n", label, out.size(),
              std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return out;
}

std::string describe(const scan::ScanResult& r) {
  std::string text;
  char line[200];
  for (const Appearance& a : r.appearances) {
    std::snprintf(line, sizeof line, " %s[%.2f,%.2f] frames %d dist %.3f", a.target.c_str(),
                  a.start, a.end, a.frames, a.best_distance);
    text += line;
    if (a.tracks > 0) {
      std::snprintf(line, sizeof line, " (tracks %d, matched %d, template %.3f)", a.tracks,
                    a.matched_frames, a.template_distance);
      text += line;
    }
  }
  return text.empty() ? " none" : text;
}

// The done-when for one clip: "" when it holds, else what went wrong.
std::string clip_verdict(const ClipOutcome& o) {
  const auto& found = o.result.appearances;
  if (o.clip.target.empty()) return found.empty() ? "" : "a negative clip gave an appearance";
  if (found.size() != 1) return std::to_string(found.size()) + " appearances, not 1";
  const Appearance& a = found.front();
  if (a.target != o.clip.target) return "found " + a.target + ", not " + o.clip.target;
  if (std::abs(a.start - o.clip.t0) > 0.4 || std::abs(a.end - o.clip.t1) > 0.4)
    return "interval off by more than 0.4 s";
  return "";
}

struct Tally {
  int positive_pass = 0, positive_fail = 0, negative_pass = 0, negative_fail = 0;
};

Tally judge(const std::vector<ClipOutcome>& outcomes, const char* label, bool expect_pass) {
  Tally t;
  for (const ClipOutcome& o : outcomes) {
    const std::string verdict = clip_verdict(o);
    const bool positive = !o.clip.target.empty();
    (verdict.empty() ? (positive ? t.positive_pass : t.negative_pass)
                     : (positive ? t.positive_fail : t.negative_fail)) += 1;
    std::printf("  %-6s %-26s %-7s on %.2f-%.2f:%s%s%s\n", label, o.clip.name.c_str(),
                positive ? o.clip.target.c_str() : "-", o.clip.t0, o.clip.t1,
                describe(o.result).c_str(), verdict.empty() ? "" : "  <- ", verdict.c_str());
    // Every clip gives the right target once (or, negative, nothing);
    // whether its ends are within 0.4 s is counted below.
    if (expect_pass) {
      EXPECT_EQ(o.result.appearances.size(), positive ? 1u : 0u) << o.clip.name;
      if (positive && !o.result.appearances.empty()) {
        EXPECT_EQ(o.result.appearances[0].target, o.clip.target) << o.clip.name;
      }
    }
  }
  std::printf("%s: positive clips %d pass, %d fail; negative clips %d pass, %d fail\n", label,
              t.positive_pass, t.positive_fail, t.negative_pass, t.negative_fail);
  return t;
}

// One face track against one target, labelled.
struct LabelledTrack {
  bool same = false;  // the target's own face
  int frames = 0;
  scan::TrackScore score;
};

// With TW_TRACKS_DUMP=FILE, every track of the track-decided scans as JSON
// lines (for exploring other rules offline).
void dump_tracks(const std::vector<ClipOutcome>& outcomes,
                 const std::vector<std::string>& targets) {
  const char* path = std::getenv("TW_TRACKS_DUMP");
  if (!path) return;
  std::string text;
  for (const ClipOutcome& o : outcomes)
    for (const scan::DecidedTrack& track : o.result.face_tracks) {
      nlohmann::json j = {{"clip", o.clip.name},
                          {"clip_target", o.clip.target},
                          {"person", test::on_person(o.clip, track.first_time, track.first_box)},
                          {"samples", track.samples},
                          {"frames", track.frames},
                          {"first", track.first_time},
                          {"last", track.last_time},
                          {"width", track.first_box.width}};
      for (std::size_t t = 0; t < targets.size() && t < track.scores.size(); ++t)
        j[targets[t]] = {{"template", track.scores[t].template_distance},
                         {"best", track.scores[t].best_frames_distance},
                         {"distances", track.scores[t].distances}};
      text += j.dump() + "\n";
    }
  test::write_file(path, text);
}

// Every track of the track-decided scans against every face target: the
// drifting face of a positive clip is its target's (same) and nobody
// else's; every other face is a stranger to both targets.
std::vector<LabelledTrack> labelled_tracks(const std::vector<ClipOutcome>& outcomes,
                                           const std::vector<std::string>& targets) {
  std::vector<LabelledTrack> out;
  for (const ClipOutcome& o : outcomes)
    for (const scan::DecidedTrack& track : o.result.face_tracks) {
      const bool person = test::on_person(o.clip, track.first_time, track.first_box);
      for (std::size_t t = 0; t < targets.size() && t < track.scores.size(); ++t)
        out.push_back({person && o.clip.target == targets[t], track.frames, track.scores[t]});
    }
  return out;
}

struct Rates {
  int same = 0, same_accepted = 0, different = 0, false_matches = 0;
};

void print_rates(const char* rule, const char* unit, const Rates& r) {
  std::printf("  %-34s %-7s same accepted %3d/%-3d (%5.1f%%)  false matches %3d/%-4d (%5.2f%%)\n",
              rule, unit, r.same_accepted, r.same, 100.0 * r.same_accepted / std::max(1, r.same),
              r.false_matches, r.different, 100.0 * r.false_matches / std::max(1, r.different));
}

}  // namespace

TEST(TiktokClips, TrackDecisionsGiveOneWholeAppearancePerPositiveClipAndNoneForStrangers) {
  const std::vector<targets::Target> targets = {test::jesper(), test::anne()};
  const std::vector<std::string> names = {"jesper", "anne"};
  scan::Scanner by_track(test::test_models(), targets);
  scan::ScanOptions frame_options;
  frame_options.decide = scan::FaceDecision::frame;
  scan::Scanner by_frame(test::test_models(), targets, frame_options);

  const std::vector<ClipOutcome> tracked = scan_set(by_track, "track rule (default)");
  const std::vector<ClipOutcome> framed = scan_set(by_frame, "per-frame rule");
  ASSERT_GE(tracked.size(), 30u);
  dump_tracks(tracked, names);
  const Tally track_tally = judge(tracked, "track", true);
  const Tally frame_tally = judge(framed, "frame", false);
  // Issue 21's done-when: every clip.  (Two pool_2.jpg clips started
  // 0.47-0.60 s late before tracks looked back: the proposal input scores
  // that 75-90 px face under the SSD's 0.5 as it enters; docs/threshold.md.)
  EXPECT_EQ(track_tally.positive_fail, 0);
  EXPECT_EQ(track_tally.negative_fail, 0);
  // The per-frame rule is the baseline the track rule must beat: it never
  // does better on these clips.
  EXPECT_GE(track_tally.positive_pass, frame_tally.positive_pass);
  EXPECT_GE(track_tally.negative_pass, frame_tally.negative_pass);

  // Calibration on the same scans: per face (each described face against
  // each target's gallery) and per track, the per-frame rule (a track
  // gives an appearance when min_frames of its faces match on their own)
  // against the track rule (its decision).
  const scan::ScanOptions defaults;
  const int min_frames = defaults.aggregation.min_frames;
  Rates per_face, frame_rule, track_rule;
  for (const LabelledTrack& lt : labelled_tracks(tracked, names)) {
    const float threshold = targets::kDefaultFaceThreshold;
    // A track seen on fewer than min_frames frames is no appearance by
    // either rule (unless merged with another): counted per face only.
    for (float d : lt.score.distances) {
      (lt.same ? per_face.same : per_face.different) += 1;
      if (d <= threshold) {
        (lt.same ? per_face.same_accepted : per_face.false_matches) += 1;
      }
    }
    if (lt.frames < min_frames) continue;
    Rates* rules[] = {&frame_rule, &track_rule};
    const bool accepted[] = {lt.score.matched_frames >= min_frames, lt.score.matches};
    for (int k = 0; k < 2; ++k) {
      (lt.same ? rules[k]->same : rules[k]->different) += 1;
      if (accepted[k]) (lt.same ? rules[k]->same_accepted : rules[k]->false_matches) += 1;
    }
  }
  std::printf(
      "Calibration at the shipped thresholds (threshold %.2f, track rule margins "
      "template %+.2f, best %d frames %+.2f):\n",
      targets::kDefaultFaceThreshold, defaults.tracks.rule.template_margin,
      defaults.tracks.rule.best_frames, defaults.tracks.rule.best_frames_margin);
  print_rates("per-frame rule, each face", "faces", per_face);
  print_rates("per-frame rule, min_frames faces", "tracks", frame_rule);
  print_rates("track rule", "tracks", track_rule);
  // The rule's two margins around the shipped ones (how the defaults were
  // chosen): same accepted / false matches, per track.
  std::printf("  template margin \\ best-frames margin:");
  const float best_margins[] = {-0.03f, -0.02f, -0.01f, 0.f, 0.01f, 1.f};
  for (float b : best_margins) std::printf("  %+8.3f", b);
  std::printf("\n");
  const std::vector<LabelledTrack> all = labelled_tracks(tracked, names);
  for (float m : {-0.03f, -0.02f, -0.01f, 0.f, 0.01f, 0.02f, 1.f}) {
    std::printf("  %+6.3f                               ", m);
    for (float b : best_margins) {
      int same = 0, accepted = 0, falses = 0;
      for (const LabelledTrack& lt : all) {
        if (lt.frames < min_frames) continue;
        const float t = targets::kDefaultFaceThreshold;
        const bool yes =
            lt.score.template_distance <= t + m && lt.score.best_frames_distance <= t + b;
        same += lt.same;
        if (yes) (lt.same ? accepted : falses) += 1;
      }
      std::printf("  %3d/%-2d %2d", accepted, same, falses);
    }
    std::printf("\n");
  }
  EXPECT_EQ(track_rule.same_accepted, track_rule.same) << "a real appearance was lost";
  EXPECT_LE(2 * track_rule.false_matches, frame_rule.false_matches)
      << "the track rule does not halve the per-frame rule's false matches";
}
