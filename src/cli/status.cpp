// `trendwatch status`: sources' health (with the last poll's warnings and,
// for Research API sources, today's quota), the queue, and each yt-dlp the
// sources use (version, age, advice when too old).
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <optional>

#include "cli/command.h"
#include "core/config.h"
#include "core/errors.h"
#include "core/home.h"
#include "core/redact.h"
#include "sources/tiktok_research.h"
#include "store/store.h"
#include "watch/store_ledger.h"
#include "watch/ytdlp_check.h"

namespace {

std::vector<std::string> redacted(const std::vector<std::string>& lines) {
  std::vector<std::string> out;
  for (const auto& line : lines) out.push_back(tw::redact_text(line));
  return out;
}

using nlohmann::ordered_json;

struct StatusArgs {
  std::optional<std::string> config;
  std::string db;
  std::string format = "text";
};

std::string iso(std::optional<tw::store::Millis> ms) {
  if (!ms) return "";
  std::time_t seconds = static_cast<std::time_t>(*ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

// An error on one line of the table.
std::string one_line(std::string text) {
  for (char& c : text)
    if (c == '\n' || c == '\r') c = ' ';
  return text;
}

ordered_json or_null(const std::string& s) {
  return s.empty() ? ordered_json(nullptr) : ordered_json(s);
}

// A Research API source's use of its daily quota (UTC day) against its limits.
struct QuotaLine {
  std::string day;  // YYYYMMDD
  tw::store::QuotaUsage used, limits;
};

std::optional<QuotaLine> quota_of(const tw::store::Store& store, const tw::Config& config,
                                  const std::string& source_name) {
  const tw::SourceConfig* source = config.find_source(source_name);
  if (!source || source->kind != tw::SourceKind::tiktok_research) return std::nullopt;
  QuotaLine line;
  line.day = tw::sources::yyyymmdd_utc(std::chrono::system_clock::now());
  line.used = store.quota_usage(tw::watch::StoreLedger::quota_key(source_name), line.day);
  line.limits = {source->daily_requests, source->daily_records};
  return line;
}

ordered_json quota_json(const QuotaLine& q) {
  auto left = [](std::int64_t limit, std::int64_t used) {
    return std::max<std::int64_t>(0, limit - used);
  };
  return {{"day", q.day},
          {"requests_used", q.used.requests},
          {"requests_limit", q.limits.requests},
          {"requests_left", left(q.limits.requests, q.used.requests)},
          {"records_used", q.used.records},
          {"records_limit", q.limits.records},
          {"records_left", left(q.limits.records, q.used.records)}};
}

int run_status(const StatusArgs& args) {
  tw::Home home = tw::Home::resolve();
  tw::Config config = tw::find_config(args.config, home);
  if (!args.db.empty()) config.store.url = args.db;
  tw::remember_secrets(config);
  const std::string store_url = tw::redact_url(config.store.url);
  auto store = tw::store::open_store(config.store.url);
  auto sources = store->sources();
  auto depth = store->queue_depth();
  const std::vector<tw::watch::YtdlpCheck> ytdlps = tw::watch::check_ytdlps(config);
  // Videos whose last scan failed and that wait for their retry: why they
  // failed is what an operator must see ("the disk is full: ... DIR").  A
  // full disk uses no attempt, so the error, not the count, tells them.
  std::vector<tw::store::VideoRecord> retrying;
  for (auto& v : store->videos(tw::store::VideoState::queued, 1000, 0))
    if (!v.last_error.empty()) retrying.push_back(std::move(v));

  if (args.format == "json") {
    ordered_json out;
    out["store"] = store_url;
    out["queue"] = {{"queued", depth.queued},
                    {"scanning", depth.scanning},
                    {"done", depth.done},
                    {"failed", depth.failed}};
    out["deliveries"] = {{"pending", depth.deliveries_pending},
                         {"delivered", depth.deliveries_delivered},
                         {"failed", depth.deliveries_failed}};
    out["retrying"] = ordered_json::array();
    for (const auto& v : retrying)
      out["retrying"].push_back({{"video", v.id},
                                 {"url", tw::redact_url(v.ref.url)},
                                 {"attempts", v.attempts},
                                 {"next_attempt_at", or_null(iso(v.next_attempt_at))},
                                 {"last_error", tw::redact_text(v.last_error)}});
    out["sources"] = ordered_json::array();
    for (const auto& s : sources) {
      ordered_json entry = {{"name", s.config.name},
                            {"kind", s.config.kind},
                            {"location", tw::redact_url(s.config.location)},
                            {"last_poll_at", or_null(iso(s.last_poll_at))},
                            {"last_success_at", or_null(iso(s.last_success_at))},
                            {"last_error", or_null(tw::redact_text(s.last_error))},
                            {"last_error_at", or_null(iso(s.last_error_at))},
                            {"consecutive_failures", s.consecutive_failures},
                            {"next_poll_at", or_null(iso(s.next_poll_at))},
                            {"videos", s.videos},
                            {"warnings", redacted(s.warnings)}};
      if (auto quota = quota_of(*store, config, s.config.name)) entry["quota"] = quota_json(*quota);
      out["sources"].push_back(std::move(entry));
    }
    out["ytdlp"] = ordered_json::array();
    for (const auto& check : ytdlps) out["ytdlp"].push_back(tw::watch::to_json(check));
    std::cout << out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return tw::exit_code::ok;
  }

  std::printf("store: %s\n", store_url.c_str());
  std::printf("queue: %lld queued, %lld scanning, %lld done, %lld failed\n",
              static_cast<long long>(depth.queued), static_cast<long long>(depth.scanning),
              static_cast<long long>(depth.done), static_cast<long long>(depth.failed));
  std::printf("alerts: %lld pending, %lld delivered, %lld failed\n",
              static_cast<long long>(depth.deliveries_pending),
              static_cast<long long>(depth.deliveries_delivered),
              static_cast<long long>(depth.deliveries_failed));
  for (const auto& check : ytdlps) {
    std::string users;
    for (const auto& name : check.use.sources) users += (users.empty() ? "" : ", ") + name;
    std::printf("yt-dlp: %s%s (used by %s)\n", check.version.too_old ? "WARNING " : "",
                one_line(tw::sources::describe(check.version)).c_str(), users.c_str());
    if (!check.use.path.empty() && check.use.path != check.use.program)
      std::printf("  at %s\n", check.use.path.c_str());
  }
  if (!retrying.empty()) {
    // The first few: the same cause (a full disk) usually holds for all.
    std::printf("retrying: %zu videos whose scan failed\n", retrying.size());
    for (size_t i = 0; i < std::min<size_t>(retrying.size(), 5); ++i) {
      const auto& v = retrying[i];
      const std::string error = one_line(tw::redact_text(v.last_error));
      std::printf("  video %lld (%d attempts used, next at %s): %.200s\n",
                  static_cast<long long>(v.id), v.attempts, iso(v.next_attempt_at).c_str(),
                  error.c_str());
    }
  }
  if (sources.empty()) {
    std::printf("sources: none polled yet\n");
    return tw::exit_code::ok;
  }
  std::printf("%-20s %-15s %-6s %-21s %-8s %s\n", "SOURCE", "KIND", "HEALTH", "LAST SUCCESS",
              "FAILURES", "LAST ERROR");
  for (const auto& s : sources) {
    const char* health = s.consecutive_failures > 0 ? "FAIL" : (s.last_success_at ? "ok" : "-");
    std::string error = one_line(s.consecutive_failures > 0 ? tw::redact_text(s.last_error) : "");
    std::printf("%-20s %-15s %-6s %-21s %-8d %.300s\n", s.config.name.c_str(),
                s.config.kind.c_str(), health, iso(s.last_success_at).c_str(),
                s.consecutive_failures, error.c_str());
  }
  for (const auto& s : sources) {
    if (auto q = quota_of(*store, config, s.config.name))
      std::printf("%s: quota on %s (UTC): %lld of %lld requests, %lld of %lld records used\n",
                  s.config.name.c_str(), q->day.c_str(), static_cast<long long>(q->used.requests),
                  static_cast<long long>(q->limits.requests),
                  static_cast<long long>(q->used.records),
                  static_cast<long long>(q->limits.records));
    if (s.warnings.empty()) continue;
    std::printf("%s: %zu warning%s in the last poll\n", s.config.name.c_str(), s.warnings.size(),
                s.warnings.size() == 1 ? "" : "s");
    for (const auto& warning : s.warnings)
      std::printf("  %s\n", one_line(tw::redact_text(warning)).c_str());
  }
  return tw::exit_code::ok;
}

const tw::cli::CommandRegistration registration{
    42, [](CLI::App& root, tw::cli::Context& ctx) {
      auto args = std::make_shared<StatusArgs>();
      auto* sub = root.add_subcommand(
          "status", "Sources' health, quotas and warnings, the queue, and the yt-dlp in use");
      sub->add_option("--config", args->config,
                      "trendwatch.toml (default: $TRENDWATCH_HOME/trendwatch.toml if present)");
      sub->add_option("--db", args->db, "Store URL, overriding the config's [store] url");
      sub->add_option("--format", args->format, "text or json")
          ->check(CLI::IsMember({"text", "json"}))
          ->capture_default_str();
      sub->callback([args, &ctx] {
        ctx.exit_code = tw::cli::guarded("status", [&] { return run_status(*args); });
      });
    }};

}  // namespace
