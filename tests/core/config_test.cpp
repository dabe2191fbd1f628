// trendwatch.toml: the contract's example, defaults, and every kind of bad input
// naming its line.
#include "core/config.h"

#include <gtest/gtest.h>

#include <fstream>

#include "core/config_test_util.h"
#include "core/errors.h"
#include "support/test_support.h"

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

// The example of DESIGN.md's "Contracts" section, verbatim.
const char* const kContractExample = R"(
[store]
url = "sqlite:///var/lib/trendwatch/trendwatch.db"   # default: trendwatch.db in the home directory
# url = "postgresql://user@host/db"                 # several machines

[scan]
fps = 5                       # sampled frames per second
targets = ["jesper"]          # default: every enrolled target

[[source]]
name = "demo"
kind = "urls"                 # urls | ytdlp | folder | command
location = "http://127.0.0.1:8000/list.txt"   # urls: a file or URL listing one video URL per line
every = "5m"

[[source]]
name = "someone"
kind = "ytdlp"
location = "https://www.tiktok.com/@someone"

[[source]]
name = "trending"
kind = "command"
command = ["python3", "trending.py"]   # prints JSON lines {id, url, title, author, posted_at}

[[alert]]
kind = "webhook"              # webhook | email | command | console
url = "http://127.0.0.1:9000/hook"

[[alert]]
kind = "email"
smtp = "smtp://127.0.0.1:2525"
from = "trendwatch@example.org"
to = ["desk@example.org"]
)";

tw::Config parse(const std::string& text, const fs::path& base = "/etc/tw") {
  return tw::test::parse_config_text(text, base);
}

std::pair<std::string, std::string> error_of(const std::string& text) {
  return tw::test::config_error(text);
}

TEST(Config, ContractExampleParses) {
  tw::Config config = parse(kContractExample);
  EXPECT_EQ(config.store.url, "sqlite:///var/lib/trendwatch/trendwatch.db");
  EXPECT_DOUBLE_EQ(config.scan.fps, 5);
  EXPECT_EQ(config.scan.targets, std::vector<std::string>{"jesper"});
  ASSERT_EQ(config.sources.size(), 3u);
  const tw::SourceConfig& demo = config.sources[0];
  EXPECT_EQ(demo.name, "demo");
  EXPECT_EQ(demo.kind, tw::SourceKind::urls);
  EXPECT_EQ(demo.location, "http://127.0.0.1:8000/list.txt");
  EXPECT_EQ(demo.every, 5min);
  EXPECT_TRUE(demo.enabled);
  EXPECT_EQ(demo.line, 10);
  const tw::SourceConfig& someone = config.sources[1];
  EXPECT_EQ(someone.kind, tw::SourceKind::ytdlp);
  EXPECT_EQ(someone.location, "https://www.tiktok.com/@someone");
  EXPECT_EQ(someone.ytdlp, "yt-dlp");
  EXPECT_EQ(someone.every, config.watch.every);  // the [watch] default
  EXPECT_EQ(someone.timeout, config.watch.source_timeout);
  const tw::SourceConfig& trending = config.sources[2];
  EXPECT_EQ(trending.kind, tw::SourceKind::command);
  EXPECT_EQ(trending.command, (std::vector<std::string>{"python3", "trending.py"}));
  EXPECT_EQ(trending.base_dir, fs::path("/etc/tw"));
  ASSERT_EQ(config.alerts.size(), 2u);
  EXPECT_EQ(config.alerts[0].kind, tw::AlertKind::webhook);
  EXPECT_EQ(config.alerts[0].name, "webhook-1");
  EXPECT_EQ(config.alerts[0].url, "http://127.0.0.1:9000/hook");
  EXPECT_EQ(config.alerts[1].kind, tw::AlertKind::email);
  EXPECT_EQ(config.alerts[1].name, "email-2");
  EXPECT_EQ(config.alerts[1].smtp, "smtp://127.0.0.1:2525");
  EXPECT_EQ(config.alerts[1].from, "trendwatch@example.org");
  EXPECT_EQ(config.alerts[1].to, std::vector<std::string>{"desk@example.org"});
  EXPECT_EQ(config.find_source("someone"), &config.sources[1]);
  EXPECT_EQ(config.find_source("nobody"), nullptr);
}

