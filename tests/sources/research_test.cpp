// The TikTok Research API client against a fake API on 127.0.0.1 that
// follows the documented shapes: the token as a form POST, the query as JSON
// with a Bearer token, pages with cursor and search_id, and the documented
// errors.  Time is injected (token expiry, UTC days, quota days); retry
// delays are shortened.
#include "sources/tiktok_research.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <deque>
#include <functional>
#include <mutex>
#include <set>
#include <thread>

#include "core/errors.h"
#include "core/hash.h"
#include "support/fake_research_api.h"
#include "support/test_support.h"
#include "test_server.h"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nlohmann::json;
using Clock = std::chrono::system_clock;

namespace {

using tw::test::error_body;
using tw::test::FakeResearchApi;
using tw::test::Fault;
using tw::test::kSecret;

using tw::test::contains;

// A clock the test moves.
struct TestClock {
  Clock::time_point now =
      Clock::time_point(std::chrono::sys_days(std::chrono::year(2024) / std::chrono::May / 3)) +
      10h;
  std::function<Clock::time_point()> function() {
    return [this] { return now; };
  }
};

// Environment variables unique to this process and test.
std::string env_name(const std::string& what) {
  static std::atomic<int> counter{0};
  return "TW_TEST_" + what + "_" + std::to_string(counter++);
}

tw::SourceConfig research_source(const FakeResearchApi& api) {
  tw::SourceConfig source;
  source.name = "research";
  source.kind = tw::SourceKind::tiktok_research;
  source.api_base = api.base();
  source.client_key_env = env_name("KEY");
  source.client_secret_env = env_name("SECRET");
  ::setenv(source.client_key_env.c_str(), api.client_key.c_str(), 1);
  ::setenv(source.client_secret_env.c_str(), kSecret, 1);
  source.hashtags = {"#news", "today"};
  source.regions = {"de"};
  source.window = 48h;
  source.timeout = 10s;
  source.max_videos = 0;
  return source;
}

// One poll's options (the test's clock and ledger, fast retries) and the
// pages it handed over.
struct Poll {
  Poll(TestClock& clock, tw::sources::SourceLedger& ledger) {
    options.clock = clock.function();
    options.ledger = &ledger;
    options.retry_delays = {1ms, 1ms, 1ms};
    options.on_videos = [this](std::vector<tw::VideoRef>&& videos) {
      pages.push_back(std::move(videos));
    };
  }
  Poll(const Poll&) = delete;
  Poll& operator=(const Poll&) = delete;

