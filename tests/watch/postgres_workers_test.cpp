// Several `trendwatch worker` processes sharing one real PostgreSQL (started
// by scripts/start-postgres.sh on 127.0.0.1): videos served over HTTP from
// 127.0.0.1, alerts posted to a local webhook receiver.  One worker is killed
// with kill -9 mid-scan; the sessions of the others are killed by the server.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "cli/cli_fixture.h"
#include "store/postgres_server.h"
#include "store/store.h"
#include "support/clips.h"
#include "watch/strangers_clip.h"
#include "watch/video_site.h"

namespace fs = std::filesystem;
using namespace tw::test;
using namespace std::chrono_literals;

namespace {

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// A `trendwatch worker --drain` process with its stderr (JSON events) in a file.
struct WorkerProcess {
  pid_t pid = -1;
  fs::path log;
  int status = 0;
  bool exited = false;

  bool wait_for_exit(std::chrono::seconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!exited && std::chrono::steady_clock::now() < deadline) {
      exited = ::waitpid(pid, &status, WNOHANG) == pid;
      if (!exited) std::this_thread::sleep_for(100ms);
    }
    return exited;
  }
  void kill_now() {
    if (exited) return;
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    exited = true;
  }
};

WorkerProcess start_worker(const fs::path& home, const fs::path& config, const std::string& name,
                           const fs::path& log, bool drain = true) {
  WorkerProcess w;
  w.log = log;
  w.pid = ::fork();
  if (w.pid == 0) {
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, 2);
    int null = ::open("/dev/null", O_RDWR);
    ::dup2(null, 0);
    ::dup2(null, 1);
    std::string env = home_env(home);
    ::putenv(env.data());
    std::string exe = trendwatch_exe().string(), cfg = config.string();
    const char* argv[] = {exe.c_str(), "worker",   "--config",
                          cfg.c_str(), "--worker", name.c_str(),
                          "--lease",   "5",        drain ? "--drain" : nullptr,
                          nullptr};
    ::execv(exe.c_str(), const_cast<char**>(argv));
    ::_exit(127);
  }
  return w;
}

