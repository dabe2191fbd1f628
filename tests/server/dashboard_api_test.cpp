// The dashboard's JSON API against a real SQLite store, over real HTTP on
// 127.0.0.1 (an in-process server on a free port).
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include <fstream>
#include <thread>

#include "core/errors.h"
#include "server/dashboard.h"
#include "server/demo_store.h"
#include "support/test_support.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

class DashboardApi : public ::testing::Test {
 protected:
  void start(const std::string& token = "") {
    demo_ = tw::test::make_demo_store(tw::test::fresh_dir("dashboard-api"));
    tw::server::ServerOptions options;
    options.listen = {"127.0.0.1", 0};
    options.token = token;
    options.evidence_root = demo_.evidence_root;
    server_ = std::make_unique<tw::server::DashboardServer>(*demo_.store, options);
    port_ = server_->bind();
    thread_ = std::thread([this] { server_->serve(); });
    client_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
    client_->set_connection_timeout(5);
    client_->set_read_timeout(10);
  }
  void SetUp() override { start(); }
  void TearDown() override {
    server_->stop();
    thread_.join();
  }

  json get_json(const std::string& path, int expected_status = 200) {
    auto res = client_->Get(path.c_str());
    EXPECT_TRUE(res) << path;
    if (!res) return nullptr;
    EXPECT_EQ(res->status, expected_status) << path << ": " << res->body;
    EXPECT_NE(res->get_header_value("Content-Type").find("application/json"), std::string::npos);
    return json::parse(res->body);
  }
  httplib::Result post_verdict(const std::string& id, const std::string& body) {
    return client_->Post(("/api/appearances/" + id + "/verdict").c_str(), body, "application/json");
  }

  tw::test::DemoStore demo_;
  std::unique_ptr<tw::server::DashboardServer> server_;
  std::thread thread_;
  std::unique_ptr<httplib::Client> client_;
  int port_ = 0;
};

TEST_F(DashboardApi, ListsAppearancesNewestFirstWithVideoAndEvidenceUrls) {
  json body = get_json("/api/appearances");
  ASSERT_TRUE(body["appearances"].is_array());
  const auto& list = body["appearances"];
  ASSERT_EQ(list.size(), 6u);
  EXPECT_EQ(body["limit"], 50);
  EXPECT_EQ(body["offset"], 0);
  // Newest scan first: the hostile video's, then the four of the reunion, then movie.avi.
  EXPECT_EQ(list[0]["id"], demo_.hostile_appearance);
  EXPECT_EQ(list[5]["id"], demo_.movie_appearance);

  const json& movie = list[5];
  EXPECT_EQ(movie["target"], "jesper");
  EXPECT_DOUBLE_EQ(movie["start"].get<double>(), 0.4);
  EXPECT_DOUBLE_EQ(movie["end"].get<double>(), 2.8);
  EXPECT_DOUBLE_EQ(movie["best_time"].get<double>(), 1.6);
  EXPECT_NEAR(movie["score"].get<double>(), 0.82, 1e-6);
  EXPECT_EQ(movie["frames"], 12);
  EXPECT_EQ(movie["box"]["width"], 70);
  EXPECT_EQ(movie["verdict"], "unreviewed");
  EXPECT_TRUE(movie["verdict_at"].is_null());
  EXPECT_EQ(movie["found_at"], "2026-11-20T09:02:00.000Z");
  EXPECT_EQ(movie["video"]["id"], demo_.movie_video);
  EXPECT_EQ(movie["video"]["platform"], "file");
  EXPECT_EQ(movie["video"]["author"], "kphotoalbum demo");
  EXPECT_EQ(movie["video"]["source"], "demo-folder");
  EXPECT_EQ(movie["evidence"]["frame"], "/evidence/" + demo_.movie_appearance + "/frame");
  EXPECT_EQ(movie["evidence"]["crop"], "/evidence/" + demo_.movie_appearance + "/crop");
  // No file system path leaks into the API.
  EXPECT_EQ(body.dump().find(demo_.evidence_root.string()), std::string::npos);
}

