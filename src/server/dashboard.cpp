#include "server/dashboard.h"

#include <httplib.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <fstream>
#include <iostream>
#include <limits>
#include <sstream>

#include "core/config.h"
#include "core/errors.h"
#include "server/api_json.h"
#include "server/page.h"
#include "trends/trend_report.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace tw::server {

ListenAddress parse_listen(const std::string& text) {
  const std::string what = "--listen " + text;
  std::string host;
  std::string port_text;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':')
      throw InputError(what, "expected [IPV6]:PORT");
    host = text.substr(1, close - 1);
    port_text = text.substr(close + 2);
  } else {
    auto colon = text.rfind(':');
    if (colon == std::string::npos || text.find(':') != colon)
      throw InputError(what, "expected HOST:PORT, e.g. 127.0.0.1:8080");
    host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
  }
  if (host.empty()) throw InputError(what, "the host is missing (e.g. 127.0.0.1:8080)");
  int port = -1;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port < 0 || port > 65535)
    throw InputError(what, "the port must be a number from 0 to 65535");
  return {host, port};
}

bool is_loopback(const std::string& host) {
  if (host == "localhost" || host == "::1") return true;
  // 127.0.0.0/8 written as a dotted quad.
  unsigned parts[4];
  char tail;
  if (std::sscanf(host.c_str(), "%u.%u.%u.%u%c", &parts[0], &parts[1], &parts[2], &parts[3],
                  &tail) != 4)
    return false;
  for (unsigned part : parts)
    if (part > 255) return false;
  return parts[0] == 127;
}

namespace {

// Equal-time comparison so that the token cannot be guessed byte by byte.
bool same_secret(const std::string& given, const std::string& expected) {
  if (expected.empty()) return false;
  unsigned char diff = given.size() == expected.size() ? 0 : 1;
  for (size_t i = 0; i < given.size(); ++i)
    diff |= static_cast<unsigned char>(given[i] ^ expected[i % expected.size()]);
  return diff == 0;
}

void send_json(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_header("Cache-Control", "no-store");
  // Text from strangers (titles, a Host header quoted in an error) may not
  // be UTF-8: replaced, never a 500 (the dump would throw).
  res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace),
                  "application/json; charset=utf-8");
}

// The trend reports are ordered JSON (trends/trend_report.h); invalid UTF-8
// in a title is replaced, as everywhere else on the dashboard.
json plain(const nlohmann::ordered_json& value) {
  return json::parse(value.dump(-1, ' ', false, json::error_handler_t::replace));
}

void send_error(httplib::Response& res, int status, const std::string& message) {
  send_json(res, status, {{"error", message}});
}

// Query integers: absent -> fallback; present but not an integer within
// [low, high] -> InputError (answered with 400).
int int_param(const httplib::Request& req, const char* name, int fallback, int low, int high) {
  if (!req.has_param(name)) return fallback;
  const std::string text = req.get_param_value(name);
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < low || value > high)
    throw InputError(
        name, "must be an integer from " + std::to_string(low) + " to " + std::to_string(high));
  return value;
}

bool is_inside(const fs::path& file, const fs::path& root) {
  auto r = root.begin();
  auto f = file.begin();
  for (; r != root.end(); ++r, ++f) {
    if (r->empty()) continue;  // trailing separator of the root
    if (f == file.end() || *f != *r) return false;
  }
  return true;
}

// "127.0.0.1:8080" -> "127.0.0.1", "[::1]:8080" -> "::1", "localhost" -> "localhost".
std::string host_name(const std::string& host_header) {
  if (!host_header.empty() && host_header.front() == '[') {
    auto close = host_header.find(']');
    return close == std::string::npos ? host_header : host_header.substr(1, close - 1);
  }
  return host_header.substr(0, host_header.find(':'));
}

const char* image_type(const fs::path& file) {
  std::string ext = file.extension().string();
  for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (ext == ".jpg" || ext == ".jpeg") return "image/jpeg";
  if (ext == ".png") return "image/png";
  if (ext == ".webp") return "image/webp";
  return nullptr;
}

