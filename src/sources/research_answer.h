#pragma once
// Reading the TikTok Research API's answers (sources/tiktok_research.h):
// the text a server sent, made into what a poll needs.  Kept apart from the
// client so that the fuzz target research_answer (fuzz/) can feed them any
// bytes without a network.  Nothing here throws on bad input except
// read_research_page, whose InputError names the source.
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/types.h"

namespace tw::sources {

// One answer of the API, read.
struct ResearchAnswer {
  long status = 0;
  nlohmann::json body;   // an object; empty when the text was not a JSON object
  std::string code;      // error.code ("ok" on success), or the OAuth "error"
  std::string message;   // error.message / error_description, shortened
  std::string log_id;    // TikTok's id of the request, for their support
  std::string not_json;  // why the body is not a JSON object, when it is not
  bool ok() const {
    return status >= 200 && status <= 299 && not_json.empty() && (code.empty() || code == "ok");
  }
};

// The HTTP status and body text as an answer.  The texts quoted from the
// body (code, message, log_id) have each of `secrets` (the client secret, the
// access token: a server may echo them) replaced by "***", then are cut at
// 300 bytes (after, so that no part of a secret is left at the cut).
ResearchAnswer read_research_answer(long status, std::string_view text,
                                    const std::vector<std::string>& secrets = {});

// The token endpoint's access_token and how long it lasts (expires_in,
// clamped to [0, one year]: a larger figure must not overflow a clock);
// nullopt when the answer is not ok or has no token.
struct ResearchToken {
  std::string token;
  std::chrono::seconds lifetime{0};
};
std::optional<ResearchToken> read_research_token(const ResearchAnswer& answer);

// A page of videos of a query answer.
struct ResearchPage {
  std::vector<VideoRef> videos;       // platform "tiktok", source and stats.source = source_name
  std::vector<std::string> warnings;  // items skipped, and why
  bool has_more = false;
  std::int64_t cursor = 0;
  std::string search_id;
};
// InputError("source NAME", ...) when the answer has no "data" object or its
// "videos" is not a list; an item that is not a video is a warning.
ResearchPage read_research_page(const ResearchAnswer& answer, const std::string& source_name,
                                std::int64_t observed_at_ms);

}  // namespace tw::sources
