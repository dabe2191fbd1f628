// `trendwatch target add|list|show|remove`, run as the real binary.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cli/cli_fixture.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace tw::test;

TEST(TargetCli, AddListShowRemove) {
  fs::path home = fresh_home("cli-target");
  enroll_jesper(home);
  fs::path file = home / "targets" / "jesper.json";
  ASSERT_TRUE(fs::exists(file));

  RunResult list = run_in(home, {"target", "list", "--format", "json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  json listed = json::parse(list.out);
  ASSERT_EQ(listed["targets"].size(), 1u);
  EXPECT_EQ(listed["targets"][0]["name"], "jesper");
  EXPECT_EQ(listed["targets"][0]["kind"], "face");
  EXPECT_EQ(listed["targets"][0]["descriptors"].get<std::size_t>(), jesper_photo_paths().size());
  std::string version = listed["set_version"];
  EXPECT_EQ(version.size(), 64u);

  RunResult show = run_in(home, {"target", "show", "jesper"});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_NE(show.out.find("jesper.jpg"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("threshold:"), std::string::npos) << show.out;

  RunResult text = run_in(home, {"target", "list"});
  EXPECT_NE(text.out.find("jesper"), std::string::npos);

  // Same name again: refused without --force, the file untouched.
  RunResult again = run_in(home, {"target", "add", "jesper", "--photos", jesper_photo_paths()[0]});
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.err.find("--force"), std::string::npos) << again.err;

  RunResult forced =
      run_in(home, {"target", "add", "jesper", "--force", "--largest", "--threshold", "0.45",
                    "--photos", jesper_photo_paths()[0], "--format", "json"});
  ASSERT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_NEAR(json::parse(forced.out)["threshold"].get<double>(), 0.45, 1e-6);
  RunResult list2 = run_in(home, {"target", "list", "--format", "json"});
  EXPECT_NE(json::parse(list2.out)["set_version"], version)
      << "re-enrolling changes the set version";

  RunResult removed = run_in(home, {"target", "remove", "jesper"});
  EXPECT_EQ(removed.exit_code, 0) << removed.err;
  EXPECT_FALSE(fs::exists(file));
  RunResult gone = run_in(home, {"target", "show", "jesper"});
  EXPECT_EQ(gone.exit_code, 2);
  EXPECT_NE(gone.err.find("jesper: no such target"), std::string::npos) << gone.err;
}

TEST(TargetCli, APhotoWithoutAFaceIsNamedAndNothingIsSaved) {
  fs::path home = fresh_home("cli-noface");
  fs::path flag = testdata_dir() / "usr/share/iso-flags-png-320x240/dk.png";
  ASSERT_TRUE(fs::exists(flag));
  RunResult r = run_in(home, {"target", "add", "jesper", "--largest", "--photos",
                              jesper_photo_paths()[0], flag.string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(flag.string() + ": no face found"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(home / "targets" / "jesper.json"));
}

TEST(TargetCli, SeveralFacesNeedLargest) {
  fs::path home = fresh_home("cli-several");
  fs::path group = face_api_dir() / "demo" / "sample1.jpg";
  RunResult refused = run_in(home, {"target", "add", "group", "--photos", group.string()});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("faces found"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("--largest"), std::string::npos) << refused.err;
  RunResult taken =
      run_in(home, {"target", "add", "group", "--largest", "--photos", group.string()});
  EXPECT_EQ(taken.exit_code, 0) << taken.err;
}

TEST(TargetCli, BadNamesAndMissingPhotosAreRefused) {
  fs::path home = fresh_home("cli-badname");
  RunResult slash = run_in(home, {"target", "add", "../evil", "--photos", jesper_photo_paths()[0]});
  EXPECT_EQ(slash.exit_code, 2);
  EXPECT_NE(slash.err.find("../evil"), std::string::npos) << slash.err;
  EXPECT_FALSE(fs::exists(home / "evil.json"));
  RunResult missing = run_in(home, {"target", "add", "x", "--photos", "/nonexistent/photo.jpg"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("/nonexistent/photo.jpg"), std::string::npos) << missing.err;
}

TEST(TargetCli, DuplicatePhotosAreWarnedAbout) {
  fs::path home = fresh_home("cli-dup");
  fs::path copy = home / "copy.jpg";
  fs::copy_file(jesper_photo_paths()[0], copy);
  RunResult r = run_in(home, {"target", "add", "jesper", "--largest", "--photos",
                              jesper_photo_paths()[0], copy.string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("warning: " + copy.string() + ": same file as"), std::string::npos) << r.err;
}