TEST_F(DashboardApi, FiltersByTargetVerdictAndPages) {
  json jesper = get_json("/api/appearances?target=jesper");
  ASSERT_EQ(jesper["appearances"].size(), 4u);
  for (const auto& a : jesper["appearances"]) EXPECT_EQ(a["target"], "jesper");

  json dismissed = get_json("/api/appearances?verdict=dismissed");
  ASSERT_EQ(dismissed["appearances"].size(), 1u);
  EXPECT_EQ(dismissed["appearances"][0]["id"], demo_.dismissed_appearance);
  EXPECT_EQ(get_json("/api/appearances?verdict=unreviewed")["appearances"].size(), 4u);
  EXPECT_EQ(get_json("/api/appearances?target=jesper&verdict=unreviewed")["appearances"].size(),
            3u);

  json first = get_json("/api/appearances?limit=2");
  json second = get_json("/api/appearances?limit=2&offset=2");
  ASSERT_EQ(first["appearances"].size(), 2u);
  ASSERT_EQ(second["appearances"].size(), 2u);
  EXPECT_NE(first["appearances"][1]["id"], second["appearances"][0]["id"]);
  EXPECT_EQ(second["offset"], 2);
  EXPECT_EQ(get_json("/api/appearances?target=nobody")["appearances"].size(), 0u);
}

TEST_F(DashboardApi, RejectsBadQueryParametersWith400) {
  for (const char* path : {"/api/appearances?limit=abc", "/api/appearances?limit=0",
                           "/api/appearances?limit=100000", "/api/appearances?offset=-1",
                           "/api/appearances?verdict=maybe", "/api/appearances?video=x"}) {
    json body = get_json(path, 400);
    EXPECT_TRUE(body["error"].is_string()) << path;
  }
}

TEST_F(DashboardApi, ShowsOneAppearanceOr404) {
  json one = get_json("/api/appearances/" + demo_.movie_appearance);
  EXPECT_EQ(one["id"], demo_.movie_appearance);
  EXPECT_EQ(one["video"]["title"], "Sound card test: \"Hi, my name is Linus\"");
  json missing = get_json("/api/appearances/0123456789abcdef", 404);
  EXPECT_EQ(missing["error"], "no such appearance");
}

TEST_F(DashboardApi, StoresAVerdictAndTakesItBack) {
  auto res = post_verdict(demo_.movie_appearance, R"({"verdict": "confirmed"})");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  json answer = json::parse(res->body);
  EXPECT_EQ(answer["verdict"], "confirmed");
  EXPECT_TRUE(answer["verdict_at"].is_string());
  // Stored: the store itself says so, and so does a fresh GET.
  auto stored = demo_.store->appearance(demo_.movie_appearance);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->verdict, tw::store::Verdict::confirmed);
  EXPECT_EQ(get_json("/api/appearances/" + demo_.movie_appearance)["verdict"], "confirmed");

  res = post_verdict(demo_.movie_appearance, R"({"verdict": "dismissed"})");
  ASSERT_TRUE(res);
  EXPECT_EQ(demo_.store->appearance(demo_.movie_appearance)->verdict,
            tw::store::Verdict::dismissed);
  res = post_verdict(demo_.movie_appearance, R"({"verdict": "unreviewed"})");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(demo_.store->appearance(demo_.movie_appearance)->verdict, tw::store::Verdict::none);
}

TEST_F(DashboardApi, RejectsBadVerdictRequests) {
  for (const char* body : {"", "not json", "[1,2]", "{}", R"({"verdict": 1})",
                           R"({"verdict": "maybe"})", R"({"verdict": "Confirmed"})"}) {
    auto res = post_verdict(demo_.movie_appearance, body);
    ASSERT_TRUE(res) << body;
    EXPECT_EQ(res->status, 400) << body;
    EXPECT_TRUE(json::parse(res->body)["error"].is_string()) << body;
  }
  EXPECT_EQ(demo_.store->appearance(demo_.movie_appearance)->verdict, tw::store::Verdict::none);

  auto res = post_verdict("no-such-appearance", R"({"verdict": "confirmed"})");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
  // A body larger than any verdict is refused before it is read.
  res = post_verdict(demo_.movie_appearance, std::string(200 * 1024, ' '));
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 413);
}

