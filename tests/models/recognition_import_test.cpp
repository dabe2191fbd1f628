// The imported face_recognition net, run directly in cv::dnn: the same
// numbers as face-api on its fixture crops, and batches equal to singles.
#include <gtest/gtest.h>
#include <opencv2/dnn.hpp>
#include <opencv2/imgcodecs.hpp>

#include <nlohmann/json.hpp>

#include <fstream>

#include "core/errors.h"
#include "models/importers.h"
#include "models/model_dir.h"
#include "support/test_support.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

fs::path golden_dir() {
  return tw::test::source_dir() / "tests" / "data" / "golden";
}

// face-api's preprocessing: RGB, minus the mean, divided by 255.
cv::Mat blob_of(const std::vector<cv::Mat>& bgr_crops) {
  return cv::dnn::blobFromImages(bgr_crops, 1.0 / 255, cv::Size(150, 150),
                                 cv::Scalar(122.782, 117.001, 104.298), true, false);
}

}  // namespace

TEST(RecognitionImport, ReproducesFaceApiDescriptorsSingleAndBatched) {
  std::ifstream in(golden_dir() / "descriptors.json");
  ASSERT_TRUE(in) << "missing fixture " << (golden_dir() / "descriptors.json");
  const json golden = json::parse(in);

  // Import afresh into a temporary folder (what `models install` does).
  const fs::path onnx = tw::test::fresh_dir("recognition-import") / "face_recognition.onnx";
  tw::models::import_face_recognition(tw::test::face_api_dir() / "model", onnx);
  cv::dnn::Net net = cv::dnn::readNetFromONNX(onnx.string());

  std::vector<cv::Mat> crops;
  std::vector<std::vector<float>> expected;
  for (const json& crop : golden.at("crops")) {
    cv::Mat image = cv::imread((golden_dir() / crop.at("file").get<std::string>()).string());
    ASSERT_FALSE(image.empty()) << crop.at("file");
    ASSERT_EQ(image.size(), cv::Size(150, 150));
    crops.push_back(image);
    expected.push_back(crop.at("descriptor").get<std::vector<float>>());
  }
  ASSERT_GE(crops.size(), 8u);

  net.setInput(blob_of(crops));
  const cv::Mat batch = net.forward().clone();
  ASSERT_EQ(batch.size[0], static_cast<int>(crops.size()));
  ASSERT_EQ(batch.size[1], 128);

  double worst_golden = 0, worst_batch = 0;
  for (size_t i = 0; i < crops.size(); ++i) {
    net.setInput(blob_of({crops[i]}));
    const cv::Mat single = net.forward();
    for (int j = 0; j < 128; ++j) {
      worst_golden =
          std::max(worst_golden, double(std::abs(single.at<float>(0, j) - expected[i][j])));
      worst_batch = std::max(
          worst_batch,
          double(std::abs(single.at<float>(0, j) - batch.at<float>(static_cast<int>(i), j))));
    }
  }
  std::cout << "[recognition] max |C++ - face-api| = " << worst_golden
            << ", max |batch - single| = " << worst_batch << "\n";
  EXPECT_LE(worst_golden, 1e-4);
  EXPECT_LE(worst_batch, 1e-5);
}

TEST(RecognitionImport, MissingWeightsNameTheFile) {
  const fs::path from = tw::test::fresh_dir("recognition-missing");
  fs::copy_file(tw::test::face_api_dir() / "model" / "face_recognition_model-weights_manifest.json",
                from / "face_recognition_model-weights_manifest.json");
  const fs::path out = from / "out.onnx";
  try {
    tw::models::import_face_recognition(from, out);
    FAIL() << "import without the .bin succeeded";
  } catch (const tw::InputError& e) {
    EXPECT_NE(std::string(e.what()).find("face_recognition_model.bin"), std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(fs::exists(out));
}
