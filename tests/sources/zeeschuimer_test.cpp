// Zeeschuimer / 4CAT NDJSON exports written by the tests: one line read into
// a video (or a reason), and files read incrementally as they grow, are
// replaced or truncated, with bad lines, duplicates, comment records and a
// last line still being written.
#include "sources/zeeschuimer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>

#include "core/errors.h"
#include "support/test_support.h"
#include "test_server.h"

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

using tw::test::contains;

// A TikTok item as Zeeschuimer records it (the web app's shape).
json tiktok_item(const std::string& id, const std::string& author, long long plays) {
  return {{"id", id},
          {"desc", "a clip by " + author + " #Flag #news"},
          {"createTime", 1714557600},
          {"author", {{"id", "6800000000000000001"}, {"uniqueId", author}, {"nickname", "N"}}},
          {"video",
           {{"duration", 21},
            {"playAddr", "https://v16-webapp.tiktok.com/video/tos/abc/?x-expires=1714600000"},
            {"downloadAddr", "https://v16-webapp.tiktok.com/download/abc"},
            {"cover", "https://p16.tiktokcdn.com/cover.jpeg"}}},
          {"music", {{"id", "7000000000000000002"}, {"title", "original sound"}}},
          {"stats",
           {{"playCount", plays},
            {"diggCount", 120},
            {"commentCount", 7},
            {"shareCount", 5},
            {"collectCount", "9"}}},
          {"challenges", json::array({{{"title", "flag"}}, {{"title", "protest"}}})},
          {"textExtra", json::array({{{"hashtagName", "Flag"}}, {{"hashtagName", "news"}}})},
          {"isAd", false}};
}

// One NDJSON line of a Zeeschuimer export.
std::string record(const json& item, long long collected_ms,
                   const std::string& platform = "tiktok.com") {
  const json id = item.contains("id") ? item["id"] : json("");
  return json{{"id", id},
              {"nav_index", "1:1:0"},
              {"item_id", id},
              {"timestamp_collected", collected_ms},
              {"last_updated", collected_ms},
              {"source_platform", platform},
              {"source_platform_url", "https://www.tiktok.com/tag/flag"},
              {"source_url", "https://www.tiktok.com/api/challenge/item_list/"},
              {"user_agent", "Mozilla/5.0"},
              {"data", item}}
      .dump();
}

TEST(Zeeschuimer, ALineBecomesAVideoWithHashtagsMusicFiguresAndMediaUrl) {
  auto parsed = tw::sources::parse_zeeschuimer_line(
      record(tiktok_item("7301234567890123457", "someone", 4500), 1714600000123));
  ASSERT_EQ(parsed.kind, tw::sources::ZeeschuimerRecord::Kind::video) << parsed.reason;
  const tw::VideoRef& v = parsed.video;
  EXPECT_EQ(v.platform, "tiktok");
  EXPECT_EQ(v.id, "7301234567890123457");
  EXPECT_EQ(v.author, "someone");
  EXPECT_EQ(v.url, "https://www.tiktok.com/@someone/video/7301234567890123457");
  EXPECT_EQ(v.title, "a clip by someone #Flag #news");
  EXPECT_EQ(v.posted_at, "2024-05-01T10:00:00Z");
  // textExtra and challenges merged, each once.
  EXPECT_EQ(v.hashtags, (std::vector<std::string>{"Flag", "news", "protest"}));
  EXPECT_EQ(v.music_id, "7000000000000000002");
  EXPECT_EQ(v.music_title, "original sound");
  ASSERT_TRUE(v.duration.has_value());
  EXPECT_EQ(*v.duration, 21);
  EXPECT_EQ(v.media_url, "https://v16-webapp.tiktok.com/video/tos/abc/?x-expires=1714600000");
  ASSERT_TRUE(v.stats.has_value());
  EXPECT_EQ(v.stats->views, 4500);
  EXPECT_EQ(v.stats->likes, 120);
  EXPECT_EQ(v.stats->comments, 7);
  EXPECT_EQ(v.stats->shares, 5);
  EXPECT_EQ(v.stats->saves, 9);  // given as a string
  EXPECT_EQ(v.stats->observed_at, 1714600000123);
  EXPECT_FALSE(parsed.is_ad);
}

