#include "watch/source_poll.h"

#include <algorithm>

#include "core/redact.h"
#include "sources/sources.h"
#include "sources/tiktok_research.h"
#include "watch/store_ledger.h"

namespace tw::watch {
namespace {

using namespace std::chrono_literals;

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

// The config key a failure without "check ..." most likely points at.
std::string_view key_at_fault(const SourceConfig& source, const std::string& error) {
  if (contains(error, "timed out")) return "timeout";
  if (contains(error, "cannot run '" + source.ytdlp + "'")) return "ytdlp";
  switch (source.kind) {
    case SourceKind::command:
      return "command";
    case SourceKind::tiktok_research:
      return "api_base";  // the server could not be reached or answered nonsense
    default:
      return "location";
  }
}

// Queues one handed-over batch and counts it.
void enqueue_batch(store::Store& store, EventLog& log, const SourceConfig& source,
                   std::vector<VideoRef>&& videos, PollOutcome& outcome) {
  for (const VideoRef& video : videos) {
    const store::EnqueueResult queued = store.enqueue_video(video);
    ++outcome.listed;
    if (queued.observed) ++outcome.observed;
    if (!queued.is_new) continue;
    ++outcome.fresh;
    log.event("video.queued", {{"source", source.name},
                               {"platform", video.platform},
                               {"id", video.id},
                               {"url", video.url},
                               {"title", video.title}});
  }
}

void record_failure(store::Store& store, EventLog& log, const SourceConfig& source,
                    const std::string& message, std::chrono::milliseconds next_in) {
  try {
    store.record_poll_failure(source.name, redact_text(message), next_in);
  } catch (const std::exception& inner) {
    log.event("store.error", {{"error", inner.what()}});
  }
}

}  // namespace

std::chrono::milliseconds rate_limit_backoff(const SourceConfig& source,
                                             std::optional<std::chrono::seconds> retry_after) {
  std::chrono::milliseconds wait = std::max<std::chrono::milliseconds>(2 * source.every, 15min);
  if (retry_after) wait = std::max<std::chrono::milliseconds>(wait, *retry_after);
  return wait;
}

std::string poll_failure_message(const SourceConfig& source, const std::string& error) {
  std::string message = error;
  const std::string named = "source " + source.name;
  if (!contains(message, named)) message = named + ": " + message;
  if (!contains(message, "check "))
    message += "; check " + std::string(key_at_fault(source, error));
  return message;
}

PollOutcome poll_source(store::Store& store, EventLog& log, const SourceConfig& source,
                        const sources::CancelFlag* cancel) {
  PollOutcome outcome;
  StoreLedger ledger(store, source.name);
  sources::ListOptions options;
  options.cancel = cancel;
  options.ledger = &ledger;
  options.on_videos = [&](std::vector<VideoRef>&& videos) {
    enqueue_batch(store, log, source, std::move(videos), outcome);
  };
  try {
    sources::ListResult listed = sources::list_source(source, options);
    // Videos a kind returns rather than hands over (none today) are queued too.
    if (!listed.videos.empty())
      enqueue_batch(store, log, source, std::move(listed.videos), outcome);
    for (const auto& warning : listed.warnings)
      log.event("source.warning", {{"source", source.name}, {"warning", warning}});
    std::vector<std::string> warnings;
    for (const std::string& warning : listed.warnings) warnings.push_back(redact_text(warning));
    store.record_poll_success(source.name, source.every, warnings);
    outcome.ok = true;
    log.event("source.polled", {{"source", source.name},
                                {"listed", outcome.listed},
                                {"new", outcome.fresh},
                                {"observed", outcome.observed},
                                {"warnings", listed.warnings.size()},
                                {"quota_exhausted", listed.quota_exhausted}});
  } catch (const sources::Cancelled&) {
    log.event("source.cancelled", {{"source", source.name}});  // shutdown: not a failure
  } catch (const sources::RateLimited& e) {
    const auto wait = rate_limit_backoff(source, e.retry_after());
    outcome.rate_limited = true;
    outcome.error = poll_failure_message(source, e.what());
    record_failure(store, log, source, outcome.error, wait);
    log.event("source.rate_limited", {{"source", source.name},
                                      {"error", outcome.error},
                                      {"listed", outcome.listed},
                                      {"new", outcome.fresh},
                                      {"next_poll_in_ms", wait.count()}});
  } catch (const std::exception& e) {
    outcome.error = poll_failure_message(source, e.what());
    record_failure(store, log, source, outcome.error, source.every);
    log.event("source.failed", {{"source", source.name},
                                {"error", outcome.error},
                                {"listed", outcome.listed},
                                {"new", outcome.fresh}});
  }
  return outcome;
}

}  // namespace tw::watch
