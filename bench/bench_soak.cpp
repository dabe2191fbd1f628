// Soak: the real monitor, `trendwatch watch` as a child process, for N
// minutes against local feeds that fail at random (seeded), on SQLite.  It
// publishes a new short video every ~15 s on one of three sources (a URL
// list and a command source served over HTTP by this program, and a folder
// it writes), some showing the enrolled target (Jesper), and injects faults
// from a plan drawn from --seed (soak_schedule.h): listings answering 500 or
// 429, hanging past the source's timeout or cut off mid-body; downloads cut
// off mid-body or 404 for up to 90 s; the webhook answering 500 or hanging
// past the sink's timeout.  The last tenth of the run (25-120 s) publishes
// nothing and injects nothing, so that the monitor can catch up.  Then it
// stops the monitor with SIGTERM and counts, from the store and from what
// the webhook receiver accepted, what was lost and what was delivered twice;
// it samples the monitor's memory and open files during the run.
//
//   TRENDWATCH_HOME=build/test-home build/bench/bench_soak [--minutes 5] [--seed 1]
//   build/bench/bench_soak --plan [--seconds 60] [--seed 1]     the plan only, as JSON
//
// Prints one line per figure and a final JSON line; exits 1 when a video or
// an alert was lost, an alert was delivered twice, the open files grew by
// more than --fd-margin, the monitor did not stop cleanly, or the webhook's
// secret path is in its log or store; 2 when it could not run.  Needs the test models
// (build/test-home, installed by ctest's models fixture); the clips are generated once into
// build/test-clips/.
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench_options.h"
#include "soak_schedule.h"
#include "soak_servers.h"
#include "store/store.h"
#include "support/clips.h"
#include "support/kphotoalbum.h"
#include "support/test_support.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace tw::bench;
using Clock = std::chrono::steady_clock;

