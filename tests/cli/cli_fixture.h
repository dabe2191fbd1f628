#pragma once
// Shared set-up for CLI tests: a fresh TRENDWATCH_HOME that reuses the test
// run's installed models, with "jesper" enrolled from kphotoalbum photos.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support/kphotoalbum.h"
#include "support/test_support.h"

namespace tw::test {

inline std::filesystem::path fresh_home(const std::string& hint) {
  auto home = fresh_dir(hint);
  std::filesystem::create_directory_symlink(home_dir() / "models", home / "models");
  return home;
}

inline std::string home_env(const std::filesystem::path& home) {
  return "TRENDWATCH_HOME=" + home.string();
}

// The photos of Jesper alone that kphotoalbum shows upright.
inline std::vector<std::string> jesper_photo_paths() {
  std::vector<std::string> out;
  for (const auto& p : photos_of_only("Jesper"))
    if (p.angle == 0) out.push_back(p.file.string());
  return out;
}

inline RunResult run_in(const std::filesystem::path& home, std::vector<std::string> args,
                        int timeout_s = 300) {
  return run_trendwatch(args, {home_env(home)}, timeout_s);
}

// Enrolls jesper (photos with a single named person may still show small
// background faces, so --largest).
inline void enroll_jesper(const std::filesystem::path& home) {
  std::vector<std::string> args = {"target", "add", "jesper", "--largest", "--photos"};
  for (const auto& p : jesper_photo_paths()) args.push_back(p);
  RunResult r = run_in(home, args);
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
}

inline std::filesystem::path movie_avi() {
  return kphotoalbum_dir() / "movie.avi";
}

}  // namespace tw::test
