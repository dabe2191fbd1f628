#pragma once
// The JSON shapes of the dashboard API (documented with examples in
// docs/dashboard.md).  Times are ISO 8601 UTC strings; evidence images are
// URLs of this server, never file paths.
#include <nlohmann/json.hpp>

#include <optional>
#include <string>

#include "store/store.h"

namespace tw::server {

// The API's words for a verdict: "unreviewed" stands for Verdict::none.
std::string verdict_word(store::Verdict verdict);
std::optional<store::Verdict> parse_verdict_word(const std::string& word);

std::string iso_time(store::Millis millis);  // "2026-11-25T12:00:00.000Z"

nlohmann::json video_ref_json(std::int64_t video_id, const VideoRef& video);
nlohmann::json video_json(const store::VideoRecord& video);
nlohmann::json scan_json(const store::ScanRecord& scan);
nlohmann::json appearance_json(const store::AppearanceRecord& row);
nlohmann::json target_json(const store::TargetSummary& target);
nlohmann::json source_json(const store::SourceRecord& source);

}  // namespace tw::server
