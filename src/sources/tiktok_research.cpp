#include "sources/tiktok_research.h"

#include <sys/stat.h>
#include <toml++/toml.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "core/hash.h"
#include "core/redact.h"
#include "sources/json_fields.h"
#include "sources/research_answer.h"
#include "sources/transfer.h"

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::system_clock;

namespace tw::sources {

namespace {

// The fields a poll asks for: what a VideoRef and its figures need.
constexpr const char* kFields =
    "id,video_description,create_time,region_code,share_count,view_count,like_count,"
    "comment_count,music_id,hashtag_names,username,favorites_count,video_duration";
constexpr int kMaxCount = 100;          // the API's limit per request
constexpr int kMaxIdsPerRequest = 100;  // video_id IN [...] when re-observing
constexpr int kMaxDaysPerRequest = 30;  // start and end included
constexpr const char* kStateKey = "research";

[[noreturn]] void fail(const SourceConfig& source, const std::string& reason) {
  throw InputError("source " + source.name, reason);
}

std::string api_url(const SourceConfig& source, const std::string& path) {
  std::string base = source.api_base;
  while (!base.empty() && base.back() == '/') base.pop_back();
  return base + path;
}

std::string credentials_keys(const SourceConfig& source) {
  return source.credentials_file.empty() ? "client_key_env/client_secret_env" : "credentials_file";
}

std::string utc_day(Clock::time_point t) {
  const std::chrono::year_month_day day{std::chrono::floor<std::chrono::days>(t)};
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%04d%02u%02u", static_cast<int>(day.year()),
                static_cast<unsigned>(day.month()), static_cast<unsigned>(day.day()));
  return buffer;
}

std::int64_t unix_ms(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
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

// One answer of the API, read, and how long TikTok asked us to wait.
struct Answer : ResearchAnswer {
  std::string retry_after;
};

// The position of a poll: what is left to ask for.
struct Plan {
  std::string query_fingerprint;
  std::int64_t made_at_ms = 0;
  std::vector<DateRange> ranges;  // the current one first
  std::int64_t cursor = 0;
  std::string search_id;
  std::int64_t listed = 0;  // videos listed by this plan so far

  json to_json() const {
    json r = json::array();
    for (const auto& range : ranges) r.push_back({range.start_date, range.end_date});
    return {{"query", query_fingerprint}, {"made_at", made_at_ms},  {"ranges", r},
            {"cursor", cursor},           {"search_id", search_id}, {"listed", listed}};
  }
  static std::optional<Plan> from_json(const json& j) {
    if (!j.is_object()) return std::nullopt;
    Plan plan;
    plan.query_fingerprint = text_of(j, "query");
    plan.made_at_ms = count_of(j, "made_at").value_or(0);
    plan.cursor = count_of(j, "cursor").value_or(0);
    plan.search_id = text_of(j, "search_id");
    plan.listed = count_of(j, "listed").value_or(0);
    auto ranges = j.find("ranges");
    if (ranges == j.end() || !ranges->is_array()) return std::nullopt;
    for (const json& r : *ranges) {
      if (!r.is_array() || r.size() != 2 || !r[0].is_string() || !r[1].is_string())
        return std::nullopt;
      plan.ranges.push_back({r[0].get<std::string>(), r[1].get<std::string>()});
    }
    if (plan.ranges.empty()) return std::nullopt;
    return plan;
  }
};

using Page = ResearchPage;

// Thrown inside a poll when the quota refuses a request: the poll stops
// cleanly (a warning, not a failure).
struct QuotaRefused {
  std::string message;
};

class ResearchSession {
 public:
  ResearchSession(const SourceConfig& source, const ListOptions& options, SourceLedger& ledger)
      : source_(source), options_(options), ledger_(ledger) {}

  ListResult& result() { return result_; }

  Clock::time_point now() const { return options_.clock ? options_.clock() : Clock::now(); }

  // Videos handed to the caller at once, or kept in the result.
  void hand_over(std::vector<VideoRef>& videos) {
    if (videos.empty()) return;
    if (options_.on_videos) {
      options_.on_videos(std::move(videos));
    } else {
      for (auto& v : videos) result_.videos.push_back(std::move(v));
    }
    videos.clear();
  }

  void warn(const std::string& text) { result_.warnings.push_back(text); }

  // One query request (a page), with its quota reservation, token renewal
  // and retries of server errors.
  Page query_page(const json& query, const DateRange& range, std::int64_t cursor,
                  const std::string& search_id, int wanted, const std::string& query_keys) {
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
          Page page = read_page(*answer);
          refund(max_count - static_cast<int>(std::min<size_t>(page.videos.size(), max_count)));
          return page;
        }
        refund(max_count);
        const bool token_refused = answer->code == "access_token_invalid" ||
                                   (answer->status == 401 && answer->code.empty());
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

 private:
  // Reserves one request and up to `wanted` records; returns max_count.
  int reserve(int wanted) {
    const std::string day = utc_day(now());
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

  void refund(int records) {
    if (records <= 0) return;
    ledger_.consume_quota(reserved_day_, 0, -records,
                          QuotaUse{source_.daily_requests, source_.daily_records});
  }

  static bool is_server_error(const Answer& answer) {
    return answer.status >= 500 || answer.code == "internal_error";
  }

  std::string describe(const Answer& answer) const {
    std::string text = "HTTP " + std::to_string(answer.status);
    if (!answer.code.empty()) text += " " + answer.code;
    if (!answer.message.empty()) text += ": " + answer.message;
    if (!answer.not_json.empty()) text += ", not JSON: " + answer.not_json;
    if (!answer.log_id.empty()) text += " (log_id " + answer.log_id + ")";
    return text;
  }

  // A refusal that waiting will not fix, or a rate limit: never returns.
  [[noreturn]] void refuse(const Answer& answer, const std::string& query_keys) {
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
      fail(source_, "TikTok refused the query (" + what +
                        "): the client is not approved for the Research API's video query; check "
                        "the project on developers.tiktok.com and " +
                        credentials_keys(source_));
    if (answer.code == "invalid_params" || answer.status == 400)
      fail(source_, "TikTok refused the query (" + what + "): check " + query_keys);
    if (answer.status >= 200 && answer.status <= 299 && !answer.not_json.empty())
      fail(source_, "TikTok's answer is not JSON (" + what + ")");
    fail(source_, "TikTok refused the query (" + what + ")");
  }

  // After a server error: waits the next of the retry delays, or gives up
  // when they are used up.
  void retry_or_fail(size_t& failures, const std::string& server, const std::string& failure) {
    if (failures >= options_.retry_delays.size())
      fail(source_, server + " failed " + std::to_string(failures + 1) + " times (" + failure +
                        "); the next poll tries again");
    pause(options_.retry_delays[failures++]);
  }

  // Waits before a retry; a raised cancel flag ends the wait (and the poll).
  void pause(std::chrono::milliseconds delay) {
    const auto end = std::chrono::steady_clock::now() + delay;
    while (std::chrono::steady_clock::now() < end) {
      if (cancelled(options_.cancel)) throw Cancelled("source " + source_.name);
      auto left = end - std::chrono::steady_clock::now();
      std::this_thread::sleep_for(
          std::min<std::chrono::steady_clock::duration>(left, std::chrono::milliseconds(50)));
    }
    if (cancelled(options_.cancel)) throw Cancelled("source " + source_.name);
  }

  const ResearchCredentials& credentials() {
    if (!credentials_) credentials_ = research_credentials(source_);
    return *credentials_;
  }

  std::string token_key() { return source_.api_base + "\n" + credentials().client_key; }

  void forget_token() {
    std::lock_guard lock(token_mutex);
    token_cache().erase(token_key());
  }

  std::string access_token() {
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
        answer = post(
            api_url(source_, "/v2/oauth/token/"), form,
            {"Content-Type: application/x-www-form-urlencoded", "Cache-Control: no-cache"}, false);
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
          auto margin =
              std::min<std::chrono::seconds>(std::chrono::seconds(60), token->lifetime / 2);
          std::lock_guard lock(token_mutex);
          token_cache()[key] = {token->token, now() + token->lifetime - margin};
          return token->token;
        }
        if (!is_server_error(*answer)) {
          std::string what = describe(*answer);
          if (answer->ok()) what += ", no access_token";
          fail(source_, "TikTok refused the client credentials (" + what + "): check " +
                            credentials_keys(source_));
        }
        last_failure = describe(*answer);
      }
      retry_or_fail(failures, "TikTok's token server", last_failure);
    }
  }

