#include "cli/command.h"

#include <iostream>

#include "core/errors.h"
#include "core/redact.h"

namespace tw::cli {

std::vector<RegisteredCommand>& registered_commands() {
  static std::vector<RegisteredCommand> commands;
  return commands;
}

CommandRegistration::CommandRegistration(int order, Setup setup) {
  registered_commands().push_back({order, std::move(setup)});
}

int guarded(const std::string& command, const std::function<int()>& fn) {
  try {
    return fn();
  } catch (const std::exception& e) {
    // An error may quote a URL or a library's message holding a secret.
    std::cerr << "trendwatch " << command << ": error: " << redact_text(e.what()) << "\n";
  }
  return exit_code::error;
}

}  // namespace tw::cli