// One request's bytes in, the response's bytes out: a connection without a
// socket, from 127.0.0.1.
class MemoryStream final : public httplib::Stream {
 public:
  explicit MemoryStream(std::string_view request) : request_(request) {}
  bool is_readable() const override { return true; }
  bool is_writable() const override { return true; }
  ssize_t read(char* ptr, size_t size) override {
    const size_t n = std::min(size, request_.size() - position_);
    std::copy_n(request_.data() + position_, n, ptr);
    position_ += n;
    return static_cast<ssize_t>(n);
  }
  ssize_t write(const char* ptr, size_t size) override {
    response_.append(ptr, size);
    return static_cast<ssize_t>(size);
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = "127.0.0.1";
    port = 50000;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = "127.0.0.1";
    port = 8080;
  }
  socket_t socket() const override { return INVALID_SOCKET; }
  const std::string& response() const { return response_; }

 private:
  std::string_view request_;
  size_t position_ = 0;
  std::string response_;
};

// httplib's request handling, reachable without a socket.
class InProcessServer final : public httplib::Server {
 public:
  std::string respond(std::string_view request) {
    MemoryStream stream(request);
    bool closed = false;
    process_request(stream, /*close_connection=*/true, closed, nullptr);
    return stream.response();
  }
};

}  // namespace

struct DashboardServer::Impl {
  store::Store& store;
  ServerOptions options;
  InProcessServer http;
  int port = 0;

  Impl(store::Store& s, ServerOptions o) : store(s), options(std::move(o)) {}

  bool authorized(const httplib::Request& req) const {
    if (options.token.empty()) return true;
    const std::string header = req.get_header_value("Authorization");
    const std::string prefix = "Bearer ";
    if (header.size() > prefix.size() && header.compare(0, prefix.size(), prefix) == 0)
      return same_secret(header.substr(prefix.size()), options.token);
    // Only the page may carry the token in its address, once.
    if (req.method == "GET" && req.path == "/" && req.has_param("token"))
      return same_secret(req.get_param_value("token"), options.token);
    return false;
  }

  // Without a token, another web site open in the same browser must not
  // read or drive the dashboard: only loopback Host names are answered (a
  // DNS-rebound name is not), and a verdict must be JSON (a cross-site form
  // cannot send that) from this origin when the browser names one.  (A token
  // travels in a header no browser adds by itself.)  Empty when allowed.
  std::string cross_site_problem(const httplib::Request& req) const {
    if (!options.token.empty()) return "";
    const std::string host = req.get_header_value("Host");
    if (!is_loopback(host_name(host)))
      return "this dashboard answers only to a loopback address, not to Host " + host;
    if (req.method != "POST") return "";
    if (req.get_header_value("Content-Type").rfind("application/json", 0) != 0)
      return "send the verdict as Content-Type: application/json";
    const std::string origin = req.get_header_value("Origin");
    if (!origin.empty() && origin != "http://" + host)
      return "a verdict from another site (Origin " + origin + ") is refused";
    return "";
  }

  void refuse(const httplib::Request& req, httplib::Response& res) const {
    res.set_header("WWW-Authenticate", "Bearer realm=\"trendwatch\"");
    if (req.method == "GET" && req.path == "/") {
      res.status = 401;
      res.set_header("Content-Security-Policy", login_page_policy());
      res.set_header("Cache-Control", "no-store");
      res.set_content(login_page(), "text/html; charset=utf-8");
    } else {
      send_error(res, 401, "this dashboard needs Authorization: Bearer TOKEN");
    }
  }

