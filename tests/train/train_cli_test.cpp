// `trendwatch train` through the binary: a tiny ONNX backbone trains a
// target that `target show` explains, `target list` lists by kind, and
// `scan` finds; bad input (an empty or missing folder, positives without a
// face, an ONNX file that is not a model or does not fit the input size)
// gets one line naming the input and exit code 2, and no target is saved.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <fstream>

#include "support/clips.h"
#include "support/test_support.h"
#include "train/tiny_backbone.h"

namespace fs = std::filesystem;
using tw::test::RunResult;

namespace {

fs::path fresh_home(const std::string& hint) {
  fs::path home = tw::test::fresh_dir(hint);
  fs::create_directory_symlink(tw::test::home_dir() / "models", home / "models");
  return home;
}

RunResult run_in(const fs::path& home, const std::vector<std::string>& args) {
  return tw::test::run_trendwatch(args, {"TRENDWATCH_HOME=" + home.string()});
}

using tw::test::flag_png;

// Folders of whole flags: Japan's (plain and blurred/shifted copies) vs
// other flags.
void write_flag_folders(const fs::path& positives, const fs::path& negatives) {
  fs::create_directories(positives);
  fs::create_directories(negatives);
  cv::Mat japan = cv::imread(flag_png("jp").string(), cv::IMREAD_COLOR);
  for (int k = 0; k < 4; ++k) {
    cv::Mat copy;
    cv::GaussianBlur(japan, copy, cv::Size(), 0.5 + k);
    cv::imwrite((positives / ("jp-" + std::to_string(k) + ".jpg")).string(), copy);
  }
  for (std::string code : {"de", "fr", "it", "br", "us", "se", "in", "ng", "ar", "gr"})
    fs::copy_file(flag_png(code), negatives / (code + ".png"));
}

// One error line (after any progress lines), naming the input.
void expect_one_line_error(const RunResult& r, const std::string& input) {
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  const std::string head = "trendwatch train: error: " + input + ": ";
  auto at = r.err.find(head);
  ASSERT_NE(at, std::string::npos) << r.err;
  EXPECT_EQ(r.err.find('\n', at), r.err.size() - 1) << r.err;  // the last line, one line
  EXPECT_EQ(r.err.find("error:", at + head.size()), std::string::npos) << r.err;
}

}  // namespace

TEST(TrainCli, TrainsShowsListsAndScansWithAnOnnxBackbone) {
  fs::path home = fresh_home("train-cli");
  fs::path model = tw::test::tiny_backbone(home, 64);
  write_flag_folders(home / "pos", home / "neg");
  RunResult train =
      run_in(home, {"train", "japan", "--positives", (home / "pos").string(), "--negatives",
                    (home / "neg").string(), "--backbone", model.string(), "--input-size", "64",
                    "--validation", "0.25", "--augment", "3", "--epochs", "150"});
  ASSERT_EQ(train.exit_code, 0) << train.out << train.err;
  EXPECT_NE(train.out.find("precision "), std::string::npos) << train.out;
  EXPECT_NE(train.out.find("recall "), std::string::npos) << train.out;
  EXPECT_TRUE(fs::exists(home / "targets/japan.json"));

  RunResult show = run_in(home, {"target", "show", "japan"});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  for (const std::string& part : std::vector<std::string>{
           "kind:       classifier", "backbone:   onnx " + model.string(), "input 64x64",
           "head:       logistic", "threshold:  ", "validation: precision",
           "4 positive and 10 negative photo(s)"})
    EXPECT_NE(show.out.find(part), std::string::npos) << part << "\n" << show.out;

  RunResult json_show = run_in(home, {"target", "show", "japan", "--format", "json"});
  auto doc = nlohmann::json::parse(json_show.out);
  EXPECT_EQ(doc["kind"], "classifier");
  EXPECT_EQ(doc["backbone"]["kind"], "onnx");
  EXPECT_TRUE(doc["validation"]["measured"].get<bool>());

  EXPECT_EQ(show.out.find("FILE"), std::string::npos) << show.out;

  RunResult list = run_in(home, {"target", "list"});
  EXPECT_NE(list.out.find("classifier"), std::string::npos) << list.out;

  // Japan's flag full screen from 1 s to 3 s, between German and French ones.
  tw::test::ClipSpec spec;
  spec.width = 320;
  spec.height = 240;
  spec.duration = 4;
  spec.segments = {tw::test::Background::still(flag_png("de")),
                   tw::test::Background::still(flag_png("jp")).from(1.0),
                   tw::test::Background::still(flag_png("fr")).from(3.0)};
  fs::path clip = tw::test::make_clip(spec);
  RunResult scan = run_in(home, {"scan", clip.string(), "--format", "json"});
  ASSERT_EQ(scan.exit_code, 0) << scan.out << scan.err;
  auto result = nlohmann::json::parse(scan.out);
  ASSERT_EQ(result["appearances"].size(), 1u) << scan.out;
  EXPECT_EQ(result["appearances"][0]["target"], "japan");
  EXPECT_NEAR(result["appearances"][0]["start"].get<double>(), 1.0, 0.4);
  EXPECT_NEAR(result["appearances"][0]["end"].get<double>(), 3.0, 0.4);

  // The backbone changed after training: show says so, scan refuses it.
  { std::ofstream(model, std::ios::app) << "x"; }
  RunResult changed = run_in(home, {"target", "show", "japan"});
  EXPECT_NE(changed.out.find("FILE CHANGED since training"), std::string::npos) << changed.out;
  RunResult refused = run_in(home, {"scan", clip.string()});
  EXPECT_EQ(refused.exit_code, 2) << refused.out << refused.err;
  EXPECT_NE(refused.err.find("japan: its backbone"), std::string::npos) << refused.err;
}

