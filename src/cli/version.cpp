// `trendwatch version`: the version and the libraries it was built with.
#include <opencv2/core/version.hpp>

#include <iostream>

#include "cli/command.h"

namespace {

const tw::cli::CommandRegistration registration{1000, [](CLI::App& root, tw::cli::Context& ctx) {
  auto* sub = root.add_subcommand("version", "Print the version and the OpenCV version");
  sub->callback([&ctx] {
    std::cout << "trendwatch " << TW_VERSION << " (OpenCV " << CV_VERSION << ")\n";
    ctx.exit_code = 0;
  });
}};

}  // namespace
