#pragma once
// Small text helpers on URLs shared by listing and fetching.
#include <string>
#include <string_view>

namespace tw::sources {

std::string ascii_lower(std::string text);
// True for "http://..." and "https://..." (any case).
bool is_http_url(std::string_view text);
// The last path segment of a URL, without query or fragment: "a.mp4".
std::string url_file_name(const std::string& url);
// True when the name ends in a video file extension (.mp4, .mov, .webm, ...).
bool has_video_extension(const std::string& file_name);

}  // namespace tw::sources
