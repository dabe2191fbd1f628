#pragma once
// The soak benchmark's two local servers on 127.0.0.1 (cpp-httplib), each
// misbehaving when the plan (soak_schedule.h) says so:
//   SoakFeed      /urls/list.txt (a URL list, newest last), /cmd/list.jsonl
//                 (JSON lines for a command source, newest first) and
//                 /media/<name> (the published videos' bytes);
//   SoakReceiver  POST /hook/<token>: the webhook, keeping every alert it
//                 accepted (answered 200) and counting those it refused.
// Header-only.
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "soak_schedule.h"

namespace tw::bench {

// Seconds since the monitor started (reset once it has), shared by the servers.
class SoakClock {
 public:
  SoakClock() { restart(); }
  void restart() { start_ns_ = std::chrono::steady_clock::now().time_since_epoch().count(); }
  double elapsed() const {
    const auto now = std::chrono::steady_clock::now().time_since_epoch().count();
    return static_cast<double>(now - start_ns_.load()) * 1e-9;
  }

 private:
  std::atomic<std::int64_t> start_ns_{0};
};

// Counts of injected faults that a request actually met, by name.
class FaultCounts {
 public:
  void hit(const std::string& what) {
    std::lock_guard lock(mutex_);
    ++counts_[what];
  }
  std::map<std::string, int> snapshot() const {
    std::lock_guard lock(mutex_);
    return counts_;
  }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, int> counts_;
};

// An httplib server on its own thread whose hanging answers end at stop().
class LocalServer {
 public:
  LocalServer() = default;
  LocalServer(const LocalServer&) = delete;
  LocalServer& operator=(const LocalServer&) = delete;
  virtual ~LocalServer() { stop(); }

  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

  void stop() {
    {
      std::lock_guard lock(hang_mutex_);
      stopping_ = true;
    }
    hang_cv_.notify_all();
    if (thread_.joinable()) {
      server_.stop();
      thread_.join();
    }
  }

 protected:
  void listen() {
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 500 && !server_.is_running(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }

  // A request that is held without an answer for `seconds` (or until stop).
  void hang(double seconds) {
    std::unique_lock lock(hang_mutex_);
    hang_cv_.wait_for(lock, std::chrono::duration<double>(seconds), [this] { return stopping_; });
  }

  // Answers with a Content-Length of the whole body but sends only its first
  // half, then closes the connection: a transfer cut off mid-body.
  static void send_cut(httplib::Response& res, std::string body, const char* type) {
    auto bytes = std::make_shared<std::string>(std::move(body));
    res.set_content_provider(bytes->size(), type,
                             [bytes](size_t offset, size_t, httplib::DataSink& sink) {
                               if (offset == 0) sink.write(bytes->data(), bytes->size() / 2);
                               return false;
                             });
  }

  httplib::Server server_;

 private:
  std::thread thread_;
  int port_ = 0;
  std::mutex hang_mutex_;
  std::condition_variable hang_cv_;
  bool stopping_ = false;
};

class SoakFeed : public LocalServer {
 public:
  // clips: the bytes of each clip of the plan's clip set; hang_seconds: how
  // long a hanging listing is held (longer than the sources' timeout).
  SoakFeed(const SoakPlan& plan, const std::vector<std::string>& clips, const SoakClock& clock,
           double hang_seconds)
      : plan_(plan), clips_(clips), clock_(clock), hang_seconds_(hang_seconds) {
    server_.Get("/urls/list.txt", [this](const httplib::Request&, httplib::Response& res) {
      answer_listing(plan_.urls_faults, "urls", res, "text/plain", [this] {
        std::string text = "# soak feed: one video URL per line, newest last\n";
        for (const auto& name : urls_) text += url("/media/" + name) + "\n";
        return text;
      });
    });
    server_.Get("/cmd/list.jsonl", [this](const httplib::Request&, httplib::Response& res) {
      answer_listing(plan_.command_faults, "command", res, "application/x-ndjson", [this] {
        std::string text;
        for (auto it = commands_.rbegin(); it != commands_.rend(); ++it) {
          const PlannedVideo& v = *it;
          text += nlohmann::json{{"id", "soak-" + v.name.substr(0, v.name.find('.'))},
                                 {"platform", "soak"},
                                 {"url", url("/media/" + v.name)},
                                 {"title", "soak video " + v.name},
                                 {"author", "soak"}}
                      .dump() +
                  "\n";
        }
        return text.empty() ? std::string("\n") : text;
      });
    });
    server_.Get(
        R"(/media/([a-z0-9.]+))",
        [this](const httplib::Request& req, httplib::Response& res) { answer_media(req, res); });
    listen();
  }
  ~SoakFeed() override { stop(); }

  // Lists the video from now on (urls and command sources).
  void publish(const PlannedVideo& video) {
    std::lock_guard lock(mutex_);
    published_[video.name] = video;
    if (video.source == SoakSource::urls) urls_.push_back(video.name);
    if (video.source == SoakSource::command) commands_.push_back(video);
  }

  std::map<std::string, int> faults() const { return faults_.snapshot(); }
  int media_served() const { return media_served_; }

