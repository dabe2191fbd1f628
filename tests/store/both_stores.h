#pragma once
// The store tests that run against both back ends: a SQLite file, and a
// real PostgreSQL server started by scripts/start-postgres.sh (skipped when
// postgresql is not installed).  INSTANTIATE_TEST_SUITE_P in
// postgres_store_test.cpp runs every TEST_P(BothStores, ...) of the suite on both.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "store/postgres_server.h"
#include "store/store.h"
#include "store/store_test_support.h"
#include "support/test_support.h"

namespace tw::store::testing {

using namespace std::chrono_literals;

// A filter with only the named fields set (designated initializers would
// trip -Wmissing-field-initializers).
inline AppearanceFilter by_target(const std::string& target) {
  AppearanceFilter f;
  f.target = target;
  return f;
}
inline AppearanceFilter by_verdict(Verdict verdict) {
  AppearanceFilter f;
  f.verdict = verdict;
  return f;
}
inline AppearanceFilter by_video(std::int64_t video_id) {
  AppearanceFilter f;
  f.video_id = video_id;
  return f;
}
inline AppearanceFilter page_of(int limit, int offset) {
  AppearanceFilter f;
  f.limit = limit;
  f.offset = offset;
  return f;
}

enum class Backend { sqlite, postgres };

inline std::string backend_name(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::sqlite ? "SQLite" : "PostgreSQL";
}

class BothStores : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::sqlite) {
      url_ = "sqlite://" + (tw::test::fresh_dir("both-stores") / "trendwatch.db").string();
      return;
    }
    TW_POSTGRES_DATABASE_OR_SKIP(url);
    url_ = url;
  }
  StoreOptions options() const {
    StoreOptions o;
    o.clock = clock_.function();
    return o;
  }
  std::unique_ptr<Store> open(const StoreOptions& o) const { return open_store(url_, o); }
  std::unique_ptr<Store> open() const { return open(options()); }
  // A store that gives a video up after `max_scan_attempts` claims.
  std::unique_ptr<Store> open_giving_up_after(int max_scan_attempts) const {
    StoreOptions o = options();
    o.retry.max_scan_attempts = max_scan_attempts;
    return open(o);
  }

  FinishedScan finished_scan(std::int64_t video_id, const std::string& worker,
                             std::vector<Appearance> appearances) const {
    FinishedScan r;
    r.video_id = video_id;
    r.worker = worker;
    r.target_set_version = "set-1";
    r.frames_sampled = 40;
    r.duration = 8.0;
    r.appearances = std::move(appearances);
    r.sinks = {"console", "webhook"};
    return r;
  }

  // Queues, claims and completes one video; returns its row id.
  std::int64_t scanned_video(Store& store, const std::string& id, const std::string& version,
                             std::vector<Appearance> appearances,
                             std::vector<std::string> sinks = {"console"}) {
    return scanned_video(store, sample_video(id), version, std::move(appearances),
                         std::move(sinks));
  }
  std::int64_t scanned_video(Store& store, const VideoRef& video, const std::string& version,
                             std::vector<Appearance> appearances,
                             std::vector<std::string> sinks = {"console"}) {
    auto queued = store.enqueue_video(video);
    auto claimed = store.claim_video("worker-1", 60s);
    EXPECT_TRUE(claimed.has_value());
    EXPECT_EQ(claimed->id, queued.video_id);
    FinishedScan result;
    result.video_id = queued.video_id;
    result.worker = "worker-1";
    result.target_set_version = version;
    result.frames_sampled = 25;
    result.duration = 5.0;
    result.appearances = std::move(appearances);
    result.sinks = std::move(sinks);
    store.complete_scan(result);
    return queued.video_id;
  }

  // SQL run past the Store, on the same database (to build an old schema or
  // to see what is really stored).
  std::filesystem::path sqlite_path() const { return url_.substr(std::string("sqlite://").size()); }
  void execute_raw(const std::string& sql) const {
    if (GetParam() == Backend::sqlite) {
      execute(sqlite_path(), sql);
    } else {
      ::tw::test::PostgresServer::get()->execute(sql, url_);
    }
  }
  long long query_integer_raw(const std::string& sql) const {
    if (GetParam() == Backend::sqlite) return query_integer(sqlite_path(), sql);
    return ::tw::test::PostgresServer::get()->query_integer(sql, url_);
  }

  std::string url_;
  ManualClock clock_;
};

}  // namespace tw::store::testing
