// load_image: upright 8-bit BGR from real photos, and one clear InputError for
// every kind of bad input, decided before any large allocation.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "core/errors.h"
#include "media/image.h"
#include "support/test_support.h"

namespace fs = std::filesystem;
using tw::media::ImageLimits;
using tw::media::load_image;

namespace {

using Bytes = std::vector<unsigned char>;

fs::path kphotoalbum_dir() {
  return tw::test::testdata_dir() / "usr/share/kphotoalbum/demo";
}

Bytes read_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), {});
}

void write_bytes(const fs::path& p, const Bytes& bytes) {
  std::ofstream out(p, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
}

void write_text(const fs::path& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
}

// A gradient with a bright block at the top-left, so orientation is visible.
cv::Mat asymmetric_image(int width, int height) {
  cv::Mat img(height, width, CV_8UC3);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      img.at<cv::Vec3b>(y, x) = cv::Vec3b(uchar(x * 255 / width), uchar(y * 255 / height), 40);
  cv::rectangle(img, cv::Rect(0, 0, width / 4, height / 4), cv::Scalar(255, 255, 255), cv::FILLED);
  return img;
}

Bytes encode(const std::string& ext, const cv::Mat& img, const std::vector<int>& params = {}) {
  Bytes out;
  EXPECT_TRUE(cv::imencode(ext, img, out, params));
  return out;
}

// Inserts an APP1 Exif segment carrying only an Orientation tag right after
// the JPEG's SOI marker.
Bytes with_exif_orientation(const Bytes& jpeg, int orientation) {
  const Bytes tiff = {'M',  'M',  0, 42, 0, 0, 0, 8,  // header, IFD at 8
                      0,    1,                        // one entry
                      0x01, 0x12, 0, 3,  0, 0, 0, 1, 0, uchar(orientation), 0, 0,  // Orientation
                      0,    0,    0, 0};                                           // no next IFD
  Bytes app1 = {0xFF, 0xE1, 0, 0, 'E', 'x', 'i', 'f', 0, 0};
  app1.insert(app1.end(), tiff.begin(), tiff.end());
  size_t length = app1.size() - 2;
  app1[2] = uchar(length >> 8);
  app1[3] = uchar(length & 0xFF);
  Bytes out;
  out.reserve(jpeg.size() + app1.size());
  out.push_back(jpeg[0]);
  out.push_back(jpeg[1]);
  out.insert(out.end(), app1.begin(), app1.end());
  out.insert(out.end(), jpeg.begin() + 2, jpeg.end());
  return out;
}

// Big-endian helpers for hand-made PNG headers.
void put32(Bytes& b, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) b.push_back(uchar((v >> shift) & 0xFF));
}
// CRC-32 as PNG uses it (polynomial 0xEDB88320), bit by bit: tiny inputs only.
std::uint32_t crc32(Bytes::const_iterator begin, Bytes::const_iterator end) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (auto it = begin; it != end; ++it) {
    crc ^= *it;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}
void png_chunk(Bytes& b, const char* type, const Bytes& data) {
  put32(b, static_cast<std::uint32_t>(data.size()));
  size_t type_at = b.size();
  b.insert(b.end(), type, type + 4);
  b.insert(b.end(), data.begin(), data.end());
  put32(b, crc32(b.begin() + static_cast<long>(type_at), b.end()));
}

// Runs `fn` and returns the InputError's message, or fails the test.
template <typename Fn>
std::string input_error_of(Fn&& fn) {
  try {
    fn();
  } catch (const tw::InputError& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected InputError, got: " << e.what();
    return {};
  }
  ADD_FAILURE() << "expected InputError, nothing thrown";
  return {};
}

class LoadImage : public ::testing::Test {
 protected:
  fs::path dir = tw::test::fresh_dir("media-image");

