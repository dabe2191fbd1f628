// `trendwatch videos`: the videos in the store, newest first, with their
// hashtags and latest engagement figures (views, likes, ...), as a table,
// JSON Lines or CSV.
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <optional>

#include "alerts/alert.h"
#include "cli/command.h"
#include "core/config.h"
#include "core/errors.h"
#include "core/home.h"
#include "sources/sources.h"
#include "store/store.h"

namespace {

using nlohmann::ordered_json;

struct VideosArgs {
  std::optional<std::string> config;
  std::string db;
  std::string source, target, since;
  std::string format = "text";
  int limit = 100;
};

constexpr int kMaxLimit = 100000;

std::string iso(tw::store::Millis ms) {
  return tw::sources::iso8601_utc(ms / 1000);
}

ordered_json text_or_null(const std::string& text) {
  return text.empty() ? ordered_json(nullptr) : ordered_json(text);
}

ordered_json video_json(const tw::store::VideoRecord& v) {
  const tw::VideoRef& ref = v.ref;
  return {{"platform", ref.platform},
          {"id", ref.id},
          {"url", ref.url},
          {"title", ref.title},
          {"author", ref.author},
          {"source", ref.source},
          {"posted_at", text_or_null(ref.posted_at)},
          {"state", tw::store::to_string(v.state)},
          {"hashtags", ref.hashtags},
          {"stats", tw::alerts::video_stats_json(v.latest)},
          {"first_seen_at", iso(v.first_seen_at)},
          {"duration", v.duration ? ordered_json(*v.duration) : nullptr},
          {"music", text_or_null(ref.music_title)},
          {"store_id", v.id}};
}

// RFC 4180 quoting; a field a spreadsheet would run as a formula (=, +, -,
// @) is prefixed with ' : titles and authors are untrusted.
std::string csv_cell(const std::string& text) {
  std::string value = text;
  if (!value.empty() && std::string_view("=+-@").find(value.front()) != std::string_view::npos)
    value.insert(value.begin(), '\'');
  if (value.find_first_of(",\"\n\r") == std::string::npos) return value;
  std::string out = "\"";
  for (char c : value) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string count_text(const std::optional<std::int64_t>& count) {
  return count ? std::to_string(*count) : "";
}

std::string joined(const std::vector<std::string>& items, const std::string& separator) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : separator) + item;
  return out;
}

void print_csv(const std::vector<tw::store::VideoRecord>& videos) {
  std::printf(
      "platform,id,url,title,author,source,posted_at,state,hashtags,views,likes,comments,shares,"
      "saves,observed_at\n");
  for (const auto& v : videos) {
    const tw::VideoRef& ref = v.ref;
    const tw::VideoStats stats = v.latest.value_or(tw::VideoStats{});
    std::vector<std::string> cells = {ref.platform,
                                      ref.id,
                                      ref.url,
                                      ref.title,
                                      ref.author,
                                      ref.source,
                                      ref.posted_at,
                                      tw::store::to_string(v.state),
                                      joined(ref.hashtags, " "),
                                      count_text(stats.views),
                                      count_text(stats.likes),
                                      count_text(stats.comments),
                                      count_text(stats.shares),
                                      count_text(stats.saves),
                                      v.latest && stats.observed_at ? iso(stats.observed_at) : ""};
    std::string line;
    for (const auto& cell : cells) line += (line.empty() ? "" : ",") + csv_cell(cell);
    std::printf("%s\n", line.c_str());
  }
}

// "12.3k", "4.5M": figures at a glance.
std::string short_count(const std::optional<std::int64_t>& count) {
  if (!count) return "-";
  const double n = static_cast<double>(*count);
  char text[32];
  if (n >= 1e9)
    std::snprintf(text, sizeof text, "%.1fG", n / 1e9);
  else if (n >= 1e6)
    std::snprintf(text, sizeof text, "%.1fM", n / 1e6);
  else if (n >= 1e4)
    std::snprintf(text, sizeof text, "%.1fk", n / 1e3);
  else
    std::snprintf(text, sizeof text, "%lld", static_cast<long long>(*count));
  return text;
}

// One line of untrusted text for the table: control characters become spaces.
std::string cell(const std::string& text, std::size_t width) {
  std::string out;
  for (unsigned char c : text) out += (c < 0x20 || c == 0x7f) ? ' ' : static_cast<char>(c);
  if (out.size() > width) {
    out.resize(width - 1);
    while (!out.empty() && (static_cast<unsigned char>(out.back()) & 0xC0) == 0x80) out.pop_back();
    if (!out.empty() && static_cast<unsigned char>(out.back()) >= 0xC0) out.pop_back();
    out += "~";
  }
  return out;
}

