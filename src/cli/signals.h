#pragma once
#include <atomic>

namespace tw::cli {

// Installs SIGINT/SIGTERM handlers that set the returned flag (and ignores
// SIGPIPE): long-running subcommands poll it to finish or give back work.
const std::atomic<bool>& stop_on_signals();

}  // namespace tw::cli
