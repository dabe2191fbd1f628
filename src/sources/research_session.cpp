#include "sources/research_session.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <mutex>
#include <thread>

#include "core/redact.h"
#include "sources/transfer.h"

using nlohmann::json;
using Clock = std::chrono::system_clock;

namespace tw::sources {

namespace {

// The fields a poll asks for: what a VideoRef and its figures need.
constexpr const char* kFields =
    "id,video_description,create_time,region_code,share_count,view_count,like_count,"
    "comment_count,music_id,hashtag_names,username,favorites_count,video_duration";

std::string api_url(const SourceConfig& source, const std::string& path) {
  std::string base = source.api_base;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + path;
}

std::string credentials_keys(const SourceConfig& source) {
  return source.credentials_file.empty() ? "client_key_env/client_secret_env" : "credentials_file";
}

// An access token per (api_base, client key), shared by every poll of the
// process, valid until `expires_at`.
struct CachedToken {
  std::string token;
  Clock::time_point expires_at;
};
std::mutex token_mutex;
std::map<std::string, CachedToken>& token_cache() {
  static std::map<std::string, CachedToken> cache;
  return cache;
}

bool is_server_error(const ResearchAnswer& answer) {
  return answer.status >= 500 || answer.code == "internal_error";
}

std::string describe(const ResearchAnswer& answer) {
  std::string text = "HTTP " + std::to_string(answer.status);
  if (!answer.code.empty()) text += " " + answer.code;
  if (!answer.message.empty()) text += ": " + answer.message;
  if (!answer.not_json.empty()) text += ", not JSON: " + answer.not_json;
  if (!answer.log_id.empty()) text += " (log_id " + answer.log_id + ")";
  return text;
}

}  // namespace

// One answer of the API, read, and how long TikTok asked us to wait.
struct ResearchSession::Answer : ResearchAnswer {
  std::string retry_after;
};

void fail_source(const SourceConfig& source, const std::string& reason) {
  throw InputError("source " + source.name, reason);
}

Clock::time_point ResearchSession::now() const {
  return options_.clock ? options_.clock() : Clock::now();
}

void ResearchSession::hand_over(std::vector<VideoRef>& videos) {
  if (videos.empty()) return;
  if (options_.on_videos) {
    options_.on_videos(std::move(videos));
  } else {
    for (auto& v : videos) result_.videos.push_back(std::move(v));
  }
  videos.clear();
}

ResearchPage ResearchSession::query_page(const json& query, const DateRange& range,
                                         std::int64_t cursor, const std::string& search_id,
                                         int wanted, const std::string& query_keys) {
  bool renewed_token = false;
  std::string last_failure;
  for (size_t failures = 0;;) {
    const int max_count = reserve(wanted);
    json body = {{"query", query},
                 {"start_date", range.start_date},
                 {"end_date", range.end_date},
                 {"max_count", max_count},
                 {"cursor", cursor},
                 {"is_random", false}};
    if (!search_id.empty()) body["search_id"] = search_id;
    std::optional<Answer> answer;
    try {
      answer = post(api_url(source_, "/v2/research/video/query/?fields=") + kFields, body.dump(),
                    {"Content-Type: application/json"}, true);
    } catch (const Cancelled&) {
      refund(max_count);
      throw;
    } catch (const InputError& e) {  // the network, a timeout: as a server error
      refund(max_count);
      last_failure = e.reason();
    }
    if (answer) {
      if (answer->ok()) {
        ResearchPage page = read_research_page(*answer, source_.name, unix_ms(now()));
        for (const std::string& warning : page.warnings) warn(warning);
        refund(max_count - static_cast<int>(std::min<size_t>(page.videos.size(), max_count)));
        return page;
      }
      refund(max_count);
      const bool token_refused =
          answer->code == "access_token_invalid" || (answer->status == 401 && answer->code.empty());
      if (token_refused && !renewed_token) {  // expired early, or revoked: once more
        renewed_token = true;
        forget_token();
        continue;
      }
      if (!is_server_error(*answer)) refuse(*answer, query_keys);
      last_failure = describe(*answer);
    }
    retry_or_fail(failures, "TikTok's server", last_failure);
  }
}

// Reserves one request and up to `wanted` records; returns max_count.
int ResearchSession::reserve(int wanted) {
  const std::string day = yyyymmdd_utc(now());
  const QuotaUse limits{source_.daily_requests, source_.daily_records};
  const QuotaUse used = ledger_.quota_used(day);
  const std::int64_t records_left = limits.records - used.records;
  const int max_count = static_cast<int>(std::min<std::int64_t>(wanted, records_left));
  if (used.requests >= limits.requests || max_count <= 0 ||
      !ledger_.consume_quota(day, 1, max_count, limits)) {
    const QuotaUse now_used = ledger_.quota_used(day);
    throw QuotaRefused{"daily quota used up: " + std::to_string(now_used.requests) +
                       " requests / " + std::to_string(now_used.records) +
                       " records used today (UTC " + day +
                       ") of daily_requests = " + std::to_string(limits.requests) +
                       " / daily_records = " + std::to_string(limits.records) +
                       "; polls go on from here after 00:00 UTC"};
  }
  reserved_day_ = day;
  return max_count;
}

void ResearchSession::refund(int records) {
  if (records <= 0) return;
  ledger_.consume_quota(reserved_day_, 0, -records,
                        QuotaUse{source_.daily_requests, source_.daily_records});
}

// A refusal that waiting will not fix, or a rate limit: never returns.
void ResearchSession::refuse(const Answer& answer, const std::string& query_keys) {
  const std::string what = describe(answer);
  if (answer.code == "rate_limit_exceeded" || answer.status == 429) {
    std::optional<std::chrono::seconds> wait;
    if (auto seconds = std::atoll(answer.retry_after.c_str()); seconds > 0)
      wait = std::chrono::seconds(seconds);
    throw RateLimited("source " + source_.name,
                      "TikTok's rate limit was reached (" + what +
                          "); the next poll goes on from where this one stopped",
                      wait);
  }
  if (answer.code == "scope_not_authorized" || answer.code == "scope_permission_missed" ||
      answer.status == 403 || answer.status == 401)
    fail_source(source_, "TikTok refused the query (" + what +
                             "): the client is not approved for the Research API's video query; "
                             "check the project on developers.tiktok.com and " +
                             credentials_keys(source_));
  if (answer.code == "invalid_params" || answer.status == 400)
    fail_source(source_, "TikTok refused the query (" + what + "): check " + query_keys);
  if (answer.status >= 200 && answer.status <= 299 && !answer.not_json.empty())
    fail_source(source_, "TikTok's answer is not JSON (" + what + ")");
  fail_source(source_, "TikTok refused the query (" + what + ")");
}

// After a server error: waits the next of the retry delays, or gives up when
// they are used up.
void ResearchSession::retry_or_fail(size_t& failures, const std::string& server,
                                    const std::string& failure) {
  if (failures >= options_.retry_delays.size())
    fail_source(source_, server + " failed " + std::to_string(failures + 1) + " times (" + failure +
                             "); the next poll tries again");
  pause(options_.retry_delays[failures++]);
}

// Waits before a retry; a raised cancel flag ends the wait (and the poll).
void ResearchSession::pause(std::chrono::milliseconds delay) {
  const auto end = std::chrono::steady_clock::now() + delay;
  while (std::chrono::steady_clock::now() < end) {
    if (cancelled(options_.cancel)) throw Cancelled("source " + source_.name);
    auto left = end - std::chrono::steady_clock::now();
    std::this_thread::sleep_for(
        std::min<std::chrono::steady_clock::duration>(left, std::chrono::milliseconds(50)));
  }
  if (cancelled(options_.cancel)) throw Cancelled("source " + source_.name);
}

const ResearchCredentials& ResearchSession::credentials() {
  if (!credentials_) credentials_ = research_credentials(source_);
  return *credentials_;
}

std::string ResearchSession::token_key() {
  return source_.api_base + "\n" + credentials().client_key;
}

void ResearchSession::forget_token() {
  std::lock_guard lock(token_mutex);
  token_cache().erase(token_key());
}

std::string ResearchSession::access_token() {
  const std::string key = token_key();
  {
    std::lock_guard lock(token_mutex);
    auto it = token_cache().find(key);
    if (it != token_cache().end() && now() < it->second.expires_at) return it->second.token;
  }
  const auto& creds = credentials();
  const std::string form = "client_key=" + url_escape(creds.client_key) +
                           "&client_secret=" + url_escape(creds.client_secret) +
                           "&grant_type=client_credentials";
  std::string last_failure;
  for (size_t failures = 0;;) {
    std::optional<Answer> answer;
    try {
      answer = post(api_url(source_, "/v2/oauth/token/"), form,
                    {"Content-Type: application/x-www-form-urlencoded", "Cache-Control: no-cache"},
                    false);
    } catch (const Cancelled&) {
      throw;
    } catch (const InputError& e) {
      last_failure = e.reason();
    }
    if (answer) {
      if (std::optional<ResearchToken> token = read_research_token(*answer)) {
        // The token is a secret: hidden from then on in whatever is shown.
        remember_secret(token->token);
        // Renewed shortly before it runs out: a request must not carry a
        // token that expires on its way.
        auto margin = std::min<std::chrono::seconds>(std::chrono::seconds(60), token->lifetime / 2);
        std::lock_guard lock(token_mutex);
        token_cache()[key] = {token->token, now() + token->lifetime - margin};
        return token->token;
      }
      if (!is_server_error(*answer)) {
        std::string what = describe(*answer);
        if (answer->ok()) what += ", no access_token";
        fail_source(source_, "TikTok refused the client credentials (" + what + "): check " +
                                 credentials_keys(source_));
      }
      last_failure = describe(*answer);
    }
    retry_or_fail(failures, "TikTok's token server", last_failure);
  }
}

// POSTs and reads the answer; InputError on a network failure.
ResearchSession::Answer ResearchSession::post(const std::string& url, const std::string& body,
                                              std::vector<std::string> headers, bool authorized) {
  if (authorized) headers.push_back("Authorization: Bearer " + access_token());
  FetchLimits limits;
  limits.max_bytes = 32u * 1024 * 1024;
  limits.total_timeout = source_.timeout.count() > 0
                             ? source_.timeout
                             : std::chrono::milliseconds(std::chrono::minutes(2));
  limits.connect_timeout = std::min(limits.total_timeout, limits.connect_timeout);
  limits.low_speed_time = std::min(limits.total_timeout, limits.low_speed_time);
  limits.cancel = options_.cancel;
  std::string text;
  TransferSink sink;
  sink.memory = &text;
  TransferRequest request;
  request.post_body = &body;
  request.headers = std::move(headers);
  request.any_status = true;
  const long status = transfer(url, sink, limits, {}, request);
  std::vector<std::string> secrets;
  if (credentials_) secrets.push_back(credentials_->client_secret);
  {
    std::lock_guard lock(token_mutex);
    auto it = token_cache().find(token_key());
    if (it != token_cache().end()) secrets.push_back(it->second.token);
  }
  return Answer{read_research_answer(status, text, secrets), sink.retry_after};
}

}  // namespace tw::sources