TEST(Zeeschuimer, OtherShapesAndBadLinesGiveAReason) {
  using Kind = tw::sources::ZeeschuimerRecord::Kind;
  // The author as a plain string (TikTok's embedded JSON), a numeric id, an
  // ad, the download address when there is no play address, statsV2.
  json item = tiktok_item("x", "someone", 1);
  item["id"] = 7301234567890123458ull;
  item["author"] = "plain_author";
  item["isAd"] = true;
  item["video"].erase("playAddr");
  item.erase("stats");
  item["statsV2"] = {{"playCount", "123456"}, {"diggCount", "12"}};
  auto parsed = tw::sources::parse_zeeschuimer_line(record(item, 5));
  ASSERT_EQ(parsed.kind, Kind::video) << parsed.reason;
  EXPECT_EQ(parsed.video.id, "7301234567890123458");
  EXPECT_EQ(parsed.video.author, "plain_author");
  EXPECT_EQ(parsed.video.url, "https://www.tiktok.com/@plain_author/video/7301234567890123458");
  EXPECT_EQ(parsed.video.media_url, "https://v16-webapp.tiktok.com/download/abc");
  EXPECT_TRUE(parsed.is_ad);
  EXPECT_EQ(parsed.video.stats->views, 123456);
  EXPECT_EQ(parsed.video.stats->likes, 12);
  EXPECT_FALSE(parsed.video.stats->shares.has_value());

  // A bare item (no "data" wrapper), as some exports write it.
  parsed = tw::sources::parse_zeeschuimer_line(tiktok_item("7301", "bare", 3).dump());
  ASSERT_EQ(parsed.kind, Kind::video) << parsed.reason;
  EXPECT_EQ(parsed.video.stats->observed_at, 0);  // unknown: the store's now

  EXPECT_EQ(tw::sources::parse_zeeschuimer_line("  \r").kind, Kind::blank);
  EXPECT_EQ(tw::sources::parse_zeeschuimer_line(
                record({{"cid", "1"}, {"text", "nice"}}, 1, "tiktok-comments"))
                .kind,
            Kind::comment);
  auto other =
      tw::sources::parse_zeeschuimer_line(record(tiktok_item("1", "a", 1), 1, "instagram.com"));
  EXPECT_EQ(other.kind, Kind::other_platform);
  EXPECT_EQ(other.platform, "instagram.com");

  auto reason = [](const std::string& line) {
    auto r = tw::sources::parse_zeeschuimer_line(line);
    EXPECT_EQ(r.kind, Kind::invalid) << line;
    return r.reason;
  };
  EXPECT_TRUE(contains(reason("{\"data\": {\"id\": 1"), "not JSON (column")) << reason("{");
  EXPECT_EQ(reason("[1, 2]"), "not a JSON object");
  EXPECT_EQ(reason(R"({"source_platform": "tiktok.com", "data": 5})"), "\"data\" is not an object");
  EXPECT_EQ(reason(R"({"source_platform": "tiktok.com", "data": {"desc": "no id"}})"),
            "no item id");
  EXPECT_EQ(
      reason(R"({"source_platform": "tiktok.com", "data": {"id": 123456789012345678901234}})"),
      "id 123456789012345678901234 does not fit in 64 bits");
  EXPECT_EQ(reason(R"({"foo": 1})"), "no \"data\" item");
}

struct Reading {
  tw::sources::MemoryLedger ledger;
  std::vector<tw::VideoRef> videos;
  tw::sources::ListOptions options;
  tw::SourceConfig source;

