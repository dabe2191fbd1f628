// Fault injection (issue 19): the SQLite file is already locked by another
// process (python3's sqlite3 holding BEGIN EXCLUSIVE) when a store is
// opened.  Opening waits for it, each try bounded by the busy timeout, up
// to the open wait; past that it fails with an InputError naming the file.
// Nothing anyone committed is lost either way.
#include <gtest/gtest.h>

#include <chrono>

#include "core/errors.h"
#include "store/sqlite_locker.h"
#include "store/store.h"
#include "store/store_test_support.h"
#include "support/test_support.h"

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace tw::store {
namespace {

// A source named "locker" added inside the other process's transaction.
const char* kLockerRow =
    "INSERT INTO sources (name, kind, created_at) VALUES ('locker', 'urls', 0)";

class SqliteLocked : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = tw::test::fresh_dir("sqlite-locked") / "trendwatch.db";
    auto store = open_store(db_.string());  // created and migrated
    kept_ = store->enqueue_video(testing::sample_video("kept")).video_id;
  }

  // Short waits, so that the test need not hold a lock for a minute.
  static StoreOptions quick(std::chrono::milliseconds open_wait) {
    StoreOptions o;
    o.sqlite_busy_timeout = 500ms;
    o.sqlite_open_wait = open_wait;
    return o;
  }

  fs::path db_;
  std::int64_t kept_ = 0;
};

TEST_F(SqliteLocked, OpeningWaitsPastTheBusyTimeoutForALockHeldShorterThanTheWait) {
  tw::test::SqliteLocker locker(db_, 3, kLockerRow);
  ASSERT_TRUE(locker.holding()) << locker.log();
  auto start = std::chrono::steady_clock::now();
  std::unique_ptr<Store> store;
  ASSERT_NO_THROW(store = open_store(db_.string(), quick(20s)));
  auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, 1500ms) << "opened under another process's write lock";
  EXPECT_LT(waited, 15s);
  ASSERT_TRUE(locker.finish()) << locker.log();
  // It works, and nobody's rows are lost.
  auto added = store->enqueue_video(testing::sample_video("new"));
  EXPECT_TRUE(added.is_new);
  EXPECT_TRUE(store->video(kept_).has_value());
  bool locker_row = false;
  for (const auto& s : store->sources()) locker_row = locker_row || s.config.name == "locker";
  EXPECT_TRUE(locker_row);
  EXPECT_EQ(store->queue_depth().queued, 2);
}

TEST_F(SqliteLocked, ALockHeldLongerThanTheWaitIsAClearErrorNamingTheFile) {
  tw::test::SqliteLocker locker(db_, 6, kLockerRow);
  ASSERT_TRUE(locker.holding()) << locker.log();
  auto start = std::chrono::steady_clock::now();
  try {
    open_store(db_.string(), quick(2s));
    ADD_FAILURE() << "opened under another process's write lock";
  } catch (const InputError& e) {
    EXPECT_EQ(e.input(), db_.string());
    EXPECT_NE(e.reason().find("the database is locked by another process; gave up after waiting"),
              std::string::npos)
        << e.what();
  }
  auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, 2s);
  EXPECT_LT(waited, 5s);
  // Once the other process commits, everything is there.
  ASSERT_TRUE(locker.finish()) << locker.log();
  auto store = open_store(db_.string(), quick(2s));
  EXPECT_TRUE(store->video(kept_).has_value());
  EXPECT_EQ(store->sources().size(), 1u);
  EXPECT_EQ(store->sources()[0].config.name, "locker");
}

}  // namespace
}  // namespace tw::store
