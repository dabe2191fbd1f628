#pragma once
// Subcommands register themselves: each src/cli/<name>.cpp defines one
// static CommandRegistration, so adding a subcommand touches no other file.
#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

namespace tw::cli {

// Filled by the subcommand that CLI11 parsed; main returns it.
struct Context {
  int exit_code = 0;
};

// Adds the subcommand (and its options) to the root app.  The subcommand's
// callback runs the work and stores the exit code in ctx.
using Setup = std::function<void(CLI::App& root, Context& ctx)>;

struct CommandRegistration {
  // order: position in --help (lower first).
  CommandRegistration(int order, Setup setup);
};

struct RegisteredCommand {
  int order;
  Setup setup;
};
std::vector<RegisteredCommand>& registered_commands();

// Runs fn, turning InputError and other exceptions into one stderr line and
// exit code 2.  Subcommands wrap their work in it.
int guarded(const std::string& command, const std::function<int()>& fn);

}  // namespace tw::cli
