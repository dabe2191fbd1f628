#pragma once
// Reading fields of JSON that strangers wrote (yt-dlp output, command lines,
// Zeeschuimer exports, TikTok's API answers): missing, null or oddly typed
// fields give "nothing", never an exception.
#include <nlohmann/json.hpp>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tw::sources {

// Like nlohmann::json::parse (discarded on malformed text; *error then says
// why), except that an integer too large for 64 bits is kept as a string of
// its digits instead of becoming a double: ids must stay exact, and one that
// does not fit must be reported with its real digits.
nlohmann::json parse_json_exact(std::string_view text, std::string* error = nullptr);

// A string or an integer as text ("" otherwise; a float as std::to_string).
std::string text_of(const nlohmann::json& object, const char* key);
std::string first_text(const nlohmann::json& object, std::initializer_list<const char*> keys);

// A count (views, likes, ...): a non-negative integer given as a number or
// as a string of digits ("1200"); nullopt for anything else.
std::optional<std::int64_t> count_of(const nlohmann::json& object, const char* key);

// A number, or a string holding one; nullopt otherwise.
std::optional<double> number_of(const nlohmann::json& object, const char* key);

// An id that is an unsigned 64-bit integer written in decimal (a number or
// a string); nullopt with *why set when it is missing, not an integer, or
// does not fit in 64 bits.
std::optional<std::string> exact_id(const nlohmann::json& value, std::string* why);

// Adds a hashtag to the list unless it is empty or already there (compared
// without '#' and ASCII case); stores it without a leading '#'.
void add_hashtag(std::vector<std::string>& hashtags, std::string_view tag);

}  // namespace tw::sources
