// The monitor's source ledger in the store: the saved state and the daily
// quota outlive the ledger object (a restart) and are shared by two ledgers
// of the same source (two processes), never by different sources.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "store/store.h"
#include "watch/store_ledger.h"

namespace {

namespace fs = std::filesystem;

class StoreLedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("tw-ledger-" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    db_ = (dir_ / "tw.db").string();
    auto store = tw::store::open_store(db_);
    for (const char* name : {"research", "other"}) {
      tw::store::SourceIdentity source;
      source.name = name;
      source.kind = "tiktok-research";
      store->upsert_source(source);
    }
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path dir_;
  std::string db_;
};

TEST_F(StoreLedgerTest, StateSurvivesReopeningTheStore) {
  {
    auto store = tw::store::open_store(db_);
    tw::watch::StoreLedger ledger(*store, "research");
    EXPECT_EQ(ledger.load_state(), "{}");
    ledger.save_state(R"({"cursor":40,"search_id":"s1"})");
  }
  auto store = tw::store::open_store(db_);
  tw::watch::StoreLedger again(*store, "research");
  EXPECT_EQ(nlohmann::json::parse(again.load_state())["cursor"], 40);
  tw::watch::StoreLedger other(*store, "other");
  EXPECT_EQ(other.load_state(), "{}");
}

TEST_F(StoreLedgerTest, QuotaIsSharedPerSourceAndRefusedPastTheLimit) {
  auto first = tw::store::open_store(db_);
  auto second = tw::store::open_store(db_);
  tw::watch::StoreLedger a(*first, "research");
  tw::watch::StoreLedger b(*second, "research");
  tw::watch::StoreLedger other(*second, "other");
  const tw::sources::QuotaUse limits{3, 250};

  EXPECT_TRUE(a.consume_quota("20261204", 1, 100, limits));
  EXPECT_TRUE(b.consume_quota("20261204", 1, 100, limits));
  EXPECT_FALSE(a.consume_quota("20261204", 1, 100, limits)) << "250 records would be passed";
  EXPECT_TRUE(b.consume_quota("20261204", 0, -60, limits)) << "a refund is always taken";
  EXPECT_TRUE(a.consume_quota("20261204", 1, 100, limits));
  EXPECT_FALSE(b.consume_quota("20261204", 1, 0, limits)) << "3 requests used";

  const auto used = b.quota_used("20261204");
  EXPECT_EQ(used.requests, 3);
  EXPECT_EQ(used.records, 240);
  EXPECT_EQ(a.quota_used("20261205").requests, 0) << "a new UTC day starts from zero";
  EXPECT_EQ(other.quota_used("20261204").records, 0) << "sources do not share a quota";
}

}  // namespace