  // POSTs and reads the answer; InputError on a network failure.
  Answer post(const std::string& url, const std::string& body, std::vector<std::string> headers,
              bool authorized) {
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
    Answer answer{read_research_answer(status, text, secrets), sink.retry_after};
    return answer;
  }

  Page read_page(const Answer& answer) {
    Page page = read_research_page(answer, source_.name, unix_ms(now()));
    for (const std::string& warning : page.warnings) warn(warning);
    return page;
  }

  const SourceConfig& source_;
  const ListOptions& options_;
  SourceLedger& ledger_;
  ListResult result_;
  std::optional<ResearchCredentials> credentials_;
  std::string reserved_day_;
};

std::string query_keys_of(const SourceConfig& source) {
  return source.query_json.empty() ? "hashtags/keywords/usernames/regions" : "query";
}

json state_object(const std::string& text) {
  json state = json::parse(text, nullptr, false);
  return state.is_object() ? state : json::object();
}

void set_plan(SourceLedger& ledger, const std::optional<Plan>& plan) {
  json state = state_object(ledger.load_state());
  if (plan)
    state[kStateKey] = plan->to_json();
  else
    state.erase(kStateKey);
  ledger.save_state(state.dump());
}

Plan fresh_plan(const SourceConfig& source, const std::string& fingerprint, Clock::time_point now) {
  Plan plan;
  plan.query_fingerprint = fingerprint;
  plan.made_at_ms = unix_ms(now);
  plan.ranges = research_date_ranges(now - source.window, now);
  return plan;
}

