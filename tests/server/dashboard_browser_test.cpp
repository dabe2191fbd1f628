// The dashboard in a real browser: Debian's headless Chromium driven by
// playwright-core (tools/browser/dashboard_check.js) against `trendwatch serve`
// on 127.0.0.1, over a store filled with realistic rows and real evidence JPEGs.
//
// TW_SCREENSHOT_DIR=/path makes the first test leave the page screenshots there
// (docs/screenshots/ are made that way; see docs/dashboard.md).
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>

#include "server/browser_check.h"
#include "server/demo_store.h"
#include "server/serve_process.h"
#include "support/test_support.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const json* row_of(const json& result, const std::string& id) {
  for (const auto& row : result["rows"])
    if (row["id"] == id) return &row;
  return nullptr;
}

class DashboardBrowser : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(tw::test::browser_tools_ready());
    demo_ = tw::test::make_demo_store(tw::test::fresh_dir("dashboard-browser"));
  }
  std::vector<std::string> serve_args(const std::string& listen) const {
    return {"--db",       "sqlite://" + demo_.database.string(),
            "--evidence", demo_.evidence_root.string(),
            "--listen",   listen};
  }
  tw::test::DemoStore demo_;
};

TEST_F(DashboardBrowser, ShowsAppearancesStoresAConfirmAndRendersHostileTitlesAsText) {
  tw::test::ServeProcess serve(serve_args("127.0.0.1:0"), {"TRENDWATCH_TOKEN="});
  const char* wanted_dir = std::getenv("TW_SCREENSHOT_DIR");
  const fs::path screenshots = wanted_dir && *wanted_dir ? fs::path(wanted_dir) : demo_.dir / "png";
  json result =
      tw::test::run_browser_check(serve.loopback_url(), {{"thumbnail", demo_.movie_appearance},
                                                         {"confirm", demo_.movie_appearance},
                                                         {"hostile_video", demo_.hostile_video},
                                                         {"timeline_video", demo_.harbour_video},
                                                         {"screenshots", screenshots.string()}});

  // The known appearance is listed, with its facts, and its thumbnail loads.
  ASSERT_EQ(result["rows"].size(), 6u) << result.dump(2);
  const json* movie = row_of(result, demo_.movie_appearance);
  ASSERT_NE(movie, nullptr);
  EXPECT_EQ((*movie)["target"], "jesper");
  EXPECT_EQ((*movie)["title"], "Sound card test: \"Hi, my name is Linus\"");
  EXPECT_EQ((*movie)["author"], "kphotoalbum demo");
  EXPECT_EQ((*movie)["when"], "0:00.4–0:02.8");
  EXPECT_EQ((*movie)["score"], "82%");
  EXPECT_EQ(result["thumbnail"]["natural_width"], 70);  // the 70x80 crop written by the scan
  EXPECT_EQ(result["thumbnail"]["natural_height"], 80);

  // Clicking Confirm stored the verdict: the store and the API say so.
  EXPECT_EQ(result["confirm_response_status"], 200);
  EXPECT_EQ(result["confirm"]["badge"], "confirmed");
  auto stored = demo_.store->appearance(demo_.movie_appearance);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->verdict, tw::store::Verdict::confirmed);
  httplib::Client api("127.0.0.1", serve.port());
  api.set_read_timeout(10);
  auto res = api.Get(("/api/appearances/" + demo_.movie_appearance).c_str());
  ASSERT_TRUE(res);
  EXPECT_EQ(json::parse(res->body)["verdict"], "confirmed");

  // The timeline draws each target's intervals over the 14.2 s video.
  ASSERT_EQ(result["timeline"]["lanes"].size(), 3u);
  const json& jesper_lane = result["timeline"]["lanes"][0];
  EXPECT_EQ(jesper_lane["target"], "jesper");
  ASSERT_EQ(jesper_lane["bars"].size(), 2u);
  EXPECT_NEAR(jesper_lane["bars"][0]["left"].get<double>(), 3.0 / 14.2 * 100, 0.01);
  EXPECT_NEAR(jesper_lane["bars"][0]["width"].get<double>(), 2.0 / 14.2 * 100, 0.01);
  EXPECT_EQ(jesper_lane["bars"][1]["verdict"], "dismissed");
  EXPECT_EQ(result["timeline"]["preview_width"], 800);  // the full evidence frame

  // A title that is a script tag is shown as text, and nothing ran.
  const json* hostile = row_of(result, demo_.hostile_appearance);
  ASSERT_NE(hostile, nullptr);
  EXPECT_EQ((*hostile)["title"], "<script>alert(1)</script>");
  EXPECT_EQ((*hostile)["author"], "<img src=x onerror=alert(2)>");
  EXPECT_EQ(result["hostile"]["title_text"], "<script>alert(1)</script>");
  EXPECT_EQ(result["hostile"]["title_visible"], true);
  EXPECT_EQ(result["hostile"]["author_text"], "<img src=x onerror=alert(2)>");
  EXPECT_EQ(result["hostile"]["scripts_in_view"], 0);
  EXPECT_EQ(result["hostile"]["images_outside_thumbnails"], 0);
  for (const auto& link : result["hostile"]["links"])
    EXPECT_EQ(link.get<std::string>().find("javascript:"), std::string::npos) << link;
  EXPECT_EQ(result["dialog_count"], 0) << result["dialogs"].dump();
  EXPECT_EQ(result["page_errors"].size(), 0u) << result["page_errors"].dump();
  EXPECT_EQ(result["console_errors"].size(), 0u) << result["console_errors"].dump();

  for (const char* page : {"latest", "targets", "target", "video", "sources"}) {
    const fs::path png = screenshots / (std::string(page) + ".png");
    ASSERT_TRUE(fs::exists(png)) << png;
    EXPECT_GT(fs::file_size(png), 10000u) << png;
  }
  EXPECT_EQ(serve.stop(), 0) << serve.output();
}

TEST_F(DashboardBrowser, RefusesABrowserWithoutTheTokenOnAnOpenListen) {
  // Listens on every interface, so a token is required; reached over 127.0.0.1.
  const std::string token = "browser-token-5c2b";
  tw::test::ServeProcess serve(serve_args("0.0.0.0:0"), {"TRENDWATCH_TOKEN=" + token});
  json result = tw::test::run_browser_check(
      serve.loopback_url(), {{"token", token}, {"thumbnail", demo_.movie_appearance}});
  EXPECT_EQ(result["without_token"]["page_status"], 401);
  EXPECT_EQ(result["without_token"]["heading"], "This dashboard needs a token");
  EXPECT_EQ(result["without_token"]["api_status"], 401);
  EXPECT_EQ(result["with_token"]["page_status"], 200);
  // Once given, the token leaves the address bar; the API and images use the header.
  EXPECT_EQ(result["address_after_load"].get<std::string>().find("token"), std::string::npos);
  EXPECT_EQ(result["rows"].size(), 6u);
  EXPECT_EQ(result["thumbnail"]["src_scheme"], "blob");
  EXPECT_EQ(result["thumbnail"]["natural_width"], 70);
  EXPECT_EQ(result["dialog_count"], 0);
  EXPECT_EQ(serve.stop(), 0) << serve.output();
}

}  // namespace
