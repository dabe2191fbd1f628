// The dashboard over a store that a real scan filled: jesper enrolled from the
// kphotoalbum photos, `trendwatch watch --once` on a folder holding movie.avi
// (Jesper talks to the camera), then `trendwatch serve` and headless Chromium.
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <fstream>

#include "server/browser_check.h"
#include "server/serve_process.h"
#include "store/store.h"
#include "support/test_support.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

fs::path kphotoalbum() {
  return tw::test::testdata_dir() / "usr/share/kphotoalbum/demo";
}

TEST(DashboardRealScan, ShowsWhatWatchFoundAndStoresTheConfirm) {
  ASSERT_TRUE(tw::test::browser_tools_ready());
  ASSERT_TRUE(fs::exists(tw::test::home_dir() / "models"))
      << "the models fixture (models.install_for_tests) has not run";
  const fs::path work = tw::test::fresh_dir("dashboard-real-scan");
  const fs::path home = work / "home";
  fs::create_directories(home);
  fs::create_directory_symlink(tw::test::home_dir() / "models", home / "models");
  const std::string home_env = "TRENDWATCH_HOME=" + home.string();

  // Photos in which kphotoalbum's index.xml names Jesper alone, shown upright.
  std::vector<std::string> enroll{"target", "add", "jesper", "--largest", "--photos"};
  for (const char* photo : {"jesper.jpg", "jesper_2.jpg", "pool.jpg", "cold_water.jpg",
                            "grand_canyon_2.jpg", "new_wave_2.jpg"})
    enroll.push_back((kphotoalbum() / photo).string());
  auto r = tw::test::run_trendwatch(enroll, {home_env}, 300);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;

  // A folder source with the clip, old enough to count as fully written.
  const fs::path videos = work / "videos";
  fs::create_directories(videos);
  fs::copy_file(kphotoalbum() / "movie.avi", videos / "movie.avi");
  fs::last_write_time(videos / "movie.avi",
                      fs::file_time_type::clock::now() - std::chrono::hours(1));
  const fs::path db = work / "trendwatch.db";
  const fs::path config = work / "trendwatch.toml";
  std::ofstream(config) << "[store]\nurl = \"sqlite://" << db.string() << "\"\n\n"
                        << "[[source]]\nname = \"clips\"\nkind = \"folder\"\nlocation = \""
                        << videos.string() << "\"\n";
  r = tw::test::run_trendwatch({"watch", "--config", config.string(), "--once"}, {home_env}, 300);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;

  auto store = tw::store::open_store(db.string());
  auto found = store->appearances({});
  ASSERT_GE(found.size(), 1u) << r.err;
  // The longest stretch of Jesper on screen is the one to review.
  const auto& appearance = *std::max_element(found.begin(), found.end(), [](auto& a, auto& b) {
    return a.appearance.end - a.appearance.start < b.appearance.end - b.appearance.start;
  });
  ASSERT_EQ(appearance.appearance.target, "jesper");
  ASSERT_FALSE(appearance.appearance.evidence_crop.empty());

  // serve takes the store from the config and the evidence from the home.
  tw::test::ServeProcess serve({"--config", config.string(), "--listen", "127.0.0.1:0"},
                               {home_env, "TRENDWATCH_TOKEN="});
  json result = tw::test::run_browser_check(
      serve.loopback_url(), {{"thumbnail", appearance.id}, {"confirm", appearance.id}});
  ASSERT_EQ(result["rows"].size(), found.size()) << result.dump(2);
  for (const auto& row : result["rows"]) {
    EXPECT_EQ(row["target"], "jesper");
    EXPECT_EQ(row["title"], "movie.avi");
  }
  EXPECT_GT(result["thumbnail"]["natural_width"].get<int>(), 0);
  EXPECT_EQ(result["confirm"]["badge"], "confirmed");
  EXPECT_EQ(store->appearance(appearance.id)->verdict, tw::store::Verdict::confirmed);
  EXPECT_EQ(result["dialog_count"], 0);
  EXPECT_EQ(serve.stop(), 0) << serve.output();
}

}  // namespace
