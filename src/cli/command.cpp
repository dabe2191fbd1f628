#include "cli/command.h"

#include <iostream>

#include "core/errors.h"

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
  } catch (const InputError& e) {
    std::cerr << "trendwatch " << command << ": error: " << e.what() << "\n";
  } catch (const std::exception& e) {
    std::cerr << "trendwatch " << command << ": error: " << e.what() << "\n";
  }
  return exit_code::error;
}

}  // namespace tw::cli
