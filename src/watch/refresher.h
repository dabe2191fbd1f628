#pragma once
// The refresher: a video's reach keeps growing after the scan, so the
// figures (views, likes, comments, shares, saves) of videos with an
// appearance are observed again every [trend] refresh_every for
// refresh_for after they were first seen, through the source that listed
// them: the Research API by video id (its daily quota, kept in the store,
// StoreLedger), else `yt-dlp -J --skip-download` on the video's page.  A
// try is marked even when it fails, so one broken video waits its turn
// instead of being asked for again every cycle.  Each cycle is bounded.
#include <chrono>
#include <string>
#include <vector>

#include "core/config.h"
#include "sources/cancel.h"
#include "store/store.h"

namespace tw::watch {

struct RefreshOptions {
  int max_videos = 50;  // videos tried per cycle
  std::chrono::milliseconds ytdlp_timeout{std::chrono::seconds(60)};
  std::string ytdlp = "yt-dlp";  // for videos whose source is not configured (any more)
  const sources::CancelFlag* cancel = nullptr;
  // tiktok-research: waits before retrying a server error (tests: none).
  std::vector<std::chrono::milliseconds> retry_delays{std::chrono::seconds(2),
                                                      std::chrono::seconds(10)};
};

struct RefreshReport {
  int tried = 0;      // videos whose refresh was due and tried
  int refreshed = 0;  // ... that gave new figures
  int failed = 0;     // ... whose refresh failed (marked; tried again after refresh_every)
  int skipped = 0;    // ... that have no page to ask (a local file, a direct media URL)
  std::vector<std::string> errors;  // one line per failure (no secrets)
};

class Refresher {
 public:
  // The store and config must outlive the refresher.
  Refresher(store::Store& store, const Config& config, RefreshOptions options = {});

  // Refreshes up to max_videos of the videos whose refresh is due.
  RefreshReport refresh_due();

 private:
  void refresh_by_research(const SourceConfig& source,
                           const std::vector<store::VideoRecord>& videos, RefreshReport& report);
  void refresh_by_ytdlp(const store::VideoRecord& video, RefreshReport& report);

  store::Store& store_;
  const Config& config_;
  RefreshOptions options_;
};

// The figures of one `yt-dlp -J` document (view_count, like_count,
// comment_count, repost_count, save_count); nullopt when it gives none.
// Throws std::runtime_error when the text is not yt-dlp's JSON.
std::optional<VideoStats> ytdlp_figures(const std::string& json_text);

}  // namespace tw::watch