TEST(Config, EveryKeyIsRead) {
  tw::Config config = parse(R"(
[scan]
fps = 2.5
threshold = 0.55
min_frames = 3
min_duration = "500ms"
min_face = 48
approximate = true
max_video_bytes = "20MB"
download_timeout = "2m"

[watch]
concurrency = 4
every = "1h"
source_timeout = "45s"
max_videos = 10
outbox_retry_initial = "10s"
outbox_retry_max = "30m"
outbox_max_attempts = 12
cache_dir = "cache"
cache_max_bytes = "1GiB"

[[source]]
name = "tok"
kind = "tiktok"
location = "https://www.tiktok.com/tag/news"
every = "1d"
timeout = 90
max_videos = 5
ytdlp = "bin/yt-dlp"
enabled = false

[[source]]
name = "inbox"
kind = "folder"
location = "videos"
recursive = true

[[alert]]
kind = "command"
name = "notify"
command = ["notify-send", "trendwatch"]
timeout = "3s"

[[alert]]
kind = "console"
)",
                            "/srv/tw");
  EXPECT_DOUBLE_EQ(config.scan.fps, 2.5);
  EXPECT_DOUBLE_EQ(config.scan.threshold.value(), 0.55);
  EXPECT_EQ(config.scan.min_frames.value(), 3);
  EXPECT_EQ(config.scan.min_duration.value(), 500ms);
  EXPECT_DOUBLE_EQ(config.scan.min_face.value(), 48);
  EXPECT_TRUE(config.scan.approximate);
  EXPECT_EQ(config.scan.max_video_bytes, 20'000'000u);
  EXPECT_EQ(config.scan.download_timeout, 2min);
  EXPECT_EQ(config.watch.concurrency, 4);
  EXPECT_EQ(config.watch.source_timeout, 45s);
  EXPECT_EQ(config.watch.outbox_retry_initial, 10s);
  EXPECT_EQ(config.watch.outbox_retry_max, 30min);
  EXPECT_EQ(config.watch.outbox_max_attempts, 12);
  EXPECT_EQ(config.watch.cache_dir, fs::path("/srv/tw/cache"));
  EXPECT_EQ(config.watch.cache_max_bytes, 1024ull * 1024 * 1024);
  ASSERT_EQ(config.sources.size(), 2u);
  EXPECT_EQ(config.sources[0].kind, tw::SourceKind::ytdlp);  // "tiktok" is an alias
  EXPECT_EQ(config.sources[0].every, 24h);
  EXPECT_EQ(config.sources[0].timeout, 90s);
  EXPECT_EQ(config.sources[0].max_videos, 5);
  EXPECT_EQ(config.sources[0].ytdlp, "/srv/tw/bin/yt-dlp");
  EXPECT_FALSE(config.sources[0].enabled);
  EXPECT_EQ(config.sources[1].location, "/srv/tw/videos");  // relative to the config's folder
  EXPECT_TRUE(config.sources[1].recursive);
  EXPECT_EQ(config.sources[1].every, 1h);       // [watch] every
  EXPECT_EQ(config.sources[1].max_videos, 10);  // [watch] max_videos
  EXPECT_EQ(config.alerts[0].name, "notify");
  EXPECT_EQ(config.alerts[0].timeout, 3s);
  EXPECT_EQ(config.alerts[1].name, "console-2");
}

TEST(Config, UnknownKeyNamesItsLine) {
  auto [where, why] = error_of(
      "[[source]]\nname = \"a\"\nkind = \"urls\"\nlocation = \"x.txt\"\ncolour = \"red\"\n");
  EXPECT_EQ(where, "tw.toml:5");
  EXPECT_NE(why.find("unknown key 'colour'"), std::string::npos) << why;

  std::tie(where, why) = error_of("[scan]\nfps = 5\n\n[sacn]\nfps = 3\n");
  EXPECT_EQ(where, "tw.toml:4");
  EXPECT_NE(why.find("'sacn'"), std::string::npos) << why;

  std::tie(where, why) = error_of("[scan]\nfps = 5\nfsp = 3\n");
  EXPECT_EQ(where, "tw.toml:3");
}

TEST(Config, KeyOfAnotherKindIsRefused) {
  auto [where, why] = error_of(
      "[[source]]\nname = \"a\"\nkind = \"urls\"\nlocation = \"x.txt\"\ncommand = [\"ls\"]\n");
  EXPECT_EQ(where, "tw.toml:5");
  EXPECT_NE(why.find("does not apply to a urls source"), std::string::npos) << why;
}

TEST(Config, BadDurationNamesItsLine) {
  for (const char* bad : {"\"5 minutes\"", "\"5\"", "\"m\"", "\"-5m\"", "\"0s\"", "true", "0"}) {
    auto [where, why] =
        error_of(std::string("[[source]]\nname = \"a\"\nkind = \"urls\"\nlocation = \"x\"\n") +
                 "every = " + bad + "\n");
    EXPECT_EQ(where, "tw.toml:5") << bad;
    EXPECT_NE(why.find("bad duration"), std::string::npos) << bad << ": " << why;
  }
}

TEST(Config, BadMinFaceNamesItsLine) {
  for (const char* bad : {"4", "-64", "5000", "\"64px\""}) {
    auto [where, why] = error_of(std::string("[scan]\nfps = 5\nmin_face = ") + bad + "\n");
    EXPECT_EQ(where, "tw.toml:3") << bad;
    EXPECT_NE(why.find("min_face"), std::string::npos) << bad << ": " << why;
  }
}

