#include "sources/research_answer.h"

#include <algorithm>

#include "core/errors.h"
#include "sources/json_fields.h"
#include "sources/sources.h"

using nlohmann::json;

namespace tw::sources {

namespace {

constexpr size_t kMaxQuoted = 300;  // bytes of a server's text kept in a message
constexpr std::chrono::seconds kMaxTokenLifetime = std::chrono::hours(24 * 365);

// Replaces every occurrence of `secret` (when it is long enough to be one).
void hide(std::string& text, const std::string& secret) {
  if (secret.size() < 4) return;
  for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at))
    text.replace(at, secret.size(), "***");
}

std::optional<VideoRef> video_of(const json& item, const std::string& source_name,
                                 std::int64_t observed_at, std::string& why) {
  if (!item.is_object()) {
    why = "not a JSON object";
    return std::nullopt;
  }
  auto id_field = item.find("id");
  if (id_field == item.end() || id_field->is_null()) id_field = item.find("video_id");
  auto id = exact_id(id_field == item.end() ? json() : *id_field, &why);
  if (!id) return std::nullopt;
  VideoRef video;
  video.platform = "tiktok";
  video.id = *id;
  video.author = text_of(item, "username");
  video.url = "https://www.tiktok.com/@" + video.author + "/video/" + video.id;
  video.title = text_of(item, "video_description");
  if (auto created = count_of(item, "create_time")) video.posted_at = iso8601_utc(*created);
  if (auto tags = item.find("hashtag_names"); tags != item.end() && tags->is_array())
    for (const json& tag : *tags)
      if (tag.is_string()) add_hashtag(video.hashtags, tag.get<std::string>());
  video.music_id = text_of(item, "music_id");
  if (auto duration = number_of(item, "video_duration"); duration && *duration >= 0)
    video.duration = duration;
  VideoStats stats;
  stats.views = count_of(item, "view_count");
  stats.likes = count_of(item, "like_count");
  stats.comments = count_of(item, "comment_count");
  stats.shares = count_of(item, "share_count");
  stats.saves = count_of(item, "favorites_count");
  stats.observed_at = observed_at;
  stats.source = source_name;
  if (!stats.empty()) video.stats = stats;
  video.source = source_name;
  return video;
}

}  // namespace

ResearchAnswer read_research_answer(long status, std::string_view text,
                                    const std::vector<std::string>& secrets) {
  ResearchAnswer answer;
  answer.status = status;
  std::string why;
  answer.body = parse_json_exact(text, &why);
  if (answer.body.is_discarded() || !answer.body.is_object()) {
    answer.not_json = answer.body.is_discarded() ? why : "not a JSON object";
    answer.not_json += " (" + std::to_string(text.size()) + " bytes)";
    answer.body = json::object();
  }
  const json& error = answer.body.contains("error") ? answer.body["error"] : json();
  if (error.is_object()) {
    answer.code = text_of(error, "code");
    answer.message = text_of(error, "message");
    answer.log_id = text_of(error, "log_id");
  } else if (error.is_string()) {  // the OAuth endpoint's shape
    answer.code = error.get<std::string>();
    answer.message = text_of(answer.body, "error_description");
    answer.log_id = text_of(answer.body, "log_id");
  }
  for (std::string* part : {&answer.code, &answer.message, &answer.log_id, &answer.not_json}) {
    for (const std::string& secret : secrets) hide(*part, secret);
    if (part->size() > kMaxQuoted) *part = part->substr(0, kMaxQuoted) + "...";
  }
  return answer;
}

std::optional<ResearchToken> read_research_token(const ResearchAnswer& answer) {
  ResearchToken token;
  token.token = text_of(answer.body, "access_token");
  if (!answer.ok() || token.token.empty()) return std::nullopt;
  const std::int64_t seconds = count_of(answer.body, "expires_in").value_or(0);
  token.lifetime = std::chrono::seconds(std::min<std::int64_t>(seconds, kMaxTokenLifetime.count()));
  return token;
}

ResearchPage read_research_page(const ResearchAnswer& answer, const std::string& source_name,
                                std::int64_t observed_at_ms) {
  const json& data = answer.body.contains("data") ? answer.body["data"] : json();
  if (!data.is_object())
    throw InputError("source " + source_name, "TikTok's answer has no \"data\" object");
  ResearchPage page;
  auto has_more = data.find("has_more");
  page.has_more = has_more != data.end() && has_more->is_boolean() && has_more->get<bool>();
  page.cursor = count_of(data, "cursor").value_or(0);
  page.search_id = text_of(data, "search_id");
  auto videos = data.find("videos");
  if (videos == data.end() || videos->is_null()) return page;
  if (!videos->is_array())
    throw InputError("source " + source_name, "TikTok's answer: \"videos\" is not a list");
  int position = 0;
  for (const json& item : *videos) {
    ++position;
    std::string why;
    if (std::optional<VideoRef> video = video_of(item, source_name, observed_at_ms, why))
      page.videos.push_back(std::move(*video));
    else
      page.warnings.push_back("a video of TikTok's answer (" + std::to_string(position) +
                              " on its page): " + why + ", skipped");
  }
  return page;
}

}  // namespace tw::sources