  tw::sources::ListOptions options;
  std::vector<std::vector<tw::VideoRef>> pages;  // as handed over
  std::vector<tw::VideoRef> all() const {
    std::vector<tw::VideoRef> out;
    for (const auto& p : pages) out.insert(out.end(), p.begin(), p.end());
    return out;
  }
};

// A fake API, a clock and a ledger for each test.
class Research : public ::testing::Test {
 protected:
  FakeResearchApi api;
  TestClock clock;
  tw::sources::MemoryLedger ledger;
};

// The InputError of a call (fails the test when there is none).
template <typename F>
tw::InputError error_of(F&& call) {
  return tw::test::input_error_of(std::forward<F>(call));
}

json state_of(tw::sources::SourceLedger& ledger) {
  return json::parse(ledger.load_state());
}

TEST_F(Research, PagesThroughSeveralPagesWithSearchIdAndKeepsEverythingExact) {
  api.add_videos(7301234567890123457ull, 250);
  Poll poll(clock, ledger);
  auto source = research_source(api);
  auto result = tw::sources::list_tiktok_research(source, poll.options);

  EXPECT_TRUE(result.videos.empty());  // handed over page by page
  EXPECT_TRUE(result.warnings.empty()) << result.warnings.front();
  ASSERT_EQ(poll.pages.size(), 3u);
  EXPECT_EQ(poll.pages[0].size(), 100u);
  EXPECT_EQ(poll.pages[2].size(), 50u);
  auto videos = poll.all();
  // 19-digit ids exact (a double would give ...123456 -> ...123776).
  EXPECT_EQ(videos[0].id, "7301234567890123457");
  EXPECT_EQ(videos[249].id, "7301234567890123706");
  std::set<std::string> ids;
  for (const auto& v : videos) ids.insert(v.id);
  EXPECT_EQ(ids.size(), 250u);

  const tw::VideoRef& v = videos[1];
  EXPECT_EQ(v.platform, "tiktok");
  EXPECT_EQ(v.author, "user1");
  EXPECT_EQ(v.url, "https://www.tiktok.com/@user1/video/7301234567890123458");
  EXPECT_EQ(v.title, "clip 1 #News");
  EXPECT_EQ(v.posted_at, "2024-05-01T10:00:00Z");
  EXPECT_EQ(v.hashtags, (std::vector<std::string>{"news", "today"}));
  EXPECT_EQ(v.music_id, "7000000000000000001");
  ASSERT_TRUE(v.duration.has_value());
  EXPECT_EQ(*v.duration, 15);
  EXPECT_EQ(v.source, "research");
  ASSERT_TRUE(v.stats.has_value());
  EXPECT_EQ(v.stats->views, 1001);
  EXPECT_EQ(v.stats->likes, 10);
  EXPECT_EQ(v.stats->comments, 2);
  EXPECT_EQ(v.stats->shares, 3);
  EXPECT_EQ(v.stats->saves, 4);
  EXPECT_EQ(v.stats->source, "research");
  EXPECT_EQ(
      v.stats->observed_at,
      std::chrono::duration_cast<std::chrono::milliseconds>(clock.now.time_since_epoch()).count());

  // What was sent: one token by form, then three queries with the Bearer token.
  EXPECT_EQ(api.token_count(), 1);
  EXPECT_TRUE(contains(api.token_content_types.at(0), "application/x-www-form-urlencoded"));
  auto queries = api.queries();
  ASSERT_EQ(queries.size(), 3u);
  for (const auto& auth : api.authorizations) EXPECT_EQ(auth, "Bearer clt.TOKEN-1-abcdef");
  for (const auto& fields : api.fields_params) {
    EXPECT_TRUE(contains(fields, "id,"));
    EXPECT_TRUE(contains(fields, "favorites_count"));
  }
  EXPECT_EQ(queries[0]["query"], json::parse(R"({"and": [
              {"operation": "IN", "field_name": "hashtag_name", "field_values": ["news", "today"]},
              {"operation": "IN", "field_name": "region_code", "field_values": ["DE"]}]})"));
  EXPECT_EQ(queries[0]["start_date"], "20240501");  // 48 h back from 2024-05-03 10:00 UTC
  EXPECT_EQ(queries[0]["end_date"], "20240503");
  EXPECT_EQ(queries[0]["cursor"], 0);
  EXPECT_FALSE(queries[0].contains("search_id"));
  EXPECT_EQ(queries[0]["max_count"], 100);
  EXPECT_EQ(queries[1]["cursor"], 100);
  EXPECT_EQ(queries[1]["search_id"], "search-1");
  EXPECT_EQ(queries[2]["cursor"], 200);

  // Quota: 3 requests, and only the records received (the rest given back).
  auto used = ledger.quota_used("20240503");
  EXPECT_EQ(used.requests, 3);
  EXPECT_EQ(used.records, 250);
  // Done: no position left to resume from.
  EXPECT_FALSE(state_of(ledger).contains("research"));

  // The token is reused by the next poll, and renewed once it expires.
  Poll again(clock, ledger);
  clock.now += 1h;
  tw::sources::list_tiktok_research(source, again.options);
  EXPECT_EQ(api.token_count(), 1);
  clock.now += 2h;
  tw::sources::list_tiktok_research(source, again.options);
  EXPECT_EQ(api.token_count(), 2);
}

TEST_F(Research, AcceptsVideoIdAndSkipsIdsThatDoNotFitWithAWarning) {
  api.videos = {R"({"video_id": 9300000000000000001, "username": "a"})",
                R"({"id": 123456789012345678901234, "username": "b"})",
                R"({"id": "7301234567890123457", "username": "c"})", R"({"username": "d"})"};
  Poll poll(clock, ledger);
  auto result = tw::sources::list_tiktok_research(research_source(api), poll.options);
  auto videos = poll.all();
  ASSERT_EQ(videos.size(), 2u);
  EXPECT_EQ(videos[0].id, "9300000000000000001");  // above int64, exact as uint64
  EXPECT_EQ(videos[1].id, "7301234567890123457");
  ASSERT_EQ(result.warnings.size(), 2u);
  EXPECT_TRUE(contains(result.warnings[0], "123456789012345678901234 does not fit in 64 bits"))
      << result.warnings[0];
  EXPECT_TRUE(contains(result.warnings[1], "no id")) << result.warnings[1];
  EXPECT_FALSE(videos[0].stats.has_value());  // no figures given: none invented
}

