// `trendwatch scan`, run as the real binary: output formats, exit codes, and
// bad inputs (each named in one error line, exit 2, while the other videos
// of the same run are still scanned and reported).
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <sstream>

#include "cli/cli_fixture.h"
#include "cli/local_server.h"
#include "support/clips.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace tw::test;

namespace {

class ScanCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    home_ = new fs::path(fresh_home("cli-scan"));
    enroll_jesper(*home_);
  }
  static void TearDownTestSuite() { delete home_; }
  static const fs::path& home() { return *home_; }
  static fs::path* home_;

  fs::path work_ = fresh_dir("cli-scan-inputs");
};
fs::path* ScanCli::home_ = nullptr;

void ffmpeg(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"ffmpeg", "-hide_banner", "-loglevel", "error", "-y"};
  argv.insert(argv.end(), args.begin(), args.end());
  RunResult r = run_program(argv, {}, 120);
  ASSERT_EQ(r.exit_code, 0) << r.err;
}

// movie.avi's appearance of jesper, as the JSON line of a run reports it.
void expect_movie_found(const std::vector<json>& lines) {
  auto movie = std::find_if(lines.begin(), lines.end(),
                            [](const json& j) { return j["input"] == movie_avi().string(); });
  ASSERT_NE(movie, lines.end()) << "movie.avi was not reported";
  EXPECT_FALSE(movie->contains("error"));
  ASSERT_EQ((*movie)["appearances"].size(), 1u) << movie->dump();
  const json& a = (*movie)["appearances"][0];
  EXPECT_EQ(a["target"], "jesper");
  double duration = (*movie)["duration"];
  EXPECT_GE(a["end"].get<double>() - a["start"].get<double>(), 0.7 * duration) << a.dump();
}

// Scans movie.avi and the bad input in one run: the bad one is named with a
// reason, the run exits 2, and movie.avi is still scanned and reported.
void expect_named_error(const fs::path& home, const std::string& bad,
                        const std::string& reason_part, std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"scan",     bad,   movie_avi().string(), "--target", "jesper",
                                   "--format", "json"};
  args.insert(args.end(), extra.begin(), extra.end());
  auto start = std::chrono::steady_clock::now();
  RunResult r = run_in(home, args, 120);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("error: " + bad + ": "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(reason_part), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("Segmentation"), std::string::npos);
  std::vector<json> lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), 2u) << r.out;
  EXPECT_EQ(lines[0]["input"], bad);
  EXPECT_TRUE(lines[0].contains("error")) << lines[0].dump();
  expect_movie_found(lines);
  EXPECT_LT(seconds, 90) << "a bad input took too long to be refused";
}

}  // namespace

TEST_F(ScanCli, FindsJesperInMovieAsJsonTextAndCsv) {
  RunResult json_run = run_in(home(), {"scan", movie_avi().string(), "--format", "json"});
  ASSERT_EQ(json_run.exit_code, 0) << json_run.err;
  EXPECT_TRUE(json_run.err.empty()) << "--format json must be silent on stderr: " << json_run.err;
  auto lines = json_lines(json_run.out);
  ASSERT_EQ(lines.size(), 1u);
  expect_movie_found(lines);
  EXPECT_GT(lines[0]["frames_sampled"].get<int>(), 15);
  for (const char* stage : {"decode", "detect", "align", "embed", "match", "wall"})
    EXPECT_TRUE(lines[0]["timings"].contains(stage)) << stage;

  RunResult text = run_in(home(), {"scan", movie_avi().string()});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("1 appearance"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("jesper"), std::string::npos) << text.out;

  fs::path evidence = work_ / "evidence";
  RunResult csv = run_in(
      home(), {"scan", movie_avi().string(), "--format", "csv", "--evidence", evidence.string()});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  std::istringstream rows(csv.out);
  std::string header, row, extra;
  std::getline(rows, header);
  std::getline(rows, row);
  EXPECT_FALSE(std::getline(rows, extra)) << "one appearance, one row";
  EXPECT_EQ(header.rfind("input,target,start,end,best_time,score,distance,", 0), 0u) << header;
  EXPECT_EQ(row.rfind(movie_avi().string() + ",jesper,", 0), 0u) << row;
  std::size_t frames = 0;
  for (const auto& e : fs::directory_iterator(evidence)) frames += e.path().extension() == ".jpg";
  EXPECT_EQ(frames, 2u) << "one annotated frame and one crop";
  EXPECT_NE(row.find((evidence / "movie-jesper-1-frame.jpg").string()), std::string::npos) << row;
}

