#include "store/video_fields.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>

namespace tw::store {
namespace {

// Reads exactly `width` digits at `pos`, advancing it.
std::optional<int> digits(std::string_view s, size_t& pos, size_t width) {
  if (pos + width > s.size()) return std::nullopt;
  int value = 0;
  for (size_t i = 0; i < width; ++i) {
    char c = s[pos + i];
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    value = value * 10 + (c - '0');
  }
  pos += width;
  return value;
}

bool skip(std::string_view s, size_t& pos, char c) {
  if (pos < s.size() && s[pos] == c) {
    ++pos;
    return true;
  }
  return false;
}

}  // namespace

std::optional<Millis> parse_posted_ms(std::string_view s) {
  size_t pos = 0;
  bool compact = s.size() == 8;  // YYYYMMDD
  auto year = digits(s, pos, 4);
  if (!compact && !skip(s, pos, '-')) return std::nullopt;
  auto month = digits(s, pos, 2);
  if (!compact && !skip(s, pos, '-')) return std::nullopt;
  auto day = digits(s, pos, 2);
  if (!year || !month || !day) return std::nullopt;
  using namespace std::chrono;
  year_month_day date{std::chrono::year(*year), std::chrono::month(static_cast<unsigned>(*month)),
                      std::chrono::day(static_cast<unsigned>(*day))};
  if (!date.ok()) return std::nullopt;
  Millis ms = duration_cast<milliseconds>(sys_days(date).time_since_epoch()).count();
  if (pos == s.size()) return ms;
  if (compact || !(skip(s, pos, 'T') || skip(s, pos, 't') || skip(s, pos, ' '))) {
    return std::nullopt;
  }
  auto hour = digits(s, pos, 2);
  if (!hour || !skip(s, pos, ':')) return std::nullopt;
  auto minute = digits(s, pos, 2);
  std::optional<int> second = 0;
  if (skip(s, pos, ':')) second = digits(s, pos, 2);
  if (!minute || !second || *hour > 23 || *minute > 59 || *second > 60) return std::nullopt;
  ms += ((*hour * 60LL + *minute) * 60 + *second) * 1000;
  if (skip(s, pos, '.') || skip(s, pos, ',')) {  // fractions: milliseconds kept
    Millis scale = 100;
    size_t start = pos;
    for (; pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos])); ++pos) {
      ms += (s[pos] - '0') * scale;
      scale /= 10;
    }
    if (pos == start) return std::nullopt;
  }
  if (pos == s.size() || skip(s, pos, 'Z') || skip(s, pos, 'z')) {
    return pos == s.size() ? std::optional<Millis>(ms) : std::nullopt;
  }
  int sign = skip(s, pos, '+') ? 1 : skip(s, pos, '-') ? -1 : 0;
  if (!sign) return std::nullopt;
  auto offset_hours = digits(s, pos, 2);
  skip(s, pos, ':');
  auto offset_minutes = digits(s, pos, 2);
  if (!offset_hours || !offset_minutes || pos != s.size() || *offset_hours > 23 ||
      *offset_minutes > 59) {
    return std::nullopt;
  }
  // 12:00+02:00 is 10:00 UTC.
  return ms - sign * (*offset_hours * 60LL + *offset_minutes) * 60'000;
}

std::vector<std::string> clean_hashtags(const std::vector<std::string>& hashtags) {
  return merge_hashtags({}, hashtags);
}

std::vector<std::string> merge_hashtags(std::vector<std::string> known,
                                        const std::vector<std::string>& more) {
  for (std::string tag : more) {
    while (!tag.empty() && tag.front() == '#') tag.erase(0, 1);
    if (tag.empty() || std::find(known.begin(), known.end(), tag) != known.end()) continue;
    known.push_back(std::move(tag));
  }
  return known;
}

std::string json_array(const std::vector<std::string>& items) {
  // Titles and tags may hold any bytes: invalid UTF-8 is replaced, not thrown.
  return nlohmann::json(items).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::vector<std::string> parse_json_array(const std::string& json) {
  nlohmann::json parsed = nlohmann::json::parse(json, nullptr, false);
  std::vector<std::string> out;
  if (!parsed.is_array()) return out;
  for (const auto& item : parsed) {
    if (item.is_string()) out.push_back(item.get<std::string>());
  }
  return out;
}

}  // namespace tw::store