  void expect_refused(const fs::path& path, const std::string& reason_part,
                      const ImageLimits& limits = {}) {
    std::string message = input_error_of([&] { load_image(path, limits); });
    EXPECT_NE(message.find(path.string()), std::string::npos) << message;
    EXPECT_NE(message.find(reason_part), std::string::npos)
        << "message: " << message << "\nexpected to contain: " << reason_part;
  }
};

TEST_F(LoadImage, ReadsEveryKphotoalbumPhotoAsBgr8) {
  int count = 0;
  for (const auto& entry : fs::directory_iterator(kphotoalbum_dir())) {
    if (!tw::media::looks_like_image_file(entry.path())) continue;
    cv::Mat img = load_image(entry.path());
    EXPECT_EQ(img.type(), CV_8UC3) << entry.path();
    cv::Mat reference = cv::imread(entry.path().string(), cv::IMREAD_COLOR);
    ASSERT_EQ(img.size(), reference.size()) << entry.path();
    EXPECT_EQ(cv::norm(img, reference, cv::NORM_INF), 0) << entry.path();
    ++count;
  }
  EXPECT_EQ(count, 24);  // the demo folder's 24 JPEGs
}

TEST_F(LoadImage, AppliesExifOrientation) {
  // kphotoalbum's demo photos keep their rotation in index.xml (angle=), not
  // in EXIF, so the EXIF tag is added here to a real photo.
  cv::Mat photo = cv::imread((kphotoalbum_dir() / "jesper.jpg").string());
  ASSERT_FALSE(photo.empty());
  cv::Mat marked = photo.clone();
  cv::rectangle(marked, cv::Rect(0, 0, 80, 80), cv::Scalar(0, 0, 255), cv::FILLED);
  Bytes jpeg = encode(".jpg", marked, {cv::IMWRITE_JPEG_QUALITY, 95});
  fs::path rotated = dir / "rotated.jpg";
  write_bytes(rotated, with_exif_orientation(jpeg, 6));  // 6: rotate 90 degrees clockwise

  cv::Mat raw = cv::imread(rotated.string(), cv::IMREAD_COLOR | cv::IMREAD_IGNORE_ORIENTATION);
  cv::Mat upright = load_image(rotated);
  ASSERT_EQ(raw.cols, 800);
  ASSERT_EQ(raw.rows, 533);
  EXPECT_EQ(upright.cols, raw.rows);
  EXPECT_EQ(upright.rows, raw.cols);
  // Clockwise: the red top-left corner ends up top-right.
  cv::Vec3b top_right = upright.at<cv::Vec3b>(20, upright.cols - 20);
  EXPECT_GT(top_right[2], 200);
  EXPECT_LT(top_right[0], 60);
  cv::Mat expected;
  cv::rotate(raw, expected, cv::ROTATE_90_CLOCKWISE);
  EXPECT_EQ(cv::norm(upright, expected, cv::NORM_INF), 0);

  fs::path plain = dir / "plain.jpg";
  write_bytes(plain, with_exif_orientation(jpeg, 1));
  EXPECT_EQ(load_image(plain).size(), raw.size());
}

TEST_F(LoadImage, GreyAnd16BitComeBackAsBgr8) {
  cv::Mat grey(60, 80, CV_8UC1, cv::Scalar(77));
  write_bytes(dir / "grey.png", encode(".png", grey));
  cv::Mat img = load_image(dir / "grey.png");
  EXPECT_EQ(img.type(), CV_8UC3);
  EXPECT_EQ(img.at<cv::Vec3b>(10, 10), cv::Vec3b(77, 77, 77));

  cv::Mat deep(60, 80, CV_16UC3, cv::Scalar(65535, 0, 32896));
  write_bytes(dir / "deep.png", encode(".png", deep));
  img = load_image(dir / "deep.png");
  EXPECT_EQ(img.type(), CV_8UC3);
  EXPECT_EQ(img.at<cv::Vec3b>(10, 10), cv::Vec3b(255, 0, 128));

  cv::Mat bgra(60, 80, CV_8UC4, cv::Scalar(10, 20, 30, 255));
  write_bytes(dir / "alpha.png", encode(".png", bgra));
  img = load_image(dir / "alpha.png");
  EXPECT_EQ(img.type(), CV_8UC3);
  EXPECT_EQ(img.at<cv::Vec3b>(10, 10), cv::Vec3b(10, 20, 30));
}

