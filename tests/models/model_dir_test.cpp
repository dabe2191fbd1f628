// Model directory: checksums on load, and the clear error a missing or
// damaged file gets, in the library and through `models list`.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <opencv2/dnn.hpp>

#include <fstream>

#include "core/errors.h"
#include "models/install.h"
#include "models/model_dir.h"
#include "support/test_support.h"

namespace fs = std::filesystem;
using tw::models::ModelDir;

namespace {

// A private copy of the installed test models, so a test may damage it.
fs::path copy_of_installed_models(const std::string& hint) {
  const fs::path home = tw::test::fresh_dir(hint);
  fs::copy(tw::test::home_dir() / "models", home / "models", fs::copy_options::recursive);
  return home;
}

std::string load_error(const fs::path& models_dir, const std::string& name) {
  try {
    ModelDir::open(models_dir).load_net(name);
  } catch (const tw::InputError& e) {
    return e.what();
  }
  return "(loaded without error)";
}

void flip_one_byte(const fs::path& file, std::streamoff at) {
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(at);
  char c = 0;
  f.get(c);
  f.seekp(at);
  f.put(static_cast<char>(c ^ 0x5a));
}

}  // namespace

TEST(ModelDir, InstalledModelsVerifyAndLoad) {
  const ModelDir dir = ModelDir::open(tw::test::home_dir() / "models");
  for (const auto& spec : tw::models::face_model_specs()) {
    ASSERT_TRUE(dir.entries().count(spec.name)) << spec.name;
    const auto& entry = dir.entries().at(spec.name);
    EXPECT_EQ(entry.sha256.size(), 64u);
    EXPECT_EQ(entry.sources.size(), 2u) << "manifest JSON and .bin of " << spec.name;
    EXPECT_TRUE(fs::exists(dir.verified_path(spec.name)));
  }
  EXPECT_FALSE(dir.load_net(tw::models::kFaceRecognition).empty());
}

TEST(ModelDir, DeletedModelIsNamedWithTheRepair) {
  const fs::path home = copy_of_installed_models("model-deleted");
  fs::remove(home / "models" / "face_recognition.onnx");
  const std::string error = load_error(home / "models", tw::models::kFaceRecognition);
  EXPECT_NE(error.find("face_recognition.onnx"), std::string::npos) << error;
  EXPECT_NE(error.find("missing"), std::string::npos) << error;
  EXPECT_NE(error.find("models install"), std::string::npos) << error;

  const auto r = tw::test::run_trendwatch({"models", "list"}, {"TRENDWATCH_HOME=" + home.string()});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.out.find("missing"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("face_recognition.onnx: is missing"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("models install"), std::string::npos) << r.err;
}

TEST(ModelDir, ByteFlippedModelIsDamaged) {
  const fs::path home = copy_of_installed_models("model-flipped");
  flip_one_byte(home / "models" / "ssd_mobilenetv1.onnx", 5000);
  const std::string error = load_error(home / "models", tw::models::kFaceDetector);
  EXPECT_NE(error.find("ssd_mobilenetv1.onnx: is damaged"), std::string::npos) << error;
  EXPECT_NE(error.find("models install"), std::string::npos) << error;
  // The other models still load.
  EXPECT_EQ(load_error(home / "models", tw::models::kFaceRecognition), "(loaded without error)");

  const auto r = tw::test::run_trendwatch({"models", "list", "--format", "json"},
                                          {"TRENDWATCH_HOME=" + home.string()});
  EXPECT_EQ(r.exit_code, 2);
  const auto listed = nlohmann::json::parse(r.out);
  for (const auto& m : listed.at("models"))
    EXPECT_EQ(m.at("status"), m.at("name") == tw::models::kFaceDetector ? "damaged" : "ok") << m;
  EXPECT_NE(r.err.find("ssd_mobilenetv1.onnx: is damaged"), std::string::npos) << r.err;
}

TEST(ModelDir, MissingOrBrokenManifestSaysToInstall) {
  const fs::path empty = tw::test::fresh_dir("model-empty");
  const std::string error = load_error(empty, tw::models::kFaceRecognition);
  EXPECT_NE(error.find("manifest.json"), std::string::npos) << error;
  EXPECT_NE(error.find("models install"), std::string::npos) << error;

  std::ofstream(empty / "manifest.json") << "{\"models\": ";
  const std::string broken = load_error(empty, tw::models::kFaceRecognition);
  EXPECT_NE(broken.find("manifest.json: is damaged"), std::string::npos) << broken;
}

TEST(ModelsCli, ListShowsInstalledModels) {
  const auto r = tw::test::run_trendwatch({"models", "list"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const ModelDir dir = ModelDir::open(tw::test::home_dir() / "models");
  for (const auto& [name, entry] : dir.entries()) {
    EXPECT_NE(r.out.find(name), std::string::npos);
    EXPECT_NE(r.out.find(entry.sha256.substr(0, 12)), std::string::npos);
  }
  EXPECT_EQ(r.err, "");
}