TEST_F(Research, ATokenRevokedMidPagingIsFetchedOnceMoreAndTheRequestRetried) {
  api.add_videos(7301234567890000000ull, 250);
  api.invalidate_token_at = 2;
  Poll poll(clock, ledger);
  auto result = tw::sources::list_tiktok_research(research_source(api), poll.options);
  EXPECT_EQ(poll.all().size(), 250u);
  EXPECT_EQ(api.token_count(), 2);
  ASSERT_EQ(api.authorizations.size(), 4u);  // pages 1, 2 (refused), 2 again, 3
  EXPECT_EQ(api.authorizations[1], "Bearer clt.TOKEN-1-abcdef");
  EXPECT_EQ(api.authorizations[2], "Bearer clt.TOKEN-2-abcdef");
  EXPECT_EQ(api.queries()[2]["cursor"], 100);

  // A token refused again right after renewal is not fetched in a loop.
  FakeResearchApi refusing;
  refusing.add_videos(7301234567890000000ull, 10);
  for (int i = 1; i <= 5; ++i) refusing.faults[i] = {401, error_body("access_token_invalid", "no")};
  Poll failing(clock, ledger);
  auto e = error_of(
      [&] { tw::sources::list_tiktok_research(research_source(refusing), failing.options); });
  EXPECT_EQ(refusing.token_count(), 2);
  EXPECT_TRUE(contains(e.reason(), "access_token_invalid")) << e.what();
}

TEST_F(Research, ARateLimitStopsThePollAndTheNextPollResumesFromTheSavedCursor) {
  api.add_videos(7301234567890000000ull, 250);
  api.faults[2] = {429, error_body("rate_limit_exceeded", "Too many requests")};
  Poll first(clock, ledger);
  auto source = research_source(api);
  try {
    tw::sources::list_tiktok_research(source, first.options);
    ADD_FAILURE() << "no RateLimited";
  } catch (const tw::sources::RateLimited& e) {
    EXPECT_EQ(e.input(), "source research");
    EXPECT_TRUE(contains(e.reason(), "rate_limit_exceeded")) << e.what();
    EXPECT_TRUE(contains(e.reason(), "next poll")) << e.what();
  }
  // Nothing listed before the error is lost.
  ASSERT_EQ(first.all().size(), 100u);
  json saved = state_of(ledger)["research"];
  EXPECT_EQ(saved["cursor"], 100);
  EXPECT_EQ(saved["search_id"], "search-1");

  clock.now += 10min;
  Poll second(clock, ledger);
  tw::sources::list_tiktok_research(source, second.options);
  auto queries = api.queries();
  ASSERT_EQ(queries.size(), 4u);  // 1 ok, 2 rate-limited, then 2 and 3 again
  EXPECT_EQ(queries[2]["cursor"], 100);
  EXPECT_EQ(queries[2]["search_id"], "search-1");
  EXPECT_EQ(queries[2]["start_date"], queries[0]["start_date"]);
  std::set<std::string> ids;
  for (const auto& v : first.all()) ids.insert(v.id);
  for (const auto& v : second.all()) ids.insert(v.id);
  EXPECT_EQ(second.all().size(), 150u);
  EXPECT_EQ(ids.size(), 250u);
  EXPECT_FALSE(state_of(ledger).contains("research"));
}

