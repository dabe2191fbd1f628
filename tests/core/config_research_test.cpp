// [[source]] kinds "tiktok-research" and "zeeschuimer": good values, bad
// values naming their line, and credentials that never show a secret.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>

#include "core/config_credentials.h"
#include "core/config_test_util.h"

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

const std::string kHead = "[[source]]\nname = \"r\"\nkind = \"tiktok-research\"\n";  // lines 1-3
const std::string kEnv = "client_key_env = \"TW_KEY\"\nclient_secret_env = \"TW_SECRET\"\n";
const std::string kSecret = "s3cr3t-Value-42";

tw::SourceConfig research(const std::string& keys, const fs::path& base = "/etc/tw") {
  return tw::test::parse_config_text(kHead + keys, base).sources.at(0);
}

// A credentials file with the given mode, in a fresh folder.
fs::path credentials(const std::string& text, fs::perms mode) {
  const fs::path dir = tw::test::fresh_dir("config-credentials");
  tw::test::write_file(dir / "tiktok.toml", text);
  fs::permissions(dir / "tiktok.toml", mode);
  return dir / "tiktok.toml";
}

const std::string kGoodCredentials =
    "client_key = \"the-key\"\nclient_secret = \"" + kSecret + "\"\n";

TEST(ConfigResearch, EveryKeyIsRead) {
  const tw::SourceConfig source = research(kEnv + R"(
api_base = "http://127.0.0.1:8123/"
hashtags = ["flag", "news"]
keywords = ["hello world"]
usernames = ["someone"]
regions = ["DE", "AT"]
window = "3d"
daily_requests = 10
daily_records = 500
max_videos = 30
every = "1h"
timeout = "45s"
enabled = false
ytdlp = "bin/yt-dlp"
)");
  EXPECT_EQ(source.kind, tw::SourceKind::tiktok_research);
  EXPECT_EQ(tw::to_string(source.kind), "tiktok-research");
  EXPECT_EQ(source.api_base, "http://127.0.0.1:8123");  // paths are appended to it
  EXPECT_EQ(source.client_key_env, "TW_KEY");
  EXPECT_EQ(source.client_secret_env, "TW_SECRET");
  EXPECT_TRUE(source.credentials_file.empty());
  EXPECT_EQ(source.hashtags, (std::vector<std::string>{"flag", "news"}));
  EXPECT_EQ(source.keywords, std::vector<std::string>{"hello world"});
  EXPECT_EQ(source.usernames, std::vector<std::string>{"someone"});
  EXPECT_EQ(source.regions, (std::vector<std::string>{"DE", "AT"}));
  EXPECT_TRUE(source.query_json.empty());
  EXPECT_EQ(source.window, 72h);
  EXPECT_EQ(source.daily_requests, 10);
  EXPECT_EQ(source.daily_records, 500);
  EXPECT_EQ(source.max_videos, 30);
  EXPECT_EQ(source.every, 1h);
  EXPECT_EQ(source.timeout, 45s);
  EXPECT_FALSE(source.enabled);
  EXPECT_EQ(source.ytdlp, "/etc/tw/bin/yt-dlp");
}

TEST(ConfigResearch, Defaults) {
  const tw::SourceConfig source = research(kEnv + "keywords = [\"x\"]\n");
  EXPECT_EQ(source.api_base, "https://open.tiktokapis.com");
  EXPECT_EQ(source.window, 48h);
  EXPECT_EQ(source.daily_requests, 1000);
  EXPECT_EQ(source.daily_records, 100000);
  EXPECT_EQ(source.max_videos, 50);  // [watch] max_videos
  EXPECT_EQ(source.ytdlp, "yt-dlp");
}

