// `trendwatch watch`, run as the real binary against real components: a feed
// and its videos served over HTTP from 127.0.0.1, a webhook receiver, SQLite
// on disk.  Asserts what was stored and what the receiver got, including
// after kill -9.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <fcntl.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "cli/cli_fixture.h"
#include "store/sqlite_locker.h"
#include "store/store.h"
#include "support/clips.h"
#include "watch/strangers_clip.h"
#include "watch/video_site.h"

namespace fs = std::filesystem;
using nlohmann::json;
using namespace tw::test;
using namespace std::chrono_literals;

namespace {

using Feed = VideoSite;

class Watch : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    home_ = new fs::path(fresh_home("watch"));
    enroll_jesper(*home_);
  }
  static void TearDownTestSuite() { delete home_; }

  void SetUp() override {
    work_ = fresh_dir("watch-run");
    db_ = work_ / "trendwatch.db";
  }

  // A config with the feed, extra TOML, and a webhook; watch_toml adds keys
  // to the [watch] table.
  fs::path write_config(const std::string& sources_toml, const std::string& watch_toml = "") {
    std::ostringstream toml;
    toml << "[store]\nurl = \"sqlite://" << db_.string() << "\"\n\n"
         << "[scan]\nfps = 5\n\n"
         << "[watch]\nconcurrency = 2\ncache_dir = \"" << (work_ / "cache").string() << "\"\n"
         << "outbox_retry_initial = \"1s\"\n"
         << watch_toml << "\n"
         << sources_toml << "\n"
         << "[[alert]]\nkind = \"webhook\"\nurl = \"" << feed_.url("/hook")
         << "\"\ntimeout = \"5s\"\n";
    fs::path file = work_ / "trendwatch.toml";
    write_file(file, toml.str());
    return file;
  }

  std::string feed_source() const {
    return "[[source]]\nname = \"demo\"\nkind = \"urls\"\nlocation = \"" + feed_.url("/list.txt") +
           "\"\nevery = \"1h\"\ntimeout = \"20s\"\n";
  }

  RunResult watch_once(const fs::path& config) {
    return run_in(*home_, {"watch", "--config", config.string(), "--once"}, 300);
  }

  std::unique_ptr<tw::store::Store> store() { return tw::store::open_store(db_.string()); }

  static fs::path* home_;
  Feed feed_;
  fs::path work_, db_;
};
fs::path* Watch::home_ = nullptr;

TEST_F(Watch, OncePollsScansAndAlertsEachAppearanceOnce) {
  feed_.add_video("movie.avi", movie_avi());
  feed_.add_video("others.mp4", strangers_clip());
  fs::path config = write_config(feed_source());

  RunResult r = watch_once(config);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("\"event\":\"scan.done\""), std::string::npos) << r.err;

  auto s = store();
  auto depth = s->queue_depth();
  EXPECT_EQ(depth.done, 2) << r.err;
  EXPECT_EQ(depth.queued + depth.scanning + depth.failed, 0);
  // Jesper is in movie.avi only; the other clip has other people.
  auto appearances = s->appearances({});
  ASSERT_GE(appearances.size(), 1u) << r.err;
  double covered = 0;
  for (const auto& a : appearances) {
    EXPECT_EQ(a.appearance.target, "jesper");
    EXPECT_EQ(a.video.url, feed_.url("/videos/movie.avi"));
    covered += a.appearance.end - a.appearance.start;
  }
  auto video = s->video(appearances[0].video_id);
  ASSERT_TRUE(video && video->video.duration);
  EXPECT_GE(covered, 0.7 * *video->video.duration);

  // The webhook got the contract's JSON, once per appearance.
  auto hooks = feed_.hooks();
  ASSERT_EQ(hooks.size(), appearances.size());
  std::map<std::string, json> by_id;
  for (const auto& h : hooks) by_id[h["id"].get<std::string>()] = h;
  ASSERT_EQ(by_id.size(), hooks.size()) << "an appearance was alerted twice";
  for (const auto& a : appearances) {
    ASSERT_TRUE(by_id.count(a.id)) << a.id;
    const json& h = by_id[a.id];
    EXPECT_EQ(h["target"], "jesper");
    EXPECT_EQ(h["video"]["url"], feed_.url("/videos/movie.avi"));
    EXPECT_EQ(h["video"]["source"], "demo");
    EXPECT_TRUE(h["text"].is_string() && !h["text"].get<std::string>().empty());
    EXPECT_NEAR(h["start"].get<double>(), a.appearance.start, 1e-3);
    EXPECT_NEAR(h["end"].get<double>(), a.appearance.end, 1e-3);
    EXPECT_GT(h["score"].get<double>(), 0.0);
    ASSERT_TRUE(h["evidence"].is_string()) << h.dump();
    EXPECT_TRUE(fs::exists(h["evidence"].get<std::string>())) << h.dump();
  }

  // A second run finds nothing new: no rescans, no second alert.
  RunResult again = watch_once(config);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(again.err.find("\"event\":\"scan.start\""), std::string::npos) << again.err;
  EXPECT_EQ(feed_.hooks().size(), hooks.size());
  EXPECT_EQ(store()->appearances({}).size(), appearances.size());
}

