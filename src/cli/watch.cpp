// `trendwatch watch`: the monitor daemon (src/watch/monitor.h).
#include <iostream>
#include <optional>

#include "cli/command.h"
#include "cli/signals.h"
#include "core/config.h"
#include "core/errors.h"
#include "core/home.h"
#include "watch/monitor.h"

namespace {

struct WatchArgs {
  std::optional<std::string> config;
  std::string db;
  tw::watch::MonitorOptions monitor;
  double lease_seconds = 120;
};

int run_watch(WatchArgs& args) {
  tw::Home home = tw::Home::resolve();
  tw::Config config = tw::find_config(args.config, home);
  if (!args.db.empty()) config.store.url = args.db;
  if (!(args.lease_seconds >= 5)) throw tw::InputError("--lease", "must be at least 5 seconds");
  args.monitor.lease = std::chrono::milliseconds(static_cast<long long>(args.lease_seconds * 1000));
  return tw::watch::run_monitor(config, home, args.monitor, tw::cli::stop_on_signals());
}

const tw::cli::CommandRegistration registration{
    40, [](CLI::App& root, tw::cli::Context& ctx) {
      auto args = std::make_shared<WatchArgs>();
      auto* sub = root.add_subcommand(
          "watch", "The monitor: poll sources, scan new videos for the targets, deliver alerts");
      sub->footer(
          "Logs: one JSON object per line on stderr (event, ts, ...). Console alerts go to "
          "stdout.\nState: the store (--db, else [store] url, else trendwatch.db in the home "
          "directory).\nkill -9 at any moment loses nothing: a restart takes unfinished videos "
          "back and\nsends pending alerts; each alert carries its appearance id for receivers to "
          "dedupe.");
      sub->add_option("--config", args->config,
                      "trendwatch.toml (default: $TRENDWATCH_HOME/trendwatch.toml if present)");
      sub->add_option("--db", args->db, "Store URL, overriding the config's [store] url");
      sub->add_flag("--once", args->monitor.once,
                    "Poll every source once, scan what is new, deliver what is due, exit");
      sub->add_flag("--rescan", args->monitor.rescan,
                    "Re-queue videos scanned for an older version of the target set");
      sub->add_flag("--no-scan", args->monitor.no_scan,
                    "Only list sources, queue videos and deliver alerts (workers scan)");
      sub->add_option("--worker", args->monitor.worker,
                      "Lease owner name (default watch@HOSTNAME); keep it stable across restarts");
      sub->add_option("--lease", args->lease_seconds, "Seconds a claimed video stays leased")
          ->capture_default_str();
      sub->callback([args, &ctx] {
        ctx.exit_code = tw::cli::guarded("watch", [&] { return run_watch(*args); });
      });
    }};

}  // namespace