// Runs `body` with the caller's ledger, or one for this call only.
template <typename F>
ListResult with_ledger(const ListOptions& options, F&& body) {
  if (options.ledger) return body(*options.ledger);
  MemoryLedger ledger;
  return body(ledger);
}

}  // namespace

std::string research_query_json(const SourceConfig& source) {
  if (!source.query_json.empty()) {
    json query = json::parse(source.query_json, nullptr, false);
    if (query.is_discarded() || !query.is_object() || query.empty())
      fail(source, "query must be a table of conditions (and / or / not)");
    return query.dump();
  }
  json conditions = json::array();
  auto add = [&](const char* field, const std::vector<std::string>& values, auto&& normalize) {
    json list = json::array();
    for (const std::string& value : values) {
      std::string v = normalize(value);
      if (!v.empty() && std::find(list.begin(), list.end(), v) == list.end()) list.push_back(v);
    }
    if (!list.empty())
      conditions.push_back({{"operation", "IN"}, {"field_name", field}, {"field_values", list}});
  };
  auto strip = [](char mark) {
    return [mark](const std::string& text) {
      size_t begin = text.find_first_not_of(std::string(" \t") + mark);
      size_t end = text.find_last_not_of(" \t");
      return begin == std::string::npos ? std::string() : text.substr(begin, end - begin + 1);
    };
  };
  add("hashtag_name", source.hashtags, strip('#'));
  add("keyword", source.keywords, strip(' '));
  add("username", source.usernames, strip('@'));
  add("region_code", source.regions, [&](const std::string& text) {
    std::string code = strip(' ')(text);
    for (char& c : code) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return code;
  });
  if (conditions.empty())
    fail(source, "nothing to ask for: set hashtags, keywords, usernames or regions, or a query");
  return json{{"and", conditions}}.dump();
}

std::string yyyymmdd_utc(Clock::time_point t) {
  return utc_day(t);
}

std::vector<DateRange> research_date_ranges(Clock::time_point from, Clock::time_point to) {
  using std::chrono::days;
  const auto first = std::chrono::floor<days>(from);
  auto end = std::chrono::floor<days>(to);
  std::vector<DateRange> ranges;
  if (end < first) end = first;
  for (;;) {
    auto start = std::max(first, end - days(kMaxDaysPerRequest - 1));
    ranges.push_back({utc_day(Clock::time_point(start)), utc_day(Clock::time_point(end))});
    if (start == first) break;
    end = start - days(1);
  }
  return ranges;
}