// A video that cannot be scanned keeps its download for the retry; the
// cache folder is trimmed to [watch] cache_max_bytes all the same.
TEST_F(Watch, DownloadsOfFailedVideosAreTrimmedToTheCacheLimit) {
  const fs::path junk = work_ / "junk.mp4";
  write_file(junk, std::string(5000, 'x'));  // not a video
  feed_.add_video("junk.mp4", junk);
  auto cached_files = [&] {
    int n = 0;
    for (const auto& e : fs::directory_iterator(work_ / "cache"))
      if (e.is_regular_file() && e.path().filename().string().front() != '.') ++n;
    return n;
  };

  RunResult kept = watch_once(write_config(feed_source()));
  EXPECT_NE(kept.err.find("\"event\":\"scan.failed\""), std::string::npos) << kept.err;
  EXPECT_EQ(cached_files(), 1) << "under the default limit the download waits for its retry";

  RunResult trimmed = watch_once(write_config(feed_source(), "cache_max_bytes = 1000\n"));
  EXPECT_NE(trimmed.err.find("\"event\":\"cache.trimmed\""), std::string::npos) << trimmed.err;
  EXPECT_EQ(cached_files(), 0);
  auto video = store()->videos({}, 10, 0);
  ASSERT_EQ(video.size(), 1u);
  EXPECT_NE(video[0].state, tw::store::VideoState::done);
}

