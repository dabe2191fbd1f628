// `trendwatch worker`: scans queued videos, nothing else.  Several workers on
// several machines share one PostgreSQL store (claims are leases).
#include <optional>

#include "cli/command.h"
#include "cli/signals.h"
#include "core/config.h"
#include "core/errors.h"
#include "core/home.h"
#include "watch/monitor.h"

namespace {

struct WorkerArgs {
  std::optional<std::string> config;
  std::string db;
  tw::watch::MonitorOptions monitor;
  double lease_seconds = 120;
};

int run_worker(WorkerArgs& args) {
  tw::Home home = tw::Home::resolve();
  tw::Config config = tw::find_config(args.config, home);
  if (!args.db.empty()) config.store.url = args.db;
  if (!(args.lease_seconds >= 5)) throw tw::InputError("--lease", "must be at least 5 seconds");
  args.monitor.lease = std::chrono::milliseconds(static_cast<long long>(args.lease_seconds * 1000));
  args.monitor.no_poll = true;
  args.monitor.kind = "worker";
  return tw::watch::run_monitor(config, home, args.monitor, tw::cli::stop_on_signals());
}

const tw::cli::CommandRegistration registration{
    45, [](CLI::App& root, tw::cli::Context& ctx) {
      auto args = std::make_shared<WorkerArgs>();
      auto* sub = root.add_subcommand(
          "worker", "Scan queued videos (with `watch --no-scan` listing sources elsewhere)");
      sub->add_option("--config", args->config,
                      "trendwatch.toml (default: $TRENDWATCH_HOME/trendwatch.toml if present)");
      sub->add_option("--db", args->db, "Store URL, overriding the config's [store] url");
      sub->add_flag("--drain", args->monitor.drain, "Exit when the queue is empty");
      sub->add_option("--worker", args->monitor.worker,
                      "Lease owner name (default worker@HOSTNAME); unique per process");
      sub->add_option("--lease", args->lease_seconds, "Seconds a claimed video stays leased")
          ->capture_default_str();
      sub->callback([args, &ctx] {
        ctx.exit_code = tw::cli::guarded("worker", [&] { return run_worker(*args); });
      });
    }};

}  // namespace