TEST(ConfigResearch, QueryTableBecomesTheApisJson) {
  const tw::SourceConfig source = research(kEnv + R"(
[source.query]
and = [{ operation = "IN", field_name = "region_code", field_values = ["DE", "AT"] }]
not = [{ operation = "EQ", field_name = "username", field_values = ["spam"] }]

[[source.query.or]]
operation = "EQ"
field_name = "hashtag_name"
field_values = ["flag"]
)");
  const auto query = nlohmann::json::parse(source.query_json);
  EXPECT_EQ(query, nlohmann::json::parse(R"({
    "and": [{"operation": "IN", "field_name": "region_code", "field_values": ["DE", "AT"]}],
    "not": [{"operation": "EQ", "field_name": "username", "field_values": ["spam"]}],
    "or": [{"operation": "EQ", "field_name": "hashtag_name", "field_values": ["flag"]}]})"));
}

TEST(ConfigResearch, BadQueriesNameTheirLine) {
  const std::string query = kEnv + "[source.query]\n";  // lines 4-6
  const std::pair<const char*, const char*> cases[] = {
      {"andd = []\n", "unknown key 'andd'"},
      {"and = []\n", "non-empty array of conditions"},
      {"and = [{ operation = \"LIKE\", field_name = \"a\", field_values = [\"b\"] }]\n",
       "operation must be"},
      {"and = [{ operation = \"EQ\", field_name = \"a\", field_values = [1] }]\n",
       "field_values must be a non-empty array of strings"},
      {"and = [{ operation = \"EQ\", field_values = [\"b\"] }]\n", "needs 'field_name'"},
      {"and = [{ operation = \"EQ\", field_name = \"a\", field_values = [\"b\"], x = 1 }]\n",
       "unknown key 'x'"},
      {"and = [\"region_code\"]\n", "a condition is a table"},
  };
  for (auto [line, reason] : cases) {
    auto [where, why] = tw::test::config_error(kHead + query + line);
    EXPECT_EQ(where, "tw.toml:7") << line;
    EXPECT_NE(why.find(reason), std::string::npos) << line << ": " << why;
  }
  auto [where, why] = tw::test::config_error(kHead + kEnv + "query = {}\n");
  EXPECT_EQ(where, "tw.toml:6");
  EXPECT_NE(why.find("query is empty"), std::string::npos) << why;

  std::tie(where, why) = tw::test::config_error(kHead + kEnv + "query = \"hashtag:flag\"\n");
  EXPECT_NE(why.find("query must be a table"), std::string::npos) << why;
}

TEST(ConfigResearch, QueryIsRefusedWithTheLists) {
  auto [where, why] = tw::test::config_error(
      kHead + kEnv + "hashtags = [\"a\"]\n" +
      "query = { and = [{ operation = \"EQ\", field_name = \"keyword\", field_values = [\"b\"] }] "
      "}\n");
  EXPECT_EQ(where, "tw.toml:7");
  EXPECT_NE(why.find("query cannot be combined with hashtags"), std::string::npos) << why;
}

TEST(ConfigResearch, NeedsSomethingToAskFor) {
  auto [where, why] = tw::test::config_error(kHead + kEnv);
  EXPECT_EQ(where, "tw.toml:1");
  EXPECT_NE(why.find("needs something to ask for"), std::string::npos) << why;
  std::tie(where, why) = tw::test::config_error(kHead + kEnv + "regions = [\"DE\", \"\"]\n");
  EXPECT_EQ(where, "tw.toml:6");
  EXPECT_NE(why.find("regions holds an empty string"), std::string::npos) << why;
}

TEST(ConfigResearch, CredentialsAreTwoVariablesOrAFile) {
  auto [where, why] = tw::test::config_error(kHead + "hashtags = [\"a\"]\n");
  EXPECT_EQ(where, "tw.toml:1");
  EXPECT_NE(why.find("needs credentials: client_key_env and client_secret_env"), std::string::npos)
      << why;

  std::tie(where, why) =
      tw::test::config_error(kHead + "hashtags = [\"a\"]\nclient_key_env = \"TW_KEY\"\n");
  EXPECT_NE(why.find("needs 'client_secret_env'"), std::string::npos) << why;
  std::tie(where, why) =
      tw::test::config_error(kHead + "hashtags = [\"a\"]\nclient_secret_env = \"TW_SECRET\"\n");
  EXPECT_NE(why.find("needs 'client_key_env'"), std::string::npos) << why;

  const fs::path file =
      credentials(kGoodCredentials, fs::perms::owner_read | fs::perms::owner_write);
  std::tie(where, why) = tw::test::config_error(kHead + "hashtags = [\"a\"]\n" + kEnv +
                                                "credentials_file = \"" + file.string() + "\"\n");
  EXPECT_EQ(where, "tw.toml:7");
  EXPECT_NE(why.find("not both"), std::string::npos) << why;
}

