// `trendwatch serve`: the dashboard (src/server/) over the store, until
// SIGINT or SIGTERM.
#include <signal.h>

#include <atomic>
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <optional>
#include <thread>

#include "cli/command.h"
#include "core/config.h"
#include "core/errors.h"
#include "core/home.h"
#include "core/redact.h"
#include "server/dashboard.h"
#include "store/store.h"

namespace {

struct ServeArgs {
  std::string listen = "127.0.0.1:8080";
  std::string token;
  std::optional<std::filesystem::path> config;
  std::string db;
  std::optional<std::filesystem::path> evidence;
};

// Runs the server on this thread; a helper thread waits for SIGINT/SIGTERM
// (blocked here, so that every server thread inherits the mask) and stops it.
int serve(const ServeArgs& args) {
  const tw::Home home = tw::Home::resolve();
  tw::server::ServerOptions options;
  options.listen = tw::server::parse_listen(args.listen);
  options.token = args.token;
  options.evidence_root = args.evidence.value_or(home.evidence());

  // The token and the config's secrets are hidden from every message.
  tw::remember_secret(args.token);
  std::string url = args.db;
  if (url.empty()) {
    const tw::Config config = tw::find_config(args.config, home);
    tw::remember_secrets(config);
    url = config.store.url;
  }
  tw::remember_url_secrets(url);
  auto store = tw::store::open_store(url);
  tw::server::DashboardServer server(*store, options);
  server.bind();

  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::atomic<bool> finished{false};
  std::thread waiter([&] {
    const timespec tick{0, 200 * 1000 * 1000};
    while (!finished) {
      if (sigtimedwait(&stop_signals, nullptr, &tick) > 0) {
        server.stop();
        return;
      }
    }
  });

  std::cout << "trendwatch serve: dashboard at " << server.url()
            << (options.token.empty() ? "" : " (token required)") << "\n"
            << "trendwatch serve: store " << url << "; Ctrl-C stops" << std::endl;
  const bool clean = server.serve();
  finished = true;
  waiter.join();
  std::cout << "trendwatch serve: stopped" << std::endl;
  return clean ? tw::exit_code::ok : tw::exit_code::error;
}

const tw::cli::CommandRegistration registration{
    80, [](CLI::App& root, tw::cli::Context& ctx) {
      auto args = std::make_shared<ServeArgs>();
      auto* sub =
          root.add_subcommand("serve", "Serve the dashboard: review appearances in a browser");
      sub->add_option("--listen", args->listen,
                      "HOST:PORT to listen on (port 0 picks a free one); beyond 127.0.0.1 a token "
                      "is required")
          ->capture_default_str();
      sub->add_option("--token", args->token,
                      "Require 'Authorization: Bearer TOKEN' on every request")
          ->envname("TRENDWATCH_TOKEN");
      sub->add_option("--config", args->config, "trendwatch.toml (default: the home directory's)");
      sub->add_option("--db", args->db, "Store URL, overriding the config (sqlite:///path.db)");
      sub->add_option(
          "--evidence", args->evidence,
          "Folder that evidence images must be inside (default: $TRENDWATCH_HOME/evidence)");
      sub->callback([args, &ctx] {
        ctx.exit_code = tw::cli::guarded("serve", [&] { return serve(*args); });
      });
    }};

}  // namespace
