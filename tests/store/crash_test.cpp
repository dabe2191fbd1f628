// kill -9 in the middle of a write: a child process does the work and is
// SIGKILLed; the parent reopens the file and finds each scan either wholly
// stored or not at all.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "store/store.h"
#include "store/store_test_support.h"
#include "support/test_support.h"

namespace tw::store {
namespace {

using namespace std::chrono_literals;
using testing::query_integer;
using testing::sample_appearance;
using testing::sample_video;

FinishedScan scan_with(std::int64_t video_id, int appearances) {
  FinishedScan result;
  result.video_id = video_id;
  result.worker = "child";
  result.target_set_version = "v1";
  for (int i = 0; i < appearances; ++i) {
    result.appearances.push_back(sample_appearance("target" + std::to_string(i % 5), i, i + 0.5));
  }
  result.sinks = {"console", "webhook"};
  return result;
}

int wait_for(pid_t pid) {
  int status = 0;
  EXPECT_EQ(::waitpid(pid, &status, 0), pid);
  return status;
}

TEST(StoreCrash, KilledJustBeforeCommitLeavesNoPartialRows) {
  auto dir = tw::test::fresh_dir("store-crash");
  auto db_path = dir / "trendwatch.db";
  std::int64_t video_id = 0;
  {
    auto store = open_store(db_path.string());
    video_id = store->enqueue_video(sample_video("1")).video_id;
    ASSERT_TRUE(store->claim_video("child", 1s).has_value());
  }
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    StoreOptions options;
    options.before_commit = [](std::string_view operation) {
      if (operation == "complete_scan") ::kill(::getpid(), SIGKILL);
    };
    auto store = open_store(db_path.string(), options);
    store->complete_scan(scan_with(video_id, 50));
    ::_exit(0);  // not reached
  }
  int status = wait_for(pid);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

  auto store = open_store(db_path.string());
  EXPECT_EQ(query_integer(db_path, "SELECT count(*) FROM scans"), 0);
  EXPECT_EQ(query_integer(db_path, "SELECT count(*) FROM appearances"), 0);
  EXPECT_EQ(query_integer(db_path, "SELECT count(*) FROM deliveries"), 0);
  EXPECT_EQ(store->video(video_id)->video.state, VideoState::scanning);
  // The dead worker's lease runs out and another worker takes the video.
  std::this_thread::sleep_for(1100ms);
  auto reclaimed = store->claim_video("survivor", 60s);
  ASSERT_TRUE(reclaimed.has_value());
  EXPECT_EQ(reclaimed->id, video_id);
  auto done = store->complete_scan(scan_with(video_id, 50));
  EXPECT_EQ(done.new_deliveries, 100);
  EXPECT_EQ(testing::query_text(db_path, "PRAGMA integrity_check"), "ok");
}

// A child completes scans back to back and is killed at several moments; for
// every video, the scan, its appearances and deliveries and the video's state
// are all there or none is.
TEST(StoreCrash, KilledAtAnyMomentScansAreAllOrNothing) {
  constexpr int kVideos = 400, kAppearances = 40;
  auto dir = tw::test::fresh_dir("store-crash-any");
  auto db_path = dir / "trendwatch.db";
  {
    auto store = open_store(db_path.string());
    for (int i = 0; i < kVideos; ++i) store->enqueue_video(sample_video(std::to_string(i)));
  }
  long long previous_done = 0;
  for (int round = 0; round < 6; ++round) {
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      auto store = open_store(db_path.string());
      while (auto video = store->claim_video("child", 100ms)) {
        store->complete_scan(scan_with(video->id, kAppearances));
      }
      ::_exit(0);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(60 + 37 * round));
    ::kill(pid, SIGKILL);
    wait_for(pid);
    std::this_thread::sleep_for(150ms);  // let the killed child's lease expire

    auto store = open_store(db_path.string());
    long long done = query_integer(db_path, "SELECT count(*) FROM videos WHERE state = 'done'");
    EXPECT_EQ(query_integer(db_path, "SELECT count(*) FROM scans"), done);
    EXPECT_EQ(query_integer(db_path, "SELECT count(*) FROM appearances"), done * kAppearances);
    EXPECT_EQ(query_integer(db_path, "SELECT count(*) FROM deliveries"), done * kAppearances * 2);
    EXPECT_EQ(query_integer(db_path,
                            "SELECT count(*) FROM videos v WHERE state = 'done' AND "
                            "(SELECT count(*) FROM appearances a WHERE a.video = v.id) <> " +
                                std::to_string(kAppearances)),
              0);
    EXPECT_EQ(query_integer(db_path,
                            "SELECT count(*) FROM appearances a JOIN videos v ON v.id = a.video "
                            "WHERE v.state <> 'done'"),
              0);
    EXPECT_EQ(testing::query_text(db_path, "PRAGMA integrity_check"), "ok");
    EXPECT_GE(done, previous_done);
    previous_done = done;
  }
  EXPECT_GT(previous_done, 0);
  // Whatever was interrupted is finished by the next worker.
  auto store = open_store(db_path.string());
  while (auto video = store->claim_video("finisher", 60s)) {
    store->complete_scan(scan_with(video->id, kAppearances));
  }
  EXPECT_EQ(query_integer(db_path, "SELECT count(*) FROM videos WHERE state = 'done'"), kVideos);
  EXPECT_EQ(query_integer(db_path, "SELECT count(*) FROM appearances"), kVideos * kAppearances);
}

}  // namespace
}  // namespace tw::store
