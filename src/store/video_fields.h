#pragma once
// How the store keeps a listing's loose fields: posted_at parsed to unix
// milliseconds, hashtags cleaned and merged, string lists as JSON arrays.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.h"

namespace tw::store {

// "2024-05-01T12:00:00Z" (also with fractions of a second, a ±HH:MM offset,
// a space for the T, or no zone: UTC), "2024-05-01" (midnight UTC) or
// "20240501".  Anything else (and impossible dates) gives nullopt.
std::optional<Millis> parse_posted_ms(std::string_view posted_at);

// Without a leading '#', empty ones dropped, each once, in the order given.
std::vector<std::string> clean_hashtags(const std::vector<std::string>& hashtags);

// `known` followed by the ones of `more` it lacks.
std::vector<std::string> merge_hashtags(std::vector<std::string> known,
                                        const std::vector<std::string>& more);

std::string json_array(const std::vector<std::string>& items);
// The strings of a JSON array; [] for anything else (a column written by an
// older or foreign hand is read, not refused).
std::vector<std::string> parse_json_array(const std::string& json);

}  // namespace tw::store
