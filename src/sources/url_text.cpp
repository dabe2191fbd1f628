#include "sources/url_text.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <set>

namespace tw::sources {

std::string ascii_lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

bool is_http_url(std::string_view text) {
  std::string head = ascii_lower(std::string(text.substr(0, 8)));
  return head.rfind("http://", 0) == 0 || head.rfind("https://", 0) == 0;
}

std::string url_file_name(const std::string& url) {
  std::string path = url.substr(0, url.find_first_of("?#"));
  size_t scheme = path.find("://");
  if (scheme != std::string::npos) {
    size_t slash = path.find('/', scheme + 3);
    path = slash == std::string::npos ? "" : path.substr(slash);
  }
  size_t last = path.find_last_of('/');
  return last == std::string::npos ? path : path.substr(last + 1);
}

bool has_video_extension(const std::string& file_name) {
  static const std::set<std::string> extensions{".mp4", ".m4v",  ".mov", ".mkv", ".webm", ".avi",
                                                ".mpg", ".mpeg", ".ts",  ".flv", ".wmv",  ".3gp"};
  return extensions.count(ascii_lower(std::filesystem::path(file_name).extension().string())) > 0;
}

}  // namespace tw::sources