TEST(ConfigResearch, VariableNamesAreNamesNotSecrets) {
  for (const std::string& bad : {kSecret, std::string("9LIVES"), std::string("MY KEY")}) {
    auto [where, why] = tw::test::config_error(kHead + "hashtags = [\"a\"]\nclient_key_env = \"" +
                                               bad + "\"\nclient_secret_env = \"S\"\n");
    EXPECT_EQ(where, "tw.toml:5") << bad;
    EXPECT_NE(why.find("must name an environment variable"), std::string::npos) << why;
    EXPECT_EQ(why.find(bad), std::string::npos) << "the value is echoed: " << why;
  }
}

TEST(ConfigResearch, CredentialsFileIsCheckedWhenLoaded) {
  const fs::path file =
      credentials(kGoodCredentials, fs::perms::owner_read | fs::perms::owner_write);
  // Relative to the config's folder.
  const tw::SourceConfig source =
      research("hashtags = [\"a\"]\ncredentials_file = \"tiktok.toml\"\n", file.parent_path());
  EXPECT_EQ(source.credentials_file, file);
  const tw::ResearchCredentials read = tw::research_credentials(source);
  EXPECT_EQ(read.client_key, "the-key");
  EXPECT_EQ(read.client_secret, kSecret);
  // Owner read-only is fine too.
  fs::permissions(file, fs::perms::owner_read);
  EXPECT_EQ(tw::read_credentials_file(file).client_secret, kSecret);
}

TEST(ConfigResearch, BadCredentialsFilesAreRefusedWithoutTheSecret) {
  const fs::perms owner = fs::perms::owner_read | fs::perms::owner_write;
  const std::pair<fs::path, const char*> cases[] = {
      {credentials(kGoodCredentials, owner | fs::perms::group_read), "chmod 600"},
      {credentials(kGoodCredentials, owner | fs::perms::others_read), "mode 604"},
      {credentials("client_key = \"k\"\n", owner), "no client_secret"},
      {credentials("client_key = \"k\"\nclient_secret = \"\"\n", owner), "non-empty string"},
      {credentials(kGoodCredentials + kSecret + " = 1\n", owner), "a key other than"},
      {credentials("client_secret = \"" + kSecret + "\n", owner), "not a TOML file"},
      {tw::test::fresh_dir("config-credentials") / "missing.toml", "no such credentials file"},
  };
  for (const auto& [file, reason] : cases) {
    auto [where, why] = tw::test::config_error(kHead + "hashtags = [\"a\"]\ncredentials_file = \"" +
                                               file.string() + "\"\n");
    EXPECT_EQ(where, "tw.toml:5") << reason;
    EXPECT_NE(why.find(reason), std::string::npos) << why;
    EXPECT_NE(why.find(file.string()), std::string::npos) << why;
    EXPECT_EQ(why.find(kSecret), std::string::npos) << "the secret is shown: " << why;
  }
}

TEST(ConfigResearch, CredentialsFromTheEnvironment) {
  const tw::SourceConfig source = research(kEnv + "hashtags = [\"a\"]\n");
  ::setenv("TW_KEY", "env-key", 1);
  ::setenv("TW_SECRET", kSecret.c_str(), 1);
  const tw::ResearchCredentials read = tw::research_credentials(source);
  EXPECT_EQ(read.client_key, "env-key");
  EXPECT_EQ(read.client_secret, kSecret);
  ::unsetenv("TW_SECRET");
  try {
    tw::research_credentials(source);
    FAIL() << "no error without TW_SECRET";
  } catch (const tw::InputError& e) {
    EXPECT_EQ(e.input(), "source r");
    EXPECT_NE(e.reason().find("TW_SECRET"), std::string::npos) << e.reason();
  }
  ::unsetenv("TW_KEY");
}