  void serve_evidence(const httplib::Request& req, httplib::Response& res) {
    auto row = store.appearance(req.matches[1]);
    if (!row) return send_error(res, 404, "no such appearance");
    const std::string& named =
        req.matches[2] == "crop" ? row->appearance.evidence_crop : row->appearance.evidence_frame;
    if (named.empty()) return send_error(res, 404, "this appearance has no such evidence image");
    std::error_code ec;
    const fs::path file = fs::canonical(named, ec);
    const fs::path root = fs::canonical(options.evidence_root, ec);
    if (ec || file.empty() || !is_inside(file, root) || !fs::is_regular_file(file) ||
        !image_type(file)) {
      std::cerr << "trendwatch serve: refused evidence file outside " << options.evidence_root
                << " or not an image: " << named << "\n";
      return send_error(res, 404, "evidence image not available");
    }
    std::ifstream in(file, std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    if (!in) return send_error(res, 404, "evidence image not readable");
    res.set_header("Cache-Control", "private, max-age=600");
    res.set_content(bytes.str(), image_type(file));
  }

  void post_verdict(const httplib::Request& req, httplib::Response& res) {
    json body = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
    if (body.is_discarded() || !body.is_object())
      return send_error(res, 400,
                        "the body must be a JSON object like {\"verdict\": \"confirmed\"}");
    auto field = body.find("verdict");
    auto verdict = field != body.end() && field->is_string()
                       ? parse_verdict_word(field->get<std::string>())
                       : std::nullopt;
    if (!verdict)
      return send_error(res, 400, "verdict must be \"confirmed\", \"dismissed\" or \"unreviewed\"");
    if (!store.set_verdict(req.matches[1], *verdict))
      return send_error(res, 404, "no such appearance");
    auto row = store.appearance(req.matches[1]);
    if (!row) return send_error(res, 404, "no such appearance");
    send_json(res, 200, appearance_json(*row));
  }

  void list_appearances(const httplib::Request& req, httplib::Response& res) {
    store::AppearanceFilter filter;
    filter.target = req.get_param_value("target");
    if (req.has_param("verdict")) {
      filter.verdict = parse_verdict_word(req.get_param_value("verdict"));
      if (!filter.verdict)
        throw InputError("verdict", "must be unreviewed, confirmed or dismissed");
    }
    if (req.has_param("video"))
      filter.video_id = int_param(req, "video", 0, 0, std::numeric_limits<int>::max());
    filter.limit = int_param(req, "limit", 50, 1, 500);
    filter.offset = int_param(req, "offset", 0, 0, std::numeric_limits<int>::max());
    json list = json::array();
    for (const auto& row : store.appearances(filter)) list.push_back(appearance_json(row));
    send_json(res, 200,
              {{"appearances", list}, {"limit", filter.limit}, {"offset", filter.offset}});
  }

  void show_video(const httplib::Request& req, httplib::Response& res) {
    const std::string id_text = req.matches[1];
    std::int64_t id = 0;
    auto [end, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
    std::optional<store::VideoDetail> detail;
    if (ec == std::errc() && end == id_text.data() + id_text.size()) detail = store.video(id);
    if (!detail) return send_error(res, 404, "no such video");
    json appearances = json::array();
    for (const auto& row : detail->appearances) appearances.push_back(appearance_json(row));
    json scans = json::array();
    for (const auto& scan : detail->scans) scans.push_back(scan_json(scan));
    send_json(
        res, 200,
        {{"video", video_json(detail->video)}, {"appearances", appearances}, {"scans", scans}});
  }

  // GET /api/trends?target=NAME&by=hour|day&since=7d: the target's trend
  // report (trends/trend_report.h); without a target, every target with its
  // videos in the period and its open surge, for the trend page's list.
  void show_trends(const httplib::Request& req, httplib::Response& res) {
    const std::string by_text = req.has_param("by") ? req.get_param_value("by") : "hour";
    const auto by = trends::parse_bucket_size(by_text);
    if (!by) throw InputError("by", "must be hour or day");
    const std::string since_text = req.has_param("since") ? req.get_param_value("since") : "7d";
    const std::optional<Duration> since = parse_duration(since_text);
    if (!since || since->count() <= 0)
      throw InputError("since", "must be a positive duration such as 36h or 7d");
    const store::Millis length =
        std::chrono::duration_cast<std::chrono::milliseconds>(*since).count();
    if (length / trends::bucket_length(*by) > 2000)
      throw InputError("since", "spans more than 2000 buckets (ask for by=day)");
    const store::Millis until = store.now();
    const std::string target = req.get_param_value("target");
    if (!target.empty()) {
      const trends::TrendReport report =
          trends::trend_report(store, target, *by, until - length, until);
      json body = plain(trends::to_json(report));
      // Each top video's thumbnail: its best appearance's evidence, as URLs.
      for (auto& video : body["top_videos"]) {
        const auto best = video["appearance"].is_string()
                              ? store.appearance(video["appearance"].get<std::string>())
                              : std::nullopt;
        video["evidence"] = best ? appearance_json(*best)["evidence"] : json(nullptr);
      }
      return send_json(res, 200, body);
    }
    json list = json::array();
    for (const auto& t : store.targets()) {
      const auto videos = trends::counted_videos(store, t.name, until - length, until);
      std::int64_t views = 0;
      for (const auto& v : videos) views += v.views.value_or(0);
      const auto open = store.open_surge(t.name);
      list.push_back({{"name", t.name},
                      {"videos", videos.size()},
                      {"views", views},
                      {"open_surge", open ? plain(trends::to_json(*open)) : json(nullptr)}});
    }
    send_json(res, 200,
              {{"targets", list},
               {"since", trends::iso8601(until - length)},
               {"until", trends::iso8601(until)}});
  }

  void install_routes() {
    http.set_payload_max_length(64 * 1024);
    http.set_read_timeout(10);
    http.set_write_timeout(10);
    http.set_keep_alive_timeout(5);
    http.set_default_headers({{"X-Content-Type-Options", "nosniff"},
                              {"Referrer-Policy", "no-referrer"},
                              {"X-Frame-Options", "DENY"}});

    http.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
      if (!authorized(req)) {
        refuse(req, res);
        return httplib::Server::HandlerResponse::Handled;
      }
      if (std::string problem = cross_site_problem(req); !problem.empty()) {
        send_error(res, 403, problem);
        return httplib::Server::HandlerResponse::Handled;
      }
      return httplib::Server::HandlerResponse::Unhandled;
    });
    http.set_exception_handler(
        [](const httplib::Request& req, httplib::Response& res, std::exception_ptr failure) {
          try {
            std::rethrow_exception(failure);
          } catch (const InputError& e) {
            send_error(res, 400, e.what());
          } catch (const std::exception& e) {
            std::cerr << "trendwatch serve: " << req.method << " " << req.path << ": " << e.what()
                      << "\n";
            send_error(res, 500, "internal error (logged by the server)");
          } catch (...) {
            send_error(res, 500, "internal error");
          }
        });
    http.set_error_handler([](const httplib::Request&, httplib::Response& res) {
      if (res.body.empty())
        send_error(res, res.status, res.status == 404 ? "not found" : "request refused");
    });

    http.Get("/", [](const httplib::Request&, httplib::Response& res) {
      res.set_header("Content-Security-Policy", app_page_policy());
      res.set_header("Cache-Control", "no-store");
      res.set_content(app_page(), "text/html; charset=utf-8");
    });
    http.Get("/api/appearances",
             [this](const auto& req, auto& res) { list_appearances(req, res); });
    http.Get(R"(/api/appearances/([^/]+))", [this](const auto& req, auto& res) {
      auto row = store.appearance(req.matches[1]);
      if (!row) return send_error(res, 404, "no such appearance");
      send_json(res, 200, appearance_json(*row));
    });
    http.Post(R"(/api/appearances/([^/]+)/verdict)",
              [this](const auto& req, auto& res) { post_verdict(req, res); });
    http.Get(R"(/api/videos/([^/]+))",
             [this](const auto& req, auto& res) { show_video(req, res); });
    http.Get("/api/targets", [this](const auto&, auto& res) {
      json list = json::array();
      for (const auto& target : store.targets()) list.push_back(target_json(target));
      send_json(res, 200, {{"targets", list}});
    });
    http.Get("/api/trends", [this](const auto& req, auto& res) { show_trends(req, res); });
    http.Get("/api/sources", [this](const auto&, auto& res) {
      json list = json::array();
      for (const auto& source : store.sources()) list.push_back(source_json(source));
      send_json(res, 200, {{"sources", list}});
    });
    http.Get(R"(/evidence/([^/]+)/(frame|crop))",
             [this](const auto& req, auto& res) { serve_evidence(req, res); });
  }
};

