// The target file format and the target folder, without the face models.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <limits>
#include <stdexcept>

#include "core/errors.h"
#include "support/test_support.h"
#include "targets/target.h"
#include "targets/target_store.h"
#include "targets/threshold.h"

namespace fs = std::filesystem;
using namespace tw::targets;

namespace {

Target sample_target(const std::string& name, float seed) {
  Target t;
  t.name = name;
  t.threshold = 0.47f;
  t.created = "2026-01-02T03:04:05Z";
  for (int k = 0; k < 2; ++k) {
    tw::Descriptor d(128);
    for (int i = 0; i < 128; ++i) d[i] = seed + 0.001f * static_cast<float>(i * (k + 1));
    t.descriptors.push_back(d);
    t.references.push_back({"/photos/" + name + std::to_string(k) + ".jpg",
                            std::string(64, 'a'),
                            {10.f + k, 20.f, 30.f, 40.f}});
  }
  return t;
}

// The target file's text with its threshold written as `number`.
std::string with_threshold_text(std::string text, const std::string& number) {
  const std::string key = "\"threshold\": ";
  const std::size_t at = text.find(key) + key.size();
  return text.replace(at, text.find_first_of(",\n", at) - at, number);
}

}  // namespace

TEST(TargetFile, RoundTripsEveryField) {
  Target t = sample_target("jesper", 0.25f);
  Target back = target_from_json_text(to_json_text(t), "mem");
  EXPECT_EQ(back.name, "jesper");
  EXPECT_EQ(back.kind, TargetKind::face);
  EXPECT_EQ(back.format_version, kTargetFormatVersion);
  EXPECT_FLOAT_EQ(back.threshold, 0.47f);
  EXPECT_EQ(back.created, t.created);
  ASSERT_EQ(back.descriptors.size(), 2u);
  EXPECT_EQ(back.descriptors, t.descriptors);
  ASSERT_EQ(back.references.size(), 2u);
  EXPECT_EQ(back.references[1].path, "/photos/jesper1.jpg");
  EXPECT_FLOAT_EQ(back.references[1].box.x, 11.f);
  EXPECT_FLOAT_EQ(back.references[1].box.height, 40.f);
}

TEST(TargetFile, RefusesOtherVersionsAndMalformedFiles) {
  std::string text = to_json_text(sample_target("x", 0.1f));
  std::string future = text;
  future.replace(future.find("\"format_version\": 1"), 19, "\"format_version\": 99");
  try {
    target_from_json_text(future, "x.json");
    FAIL() << "version 99 accepted";
  } catch (const tw::InputError& e) {
    EXPECT_EQ(e.input(), "x.json");
    EXPECT_NE(std::string(e.what()).find("version 99"), std::string::npos) << e.what();
  }
  EXPECT_THROW(target_from_json_text("not json", "y.json"), tw::InputError);
  EXPECT_THROW(target_from_json_text("{\"format\":\"trendwatch-target\"}", "z.json"),
               tw::InputError);
  std::string short_descriptor = to_json_text(sample_target("x", 0.1f));
  Target t = sample_target("x", 0.1f);
  t.descriptors[0].resize(3);
  EXPECT_THROW(target_from_json_text(to_json_text(t), "w.json"), tw::InputError);
}

