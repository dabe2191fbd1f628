#include "sources/tiktok_research.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>

#include "core/hash.h"
#include "sources/json_fields.h"
#include "sources/research_session.h"

using nlohmann::json;
using Clock = std::chrono::system_clock;

namespace tw::sources {

namespace {

constexpr int kMaxCount = 100;          // the API's limit per request
constexpr int kMaxIdsPerRequest = 100;  // video_id IN [...] when re-observing
constexpr int kMaxDaysPerRequest = 30;  // start and end included
constexpr const char* kStateKey = "research";

std::string utc_day(Clock::time_point t) {
  const std::chrono::year_month_day day{std::chrono::floor<std::chrono::days>(t)};
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%04d%02u%02u", static_cast<int>(day.year()),
                static_cast<unsigned>(day.month()), static_cast<unsigned>(day.day()));
  return buffer;
}

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
      fail_source(source, "query must be a table of conditions (and / or / not)");
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
    fail_source(source,
                "nothing to ask for: set hashtags, keywords, usernames or regions, or a query");
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