TEST_F(LoadImage, ReadsOtherFormatsAndProgressiveJpeg) {
  cv::Mat img = asymmetric_image(64, 48);
  const std::vector<std::pair<std::string, std::vector<int>>> formats = {
      {".bmp", {}},
      {".webp", {cv::IMWRITE_WEBP_QUALITY, 101}},
      {".tiff", {}},
      {".ppm", {}},
      {".jpg", {cv::IMWRITE_JPEG_PROGRESSIVE, 1}}};
  for (const auto& [ext, params] : formats) {
    fs::path p = dir / ("image" + ext);
    write_bytes(p, encode(ext, img, params));
    cv::Mat back = load_image(p);
    ASSERT_EQ(back.size(), img.size()) << ext;
    EXPECT_LT(cv::norm(back, img, cv::NORM_INF), ext == ".jpg" ? 60 : 1) << ext;
  }
}

TEST_F(LoadImage, AcceptsBytesAfterJpegEnd) {
  Bytes jpeg = read_bytes(kphotoalbum_dir() / "jesper.jpg");
  jpeg.insert(jpeg.end(), 100, 0);
  write_bytes(dir / "padded.jpg", jpeg);
  EXPECT_EQ(load_image(dir / "padded.jpg").size(), cv::Size(800, 533));
}

TEST_F(LoadImage, RefusesMissingPath) {
  expect_refused(dir / "nope.jpg", "does not exist");
}

TEST_F(LoadImage, RefusesDirectory) {
  fs::create_directory(dir / "photos.jpg");
  expect_refused(dir / "photos.jpg", "is a directory");
}

TEST_F(LoadImage, RefusesEmptyFile) {
  write_text(dir / "empty.jpg", "");
  expect_refused(dir / "empty.jpg", "empty file (0 bytes)");
}

TEST_F(LoadImage, RefusesTextNamedJpg) {
  write_text(dir / "notes.jpg", "these are my holiday notes, not a photo\n");
  expect_refused(dir / "notes.jpg", "not an image");
}

TEST_F(LoadImage, RefusesTruncatedJpeg) {
  Bytes jpeg = read_bytes(kphotoalbum_dir() / "jesper.jpg");
  for (double fraction : {0.5, 0.95}) {
    Bytes cut(jpeg.begin(), jpeg.begin() + static_cast<long>(jpeg.size() * fraction));
    write_bytes(dir / "cut.jpg", cut);
    expect_refused(dir / "cut.jpg", "truncated JPEG");
  }
  // Cut inside the headers, before the frame size.
  write_bytes(dir / "stub.jpg", Bytes(jpeg.begin(), jpeg.begin() + 20));
  expect_refused(dir / "stub.jpg", "truncated or corrupt JPEG");
}

TEST_F(LoadImage, RefusesJpegWithDamagedData) {
  Bytes jpeg = read_bytes(kphotoalbum_dir() / "jesper.jpg");
  std::uint32_t state = 7;
  for (size_t i = jpeg.size() / 3; i < jpeg.size() / 3 + 2000; ++i)
    jpeg[i] = uchar((state = state * 1103515245u + 12345u) >> 24);
  write_bytes(dir / "garbled.jpg", jpeg);
  expect_refused(dir / "garbled.jpg", "corrupt JPEG image (damaged data)");
}

TEST_F(LoadImage, RefusesTruncatedPng) {
  Bytes png = encode(".png", asymmetric_image(300, 200));
  write_bytes(dir / "cut.png", Bytes(png.begin(), png.begin() + static_cast<long>(png.size() / 2)));
  expect_refused(dir / "cut.png", "truncated PNG");
}