// Fault injection (issue 19): the connection drops in the middle of a page,
// on the first try and on every retry.  The poll fails naming the source;
// the page before is kept, the quota reserved for the lost pages is given
// back, and the next poll resumes at the lost page: every video once.
TEST_F(Research, AConnectionDroppedMidPageCostsARetryNotAVideo) {
  api.add_videos(7301234567890000000ull, 250);
  for (int request = 2; request <= 5; ++request) api.faults[request].dropped = true;
  auto source = research_source(api);
  Poll first(clock, ledger);
  auto error = error_of([&] { tw::sources::list_tiktok_research(source, first.options); });
  EXPECT_EQ(error.input(), "source research");
  EXPECT_TRUE(contains(error.reason(), "failed 4 times")) << error.what();
  EXPECT_FALSE(contains(error.what(), kSecret)) << error.what();
  ASSERT_EQ(first.all().size(), 100u);
  EXPECT_EQ(state_of(ledger)["research"]["cursor"], 100);

  const std::string day = tw::sources::yyyymmdd_utc(clock.now);
  EXPECT_EQ(ledger.quota_used(day).requests, 5);
  EXPECT_EQ(ledger.quota_used(day).records, 100) << "records of the lost pages were not refunded";

  clock.now += 10min;
  Poll second(clock, ledger);
  tw::sources::list_tiktok_research(source, second.options);
  auto queries = api.queries();
  ASSERT_EQ(queries.size(), 7u);
  EXPECT_EQ(queries[5]["cursor"], 100);
  std::map<std::string, int> seen;
  for (const auto& v : first.all()) ++seen[v.id];
  for (const auto& v : second.all()) ++seen[v.id];
  EXPECT_EQ(seen.size(), 250u);
  for (const auto& [id, times] : seen) EXPECT_EQ(times, 1) << id;
  EXPECT_EQ(ledger.quota_used(day).records, 250);
  EXPECT_FALSE(state_of(ledger).contains("research"));
}

TEST_F(Research, ASavedPositionIsDroppedWhenRefusedOrMadeForAnotherQuery) {
  api.add_videos(7301234567890000000ull, 150);
  auto source = research_source(api);
  // A position whose search_id TikTok no longer knows: refused, then the
  // window is listed from the start.
  ledger.save_state(R"({"other": 1, "research": {"query": ")" +
                    tw::sha256_hex(tw::sources::research_query_json(source)).substr(0, 16) +
                    R"(", "made_at": 1714730400000, "ranges": [["20240501", "20240503"]],
          "cursor": 100, "search_id": "expired", "listed": 100}})");
  Poll poll(clock, ledger);
  auto result = tw::sources::list_tiktok_research(source, poll.options);
  EXPECT_EQ(poll.all().size(), 150u);
  ASSERT_EQ(result.warnings.size(), 1u);
  EXPECT_TRUE(contains(result.warnings[0], "the saved position was refused")) << result.warnings[0];
  auto queries = api.queries();
  ASSERT_EQ(queries.size(), 3u);
  EXPECT_EQ(queries[0]["search_id"], "expired");
  EXPECT_EQ(queries[1]["cursor"], 0);
  EXPECT_EQ(state_of(ledger), json::parse(R"({"other": 1})"));  // the rest of the state kept

  // A position saved for other hashtags is not used for these.
  api.faults[5] = {429, error_body("rate_limit_exceeded", "slow down")};
  Poll limited(clock, ledger);
  EXPECT_THROW(tw::sources::list_tiktok_research(source, limited.options),
               tw::sources::RateLimited);
  EXPECT_EQ(state_of(ledger)["research"]["cursor"], 100);
  source.hashtags = {"other"};
  Poll changed(clock, ledger);
  tw::sources::list_tiktok_research(source, changed.options);
  EXPECT_EQ(api.queries()[5]["cursor"], 0);
  EXPECT_EQ(changed.all().size(), 150u);
}

TEST_F(Research, MaxVideosEndsAPollAndTheNextGoesOnFromThere) {
  api.add_videos(7301234567890000000ull, 120);
  auto source = research_source(api);
  source.max_videos = 70;
  Poll first(clock, ledger);
  tw::sources::list_tiktok_research(source, first.options);
  EXPECT_EQ(first.all().size(), 70u);
  EXPECT_EQ(api.queries()[0]["max_count"], 70);
  Poll second(clock, ledger);
  tw::sources::list_tiktok_research(source, second.options);
  ASSERT_EQ(second.all().size(), 50u);
  EXPECT_EQ(second.all().front().id, "7301234567890000070");
}

