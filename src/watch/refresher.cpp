#include "watch/refresher.h"

#include <algorithm>
#include <map>
#include <system_error>

#include "sources/fetch.h"
#include "sources/process.h"
#include "sources/sources.h"
#include "sources/tiktok_research.h"
#include "watch/store_ledger.h"

namespace tw::watch {

namespace {

using SystemClock = std::chrono::system_clock;

std::chrono::milliseconds millis(Duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d);
}

// When the video was made, as far as the store knows: the Research API needs
// a date range that holds it.  A day of slack for clocks and time zones.
SystemClock::time_point created_bound(const store::VideoRecord& video) {
  const store::Millis at =
      std::min(video.posted_ms.value_or(video.first_seen_at), video.first_seen_at);
  return SystemClock::time_point(std::chrono::milliseconds(at)) - std::chrono::hours(24);
}

}  // namespace

std::optional<VideoStats> ytdlp_figures(const std::string& json_text) {
  sources::ListResult listed = sources::parse_ytdlp_json(json_text, 1);
  if (listed.videos.empty()) return std::nullopt;
  return listed.videos.front().stats;
}

Refresher::Refresher(store::Store& store, const Config& config, RefreshOptions options)
    : store_(store), config_(config), options_(std::move(options)) {}

RefreshReport Refresher::refresh_due() {
  RefreshReport report;
  const std::vector<store::VideoRecord> due =
      store_.videos_to_refresh(millis(config_.trend.refresh_every),
                               millis(config_.trend.refresh_for), std::max(options_.max_videos, 0));
  // Research API videos are asked for together, per source (100 ids a request).
  std::map<std::string, std::vector<store::VideoRecord>> by_research_source;
  for (const store::VideoRecord& video : due) {
    if (options_.cancel && options_.cancel->load()) break;
    const SourceConfig* source = config_.find_source(video.ref.source);
    if (source && source->kind == SourceKind::tiktok_research) {
      by_research_source[source->name].push_back(video);
      continue;
    }
    refresh_by_ytdlp(video, report);
  }
  for (const auto& [name, videos] : by_research_source) {
    if (options_.cancel && options_.cancel->load()) break;
    refresh_by_research(*config_.find_source(name), videos, report);
  }
  return report;
}

void Refresher::refresh_by_ytdlp(const store::VideoRecord& video, RefreshReport& report) {
  ++report.tried;
  if (sources::fetch_method(video.ref) != sources::FetchMethod::ytdlp) {
    // A file or a direct media URL: there is no page that counts views.
    ++report.skipped;
    store_.mark_refreshed(video.id);
    return;
  }
  const SourceConfig* source = config_.find_source(video.ref.source);
  const std::string program = source ? source->ytdlp : options_.ytdlp;
  std::string error;
  try {
    sources::ProcessOptions process;
    process.timeout = options_.ytdlp_timeout;
    process.cancel = options_.cancel;
    process.max_output = 16u * 1024 * 1024;
    sources::ProcessResult run = sources::run_process(
        {program, "-J", "--skip-download", "--no-warnings", "--no-playlist", "--", video.ref.url},
        process);
    if (run.cancelled) return;  // shutdown: not a try; due again next time
    if (!run.ok()) {
      error = "yt-dlp " + run.describe(process.timeout);
      if (std::string line = run.last_error_line(); !line.empty()) error += ": " + line;
    } else if (std::optional<VideoStats> stats = ytdlp_figures(run.out); stats) {
      stats->source = video.ref.source;
      store_.record_observation(video.id, *stats);  // also marks it refreshed
      ++report.refreshed;
      return;
    } else {
      error = "yt-dlp gave no figures";
    }
  } catch (const std::system_error& e) {
    error = program + " cannot be run: " + e.code().message();
  } catch (const std::exception& e) {
    error = e.what();
  }
  ++report.failed;
  report.errors.push_back("video " + std::to_string(video.id) + ": " + error);
  store_.mark_refreshed(video.id);
}

void Refresher::refresh_by_research(const SourceConfig& source,
                                    const std::vector<store::VideoRecord>& videos,
                                    RefreshReport& report) {
  std::vector<std::string> ids;
  SystemClock::time_point since = SystemClock::now();
  for (const store::VideoRecord& video : videos) {
    ids.push_back(video.ref.id);
    since = std::min(since, created_bound(video));
  }
  report.tried += static_cast<int>(videos.size());
  std::map<std::string, VideoStats> figures;
  std::string error;
  try {
    StoreLedger ledger(store_, source.name);
    sources::ListOptions list;
    list.ledger = &ledger;
    list.cancel = options_.cancel;
    list.retry_delays = options_.retry_delays;
    sources::ListResult listed = sources::observe_tiktok_videos(source, ids, since, list);
    for (const VideoRef& v : listed.videos)
      if (v.stats) figures[v.id] = *v.stats;
    if (listed.quota_exhausted) error = "the day's Research API quota is used up";
  } catch (const sources::Cancelled&) {
    return;
  } catch (const std::exception& e) {
    error = e.what();
  }
  for (const store::VideoRecord& video : videos) {
    auto found = figures.find(video.ref.id);
    if (found != figures.end()) {
      found->second.source = source.name;
      store_.record_observation(video.id, found->second);
      ++report.refreshed;
      continue;
    }
    ++report.failed;
    report.errors.push_back("video " + std::to_string(video.id) + ": " +
                            (error.empty() ? "not returned by the Research API" : error));
    store_.mark_refreshed(video.id);
  }
}

}  // namespace tw::watch
