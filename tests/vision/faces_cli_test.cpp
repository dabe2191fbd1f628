// `trendwatch faces` run as a program: output formats, bad inputs (one line
// naming the input and the reason, exit 2, the other inputs still done),
// missing or damaged models, EXIF orientation.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <array>
#include <fstream>
#include <sstream>

#include "core/types.h"
#include "face_models.h"

namespace tw {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test::json_lines;
using test::read_file;
using test::run_trendwatch;
using test::write_file;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::stringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) lines.push_back(line);
  return lines;
}

// ---- A genuine 20000x20000 grey PNG in ~2.5 MB, written without holding
// 400 MB of pixels: all rows are zero, so the zlib stream is one literal and
// then back-references of 258 bytes (fixed-Huffman deflate).

class BitWriter {
 public:
  void bits(uint32_t value, int count) {  // LSB first, as deflate packs
    for (int i = 0; i < count; ++i) push((value >> i) & 1u);
  }
  void code(uint32_t value, int count) {  // Huffman codes go MSB first
    for (int i = count - 1; i >= 0; --i) push((value >> i) & 1u);
  }
  std::string finish() {
    if (used_) out_.push_back(static_cast<char>(current_));
    return out_;
  }

 private:
  void push(uint32_t bit) {
    current_ |= bit << used_;
    if (++used_ == 8) out_.push_back(static_cast<char>(current_)), current_ = 0, used_ = 0;
  }
  std::string out_;
  uint32_t current_ = 0;
  int used_ = 0;
};