TEST_F(Research, AQuotaThatRunsOutStopsThePollCleanlyUntilTheNextUtcDay) {
  api.add_videos(7301234567890000000ull, 250);
  auto source = research_source(api);
  source.daily_requests = 5;
  source.daily_records = 150;
  Poll first(clock, ledger);
  auto result = tw::sources::list_tiktok_research(source, first.options);
  EXPECT_EQ(first.all().size(), 150u);
  auto queries = api.queries();
  ASSERT_EQ(queries.size(), 2u);
  EXPECT_EQ(queries[1]["max_count"], 50);  // only what the quota still allows
  EXPECT_TRUE(result.quota_exhausted);
  ASSERT_EQ(result.warnings.size(), 1u);
  EXPECT_TRUE(contains(result.warnings[0], "daily quota used up: 2 requests / 150 records"))
      << result.warnings[0];
  EXPECT_EQ(ledger.quota_used("20240503").records, 150);

  // Later the same day: refused before any request.
  clock.now += 1h;
  Poll second(clock, ledger);
  result = tw::sources::list_tiktok_research(source, second.options);
  EXPECT_TRUE(result.quota_exhausted);
  EXPECT_EQ(api.queries().size(), 2u);

  // After 00:00 UTC: goes on from where it stopped.
  clock.now += 14h;
  Poll third(clock, ledger);
  result = tw::sources::list_tiktok_research(source, third.options);
  EXPECT_FALSE(result.quota_exhausted);
  ASSERT_EQ(third.all().size(), 100u);
  EXPECT_EQ(third.all().front().id, "7301234567890000150");
  EXPECT_EQ(ledger.quota_used("20240504").requests, 1);
}

TEST_F(Research, ServerErrorsAreRetriedWithBackoffAndThenReported) {
  api.add_videos(7301234567890000000ull, 30);
  api.faults[1] = {500, error_body("internal_error", "Something went wrong")};
  api.faults[2] = {503, "<html>Service Unavailable</html>"};
  Poll poll(clock, ledger);
  auto source = research_source(api);
  tw::sources::list_tiktok_research(source, poll.options);
  EXPECT_EQ(poll.all().size(), 30u);
  EXPECT_EQ(api.queries().size(), 3u);
  EXPECT_EQ(ledger.quota_used("20240503").requests, 3);  // each try is a request
  EXPECT_EQ(ledger.quota_used("20240503").records, 30);

  FakeResearchApi broken;
  for (int i = 1; i <= 10; ++i)
    broken.faults[i] = {500, error_body("internal_error", "Something went wrong")};
  Poll failing(clock, ledger);
  auto e = error_of(
      [&] { tw::sources::list_tiktok_research(research_source(broken), failing.options); });
  EXPECT_EQ(broken.queries().size(), 4u);  // the first try and 3 retries
  EXPECT_TRUE(contains(e.reason(), "failed 4 times")) << e.what();
  EXPECT_TRUE(contains(e.reason(), "internal_error")) << e.what();
}

TEST_F(Research, RefusalsNameTheSourceAndTheKeyToCheck) {
  {
    api.faults[1] = {401, error_body("scope_not_authorized", "research.data.basic is missing")};
    Poll poll(clock, ledger);
    auto e =
        error_of([&] { tw::sources::list_tiktok_research(research_source(api), poll.options); });
    EXPECT_EQ(e.input(), "source research");
    EXPECT_TRUE(contains(e.reason(), "scope_not_authorized")) << e.what();
    EXPECT_TRUE(contains(e.reason(), "client_key_env")) << e.what();
    EXPECT_EQ(api.token_count(), 1);  // not a token problem: no renewal
  }
  {
    FakeResearchApi fake;
    fake.faults[1] = {400, error_body("invalid_params", "Invalid hashtag_name")};
    Poll poll(clock, ledger);
    auto e =
        error_of([&] { tw::sources::list_tiktok_research(research_source(fake), poll.options); });
    EXPECT_TRUE(contains(e.reason(),
                         "TikTok refused the query (HTTP 400 invalid_params: Invalid "
                         "hashtag_name (log_id log-1)): check "
                         "hashtags/keywords/usernames/regions"))
        << e.what();
    auto raw = research_source(fake);
    raw.hashtags.clear();
    raw.regions.clear();
    raw.query_json =
        R"({"or": [{"operation": "EQ", "field_name": "keyword", "field_values": ["x"]}]})";
    Poll poll2(clock, ledger);
    fake.faults[2] = fake.faults[1];
    e = error_of([&] { tw::sources::list_tiktok_research(raw, poll2.options); });
    EXPECT_TRUE(contains(e.reason(), "check query")) << e.what();
    EXPECT_EQ(fake.queries()[1]["query"], json::parse(raw.query_json));
  }
  {
    FakeResearchApi fake;
    fake.faults[1] = {200, R"({"data": {"videos": [{"id": 1}, )"};
    Poll poll(clock, ledger);
    auto e =
        error_of([&] { tw::sources::list_tiktok_research(research_source(fake), poll.options); });
    EXPECT_TRUE(contains(e.reason(), "not JSON")) << e.what();
    EXPECT_EQ(fake.queries().size(), 1u);  // not retried: it would say the same
  }
  {
    auto source = research_source(api);
    source.hashtags.clear();
    source.regions.clear();
    auto e = error_of([&] { tw::sources::research_query_json(source); });
    EXPECT_TRUE(contains(e.reason(), "hashtags, keywords, usernames or regions")) << e.what();
  }
}

