// The monitor's poll of one source (watch/source_poll.h) against a real
// SQLite store: a Research API source through a fake API on 127.0.0.1 and a
// Zeeschuimer folder.  What a poll lists is queued even when the poll fails
// later; its warnings, failures, quota and saved position are in the store.
#include "watch/source_poll.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "sources/tiktok_research.h"
#include "store/store.h"
#include "support/fake_research_api.h"
#include "support/test_support.h"
#include "watch/store_ledger.h"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nlohmann::json;
using tw::test::FakeResearchApi;

using tw::test::contains;

std::string env_name(const std::string& what) {
  static std::atomic<int> counter{0};
  return "TW_POLL_TEST_" + what + "_" + std::to_string(counter++);
}

class SourcePoll : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = tw::test::fresh_dir("source-poll");
    store_ = tw::store::open_store((dir_ / "tw.db").string());
  }

  tw::SourceConfig research_source() {
    tw::SourceConfig source;
    source.name = "research";
    source.kind = tw::SourceKind::tiktok_research;
    source.api_base = api_.base();
    source.client_key_env = env_name("KEY");
    source.client_secret_env = env_name("SECRET");
    ::setenv(source.client_key_env.c_str(), api_.client_key.c_str(), 1);
    ::setenv(source.client_secret_env.c_str(), tw::test::kSecret, 1);
    source.hashtags = {"news"};
    source.window = 48h;
    source.timeout = 10s;
    source.every = 10min;
    store_->upsert_source({source.name, "tiktok-research", ""});
    return source;
  }

  tw::SourceConfig zeeschuimer_source(const fs::path& location) {
    tw::SourceConfig source;
    source.name = "browser";
    source.kind = tw::SourceKind::zeeschuimer;
    source.location = location.string();
    source.every = 5min;
    store_->upsert_source({source.name, "zeeschuimer", source.location});
    return source;
  }

  tw::watch::PollOutcome poll(const tw::SourceConfig& source) {
    return tw::watch::poll_source(*store_, log_, source, &cancel_);
  }

  tw::store::SourceRecord health(const std::string& name) {
    for (const auto& s : store_->sources())
      if (s.config.name == name) return s;
    ADD_FAILURE() << "no source " << name;
    return {};
  }

  std::size_t stored_videos() { return store_->videos({}, 100000, 0).size(); }

  fs::path dir_;
  std::unique_ptr<tw::store::Store> store_;
  FakeResearchApi api_;
  std::ostringstream events_;
  tw::watch::EventLog log_{events_};
  std::atomic<bool> cancel_{false};
};

TEST_F(SourcePoll, ARateLimitKeepsWhatWasListedWaitsLongerAndTheNextPollResumes) {
  api_.add_videos(7300000000000000000ull, 150);  // two pages of 100 and 50
  api_.faults[2] = {429, tw::test::error_body("rate_limit_exceeded", "slow down")};
  const tw::SourceConfig source = research_source();

  const tw::store::Millis before = store_->now();
  tw::watch::PollOutcome first = poll(source);
  EXPECT_FALSE(first.ok);
  EXPECT_TRUE(first.rate_limited);
  EXPECT_EQ(first.fresh, 100) << "the first page was queued before the rate limit";
  EXPECT_EQ(stored_videos(), 100u);
  tw::store::SourceRecord limited = health("research");
  EXPECT_EQ(limited.consecutive_failures, 1);
  EXPECT_TRUE(contains(limited.last_error, "source research")) << limited.last_error;
  EXPECT_TRUE(contains(limited.last_error, "rate limit")) << limited.last_error;
  ASSERT_TRUE(limited.next_poll_at.has_value());
  EXPECT_GE(*limited.next_poll_at - before, std::chrono::milliseconds(20min).count())
      << "twice the source's 10 minutes";
  EXPECT_TRUE(contains(events_.str(), "\"event\":\"source.rate_limited\"")) << events_.str();
  EXPECT_NE(store_->source_state("research"), "{}") << "the cursor is saved in the store";

  tw::watch::PollOutcome second = poll(source);
  EXPECT_TRUE(second.ok) << second.error;
  EXPECT_EQ(second.fresh, 50);
  EXPECT_EQ(stored_videos(), 150u);
  const auto queries = api_.queries();
  ASSERT_EQ(queries.size(), 3u);
  EXPECT_EQ(queries[2]["cursor"], 100) << "resumed from the saved cursor";
  EXPECT_EQ(queries[2]["search_id"], "search-1");
  EXPECT_EQ(health("research").consecutive_failures, 0);

  // Every request and record counted in the store's quota for today.
  const auto used =
      store_->quota_usage(tw::watch::StoreLedger::quota_key("research"),
                          tw::sources::yyyymmdd_utc(std::chrono::system_clock::now()));
  EXPECT_EQ(used.requests, 3);
  EXPECT_EQ(used.records, 150);
}