TEST(Config, ApproximateIsOffUnlessSetAndMustBeABoolean) {
  EXPECT_FALSE(parse("[scan]\nfps = 5\n", "/srv/tw").scan.approximate);
  for (const char* bad : {"1", "\"yes\""}) {
    auto [where, why] = error_of(std::string("[scan]\nfps = 5\napproximate = ") + bad + "\n");
    EXPECT_EQ(where, "tw.toml:3") << bad;
    EXPECT_NE(why.find("[scan].approximate must be true or false"), std::string::npos)
        << bad << ": " << why;
  }
}

TEST(Config, DashboardUrlIsAPlainHttpAddress) {
  EXPECT_EQ(parse("", "/srv/tw").watch.dashboard_url, "");
  EXPECT_EQ(parse("[watch]\ndashboard_url = \"https://tw.example.org/desk\"\n", "/srv/tw")
                .watch.dashboard_url,
            "https://tw.example.org/desk");
  // Not a URL, or one that would carry a secret into every trend alert.
  for (const char* bad : {"\"tw.example.org\"", "\"https://tw.example.org/?token=s3cret\"",
                          "\"https://desk:s3cret@tw.example.org/\"", "42"}) {
    auto [where, why] = error_of(std::string("[watch]\n\ndashboard_url = ") + bad + "\n");
    EXPECT_EQ(where, "tw.toml:3") << bad;
    EXPECT_NE(why.find("[watch].dashboard_url"), std::string::npos) << bad << ": " << why;
    EXPECT_EQ(why.find("s3cret"), std::string::npos) << why;
  }
}

TEST(Config, UnknownSourceKindNamesItsLine) {
  auto [where, why] = error_of("\n[[source]]\nname = \"a\"\nkind = \"rss\"\nlocation = \"x\"\n");
  EXPECT_EQ(where, "tw.toml:4");
  EXPECT_NE(why.find("unknown source kind 'rss'"), std::string::npos) << why;

  std::tie(where, why) = error_of("[[alert]]\nkind = \"pager\"\n");
  EXPECT_EQ(where, "tw.toml:2");
  EXPECT_NE(why.find("unknown alert kind 'pager'"), std::string::npos) << why;
}

TEST(Config, MissingRequiredKeysNameTheTable) {
  auto [where, why] = error_of("[scan]\nfps = 5\n\n[[source]]\nname = \"a\"\nkind = \"folder\"\n");
  EXPECT_EQ(where, "tw.toml:4");
  EXPECT_NE(why.find("needs 'location'"), std::string::npos) << why;

  std::tie(where, why) = error_of("[[source]]\nkind = \"folder\"\nlocation = \"x\"\n");
  EXPECT_NE(why.find("needs 'name'"), std::string::npos) << why;

  std::tie(where, why) = error_of("[[source]]\nname = \"c\"\nkind = \"command\"\n");
  EXPECT_NE(why.find("needs 'command'"), std::string::npos) << why;

  std::tie(where, why) =
      error_of("[[alert]]\nkind = \"email\"\nsmtp = \"smtp://h\"\nfrom = \"a@b\"\n");
  EXPECT_EQ(where, "tw.toml:1");
  EXPECT_NE(why.find("needs 'to'"), std::string::npos) << why;

  std::tie(where, why) = error_of("[[alert]]\nkind = \"webhook\"\n");
  EXPECT_NE(why.find("needs 'url'"), std::string::npos) << why;
}

TEST(Config, WrongTypesNameTheirLine) {
  auto [where, why] = error_of("[scan]\nfps = \"fast\"\n");
  EXPECT_EQ(where, "tw.toml:2");
  EXPECT_NE(why.find("must be a number"), std::string::npos) << why;

  std::tie(where, why) = error_of("[scan]\ntargets = \"jesper\"\n");
  EXPECT_EQ(where, "tw.toml:2");
  EXPECT_NE(why.find("array of strings"), std::string::npos) << why;

  std::tie(where, why) =
      error_of("[[source]]\nname = \"c\"\nkind = \"command\"\ncommand = \"ls -l\"\n");
  EXPECT_EQ(where, "tw.toml:4");

  std::tie(where, why) = error_of(
      "[[source]]\nname = \"a\"\nkind = \"folder\"\nlocation = \"x\"\nenabled = \"yes\"\n");
  EXPECT_EQ(where, "tw.toml:5");

  std::tie(where, why) = error_of("[watch]\nconcurrency = 0\n");
  EXPECT_EQ(where, "tw.toml:2");
  EXPECT_NE(why.find("must be between 1 and"), std::string::npos) << why;

  std::tie(where, why) = error_of("[watch]\n\nmax_videos = 99999999999\n");
  EXPECT_EQ(where, "tw.toml:3");

  std::tie(where, why) = error_of("source = \"x\"\n");
  EXPECT_EQ(where, "tw.toml:1");
  EXPECT_NE(why.find("[[source]]"), std::string::npos) << why;
}

