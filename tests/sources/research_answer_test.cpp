// Reading the Research API's answers without a network (the fuzz target
// research_answer's functions): the token's lifetime cannot overflow a
// clock, a secret echoed by the server is hidden before a message is cut,
// and a page's bad items are warnings.
#include "sources/research_answer.h"

#include <gtest/gtest.h>

#include <chrono>

#include "core/errors.h"

using namespace std::chrono_literals;
using tw::sources::read_research_answer;

TEST(ResearchAnswer, ATokenLifetimeNearInt64MaxIsClampedToAYear) {
  // Added to the system clock as given, 2^63-1 seconds overflowed the
  // clock's nanoseconds (undefined behaviour, then a token "valid" in 1677).
  auto token = tw::sources::read_research_token(read_research_answer(
      200, R"({"access_token": "clt.x-1", "expires_in": 9223372036854775807})"));
  ASSERT_TRUE(token);
  EXPECT_EQ(token->token, "clt.x-1");
  EXPECT_EQ(token->lifetime, std::chrono::seconds(std::chrono::hours(24 * 365)));
  EXPECT_GT(std::chrono::system_clock::now() + token->lifetime, std::chrono::system_clock::now());

  auto ordinary = tw::sources::read_research_token(
      read_research_answer(200, R"({"access_token": "clt.x-2", "expires_in": 7200})"));
  ASSERT_TRUE(ordinary);
  EXPECT_EQ(ordinary->lifetime, 7200s);
  EXPECT_FALSE(tw::sources::read_research_token(read_research_answer(200, R"({"expires_in": 1})")));
  EXPECT_FALSE(tw::sources::read_research_token(
      read_research_answer(401, R"({"access_token": "clt.x-3", "expires_in": 1})")));
}

TEST(ResearchAnswer, AnEchoedSecretIsHiddenBeforeTheMessageIsCut) {
  const std::string secret = "client-secret-Zq81-0123456789";
  // The secret straddles the 300th byte: cutting first would leave its start.
  const std::string message = std::string(290, 'x') + secret;
  auto answer = read_research_answer(
      401, R"({"error": "invalid_client", "error_description": ")" + message + R"("})", {secret});
  EXPECT_EQ(answer.code, "invalid_client");
  EXPECT_EQ(answer.message.find("client-secret"), std::string::npos) << answer.message;
  EXPECT_NE(answer.message.find("***"), std::string::npos) << answer.message;
  EXPECT_FALSE(answer.ok());
}

TEST(ResearchAnswer, APageKeepsItsVideosAndNamesTheItemsItSkips) {
  auto answer = read_research_answer(
      200,
      R"({"data": {"videos": [{"id": 7301234567890123457, "username": "a", "view_count": 5},
                              {"id": "not a number"}, 7, {"id": 123456789012345678901234}],
                   "cursor": 100, "has_more": true, "search_id": "s-1"},
          "error": {"code": "ok"}})");
  ASSERT_TRUE(answer.ok()) << answer.not_json;
  auto page = tw::sources::read_research_page(answer, "research", 1714600000000);
  ASSERT_EQ(page.videos.size(), 1u);
  EXPECT_EQ(page.videos[0].id, "7301234567890123457");
  EXPECT_EQ(page.videos[0].url, "https://www.tiktok.com/@a/video/7301234567890123457");
  ASSERT_TRUE(page.videos[0].stats);
  EXPECT_EQ(page.videos[0].stats->views, 5);
  EXPECT_EQ(page.videos[0].stats->source, "research");
  EXPECT_EQ(page.warnings.size(), 3u);
  EXPECT_TRUE(page.has_more);
  EXPECT_EQ(page.cursor, 100);
  EXPECT_EQ(page.search_id, "s-1");

  auto no_data = read_research_answer(200, R"({"error": {"code": "ok"}})");
  EXPECT_THROW(tw::sources::read_research_page(no_data, "research", 0), tw::InputError);
  auto not_json = read_research_answer(502, "<html>Bad Gateway</html>");
  EXPECT_FALSE(not_json.not_json.empty());
  EXPECT_TRUE(not_json.body.is_object());
}