 private:
  template <typename Body>
  void answer_listing(const std::vector<FaultWindow<ListingFault>>& windows, const char* source,
                      httplib::Response& res, const char* type, Body body) {
    const double now = clock_.elapsed();
    std::optional<ListingFault> fault;
    for (const auto& w : windows)
      if (w.covers(now)) fault = w.kind;
    std::string text;
    {
      std::lock_guard lock(mutex_);
      text = body();
    }
    if (!fault) return res.set_content(text, type);
    faults_.hit(std::string(source) + ".listing_" + to_string(*fault));
    switch (*fault) {
      case ListingFault::error_500:
        res.status = 500;
        res.set_content("internal error", "text/plain");
        break;
      case ListingFault::rate_limit_429:
        res.status = 429;
        res.set_header("Retry-After", "5");
        res.set_content("too many requests", "text/plain");
        break;
      case ListingFault::hang:
        hang(hang_seconds_);
        res.status = 503;
        break;
      case ListingFault::truncated:
        send_cut(res, text, type);
        break;
    }
  }

  void answer_media(const httplib::Request& req, httplib::Response& res) {
    const std::string name = req.matches[1];
    PlannedVideo video;
    bool cut = false;
    {
      std::lock_guard lock(mutex_);
      auto it = published_.find(name);
      if (it == published_.end()) {
        res.status = 404;
        return;
      }
      video = it->second;
      cut = video.fault == DownloadFault::cut && cut_.insert(name).second;
    }
    if (video.fault == DownloadFault::missing && clock_.elapsed() < video.at + video.missing_for) {
      faults_.hit("download_404");
      res.status = 404;
      return;
    }
    const std::string& bytes = clips_.at(static_cast<std::size_t>(video.clip));
    if (cut) {
      faults_.hit("download_cut");
      return send_cut(res, bytes, "video/mp4");
    }
    ++media_served_;
    res.set_content(bytes, "video/mp4");
  }

  const SoakPlan& plan_;
  const std::vector<std::string>& clips_;
  const SoakClock& clock_;
  const double hang_seconds_;
  std::mutex mutex_;
  std::map<std::string, PlannedVideo> published_;
  std::vector<std::string> urls_;
  std::vector<PlannedVideo> commands_;
  std::set<std::string> cut_;  // videos whose one cut-off download was sent
  FaultCounts faults_;
  std::atomic<int> media_served_{0};
};

// One alert the receiver accepted.
struct ReceivedAlert {
  std::string id, type, video_url, target;
  double start = 0, end = 0;
};

class SoakReceiver : public LocalServer {
 public:
  SoakReceiver(const SoakPlan& plan, const SoakClock& clock, std::string token, double hang_seconds)
      : plan_(plan), clock_(clock), token_(std::move(token)), hang_seconds_(hang_seconds) {
    server_.Post(R"(/hook/([A-Za-z0-9]+))",
                 [this](const httplib::Request& req, httplib::Response& res) { answer(req, res); });
    listen();
  }
  ~SoakReceiver() override { stop(); }

  std::string hook_url() const { return url("/hook/" + token_); }
  std::vector<ReceivedAlert> accepted() const {
    std::lock_guard lock(mutex_);
    return accepted_;
  }
  std::map<std::string, int> faults() const { return faults_.snapshot(); }
  int unreadable() const { return unreadable_; }

 private:
  void answer(const httplib::Request& req, httplib::Response& res) {
    if (req.matches[1] != token_) {
      res.status = 404;
      return;
    }
    const double now = clock_.elapsed();
    for (const auto& w : plan_.hook_faults) {
      if (!w.covers(now)) continue;
      faults_.hit(std::string("webhook_") + to_string(w.kind));
      if (w.kind == HookFault::hang) hang(hang_seconds_);
      res.status = w.kind == HookFault::hang ? 503 : 500;
      return;
    }
    const auto body = nlohmann::json::parse(req.body, nullptr, false);
    if (!body.is_object() || !body.contains("id") || !body["id"].is_string()) {
      ++unreadable_;
      res.status = 400;
      return;
    }
    ReceivedAlert alert;
    try {
      alert.id = body["id"].get<std::string>();
      alert.type = body.value("type", "");
      alert.target = body.value("target", "");
      if (body.contains("video") && body["video"].is_object())
        alert.video_url = body["video"].value("url", "");
      alert.start = body.value("start", 0.0);
      alert.end = body.value("end", 0.0);
    } catch (const nlohmann::json::exception&) {
      ++unreadable_;  // a field of the wrong type: the contract is broken
      res.status = 400;
      return;
    }
    {
      std::lock_guard lock(mutex_);
      accepted_.push_back(std::move(alert));
    }
    res.set_content("ok", "text/plain");
  }

  const SoakPlan& plan_;
  const SoakClock& clock_;
  const std::string token_;
  const double hang_seconds_;
  mutable std::mutex mutex_;
  std::vector<ReceivedAlert> accepted_;
  FaultCounts faults_;
  std::atomic<int> unreadable_{0};
};

}  // namespace tw::bench