TEST(TrainCli, BadInputIsOneLineNamingItAndExitTwo) {
  fs::path home = fresh_home("train-cli-bad");
  write_flag_folders(home / "pos", home / "neg");
  const std::string pos = (home / "pos").string(), neg = (home / "neg").string();

  fs::create_directories(home / "empty");
  const std::string empty = (home / "empty").string();
  RunResult r = run_in(home, {"train", "x", "--positives", empty, "--negatives", neg});
  expect_one_line_error(r, empty);
  EXPECT_NE(r.err.find("holds no image files"), std::string::npos) << r.err;

  const std::string missing = (home / "no-such-folder").string();
  r = run_in(home, {"train", "x", "--positives", pos, "--negatives", missing});
  expect_one_line_error(r, missing);
  EXPECT_NE(r.err.find("no such folder"), std::string::npos) << r.err;

  // Flags have no faces: the face backbone has nothing to learn from.
  r = run_in(home, {"train", "x", "--positives", pos, "--negatives", neg});
  expect_one_line_error(r, pos);
  EXPECT_NE(r.err.find("no face found in any positive photo"), std::string::npos) << r.err;

  r = run_in(home, {"train", "x", "--positives", pos, "--negatives", neg, "--backbone", "fcae"});
  expect_one_line_error(r, "fcae");
  EXPECT_NE(r.err.find("--backbone takes 'face'"), std::string::npos) << r.err;

  const std::string text_model = (home / "model.onnx").string();
  { std::ofstream(text_model) << "not a network"; }
  r = run_in(home,
             {"train", "x", "--positives", pos, "--negatives", neg, "--backbone", text_model});
  expect_one_line_error(r, text_model);
  EXPECT_NE(r.err.find("not an ONNX model"), std::string::npos) << r.err;

  const std::string model = tw::test::tiny_backbone(home, 64).string();
  r = run_in(home, {"train", "x", "--positives", pos, "--negatives", neg, "--backbone", model,
                    "--input-size", "128x96"});
  expect_one_line_error(r, model);
  EXPECT_NE(r.err.find("3x96x128"), std::string::npos) << r.err;

  r = run_in(home, {"train", "x", "--positives", pos, "--negatives", neg, "--backbone", model,
                    "--input-size", "64", "--mean", "0.5,0.5"});
  expect_one_line_error(r, "--mean");

  EXPECT_FALSE(fs::exists(home / "targets/x.json"));
}