TEST_F(DashboardApi, RefusesOtherSitesWhenServingWithoutAToken) {
  // A DNS-rebound name reaching 127.0.0.1 is not answered.
  auto rebound = client_->Get("/api/targets", {{"Host", "evil.example:8080"}});
  ASSERT_TRUE(rebound);
  EXPECT_EQ(rebound->status, 403);
  EXPECT_EQ(rebound->body.find("jesper"), std::string::npos);
  auto named = client_->Get("/api/targets", {{"Host", "localhost:" + std::to_string(port_)}});
  ASSERT_TRUE(named);
  EXPECT_EQ(named->status, 200);

  // A cross-site form (text/plain) or a request from another origin cannot set a verdict.
  const std::string path = "/api/appearances/" + demo_.movie_appearance + "/verdict";
  auto form = client_->Post(path.c_str(), R"({"verdict": "dismissed"})", "text/plain");
  ASSERT_TRUE(form);
  EXPECT_EQ(form->status, 403);
  auto foreign = client_->Post(path.c_str(), {{"Origin", "http://evil.example"}},
                               R"({"verdict": "dismissed"})", "application/json");
  ASSERT_TRUE(foreign);
  EXPECT_EQ(foreign->status, 403);
  EXPECT_EQ(demo_.store->appearance(demo_.movie_appearance)->verdict, tw::store::Verdict::none);

  auto own = client_->Post(path.c_str(), {{"Origin", "http://127.0.0.1:" + std::to_string(port_)}},
                           R"({"verdict": "dismissed"})", "application/json");
  ASSERT_TRUE(own);
  EXPECT_EQ(own->status, 200);
  EXPECT_EQ(demo_.store->appearance(demo_.movie_appearance)->verdict,
            tw::store::Verdict::dismissed);
}

TEST_F(DashboardApi, ShowsAVideoWithItsAppearancesByStartAndItsScans) {
  json body = get_json("/api/videos/" + std::to_string(demo_.harbour_video));
  EXPECT_EQ(body["video"]["id"], demo_.harbour_video);
  EXPECT_EQ(body["video"]["platform_id"], "7301234567890123456");
  EXPECT_DOUBLE_EQ(body["video"]["duration"].get<double>(), 14.2);
  EXPECT_EQ(body["video"]["state"], "done");
  const auto& list = body["appearances"];
  ASSERT_EQ(list.size(), 4u);
  std::vector<std::string> targets;
  for (size_t i = 0; i < list.size(); ++i) {
    targets.push_back(list[i]["target"]);
    if (i > 0) {
      EXPECT_LE(list[i - 1]["start"].get<double>(), list[i]["start"].get<double>());
    }
  }
  EXPECT_EQ(targets, (std::vector<std::string>{"jesper", "wayne", "qt-logo", "jesper"}));
  ASSERT_EQ(body["scans"].size(), 1u);
  EXPECT_EQ(body["scans"][0]["frames_sampled"], 71);
  EXPECT_EQ(body["scans"][0]["status"], "done");

  EXPECT_EQ(get_json("/api/videos/999999", 404)["error"], "no such video");
  get_json("/api/videos/abc", 404);
}

TEST_F(DashboardApi, SummarizesTargetsAndSourcesHealth) {
  json targets = get_json("/api/targets")["targets"];
  ASSERT_EQ(targets.size(), 3u);
  json jesper;
  for (const auto& t : targets)
    if (t["name"] == "jesper") jesper = t;
  ASSERT_TRUE(jesper.is_object());
  EXPECT_EQ(jesper["appearances"], 4);
  EXPECT_EQ(jesper["videos"], 3);
  EXPECT_EQ(jesper["dismissed"], 1);
  EXPECT_EQ(jesper["confirmed"], 0);
  EXPECT_EQ(jesper["unreviewed"], 3);

  json sources = get_json("/api/sources")["sources"];
  ASSERT_EQ(sources.size(), 3u);
  std::map<std::string, json> by_name;
  for (const auto& s : sources) by_name[s["name"]] = s;
  EXPECT_EQ(by_name["demo-folder"]["health"], "ok");
  EXPECT_EQ(by_name["demo-folder"]["videos"], 1);
  EXPECT_EQ(by_name["newsdesk"]["health"], "failing");
  EXPECT_EQ(by_name["newsdesk"]["consecutive_failures"], 2);
  EXPECT_EQ(by_name["newsdesk"]["last_error"], "yt-dlp timed out after 2m");
  EXPECT_EQ(by_name["newsdesk"]["videos"], 3);
  EXPECT_EQ(by_name["trending"]["health"], "never polled");
  EXPECT_TRUE(by_name["trending"]["last_polled"].is_null());
}

