// Scale-out throughput: video-seconds scanned per wall-second by 1 and 2
// `trendwatch worker --drain` processes sharing a throwaway PostgreSQL, with a
// single worker on SQLite as the baseline measured in the same run.  Prints
// one JSON object.
//
//   TRENDWATCH_HOME=build/test-home build/bench/bench_workers [--videos 8]
//       [--trendwatch build/trendwatch]
//
// The queue: N copies of kphotoalbum's movie.avi (4.5 s, Jesper in it) in a
// folder source, listed by `watch --once --no-scan`; "jesper" is enrolled in
// a scratch home that links the installed models.  Each worker process scans
// one video at a time (watch.concurrency = 1), so 2 workers on a 2-core
// machine is the upper end; PostgreSQL is started with
// scripts/start-postgres.sh and removed at the end.
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#include <nlohmann/json.hpp>
#include "bench_options.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "store/store.h"

extern char** environ;
namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

pid_t spawn(const std::vector<std::string>& argv, const fs::path& log) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 2, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&actions);
  return pid;
}

int wait_for(pid_t pid) {
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int run(const std::vector<std::string>& argv, const fs::path& log) {
  return wait_for(spawn(argv, log));
}

std::string first_line(const std::string& command) {
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), &::pclose);
  char buf[512] = {};
  std::string line = pipe && std::fgets(buf, sizeof buf, pipe.get()) ? buf : "";
  while (!line.empty() && line.back() == '\n') line.pop_back();
  return line;
}

struct Bench {
  fs::path exe, work, home;
  int videos = 8;

  fs::path config(const std::string& name, const std::string& store_url) {
    fs::path file = work / (name + ".toml");
    std::ofstream(file) << "[store]\nurl = \"" << store_url << "\"\n\n[scan]\nfps = 5\n\n"
                        << "[watch]\nconcurrency = 1\ncache_dir = \""
                        << (work / (name + "-cache")).string() << "\"\n\n"
                        << "[[source]]\nname = \"clips\"\nkind = \"folder\"\nlocation = \""
                        << (work / "clips").string() << "\"\n";
    return file;
  }

  // Queues the clips, then times `workers` draining processes.
  json measure(const std::string& name, const std::string& store_url, int workers) {
    fs::path cfg = config(name, store_url);
    if (run({exe.string(), "watch", "--config", cfg.string(), "--once", "--no-scan"},
            work / (name + "-queue.log")) != 0)
      throw std::runtime_error(name + ": queueing failed, see " + (work / name).string() + "*");
    auto start = Clock::now();
    std::vector<pid_t> pids;
    for (int i = 0; i < workers; ++i) {
      std::string worker = name + "-" + std::to_string(i + 1);
      fs::path wcfg = config(worker, store_url);
      pids.push_back(
          spawn({exe.string(), "worker", "--config", wcfg.string(), "--drain", "--worker", worker},
                work / (worker + ".log")));
    }
    int failures = 0;
    for (pid_t pid : pids) failures += wait_for(pid) != 0;
    double wall = std::chrono::duration<double>(Clock::now() - start).count();
    auto store = tw::store::open_store(store_url);
    double video_seconds = 0;
    auto done = store->videos(tw::store::VideoState::done, 1000, 0);
    for (const auto& v : done) video_seconds += v.duration.value_or(0);
    return {{"store", store_url.substr(0, store_url.find(':'))},
            {"workers", workers},
            {"videos_done", done.size()},
            {"worker_failures", failures},
            {"video_seconds", video_seconds},
            {"wall_seconds", wall},
            {"video_seconds_per_wall_second", wall > 0 ? video_seconds / wall : 0}};
  }
};

}  // namespace

