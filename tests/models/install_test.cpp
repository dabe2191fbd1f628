// `trendwatch models install`: imports from a folder, and names the input
// file when one is missing or truncated.
#include <gtest/gtest.h>

#include <fstream>

#include "core/hash.h"
#include "models/model_dir.h"
#include "support/test_support.h"

namespace fs = std::filesystem;

namespace {

// A copy of face-api's weights for the three face models.
fs::path copy_of_face_api_weights(const std::string& hint) {
  const fs::path dir = tw::test::fresh_dir(hint);
  for (const char* stem :
       {"ssd_mobilenetv1_model", "face_landmark_68_model", "face_recognition_model"}) {
    for (const std::string suffix : {"-weights_manifest.json", ".bin"})
      fs::copy_file(tw::test::face_api_dir() / "model" / (stem + suffix), dir / (stem + suffix));
  }
  return dir;
}

}  // namespace

TEST(ModelsInstall, InstallsAllThreeWithChecksumsOfInputsAndOutputs) {
  const fs::path from = copy_of_face_api_weights("install-ok-from");
  const fs::path home = tw::test::fresh_dir("install-ok-home");
  const auto r = tw::test::run_trendwatch({"models", "install", "--from", from.string()},
                                          {"TRENDWATCH_HOME=" + home.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto dir = tw::models::ModelDir::open(home / "models");
  ASSERT_EQ(dir.entries().size(), 3u);
  for (const auto& [name, entry] : dir.entries()) {
    EXPECT_EQ(entry.sha256, tw::sha256_file(home / "models" / entry.file)) << name;
    for (const auto& [input, sha] : entry.sources)
      EXPECT_EQ(sha, tw::sha256_file(from / input)) << input;
  }
  EXPECT_EQ(dir.entries().at("face_recognition").sources.count("face_recognition_model.bin"), 1u);
}

TEST(ModelsInstall, MissingWeightFileIsNamed) {
  const fs::path from = copy_of_face_api_weights("install-missing-from");
  fs::remove(from / "face_landmark_68_model.bin");
  const fs::path home = tw::test::fresh_dir("install-missing-home");
  const auto r = tw::test::run_trendwatch({"models", "install", "--from", from.string()},
                                          {"TRENDWATCH_HOME=" + home.string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(
      r.err.find((from / "face_landmark_68_model.bin").string() + ": weights file is missing"),
      std::string::npos)
      << r.err;
  // The other models were still installed, and only they are in the manifest.
  const auto dir = tw::models::ModelDir::open(home / "models");
  EXPECT_EQ(dir.entries().count("face_landmark_68"), 0u);
  EXPECT_EQ(dir.entries().count("face_recognition"), 1u);
  EXPECT_EQ(dir.entries().count("ssd_mobilenetv1"), 1u);
}

TEST(ModelsInstall, TruncatedWeightFileIsNamed) {
  const fs::path from = copy_of_face_api_weights("install-truncated-from");
  fs::resize_file(from / "face_recognition_model.bin", 100000);
  const fs::path home = tw::test::fresh_dir("install-truncated-home");
  const auto r = tw::test::run_trendwatch({"models", "install", "--from", from.string()},
                                          {"TRENDWATCH_HOME=" + home.string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find((from / "face_recognition_model.bin").string() + ": too short"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(home / "models" / "face_recognition.onnx"));
}

TEST(ModelsInstall, FolderWithoutWeightsOrMissingFolderIsAnError) {
  const fs::path home = tw::test::fresh_dir("install-nofolder-home");
  const fs::path absent = tw::test::fresh_dir("install-absent") / "nope";
  auto r = tw::test::run_trendwatch({"models", "install", "--from", absent.string()},
                                    {"TRENDWATCH_HOME=" + home.string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(absent.string() + ": does not exist"), std::string::npos) << r.err;

  const fs::path empty = tw::test::fresh_dir("install-empty");
  r = tw::test::run_trendwatch({"models", "install", "--from", empty.string()},
                               {"TRENDWATCH_HOME=" + home.string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("ssd_mobilenetv1_model-weights_manifest.json: weights manifest is missing"),
            std::string::npos)
      << r.err;
}
