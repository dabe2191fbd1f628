// trendwatch: find a face or an image in short videos and raise alerts with
// evidence.  Subcommands live one per file in src/cli/ and register themselves.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <iostream>

#include "cli/command.h"
#include "core/errors.h"

int main(int argc, char** argv) {
  CLI::App app{
      "trendwatch — watch short-video feeds for a face or an image and alert with evidence.\n"
      "State lives in $TRENDWATCH_HOME (default ~/.local/share/trendwatch).\n"
      "Exit codes: 0 found/ok, 1 nothing found (scan), 2 error.",
      "trendwatch"};
  app.set_version_flag("--version", std::string("trendwatch ") + TW_VERSION);
  app.require_subcommand(1);
  app.fallthrough(false);

  // Diagnostics go to stderr: stdout is for results (JSON, CSV, alerts).
  spdlog::set_default_logger(spdlog::stderr_color_mt("trendwatch"));

  tw::cli::Context ctx;
  auto& commands = tw::cli::registered_commands();
  std::stable_sort(commands.begin(), commands.end(),
                   [](const auto& a, const auto& b) { return a.order < b.order; });
  for (auto& command : commands) command.setup(app, ctx);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    // --help/--version exit 0; usage errors are bad input: exit 2.
    return rc == 0 ? 0 : tw::exit_code::error;
  }
  return ctx.exit_code;
}