void print_table(const std::vector<tw::store::VideoRecord>& videos) {
  if (videos.empty()) {
    std::printf("no videos match\n");
    return;
  }
  std::printf("%-20s %-8s %-20s %-12s %7s %7s %-16s %s\n", "POSTED", "STATE", "ID", "SOURCE",
              "VIEWS", "LIKES", "AUTHOR", "TITLE / HASHTAGS");
  for (const auto& v : videos) {
    const tw::VideoRef& ref = v.ref;
    const tw::VideoStats stats = v.latest.value_or(tw::VideoStats{});
    std::string posted = ref.posted_at.empty() ? iso(v.first_seen_at) + "*" : ref.posted_at;
    std::string tags;
    for (const auto& tag : ref.hashtags)  // those the title does not already show
      if (ref.title.find("#" + tag) == std::string::npos) tags += " #" + tag;
    std::printf("%-20s %-8s %-20s %-12s %7s %7s %-16s %s\n", cell(posted, 21).c_str(),
                tw::store::to_string(v.state).c_str(), cell(ref.id, 20).c_str(),
                cell(ref.source, 12).c_str(), short_count(stats.views).c_str(),
                short_count(stats.likes).c_str(), cell(ref.author, 16).c_str(),
                cell(ref.title + tags, 80).c_str());
  }
  std::printf("(%zu video%s; * = first seen, when the platform gave no posting time)\n",
              videos.size(), videos.size() == 1 ? "" : "s");
}

void check(const VideosArgs& args) {
  if (args.format != "text" && args.format != "json" && args.format != "csv")
    throw tw::InputError("--format", "must be text, json or csv, not '" + args.format + "'");
  if (args.limit < 1 || args.limit > kMaxLimit)
    throw tw::InputError("--limit", "must be between 1 and " + std::to_string(kMaxLimit) +
                                        ", not " + std::to_string(args.limit));
}

int run_videos(const VideosArgs& args) {
  check(args);
  tw::store::VideoQuery query;
  query.source = args.source;
  query.target = args.target;
  query.limit = args.limit;
  if (!args.since.empty()) {
    auto since = tw::parse_duration(args.since);
    if (!since || since->count() <= 0)
      throw tw::InputError("--since",
                           "'" + args.since + "' is not a duration such as 30m, 6h, 2d or 1h30m");
  }
  tw::Home home = tw::Home::resolve();
  tw::Config config = tw::find_config(args.config, home);
  if (!args.db.empty()) config.store.url = args.db;
  auto store = tw::store::open_store(config.store.url);
  if (!args.since.empty()) query.since = store->now() - tw::parse_duration(args.since)->count();

  const std::vector<tw::store::VideoRecord> videos = store->list_videos(query);
  if (args.format == "json") {
    for (const auto& v : videos)
      std::cout << video_json(v).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                << "\n";
  } else if (args.format == "csv") {
    print_csv(videos);
  } else {
    print_table(videos);
  }
  std::cout.flush();
  return tw::exit_code::ok;
}

const tw::cli::CommandRegistration registration{
    44, [](CLI::App& root, tw::cli::Context& ctx) {
      auto args = std::make_shared<VideosArgs>();
      auto* sub = root.add_subcommand(
          "videos", "List stored videos with their hashtags and latest views, likes, ...");
      sub->footer(
          "Newest first (by the time the platform says it was posted, else when first seen).\n"
          "Figures are the latest a source observed (Research API, Zeeschuimer, yt-dlp);\n"
          "'-' or null: no source gave that figure.\n"
          "Examples:\n"
          "  trendwatch videos --since 1d                      what arrived today\n"
          "  trendwatch videos --source research --limit 20    one source's newest\n"
          "  trendwatch videos --target alice --format json    videos alice appears in, as\n"
          "      JSON Lines: one object a line with platform, id, url, title, author,\n"
          "      source, posted_at, state, hashtags [...], stats {views, likes, comments,\n"
          "      shares, saves, observed_at} (null when none), first_seen_at, duration\n"
          "  trendwatch videos --format csv > videos.csv       for a spreadsheet\n"
          "Exit status: 0, or 2 for bad options or an unusable store.");
      sub->add_option("--config", args->config,
                      "trendwatch.toml (default: $TRENDWATCH_HOME/trendwatch.toml if present)");
      sub->add_option("--db", args->db, "Store URL, overriding the config's [store] url");
      sub->add_option("--source", args->source, "Only videos listed by this source (its name)");
      sub->add_option("--target", args->target,
                      "Only videos in which this target appears (not dismissed)");
      sub->add_option("--since", args->since,
                      "Only videos posted or first seen within this long, e.g. 6h, 2d");
      sub->add_option("--format", args->format, "text (a table), json (JSON Lines) or csv")
          ->capture_default_str();
      sub->add_option("--limit", args->limit, "At most this many videos")->capture_default_str();
      sub->callback([args, &ctx] {
        ctx.exit_code = tw::cli::guarded("videos", [&] { return run_videos(*args); });
      });
    }};

}  // namespace
