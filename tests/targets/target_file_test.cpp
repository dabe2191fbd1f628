// The target file format and the target folder, without the face models.
#include <gtest/gtest.h>

#include <fstream>

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