// A number beyond a float's range became infinity when read, was written
// back as null and the file could not be read again (fuzz finding,
// tests/data/fuzz/target_file/crash-float-overflows-to-infinity).
TEST(TargetFile, RefusesANumberBeyondAFloatNamingTheField) {
  const fs::path found = tw::test::source_dir() / "tests/data/fuzz/target_file" /
                         "crash-float-overflows-to-infinity.json";
  std::ifstream in(found, std::ios::binary);
  ASSERT_TRUE(in) << found;
  const std::string crafted((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  try {
    target_from_json_text(crafted, "qt-logo.json");
    FAIL() << "a point of 2.251e39 accepted";
  } catch (const tw::InputError& e) {
    EXPECT_EQ(e.input(), "qt-logo.json");
    EXPECT_NE(std::string(e.what()).find("/image/features/0/points/1 is 2.251e+39"),
              std::string::npos)
        << e.what();
  }

  const std::string text = to_json_text(sample_target("x", 0.1f));
  for (const char* number : {"1e39", "-3.5e38", "3.4028236e38"}) {
    const std::string edited = with_threshold_text(text, number);
    try {
      target_from_json_text(edited, "x.json");
      FAIL() << "a threshold of " << number << " accepted";
    } catch (const tw::InputError& e) {
      EXPECT_NE(std::string(e.what()).find("x.json: /threshold is "), std::string::npos)
          << e.what();
    }
  }
  // Beyond a double the parser refuses the file itself.
  EXPECT_THROW(target_from_json_text(with_threshold_text(text, "1e400"), "x.json"), tw::InputError);
  // The largest float is still a float.
  EXPECT_FLOAT_EQ(target_from_json_text(with_threshold_text(text, "3.4e38"), "x.json").threshold,
                  3.4e38f);
}

// A count given as 1e30 was cast to an int (undefined behaviour, found by
// UBSan in the target_file fuzz target); 2^32 + 1 wrapped round to 1.
TEST(TargetFile, RefusesAWholeNumberOutOfRangeNamingTheField) {
  const std::string text = to_json_text(sample_target("x", 0.1f));
  for (const char* number : {"1e30", "4294967297", "-2147483649"}) {
    std::string edited = text;
    edited.replace(edited.find("\"format_version\": 1"), 19,
                   std::string("\"format_version\": ") + number);
    try {
      target_from_json_text(edited, "x.json");
      FAIL() << "a format version of " << number << " accepted";
    } catch (const tw::InputError& e) {
      EXPECT_NE(std::string(e.what()).find("x.json: format_version is "), std::string::npos)
          << e.what();
      EXPECT_NE(std::string(e.what()).find("out of range"), std::string::npos) << e.what();
    }
  }
}

TEST(TargetFile, NeverWritesANumberItCouldNotReadBack) {
  Target broken = sample_target("diverged", 0.2f);
  broken.descriptors[1][7] = std::numeric_limits<float>::quiet_NaN();
  try {
    to_json_text(broken);
    FAIL() << "a NaN descriptor written";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("/descriptors/1/7 is NaN"), std::string::npos) << e.what();
  }
  fs::path dir = tw::test::fresh_dir("targets-nan");
  TargetStore store(dir);
  EXPECT_THROW(store.save(broken, false), std::invalid_argument);
  EXPECT_TRUE(fs::is_empty(dir)) << "nothing written, not even a temporary file";

  // An image point near a float's limit round trips: rounding it to
  // hundredths multiplied it by 100 in float, which overflowed to infinity.
  Target image = sample_target("logo", 0.2f);
  image.kind = TargetKind::image;
  image.threshold = 0;
  image.descriptors.clear();
  image.min_inliers = 8;
  tw::vision::ImageFeatures features;
  features.width = 64;
  features.height = 48;
  features.points = {{1.5f, 1e37f}, {10.f, 20.126f}};
  features.descriptors = cv::Mat(2, 128, CV_8U, cv::Scalar(7));
  image.image_features.push_back(features);
  const std::string written = to_json_text(image);
  Target back = target_from_json_text(written, "logo.json");
  ASSERT_EQ(back.image_features.size(), 1u);
  ASSERT_EQ(back.image_features[0].points.size(), 2u);
  EXPECT_EQ(back.image_features[0].points[0].y, 1e37f);
  EXPECT_FLOAT_EQ(back.image_features[0].points[1].y, 20.13f);
  EXPECT_EQ(to_json_text(back), written);
}

TEST(TargetFile, NamesCannotEscapeTheFolder) {
  for (const char* bad : {"", "../evil", "a/b", "a\\b", ".hidden", "with space", "x/../../y"})
    EXPECT_THROW(validate_target_name(bad), tw::InputError) << bad;
  for (const char* good : {"jesper", "Anne-Helene_2", "v1.0"})
    EXPECT_NO_THROW(validate_target_name(good));
}

TEST(TargetStore, SavesListsLoadsRemovesAndVersionsTheSet) {
  fs::path dir = tw::test::fresh_dir("targets-store");
  TargetStore store(dir / "targets");
  EXPECT_TRUE(store.names().empty());
  std::string empty_version = store.set_version();

  store.save(sample_target("jesper", 0.25f), false);
  std::string one = store.set_version();
  EXPECT_NE(one, empty_version);
  EXPECT_TRUE(fs::exists(dir / "targets" / "jesper.json"));
  EXPECT_THROW(store.save(sample_target("jesper", 0.5f), false), tw::InputError);

  store.save(sample_target("donna", 0.75f), false);
  EXPECT_EQ(store.names(), (std::vector<std::string>{"donna", "jesper"}));
  std::string two = store.set_version();
  EXPECT_NE(two, one);
  EXPECT_EQ(store.set_version(), two) << "the version is a pure function of the files";
  EXPECT_EQ(TargetStore::set_version_of(store.load_all()), two);

  // Re-enrolling with other descriptors changes the version too.
  store.save(sample_target("jesper", 0.3f), true);
  EXPECT_NE(store.set_version(), two);
  EXPECT_FLOAT_EQ(store.load("jesper").descriptors[0][0], 0.3f);

  store.remove("donna");
  EXPECT_EQ(store.names(), (std::vector<std::string>{"jesper"}));
  EXPECT_THROW(store.remove("donna"), tw::InputError);
  EXPECT_THROW(store.load("donna"), tw::InputError);
  EXPECT_THROW(store.load("../targets/jesper"), tw::InputError);
}

TEST(TargetStore, AFileHoldingAnotherNameIsRefused) {
  fs::path dir = tw::test::fresh_dir("targets-rename");
  TargetStore store(dir);
  store.save(sample_target("a", 0.1f), false);
  fs::rename(dir / "a.json", dir / "b.json");
  EXPECT_THROW(store.load("b"), tw::InputError);
}

TEST(Threshold, ScoreIsHalfAtTheThresholdAndLinear) {
  EXPECT_FLOAT_EQ(face_match_score(0.f, 0.5f), 1.f);
  EXPECT_FLOAT_EQ(face_match_score(0.5f, 0.5f), 0.5f);
  EXPECT_FLOAT_EQ(face_match_score(0.25f, 0.5f), 0.75f);
  EXPECT_FLOAT_EQ(face_match_score(1.0f, 0.5f), 0.f);
  EXPECT_FLOAT_EQ(face_match_score(3.0f, 0.5f), 0.f);
}