TEST_F(DashboardApi, ServesTheEvidenceJpegTheStoreNames) {
  auto stored = demo_.store->appearance(demo_.movie_appearance);
  ASSERT_TRUE(stored);
  for (const char* which : {"frame", "crop"}) {
    auto res = client_->Get(("/evidence/" + demo_.movie_appearance + "/" + which).c_str());
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200);
    EXPECT_EQ(res->get_header_value("Content-Type"), "image/jpeg");
    std::vector<uchar> bytes(res->body.begin(), res->body.end());
    cv::Mat image = cv::imdecode(bytes, cv::IMREAD_COLOR);
    ASSERT_FALSE(image.empty()) << which;
    if (std::string(which) == "frame") {
      EXPECT_EQ(image.cols, 160);
      EXPECT_EQ(image.rows, 120);
    } else {
      EXPECT_EQ(image.cols, 70);
      EXPECT_EQ(image.rows, 80);
    }
  }
  auto res = client_->Get("/evidence/0123456789abcdef/frame");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
}

TEST_F(DashboardApi, RefusesEvidenceOutsideTheEvidenceFolder) {
  // A store row that names a file outside the root (a tampered row, or "..").
  const fs::path outside = demo_.dir / "secret.jpg";
  fs::copy_file(demo_.store->appearance(demo_.movie_appearance)->appearance.evidence_frame,
                outside);
  const fs::path sneaky = demo_.evidence_root / "movie" / ".." / ".." / "secret.jpg";
  fs::create_symlink(outside, demo_.evidence_root / "link.jpg");
  tw::Appearance a;
  a.target = "jesper";
  a.start = 20;
  a.end = 21;
  a.evidence_frame = sneaky.string();
  a.evidence_crop = (demo_.evidence_root / "link.jpg").string();
  auto done = demo_.store->complete_scan(
      {demo_.movie_video, "worker-1", "targets-v3", 0, 0, 1, 4.53, "{}", {a}, {}});
  const std::string id = done.appearance_ids.at(0);

  for (const std::string& path : {"/evidence/" + id + "/frame", "/evidence/" + id + "/crop"}) {
    auto res = client_->Get(path.c_str());
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 404) << path;
    EXPECT_EQ(res->body.find("\xff\xd8"), std::string::npos) << "JPEG bytes leaked: " << path;
  }
  // Paths in the URL are never file paths.
  for (const char* path : {"/evidence/../../etc/passwd", "/evidence/%2e%2e/%2e%2e/etc/passwd",
                           "/evidence/..%2f..%2fsecret.jpg/frame", "/../secret.jpg",
                           "/evidence/movie/jesper-0.4-frame.jpg"}) {
    auto res = client_->Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_GE(res->status, 400) << path;
    EXPECT_EQ(res->body.find("\xff\xd8"), std::string::npos) << path;
  }
  // A non-image file inside the root is not served either.
  std::ofstream(demo_.evidence_root / "notes.txt") << "private";
  a.start = 30;
  a.end = 31;
  a.evidence_frame = (demo_.evidence_root / "notes.txt").string();
  done = demo_.store->complete_scan(
      {demo_.movie_video, "worker-1", "targets-v3", 0, 0, 1, 4.53, "{}", {a}, {}});
  auto res = client_->Get(("/evidence/" + done.appearance_ids.at(0) + "/frame").c_str());
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404);
}

TEST_F(DashboardApi, ServesThePageWithAStrictContentSecurityPolicy) {
  auto res = client_->Get("/");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  EXPECT_NE(res->get_header_value("Content-Type").find("text/html"), std::string::npos);
  const std::string policy = res->get_header_value("Content-Security-Policy");
  EXPECT_NE(policy.find("script-src 'sha256-"), std::string::npos) << policy;
  EXPECT_EQ(policy.find("unsafe-inline"), std::string::npos);
  EXPECT_EQ(res->get_header_value("X-Content-Type-Options"), "nosniff");
  // The page is static: no store data is rendered into it on the server.
  EXPECT_EQ(res->body.find("jesper"), std::string::npos);
  EXPECT_EQ(res->body.find("innerHTML"), std::string::npos);
  EXPECT_EQ(res->body.find("http://"), std::string::npos) << "the page loads nothing remote";
  EXPECT_EQ(res->body.find("https://"), std::string::npos) << "the page loads nothing remote";

  auto unknown = client_->Get("/api/nothing");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
  EXPECT_EQ(json::parse(unknown->body)["error"], "not found");
}