TEST_F(ScanCli, OtherPeopleOnlyExitsOne) {
  ClipSpec spec;
  spec.duration = 2.4;
  spec.segments = {Background::pattern("testsrc2"), Background::solid("0x402020").from(1.2)};
  spec.overlays.push_back(Overlay::image(face_api_dir() / "demo" / "sample4.jpg", 0.0, 2.4)
                              .scaled_to_height(420)
                              .at(0, 300));
  fs::path clip = make_clip(spec);
  RunResult r = run_in(home(), {"scan", clip.string(), "--format", "json"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  auto lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(lines[0]["appearances"].empty()) << lines[0].dump();
  EXPECT_GT(lines[0]["faces"].get<int>(), 0) << "the strangers were seen, and not taken for Jesper";
  RunResult text = run_in(home(), {"scan", clip.string()});
  EXPECT_EQ(text.exit_code, 1);
  EXPECT_NE(text.out.find("0 appearances"), std::string::npos) << text.out;
}

TEST_F(ScanCli, TruncatedMp4) {
  fs::path full = work_ / "full.mp4", cut = work_ / "truncated.mp4";
  ffmpeg({"-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30:duration=2", "-c:v", "libx264",
          "-pix_fmt", "yuv420p", full.string()});
  std::ifstream in(full, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), {});
  write_file(cut, bytes.substr(0, bytes.size() / 2));
  expect_named_error(home(), cut.string(), "");
}

TEST_F(ScanCli, TextFileNamedMp4) {
  fs::path text = work_ / "notes.mp4";
  write_file(text, "this is a text file, not a video\n");
  expect_named_error(home(), text.string(), "");
}

TEST_F(ScanCli, AudioOnlyFile) {
  fs::path audio = work_ / "audio.mp4";
  ffmpeg({"-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-c:a", "aac", audio.string()});
  expect_named_error(home(), audio.string(), "");
}

TEST_F(ScanCli, ZeroLengthVideo) {
  fs::path empty = work_ / "empty.mp4";
  write_file(empty, "");
  expect_named_error(home(), empty.string(), "");
}

TEST_F(ScanCli, MissingFile) {
  expect_named_error(home(), (work_ / "nowhere.mp4").string(), "");
}

TEST_F(ScanCli, UrlThatReturns404) {
  LocalServer server(LocalServer::Mode::not_found);
  expect_named_error(home(), server.url("/clip.mp4"), "404");
}

TEST_F(ScanCli, UrlThatNeverAnswersTimesOut) {
  LocalServer server(LocalServer::Mode::silent);
  expect_named_error(home(), server.url("/clip.mp4"), "", {"--download-timeout", "2"});
}

TEST_F(ScanCli, UnknownTargetIsAnError) {
  RunResult r = run_in(home(), {"scan", movie_avi().string(), "--target", "nobody"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("nobody: no such target"), std::string::npos) << r.err;
}

namespace {

// A home that shares the suite's enrolled targets and models, with its own
// trendwatch.toml (picked up without --config).
fs::path home_with_config(const fs::path& shared, const std::string& toml) {
  fs::path home = fresh_home("cli-scan-config");
  fs::create_directory_symlink(shared / "targets", home / "targets");
  write_file(home / "trendwatch.toml", toml);
  return home;
}

int frames_sampled(const RunResult& r) {
  auto lines = json_lines(r.out);
  return lines.size() == 1 ? lines[0]["frames_sampled"].get<int>() : -1;
}

}  // namespace

TEST_F(ScanCli, TheConfigsScanSectionAppliesAndAFlagOverridesIt) {
  const fs::path home = home_with_config(ScanCli::home(), "[scan]\nfps = 2\n");
  const std::string movie = movie_avi().string();
  // movie.avi is 4.5 s: samples at 0, 0.5, ..., 4.0 at 2 fps; 23 at 5 fps.
  RunResult from_file = run_in(home, {"scan", movie, "--format", "json"});
  EXPECT_EQ(from_file.exit_code, 0) << from_file.err;
  EXPECT_EQ(frames_sampled(from_file), 9) << from_file.out;
  RunResult flag = run_in(home, {"scan", movie, "--format", "json", "--fps", "5"});
  EXPECT_EQ(frames_sampled(flag), 23) << flag.out;

  // --config FILE instead of the home's file.
  const fs::path other = work_ / "other.toml";
  write_file(other, "[scan]\nfps = 1\n");
  RunResult explicit_file =
      run_in(home, {"scan", movie, "--format", "json", "--config", other.string()});
  EXPECT_EQ(frames_sampled(explicit_file), 5) << explicit_file.out;

  // Without a config file, the flags' defaults.
  RunResult none = run_in(ScanCli::home(), {"scan", movie, "--format", "json"});
  EXPECT_EQ(frames_sampled(none), 23) << none.out;
}

TEST_F(ScanCli, ConfigTargetsAreScannedUnlessTargetFlagsAreGiven) {
  const fs::path home = home_with_config(ScanCli::home(), "[scan]\ntargets = [\"nobody\"]\n");
  RunResult configured = run_in(home, {"scan", movie_avi().string()});
  EXPECT_EQ(configured.exit_code, 2);
  EXPECT_NE(configured.err.find("nobody: no such target"), std::string::npos) << configured.err;
  RunResult flagged = run_in(home, {"scan", movie_avi().string(), "--target", "jesper"});
  EXPECT_EQ(flagged.exit_code, 0) << flagged.err;
}

TEST_F(ScanCli, ABadConfigIsAnErrorNamingItsLine) {
  const fs::path home = home_with_config(ScanCli::home(), "[scan]\nfps = 5\nspeed = 2\n");
  RunResult r = run_in(home, {"scan", movie_avi().string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("trendwatch.toml:3"), std::string::npos) << r.err;
}

TEST_F(ScanCli, DownloadSizeLimitsFromTheConfigOrEitherFlag) {
  LocalServer server(LocalServer::Mode::body, read_file(movie_avi()));  // 491853 bytes
  const std::string url = server.url("/movie.avi");
  auto scan_url = [&](const fs::path& home, std::vector<std::string> flags) {
    std::vector<std::string> args = {"scan", url, "--format", "json"};
    args.insert(args.end(), flags.begin(), flags.end());
    return run_in(home, args, 120);
  };
  auto refused = [](const RunResult& r) {
    return r.exit_code == 2 && r.err.find("larger than the size limit") != std::string::npos;
  };
  const fs::path small = home_with_config(ScanCli::home(), "[scan]\nmax_video_bytes = \"100kB\"\n");
  RunResult r = scan_url(small, {});
  EXPECT_TRUE(refused(r)) << r.exit_code << r.err;
  r = scan_url(small, {"--max-download-mb", "1"});
  EXPECT_EQ(r.exit_code, 0) << "the flag overrides [scan] max_video_bytes: " << r.err;
  r = scan_url(small, {"--max-download", "1MB"});
  EXPECT_EQ(r.exit_code, 0) << r.err;

  r = scan_url(ScanCli::home(), {"--max-download", "100kB"});
  EXPECT_TRUE(refused(r)) << r.exit_code << r.err;
  r = scan_url(ScanCli::home(), {"--max-download-mb", "0.1"});
  EXPECT_TRUE(refused(r)) << r.exit_code << r.err;
  r = scan_url(ScanCli::home(), {"--max-download", "lots"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--max-download: \"lots\" is not a size"), std::string::npos) << r.err;
  r = scan_url(ScanCli::home(), {"--max-download", "1MB", "--max-download-mb", "1"});
  EXPECT_EQ(r.exit_code, 2) << "one size limit or the other";
}