uint32_t crc32_of(const std::string& bytes) {
  static const std::array<uint32_t, 256> table = [] {
    std::array<uint32_t, 256> t{};
    for (uint32_t n = 0; n < 256; ++n) {
      uint32_t c = n;
      for (int k = 0; k < 8; ++k) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[n] = c;
    }
    return t;
  }();
  uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : bytes) c = table[(c ^ b) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

std::string big_endian(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

std::string png_chunk(const std::string& type, const std::string& data) {
  return big_endian(static_cast<uint32_t>(data.size())) + type + data +
         big_endian(crc32_of(type + data));
}

void write_huge_black_png(const fs::path& path, uint32_t side) {
  const uint64_t total = static_cast<uint64_t>(side) * (side + 1);  // filter byte + pixels per row
  BitWriter deflate;
  deflate.bits(1, 1);  // final block
  deflate.bits(1, 2);  // fixed Huffman codes
  auto literal_zero = [&] { deflate.code(0x30, 8); };
  literal_zero();
  uint64_t left = total - 1;
  for (; left >= 258; left -= 258) {
    deflate.code(0xC5, 8);  // length 258 (code 285)
    deflate.code(0, 5);     // distance 1 (code 0)
  }
  for (; left > 0; --left) literal_zero();
  deflate.code(0, 7);                                                        // end of block
  const uint32_t adler = (static_cast<uint32_t>(total % 65521) << 16) | 1u;  // all zero bytes
  const std::string zlib = std::string("\x78\x01", 2) + deflate.finish() + big_endian(adler);
  const std::string ihdr =
      big_endian(side) + big_endian(side) + std::string("\x08\x00\x00\x00\x00", 5);
  write_file(path, std::string("\x89PNG\r\n\x1a\n", 8) + png_chunk("IHDR", ihdr) +
                       png_chunk("IDAT", zlib) + png_chunk("IEND", ""));
}

// A JPEG whose pixels are stored turned a quarter left, with an EXIF
// orientation tag (6: rotate 90 degrees clockwise to view) that puts it right.
void write_exif_rotated_jpeg(const fs::path& path, const cv::Mat& upright) {
  cv::Mat sideways;
  cv::rotate(upright, sideways, cv::ROTATE_90_COUNTERCLOCKWISE);
  std::vector<uchar> jpeg;
  ASSERT_TRUE(cv::imencode(".jpg", sideways, jpeg, {cv::IMWRITE_JPEG_QUALITY, 95}));
  const std::string tiff =
      std::string("MM\x00\x2a\x00\x00\x00\x08", 8) +        // big-endian TIFF, IFD at 8
      std::string("\x00\x01", 2) +                          // one entry
      std::string("\x01\x12\x00\x03\x00\x00\x00\x01", 8) +  // Orientation, SHORT, 1 value
      std::string("\x00\x06\x00\x00", 4) +                  // = 6
      std::string("\x00\x00\x00\x00", 4);                   // no next IFD
  const std::string payload = std::string("Exif\0\0", 6) + tiff;
  const uint16_t length = static_cast<uint16_t>(payload.size() + 2);
  const std::string app1 = std::string("\xFF\xE1", 2) + static_cast<char>(length >> 8) +
                           static_cast<char>(length & 0xFF) + payload;
  const std::string bytes(jpeg.begin(), jpeg.end());
  write_file(path, bytes.substr(0, 2) + app1 + bytes.substr(2));
}

std::string sample1() {
  return test::face_api_sample(1).string();
}

// Every bad input: exit 2, one stderr line naming it, the good input after it
// still analysed and printed.
void expect_rejected_alone(const std::string& bad, const std::string& reason_hint = "") {
  const auto run = run_trendwatch({"faces", "--format", "json", bad, sample1()});
  EXPECT_EQ(run.exit_code, 2) << run.err;
  const auto err = lines_of(run.err);
  ASSERT_EQ(err.size(), 1u) << run.err;
  EXPECT_NE(err[0].find(bad), std::string::npos) << err[0];
  if (!reason_hint.empty()) {
    EXPECT_NE(err[0].find(reason_hint), std::string::npos) << err[0];
  }
  const auto out = json_lines(run.out);
  ASSERT_EQ(out.size(), 2u) << run.out;
  EXPECT_EQ(out[0]["input"], bad);
  EXPECT_FALSE(out[0]["error"].get<std::string>().empty());
  EXPECT_EQ(out[1]["input"], sample1());
  EXPECT_EQ(out[1]["faces"].size(), 3u);
}

TEST(FacesCli, JsonHasEveryFaceWithBoxScoreLandmarksAndDescriptor) {
  const auto run = run_trendwatch({"faces", "--format", "json", sample1()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto out = json_lines(run.out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0]["width"], 1920);
  EXPECT_EQ(out[0]["height"], 1280);
  const auto& faces = out[0]["faces"];
  ASSERT_EQ(faces.size(), 3u);
  for (const auto& face : faces) {
    EXPECT_GT(face["score"].get<double>(), 0.95);
    EXPECT_GT(face["box"]["width"].get<double>(), 50);
    EXPECT_EQ(face["landmarks"].size(), 68u);
    ASSERT_EQ(face["descriptor"].size(), 128u);
    double norm = 0;
    for (double v : face["descriptor"]) norm += v * v;
    EXPECT_GT(norm, 0.1);
  }
}

// The "done when": the 3 faces of sample1 with face-api's own scores
// and boxes (tests/data/golden/detections.json, made by face-api itself).
TEST(FacesCli, Sample1HasFaceApisScoresAndBoxes) {
  std::ifstream fixture(test::source_dir() / "tests/data/golden/detections.json");
  const json golden = json::parse(fixture);
  const json* reference = nullptr;
  for (const auto& image : golden["images"])
    if (image["file"] == "sample1.jpg") reference = &image;
  ASSERT_NE(reference, nullptr);
  const auto run = run_trendwatch({"faces", "--format", "json", sample1()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto faces = json_lines(run.out).at(0)["faces"];
  ASSERT_EQ(faces.size(), (*reference)["faces"].size());
  for (size_t i = 0; i < faces.size(); ++i) {
    const auto& want = (*reference)["faces"][i];
    EXPECT_NEAR(faces[i]["score"].get<double>(), want["score"].get<double>(), 1e-4);
    const double tolerance = 1e-3 * 1920;
    EXPECT_NEAR(faces[i]["box"]["x"].get<double>(), want["box"][0].get<double>(), tolerance);
    EXPECT_NEAR(faces[i]["box"]["y"].get<double>(), want["box"][1].get<double>(), tolerance);
    EXPECT_NEAR(faces[i]["box"]["width"].get<double>(), want["box"][2].get<double>(), tolerance);
    EXPECT_NEAR(faces[i]["box"]["height"].get<double>(), want["box"][3].get<double>(), tolerance);
  }
}

TEST(FacesCli, MinScoreDropsWeakerFaces) {
  const auto strict =
      run_trendwatch({"faces", "--format", "json", "--min-score", "0.99", sample1()});
  ASSERT_EQ(strict.exit_code, 0) << strict.err;
  const auto faces = json_lines(strict.out).at(0)["faces"];
  EXPECT_EQ(faces.size(), 2u);  // face-api's scores: 0.9953, 0.9935, 0.9888
  for (const auto& face : faces) EXPECT_GT(face["score"].get<double>(), 0.99);
  const auto bad = run_trendwatch({"faces", "--min-score", "1.5", sample1()});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--min-score"), std::string::npos) << bad.err;
}

TEST(FacesCli, TextIsOneSummaryPerFace) {
  const auto run = run_trendwatch({"faces", sample1()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("1920x1280, 3 faces"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("face 2"), std::string::npos);
  EXPECT_NE(run.out.find("landmarks 68"), std::string::npos);
  EXPECT_NE(run.out.find("124 more"), std::string::npos) << "descriptor abbreviated";
}

TEST(FacesCli, NoDetectPrintsTheDescriptorOfTheWholeImage) {
  const fs::path crop = test::source_dir() / "tests/data/golden/descriptor_crops/sample1_face0.png";
  const auto run = run_trendwatch({"faces", "--no-detect", "--format", "json", crop.string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto out = json_lines(run.out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0]["descriptor"].size(), 128u);
  EXPECT_FALSE(out[0].contains("faces"));
}

// Crops are embedded in batches of 8: with 10 inputs and a bad one among
// them, every good crop gets the descriptor it gets alone, in input order.
TEST(FacesCli, NoDetectBatchesKeepOrderAndNameTheBadInput) {
  const fs::path crops = test::source_dir() / "tests/data/golden/descriptor_crops";
  std::vector<std::string> inputs;
  for (const auto& entry : fs::directory_iterator(crops))
    if (entry.path().extension() == ".png") inputs.push_back(entry.path().string());
  std::sort(inputs.begin(), inputs.end());
  ASSERT_GE(inputs.size(), 9u);  // more than one batch
  const fs::path bad = test::fresh_dir("faces-cli") / "not-a-crop.png";
  write_file(bad, "no pixels here");
  inputs.insert(inputs.begin() + 4, bad.string());

  std::vector<std::string> args = {"faces", "--no-detect", "--format", "json"};
  args.insert(args.end(), inputs.begin(), inputs.end());
  const auto run = run_trendwatch(args);
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("not-a-crop.png"), std::string::npos) << run.err;
  const auto out = json_lines(run.out);
  ASSERT_EQ(out.size(), inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    EXPECT_EQ(out[i]["input"], inputs[i]);
    if (inputs[i] == bad.string()) {
      EXPECT_TRUE(out[i].contains("error"));
      continue;
    }
    const auto alone = run_trendwatch({"faces", "--no-detect", "--format", "json", inputs[i]});
    const auto expected = json_lines(alone.out).at(0)["descriptor"];
    ASSERT_EQ(out[i]["descriptor"].size(), 128u);
    for (std::size_t k = 0; k < 128; ++k)
      EXPECT_NEAR(out[i]["descriptor"][k].get<double>(), expected[k].get<double>(), 1e-5);
  }
}

TEST(FacesCli, TextFileNamedJpg) {
  const fs::path file = test::fresh_dir("faces-cli") / "notes.jpg";
  write_file(file, "These are my notes, not a photo.\n");
  expect_rejected_alone(file.string());
}

TEST(FacesCli, EmptyFile) {
  const fs::path file = test::fresh_dir("faces-cli") / "empty.jpg";
  write_file(file, "");
  expect_rejected_alone(file.string());
}

TEST(FacesCli, TruncatedJpeg) {
  const fs::path file = test::fresh_dir("faces-cli") / "truncated.jpg";
  const std::string bytes = read_file(sample1());
  write_file(file, bytes.substr(0, bytes.size() * 2 / 5));
  expect_rejected_alone(file.string());
}

TEST(FacesCli, HugePng) {
  const fs::path file = test::fresh_dir("faces-cli") / "huge.png";
  write_huge_black_png(file, 20000);
  ASSERT_LT(fs::file_size(file), 4u << 20);
  expect_rejected_alone(file.string(), "20000");
}

TEST(FacesCli, PathThatDoesNotExist) {
  expect_rejected_alone((test::fresh_dir("faces-cli") / "nowhere.jpg").string());
}

TEST(FacesCli, Directory) {
  expect_rejected_alone(test::fresh_dir("faces-cli").string());
}

TEST(FacesCli, AllBadInputsInOneRunEachGetTheirLine) {
  const fs::path dir = test::fresh_dir("faces-cli");
  write_file(dir / "text.jpg", "hello");
  write_file(dir / "zero.png", "");
  const std::vector<std::string> bad = {(dir / "text.jpg").string(), (dir / "zero.png").string(),
                                        (dir / "missing.jpg").string(), dir.string()};
  std::vector<std::string> args = {"faces", bad[0], sample1(), bad[1], bad[2], bad[3]};
  const auto run = run_trendwatch(args);
  EXPECT_EQ(run.exit_code, 2);
  const auto err = lines_of(run.err);
  ASSERT_EQ(err.size(), bad.size()) << run.err;
  for (size_t i = 0; i < bad.size(); ++i)
    EXPECT_NE(err[i].find(bad[i]), std::string::npos) << err[i];
  EXPECT_NE(run.out.find("1920x1280, 3 faces"), std::string::npos) << run.out;
}

// A copy of the test home's models with one file broken.
fs::path home_with_models() {
  const fs::path home = test::fresh_dir("faces-home");
  fs::copy(test::home_dir() / "models", home / "models", fs::copy_options::recursive);
  return home;
}

TEST(FacesCli, DamagedModelIsNamedWithTheRepair) {
  const fs::path home = home_with_models();
  const fs::path model = home / "models" / "ssd_mobilenetv1.onnx";
  ASSERT_TRUE(fs::exists(model));
  std::string bytes = read_file(model);
  bytes[bytes.size() / 2] ^= 0x5A;
  write_file(model, bytes);
  const auto run = run_trendwatch({"faces", sample1()}, {"TRENDWATCH_HOME=" + home.string()});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("ssd_mobilenetv1.onnx"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("trendwatch models install"), std::string::npos) << run.err;
  EXPECT_EQ(lines_of(run.err).size(), 1u) << run.err;
}

TEST(FacesCli, MissingModelIsNamedWithTheRepair) {
  const fs::path home = home_with_models();
  fs::remove(home / "models" / "face_landmark_68.onnx");
  const auto run = run_trendwatch({"faces", sample1()}, {"TRENDWATCH_HOME=" + home.string()});
  EXPECT_EQ(run.exit_code, 2);
  EXPECT_NE(run.err.find("face_landmark_68.onnx"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("trendwatch models install"), std::string::npos) << run.err;
}

TEST(FacesCli, ExifRotatedPhotoComesBackUpright) {
  const cv::Mat upright = cv::imread(sample1());
  const fs::path rotated = test::fresh_dir("faces-cli") / "rotated.jpg";
  write_exif_rotated_jpeg(rotated, upright);
  const auto run = run_trendwatch({"faces", "--format", "json", sample1(), rotated.string()});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto out = json_lines(run.out);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1]["width"], upright.cols);
  EXPECT_EQ(out[1]["height"], upright.rows);
  ASSERT_EQ(out[1]["faces"].size(), out[0]["faces"].size());
  for (size_t i = 0; i < out[0]["faces"].size(); ++i) {
    auto box = [](const json& b) {
      return Box{b["x"].get<float>(), b["y"].get<float>(), b["width"].get<float>(),
                 b["height"].get<float>()};
    };
    EXPECT_GT(iou(box(out[0]["faces"][i]["box"]), box(out[1]["faces"][i]["box"])), 0.8f);
  }
}

}  // namespace
}  // namespace tw