  explicit Reading(const fs::path& location) {
    source.name = "browser";
    source.kind = tw::SourceKind::zeeschuimer;
    source.location = location.string();
    source.max_videos = 0;
    options.ledger = &ledger;
    options.on_videos = [this](std::vector<tw::VideoRef>&& batch) {
      for (auto& v : batch) videos.push_back(std::move(v));
    };
  }
  // One poll; returns its warnings and the ids it handed over.
  std::pair<std::vector<std::string>, std::vector<std::string>> poll() {
    videos.clear();
    auto result = tw::sources::list_source(source, options);
    EXPECT_TRUE(result.videos.empty());  // handed over instead
    std::vector<std::string> ids;
    for (const auto& v : videos) ids.push_back(v.id);
    return {result.warnings, ids};
  }
};

void append(const fs::path& file, const std::string& text) {
  std::ofstream(file, std::ios::binary | std::ios::app) << text;
}

using Ids = std::vector<std::string>;

TEST(Zeeschuimer, AGrowingFileIsReadFromWhereItStoppedWithBadLinesDuplicatesAndComments) {
  fs::path dir = tw::test::fresh_dir("zeeschuimer-grow");
  fs::path file = dir / "tiktok.ndjson";
  tw::test::write_file(
      file, record(tiktok_item("1001", "a", 10), 1000) + "\n" + "this is not json\n" +
                record(tiktok_item("1002", "b", 20), 1000) + "\n" +
                record(tiktok_item("1001", "a", 10), 1000) + "\n" +  // the same capture again
                record({{"cid", "9"}, {"text", "first!"}}, 1000, "tiktok-comments") + "\n" +
                R"({"source_platform": "tiktok.com", "data": {"desc": "no id"}})" + "\n");
  Reading reading(file);
  auto [warnings, ids] = reading.poll();
  EXPECT_EQ(ids, (Ids{"1001", "1002"}));
  ASSERT_EQ(warnings.size(), 3u) << warnings.back();
  EXPECT_TRUE(contains(warnings[0], (file.string() + ":2: not JSON (column"))) << warnings[0];
  EXPECT_EQ(warnings[1], file.string() + ":6: no item id");
  EXPECT_EQ(warnings[2], "1 comment records (tiktok-comments) skipped");
  EXPECT_EQ(reading.videos[0].source, "browser");
  EXPECT_EQ(reading.videos[0].stats->source, "browser");

  // Nothing new: nothing read again.
  auto again = reading.poll();
  EXPECT_TRUE(again.second.empty());
  EXPECT_TRUE(again.first.empty());

  // Appended lines, one of them the same video captured later (new figures),
  // and a last line still being written.
  const std::string later = record(tiktok_item("1001", "a", 99), 2000);
  const std::string half = record(tiktok_item("1004", "d", 40), 2000);
  append(file, record(tiktok_item("1003", "c", 30), 2000) + "\n" + later + "\n" +
                   half.substr(0, half.size() / 2));
  auto grown = reading.poll();
  EXPECT_EQ(grown.second, (Ids{"1003", "1001"}));
  EXPECT_EQ(reading.videos[1].stats->views, 99);
  EXPECT_EQ(reading.videos[1].stats->observed_at, 2000);
  EXPECT_TRUE(grown.first.empty()) << grown.first.front();

  // The rest of the line arrives: only it is read, and its line number is right.
  append(file, half.substr(half.size() / 2) + "\n" + "{broken\n");
  auto finished = reading.poll();
  EXPECT_EQ(finished.second, (Ids{"1004"}));
  ASSERT_EQ(finished.first.size(), 1u);
  EXPECT_TRUE(contains(finished.first[0], file.string() + ":10: not JSON")) << finished.first[0];
}