namespace {

constexpr double kSourceEvery = 5;    // seconds between two listings of a source
constexpr double kSourceTimeout = 8;  // one listing
constexpr double kHookTimeout = 3;    // one webhook delivery
constexpr const char* kSinkName = "soak-hook";

const char* const kDefinitions =
    "definitions:\n"
    "  published     videos the bench put on a source (URL list, command listing, folder)\n"
    "  listed        published videos the store knows (the monitor listed them)\n"
    "  scanned       published videos scanned to completion (state done)\n"
    "  retrying      published videos queued or being scanned at the end (a failed download\n"
    "                waits 1-2 min for its retry): not lost\n"
    "  lost          published videos that are neither scanned nor retrying at the end: never\n"
    "                listed, or given up (state failed).  Every video is reachable: each\n"
    "                fault ends before the drain, a 404 within 90 s, before the third scan\n"
    "  alerts_lost   alerts the store marks delivered to the webhook that it never accepted,\n"
    "                plus deliveries given up\n"
    "  duplicated    alerts the webhook accepted more than once: the same id again, or\n"
    "                another id for the same appearance (same video and target, overlapping\n"
    "                times)\n"
    "  fds_start     open files of the monitor: the fewest in the 10 s after its first scan\n"
    "  fds_end       the fewest in the last 10 s before SIGTERM (the fewest, so that a\n"
    "                listing or download in flight is not counted as a leak)\n"
    "  peak_memory   the monitor's VmHWM (peak resident set) at the end of the run\n";

std::string utc_now() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

// --- the clips ------------------------------------------------------------------

// A photo shown from 0.3 to 3.2 s of a 3.5 s 360x640 clip, as wide as the clip.
tw::test::ClipSpec photo_clip(const fs::path& photo, const std::string& background) {
  tw::test::ClipSpec spec;
  spec.width = 360;
  spec.height = 640;
  spec.duration = 3.5;
  spec.segments = {tw::test::Background::solid(background)};
  cv::Mat image = cv::imread(photo.string(), cv::IMREAD_REDUCED_GRAYSCALE_4);
  const double width = image.empty() ? 1000 : image.cols * 4.0;
  spec.overlays.push_back(
      tw::test::Overlay::image(photo, 0.3, 3.2).scaled_by(340.0 / width).at(10, 150));
  return spec;
}

// Clips [0, 2) show Jesper (an enrollment photo), [2, 6) do not: two of
// face-api's group photos of other people and two moving patterns.
std::vector<fs::path> make_clip_set(const std::vector<std::string>& jesper_photos) {
  std::vector<fs::path> clips;
  // The first photo, still and then moving (his face in the others is too
  // small at this width to be found at all).
  tw::test::ClipSpec still = photo_clip(jesper_photos.at(0), "0x203040");
  tw::test::ClipSpec moving = photo_clip(jesper_photos.at(0), "0x402030");
  moving.overlays[0] = moving.overlays[0].moving(0, 100, 20, 260);
  clips.push_back(tw::test::make_clip(still));
  clips.push_back(tw::test::make_clip(moving));
  const fs::path demo = tw::test::face_api_dir() / "demo";
  clips.push_back(tw::test::make_clip(photo_clip(demo / "sample2.jpg", "0x304020")));
  clips.push_back(tw::test::make_clip(photo_clip(demo / "sample3.jpg", "0x203040")));
  for (const char* pattern : {"testsrc2", "mandelbrot"}) {
    tw::test::ClipSpec spec;
    spec.width = 360;
    spec.height = 640;
    spec.duration = 3.5;
    spec.segments = {tw::test::Background::pattern(pattern)};
    clips.push_back(tw::test::make_clip(spec));
  }
  return clips;
}

std::vector<std::string> jesper_photo_paths() {
  std::vector<std::string> out;
  for (const auto& p : tw::test::photos_of_only("Jesper"))
    if (p.angle == 0) out.push_back(p.file.string());
  return out;
}

// --- the monitor process ------------------------------------------------------------

// Runs argv with stdout to /dev/null and stderr to `log`; the child is
// killed if this program dies first (a soak must not leave a monitor behind).
pid_t spawn(const std::vector<std::string>& argv, const fs::path& log) {
  pid_t pid = ::fork();
  if (pid != 0) return pid;
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  int null_fd = ::open("/dev/null", O_WRONLY);
  int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (null_fd < 0 || log_fd < 0) ::_exit(127);
  ::dup2(null_fd, 1);
  ::dup2(log_fd, 2);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  ::execv(args[0], args.data());
  ::_exit(127);
}

struct ProcSample {
  double at = 0;  // soak seconds
  int fds = -1;
  long hwm_kib = -1, rss_kib = -1;
};

ProcSample sample_process(pid_t pid, double at) {
  ProcSample s;
  s.at = at;
  const fs::path proc = "/proc/" + std::to_string(pid);
  std::error_code ec;
  int fds = 0;
  for (auto it = fs::directory_iterator(proc / "fd", ec); !ec && it != fs::directory_iterator();
       it.increment(ec))
    ++fds;
  if (!ec) s.fds = fds;
  std::ifstream status(proc / "status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmHWM:", 0) == 0) s.hwm_kib = std::atol(line.c_str() + 6);
    if (line.rfind("VmRSS:", 0) == 0) s.rss_kib = std::atol(line.c_str() + 6);
  }
  return s;
}

// The monitor's JSON-lines log, read as it grows: counts per event name.
class LogTail {
 public:
  explicit LogTail(fs::path file) : file_(std::move(file)) {}