TEST_F(LoadImage, RefusesCorruptPngData) {
  // Well-formed chunks, but IDAT holds garbage instead of zlib data.
  Bytes png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  Bytes ihdr;
  put32(ihdr, 64);
  put32(ihdr, 48);
  ihdr.insert(ihdr.end(), {8, 2, 0, 0, 0});
  png_chunk(png, "IHDR", ihdr);
  png_chunk(png, "IDAT", Bytes(200, 0xAB));
  png_chunk(png, "IEND", {});
  write_bytes(dir / "garbage.png", png);
  expect_refused(dir / "garbage.png", "corrupt PNG");
}

TEST_F(LoadImage, RefusesHugePngWithoutDecoding) {
  Bytes png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  Bytes ihdr;
  put32(ihdr, 20000);
  put32(ihdr, 20000);
  ihdr.insert(ihdr.end(), {8, 2, 0, 0, 0});
  png_chunk(png, "IHDR", ihdr);
  png_chunk(png, "IDAT", Bytes(1000, 0));
  png_chunk(png, "IEND", {});
  write_bytes(dir / "huge.png", png);

  rusage before{}, after{};
  getrusage(RUSAGE_SELF, &before);
  expect_refused(dir / "huge.png", "too many pixels (20000x20000");
  getrusage(RUSAGE_SELF, &after);
  EXPECT_LT(after.ru_maxrss - before.ru_maxrss, 100 * 1024) << "KiB of peak memory added";
}

TEST_F(LoadImage, RefusesRealPhotoOverAPixelLimit) {
  ImageLimits limits;
  limits.max_pixels = 400 * 1000;  // jesper.jpg is 800x533 = 426 400 pixels
  expect_refused(kphotoalbum_dir() / "jesper.jpg", "too many pixels (800x533", limits);
  limits.max_pixels = 500 * 1000;
  EXPECT_EQ(load_image(kphotoalbum_dir() / "jesper.jpg", limits).size(), cv::Size(800, 533));
}

TEST_F(LoadImage, RefusesFileOverByteLimit) {
  ImageLimits limits;
  limits.max_bytes = 1000;
  expect_refused(kphotoalbum_dir() / "jesper.jpg", "too large", limits);
}

TEST_F(LoadImage, RefusesUnreadableFile) {
  fs::path secret = dir / "secret.jpg";
  fs::copy_file(kphotoalbum_dir() / "jesper.jpg", secret);
  ::chmod(secret.c_str(), 0);
  ::chmod(dir.c_str(), 0755);
  if (::geteuid() != 0) {
    expect_refused(secret, "permission denied");
    return;
  }
  // Root reads anything, so try as an unprivileged user in a child process.
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(10);
    try {
      load_image(secret);
      ::_exit(11);
    } catch (const tw::InputError& e) {
      std::string what = e.what();
      bool ok = what.find(secret.string()) != std::string::npos &&
                what.find("permission denied") != std::string::npos;
      ::_exit(ok ? 0 : 12);
    } catch (...) {
      ::_exit(13);
    }
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "10: could not drop privileges, 11: loaded, "
                                       "12: wrong message, 13: wrong exception";
}

TEST(LooksLikeImageFile, KnowsCommonExtensions) {
  EXPECT_TRUE(tw::media::looks_like_image_file("a/b/photo.JPG"));
  EXPECT_TRUE(tw::media::looks_like_image_file("x.jpeg"));
  EXPECT_TRUE(tw::media::looks_like_image_file("x.png"));
  EXPECT_TRUE(tw::media::looks_like_image_file("x.webp"));
  EXPECT_FALSE(tw::media::looks_like_image_file("x.mp4"));
  EXPECT_FALSE(tw::media::looks_like_image_file("x.xml"));
  EXPECT_FALSE(tw::media::looks_like_image_file("jpg"));
}

}  // namespace