TEST(Config, DuplicateSourceNamesAreRefused) {
  auto [where, why] = error_of(
      "[[source]]\nname = \"a\"\nkind = \"folder\"\nlocation = \"x\"\n\n"
      "[[source]]\nname = \"a\"\nkind = \"folder\"\nlocation = \"y\"\n");
  EXPECT_EQ(where, "tw.toml:7");
  EXPECT_NE(why.find("duplicate source name 'a'"), std::string::npos) << why;
}

TEST(Config, SyntaxErrorNamesItsLine) {
  auto [where, why] = error_of("[scan]\nfps = 5\ntargets = [\"a\",\n\n[store\n");
  EXPECT_EQ(where.rfind("tw.toml:", 0), 0u) << where;
  EXPECT_NE(where, "tw.toml:0");
  EXPECT_FALSE(why.empty());
}

TEST(Config, DefaultsWithoutAFile) {
  tw::Home home{tw::test::fresh_dir("config-defaults")};
  tw::Config config = tw::find_config(std::nullopt, home);
  EXPECT_TRUE(config.file.empty());
  EXPECT_EQ(config.store.url,
            "sqlite://" + fs::absolute(home.database()).lexically_normal().string());
  EXPECT_DOUBLE_EQ(config.scan.fps, 5);
  EXPECT_TRUE(config.scan.targets.empty());  // every target
  EXPECT_TRUE(config.sources.empty());
  EXPECT_TRUE(config.alerts.empty());
  EXPECT_EQ(config.watch.cache_dir, fs::absolute(home.cache()).lexically_normal());
}

TEST(Config, FindsTheHomeConfigAndPrefersTheCommandLine) {
  tw::Home home{tw::test::fresh_dir("config-find")};
  std::ofstream(home.config()) << "[scan]\nfps = 2\n";
  EXPECT_DOUBLE_EQ(tw::find_config(std::nullopt, home).scan.fps, 2);
  EXPECT_EQ(tw::find_config(std::nullopt, home).file, fs::absolute(home.config()));

  fs::path other = home.root / "other.toml";
  std::ofstream(other) << "[scan]\nfps = 7\n[store]\nurl = \"db/tw.db\"\n";
  tw::Config config = tw::find_config(other, home);
  EXPECT_DOUBLE_EQ(config.scan.fps, 7);
  EXPECT_EQ(config.store.url,
            "sqlite://" + (fs::absolute(home.root) / "db/tw.db").lexically_normal().string());

  EXPECT_THROW(tw::find_config(home.root / "missing.toml", home), tw::InputError);

  std::ofstream(other) << "[scan]\nfps = 7\nspeed = 1\n";
  try {
    tw::find_config(other, home);
    FAIL() << "no error";
  } catch (const tw::InputError& e) {
    EXPECT_EQ(e.input(), other.string() + ":3");
  }
}

TEST(Config, Durations) {
  EXPECT_EQ(tw::parse_duration("30s"), tw::Duration(30s));
  EXPECT_EQ(tw::parse_duration("5m"), tw::Duration(5min));
  EXPECT_EQ(tw::parse_duration("1h"), tw::Duration(1h));
  EXPECT_EQ(tw::parse_duration("1d"), tw::Duration(24h));
  EXPECT_EQ(tw::parse_duration("250ms"), tw::Duration(250ms));
  EXPECT_EQ(tw::parse_duration("1h30m"), tw::Duration(90min));
  EXPECT_EQ(tw::parse_duration("1.5h"), tw::Duration(90min));
  for (const char* bad : {"", "5", "s", "5x", "5 m", "-1s", "1..5s", ".s", "5m3"})
    EXPECT_FALSE(tw::parse_duration(bad).has_value()) << bad;
  EXPECT_EQ(tw::format_duration(90min), "1h30m");
  EXPECT_EQ(tw::format_duration(1500ms), "1s500ms");
}

TEST(Config, Sizes) {
  EXPECT_EQ(tw::parse_size("1000"), 1000u);
  EXPECT_EQ(tw::parse_size("200MB"), 200'000'000u);
  EXPECT_EQ(tw::parse_size("2GiB"), 2ull * 1024 * 1024 * 1024);
  EXPECT_EQ(tw::parse_size("5 kb"), 5000u);
  for (const char* bad : {"", "MB", "5 TB", "-5", "1.5GB"})
    EXPECT_FALSE(tw::parse_size(bad).has_value()) << bad;
}

}  // namespace
