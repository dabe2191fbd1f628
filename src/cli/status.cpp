// `trendwatch status`: sources' health and the queue, from the store.
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
#include "store/store.h"

namespace {

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

int run_status(const StatusArgs& args) {
  tw::Home home = tw::Home::resolve();
  tw::Config config = tw::find_config(args.config, home);
  if (!args.db.empty()) config.store.url = args.db;
  tw::remember_secrets(config);
  const std::string store_url = tw::redact_url(config.store.url);
  auto store = tw::store::open_store(config.store.url);
  auto sources = store->sources();
  auto depth = store->queue_depth();
  // Videos whose last scan failed and that wait for their retry: why they
  // failed is what an operator must see ("the disk is full: ... DIR").
  std::vector<tw::store::VideoRecord> retrying;
  for (auto& v : store->videos(tw::store::VideoState::queued, 1000, 0))
    if (v.attempts > 0 && !v.last_error.empty()) retrying.push_back(std::move(v));

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
    for (const auto& s : sources)
      out["sources"].push_back({{"name", s.config.name},
                                {"kind", s.config.kind},
                                {"location", tw::redact_url(s.config.location)},
                                {"last_poll_at", or_null(iso(s.last_poll_at))},
                                {"last_success_at", or_null(iso(s.last_success_at))},
                                {"last_error", or_null(tw::redact_text(s.last_error))},
                                {"last_error_at", or_null(iso(s.last_error_at))},
                                {"consecutive_failures", s.consecutive_failures},
                                {"next_poll_at", or_null(iso(s.next_poll_at))},
                                {"videos", s.videos}});
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
  if (!retrying.empty()) {
    // The first few: the same cause (a full disk) usually holds for all.
    std::printf("retrying: %zu videos whose scan failed\n", retrying.size());
    for (size_t i = 0; i < std::min<size_t>(retrying.size(), 5); ++i) {
      const auto& v = retrying[i];
      const std::string error = one_line(tw::redact_text(v.last_error));
      std::printf("  video %lld (attempt %d, next at %s): %.200s\n", static_cast<long long>(v.id),
                  v.attempts, iso(v.next_attempt_at).c_str(), error.c_str());
    }
  }
  if (sources.empty()) {
    std::printf("sources: none polled yet\n");
    return tw::exit_code::ok;
  }
  std::printf("%-20s %-8s %-6s %-21s %-8s %s\n", "SOURCE", "KIND", "HEALTH", "LAST SUCCESS",
              "FAILURES", "LAST ERROR");
  for (const auto& s : sources) {
    const char* health = s.consecutive_failures > 0 ? "FAIL" : (s.last_success_at ? "ok" : "-");
    const std::string error =
        s.consecutive_failures > 0 ? one_line(tw::redact_text(s.last_error)) : "";
    std::printf("%-20s %-8s %-6s %-21s %-8d %.100s\n", s.config.name.c_str(), s.config.kind.c_str(),
                health, iso(s.last_success_at).c_str(), s.consecutive_failures, error.c_str());
  }
  return tw::exit_code::ok;
}

const tw::cli::CommandRegistration registration{
    42, [](CLI::App& root, tw::cli::Context& ctx) {
      auto args = std::make_shared<StatusArgs>();
      auto* sub = root.add_subcommand("status", "Sources' health and queue depth, from the store");
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
