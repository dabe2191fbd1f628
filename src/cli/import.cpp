// `trendwatch import FILE...`: TikTok items captured with Zeeschuimer (or
// exported by 4CAT) as NDJSON, queued in the store once, as a `zeeschuimer`
// source would (docs/sources.md).  Prints what was added, updated (already
// known: newer figures) and skipped (with the reason, FILE:LINE).  Exit 2 when
// a file could not be read (the others are still imported), 0 otherwise.
#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <optional>

#include "cli/command.h"
#include "core/config.h"
#include "core/errors.h"
#include "core/home.h"
#include "sources/zeeschuimer.h"
#include "store/store.h"

namespace {

using nlohmann::ordered_json;

struct ImportArgs {
  std::vector<std::string> files;
  std::optional<std::string> config;
  std::string db;
  std::string source = "import";
  std::string format = "text";
};

struct FileReport {
  std::string file;
  std::int64_t added = 0, updated = 0, skipped = 0;
  std::vector<std::string> warnings;  // bad lines "FILE:LINE: reason", counts of skipped records
  std::vector<std::string> unreadable;
};

FileReport import_file(tw::store::Store& store, const std::string& file,
                       const std::string& source) {
  FileReport report;
  report.file = file;
  tw::sources::ZeeschuimerOptions options;
  options.source_name = source;
  options.on_videos = [&](std::vector<tw::VideoRef>&& videos) {
    for (const tw::VideoRef& video : videos) {
      if (store.enqueue_video(video).is_new)
        ++report.added;
      else
        ++report.updated;
    }
  };
  tw::sources::ZeeschuimerRead read = tw::sources::read_zeeschuimer(file, options);
  const auto& counts = read.counts;
  report.skipped = counts.invalid + counts.comments + counts.other_platforms + counts.duplicates;
  report.warnings = read.listed.warnings;
  if (counts.duplicates > 0)
    report.warnings.push_back(std::to_string(counts.duplicates) +
                              " repeated records (same item, same capture time) skipped");
  report.unreadable = read.unreadable;
  return report;
}

int run_import(const ImportArgs& args) {
  tw::Home home = tw::Home::resolve();
  tw::Config config = tw::find_config(args.config, home);
  if (!args.db.empty()) config.store.url = args.db;
  auto store = tw::store::open_store(config.store.url);

  std::vector<FileReport> reports;
  for (const std::string& file : args.files)
    reports.push_back(import_file(*store, file, args.source));

  FileReport total;
  for (const auto& r : reports) {
    total.added += r.added;
    total.updated += r.updated;
    total.skipped += r.skipped;
    total.unreadable.insert(total.unreadable.end(), r.unreadable.begin(), r.unreadable.end());
  }
  if (args.format == "json") {
    ordered_json out;
    out["added"] = total.added;
    out["updated"] = total.updated;
    out["skipped"] = total.skipped;
    out["files"] = ordered_json::array();
    for (const auto& r : reports)
      out["files"].push_back({{"file", r.file},
                              {"added", r.added},
                              {"updated", r.updated},
                              {"skipped", r.skipped},
                              {"warnings", r.warnings},
                              {"unreadable", r.unreadable}});
    out["unreadable"] = total.unreadable;
    std::cout << out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  } else {
    for (const auto& r : reports) {
      if (!r.unreadable.empty()) continue;
      std::printf("%s: %lld added, %lld updated, %lld skipped\n", r.file.c_str(),
                  static_cast<long long>(r.added), static_cast<long long>(r.updated),
                  static_cast<long long>(r.skipped));
      for (const auto& warning : r.warnings) std::printf("  %s\n", warning.c_str());
    }
    if (reports.size() > 1)
      std::printf("total: %lld added, %lld updated, %lld skipped\n",
                  static_cast<long long>(total.added), static_cast<long long>(total.updated),
                  static_cast<long long>(total.skipped));
  }
  for (const auto& problem : total.unreadable)
    std::fprintf(stderr, "trendwatch import: %s\n", problem.c_str());
  return total.unreadable.empty() ? tw::exit_code::ok : tw::exit_code::error;
}

const tw::cli::CommandRegistration registration{
    43, [](CLI::App& root, tw::cli::Context& ctx) {
      auto args = std::make_shared<ImportArgs>();
      auto* sub = root.add_subcommand(
          "import", "Queue TikTok videos from Zeeschuimer or 4CAT NDJSON exports, once");
      sub->footer(
          "Each line of an export is one item Zeeschuimer captured in the browser\n"
          "({\"source_platform\": \"tiktok.com\", \"timestamp_collected\": ..., \"data\": "
          "{...}}).\n"
          "Videos are queued for scanning like a source's (platform tiktok, TikTok's id, so a\n"
          "video also listed by a ytdlp or tiktok-research source is one video); a known video\n"
          "is 'updated' (newer figures). Comment records and bad lines are skipped and named\n"
          "(FILE:LINE: reason). To import a folder as it grows, configure a source:\n"
          "  [[source]] name = \"browser\"  kind = \"zeeschuimer\"  location = "
          "\"/path/to/exports\"\n"
          "Exit status: 0, or 2 when a file could not be read (the others are imported).");
      sub->add_option("FILE", args->files, "NDJSON export files (or folders of *.ndjson files)")
          ->required();
      sub->add_option("--config", args->config,
                      "trendwatch.toml (default: $TRENDWATCH_HOME/trendwatch.toml if present)");
      sub->add_option("--db", args->db, "Store URL, overriding the config's [store] url");
      sub->add_option("--source", args->source, "The source name the videos are stored under")
          ->capture_default_str();
      sub->add_option("--format", args->format, "text or json")
          ->check(CLI::IsMember({"text", "json"}))
          ->capture_default_str();
      sub->callback([args, &ctx] {
        ctx.exit_code = tw::cli::guarded("import", [&] { return run_import(*args); });
      });
    }};

}  // namespace
