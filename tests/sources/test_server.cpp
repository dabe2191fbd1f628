#include "test_server.h"

#include <chrono>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <stdexcept>

#include "support/test_support.h"

namespace tw::test {

namespace {
// Sleeps up to `limit` in small steps, returning early when stopping.
void nap(const std::atomic<bool>& stopping, std::chrono::milliseconds limit) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (!stopping && std::chrono::steady_clock::now() < end)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
}
}  // namespace

const std::string& tiny_mp4(int seconds) {
  static std::mutex mutex;
  static std::map<int, std::string> made;
  std::lock_guard lock(mutex);
  auto it = made.find(seconds);
  if (it != made.end()) return it->second;
  std::filesystem::path file = fresh_dir("tiny-mp4") / "clip.mp4";
  RunResult r = run_program({"ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                             "testsrc=size=64x64:rate=10", "-t", std::to_string(seconds),
                             "-pix_fmt", "yuv420p", "-c:v", "libx264", file.string()},
                            {}, 60);
  if (r.exit_code != 0) throw std::runtime_error("ffmpeg failed: " + r.err);
  return made[seconds] = read_file(file);
}

std::filesystem::path write_script(const std::filesystem::path& dir, const std::string& name,
                                   const std::string& body) {
  std::filesystem::path path = dir / name;
  std::ofstream(path) << "#!/bin/sh\n" << body;
  std::filesystem::permissions(path, std::filesystem::perms::owner_all |
                                         std::filesystem::perms::group_read |
                                         std::filesystem::perms::others_read);
  return path;
}

TestServer::TestServer(std::string clip_a, std::string clip_b)
    : clip_a_(std::move(clip_a)), clip_b_(std::move(clip_b)) {
  using httplib::Request;
  using httplib::Response;
  server_.Get("/list.txt", [this](const Request&, Response& res) {
    res.set_content("# two clips\n" + url("/videos/a.mp4") + "\n\n  " + url("/videos/b.mp4") +
                        "  \r\nnot a url\n" + url("/videos/a.mp4") + "\n",
                    "text/plain");
  });
  server_.Get("/videos/a.mp4", [this](const Request&, Response& res) {
    ++video_requests_;
    res.set_content(clip_a_, "video/mp4");
  });
  server_.Get("/videos/b.mp4", [this](const Request&, Response& res) {
    ++video_requests_;
    res.set_content(clip_b_, "video/mp4");
  });
  // A platform-like URL without an extension: yt-dlp's generic extractor
  // takes it as a direct video from its Content-Type.
  server_.Get("/watch/clip", [this](const Request&, Response& res) {
    ++video_requests_;
    res.set_content(clip_a_, "video/mp4");
  });
  server_.Get("/page.html", [this](const Request&, Response& res) {
    res.set_content(
        "<html><head><title>Feed page</title></head><body>\n"
        "<video src=\"/videos/a.mp4\"></video>\n<p>between</p>\n<video "
        "src=\"/videos/b.mp4\"></video>\n"
        "</body></html>\n",
        "text/html");
  });
  server_.Get("/error.mp4", [](const Request&, Response& res) {
    res.status = 500;
    res.set_content("internal error", "text/plain");
  });
  // Never answers within any test's timeout (bounded so that stop() returns).
  server_.Get("/hang.mp4", [this](const Request&, Response& res) {
    nap(stopping_, std::chrono::seconds(20));
    res.set_content("late", "video/mp4");
  });
  // Sends headers, then 10 bytes every 200 ms: trips the low-speed limit.
  server_.Get("/drip.mp4", [this](const Request&, Response& res) {
    res.set_content_provider(1000000, "video/mp4", [this](size_t, size_t, httplib::DataSink& sink) {
      nap(stopping_, std::chrono::milliseconds(200));
      return !stopping_ && sink.write("0123456789", 10);
    });
  });
  // 5 MB served as a video at a URL without an extension (yt-dlp's way).
  server_.Get("/watch/big", [](const Request&, Response& res) {
    res.set_content(std::string(5 * 1000 * 1000, 'x'), "video/mp4");
  });
  // Announces its size: 5 MB.
  server_.Get("/big.mp4", [](const Request&, Response& res) {
    res.set_content(std::string(5 * 1000 * 1000, 'x'), "video/mp4");
  });
  // No Content-Length: 50 MB in chunks, counting what was sent.
  server_.Get("/big-stream.mp4", [this](const Request&, Response& res) {
    res.set_chunked_content_provider("video/mp4", [this](size_t, httplib::DataSink& sink) {
      static const std::string chunk(64 * 1024, 'y');
      if (stopping_ || big_stream_sent_ >= kBigBytes) {
        sink.done();
        return true;
      }
      if (!sink.write(chunk.data(), chunk.size())) return false;
      big_stream_sent_ += static_cast<long long>(chunk.size());
      return true;
    });
  });
  port_ = server_.bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("test server: cannot bind 127.0.0.1");
  thread_ = std::thread([this] { server_.listen_after_bind(); });
  // stop() is a no-op until the accept loop runs: a suite that stopped the
  // server right away would otherwise wait forever in the destructor.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!server_.is_running() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  if (!server_.is_running()) {
    server_.stop();
    thread_.detach();
    throw std::runtime_error("test server: did not start within 10 s");
  }
}

std::vector<std::string> entries(const std::filesystem::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    names.push_back(e.path().filename().string());
  return names;
}

TestServer* WithTestServer::server_ = nullptr;
void WithTestServer::SetUpTestSuite() {
  server_ = new TestServer(tiny_mp4(1), tiny_mp4(2));
}
void WithTestServer::TearDownTestSuite() {
  delete server_;
  server_ = nullptr;
}

TestServer::~TestServer() {
  stopping_ = true;
  server_.stop();
  if (thread_.joinable()) thread_.join();
}

}  // namespace tw::test