TEST_F(Research, NoSecretAppearsInAnyErrorOrWarning) {
  std::vector<std::string> messages;
  // A server that echoes what it was sent (the secret in the form, the
  // token in the header) in its error messages.
  api.add_videos(7301234567890000000ull, 5);
  auto source = research_source(api);
  {
    Poll poll(clock, ledger);
    tw::sources::list_tiktok_research(source, poll.options);  // gets a token
  }
  const std::string token = "clt.TOKEN-1-abcdef";
  api.faults[2] = {400, error_body("invalid_params", "token " + token + " secret " + kSecret)};
  api.faults[3] = {500, error_body("internal_error", "Bearer " + token)};
  api.faults[4] = {500, "not json " + token};
  api.faults[5] = {500, "not json " + token};
  api.faults[6] = {500, "not json " + token};
  for (int round = 0; round < 2; ++round) {
    Poll poll(clock, ledger);
    try {
      tw::sources::list_tiktok_research(source, poll.options);
    } catch (const tw::InputError& e) {
      messages.push_back(e.what());
    }
  }
  // Wrong credentials: the token endpoint echoes the secret it was sent.
  auto wrong = source;
  ::setenv(wrong.client_key_env.c_str(), "other-key", 1);
  clock.now += 3h;  // the cached token has expired
  Poll poll(clock, ledger);
  try {
    tw::sources::list_tiktok_research(wrong, poll.options);
  } catch (const tw::InputError& e) {
    messages.push_back(e.what());
  }
  ASSERT_EQ(messages.size(), 3u);
  EXPECT_TRUE(contains(messages[0], "invalid_params")) << messages[0];
  EXPECT_TRUE(contains(messages[1], "failed 4 times")) << messages[1];
  EXPECT_TRUE(contains(messages[2], "invalid_client")) << messages[2];
  EXPECT_TRUE(contains(messages[2], "client_key_env/client_secret_env")) << messages[2];
  for (const auto& m : messages) {
    EXPECT_FALSE(contains(m, kSecret)) << m;
    EXPECT_FALSE(contains(m, "TOKEN-")) << m;
  }
  // The server did send them, so the check above means something.
  bool echoed = false;
  for (const auto& text : api.texts_sent()) echoed = echoed || contains(text, kSecret);
  EXPECT_TRUE(echoed);
  EXPECT_EQ(ledger.load_state().find(kSecret), std::string::npos);
  EXPECT_EQ(ledger.load_state().find("TOKEN-"), std::string::npos);
}

TEST_F(Research, CredentialsComeFromTheEnvironmentOrAPrivateFile) {
  auto source = research_source(api);
  auto credentials = tw::sources::research_credentials(source);
  EXPECT_EQ(credentials.client_key, api.client_key);
  EXPECT_EQ(credentials.client_secret, kSecret);

  ::unsetenv(source.client_secret_env.c_str());
  auto e = error_of([&] { tw::sources::research_credentials(source); });
  EXPECT_TRUE(contains(e.reason(), "environment variable " + source.client_secret_env +
                                       " (client_secret_env) is not set"))
      << e.what();

  fs::path dir = tw::test::fresh_dir("research-credentials");
  fs::path file = dir / "tiktok.toml";
  tw::test::write_file(
      file, "client_key = \"" + api.client_key + "\"\nclient_secret = \"" + kSecret + "\"\n");
  source.client_key_env.clear();
  source.client_secret_env.clear();
  source.credentials_file = file;
  ::chmod(file.c_str(), 0644);
  e = error_of([&] { tw::sources::research_credentials(source); });
  EXPECT_TRUE(contains(e.reason(), "may be read by others (mode 644): chmod 600 it")) << e.what();
  ::chmod(file.c_str(), 0600);
  credentials = tw::sources::research_credentials(source);
  EXPECT_EQ(credentials.client_secret, kSecret);

  // The file works for a whole poll.
  api.add_videos(7301234567890000000ull, 3);
  Poll poll(clock, ledger);
  tw::sources::list_tiktok_research(source, poll.options);
  EXPECT_EQ(poll.all().size(), 3u);

  // A broken file names the line, never its text.
  tw::test::write_file(file, std::string("client_key = \"k\"\nclient_secret = \"") + kSecret);
  ::chmod(file.c_str(), 0600);
  e = error_of([&] { tw::sources::research_credentials(source); });
  EXPECT_TRUE(contains(e.reason(), "tiktok.toml:2: not a TOML file")) << e.what();
  EXPECT_FALSE(contains(e.what(), kSecret));
}

