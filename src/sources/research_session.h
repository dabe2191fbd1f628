#pragma once
// The Research API's requests for one poll (sources/tiktok_research): the
// client access token (cached per api_base and client key for the whole
// process, fetched again once when TikTok calls it invalid), the day's quota
// reserved in the caller's SourceLedger before every request and given back
// for records not received, retries of server errors, and TikTok's refusals
// turned into errors that name the config key to look at.  What to ask for
// and where a poll goes on from are tiktok_research.cpp's business.
#include <nlohmann/json_fwd.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/config_credentials.h"
#include "sources/ledger.h"
#include "sources/research_answer.h"
#include "sources/sources.h"
#include "sources/tiktok_research.h"

namespace tw::sources {

// Thrown by query_page when the day's quota refuses a request: the poll
// stops cleanly (a warning, not a failure).
struct QuotaRefused {
  std::string message;
};

// InputError("source NAME", reason).
[[noreturn]] void fail_source(const SourceConfig& source, const std::string& reason);

inline std::int64_t unix_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

class ResearchSession {
 public:
  ResearchSession(const SourceConfig& source, const ListOptions& options, SourceLedger& ledger)
      : source_(source), options_(options), ledger_(ledger) {}

  ListResult& result() { return result_; }
  std::chrono::system_clock::time_point now() const;

  // Videos handed to the caller at once (ListOptions::on_videos), or kept in
  // the result.
  void hand_over(std::vector<VideoRef>& videos);
  void warn(const std::string& text) { result_.warnings.push_back(text); }

  // One query request (a page) of at most `wanted` records.  `query_keys`
  // names the config keys to check when TikTok refuses the query.  Throws
  // QuotaRefused, RateLimited, Cancelled or InputError.
  ResearchPage query_page(const nlohmann::json& query, const DateRange& range, std::int64_t cursor,
                          const std::string& search_id, int wanted, const std::string& query_keys);

 private:
  struct Answer;
  int reserve(int wanted);
  void refund(int records);
  [[noreturn]] void refuse(const Answer& answer, const std::string& query_keys);
  void retry_or_fail(size_t& failures, const std::string& server, const std::string& failure);
  void pause(std::chrono::milliseconds delay);
  const ResearchCredentials& credentials();
  std::string token_key();
  void forget_token();
  std::string access_token();
  Answer post(const std::string& url, const std::string& body, std::vector<std::string> headers,
              bool authorized);

  const SourceConfig& source_;
  const ListOptions& options_;
  SourceLedger& ledger_;
  ListResult result_;
  std::optional<ResearchCredentials> credentials_;
  std::string reserved_day_;
};

}  // namespace tw::sources
