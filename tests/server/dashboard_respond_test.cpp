// DashboardServer::respond (the socket-less entry the fuzz target drives)
// answers like a connection does, and what the dashboard fuzz target found:
// text that is not UTF-8 (a Host header quoted in an error, a stranger's
// title in the store) made the JSON dump throw, and the answer was a 500.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "server/dashboard.h"
#include "support/test_support.h"

using nlohmann::json;

namespace {

struct Answer {
  int status = 0;
  json body;
};

Answer answer_of(const std::string& response) {
  Answer a;
  if (response.rfind("HTTP/1.1 ", 0) == 0) a.status = std::stoi(response.substr(9, 3));
  const size_t body = response.find("\r\n\r\n");
  if (body != std::string::npos) a.body = json::parse(response.substr(body + 4), nullptr, false);
  return a;
}

class DashboardRespond : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto dir = tw::test::fresh_dir("dashboard-respond");
    store_ = tw::store::open_store("sqlite://" + (dir / "trendwatch.db").string());
    tw::server::ServerOptions options;
    options.evidence_root = dir;
    server_ = std::make_unique<tw::server::DashboardServer>(*store_, options);
  }
  std::unique_ptr<tw::store::Store> store_;
  std::unique_ptr<tw::server::DashboardServer> server_;
};

TEST_F(DashboardRespond, AnswersLikeAConnection) {
  Answer a = answer_of(
      server_->respond("GET /api/appearances?limit=7 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n"));
  EXPECT_EQ(a.status, 200);
  EXPECT_EQ(a.body["limit"], 7);
  a = answer_of(
      server_->respond("GET /api/appearances?limit=0 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n"));
  EXPECT_EQ(a.status, 400);
  EXPECT_EQ(
      answer_of(server_->respond("GET /api/targets HTTP/1.1\r\nHost: evil.example\r\n\r\n")).status,
      403);
}

TEST_F(DashboardRespond, TextThatIsNotUtf8IsNeverA500) {
  // The fuzz target's input (tests/data/fuzz/dashboard/crash-invalid-utf8-in-host).
  const std::string request = tw::test::read_file(tw::test::source_dir() /
                                                  "tests/data/fuzz/dashboard/"
                                                  "crash-invalid-utf8-in-host");
  ASSERT_NE(request.find("Host: 127.0\x8f"), std::string::npos);
  Answer refused = answer_of(server_->respond(request));
  EXPECT_EQ(refused.status, 403);
  EXPECT_TRUE(refused.body.is_object() && refused.body.contains("error")) << refused.body;

  // A stranger's title and author that are not UTF-8, as listed.
  tw::VideoRef video;
  video.platform = "tiktok";
  video.id = "1";
  video.url = "https://www.tiktok.com/@x/video/1";
  video.title = "caf\xe9 \xff\xfe";
  video.author = "\xc3";
  video.source = "feed";
  store_->enqueue_video(video);
  Answer shown =
      answer_of(server_->respond("GET /api/videos/1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
  EXPECT_EQ(shown.status, 200);
  const std::string title = shown.body["video"].value("title", "");
  EXPECT_EQ(title.rfind("caf\xef\xbf\xbd", 0), 0u) << title;  // U+FFFD for each bad byte
}

}  // namespace