TEST_F(Research, WindowsAreSplitIntoRequestsOfAtMost30UtcDays) {
  using namespace std::chrono;
  auto at = [](int y, unsigned m, unsigned d, int h) {
    return Clock::time_point(sys_days(year(y) / month(m) / day(d))) + hours(h);
  };
  auto ranges = tw::sources::research_date_ranges(at(2024, 1, 1, 23), at(2024, 3, 1, 1));
  ASSERT_EQ(ranges.size(), 3u);                 // 61 days: 30 + 30 + 1
  EXPECT_EQ(ranges[0].start_date, "20240201");  // 2024 is a leap year
  EXPECT_EQ(ranges[0].end_date, "20240301");
  EXPECT_EQ(ranges[1].start_date, "20240102");
  EXPECT_EQ(ranges[1].end_date, "20240131");
  EXPECT_EQ(ranges[2].start_date, "20240101");
  EXPECT_EQ(ranges[2].end_date, "20240101");
  ranges = tw::sources::research_date_ranges(at(2024, 5, 3, 0), at(2024, 5, 3, 23));
  ASSERT_EQ(ranges.size(), 1u);
  EXPECT_EQ(ranges[0].start_date, "20240503");
  EXPECT_EQ(ranges[0].end_date, "20240503");
  EXPECT_EQ(tw::sources::yyyymmdd_utc(at(1999, 12, 31, 23)), "19991231");

  // The source's window: a 45-day window is two requests, newest first.
  auto source = research_source(api);
  source.window = 45 * 24h;
  Poll poll(clock, ledger);
  tw::sources::list_tiktok_research(source, poll.options);
  auto queries = api.queries();
  ASSERT_EQ(queries.size(), 2u);
  EXPECT_EQ(queries[0]["end_date"], "20240503");
  EXPECT_EQ(queries[0]["start_date"], "20240404");
  EXPECT_EQ(queries[1]["end_date"], "20240403");
  EXPECT_EQ(queries[1]["start_date"], "20240319");
}

TEST_F(Research, KnownVideosAreObservedAgainById) {
  api.add_videos(7301234567890000000ull, 3);
  Poll poll(clock, ledger);
  auto result = tw::sources::observe_tiktok_videos(
      research_source(api), {"7301234567890000000", "7301234567890000001", "x1"}, clock.now - 72h,
      poll.options);
  auto queries = api.queries();
  ASSERT_EQ(queries.size(), 1u);
  EXPECT_EQ(queries[0]["query"],
            json::parse(R"({"and": [{"operation": "IN", "field_name": "video_id",
                           "field_values": ["7301234567890000000", "7301234567890000001"]}]})"));
  EXPECT_EQ(queries[0]["start_date"], "20240430");
  EXPECT_EQ(poll.all().size(), 3u);  // (the fake does not filter)
  ASSERT_EQ(result.warnings.size(), 1u);
  EXPECT_TRUE(contains(result.warnings[0], "video x1")) << result.warnings[0];
  EXPECT_FALSE(state_of(ledger).contains("research"));  // no position kept
}

TEST_F(Research, ListSourceDispatchesAndWithoutCallbackCollectsTheVideos) {
  api.add_videos(7301234567890000000ull, 120);
  tw::sources::ListOptions options;
  options.clock = clock.function();
  auto result = tw::sources::list_source(research_source(api), options);
  EXPECT_EQ(result.videos.size(), 120u);
}

}  // namespace
