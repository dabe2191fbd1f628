// `trendwatch scan` with the speed options, run as the real binary: --jobs
// keeps the output in input order, --min-face changes the detector input,
// --first-hit stops early, --approximate finds the face, and the JSON
// timings include classify.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <sstream>

#include "cli/cli_fixture.h"
#include "scan/scan_clips.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace tw;

namespace {

fs::path anne_home() {
  static fs::path home = [] {
    fs::path h = test::fresh_home("scan-speed-cli");
    test::RunResult r = test::run_in(
        h, {"target", "add", "anne", "--photos", test::demo_photo("anne_helene.jpg").string()});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    return h;
  }();
  return home;
}

}  // namespace

TEST(ScanSpeedCli, JobsKeepTheInputOrderAndEachResult) {
  fs::path cut = test::make_clip(test::cut_right_after_a_face_appears().spec);
  fs::path cameo = test::make_clip(test::cameo_between_static_shots().spec);
  fs::path strangers = test::make_clip(test::strangers_only().spec);
  fs::path missing = test::fresh_dir("scan-speed-cli-missing") / "missing.mp4";
  std::vector<std::string> inputs = {strangers.string(), cut.string(), missing.string(),
                                     cameo.string()};
  std::vector<std::string> args = {"scan"};
  args.insert(args.end(), inputs.begin(), inputs.end());
  for (std::string a : {"--jobs", "2", "--format", "json"}) args.push_back(a);
  test::RunResult r = test::run_in(anne_home(), args);
  EXPECT_EQ(r.exit_code, 2) << "one input is missing: " << r.err;
  auto lines = test::json_lines(r.out);
  ASSERT_EQ(lines.size(), inputs.size()) << r.out;
  for (std::size_t i = 0; i < inputs.size(); ++i) EXPECT_EQ(lines[i]["input"], inputs[i]);
  EXPECT_TRUE(lines[0]["appearances"].empty());
  ASSERT_EQ(lines[1]["appearances"].size(), 1u);
  EXPECT_NEAR(lines[1]["appearances"][0]["start"].get<double>(), 2.0, 0.4);
  EXPECT_TRUE(lines[2].contains("error"));
  ASSERT_EQ(lines[3]["appearances"].size(), 1u);
  EXPECT_NEAR(lines[3]["appearances"][0]["start"].get<double>(), 3.0, 0.4);
  EXPECT_TRUE(lines[1]["timings"].contains("classify"));
  EXPECT_EQ(lines[1]["detector_input"], 320);
  EXPECT_LT(lines[3]["frames_analyzed"].get<int>(), lines[3]["frames_sampled"].get<int>());
}

TEST(ScanSpeedCli, MinFaceAndFirstHit) {
  fs::path cut = test::make_clip(test::cut_right_after_a_face_appears().spec);
  test::RunResult r = test::run_in(
      anne_home(), {"scan", cut.string(), "--min-face", "100", "--first-hit", "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto lines = test::json_lines(r.out);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["detector_input"], 224);
  EXPECT_TRUE(lines[0]["stopped_early"].get<bool>());
  ASSERT_EQ(lines[0]["appearances"].size(), 1u);
  EXPECT_NEAR(lines[0]["appearances"][0]["start"].get<double>(), 2.0, 0.4);
  EXPECT_LT(lines[0]["frames_sampled"].get<int>(), 20) << "the 5.5 s clip has 28";

  test::RunResult bad = test::run_in(anne_home(), {"scan", cut.string(), "--min-face", "-3"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--min-face"), std::string::npos) << bad.err;
}

TEST(ScanSpeedCli, ApproximateFindsTheFaceAndIsNotForTheReferencePath) {
  fs::path cut = test::make_clip(test::cut_right_after_a_face_appears().spec);
  test::RunResult r =
      test::run_in(anne_home(), {"scan", cut.string(), "--approximate", "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto lines = test::json_lines(r.out);
  ASSERT_EQ(lines.size(), 1u);
  ASSERT_EQ(lines[0]["appearances"].size(), 1u);
  EXPECT_NEAR(lines[0]["appearances"][0]["start"].get<double>(), 2.0, 0.4);

  test::RunResult bad =
      test::run_in(anne_home(), {"scan", cut.string(), "--approximate", "--exhaustive"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--approximate"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("--exhaustive"), std::string::npos) << bad.err;
}

// Track decisions (the default) report each appearance's track figures;
// `--decide frame` decides each frame alone and reports none.
TEST(ScanSpeedCli, DecideTrackReportsTheTrackAndDecideFrameDoesNot) {
  fs::path cut = test::make_clip(test::cut_right_after_a_face_appears().spec);
  test::RunResult r = test::run_in(anne_home(), {"scan", cut.string(), "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto lines = test::json_lines(r.out);
  ASSERT_EQ(lines.size(), 1u);
  ASSERT_EQ(lines[0]["appearances"].size(), 1u);
  const json& a = lines[0]["appearances"][0];
  ASSERT_TRUE(a["track"].is_object()) << a.dump();
  EXPECT_EQ(a["track"]["tracks"], 1);
  EXPECT_EQ(a["track"]["frames"], a["frames"]);
  EXPECT_GE(a["track"]["matched_frames"].get<int>(), 1);
  EXPECT_LE(a["track"]["matched_frames"].get<int>(), a["frames"].get<int>());
  EXPECT_GT(a["track"]["template_score"].get<double>(), 0.5);
  EXPECT_LT(a["track"]["template_distance"].get<double>(), 0.55);

  test::RunResult f =
      test::run_in(anne_home(), {"scan", cut.string(), "--decide", "frame", "--format", "json"});
  ASSERT_EQ(f.exit_code, 0) << f.err;
  auto frame_lines = test::json_lines(f.out);
  ASSERT_EQ(frame_lines.size(), 1u);
  ASSERT_EQ(frame_lines[0]["appearances"].size(), 1u);
  EXPECT_TRUE(frame_lines[0]["appearances"][0]["track"].is_null());

  test::RunResult bad = test::run_in(anne_home(), {"scan", cut.string(), "--decide", "clip"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--decide"), std::string::npos) << bad.err;
}
