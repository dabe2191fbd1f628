#include "watch/ytdlp_check.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

namespace tw::watch {
namespace {

namespace fs = std::filesystem;

// Where a program named without a '/' is found on PATH (as execvp would).
std::string resolve_program(const std::string& program) {
  if (program.empty()) return {};
  std::error_code ec;
  if (program.find('/') != std::string::npos) {
    fs::path absolute = fs::absolute(program, ec);
    return !ec && fs::exists(absolute, ec) ? absolute.lexically_normal().string() : std::string();
  }
  const char* path = std::getenv("PATH");
  std::string_view dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  while (!dirs.empty()) {
    size_t colon = dirs.find(':');
    std::string dir(dirs.substr(0, colon));
    dirs = colon == std::string_view::npos ? std::string_view() : dirs.substr(colon + 1);
    fs::path candidate = fs::path(dir.empty() ? "." : dir) / program;
    if (::access(candidate.c_str(), X_OK) == 0 && fs::is_regular_file(candidate, ec))
      return fs::absolute(candidate, ec).lexically_normal().string();
  }
  return {};
}

// "2025-04-30".
std::string iso_date(std::chrono::sys_days day) {
  const std::chrono::year_month_day date(day);
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(date.year()),
                static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()));
  return text;
}

nlohmann::ordered_json text_or_null(const std::string& text) {
  return text.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(text);
}

}  // namespace

bool needs_ytdlp(const SourceConfig& source) {
  switch (source.kind) {
    case SourceKind::ytdlp:
    case SourceKind::command:
    case SourceKind::tiktok_research:
    case SourceKind::zeeschuimer:
      return true;
    default:
      return false;
  }
}

std::vector<YtdlpUse> ytdlp_uses(const Config& config) {
  std::vector<YtdlpUse> uses;
  for (const SourceConfig& source : config.sources) {
    if (!source.enabled || !needs_ytdlp(source)) continue;
    const std::string path = resolve_program(source.ytdlp);
    auto same = [&](const YtdlpUse& use) {
      return path.empty() ? use.path.empty() && use.program == source.ytdlp : use.path == path;
    };
    auto it = std::find_if(uses.begin(), uses.end(), same);
    if (it == uses.end()) it = uses.insert(uses.end(), YtdlpUse{source.ytdlp, path, {}});
    it->sources.push_back(source.name);
  }
  return uses;
}

std::vector<YtdlpCheck> check_ytdlps(const Config& config) {
  std::vector<YtdlpCheck> checks;
  for (YtdlpUse& use : ytdlp_uses(config)) {
    sources::YtdlpVersion version = sources::probe_ytdlp(use.path.empty() ? use.program : use.path);
    version.program = use.program;
    checks.push_back({std::move(use), std::move(version)});
  }
  return checks;
}

nlohmann::ordered_json to_json(const YtdlpCheck& check) {
  const sources::YtdlpVersion& v = check.version;
  nlohmann::ordered_json out;
  out["program"] = check.use.program;
  out["path"] = text_or_null(check.use.path);
  out["version"] = text_or_null(v.version);
  out["released"] =
      v.released ? nlohmann::ordered_json(iso_date(*v.released)) : nlohmann::ordered_json(nullptr);
  out["age_days"] = v.age_days ? nlohmann::ordered_json(*v.age_days) : nullptr;
  out["too_old"] = v.too_old;
  out["error"] = text_or_null(v.error);
  out["advice"] = text_or_null(v.advice);
  out["sources"] = check.use.sources;
  return out;
}

}  // namespace tw::watch