int main(int argc, char** argv) {
  Bench b;
  fs::path self = fs::absolute(argv[0]).parent_path();
  b.exe = fs::exists(self / "trendwatch") ? self / "trendwatch" : self.parent_path() / "trendwatch";
  tw::bench::BenchOptions args(
      "bench_workers", "Video-s per wall-s of 1 and 2 workers on PostgreSQL against 1 on SQLite.",
      {{"--videos", "N", "videos in the queue (default 8)"},
       {"--trendwatch", "EXE", "the trendwatch program (default: next to this one)"}});
  args.parse(argc, argv);
  b.videos = args.integer("--videos", b.videos, 1);
  b.exe = args.text("--trendwatch", b.exe.string());
  const char* installed_home = std::getenv("TRENDWATCH_HOME");
  if (!installed_home || !fs::exists(fs::path(installed_home) / "models")) {
    std::cerr << "bench_workers: set TRENDWATCH_HOME to a home with the models installed\n";
    return 2;
  }
  b.work = fs::temp_directory_path() / ("bench-workers-" + std::to_string(::getpid()));
  fs::create_directories(b.work / "clips");
  b.home = b.work / "home";
  fs::create_directories(b.home);
  fs::create_directory_symlink(fs::absolute(fs::path(installed_home) / "models"),
                               b.home / "models");
  ::setenv("TRENDWATCH_HOME", b.home.c_str(), 1);

  const fs::path demo = fs::path(TW_CACHE_DIR) / "testdata/usr/share/kphotoalbum/demo";
  for (int i = 0; i < b.videos; ++i) {
    fs::path copy = b.work / "clips" / ("movie-" + std::to_string(i) + ".avi");
    fs::copy_file(demo / "movie.avi", copy);
    // Old enough that the folder source does not wait for it to settle.
    fs::last_write_time(copy, fs::file_time_type::clock::now() - std::chrono::hours(1));
  }
  std::vector<std::string> enroll = {b.exe.string(),
                                     "target",
                                     "add",
                                     "jesper",
                                     "--largest",
                                     "--photos",
                                     (demo / "jesper.jpg").string()};
  if (run(enroll, b.work / "enroll.log") != 0) {
    std::cerr << "bench_workers: enrolling failed, see " << (b.work / "enroll.log") << "\n";
    return 2;
  }

  std::string script = (fs::path(TW_SOURCE_DIR) / "scripts" / "start-postgres.sh").string();
  fs::path pg_dir = b.work / "postgres";
  std::string admin = first_line("'" + script + "' '" + pg_dir.string() + "' 2>&1");
  json report;
  int rc = 0;
  try {
    if (admin.rfind("postgresql://", 0) != 0) throw std::runtime_error("postgres: " + admin);
    std::string base = admin.substr(0, admin.rfind('/') + 1);
    json sqlite = b.measure("sqlite-1", "sqlite://" + (b.work / "bench.db").string(), 1);
    json runs = json::array();
    for (int workers : {1, 2}) {
      std::string db = "bench_" + std::to_string(workers);
      std::system(("psql -q '" + admin + "' -c 'CREATE DATABASE " + db + "' >/dev/null").c_str());
      runs.push_back(b.measure("pg-" + std::to_string(workers), base + db, workers));
    }
    double baseline = sqlite["video_seconds_per_wall_second"].get<double>();
    for (auto& r : runs)
      r["vs_sqlite_single_process"] =
          baseline > 0 ? r["video_seconds_per_wall_second"].get<double>() / baseline : 0;
    report = {{"bench", "workers"},
              {"videos", b.videos},
              {"cores", std::thread::hardware_concurrency()},
              {"sqlite_baseline", sqlite},
              {"postgres", runs}};
  } catch (const std::exception& e) {
    std::cerr << "bench_workers: " << e.what() << "\n";
    rc = 2;
  }
  std::system(("'" + script + "' --stop '" + pg_dir.string() + "' >/dev/null 2>&1").c_str());
  if (rc == 0) {
    std::cout << report.dump(2) << "\n";
    fs::remove_all(b.work);
  }
  return rc;
}