TEST(ConfigResearch, BadValuesNameTheirLine) {
  const std::string head = kHead + kEnv + "hashtags = [\"a\"]\n";  // lines 1-6
  const std::pair<const char*, const char*> cases[] = {
      {"api_base = \"ftp://open.tiktokapis.com\"", "api_base must be an http(s) URL"},
      {"api_base = \"open.tiktokapis.com\"", "api_base must be an http(s) URL"},
      {"daily_requests = 0", "daily_requests must be between 1 and"},
      {"daily_records = -5", "daily_records must be between 1 and"},
      {"window = \"2 days\"", "window: bad duration"},
      {"max_videos = 0", "max_videos must be between 1 and"},
      {"keywords = \"news\"", "keywords must be an array of strings"},
      {"location = \"x\"", "key 'location' does not apply to a tiktok-research source"},
      {"recursive = true", "key 'recursive' does not apply to a tiktok-research source"},
      {"download_media = true", "key 'download_media' does not apply to a tiktok-research"},
  };
  for (auto [line, reason] : cases) {
    auto [where, why] = tw::test::config_error(head + line + "\n");
    EXPECT_EQ(where, "tw.toml:7") << line;
    EXPECT_NE(why.find(reason), std::string::npos) << line << ": " << why;
  }
}

const std::string kZeeschuimer = "[[source]]\nname = \"z\"\nkind = \"zeeschuimer\"\n";

TEST(ConfigZeeschuimer, EveryKeyIsRead) {
  const tw::SourceConfig source = tw::test::parse_config_text(kZeeschuimer + R"(
location = "exports"
every = "10m"
max_videos = 200
enabled = false
ytdlp = "/opt/yt-dlp"
download_media = false
)",
                                                              "/srv/tw")
                                      .sources.at(0);
  EXPECT_EQ(source.kind, tw::SourceKind::zeeschuimer);
  EXPECT_EQ(tw::to_string(source.kind), "zeeschuimer");
  EXPECT_EQ(source.location, "/srv/tw/exports");  // relative to the config's folder
  EXPECT_EQ(source.every, 10min);
  EXPECT_EQ(source.max_videos, 200);
  EXPECT_FALSE(source.enabled);
  EXPECT_EQ(source.ytdlp, "/opt/yt-dlp");
  EXPECT_FALSE(source.download_media);

  const tw::SourceConfig plain =
      tw::test::parse_config_text(kZeeschuimer + "location = \"/data/one.ndjson\"\n").sources.at(0);
  EXPECT_EQ(plain.location, "/data/one.ndjson");
  EXPECT_TRUE(plain.download_media);
}

TEST(ConfigZeeschuimer, BadValuesNameTheirLine) {
  auto [where, why] = tw::test::config_error(kZeeschuimer + "every = \"1h\"\n");
  EXPECT_EQ(where, "tw.toml:1");
  EXPECT_NE(why.find("a zeeschuimer source needs 'location'"), std::string::npos) << why;

  const std::pair<const char*, const char*> cases[] = {
      {"download_media = \"yes\"", "download_media must be true or false"},
      {"timeout = \"1m\"", "key 'timeout' does not apply to a zeeschuimer source"},
      {"hashtags = [\"a\"]", "key 'hashtags' does not apply to a zeeschuimer source"},
      {"location = \"\"", "location is empty"},
  };
  for (auto [line, reason] : cases) {
    std::tie(where, why) = tw::test::config_error(
        kZeeschuimer + "every = \"1h\"\n" + line + "\n" +
        (std::string(line).rfind("location", 0) ? "location = \"x\"\n" : ""));
    EXPECT_EQ(where, "tw.toml:5") << line;
    EXPECT_NE(why.find(reason), std::string::npos) << line << ": " << why;
  }
}

}  // namespace
