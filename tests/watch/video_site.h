#pragma once
// A feed on 127.0.0.1 for monitor tests (cpp-httplib): /list.txt lists the
// published videos, /videos/<name> serves them, /fail/list.txt answers 500,
// and POST /hook is a webhook receiver that keeps every body.  Header-only.
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace tw::test {

class VideoSite {
 public:
  VideoSite() {
    server_.Get("/list.txt", [this](const httplib::Request&, httplib::Response& res) {
      std::lock_guard lock(mutex_);
      res.set_content(listing_, "text/plain");
    });
    server_.Get("/fail/list.txt", [](const httplib::Request&, httplib::Response& res) {
      res.status = 500;
      res.set_content("broken", "text/plain");
    });
    server_.Get(R"(/videos/(.+))", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard lock(mutex_);
      auto it = files_.find(req.matches[1]);
      if (it == files_.end()) {
        res.status = 404;
        return;
      }
      std::ifstream in(it->second, std::ios::binary);
      std::stringstream bytes;
      bytes << in.rdbuf();
      if (!trickle_) return res.set_content(bytes.str(), "video/mp4");
      // 8 KiB every 100 ms until the trickle is turned off (a download that
      // is in flight for as long as the test wants).
      auto body = std::make_shared<std::string>(bytes.str());
      res.set_content_provider(
          body->size(), "video/mp4", [this, body](size_t offset, size_t, httplib::DataSink& sink) {
            const bool slow = trickle_.load();
            if (slow) std::this_thread::sleep_for(std::chrono::milliseconds(100));
            const size_t chunk =
                slow ? std::min<size_t>(8192, body->size() - offset) : body->size() - offset;
            return sink.write(body->data() + offset, chunk);
          });
    });
    server_.Post("/hook", [this](const httplib::Request& req, httplib::Response& res) {
      std::unique_lock lock(mutex_);
      hooks_.push_back(req.body);
      auto delay = hook_delay_;
      lock.unlock();
      if (delay.count() > 0) std::this_thread::sleep_for(delay);
      res.set_content("ok", "text/plain");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 500 && !server_.is_running(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ~VideoSite() {
    server_.stop();
    thread_.join();
  }

  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  // Serves `file` as /videos/<name> and lists it.
  void add_video(const std::string& name, const std::filesystem::path& file) {
    std::lock_guard lock(mutex_);
    files_[name] = file;
    listing_ += url("/videos/" + name) + "\n";
  }
  // Every webhook body received, in order.
  std::vector<nlohmann::json> hooks() {
    std::lock_guard lock(mutex_);
    std::vector<nlohmann::json> out;
    for (const auto& body : hooks_) out.push_back(nlohmann::json::parse(body, nullptr, false));
    return out;
  }
  // Webhook POSTs received per appearance id.
  std::map<std::string, int> hooks_by_id() {
    std::map<std::string, int> counts;
    for (const auto& h : hooks())
      ++counts[h.is_object() && h.contains("id") ? h["id"].get<std::string>() : "?"];
    return counts;
  }
  // Videos are served slowly (8 KiB per 100 ms) while this is on.
  void set_trickle(bool on) { trickle_ = on; }
  // The receiver answers this late (a POST in flight for kill tests).
  void set_hook_delay(std::chrono::milliseconds delay) {
    std::lock_guard lock(mutex_);
    hook_delay_ = delay;
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mutex_;
  std::string listing_;
  std::map<std::string, std::filesystem::path> files_;
  std::vector<std::string> hooks_;
  std::chrono::milliseconds hook_delay_{0};
  std::atomic<bool> trickle_{false};
};

}  // namespace tw::test
