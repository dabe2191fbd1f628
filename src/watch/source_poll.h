#pragma once
// One poll of one source for the monitor: the listing, with the source's
// ledger (paging cursor, file offsets, daily quota) kept in the store, its
// videos queued as they arrive, and its outcome in the source's health.
//
// Videos are handed over page by page (a Research API page, a Zeeschuimer
// file) and queued at once, so an error later in the listing loses nothing
// already listed, and the saved position moves on only past queued videos.
// A rate limit (HTTP 429) is a failure with a longer wait before the next
// poll, which resumes from the saved cursor.  Every failure is stored with a
// message that names the source and the config key to look at.
#include <chrono>
#include <optional>
#include <string>

#include "core/config.h"
#include "sources/cancel.h"
#include "store/store.h"
#include "watch/event_log.h"

namespace tw::watch {

// What one poll did.
struct PollOutcome {
  bool ok = false;  // listed to the end (warnings allowed)
  bool rate_limited = false;
  std::int64_t listed = 0;    // videos handed over
  std::int64_t fresh = 0;     // of them, new to the store
  std::int64_t observed = 0;  // of them, with figures stored as an observation
  std::string error;          // as stored in the source's health ("" when ok)
};

// Polls `source` once and records the outcome (record_poll_success with the
// poll's warnings, or record_poll_failure).  Never throws except Cancelled's
// absence: a shutdown (cancel raised) is logged and not recorded as a failure.
PollOutcome poll_source(store::Store& store, EventLog& log, const SourceConfig& source,
                        const sources::CancelFlag* cancel);

// The wait after TikTok's rate limit: what TikTok asked for, at least twice
// the source's interval and at least 15 minutes.
std::chrono::milliseconds rate_limit_backoff(const SourceConfig& source,
                                             std::optional<std::chrono::seconds> retry_after);

// The message stored for a failed poll: the error, prefixed with
// "source NAME: " unless it names the source already, and ending with the
// config key to check when the error does not say one.
std::string poll_failure_message(const SourceConfig& source, const std::string& error);

}  // namespace tw::watch
