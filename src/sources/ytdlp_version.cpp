#include "sources/ytdlp_version.h"

#include <cctype>
#include <charconv>
#include <system_error>

#include "sources/process.h"

namespace tw::sources {

namespace {

constexpr const char* kAdvice =
    "install a current yt-dlp (its standalone release: https://github.com/yt-dlp/yt-dlp/releases, "
    "e.g. the yt-dlp_linux binary) and point the source's `ytdlp` key at it";

std::optional<unsigned> number(std::string_view text) {
  unsigned value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::string first_line(const std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) line.pop_back();
  return line.substr(0, 100);
}

}  // namespace

std::optional<std::chrono::sys_days> ytdlp_release_date(std::string_view version) {
  // YYYY.MM.DD, then optionally ".N" or ".HHMMSS" (nightly and patch releases).
  if (version.size() < 10 || version[4] != '.' || version[7] != '.') return std::nullopt;
  if (version.size() > 10 && version[10] != '.') return std::nullopt;
  auto year = number(version.substr(0, 4));
  auto month = number(version.substr(5, 2));
  auto day = number(version.substr(8, 2));
  if (!year || !month || !day) return std::nullopt;
  const std::chrono::year_month_day date{std::chrono::year(static_cast<int>(*year)),
                                         std::chrono::month(*month), std::chrono::day(*day)};
  if (!date.ok() || *year < 2020) return std::nullopt;
  return std::chrono::sys_days(date);
}

YtdlpVersion probe_ytdlp(const std::string& program, std::chrono::system_clock::time_point now,
                         std::chrono::milliseconds timeout) {
  YtdlpVersion result;
  result.program = program;
  ProcessOptions options;
  options.timeout = timeout;
  options.max_output = 64 * 1024;
  ProcessResult run;
  try {
    run = run_process({program, "--version"}, options);
  } catch (const std::system_error& e) {
    result.error = "cannot run '" + program + "': " + e.code().message();
  }
  if (result.error.empty() && !run.ok()) {
    result.error = "'" + program + " --version' " + run.describe(timeout);
    if (std::string line = run.last_error_line(); !line.empty()) result.error += ": " + line;
  }
  if (result.error.empty()) {
    result.version = first_line(run.out);
    result.released = ytdlp_release_date(result.version);
    if (!result.released)
      result.error =
          "'" + program + " --version' printed no release date (\"" + result.version + "\")";
  }
  if (result.released) {
    const auto today = std::chrono::floor<std::chrono::days>(now);
    result.age_days = static_cast<int>((today - *result.released).count());
  }
  result.too_old = !result.age_days || *result.age_days > kYtdlpMaxAgeDays;
  if (!result.error.empty())
    result.advice = kAdvice;
  else if (result.too_old)
    result.advice = "platforms change their pages often and a yt-dlp older than " +
                    std::to_string(kYtdlpMaxAgeDays) + " days often fails on them: " + kAdvice;
  return result;
}

std::string describe(const YtdlpVersion& version) {
  std::string text = version.program;
  if (!version.error.empty()) return text + ": " + version.error + "; " + version.advice;
  text += " " + version.version;
  if (version.age_days) text += " (" + std::to_string(*version.age_days) + " days old)";
  if (!version.advice.empty()) text += ": " + version.advice;
  return text;
}

}  // namespace tw::sources