ListResult list_tiktok_research(const SourceConfig& source, const ListOptions& options) {
  return with_ledger(options, [&](SourceLedger& ledger) {
    ResearchSession session(source, options, ledger);
    const std::string query_text = research_query_json(source);
    const json query = json::parse(query_text);
    const std::string keys = query_keys_of(source);
    // The saved position is for this query only; and a position older than
    // the window (at least a day) is stale: start again from now.
    const std::string fingerprint = sha256_hex(query_text).substr(0, 16);
    const auto now = session.now();
    std::optional<Plan> plan;
    json state = state_object(ledger.load_state());
    if (state.contains(kStateKey)) plan = Plan::from_json(state[kStateKey]);
    const auto stale_after =
        std::max<std::chrono::milliseconds>(source.window, std::chrono::hours(24));
    bool resumed = plan && plan->query_fingerprint == fingerprint &&
                   unix_ms(now) - plan->made_at_ms <= stale_after.count();
    if (!resumed) plan = fresh_plan(source, fingerprint, now);

    std::int64_t listed_now = 0;
    try {
      while (!plan->ranges.empty()) {
        if (source.max_videos > 0 && listed_now >= source.max_videos) {
          set_plan(ledger, plan);  // the next poll goes on from here
          return std::move(session.result());
        }
        int wanted = kMaxCount;
        if (source.max_videos > 0)
          wanted = static_cast<int>(std::min<std::int64_t>(wanted, source.max_videos - listed_now));
        Page page;
        try {
          page = session.query_page(query, plan->ranges.front(), plan->cursor, plan->search_id,
                                    wanted, keys);
        } catch (const InputError& e) {
          if (!resumed || dynamic_cast<const RateLimited*>(&e) ||
              e.reason().find("invalid_params") == std::string::npos)
            throw;
          // TikTok no longer takes the saved position (an old search_id):
          // start the window again.
          session.warn("the saved position was refused (" + e.reason() + "); starting over");
          resumed = false;
          plan = fresh_plan(source, fingerprint, session.now());
          set_plan(ledger, std::nullopt);
          continue;
        }
        listed_now += static_cast<std::int64_t>(page.videos.size());
        plan->listed += static_cast<std::int64_t>(page.videos.size());
        session.hand_over(page.videos);
        if (page.has_more && page.cursor > plan->cursor) {
          plan->cursor = page.cursor;
          if (!page.search_id.empty()) plan->search_id = page.search_id;
        } else {
          plan->ranges.erase(plan->ranges.begin());
          plan->cursor = 0;
          plan->search_id.clear();
        }
        set_plan(ledger, plan->ranges.empty() ? std::nullopt : plan);
      }
    } catch (const QuotaRefused& refused) {
      session.warn(refused.message);
      session.result().quota_exhausted = true;
      set_plan(ledger, plan);
    }
    return std::move(session.result());
  });
}

ListResult observe_tiktok_videos(const SourceConfig& source, const std::vector<std::string>& ids,
                                 Clock::time_point since, const ListOptions& options) {
  return with_ledger(options, [&](SourceLedger& ledger) {
    ResearchSession session(source, options, ledger);
    std::vector<std::string> unique;
    for (const std::string& id : ids) {
      std::string why;
      auto exact = exact_id(json(id), &why);
      if (!exact) {
        session.warn("video " + id.substr(0, 40) + ": " + why + ", not asked for");
        continue;
      }
      if (std::find(unique.begin(), unique.end(), *exact) == unique.end()) unique.push_back(*exact);
    }
    try {
      for (size_t first = 0; first < unique.size(); first += kMaxIdsPerRequest) {
        const size_t last = std::min(unique.size(), first + kMaxIdsPerRequest);
        json values = json::array();
        for (size_t i = first; i < last; ++i) values.push_back(unique[i]);
        const json query = {{"and", json::array({{{"operation", "IN"},
                                                  {"field_name", "video_id"},
                                                  {"field_values", values}}})}};
        for (const DateRange& range : research_date_ranges(since, session.now())) {
          std::int64_t cursor = 0;
          std::string search_id;
          for (;;) {
            Page page =
                session.query_page(query, range, cursor, search_id, kMaxCount, "the ids asked for");
            session.hand_over(page.videos);
            if (!page.has_more || page.cursor <= cursor) break;
            cursor = page.cursor;
            search_id = page.search_id;
          }
        }
      }
    } catch (const QuotaRefused& refused) {
      session.warn(refused.message);
      session.result().quota_exhausted = true;
    }
    return std::move(session.result());
  });
}

}  // namespace tw::sources