class PostgresWorkers : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    home_ = new fs::path(fresh_home("pg-workers"));
    enroll_jesper(*home_);
  }
  static void TearDownTestSuite() { delete home_; }

  void SetUp() override {
    if (!postgres_installed()) GTEST_SKIP() << "postgresql absent";
    server_ = PostgresServer::get();
    ASSERT_NE(server_, nullptr);
    db_url_ = server_->fresh_database();
    work_ = fresh_dir("pg-workers-run");
    // Six short videos: Jesper in three (kphotoalbum's movie under three
    // names, so three different videos), strangers in three.
    fs::path strangers = strangers_clip();
    for (int i = 1; i <= 3; ++i) {
      site_.add_video("jesper-" + std::to_string(i) + ".avi", movie_avi());
      site_.add_video("strangers-" + std::to_string(i) + ".mp4", strangers);
    }
  }

  // Each worker is its own "machine": own config and download cache.
  fs::path config_for(const std::string& machine) {
    std::ostringstream toml;
    toml << "[store]\nurl = \"" << db_url_ << "\"\n\n"
         << "[scan]\nfps = 4\n\n"
         << "[watch]\nconcurrency = 1\ncache_dir = \"" << (work_ / machine / "cache").string()
         << "\"\noutbox_retry_initial = \"1s\"\n\n"
         << "[[source]]\nname = \"site\"\nkind = \"urls\"\nlocation = \"" << site_.url("/list.txt")
         << "\"\nevery = \"1h\"\ntimeout = \"20s\"\n\n"
         << "[[alert]]\nkind = \"webhook\"\nurl = \"" << site_.url("/hook")
         << "\"\ntimeout = \"5s\"\n";
    fs::create_directories(work_ / machine);
    fs::path file = work_ / machine / "trendwatch.toml";
    write_file(file, toml.str());
    return file;
  }

  // The scheduler: lists the source once and queues the videos.
  void queue_videos() {
    RunResult r = run_in(
        *home_, {"watch", "--config", config_for("scheduler").string(), "--once", "--no-scan"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    ASSERT_EQ(tw::store::open_store(db_url_)->queue_depth().queued, 6) << r.err;
  }

  // `n` worker processes, machine-1 to machine-n, each with its own config.
  std::vector<WorkerProcess> start_workers(int n, bool drain = true) {
    std::vector<WorkerProcess> workers;
    for (int i = 1; i <= n; ++i) {
      std::string machine = "machine-" + std::to_string(i);
      workers.push_back(
          start_worker(*home_, config_for(machine), machine, work_ / (machine + ".log"), drain));
    }
    return workers;
  }

  // Every video done exactly once, every appearance alerted exactly once.
  void expect_each_video_once_and_each_alert_once(const std::string& logs) {
    auto store = tw::store::open_store(db_url_);
    auto depth = store->queue_depth();
    EXPECT_EQ(depth.done, 6) << logs;
    EXPECT_EQ(depth.queued + depth.scanning + depth.failed, 0) << logs;
    EXPECT_EQ(server_->query_integer(
                  "SELECT count(*) FROM (SELECT video FROM scans WHERE status = 'done' "
                  "GROUP BY video HAVING count(*) = 1) once",
                  db_url_),
              6)
        << "a video was not scanned to completion exactly once\n"
        << logs;
    auto appearances = store->appearances({});
    std::set<std::int64_t> videos_with_jesper;
    for (const auto& a : appearances) {
      EXPECT_EQ(a.appearance.target, "jesper");
      EXPECT_NE(a.video.url.find("/videos/jesper-"), std::string::npos) << a.video.url;
      videos_with_jesper.insert(a.video_id);
    }
    EXPECT_EQ(videos_with_jesper.size(), 3u) << logs;
    // The outbox is delivered by whichever process comes next; wait a little
    // for the last ones (each worker delivers before it exits).
    std::map<std::string, int> alerts;
    for (int i = 0; i < 100; ++i) {
      alerts = site_.hooks_by_id();
      if (alerts.size() >= appearances.size()) break;
      std::this_thread::sleep_for(100ms);
    }
    EXPECT_EQ(alerts.size(), appearances.size()) << logs;
    for (const auto& a : appearances) EXPECT_EQ(alerts[a.id], 1) << a.id;
    for (const auto& [id, n] : alerts) EXPECT_EQ(n, 1) << "alerted " << n << " times: " << id;
  }

  static fs::path* home_;
  PostgresServer* server_ = nullptr;
  VideoSite site_;
  std::string db_url_;
  fs::path work_;
};
fs::path* PostgresWorkers::home_ = nullptr;

TEST_F(PostgresWorkers, ThreeWorkersOneKilledMidScanEachVideoDoneOnceNoAlertTwice) {
  queue_videos();
  std::vector<WorkerProcess> workers;
  for (int i = 1; i <= 3; ++i) {
    std::string machine = "machine-" + std::to_string(i);
    workers.push_back(
        start_worker(*home_, config_for(machine), machine, work_ / (machine + ".log")));
  }
  // Kill machine-1 while it scans: its video stays leased to it until the
  // 5 s lease runs out, then another worker takes it.
  auto deadline = std::chrono::steady_clock::now() + 180s;
  while (std::chrono::steady_clock::now() < deadline &&
         read_file(workers[0].log).find("\"event\":\"scan.start\"") == std::string::npos)
    std::this_thread::sleep_for(20ms);
  ASSERT_NE(read_file(workers[0].log).find("\"event\":\"scan.start\""), std::string::npos)
      << read_file(workers[0].log);
  workers[0].kill_now();
  EXPECT_EQ(count_of(read_file(workers[0].log), "\"event\":\"scan.done\""), 0u);

  std::string logs;
  for (int i = 1; i < 3; ++i) {
    bool exited = workers[i].wait_for_exit(400s);
    if (!exited) workers[i].kill_now();
    logs += read_file(workers[i].log);
    EXPECT_TRUE(exited) << "worker " << i + 1 << " did not drain the queue";
    EXPECT_TRUE(WIFEXITED(workers[i].status) && WEXITSTATUS(workers[i].status) == 0) << logs;
  }
  // The two survivors scanned all six, the killed worker's video included.
  EXPECT_EQ(count_of(logs, "\"event\":\"scan.done\""), 6u) << logs;
  // Its video was claimed twice: by machine-1, then, after the lease ran
  // out, by a survivor.
  EXPECT_EQ(server_->query_integer("SELECT count(*) FROM videos WHERE attempts = 2", db_url_), 1)
      << logs;
  EXPECT_EQ(server_->query_integer("SELECT count(*) FROM videos WHERE attempts = 1", db_url_), 5)
      << logs;
  expect_each_video_once_and_each_alert_once(logs);
}

TEST_F(PostgresWorkers, AWorkerWhoseConnectionIsKilledRecovers) {
  queue_videos();
  std::vector<WorkerProcess> workers = start_workers(2);
  // Kill their database sessions (as a failover or a network cut would) a
  // few times while they scan.
  int killed_sessions = 0;
  for (int round = 0; round < 3; ++round) {
    auto deadline = std::chrono::steady_clock::now() + 180s;
    while (std::chrono::steady_clock::now() < deadline &&
           count_of(read_file(workers[0].log) + read_file(workers[1].log),
                    "\"event\":\"scan.start\"") <= static_cast<std::size_t>(round))
      std::this_thread::sleep_for(20ms);
    killed_sessions += server_->terminate_trendwatch_sessions();
  }
  EXPECT_GE(killed_sessions, 2);
  std::string logs;
  for (auto& w : workers) {
    bool exited = w.wait_for_exit(400s);
    if (!exited) w.kill_now();
    logs += read_file(w.log);
    EXPECT_TRUE(exited) << logs;
    EXPECT_TRUE(WIFEXITED(w.status) && WEXITSTATUS(w.status) == 0) << logs;
  }
  expect_each_video_once_and_each_alert_once(logs);
}

TEST_F(PostgresWorkers, WorkersGoOnAfterTheServerIsDownForAWhile) {
  queue_videos();
  std::vector<WorkerProcess> workers;
  for (int i = 1; i <= 2; ++i) {
    std::string machine = "machine-" + std::to_string(i);
    // Not draining: while the server is down there is nothing to claim, and a
    // draining worker would take that for an empty queue.
    workers.push_back(
        start_worker(*home_, config_for(machine), machine, work_ / (machine + ".log"), false));
  }
  auto all_logs = [&] { return read_file(workers[0].log) + read_file(workers[1].log); };
  auto deadline = std::chrono::steady_clock::now() + 180s;
  while (std::chrono::steady_clock::now() < deadline &&
         all_logs().find("\"event\":\"scan.start\"") == std::string::npos)
    std::this_thread::sleep_for(20ms);
  ASSERT_TRUE(server_->pause());
  std::this_thread::sleep_for(4s);  // scans go on; the store calls fail meanwhile
  ASSERT_TRUE(server_->resume());

  deadline = std::chrono::steady_clock::now() + 400s;
  while (std::chrono::steady_clock::now() < deadline &&
         (tw::store::open_store(db_url_)->queue_depth().done < 6 ||
          site_.hooks_by_id().size() < tw::store::open_store(db_url_)->appearances({}).size()))
    std::this_thread::sleep_for(500ms);
  std::string logs;
  for (auto& w : workers) {
    ::kill(w.pid, SIGTERM);
    bool exited = w.wait_for_exit(60s);
    if (!exited) w.kill_now();
    EXPECT_TRUE(exited && WIFEXITED(w.status) && WEXITSTATUS(w.status) == 0) << read_file(w.log);
    logs += read_file(w.log);
  }
  expect_each_video_once_and_each_alert_once(logs);
}

// Fault injection (issue 19): the server restarts twice under two draining
// workers: a quick restart (stop + start on the same port, as an upgrade
// does), then an outage longer than the 5 s lease, so that leases run out
// while the workers scan.  The product's rule: a worker rides a restart out
// (the store reconnects; a finished scan waits for the store), it never
// mistakes an unreachable store for an empty queue, and a scan whose lease
// was taken over is not stored.  Both workers drain the queue and exit 0;
// every video is done by exactly one scan and alerted once.
TEST_F(PostgresWorkers, DrainingWorkersRideOutServerRestartsAndHonourLeases) {
  queue_videos();
  std::vector<WorkerProcess> workers = start_workers(2);
  auto all_logs = [&] { return read_file(workers[0].log) + read_file(workers[1].log); };
  auto wait_for_scans = [&](std::size_t started) {
    auto deadline = std::chrono::steady_clock::now() + 180s;
    while (std::chrono::steady_clock::now() < deadline &&
           count_of(all_logs(), "\"event\":\"scan.start\"") < started)
      std::this_thread::sleep_for(20ms);
    return count_of(all_logs(), "\"event\":\"scan.start\"") >= started;
  };
  ASSERT_TRUE(wait_for_scans(1)) << all_logs();
  ASSERT_TRUE(server_->pause());
  ASSERT_TRUE(server_->resume());
  ASSERT_TRUE(wait_for_scans(3)) << all_logs();
  ASSERT_TRUE(server_->pause());
  std::this_thread::sleep_for(12s);  // longer than the lease and the store's reconnect patience
  ASSERT_TRUE(server_->resume());

  std::string logs;
  for (auto& w : workers) {
    bool exited = w.wait_for_exit(400s);
    if (!exited) w.kill_now();
    logs += read_file(w.log);
    EXPECT_TRUE(exited) << "a worker did not drain the queue\n" << read_file(w.log);
    EXPECT_TRUE(WIFEXITED(w.status) && WEXITSTATUS(w.status) == 0) << read_file(w.log);
  }
  EXPECT_NE(logs.find("lost the connection to PostgreSQL"), std::string::npos)
      << "the outage went unnoticed\n"
      << logs;
  // A superseded scan is not a completion: six scan.done in all.
  EXPECT_EQ(count_of(logs, "\"event\":\"scan.done\""), 6u) << logs;
  expect_each_video_once_and_each_alert_once(logs);
}

}  // namespace