TEST_F(SourcePoll, ARefusalNamesTheSourceAndTheKeyAndNoSecret) {
  api_.add_videos(7300000000000001000ull, 3);
  api_.faults[1] = {401, tw::test::error_body("scope_not_authorized", "no research scope")};
  const tw::SourceConfig source = research_source();
  tw::watch::PollOutcome outcome = poll(source);
  EXPECT_FALSE(outcome.ok);
  const tw::store::SourceRecord s = health("research");
  EXPECT_EQ(s.consecutive_failures, 1);
  EXPECT_TRUE(contains(s.last_error, "source research")) << s.last_error;
  EXPECT_TRUE(contains(s.last_error, "scope_not_authorized")) << s.last_error;
  EXPECT_TRUE(contains(s.last_error, "client_key_env")) << s.last_error;  // the key
  EXPECT_FALSE(contains(s.last_error, tw::test::kSecret));
  EXPECT_FALSE(contains(events_.str(), tw::test::kSecret));
  EXPECT_EQ(stored_videos(), 0u);
}

TEST_F(SourcePoll, ZeeschuimerWarningsAreStoredAndFiguresObserved) {
  const fs::path folder = dir_ / "exports";
  fs::create_directories(folder);
  auto item = [](const std::string& id, long long collected, long long views) {
    return json{{"source_platform", "tiktok.com"},
                {"timestamp_collected", collected},
                {"data",
                 {{"id", id},
                  {"desc", "clip"},
                  {"createTime", 1714557600},
                  {"author", {{"uniqueId", "someone"}}},
                  {"challenges", {{{"title", "flag"}}}},
                  {"stats", {{"playCount", views}, {"diggCount", 5}}}}}}
        .dump();
  };
  tw::test::write_file(folder / "a.ndjson",
                       item("7301234567890123457", 1000, 100) + "\n{broken\n" +
                           R"({"source_platform": "tiktok-comments", "data": {"cid": "1"}})" +
                           "\n");
  const tw::SourceConfig source = zeeschuimer_source(folder);

  tw::watch::PollOutcome first = poll(source);
  ASSERT_TRUE(first.ok) << first.error;
  EXPECT_EQ(first.fresh, 1);
  EXPECT_EQ(first.observed, 1);
  const std::vector<std::string> warnings = health("browser").warnings;
  ASSERT_EQ(warnings.size(), 2u) << json(warnings).dump();
  EXPECT_EQ(warnings[0].rfind((folder / "a.ndjson").string() + ":2: not JSON", 0), 0u)
      << warnings[0];
  EXPECT_EQ(warnings[1], "1 comment records (tiktok-comments) skipped");

  // The file grows: only the new line is read; a later capture is a new
  // observation of the same video, and the warnings are the new poll's.
  std::string grown =
      tw::test::read_file(folder / "a.ndjson") + item("7301234567890123457", 2000, 250) + "\n";
  tw::test::write_file(folder / "a.ndjson", grown);
  tw::watch::PollOutcome second = poll(source);
  ASSERT_TRUE(second.ok) << second.error;
  EXPECT_EQ(second.listed, 1);
  EXPECT_EQ(second.fresh, 0);
  EXPECT_EQ(second.observed, 1);
  EXPECT_TRUE(health("browser").warnings.empty());
  auto video = store_->find_video("tiktok", "7301234567890123457");
  ASSERT_TRUE(video && video->latest);
  EXPECT_EQ(video->latest->views, 250);
  EXPECT_EQ(store_->observations(video->id).size(), 2u);
}

TEST_F(SourcePoll, AMissingLocationIsAFailureNamingTheKey) {
  const tw::SourceConfig source = zeeschuimer_source(dir_ / "nowhere");
  tw::watch::PollOutcome outcome = poll(source);
  EXPECT_FALSE(outcome.ok);
  const std::string error = health("browser").last_error;
  EXPECT_EQ(error.rfind("source browser: ", 0), 0u) << error;
  EXPECT_TRUE(contains(error, "check location")) << error;
}

TEST(PollFailureMessage, NamesTheSourceOnceAndAKeyOnlyWhenTheErrorHasNone) {
  tw::SourceConfig source;
  source.name = "feed";
  source.kind = tw::SourceKind::command;
  EXPECT_EQ(tw::watch::poll_failure_message(source, "source feed: exited with status 3"),
            "source feed: exited with status 3; check command");
  EXPECT_EQ(tw::watch::poll_failure_message(source, "timed out after 2s"),
            "source feed: timed out after 2s; check timeout");
  EXPECT_EQ(tw::watch::poll_failure_message(source, "source feed: bad; check usernames"),
            "source feed: bad; check usernames");
  source.every = 1h;
  EXPECT_EQ(tw::watch::rate_limit_backoff(source, std::nullopt), 2h);
  EXPECT_EQ(tw::watch::rate_limit_backoff(source, 3h), 3h);
  source.every = 1min;
  EXPECT_EQ(tw::watch::rate_limit_backoff(source, std::nullopt), 15min);
}

}  // namespace
