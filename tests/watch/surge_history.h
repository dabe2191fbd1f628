#pragma once
// Histories for the surge and refresh tests, seeded through the store API:
// videos posted at chosen times (with views), each scanned with one
// appearance of a target, in a SQLite store on disk whose clock the test
// moves.  Header-only.
#include <atomic>
#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "store/store.h"
#include "support/test_support.h"
#include "trends/buckets.h"

namespace tw::test {

inline constexpr store::Millis kHour = 3600LL * 1000;
inline constexpr store::Millis kDay = 24 * kHour;

// For histories read by the real binary, whose clock is the system's.
inline store::Millis wall_clock_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class SurgeHistory {
 public:
  // The clock starts at `start` (default 2025-12-04T00:00:00Z, a whole UTC day).
  explicit SurgeHistory(const std::string& hint, store::Millis start = 1'764'806'400'000)
      : dir_(fresh_dir(hint)), clock_(std::make_shared<std::atomic<store::Millis>>(start)) {
    reopen();
  }

  store::Store& store() { return *store_; }
  std::filesystem::path db() const { return dir_ / "trendwatch.db"; }
  std::filesystem::path dir() const { return dir_; }
  store::Millis now() const { return clock_->load(); }
  void set_now(store::Millis t) { clock_->store(t); }
  void advance(store::Millis ms) { clock_->fetch_add(ms); }

  // Closes and opens the store again: what a restart sees.
  void reopen() {
    store_.reset();
    store::StoreOptions options;
    auto clock = clock_;
    options.clock = [clock] { return clock->load(); };
    store_ = store::open_store(db().string(), options);
  }

  // A video posted at `posted` (unix ms) with `views`, scanned now with one
  // appearance of `target`; no appearance alerts (no sinks).  Returns its id.
  std::int64_t add(store::Millis posted, std::int64_t views, const std::string& target = "alice",
                   const std::string& source = "feed") {
    VideoRef video;
    video.platform = "tiktok";
    video.id = std::to_string(7'400'000'000'000'000'000LL + ++count_);
    video.url =
        "https://www.tiktok.com/@author" + std::to_string(count_ % 5) + "/video/" + video.id;
    video.title = "clip " + std::to_string(count_);
    video.author = "author" + std::to_string(count_ % 5);
    video.source = source;
    video.posted_at = trends::iso8601(posted);
    if (views >= 0) {
      VideoStats stats;
      stats.views = views;
      stats.likes = views / 20;
      stats.shares = views / 100;
      stats.source = source;
      video.stats = stats;
    }
    const std::int64_t id = store_->enqueue_video(video).video_id;
    auto claimed = store_->claim_video("seeder", std::chrono::minutes(1));
    store::FinishedScan scan;
    scan.video_id = claimed->id;
    scan.worker = "seeder";
    scan.target_set_version = "v1";
    Appearance a;
    a.target = target;
    a.start = 1.0;
    a.end = 3.5;
    a.best_time = 2.0;
    a.best_score = 0.8f;
    a.box = Box{10, 20, 30, 40};
    a.frames = 5;
    if (!evidence.empty()) {
      const auto& [crop, frame] = evidence[static_cast<std::size_t>(count_) % evidence.size()];
      a.evidence_crop = crop.string();
      a.evidence_frame = frame.string();
    }
    scan.appearances.push_back(a);
    store_->complete_scan(scan);
    return id;
  }

  // Evidence (crop, frame) given to the appearances, in turn; none when empty.
  std::vector<std::pair<std::filesystem::path, std::filesystem::path>> evidence;

  // One video every `every` over [from, to).
  void steady(store::Millis from, store::Millis to, store::Millis every, std::int64_t views = 5000,
              const std::string& target = "alice") {
    for (store::Millis t = from; t < to; t += every) add(t, views, target);
  }

 private:
  std::filesystem::path dir_;
  std::shared_ptr<std::atomic<store::Millis>> clock_;
  std::unique_ptr<store::Store> store_;
  int count_ = 0;
};

}  // namespace tw::test