TEST_F(Watch, BrokenSourcesShowInHealthAndTheOthersGoOn) {
  feed_.add_video("movie.avi", movie_avi());
  fs::path hang = work_ / "hang.sh";
  write_file(hang, "#!/bin/sh\nsleep 60\n");
  fs::path garbage = work_ / "garbage.sh";
  write_file(garbage, "#!/bin/sh\necho 'this is not json'\necho '{\"id\": 5'\nexit 3\n");
  fs::permissions(hang, fs::perms::owner_all);
  fs::permissions(garbage, fs::perms::owner_all);
  std::string toml = feed_source() +
                     "\n[[source]]\nname = \"fivehundred\"\nkind = \"urls\"\nlocation = \"" +
                     feed_.url("/fail/list.txt") + "\"\ntimeout = \"5s\"\n" +
                     "\n[[source]]\nname = \"hangs\"\nkind = \"command\"\ncommand = [\"" +
                     hang.string() + "\"]\ntimeout = \"2s\"\n" +
                     "\n[[source]]\nname = \"garbage\"\nkind = \"command\"\ncommand = [\"" +
                     garbage.string() + "\"]\ntimeout = \"5s\"\n";
  fs::path config = write_config(toml);

  auto start = std::chrono::steady_clock::now();
  RunResult r = watch_once(config);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_LT(seconds, 60) << "the hanging source held up the run";
  EXPECT_EQ(store()->queue_depth().done, 1) << r.err;
  EXPECT_EQ(feed_.hooks().size(), store()->appearances({}).size());
  EXPECT_GE(feed_.hooks().size(), 1u);

  RunResult status = run_in(*home_, {"status", "--config", config.string(), "--format", "json"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  json health = json::parse(status.out);
  std::map<std::string, json> by_name;
  for (const auto& s : health["sources"]) by_name[s["name"]] = s;
  ASSERT_EQ(by_name.size(), 4u) << status.out;
  EXPECT_EQ(by_name["demo"]["consecutive_failures"], 0);
  EXPECT_TRUE(by_name["demo"]["last_success_at"].is_string());
  for (const char* bad : {"fivehundred", "hangs", "garbage"}) {
    EXPECT_EQ(by_name[bad]["consecutive_failures"], 1) << bad << ": " << status.out;
    EXPECT_TRUE(by_name[bad]["last_error"].is_string()) << bad;
  }
  EXPECT_NE(by_name["fivehundred"]["last_error"].get<std::string>().find("500"), std::string::npos);
  EXPECT_EQ(health["queue"]["done"], 1);
}

// Starts `trendwatch watch --config CONFIG ARGS...` (the daemon) with its
// stderr in `log`; returns its pid.  A `wrapper` (a program and its
// arguments) runs first and execs the daemon's command line given after it.
pid_t start_daemon(const fs::path& home, const fs::path& config, const fs::path& log,
                   const std::vector<std::string>& extra,
                   const std::vector<std::string>& wrapper = {}) {
  pid_t pid = ::fork();
  if (pid == 0) {
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, 2);
    int null = ::open("/dev/null", O_RDWR);
    ::dup2(null, 0);
    ::dup2(null, 1);
    std::string env = home_env(home);
    ::putenv(env.data());
    std::vector<std::string> args = {trendwatch_exe().string(), "watch", "--config",
                                     config.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    args.insert(args.begin(), wrapper.begin(), wrapper.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execvp(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

// Waits (bounded) until ready() holds; false on timeout.
bool wait_until(const std::function<bool()>& ready, std::chrono::seconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (ready()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

// Starts the daemon, waits until `ready()` holds, kills it with SIGKILL.
// Returns false when that never happened within the timeout.
bool kill_when(const fs::path& home, const fs::path& config, const fs::path& log,
               const std::function<bool()>& ready, std::chrono::seconds timeout) {
  pid_t pid = start_daemon(home, config, log, {"--lease", "600"});
  bool seen = wait_until(ready, timeout);
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return seen;
}

TEST_F(Watch, KillNineMidScanLosesNothing) {
  feed_.add_video("movie.avi", movie_avi());
  feed_.add_video("others.mp4", strangers_clip());
  fs::path config = write_config(feed_source());

  // Killed while scanning: the videos are queued or leased, nothing is done.
  fs::path log = work_ / "first.log";
  auto scanning = [&] {
    return read_file(log).find("\"event\":\"scan.start\"") != std::string::npos;
  };
  ASSERT_TRUE(kill_when(*home_, config, log, scanning, 120s)) << read_file(log);
  EXPECT_EQ(feed_.hooks().size(), 0u);
  // The lease is 600 s: only taking back its own leases on restart lets the
  // next run finish now.
  RunResult r = watch_once(config);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto s = store();
  auto depth = s->queue_depth();
  EXPECT_EQ(depth.done, 2) << r.err;
  EXPECT_EQ(depth.queued + depth.scanning + depth.failed, 0) << r.err;
  auto appearances = s->appearances({});
  ASSERT_GE(appearances.size(), 1u);
  std::set<std::string> stored, received;
  for (const auto& a : appearances) stored.insert(a.id);
  auto hooks = feed_.hooks();
  for (const auto& h : hooks) received.insert(h["id"].get<std::string>());
  EXPECT_EQ(hooks.size(), appearances.size()) << "an appearance was alerted twice";
  EXPECT_EQ(received, stored);
}

TEST_F(Watch, KillNineMidDeliverySendsEachAppearanceOnceById) {
  feed_.add_video("movie.avi", movie_avi());
  fs::path config = write_config(feed_source());
  // The receiver takes 3 s to answer: the kill lands while the POST is open.
  feed_.set_hook_delay(3000ms);
  fs::path log = work_ / "first.log";
  auto posting = [&] { return !feed_.hooks().empty(); };
  ASSERT_TRUE(kill_when(*home_, config, log, posting, 120s)) << read_file(log);
  feed_.set_hook_delay(0ms);

  RunResult r = watch_once(config);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto s = store();
  auto appearances = s->appearances({});
  ASSERT_GE(appearances.size(), 1u);
  std::set<std::string> stored;
  for (const auto& a : appearances) {
    stored.insert(a.id);
    auto deliveries = s->deliveries_for(a.id);
    ASSERT_EQ(deliveries.size(), 1u);
    EXPECT_EQ(deliveries[0].state, tw::store::DeliveryState::delivered);
  }
  // The receiver may see the POST that was in flight at the kill a second
  // time (it was never marked delivered), never anything else: every body
  // carries its appearance's idempotency id, so a receiver drops the resend.
  auto hooks = feed_.hooks();
  std::set<std::string> received;
  for (const auto& h : hooks) received.insert(h["id"].get<std::string>());
  EXPECT_EQ(received, stored);
  EXPECT_LE(hooks.size(), appearances.size() + 1);
  // A third run sends nothing more.
  RunResult again = watch_once(config);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(feed_.hooks().size(), hooks.size());
}

TEST_F(Watch, BadConfigNamesTheLineAndExits2) {
  fs::path config = work_ / "bad.toml";
  write_file(config, "[scan]\nfps = 5\nbogus_key = 1\n");
  RunResult r = run_in(*home_, {"watch", "--config", config.string(), "--once"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(config.string() + ":3"), std::string::npos) << r.err;

  write_file(config, "[[source]]\nname = \"x\"\nkind = \"carrier-pigeon\"\nlocation = \"y\"\n");
  r = run_in(*home_, {"watch", "--config", config.string(), "--once"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("carrier-pigeon"), std::string::npos) << r.err;
}

}  // namespace

namespace {

// Fault injection (issue 19): the SQLite file is locked by another process
// for longer than the busy timeout (15 s) while the daemon runs.  Its polls,
// claims and deliveries fail meanwhile; it does not crash, and once the lock
// is gone the new video is listed, scanned and alerted once.
TEST_F(Watch, ADatabaseLockedLongerThanTheBusyTimeoutCostsARetryNotARow) {
  const std::string source = "[[source]]\nname = \"demo\"\nkind = \"urls\"\nlocation = \"" +
                             feed_.url("/list.txt") + "\"\nevery = \"2s\"\ntimeout = \"20s\"\n";
  fs::path config = write_config(source);
  fs::path log = work_ / "daemon.log";
  pid_t daemon = start_daemon(*home_, config, log, {});
  ASSERT_TRUE(wait_until(
      [&] { return read_file(log).find("\"event\":\"source.polled\"") != std::string::npos; },
      120s))
      << read_file(log);

  SqliteLocker locker(db_, 20);
  ASSERT_TRUE(locker.holding()) << locker.log();
  feed_.add_video("movie.avi", movie_avi());
  EXPECT_TRUE(locker.finish()) << locker.log();  // 20 s: longer than the busy timeout
  EXPECT_EQ(::waitpid(daemon, nullptr, WNOHANG), 0) << "the daemon died\n" << read_file(log);
  EXPECT_NE(read_file(log).find("database is locked"), std::string::npos) << read_file(log);

  const bool finished = wait_until(
      [&] {
        auto s = store();
        return s->queue_depth().done == 1 && !feed_.hooks().empty() &&
               feed_.hooks().size() == s->appearances({}).size();
      },
      240s);
  ::kill(daemon, SIGTERM);
  int status = 0;
  ::waitpid(daemon, &status, 0);
  ASSERT_TRUE(finished) << read_file(log);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << read_file(log);
  for (const auto& [id, times] : feed_.hooks_by_id()) EXPECT_EQ(times, 1) << id;
  EXPECT_EQ(store()->queue_depth().queued, 0);
}

// Fault injection (issue 19): the SQLite file is already locked by another
// process when the monitor starts, for longer than one busy timeout (15 s)
// but less than the open wait (60 s).  Startup waits instead of failing,
// then lists, scans and alerts as usual.
TEST_F(Watch, ADatabaseLockedAtStartIsWaitedFor) {
  feed_.add_video("movie.avi", movie_avi());
  fs::path config = write_config(feed_source());
  store();  // the database exists, as on a machine that ran before
  SqliteLocker locker(db_, 20);
  ASSERT_TRUE(locker.holding()) << locker.log();
  auto start = std::chrono::steady_clock::now();
  RunResult r = watch_once(config);
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(locker.finish()) << locker.log();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_GE(took, 15s) << "started under another process's write lock";
  auto s = store();
  EXPECT_EQ(s->queue_depth().done, 1) << r.err;
  ASSERT_GE(s->appearances({}).size(), 1u);
  EXPECT_EQ(feed_.hooks().size(), s->appearances({}).size());
}

// How a daemon ended after SIGTERM.
struct Stopped {
  bool in_time = false;  // it exited within the bound (else it was killed)
  bool cleanly = false;  // exit code 0
  std::chrono::milliseconds took{0};
};

// Sends SIGTERM and waits at most `bound` (then SIGKILL).
Stopped terminate(pid_t pid, std::chrono::seconds bound) {
  const auto start = std::chrono::steady_clock::now();
  ::kill(pid, SIGTERM);
  int status = 0;
  Stopped stopped;
  while (!stopped.in_time && std::chrono::steady_clock::now() - start < bound) {
    stopped.in_time = ::waitpid(pid, &status, WNOHANG) == pid;
    if (!stopped.in_time) std::this_thread::sleep_for(50ms);
  }
  stopped.took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  if (!stopped.in_time) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
  }
  stopped.cleanly = stopped.in_time && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  return stopped;
}

// Fault injection (issue 19): SIGTERM while a video is being downloaded.
// The download is cancelled, the daemon stops within seconds, the video goes
// back to the queue, and the next run scans it and alerts each appearance
// once.
TEST_F(Watch, SigtermMidDownloadStopsSoonAndTheVideoIsScannedOnceAfterRestart) {
  feed_.add_video("movie.avi", movie_avi());
  feed_.set_trickle(true);
  fs::path config = write_config(feed_source());
  fs::path log = work_ / "daemon.log";
  pid_t pid = start_daemon(*home_, config, log, {});
  ASSERT_TRUE(wait_until(
      [&] { return read_file(log).find("\"event\":\"scan.start\"") != std::string::npos; }, 120s))
      << read_file(log);
  std::this_thread::sleep_for(500ms);  // bytes are flowing
  Stopped stopped = terminate(pid, 30s);
  ASSERT_TRUE(stopped.in_time) << read_file(log);
  EXPECT_TRUE(stopped.cleanly) << read_file(log);
  EXPECT_LT(stopped.took, 10s);
  EXPECT_NE(read_file(log).find("\"event\":\"video.released\""), std::string::npos)
      << read_file(log);
  EXPECT_EQ(store()->queue_depth().queued, 1);
  EXPECT_TRUE(feed_.hooks().empty());

  feed_.set_trickle(false);
  RunResult r = watch_once(config);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto s = store();
  EXPECT_EQ(s->queue_depth().done, 1);
  ASSERT_GE(s->appearances({}).size(), 1u);
  EXPECT_EQ(feed_.hooks().size(), s->appearances({}).size());
  for (const auto& [id, times] : feed_.hooks_by_id()) EXPECT_EQ(times, 1) << id;
}

// Fault injection (issue 19): SIGTERM while a webhook POST waits for its
// answer.  The daemon stops within the sink's timeout; the delivery, never
// marked delivered, is made again after the restart under the same id, and
// then never again.
TEST_F(Watch, SigtermMidDeliveryStopsWithinTheTimeoutAndTheAlertKeepsItsId) {
  feed_.add_video("movie.avi", movie_avi());
  feed_.set_hook_delay(20000ms);
  fs::path config = write_config(feed_source());
  fs::path log = work_ / "daemon.log";
  pid_t pid = start_daemon(*home_, config, log, {});
  ASSERT_TRUE(wait_until([&] { return !feed_.hooks().empty(); }, 180s)) << read_file(log);
  Stopped stopped = terminate(pid, 30s);
  ASSERT_TRUE(stopped.in_time) << read_file(log);
  EXPECT_TRUE(stopped.cleanly) << read_file(log);
  EXPECT_LT(stopped.took, 12s);  // the webhook's timeout is 5 s
  feed_.set_hook_delay(0ms);

  RunResult r = watch_once(config);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto s = store();
  std::set<std::string> stored;
  for (const auto& a : s->appearances({})) {
    stored.insert(a.id);
    for (const auto& d : s->deliveries_for(a.id))
      EXPECT_EQ(d.state, tw::store::DeliveryState::delivered) << a.id;
  }
  ASSERT_FALSE(stored.empty());
  std::set<std::string> received;
  for (const auto& [id, times] : feed_.hooks_by_id()) {
    received.insert(id);
    EXPECT_LE(times, 2) << id;  // the one in flight at SIGTERM may come twice
  }
  EXPECT_EQ(received, stored);
  const size_t sent = feed_.hooks().size();
  ASSERT_EQ(watch_once(config).exit_code, 0);
  EXPECT_EQ(feed_.hooks().size(), sent);
}

// A wrapper for start_daemon: the daemon runs in its own mount namespace
// with `cache` on a 64 KiB tmpfs (exit 97 when mounting is not permitted).
std::vector<std::string> on_a_small_disk(const fs::path& cache) {
  return {"unshare",
          "-m",
          "--propagation",
          "private",
          "sh",
          "-c",
          "mount -t tmpfs -o size=64k tmpfs \"$0\" || exit 97; exec \"$@\"",
          cache.string()};
}

struct DaemonWait {
  bool seen = false;      // the daemon logged that many scan.failed events
  bool exited = false;    // it exited meanwhile
  bool no_tmpfs = false;  // it exited because the tmpfs could not be mounted
};

// Waits (2 minutes at most) until the daemon has logged `failures` scan.failed events.
DaemonWait wait_for_failures(pid_t pid, const fs::path& log, std::size_t failures) {
  DaemonWait w;
  int status = 0;
  w.seen = wait_until(
      [&] {
        w.exited = w.exited || ::waitpid(pid, &status, WNOHANG) == pid;
        std::string text = read_file(log);
        std::size_t n = 0;
        for (auto at = text.find("\"event\":\"scan.failed\""); at != std::string::npos;
             at = text.find("\"event\":\"scan.failed\"", at + 1))
          ++n;
        return w.exited || n >= failures;
      },
      120s);
  w.seen = w.seen && !w.exited;
  w.no_tmpfs = w.exited && WIFEXITED(status) && WEXITSTATUS(status) == 97;
  return w;
}

// The daemon's tmpfs (on_a_small_disk) grows to 64 MiB from outside; then,
// without a restart, its retry scans the video and alerts each appearance
// once; the daemon is stopped.
void grow_disk_then_expect_one_alert_each(
    pid_t pid, const fs::path& cache, const fs::path& log, VideoSite& feed,
    const std::function<std::unique_ptr<tw::store::Store>()>& store) {
  RunResult grow = run_program({"nsenter", "-t", std::to_string(pid), "-m", "mount", "-o",
                                "remount,size=64m", cache.string()});
  ASSERT_EQ(grow.exit_code, 0) << grow.err;
  const bool finished = wait_until(
      [&] {
        auto s = store();
        return s->queue_depth().done == 1 && !feed.hooks().empty() &&
               feed.hooks().size() == s->appearances({}).size();
      },
      180s);
  Stopped stopped = terminate(pid, 30s);
  ASSERT_TRUE(finished) << read_file(log);
  EXPECT_TRUE(stopped.cleanly) << read_file(log);
  for (const auto& [id, times] : feed.hooks_by_id()) EXPECT_EQ(times, 1) << id;
}

// Fault injection (issue 19): the download cache is on a full disk (a 64 KiB
// tmpfs in the daemon's own mount namespace).  The scan fails without
// losing the video, `status` names the full disk and its folder, and once
// the disk has room (the tmpfs grown from outside) the retry scans it and
// alerts once, with nobody restarting anything.
TEST_F(Watch, AFullCacheDiskIsShownAndWorkResumesWhenSpaceReturns) {
  const fs::path cache = work_ / "cache";
  fs::create_directories(cache);
  feed_.add_video("movie.avi", movie_avi());  // 480 KB: more than the disk holds
  fs::path config = write_config(feed_source());
  fs::path log = work_ / "daemon.log";
  pid_t pid = start_daemon(*home_, config, log, {}, on_a_small_disk(cache));
  DaemonWait failed = wait_for_failures(pid, log, 1);
  if (failed.no_tmpfs) GTEST_SKIP() << "mounting a tmpfs is not permitted here";
  ASSERT_FALSE(failed.exited) << read_file(log);
  ASSERT_TRUE(failed.seen) << read_file(log);
  EXPECT_NE(read_file(log).find("the disk is full"), std::string::npos) << read_file(log);

  RunResult status = run_in(*home_, {"status", "--config", config.string(), "--format", "json"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  json health = json::parse(status.out);
  ASSERT_EQ(health["retrying"].size(), 1u) << status.out;
  const std::string error = health["retrying"][0]["last_error"];
  EXPECT_NE(error.find("the disk is full: no space left to write into " + cache.string()),
            std::string::npos)
      << error;
  EXPECT_EQ(health["queue"]["queued"], 1);
  EXPECT_EQ(health["queue"]["failed"], 0);
  RunResult text = run_in(*home_, {"status", "--config", config.string()});
  EXPECT_NE(text.out.find("the disk is full"), std::string::npos) << text.out;

  // Room again: the daemon's tmpfs grows; its retry (a minute after the
  // failure) downloads, scans and alerts.
  grow_disk_then_expect_one_alert_each(pid, cache, log, feed_, [this] { return store(); });
}

// Fault injection (issue 19): beside a working feed, a command source and a
// yt-dlp source whose program each print 1 GiB.  In one `watch --once` both
// are killed at the 64 MiB output limit (not at their 10-minute timeout),
// their health names the limit, the feed is still listed, scanned and
// alerted, and the daemon never held the gigabytes (its peak memory).
TEST_F(Watch, SourcesThatPrintAGigabyteAreKilledAtTheLimitAndTheOthersGoOn) {
  feed_.add_video("movie.avi", movie_avi());
  const std::string gigabyte = " | head -c 1073741824\n";
  fs::path flood = work_ / "flood.sh";
  write_file(flood, "#!/bin/sh\nyes '{\"id\":\"x\",\"url\":\"u\"}'" + gigabyte);
  fs::path ytdlp = work_ / "yt-dlp";
  write_file(ytdlp,
             "#!/bin/sh\nif [ \"$1\" = --version ]; then echo 2026.11.01; exit 0; fi\n"
             "printf '{\"_type\":\"playlist\",\"entries\":['\n"
             "yes '{\"id\":\"1\",\"url\":\"u\"},'" +
                 gigabyte);
  fs::permissions(flood, fs::perms::owner_all);
  fs::permissions(ytdlp, fs::perms::owner_all);
  fs::path config = write_config(
      feed_source() + "\n[[source]]\nname = \"flood\"\nkind = \"command\"\ncommand = [\"" +
      flood.string() + "\"]\ntimeout = \"10m\"\n" +
      "\n[[source]]\nname = \"ytflood\"\nkind = \"ytdlp\"\nlocation = "
      "\"https://www.tiktok.com/@someone\"\nytdlp = \"" +
      ytdlp.string() + "\"\ntimeout = \"10m\"\n");

  fs::path log = work_ / "once.log";
  auto start = std::chrono::steady_clock::now();
  pid_t pid = start_daemon(*home_, config, log, {"--once"});
  int status = 0;
  struct rusage usage {};
  pid_t waited = 0;
  ASSERT_TRUE(
      wait_until([&] { return (waited = ::wait4(pid, &status, WNOHANG, &usage)) == pid; }, 300s))
      << read_file(log);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << read_file(log);
  EXPECT_LT(seconds, 240) << "a flood was not stopped at the limit";
  // ru_maxrss is in KiB: the scan's own needs, far below one flood.
  EXPECT_LT(usage.ru_maxrss, 1024L * 1024) << "peak " << usage.ru_maxrss << " KiB";

  EXPECT_EQ(store()->queue_depth().done, 1) << read_file(log);
  EXPECT_GE(feed_.hooks().size(), 1u);
  EXPECT_EQ(feed_.hooks().size(), store()->appearances({}).size());

  RunResult health_run =
      run_in(*home_, {"status", "--config", config.string(), "--format", "json"});
  ASSERT_EQ(health_run.exit_code, 0) << health_run.err;
  json health = json::parse(health_run.out);
  std::map<std::string, json> by_name;
  for (const auto& s : health["sources"]) by_name[s["name"]] = s;
  EXPECT_EQ(by_name["demo"]["consecutive_failures"], 0) << health_run.out;
  for (const char* flooding : {"flood", "ytflood"}) {
    EXPECT_EQ(by_name[flooding]["consecutive_failures"], 1) << flooding << ": " << health_run.out;
    ASSERT_TRUE(by_name[flooding]["last_error"].is_string()) << flooding;
    EXPECT_NE(by_name[flooding]["last_error"].get<std::string>().find(
                  "printed more than 64 MiB on standard output (its limit) and was killed"),
              std::string::npos)
        << by_name[flooding].dump();
  }
}

// Fault injection (issue 19): a disk that stays full through more retries
// than the video has attempts (here 1, retried every second or two) does
// not make the monitor give the video up: no-space failures use no attempt.
// Once the disk has room the video is scanned and alerted once.
TEST_F(Watch, AFullDiskUsesNoScanAttemptHoweverLongItLasts) {
  const fs::path cache = work_ / "cache";
  fs::create_directories(cache);
  feed_.add_video("movie.avi", movie_avi());
  fs::path config =
      write_config(feed_source(),
                   "scan_max_attempts = 1\nscan_retry_initial = \"1s\"\nscan_retry_max = \"2s\"\n");
  fs::path log = work_ / "daemon.log";
  pid_t pid = start_daemon(*home_, config, log, {}, on_a_small_disk(cache));
  DaemonWait failed = wait_for_failures(pid, log, 4);
  if (failed.no_tmpfs) GTEST_SKIP() << "mounting a tmpfs is not permitted here";
  ASSERT_TRUE(failed.seen) << read_file(log);
  EXPECT_NE(read_file(log).find("\"attempt_used\":false"), std::string::npos) << read_file(log);
  EXPECT_EQ(read_file(log).find("\"attempt_used\":true"), std::string::npos) << read_file(log);
  {
    auto video = store()->videos({}, 10, 0);
    ASSERT_EQ(video.size(), 1u);
    EXPECT_NE(video[0].state, tw::store::VideoState::failed) << video[0].last_error;
    EXPECT_NE(video[0].last_error.find("the disk is full"), std::string::npos)
        << video[0].last_error;
  }
  RunResult status = run_in(*home_, {"status", "--config", config.string(), "--format", "json"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  json health = json::parse(status.out);
  ASSERT_EQ(health["retrying"].size(), 1u) << status.out;
  EXPECT_EQ(health["retrying"][0]["attempts"], 0) << status.out;

  grow_disk_then_expect_one_alert_each(pid, cache, log, feed_, [this] { return store(); });
  EXPECT_EQ(store()->queue_depth().failed, 0);
}

TEST_F(Watch, SigtermGivesInFlightWorkBackAndExitsCleanly) {
  feed_.add_video("movie.avi", movie_avi());
  feed_.add_video("others.mp4", strangers_clip());
  fs::path config = write_config(feed_source());
  fs::path log = work_ / "daemon.log";
  pid_t pid = start_daemon(*home_, config, log, {});
  wait_until([&] { return read_file(log).find("\"event\":\"scan.start\"") != std::string::npos; },
             120s);
  Stopped stopped = terminate(pid, 60s);
  ASSERT_TRUE(stopped.in_time) << "watch did not stop on SIGTERM\n" << read_file(log);
  EXPECT_TRUE(stopped.cleanly) << read_file(log);
  EXPECT_NE(read_file(log).find("\"event\":\"stop\""), std::string::npos) << read_file(log);
  // Nothing is left leased: every video is done or back in the queue.
  auto depth = store()->queue_depth();
  EXPECT_EQ(depth.scanning, 0);
  EXPECT_EQ(depth.queued + depth.done, 2);
}

}  // namespace