class DashboardApiWithToken : public DashboardApi {
 protected:
  void SetUp() override { start("s3cret-token"); }
};

TEST_F(DashboardApiWithToken, RefusesEveryRequestWithoutTheBearerToken) {
  const std::string evidence = "/evidence/" + demo_.movie_appearance + "/frame";
  const std::vector<std::string> paths{"/api/appearances",
                                       "/api/targets",
                                       "/api/sources",
                                       "/api/appearances/" + demo_.movie_appearance,
                                       "/api/videos/" + std::to_string(demo_.movie_video),
                                       evidence,
                                       "/"};
  for (const auto& path : paths) {
    auto res = client_->Get(path.c_str());
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 401) << path;
    EXPECT_EQ(res->body.find("jesper"), std::string::npos) << path;
    EXPECT_EQ(res->get_header_value("WWW-Authenticate").rfind("Bearer", 0), 0u);
  }
  for (const char* wrong : {"Bearer s3cret-tokeN", "Bearer s3cret-token2", "Bearer ",
                            "s3cret-token", "Basic czNjcmV0LXRva2Vu"}) {
    auto res = client_->Get("/api/targets", {{"Authorization", wrong}});
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 401) << wrong;
  }
  // The token in the address is accepted for the page only.
  auto api = client_->Get("/api/targets?token=s3cret-token");
  ASSERT_TRUE(api);
  EXPECT_EQ(api->status, 401);
  auto page = client_->Get("/?token=s3cret-token");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->body.find("id=\"view\""), std::string::npos);

  auto res = post_verdict(demo_.movie_appearance, R"({"verdict": "confirmed"})");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401);
  EXPECT_EQ(demo_.store->appearance(demo_.movie_appearance)->verdict, tw::store::Verdict::none);
}

TEST_F(DashboardApiWithToken, AcceptsTheBearerTokenEverywhere) {
  client_->set_bearer_token_auth("s3cret-token");
  EXPECT_EQ(get_json("/api/appearances")["appearances"].size(), 6u);
  auto image = client_->Get(("/evidence/" + demo_.movie_appearance + "/crop").c_str());
  ASSERT_TRUE(image);
  EXPECT_EQ(image->status, 200);
  auto page = client_->Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  auto res = post_verdict(demo_.movie_appearance, R"({"verdict": "dismissed"})");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(demo_.store->appearance(demo_.movie_appearance)->verdict,
            tw::store::Verdict::dismissed);
}

TEST(DashboardListen, ParsesAddressesAndKnowsLoopback) {
  auto v4 = tw::server::parse_listen("127.0.0.1:8080");
  EXPECT_EQ(v4.host, "127.0.0.1");
  EXPECT_EQ(v4.port, 8080);
  auto v6 = tw::server::parse_listen("[::1]:0");
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.port, 0);
  for (const char* bad : {"", "8080", "127.0.0.1", ":8080", "127.0.0.1:", "127.0.0.1:http",
                          "127.0.0.1:70000", "127.0.0.1:-1", "::1:80", "[::1]80"})
    EXPECT_THROW(tw::server::parse_listen(bad), tw::InputError) << bad;

  EXPECT_TRUE(tw::server::is_loopback("127.0.0.1"));
  EXPECT_TRUE(tw::server::is_loopback("127.1.2.3"));
  EXPECT_TRUE(tw::server::is_loopback("localhost"));
  EXPECT_TRUE(tw::server::is_loopback("::1"));
  for (const char* open : {"0.0.0.0", "::", "192.168.1.10", "10.0.0.1", "128.0.0.1",
                           "127.0.0.1.example.org", "127.0.0.256", "example.org"})
    EXPECT_FALSE(tw::server::is_loopback(open)) << open;
}

TEST(DashboardListen, RefusesToListenBeyondLoopbackWithoutAToken) {
  auto demo = tw::test::make_demo_store(tw::test::fresh_dir("dashboard-listen"));
  tw::server::ServerOptions options;
  options.listen = {"0.0.0.0", 0};
  EXPECT_THROW(tw::server::DashboardServer(*demo.store, options), tw::InputError);
  options.token = "t";
  EXPECT_NO_THROW(tw::server::DashboardServer(*demo.store, options));
}

}  // namespace
