#pragma once
// kind = "tiktok-research": videos from the TikTok Research API
// (developers.tiktok.com, "Query Videos"; docs/sources.md).
//
// A poll gets a client access token (client credentials, cached until
// shortly before it expires; fetched again once when TikTok calls it
// invalid), then POSTs {api_base}/v2/research/video/query/ for the source's
// query over its `window`, in requests of at most 30 days (UTC dates), and
// follows has_more / cursor / search_id.  Every request first reserves 1
// request and max_count records of the day's quota in the caller's
// SourceLedger and gives back the records it did not get.  The position
// (date ranges left, cursor, search_id) is saved in the ledger's state after
// every page, so that a poll stopped by max_videos, the quota, a rate limit
// or an error goes on from there next time.
//
// Errors are InputError("source NAME", reason) naming the config key to look
// at; RateLimited (an InputError) for 429.  The client secret and the access
// token never appear in any message or warning.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/config_credentials.h"
#include "core/errors.h"
#include "sources/sources.h"

namespace tw::sources {

// TikTok refused requests for now (HTTP 429 rate_limit_exceeded).  The
// position was saved: the caller should wait longer than usual (retry_after
// when TikTok said how long) and poll again; that poll resumes there.
class RateLimited : public InputError {
 public:
  RateLimited(const std::string& input, const std::string& reason,
              std::optional<std::chrono::seconds> retry_after)
      : InputError(input, reason), retry_after_(retry_after) {}
  std::optional<std::chrono::seconds> retry_after() const { return retry_after_; }

 private:
  std::optional<std::chrono::seconds> retry_after_;
};

// Read at use time (core/config_credentials.h): the environment variables
// named by client_key_env and client_secret_env, or credentials_file.
using tw::ResearchCredentials;
using tw::research_credentials;

// The API's "query" object for the source, as JSON text: the raw `query`
// table when given, else one IN condition per non-empty list (hashtags ->
// hashtag_name without '#', keywords -> keyword, usernames -> username
// without '@', regions -> region_code upper-cased), all in "and".
// InputError naming the key when there is no condition or `query` is not a
// JSON object.
std::string research_query_json(const SourceConfig& source);

// "20240501" for the UTC day of t.
std::string yyyymmdd_utc(std::chrono::system_clock::time_point t);

struct DateRange {
  std::string start_date, end_date;  // YYYYMMDD, both included
};
// The UTC days from `from` to `to` as ranges of at most 30 days (start and
// end included), newest first.
std::vector<DateRange> research_date_ranges(std::chrono::system_clock::time_point from,
                                            std::chrono::system_clock::time_point to);

// Lists the source's query over its window (a poll; see the top of this file).
ListResult list_tiktok_research(const SourceConfig& source, const ListOptions& options);

// Re-observes known videos by id (video_id IN [...], 100 ids a request) to
// get their current figures, for the refresh of videos that are trending.
// `since`: the earliest creation time among them (the API needs a date range;
// it is searched in 30-day requests up to now).  Same quota, errors and
// callback as a poll; no saved position.
ListResult observe_tiktok_videos(const SourceConfig& source, const std::vector<std::string>& ids,
                                 std::chrono::system_clock::time_point since,
                                 const ListOptions& options);

}  // namespace tw::sources