DashboardServer::DashboardServer(store::Store& store, ServerOptions options)
    : impl_(std::make_unique<Impl>(store, std::move(options))) {
  const auto& listen = impl_->options.listen;
  if (!is_loopback(listen.host) && impl_->options.token.empty())
    throw InputError("--listen " + listen.host + ":" + std::to_string(listen.port),
                     "listening beyond this machine needs a token: pass --token T or set "
                     "TRENDWATCH_TOKEN");
  impl_->install_routes();
}

DashboardServer::~DashboardServer() = default;

int DashboardServer::bind() {
  const auto& listen = impl_->options.listen;
  const std::string where = listen.host + ":" + std::to_string(listen.port);
  if (listen.port == 0) {
    impl_->port = impl_->http.bind_to_any_port(listen.host);
    if (impl_->port < 0) throw InputError("--listen " + where, "cannot listen there");
  } else {
    if (!impl_->http.bind_to_port(listen.host, listen.port))
      throw InputError("--listen " + where, "cannot listen there (in use, or no such address)");
    impl_->port = listen.port;
  }
  return impl_->port;
}

bool DashboardServer::serve() {
  return impl_->http.listen_after_bind();
}

void DashboardServer::stop() {
  impl_->http.stop();
}

std::string DashboardServer::respond(std::string_view request) {
  return impl_->http.respond(request);
}

std::string DashboardServer::url() const {
  const std::string& host = impl_->options.listen.host;
  const bool v6 = host.find(':') != std::string::npos;
  return "http://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(impl_->port) + "/";
}

}  // namespace tw::server