TEST(Zeeschuimer, AWholeLastLineWithoutNewlineIsTakenAndItsNewlineLaterIsNotALine) {
  fs::path dir = tw::test::fresh_dir("zeeschuimer-tail");
  fs::path file = dir / "export.ndjson";
  tw::test::write_file(file, record(tiktok_item("2001", "a", 1), 1) + "\n" +
                                 record(tiktok_item("2002", "b", 1), 1));  // no final newline
  Reading reading(file);
  EXPECT_EQ(reading.poll().second, (Ids{"2001", "2002"}));
  append(file, "\n" + record(tiktok_item("2003", "c", 1), 1) + "\nnot json\n");
  auto next = reading.poll();
  EXPECT_EQ(next.second, (Ids{"2003"}));
  ASSERT_EQ(next.first.size(), 1u);
  EXPECT_TRUE(contains(next.first[0], ":4: not JSON")) << next.first[0];
}

TEST(Zeeschuimer, AReplacedOrTruncatedFileIsReadAgainFromTheTop) {
  fs::path dir = tw::test::fresh_dir("zeeschuimer-replace");
  fs::path file = dir / "export.ndjson";
  tw::test::write_file(file, record(tiktok_item("3001", "a", 1), 1) + "\n" +
                                 record(tiktok_item("3002", "b", 1), 1) + "\n");
  Reading reading(file);
  EXPECT_EQ(reading.poll().second, (Ids{"3001", "3002"}));

  // Truncated and rewritten shorter (same inode).
  {
    std::ofstream(file, std::ios::binary | std::ios::trunc)
        << record(tiktok_item("3003", "c", 1), 1) << "\n";
  }
  auto truncated = reading.poll();
  EXPECT_EQ(truncated.second, (Ids{"3003"}));
  ASSERT_EQ(truncated.first.size(), 1u);
  EXPECT_TRUE(contains(truncated.first[0], "replaced or truncated")) << truncated.first[0];

  // Replaced by another file under the same name (a new inode), longer.
  fs::path other = dir / ".new";
  tw::test::write_file(other, record(tiktok_item("3004", "d", 1), 1) + "\n" +
                                  record(tiktok_item("3005", "e", 1), 1) + "\n" +
                                  record(tiktok_item("3006", "f", 1), 1) + "\n");
  fs::rename(other, file);
  auto replaced = reading.poll();
  EXPECT_EQ(replaced.second, (Ids{"3004", "3005", "3006"}));

  // Rewritten in place with other first bytes but longer (same inode).
  {
    std::ofstream(file, std::ios::binary | std::ios::trunc)
        << record(tiktok_item("3007", "g", 1), 1) << "\n"
        << record(tiktok_item("3008", "h", 1), 1) << "\n"
        << record(tiktok_item("3009", "i", 1), 1) << "\n"
        << record(tiktok_item("3010", "j", 1), 1) << "\n";
  }
  EXPECT_EQ(reading.poll().second, (Ids{"3007", "3008", "3009", "3010"}));
}

TEST(Zeeschuimer, AFolderIsReadFileByFileAndMaxVideosLeavesTheRestForTheNextPoll) {
  fs::path dir = tw::test::fresh_dir("zeeschuimer-folder");
  tw::test::write_file(dir / "a.ndjson", record(tiktok_item("4001", "a", 1), 1) + "\n" +
                                             record(tiktok_item("4002", "a", 1), 1) + "\n");
  tw::test::write_file(dir / "b.NDJSON", record(tiktok_item("4003", "b", 1), 1) + "\n");
  tw::test::write_file(dir / "notes.txt", record(tiktok_item("4999", "x", 1), 1) + "\n");
  tw::test::write_file(dir / ".hidden.ndjson", record(tiktok_item("4998", "x", 1), 1) + "\n");
  fs::last_write_time(dir / "a.ndjson", fs::file_time_type::clock::now() - 60s);
  fs::last_write_time(dir / "b.NDJSON", fs::file_time_type::clock::now() - 30s);
  Reading reading(dir);
  reading.source.max_videos = 2;
  EXPECT_EQ(reading.poll().second, (Ids{"4001", "4002"}));
  EXPECT_EQ(reading.poll().second, (Ids{"4003"}));
  EXPECT_TRUE(reading.poll().second.empty());
  json state = json::parse(reading.ledger.load_state());
  EXPECT_TRUE(state["files"].contains("a.ndjson"));
  EXPECT_TRUE(state["files"].contains("b.NDJSON"));
  EXPECT_EQ(state["files"].size(), 2u);

  // A new file is read; a removed one is forgotten.
  tw::test::write_file(dir / "c.ndjson", record(tiktok_item("4004", "c", 1), 1) + "\n");
  fs::remove(dir / "a.ndjson");
  EXPECT_EQ(reading.poll().second, (Ids{"4004"}));
  state = json::parse(reading.ledger.load_state());
  EXPECT_FALSE(state["files"].contains("a.ndjson"));

  // download_media = false: no media URL is handed over.
  tw::test::write_file(dir / "d.ndjson", record(tiktok_item("4005", "d", 1), 1) + "\n");
  reading.source.download_media = false;
  reading.poll();
  ASSERT_EQ(reading.videos.size(), 1u);
  EXPECT_TRUE(reading.videos[0].media_url.empty());
}

