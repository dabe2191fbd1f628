// `trendwatch trends`: a target's videos per UTC hour or day, its reach, its
// most viewed videos and its surges, from the store (docs/trends.md).
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <optional>

#include "cli/command.h"
#include "core/config.h"
#include "core/errors.h"
#include "core/home.h"
#include "store/store.h"
#include "trends/surge.h"
#include "trends/trend_report.h"

namespace {

using nlohmann::ordered_json;
using tw::trends::Millis;

struct TrendsArgs {
  std::optional<std::string> config;
  std::string db;
  std::string target;
  std::string by;  // "" = [trend] by
  std::string since = "7d";
  std::string format = "text";
  int top = 10;
};

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string figure(std::int64_t value) {
  return tw::trends::compact_number(static_cast<double>(value));
}

void print_text(const tw::trends::TrendReport& r) {
  const char* unit = r.by == tw::trends::BucketSize::hour ? "hour" : "day";
  std::printf("%s: videos per %s (UTC), %s to %s\n", r.target.c_str(), unit,
              tw::trends::iso8601(r.since).c_str(), tw::trends::iso8601(r.until).c_str());
  std::int64_t videos = 0, empty = 0;
  std::printf("  %-21s %7s %8s %8s %8s %8s %8s\n", "START", "VIDEOS", "APPEARS", "AUTHORS", "VIEWS",
              "LIKES", "SHARES");
  for (const auto& b : r.buckets) {
    videos += b.videos;
    if (b.videos == 0) {
      ++empty;
      continue;
    }
    std::printf("  %-21s %7lld %8lld %8lld %8s %8s %8s\n", tw::trends::iso8601(b.start).c_str(),
                static_cast<long long>(b.videos), static_cast<long long>(b.appearances),
                static_cast<long long>(b.authors), figure(b.views).c_str(), figure(b.likes).c_str(),
                figure(b.shares).c_str());
  }
  std::printf("  %lld videos; %lld %ss without any not shown\n", static_cast<long long>(videos),
              static_cast<long long>(empty), unit);
  if (!r.surges.empty()) std::printf("surges:\n");
  for (const auto& s : r.surges)
    std::printf("  %s  from %s, %s: %s\n", s.id.substr(0, 12).c_str(),
                tw::trends::iso8601(s.started_at).c_str(),
                s.ended_at ? ("ended " + tw::trends::iso8601(*s.ended_at)).c_str() : "still open",
                s.reason.c_str());
  if (!r.top_videos.empty()) std::printf("most viewed:\n");
  for (const auto& v : r.top_videos) {
    const std::string views = v.views ? figure(*v.views) : "?";
    std::string title = v.title.empty() ? v.id : v.title;
    for (char& c : title)
      if (static_cast<unsigned char>(c) < 0x20) c = ' ';
    std::printf("  %8s views  %.60s  by %s  %s\n", views.c_str(), title.c_str(),
                v.author.empty() ? "?" : v.author.c_str(), v.url.c_str());
  }
}

void print_csv(const std::vector<tw::trends::TrendReport>& reports) {
  std::printf("target,start,videos,appearances,authors,views,likes,shares\n");
  for (const auto& r : reports)
    for (const auto& b : r.buckets)
      std::printf("%s,%s,%lld,%lld,%lld,%lld,%lld,%lld\n", csv_field(r.target).c_str(),
                  tw::trends::iso8601(b.start).c_str(), static_cast<long long>(b.videos),
                  static_cast<long long>(b.appearances), static_cast<long long>(b.authors),
                  static_cast<long long>(b.views), static_cast<long long>(b.likes),
                  static_cast<long long>(b.shares));
}

int run_trends(const TrendsArgs& args) {
  if (args.format != "text" && args.format != "json" && args.format != "csv")
    throw tw::InputError("--format " + args.format, "must be text, json or csv");
  std::optional<tw::Duration> since = tw::parse_duration(args.since);
  if (!since || since->count() <= 0)
    throw tw::InputError("--since " + args.since,
                         "must be a positive duration such as 36h, 7d or 90m");
  if (args.top < 0 || args.top > 1000)
    throw tw::InputError("--top " + std::to_string(args.top), "must be from 0 to 1000");

  tw::Home home = tw::Home::resolve();
  tw::Config config = tw::find_config(args.config, home);
  if (!args.db.empty()) config.store.url = args.db;
  const std::string by_text = args.by.empty() ? config.trend.by : args.by;
  std::optional<tw::trends::BucketSize> by = tw::trends::parse_bucket_size(by_text);
  if (!by) throw tw::InputError("--by " + by_text, "must be hour or day");
  const Millis length = std::chrono::duration_cast<std::chrono::milliseconds>(*since).count();
  const std::size_t buckets = static_cast<std::size_t>(length / tw::trends::bucket_length(*by));
  if (buckets > 10000)
    throw tw::InputError("--since " + args.since, "spans " + std::to_string(buckets) + " " +
                                                      std::string(tw::trends::to_string(*by)) +
                                                      "s; at most 10000 (try --by day)");

  auto store = tw::store::open_store(config.store.url);
  const Millis until = store->now();
  std::vector<std::string> targets;
  if (!args.target.empty()) {
    targets.push_back(args.target);
  } else {
    for (const auto& t : store->targets()) targets.push_back(t.name);
  }
  std::vector<tw::trends::TrendReport> reports;
  for (const std::string& target : targets)
    reports.push_back(tw::trends::trend_report(*store, target, *by, until - length, until,
                                               static_cast<std::size_t>(args.top)));

  if (args.format == "json") {
    ordered_json out;
    if (!args.target.empty()) {
      out = tw::trends::to_json(reports.front());
    } else {
      out = ordered_json::array();
      for (const auto& r : reports) out.push_back(tw::trends::to_json(r));
    }
    std::cout << out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  } else if (args.format == "csv") {
    print_csv(reports);
  } else if (reports.empty()) {
    std::printf("No target has an appearance yet: nothing to count.\n");
  } else {
    for (const auto& r : reports) print_text(r);
  }
  return tw::exit_code::ok;
}

const tw::cli::CommandRegistration registration{
    43, [](CLI::App& root, tw::cli::Context& ctx) {
      auto args = std::make_shared<TrendsArgs>();
      auto* sub = root.add_subcommand(
          "trends", "Is a target spreading? Its videos and reach per UTC hour or day, and surges");
      sub->footer(
          "A video counts once per target, in the UTC hour or day it was posted (else when\n"
          "trendwatch first saw it); dismissed appearances do not count. Reach is the sum of\n"
          "the videos' latest views, likes and shares (refreshed for [trend] refresh_for).\n"
          "Surges are what `watch` alerted (docs/trends.md explains the rule).\n\n"
          "Examples:\n"
          "  trendwatch trends --target alice                   the last 7 days, per hour\n"
          "  trendwatch trends --target alice --by day --since 30d\n"
          "  trendwatch trends --format json --target alice | jq '.buckets[-6:]'\n"
          "  trendwatch trends --format csv --since 14d --by day > trends.csv\n\n"
          "JSON: {\"target\", \"by\", \"since\", \"until\", \"buckets\": [{\"start\", \"videos\",\n"
          "\"appearances\", \"authors\", \"views\", \"likes\", \"shares\"}], \"top_videos\": "
          "[...],\n"
          "\"surges\": [...]}; without --target, a list of those, one per target.");
      sub->add_option("--target", args->target, "The target (default: every target found)");
      sub->add_option("--by", args->by, "Bucket size: hour or day (default: [trend] by, hour)");
      sub->add_option("--since", args->since, "How far back: a duration like 36h, 7d, 90m")
          ->capture_default_str();
      sub->add_option("--format", args->format, "text, json or csv")->capture_default_str();
      sub->add_option("--top", args->top, "How many of the most viewed videos to list")
          ->capture_default_str();
      sub->add_option("--config", args->config,
                      "trendwatch.toml (default: $TRENDWATCH_HOME/trendwatch.toml if present)");
      sub->add_option("--db", args->db, "Store URL, overriding the config's [store] url");
      sub->callback([args, &ctx] {
        ctx.exit_code = tw::cli::guarded("trends", [&] { return run_trends(*args); });
      });
    }};

}  // namespace
