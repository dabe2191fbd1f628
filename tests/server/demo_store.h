#pragma once
// A realistic store for the dashboard's tests and screenshots: three sources
// in different health, four videos (one titled with a script tag), and
// appearances whose evidence JPEGs are cut by OpenCV from the kphotoalbum demo
// photos and movie.avi, as a scan would have written them.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "store/store.h"

namespace tw::test {

struct DemoStore {
  std::filesystem::path dir;
  std::filesystem::path database;
  std::filesystem::path evidence_root;
  std::unique_ptr<store::Store> store;

  std::int64_t movie_video = 0;    // movie.avi: jesper from 0.4 s to 2.8 s
  std::int64_t harbour_video = 0;  // three appearances of two targets, 14.2 s
  std::int64_t hostile_video = 0;  // title "<script>alert(1)</script>"
  std::string movie_appearance;    // jesper in movie.avi, unreviewed
  std::string hostile_appearance;  // jesper in the hostile video
  std::string dismissed_appearance;
  std::vector<std::string> all_appearances;

  static constexpr const char* hostile_title = "<script>alert(1)</script>";
  static constexpr const char* hostile_author = "<img src=x onerror=alert(2)>";
};

// Creates dir/trendwatch.db and dir/evidence/; times are fixed (2026-11-20),
// so the rows are the same on every run.
DemoStore make_demo_store(const std::filesystem::path& dir);

}  // namespace tw::test
