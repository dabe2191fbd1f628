#pragma once
// A small HTTP server on 127.0.0.1 for the sources tests: a listing, two tiny
// generated mp4 files, an HTML page with <video> tags, and misbehaving
// endpoints (404, 500, one that never answers, slow, too large).
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <vector>

#include <thread>
#include "core/errors.h"

namespace tw::test {

// Bytes of a small H.264 mp4 made with ffmpeg (64x64, 10 fps); cached per
// duration for the run.
const std::string& tiny_mp4(int seconds);

// Writes an executable /bin/sh script and returns its path.
std::filesystem::path write_script(const std::filesystem::path& dir, const std::string& name,
                                   const std::string& body);

class TestServer {
 public:
  // clip_a/clip_b: bytes of two small videos served at /videos/a.mp4 and /videos/b.mp4.
  TestServer(std::string clip_a, std::string clip_b);
  ~TestServer();
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string url(const std::string& path) const { return base() + path; }

  // Requests per path prefix, for checking that the cache is used.
  int video_requests() const { return video_requests_; }
  long long big_stream_bytes_sent() const { return big_stream_sent_; }
  static constexpr long long kBigBytes = 50ll * 1000 * 1000;

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::string clip_a_, clip_b_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> video_requests_{0};
  std::atomic<long long> big_stream_sent_{0};
};

// The InputError a call throws; the test fails when it throws none.
template <typename F>
tw::InputError input_error_of(F&& call) {
  try {
    call();
  } catch (const tw::InputError& e) {
    return e;
  }
  ADD_FAILURE() << "no InputError";
  return tw::InputError("", "");
}

// The names of a folder's entries, hidden ones included.
std::vector<std::string> entries(const std::filesystem::path& dir);

// A test suite sharing one TestServer serving tiny_mp4(1) and tiny_mp4(2).
class WithTestServer : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  static TestServer* server_;
};

}  // namespace tw::test
