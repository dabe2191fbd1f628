#pragma once
// A fake TikTok Research API on 127.0.0.1 (cpp-httplib) that follows the
// documented request and response shapes: the client token as a form POST to
// /v2/oauth/token/, the video query as JSON with a Bearer token to
// /v2/research/video/query/, pages with cursor and search_id, and the
// documented errors (scripted per request with `faults`).  Header-only; used
// by the sources tests and the watch end-to-end test.
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace tw::test {

using nlohmann::json;
using namespace std::chrono_literals;

// A client secret that needs escaping in a form, and that tests look for
// wherever it must not be.
inline constexpr const char* kSecret = "SECRET-d41d8+cd98/f00b=204&e980 x";

inline std::string percent_decode(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += text[i] == '+' ? ' ' : text[i];
    }
  }
  return out;
}

inline std::map<std::string, std::string> form_fields(const std::string& body) {
  std::map<std::string, std::string> fields;
  size_t start = 0;
  while (start <= body.size()) {
    size_t end = body.find('&', start);
    if (end == std::string::npos) end = body.size();
    std::string pair = body.substr(start, end - start);
    size_t eq = pair.find('=');
    if (eq != std::string::npos)
      fields[percent_decode(pair.substr(0, eq))] = percent_decode(pair.substr(eq + 1));
    start = end + 1;
  }
  return fields;
}

// A scripted answer for one query request (1-based number).
struct Fault {
  int status = 500;
  std::string body;      // the answer's text
  bool dropped = false;  // instead: the page it would have sent, cut off halfway
};

inline std::string error_body(const std::string& code, const std::string& message) {
  return json{{"error", {{"code", code}, {"message", message}, {"log_id", "log-1"}}}}.dump();
}

inline int next_id() {
  static std::atomic<int> counter{0};
  return ++counter;
}

// The fake API.  Videos are served `max_count` at a time from `videos`
// (JSON text of each video, so that ids can be written exactly as TikTok
// does: bare 19-digit integers).
class FakeResearchApi {
 public:
  FakeResearchApi() {
    server_.Post("/v2/oauth/token/", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mutex_);
      ++token_requests;
      token_content_types.push_back(req.get_header_value("Content-Type"));
      auto fields = form_fields(req.body);
      if (fields["client_key"] != client_key || fields["client_secret"] != client_secret ||
          fields["grant_type"] != "client_credentials") {
        res.status = 401;
        res.set_content(json{{"error", "invalid_client"},
                             {"error_description",
                              "Client key or secret " + fields["client_secret"] + " is incorrect."},
                             {"log_id", "log-t"}}
                            .dump(),
                        "application/json");
        return;
      }
      token_ = "clt.TOKEN-" + std::to_string(token_requests) + "-abcdef";
      res.set_content(
          json{{"access_token", token_}, {"expires_in", expires_in}, {"token_type", "Bearer"}}
              .dump(),
          "application/json");
    });
    server_.Post("/v2/research/video/query/",
                 [this](const httplib::Request& req, httplib::Response& res) {
                   std::lock_guard lock(mutex_);
                   answer_query(req, res);
                 });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 500 && !server_.is_running(); ++i) std::this_thread::sleep_for(5ms);
  }
  ~FakeResearchApi() {
    server_.stop();
    thread_.join();
  }

  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // Unique per fake: tokens are cached per (api_base, client key) for the
  // whole process, and a later fake may get an earlier one's port.
  const std::string client_key = "client-key-" + std::to_string(next_id());
  std::string client_secret = kSecret;

  // Adds `count` videos with ids first, first+1, ...
  void add_videos(std::uint64_t first, int count) {
    for (int i = 0; i < count; ++i) {
      std::uint64_t id = first + static_cast<std::uint64_t>(i);
      videos.push_back(
          R"({"id": )" + std::to_string(id) + R"(, "username": "user)" + std::to_string(i % 3) +
          R"(", "video_description": "clip )" + std::to_string(i) +
          R"( #News", "create_time": 1714557600, "hashtag_names": ["news", "News", "today"],)"
          R"( "music_id": 7000000000000000001, "video_duration": 15,)"
          R"( "view_count": )" +
          std::to_string(1000 + i) +
          R"(, "like_count": 10, "comment_count": 2, "share_count": 3, "favorites_count": 4,)"
          R"( "region_code": "DE"})");
    }
  }

  // The bodies of the query requests received, in order.
  std::vector<json> queries() {
    std::lock_guard lock(mutex_);
    return queries_;
  }
  int token_count() {
    std::lock_guard lock(mutex_);
    return token_requests;
  }
  std::vector<std::string> texts_sent() {  // every answer's text, to look for secrets
    std::lock_guard lock(mutex_);
    return sent_;
  }

  std::vector<std::string> videos;
  std::map<int, Fault> faults;  // by query request number
  int invalidate_token_at = 0;  // this query request finds the token revoked
  long long expires_in = 7200;
  int token_requests = 0;
  std::vector<std::string> token_content_types;
  std::vector<std::string> authorizations;
  std::vector<std::string> fields_params;

 private:
  void answer_query(const httplib::Request& req, httplib::Response& res) {
    ++query_requests_;
    authorizations.push_back(req.get_header_value("Authorization"));
    fields_params.push_back(req.get_param_value("fields"));
    json body = json::parse(req.body, nullptr, false);
    queries_.push_back(body);
    bool drop = false;
    auto reply = [&](int status, const std::string& text) {
      res.status = status;
      sent_.push_back(text);
      if (!drop) return res.set_content(text, "application/json");
      // The connection is closed after half of the body (Content-Length
      // promised all of it): what a proxy or a lost route does mid-page.
      res.set_content_provider(text.size(), "application/json",
                               [text](size_t, size_t, httplib::DataSink& sink) {
                                 sink.write(text.data(), text.size() / 2);
                                 return false;
                               });
    };
    if (query_requests_ == invalidate_token_at) token_.clear();
    if (auto it = faults.find(query_requests_); it != faults.end()) {
      if (!it->second.dropped) return reply(it->second.status, it->second.body);
      drop = true;
    }
    if (token_.empty() || req.get_header_value("Authorization") != "Bearer " + token_)
      return reply(401, error_body("access_token_invalid", "The access token is invalid."));
    if (!body.is_object() || !body["query"].is_object() || !body["max_count"].is_number() ||
        body["max_count"].get<int>() < 1 || body["max_count"].get<int>() > 100 ||
        body["start_date"].get<std::string>().size() != 8 ||
        body["end_date"].get<std::string>() < body["start_date"].get<std::string>())
      return reply(400, error_body("invalid_params", "bad request body"));
    const int cursor = body.value("cursor", 0);
    const int count = body["max_count"].get<int>();
    if (cursor > 0 && body.value("search_id", "") != "search-1")
      return reply(400, error_body("invalid_params", "search_id is required with a cursor"));
    std::string list;
    int end = std::min<int>(static_cast<int>(videos.size()), cursor + count);
    for (int i = cursor; i < end; ++i) list += (list.empty() ? "" : ",") + videos[i];
    const bool more = end < static_cast<int>(videos.size());
    reply(
        200,
        R"({"data": {"videos": [)" + list + R"(], "cursor": )" + std::to_string(end) +
            R"(, "has_more": )" + (more ? "true" : "false") +
            R"(, "search_id": "search-1"}, "error": {"code": "ok", "message": "", "log_id": "log-q"}})");
  }

  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mutex_;
  std::string token_;
  int query_requests_ = 0;
  std::vector<json> queries_;
  std::vector<std::string> sent_;
};

}  // namespace tw::test