  void read() {
    std::ifstream in(file_, std::ios::binary);
    if (!in) return;
    in.seekg(offset_);
    std::string chunk((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    offset_ += static_cast<std::streamoff>(chunk.size());
    partial_ += chunk;
    std::size_t start = 0;
    for (std::size_t end; (end = partial_.find('\n', start)) != std::string::npos;
         start = end + 1) {
      json line = json::parse(partial_.substr(start, end - start), nullptr, false);
      if (line.is_object() && line.contains("event") && line["event"].is_string())
        ++counts_[line["event"].get<std::string>()];
    }
    partial_.erase(0, start);
  }
  int count(const std::string& event) const {
    auto it = counts_.find(event);
    return it == counts_.end() ? 0 : it->second;
  }
  const std::map<std::string, int>& counts() const { return counts_; }

 private:
  fs::path file_;
  std::streamoff offset_ = 0;
  std::string partial_;
  std::map<std::string, int> counts_;
};

std::string toml_string(const std::string& text) {
  return json(text).dump();  // a JSON string is a valid TOML basic string here
}

// --- the count -------------------------------------------------------------------

struct Figures {
  int published = 0, listed = 0, scanned = 0, retrying = 0, given_up = 0, never_listed = 0;
  int scanned_twice = 0, unknown_videos = 0;
  int appearances = 0, surges = 0, alerts_received = 0, alerts_pending = 0, alerts_lost = 0;
  int alerts_unknown = 0, duplicated_ids = 0, duplicated_appearances = 0;
  std::vector<std::string> lost_names;
  int lost() const { return given_up + never_listed; }
  int duplicated() const { return duplicated_ids + duplicated_appearances; }
};

Figures count(tw::store::Store& store, const SoakPlan& plan, const SoakFeed& feed,
              const fs::path& inbox, const std::vector<ReceivedAlert>& accepted) {
  Figures f;
  std::map<std::string, tw::store::VideoRecord> by_url;
  for (auto& v : store.videos(std::nullopt, 1000000, 0)) by_url[v.ref.url] = v;
  std::set<std::string> published_urls;
  for (const PlannedVideo& p : plan.videos) {
    const std::string url = p.source == SoakSource::folder
                                ? (inbox / p.name).lexically_normal().string()
                                : feed.url("/media/" + p.name);
    published_urls.insert(url);
    ++f.published;
    auto it = by_url.find(url);
    if (it == by_url.end()) {
      ++f.never_listed;
      f.lost_names.push_back(p.name + " (never listed)");
      continue;
    }
    ++f.listed;
    switch (it->second.state) {
      case tw::store::VideoState::done: {
        ++f.scanned;
        auto detail = store.video(it->second.id);
        int done_scans = 0;
        for (const auto& s : detail ? detail->scans : std::vector<tw::store::ScanRecord>{})
          done_scans += s.status == "done";
        f.scanned_twice += done_scans > 1;
        break;
      }
      case tw::store::VideoState::queued:
      case tw::store::VideoState::scanning:
        ++f.retrying;
        break;
      case tw::store::VideoState::failed:
        ++f.given_up;
        f.lost_names.push_back(p.name + " (given up: " + it->second.last_error + ")");
        break;
    }
  }
  for (const auto& [url, v] : by_url) f.unknown_videos += !published_urls.count(url);

  // Alerts: what the store says of each one against what the receiver accepted.
  std::map<std::string, int> accepted_by_id;
  for (const auto& a : accepted) ++accepted_by_id[a.id];
  f.alerts_received = static_cast<int>(accepted_by_id.size());
  for (const auto& [id, n] : accepted_by_id) f.duplicated_ids += n - 1;
  std::set<std::string> known_ids;
  auto check_deliveries = [&](const std::string& id) {
    known_ids.insert(id);
    for (const auto& d : store.deliveries_for(id)) {
      if (d.sink != kSinkName) continue;
      if (d.state == tw::store::DeliveryState::pending) ++f.alerts_pending;
      if (d.state == tw::store::DeliveryState::failed) ++f.alerts_lost;
      if (d.state == tw::store::DeliveryState::delivered && !accepted_by_id.count(id))
        ++f.alerts_lost;
    }
  };
  tw::store::AppearanceFilter all;
  all.limit = 1000000;
  for (const auto& a : store.appearances(all)) {
    ++f.appearances;
    check_deliveries(a.id);
  }
  for (const auto& s : store.surges("", 0)) {
    ++f.surges;
    check_deliveries(s.id);
  }
  for (const auto& [id, n] : accepted_by_id) f.alerts_unknown += !known_ids.count(id);

  // The same appearance under two ids: same video and target, overlapping times.
  std::map<std::pair<std::string, std::string>, std::vector<const ReceivedAlert*>> by_video;
  std::set<std::string> seen;
  for (const auto& a : accepted)
    if (a.type == "appearance" && seen.insert(a.id).second)
      by_video[{a.video_url, a.target}].push_back(&a);
  for (const auto& [key, list] : by_video)
    for (std::size_t i = 0; i < list.size(); ++i)
      for (std::size_t j = i + 1; j < list.size(); ++j)
        f.duplicated_appearances +=
            list[i]->start <= list[j]->end && list[j]->start <= list[i]->end;
  return f;
}

int minimum_fds(const std::vector<ProcSample>& samples, double from, double to) {
  int best = -1;
  for (const auto& s : samples)
    if (s.at >= from && s.at <= to && s.fds >= 0) best = best < 0 ? s.fds : std::min(best, s.fds);
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  BenchOptions args(
      "bench_soak",
      "Runs `trendwatch watch` against local feeds failing at random (seeded) and counts what\n"
      "was lost or delivered twice, its peak memory and its open files.",
      {{"--minutes", "N", "length of the run (default 5)"},
       {"--seconds", "N", "length of the run in seconds, instead of --minutes"},
       {"--seed", "N", "the plan's seed: publications and faults (default 1)"},
       {"--interval", "SECONDS", "mean time between two publications (default 15)"},
       {"--fd-margin", "N", "open files the monitor may gain before the soak fails (default 4)"},
       {"--trendwatch", "EXE", "the trendwatch program (default: next to this one)"},
       {"--keep", "", "keep the work folder (the monitor's log, store and config)"},
       {"--plan", "", "print the plan drawn from the seed as JSON and exit"}});
  args.parse(argc, argv);
  ::signal(SIGPIPE, SIG_IGN);  // a client gone mid-answer is an error, not our death
  SoakPlanOptions plan_options;
  plan_options.seconds = args.has("--seconds") ? args.integer("--seconds", 60, 40)
                                               : 60.0 * args.integer("--minutes", 5, 1);
  plan_options.seed = static_cast<std::uint64_t>(args.integer("--seed", 1, 0));
  plan_options.interval = args.integer("--interval", 15, 2);
  const int fd_margin = args.integer("--fd-margin", 4, 0);
  const SoakPlan plan = make_soak_plan(plan_options);
  if (args.has("--plan")) {
    std::cout << plan.to_json().dump() << "\n";
    return 0;
  }

  fs::path self = fs::absolute(argv[0]).parent_path();
  fs::path exe = args.text(
      "--trendwatch",
      (fs::exists(self / "trendwatch") ? self / "trendwatch" : self.parent_path() / "trendwatch")
          .string());
  const char* installed_home = std::getenv("TRENDWATCH_HOME");
  if (!installed_home || !fs::exists(fs::path(installed_home) / "models")) {
    std::cerr << "bench_soak: set TRENDWATCH_HOME to a home with the models installed\n";
    return 2;
  }
  if (!fs::exists(exe)) {
    std::cerr << "bench_soak: " << exe << ": no such program (--trendwatch)\n";
    return 2;
  }

  std::cout << "bench_soak: seed " << plan_options.seed << ", " << plan_options.seconds
            << " s (drain " << plan.drain << " s), " << plan.videos.size() << " videos planned, "
            << plan.urls_faults.size() + plan.command_faults.size() << " listing and "
            << plan.hook_faults.size() << " webhook fault windows; started " << utc_now() << "\n"
            << kDefinitions << std::flush;

  const fs::path work =
      fs::absolute(fs::temp_directory_path() / ("bench-soak-" + std::to_string(::getpid())))
          .lexically_normal();
  const fs::path home = work / "home", inbox = work / "inbox", log_file = work / "monitor.log";
  fs::create_directories(home);
  fs::create_directories(inbox);
  fs::create_directory_symlink(fs::absolute(fs::path(installed_home) / "models"), home / "models");

  std::vector<std::string> clips;
  const std::vector<std::string> jesper = jesper_photo_paths();
  try {
    for (const fs::path& clip : make_clip_set(jesper)) clips.push_back(tw::test::read_file(clip));
  } catch (const std::exception& e) {
    std::cerr << "bench_soak: making the clips: " << e.what() << "\n";
    return 2;
  }
  std::vector<std::string> enroll = {exe.string(), "target",    "add",
                                     "jesper",     "--largest", "--photos"};
  enroll.insert(enroll.end(), jesper.begin(), jesper.end());
  auto enrolled = tw::test::run_program(enroll, {"TRENDWATCH_HOME=" + home.string()}, 300);
  if (enrolled.exit_code != 0) {
    std::cerr << "bench_soak: enrolling jesper failed: " << enrolled.err << "\n";
    return 2;
  }

  SoakClock clock;
  SoakFeed feed(plan, clips, clock, kSourceTimeout + 2);
  // The webhook's path is a secret, as a Slack webhook's is.
  std::mt19937_64 token_random(plan_options.seed ^ 0x50a4);
  const std::string token = "t" + std::to_string(token_random());
  SoakReceiver receiver(plan, clock, token, kHookTimeout + 2);

  const fs::path db = work / "soak.db", config = work / "soak.toml";
  {
    std::ofstream toml(config);
    toml << "[store]\nurl = " << toml_string("sqlite://" + db.string()) << "\n\n"
         << "[scan]\nfps = 5\ndownload_timeout = \"30s\"\n\n"
         << "[watch]\nconcurrency = 2\nevery = \"" << kSourceEvery << "s\"\n"
         << "source_timeout = \"" << kSourceTimeout << "s\"\n"
         << "outbox_retry_initial = \"1s\"\noutbox_retry_max = \"10s\"\n"
         << "cache_dir = " << toml_string((work / "cache").string()) << "\n\n"
         << "[[source]]\nname = \"feed-urls\"\nkind = \"urls\"\nlocation = "
         << toml_string(feed.url("/urls/list.txt")) << "\n\n"
         << "[[source]]\nname = \"feed-command\"\nkind = \"command\"\ncommand = ["
         << toml_string("/usr/bin/curl") << ", \"-sS\", \"--fail\", "
         << toml_string(feed.url("/cmd/list.jsonl")) << "]\n\n"
         << "[[source]]\nname = \"inbox\"\nkind = \"folder\"\nlocation = "
         << toml_string(inbox.string()) << "\n\n"
         << "[[alert]]\nkind = \"webhook\"\nname = \"" << kSinkName
         << "\"\nurl = " << toml_string(receiver.hook_url()) << "\ntimeout = \"" << kHookTimeout
         << "s\"\n";
  }

  ::setenv("TRENDWATCH_HOME", home.c_str(), 1);
  const pid_t pid = spawn({exe.string(), "watch", "--config", config.string()}, log_file);
  if (pid < 0) {
    std::cerr << "bench_soak: cannot start " << exe << "\n";
    return 2;
  }
  LogTail log(log_file);
  const auto started = Clock::now();
  int status = 0;
  bool exited = false;
  while (log.count("start") == 0 && Clock::now() - started < std::chrono::minutes(2)) {
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      exited = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    log.read();
  }
  if (exited || log.count("start") == 0) {
    std::cerr << "bench_soak: the monitor did not start; see " << log_file << "\n";
    if (!exited) ::kill(pid, SIGKILL), ::waitpid(pid, &status, 0);
    return 2;
  }
  clock.restart();

  // The run: publish as planned, sample the monitor every second.
  std::vector<ProcSample> samples;
  double warm = -1;  // when the first scan was done
  std::size_t next_video = 0;
  double next_sample = 0;
  while (!exited && clock.elapsed() < plan_options.seconds) {
    const double now = clock.elapsed();
    while (next_video < plan.videos.size() && plan.videos[next_video].at <= now) {
      const PlannedVideo& v = plan.videos[next_video++];
      if (v.source != SoakSource::folder) {
        feed.publish(v);
        continue;
      }
      // The folder: written whole, or in two halves a second apart.
      const std::string& bytes = clips[static_cast<std::size_t>(v.clip)];
      std::ofstream out(inbox / v.name, std::ios::binary);
      if (v.fault == DownloadFault::slow_write) {
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size() / 2));
        out.flush();
        std::this_thread::sleep_for(std::chrono::seconds(1));
        out.write(bytes.data() + bytes.size() / 2,
                  static_cast<std::streamsize>(bytes.size() - bytes.size() / 2));
      } else {
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
      }
    }
    if (now >= next_sample) {
      samples.push_back(sample_process(pid, now));
      next_sample = now + 1;
      log.read();
      if (warm < 0 && log.count("scan.done") > 0) warm = now;
    }
    if (::waitpid(pid, &status, WNOHANG) == pid) exited = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  const ProcSample last = samples.empty() ? ProcSample{} : samples.back();
  const bool died_early = exited;

  // Stop: SIGTERM, at most 60 s, then SIGKILL.
  const auto stopping = Clock::now();
  bool stopped_cleanly = false;
  if (!exited) {
    ::kill(pid, SIGTERM);
    while (Clock::now() - stopping < std::chrono::seconds(60)) {
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        exited = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (!exited) ::kill(pid, SIGKILL), ::waitpid(pid, &status, 0);
    stopped_cleanly = exited && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }
  const double stop_seconds = std::chrono::duration<double>(Clock::now() - stopping).count();
  feed.stop();
  receiver.stop();
  log.read();

  Figures f;
  try {
    auto store = tw::store::open_store(db.string());
    f = count(*store, plan, feed, inbox, receiver.accepted());
  } catch (const std::exception& e) {
    std::cerr << "bench_soak: reading the store: " << e.what() << "\n";
    return 2;
  }
  const int fds_start = minimum_fds(samples, warm, warm + 10);
  const int fds_end = minimum_fds(samples, plan_options.seconds - 10, plan_options.seconds);
  int fds_max = 0;
  long rss_start = -1;
  for (const auto& s : samples) {
    fds_max = std::max(fds_max, s.fds);
    if (rss_start < 0 && warm >= 0 && s.at >= warm) rss_start = s.rss_kib;
  }
  // The resident set at each quarter of the run: warm-up levels off, a leak does not.
  json rss_by_quarter = json::array();
  for (int q = 1; q <= 4; ++q) {
    long rss = last.rss_kib;
    for (const auto& s : samples)
      if (s.at >= q * plan_options.seconds / 4 - 1) {
        rss = s.rss_kib;
        break;
      }
    rss_by_quarter.push_back(rss);
  }
  json faults = feed.faults();
  for (const auto& [name, n] : receiver.faults()) faults[name] = n;
  int faults_hit = 0;
  for (const auto& [name, n] : faults.items()) faults_hit += n.get<int>();

  // The webhook's path is a secret (issue 19 item 4): it must not leave the config.
  int secret_leaks = 0;
  for (const fs::path& file : {log_file, db, fs::path(db.string() + "-wal")})
    secret_leaks += tw::test::read_file(file).find(token) != std::string::npos;
  const bool fds_grew = fds_start < 0 || fds_end < 0 || fds_end - fds_start > fd_margin;
  const bool ok = !died_early && stopped_cleanly && f.lost() == 0 && f.alerts_lost == 0 &&
                  f.duplicated() == 0 && !fds_grew && log.count("fatal") == 0 && f.published > 0 &&
                  secret_leaks == 0;

  auto line = [](const std::string& name, const auto& value, const std::string& note = "") {
    std::cout << name << ": " << value << (note.empty() ? "" : "  (" + note + ")") << "\n";
  };
  std::cout << "finished " << utc_now() << "\n";
  line("published", f.published);
  line("listed", f.listed);
  line("scanned", f.scanned, std::to_string(f.scanned_twice) + " of them twice to completion");
  line("retrying", f.retrying);
  line("lost", f.lost(),
       std::to_string(f.never_listed) + " never listed, " + std::to_string(f.given_up) +
           " given up");
  for (const auto& name : f.lost_names) std::cout << "  lost: " << name << "\n";
  line("unknown_videos", f.unknown_videos, "in the store but never published");
  line("appearances", f.appearances);
  line("surges", f.surges);
  line("alerts_received", f.alerts_received, "distinct ids the webhook accepted");
  line("alerts_pending", f.alerts_pending, "still to be delivered at the end");
  line("alerts_lost", f.alerts_lost);
  line("alerts_unknown", f.alerts_unknown, "accepted ids the store does not know");
  line("duplicated", f.duplicated(),
       std::to_string(f.duplicated_ids) + " same id, " + std::to_string(f.duplicated_appearances) +
           " same appearance under another id");
  line("faults_hit", faults_hit, faults.dump());
  line("monitor_poll_failures", log.count("source.failed"));
  line("monitor_scan_failures", log.count("scan.failed"));
  line("peak_memory_kib", last.hwm_kib, "VmHWM");
  line("rss_kib", std::to_string(rss_start) + " -> " + std::to_string(last.rss_kib),
       "after the first scan -> at the end");
  line("rss_kib_by_quarter", rss_by_quarter.dump(), "at 1/4, 1/2, 3/4 and the end of the run");
  line("fds_start", fds_start);
  line("fds_end", fds_end,
       "margin " + std::to_string(fd_margin) + ", most at once " + std::to_string(fds_max));
  line("secret_leaks", secret_leaks, "files holding the webhook's secret path: log, store");
  line("stop_seconds", stop_seconds, stopped_cleanly ? "SIGTERM, exit 0" : "NOT a clean stop");
  line("result", ok ? "ok" : "FAILED");
  json report = {{"bench", "soak"},
                 {"seed", plan_options.seed},
                 {"seconds", plan_options.seconds},
                 {"published", f.published},
                 {"listed", f.listed},
                 {"scanned", f.scanned},
                 {"scanned_twice", f.scanned_twice},
                 {"retrying", f.retrying},
                 {"lost", f.lost()},
                 {"never_listed", f.never_listed},
                 {"given_up", f.given_up},
                 {"unknown_videos", f.unknown_videos},
                 {"appearances", f.appearances},
                 {"surges", f.surges},
                 {"alerts_received", f.alerts_received},
                 {"alerts_pending", f.alerts_pending},
                 {"alerts_lost", f.alerts_lost},
                 {"alerts_unknown", f.alerts_unknown},
                 {"duplicated", f.duplicated()},
                 {"faults_hit", faults},
                 {"peak_memory_kib", last.hwm_kib},
                 {"rss_start_kib", rss_start},
                 {"rss_end_kib", last.rss_kib},
                 {"rss_kib_by_quarter", rss_by_quarter},
                 {"fds_start", fds_start},
                 {"fds_end", fds_end},
                 {"fds_max", fds_max},
                 {"stop_seconds", stop_seconds},
                 {"stopped_cleanly", stopped_cleanly},
                 {"secret_leaks", secret_leaks},
                 {"ok", ok}};
  std::cout << report.dump() << std::endl;
  if (ok && !args.has("--keep")) {
    fs::remove_all(work);
  } else {
    std::cerr << "bench_soak: the run's files are in " << work << "\n";
  }
  return ok ? 0 : 1;
}