TEST(Zeeschuimer, ALargeExportIsHandedOverInBatchesAcrossReadChunks) {
  fs::path dir = tw::test::fresh_dir("zeeschuimer-large");
  fs::path file = dir / "large.ndjson";
  std::string text;
  const int count = 3000;  // about 2.5 MB: lines cross the reader's 1 MiB chunks
  for (int i = 0; i < count; ++i)
    text += record(tiktok_item(std::to_string(7000000 + i), "a", i), 1) + "\n";
  tw::test::write_file(file, text);
  Reading reading(file);
  std::vector<size_t> batches;
  std::vector<std::string> states;
  reading.options.on_videos = [&](std::vector<tw::VideoRef>&& batch) {
    batches.push_back(batch.size());
    states.push_back(reading.ledger.load_state());
    for (auto& v : batch) reading.videos.push_back(std::move(v));
  };
  auto result = tw::sources::list_source(reading.source, reading.options);
  EXPECT_TRUE(result.warnings.empty()) << result.warnings.front();
  ASSERT_EQ(reading.videos.size(), static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) ASSERT_EQ(reading.videos[i].id, std::to_string(7000000 + i)) << i;
  EXPECT_EQ(batches, (std::vector<size_t>{500, 500, 500, 500, 500, 500}));
  // Each batch was handed over before the position moved past it.
  EXPECT_EQ(states[0], "{}");
  EXPECT_EQ(json::parse(states[1])["files"]["large.ndjson"]["line"], 500);
  EXPECT_EQ(json::parse(reading.ledger.load_state())["files"]["large.ndjson"]["offset"],
            text.size());
}

TEST(Zeeschuimer, AMissingLocationFailsNamingTheSource) {
  fs::path dir = tw::test::fresh_dir("zeeschuimer-missing");
  Reading reading(dir / "nothing.ndjson");
  auto e = tw::test::input_error_of([&] { reading.poll(); });
  EXPECT_EQ(e.input(), "source browser");
  EXPECT_TRUE(contains(e.reason(), "no such file or folder")) << e.what();
}

TEST(Zeeschuimer, StateIsSavedOnlyAfterTheVideosWereHandedOver) {
  fs::path dir = tw::test::fresh_dir("zeeschuimer-order");
  fs::path file = dir / "export.ndjson";
  tw::test::write_file(file, record(tiktok_item("5001", "a", 1), 1) + "\n");
  Reading reading(file);
  // The caller fails to take the videos (say, the store is down): the
  // position does not move, so the next poll hands them over again.
  reading.options.on_videos = [](std::vector<tw::VideoRef>&&) {
    throw std::runtime_error("store down");
  };
  EXPECT_THROW(tw::sources::list_source(reading.source, reading.options), std::runtime_error);
  EXPECT_EQ(reading.ledger.load_state(), "{}");
  reading.options.on_videos = [&](std::vector<tw::VideoRef>&& batch) {
    for (auto& v : batch) reading.videos.push_back(std::move(v));
  };
  EXPECT_EQ(reading.poll().second, (Ids{"5001"}));
}

}  // namespace
