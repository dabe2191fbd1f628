#include "core/config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <initializer_list>
#include <set>
#include <sstream>
#include <stdexcept>

#include "core/errors.h"

namespace fs = std::filesystem;

namespace tw {

namespace {

int line_of(const toml::node& node) {
  return static_cast<int>(node.source().begin.line);
}

// Reads one TOML table with a fixed set of keys; every error names the file
// and the line of the offending key (or of the table when a key is missing).
class TableReader {
 public:
  TableReader(const toml::table& table, std::string label, std::string where, int table_line)
      : table_(table), label_(std::move(label)), where_(std::move(where)), line_(table_line) {}

  [[noreturn]] void fail(int line, const std::string& reason) const {
    throw InputError(label_ + ":" + std::to_string(line > 0 ? line : line_), reason);
  }
  [[noreturn]] void fail_at(std::string_view key, const std::string& reason) const {
    fail(key_line(key), reason);
  }

  // Rejects any key outside `allowed`; reports the first one in file order.
  void only(std::initializer_list<std::string_view> allowed, std::string_view why = {}) const {
    const toml::key* worst = nullptr;
    for (auto&& [key, node] : table_) {
      if (std::find(allowed.begin(), allowed.end(), key.str()) != allowed.end()) continue;
      if (!worst || key.source().begin.line < worst->source().begin.line) worst = &key;
    }
    if (!worst) return;
    std::string reason = "unknown key '" + std::string(worst->str()) + "' in " + where_;
    if (!why.empty()) reason = "key '" + std::string(worst->str()) + "' " + std::string(why);
    fail(static_cast<int>(worst->source().begin.line), reason);
  }

  bool has(std::string_view key) const { return table_.contains(key); }

  std::optional<std::string> string(std::string_view key) const {
    const toml::node* node = table_.get(key);
    if (!node) return std::nullopt;
    if (!node->is_string())
      fail(line_of(*node), where_ + "." + std::string(key) + " must be a string");
    return node->as_string()->get();
  }
  std::string required_string(std::string_view key) const {
    auto value = string(key);
    if (!value) fail(line_, where_ + " needs '" + std::string(key) + "'");
    if (value->empty()) fail_at(key, where_ + "." + std::string(key) + " is empty");
    return *value;
  }
  std::optional<std::vector<std::string>> strings(std::string_view key) const {
    const toml::node* node = table_.get(key);
    if (!node) return std::nullopt;
    const std::string what = where_ + "." + std::string(key) + " must be an array of strings";
    if (!node->is_array()) fail(line_of(*node), what);
    std::vector<std::string> out;
    for (const toml::node& item : *node->as_array()) {
      if (!item.is_string()) fail(line_of(item), what);
      out.push_back(item.as_string()->get());
    }
    return out;
  }
  std::optional<std::int64_t> integer(std::string_view key, std::int64_t min,
                                      std::int64_t max = 1'000'000'000) const {
    const toml::node* node = table_.get(key);
    if (!node) return std::nullopt;
    if (!node->is_integer())
      fail(line_of(*node), where_ + "." + std::string(key) + " must be an integer");
    std::int64_t value = node->as_integer()->get();
    if (value < min || value > max)
      fail(line_of(*node), where_ + "." + std::string(key) + " must be between " +
                               std::to_string(min) + " and " + std::to_string(max));
    return value;
  }
  std::optional<double> number(std::string_view key) const {
    const toml::node* node = table_.get(key);
    if (!node) return std::nullopt;
    if (node->is_integer()) return static_cast<double>(node->as_integer()->get());
    if (node->is_floating_point() && std::isfinite(node->as_floating_point()->get()))
      return node->as_floating_point()->get();
    fail(line_of(*node), where_ + "." + std::string(key) + " must be a number");
  }
  std::optional<bool> boolean(std::string_view key) const {
    const toml::node* node = table_.get(key);
    if (!node) return std::nullopt;
    if (!node->is_boolean())
      fail(line_of(*node), where_ + "." + std::string(key) + " must be true or false");
    return node->as_boolean()->get();
  }
  // A string with units ("5m") or a number of seconds; always > 0.
  std::optional<Duration> duration(std::string_view key) const {
    const toml::node* node = table_.get(key);
    if (!node) return std::nullopt;
    std::optional<Duration> value;
    std::string shown;
    if (node->is_string()) {
      shown = "'" + node->as_string()->get() + "'";
      value = parse_duration(node->as_string()->get());
    } else if (node->is_integer() || node->is_floating_point()) {
      double seconds = node->is_integer() ? static_cast<double>(node->as_integer()->get())
                                          : node->as_floating_point()->get();
      shown = std::to_string(seconds);
      if (std::isfinite(seconds) && seconds > 0 && seconds < 1e12)
        value = Duration(static_cast<std::int64_t>(std::llround(seconds * 1000)));
    }
    if (!value || value->count() <= 0)
      fail(line_of(*node), where_ + "." + std::string(key) + ": bad duration " +
                               (shown.empty() ? std::string("(not a string)") : shown) +
                               " (use e.g. \"30s\", \"5m\", \"1h\", \"1d\")");
    return value;
  }
  // Bytes as an integer or a string with units ("200MB", "2GiB"); always > 0.
  std::optional<std::uint64_t> size(std::string_view key) const {
    const toml::node* node = table_.get(key);
    if (!node) return std::nullopt;
    std::optional<std::uint64_t> value;
    if (node->is_string()) value = parse_size(node->as_string()->get());
    if (node->is_integer() && node->as_integer()->get() > 0)
      value = static_cast<std::uint64_t>(node->as_integer()->get());
    if (!value || *value == 0)
      fail(line_of(*node),
           where_ + "." + std::string(key) + ": bad size (use bytes or e.g. \"200MB\", \"2GiB\")");
    return value;
  }

 private:
  int key_line(std::string_view key) const {
    for (auto&& [k, node] : table_)
      if (k.str() == key) return static_cast<int>(k.source().begin.line);
    return line_;
  }

  const toml::table& table_;
  std::string label_;
  std::string where_;
  int line_;
};

std::string sqlite_url(const fs::path& file) {
  return "sqlite://" + file.lexically_normal().string();
}

fs::path resolve_path(const fs::path& base_dir, const std::string& path) {
  if (path.empty()) return {};
  fs::path p(path);
  if (p.is_relative() && !base_dir.empty()) p = base_dir / p;
  return p.lexically_normal();
}

bool is_remote_url(std::string_view s) {
  auto starts = [&](std::string_view prefix) {
    return s.size() >= prefix.size() &&
           std::equal(prefix.begin(), prefix.end(), s.begin(), [](char a, char b) {
             return a == std::tolower(static_cast<unsigned char>(b));
           });
  };
  return starts("http://") || starts("https://");
}

void read_store(const TableReader& reader, Config& config, const fs::path& base_dir) {
  reader.only({"url"});
  if (auto url = reader.string("url")) {
    if (url->empty()) reader.fail_at("url", "store.url is empty");
    // A bare path is an SQLite file, like sqlite://PATH.
    if (url->find("://") == std::string::npos)
      config.store.url = sqlite_url(resolve_path(base_dir, *url));
    else
      config.store.url = *url;
  }
}

void read_scan(const TableReader& reader, ScanConfig& scan) {
  reader.only({"fps", "targets", "threshold", "min_frames", "min_duration", "min_face",
               "approximate", "max_video_bytes", "download_timeout"});
  if (auto fps = reader.number("fps")) {
    if (*fps <= 0 || *fps > 1000) reader.fail_at("fps", "scan.fps must be in (0, 1000]");
    scan.fps = *fps;
  }
  if (auto targets = reader.strings("targets")) scan.targets = *targets;
  if (auto threshold = reader.number("threshold")) {
    if (*threshold <= 0) reader.fail_at("threshold", "scan.threshold must be > 0");
    scan.threshold = *threshold;
  }
  if (auto frames = reader.integer("min_frames", 1)) scan.min_frames = static_cast<int>(*frames);
  if (auto d = reader.duration("min_duration")) scan.min_duration = *d;
  if (auto px = reader.number("min_face")) {
    if (!(*px == 0 || (*px >= 8 && *px <= 4096)))
      reader.fail_at("min_face",
                     "scan.min_face must be 0 (the detector's full input) or 8-4096 px");
    scan.min_face = *px;
  }
  if (auto approximate = reader.boolean("approximate")) scan.approximate = *approximate;
  if (auto bytes = reader.size("max_video_bytes")) scan.max_video_bytes = *bytes;
  if (auto d = reader.duration("download_timeout")) scan.download_timeout = *d;
}

void read_watch(const TableReader& reader, WatchConfig& watch, const fs::path& base_dir) {
  reader.only({"concurrency", "every", "source_timeout", "max_videos", "outbox_retry_initial",
               "outbox_retry_max", "outbox_max_attempts", "cache_dir", "cache_max_bytes"});
  if (auto n = reader.integer("concurrency", 1)) watch.concurrency = static_cast<int>(*n);
  if (auto d = reader.duration("every")) watch.every = *d;
  if (auto d = reader.duration("source_timeout")) watch.source_timeout = *d;
  if (auto n = reader.integer("max_videos", 1)) watch.max_videos = static_cast<int>(*n);
  if (auto d = reader.duration("outbox_retry_initial")) watch.outbox_retry_initial = *d;
  if (auto d = reader.duration("outbox_retry_max")) watch.outbox_retry_max = *d;
  if (watch.outbox_retry_max < watch.outbox_retry_initial)
    reader.fail_at(reader.has("outbox_retry_max") ? "outbox_retry_max" : "outbox_retry_initial",
                   "watch.outbox_retry_max is shorter than watch.outbox_retry_initial");
  if (auto n = reader.integer("outbox_max_attempts", 0))
    watch.outbox_max_attempts = static_cast<int>(*n);
  if (auto dir = reader.string("cache_dir")) {
    if (dir->empty()) reader.fail_at("cache_dir", "watch.cache_dir is empty");
    watch.cache_dir = resolve_path(base_dir, *dir);
  }
  if (auto bytes = reader.size("cache_max_bytes")) watch.cache_max_bytes = *bytes;
}

std::optional<SourceKind> source_kind_from(std::string_view text) {
  if (text == "urls") return SourceKind::urls;
  if (text == "ytdlp" || text == "tiktok") return SourceKind::ytdlp;
  if (text == "folder") return SourceKind::folder;
  if (text == "command") return SourceKind::command;
  return std::nullopt;
}

SourceConfig read_source(const TableReader& reader, const WatchConfig& watch,
                         const fs::path& base_dir, int line) {
  reader.only({"name", "kind", "location", "command", "every", "timeout", "max_videos", "ytdlp",
               "enabled", "recursive"});
  SourceConfig source;
  source.line = line;
  source.base_dir = base_dir;
  source.name = reader.required_string("name");
  const std::string kind_text = reader.required_string("kind");
  auto kind = source_kind_from(kind_text);
  if (!kind)
    reader.fail_at("kind", "unknown source kind '" + kind_text +
                               "' (use urls, ytdlp, tiktok, folder or command)");
  source.kind = *kind;
  const std::string applies =
      "does not apply to a " + std::string(to_string(source.kind)) + " source";
  switch (source.kind) {
    case SourceKind::urls:
      reader.only({"name", "kind", "location", "every", "timeout", "max_videos", "enabled"},
                  applies);
      break;
    case SourceKind::ytdlp:
      reader.only(
          {"name", "kind", "location", "every", "timeout", "max_videos", "ytdlp", "enabled"},
          applies);
      break;
    case SourceKind::folder:
      reader.only(
          {"name", "kind", "location", "every", "timeout", "max_videos", "enabled", "recursive"},
          applies);
      break;
    case SourceKind::command:
      reader.only({"name", "kind", "command", "every", "timeout", "max_videos", "ytdlp", "enabled"},
                  applies);
      break;
    case SourceKind::tiktok_research:
    case SourceKind::zeeschuimer:
      break;  // not read from files yet
  }
  if (source.kind == SourceKind::command) {
    auto argv = reader.strings("command");
    if (!argv)
      reader.fail(line, "a command source needs 'command' (an array: program and arguments)");
    if (argv->empty() || argv->front().empty())
      reader.fail_at("command", "source.command must name a program");
    source.command = *argv;
  } else {
    source.location = reader.required_string("location");
    const bool local = source.kind == SourceKind::folder ||
                       (source.kind == SourceKind::urls && !is_remote_url(source.location));
    if (local) source.location = resolve_path(base_dir, source.location).string();
  }
  source.every = reader.duration("every").value_or(watch.every);
  source.timeout = reader.duration("timeout").value_or(watch.source_timeout);
  source.max_videos = static_cast<int>(reader.integer("max_videos", 1).value_or(watch.max_videos));
  if (auto program = reader.string("ytdlp")) {
    if (program->empty()) reader.fail_at("ytdlp", "source.ytdlp is empty");
    // A path with a slash is relative to the config; a bare name is looked up in PATH.
    source.ytdlp = program->find('/') == std::string::npos
                       ? *program
                       : resolve_path(base_dir, *program).string();
  }
  source.enabled = reader.boolean("enabled").value_or(true);
  source.recursive = reader.boolean("recursive").value_or(false);
  return source;
}

std::optional<AlertKind> alert_kind_from(std::string_view text) {
  if (text == "webhook") return AlertKind::webhook;
  if (text == "email") return AlertKind::email;
  if (text == "command") return AlertKind::command;
  if (text == "console") return AlertKind::console;
  return std::nullopt;
}

AlertConfig read_alert(const TableReader& reader, int position, int line) {
  reader.only({"kind", "name", "url", "smtp", "from", "to", "command", "timeout"});
  AlertConfig alert;
  alert.line = line;
  const std::string kind_text = reader.required_string("kind");
  auto kind = alert_kind_from(kind_text);
  if (!kind)
    reader.fail_at(
        "kind", "unknown alert kind '" + kind_text + "' (use webhook, email, command or console)");
  alert.kind = *kind;
  const std::string applies =
      "does not apply to a " + std::string(to_string(alert.kind)) + " alert";
  switch (alert.kind) {
    case AlertKind::webhook:
      reader.only({"kind", "name", "url", "timeout"}, applies);
      alert.url = reader.required_string("url");
      if (!is_remote_url(alert.url)) reader.fail_at("url", "alert.url must be an http(s) URL");
      break;
    case AlertKind::email: {
      reader.only({"kind", "name", "smtp", "from", "to", "timeout"}, applies);
      alert.smtp = reader.required_string("smtp");
      if (alert.smtp.rfind("smtp://", 0) != 0 && alert.smtp.rfind("smtps://", 0) != 0)
        reader.fail_at("smtp", "alert.smtp must start with smtp:// or smtps://");
      alert.from = reader.required_string("from");
      auto to = reader.strings("to");
      if (!to) reader.fail(line, "an email alert needs 'to' (an array of addresses)");
      if (to->empty()) reader.fail_at("to", "alert.to is empty");
      alert.to = *to;
      break;
    }
    case AlertKind::command: {
      reader.only({"kind", "name", "command", "timeout"}, applies);
      auto argv = reader.strings("command");
      if (!argv)
        reader.fail(line, "a command alert needs 'command' (an array: program and arguments)");
      if (argv->empty() || argv->front().empty())
        reader.fail_at("command", "alert.command must name a program");
      alert.command = *argv;
      break;
    }
    case AlertKind::console:
      reader.only({"kind", "name", "timeout"}, applies);
      break;
  }
  alert.name = reader.string("name").value_or(std::string(to_string(alert.kind)) + "-" +
                                              std::to_string(position));
  if (alert.name.empty()) reader.fail_at("name", "alert.name is empty");
  if (auto d = reader.duration("timeout")) alert.timeout = *d;
  return alert;
}

// The elements of an array of tables ([[source]]), each with its line.
std::vector<std::pair<const toml::table*, int>> tables_of(const toml::node& node,
                                                          const std::string& label,
                                                          const std::string& name) {
  if (!node.is_array_of_tables())
    throw InputError(label + ":" + std::to_string(line_of(node)),
                     "'" + name + "' must be written as [[" + name + "]] tables");
  std::vector<std::pair<const toml::table*, int>> out;
  for (const toml::node& item : *node.as_array()) out.emplace_back(item.as_table(), line_of(item));
  return out;
}

}  // namespace

const SourceConfig* Config::find_source(std::string_view name) const {
  for (const auto& source : sources)
    if (source.name == name) return &source;
  return nullptr;
}

Config default_config(const Home& home) {
  Config config;
  config.store.url = sqlite_url(fs::absolute(home.database()));
  config.watch.cache_dir = fs::absolute(home.cache()).lexically_normal();
  return config;
}

Config parse_config(std::string_view text, const std::string& label, const fs::path& base_dir,
                    const Home& home) {
  toml::table root;
  try {
    root = toml::parse(text, label);
  } catch (const toml::parse_error& e) {
    throw InputError(label + ":" + std::to_string(e.source().begin.line),
                     std::string(e.description()));
  }
  Config config = default_config(home);
  const fs::path base = base_dir.empty() ? fs::path{} : fs::absolute(base_dir);
  TableReader top(root, label, "the config", 1);
  top.only({"store", "scan", "watch", "source", "alert"});

  auto section = [&](std::string_view key) -> std::optional<TableReader> {
    const toml::node* node = root.get(key);
    if (!node) return std::nullopt;
    if (!node->is_table())
      throw InputError(label + ":" + std::to_string(line_of(*node)),
                       "'" + std::string(key) + "' must be a table: [" + std::string(key) + "]");
    return TableReader(*node->as_table(), label, "[" + std::string(key) + "]", line_of(*node));
  };
  if (auto reader = section("store")) read_store(*reader, config, base);
  if (auto reader = section("scan")) read_scan(*reader, config.scan);
  if (auto reader = section("watch")) read_watch(*reader, config.watch, base);

  if (const toml::node* node = root.get("source")) {
    std::set<std::string> names;
    for (auto [table, line] : tables_of(*node, label, "source")) {
      TableReader reader(*table, label, "[[source]]", line);
      SourceConfig source = read_source(reader, config.watch, base, line);
      if (!names.insert(source.name).second)
        reader.fail_at("name", "duplicate source name '" + source.name + "'");
      config.sources.push_back(std::move(source));
    }
  }
  if (const toml::node* node = root.get("alert")) {
    std::set<std::string> names;
    int position = 0;
    for (auto [table, line] : tables_of(*node, label, "alert")) {
      TableReader reader(*table, label, "[[alert]]", line);
      AlertConfig alert = read_alert(reader, ++position, line);
      if (!names.insert(alert.name).second)
        reader.fail_at("name", "duplicate alert name '" + alert.name + "'");
      config.alerts.push_back(std::move(alert));
    }
  }
  return config;
}

Config load_config(const fs::path& file, const Home& home) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw InputError(file.string(), "cannot read the config file");
  std::stringstream text;
  text << in.rdbuf();
  if (in.bad()) throw InputError(file.string(), "cannot read the config file");
  Config config = parse_config(text.str(), file.string(),
                               file.parent_path().empty() ? "." : file.parent_path(), home);
  config.file = fs::absolute(file).lexically_normal();
  return config;
}

Config find_config(const std::optional<fs::path>& cli_file, const Home& home) {
  if (cli_file) {
    std::error_code ec;
    if (!fs::is_regular_file(*cli_file, ec))
      throw InputError(cli_file->string(), "no such config file");
    return load_config(*cli_file, home);
  }
  std::error_code ec;
  if (fs::is_regular_file(home.config(), ec)) return load_config(home.config(), home);
  return default_config(home);
}

std::optional<Duration> parse_duration(std::string_view text) {
  // One or more <number><unit> parts: "1h30m", "1.5h", "250ms".
  if (text.empty()) return std::nullopt;
  double total_ms = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    bool dot = false;
    while (i < text.size() &&
           (std::isdigit(static_cast<unsigned char>(text[i])) || (text[i] == '.' && !dot))) {
      dot = dot || text[i] == '.';
      ++i;
    }
    if (i == start || (i - start == 1 && dot)) return std::nullopt;
    double value = 0;
    try {
      value = std::stod(std::string(text.substr(start, i - start)));
    } catch (const std::out_of_range&) {  // 400 digits: no duration, not a crash
      return std::nullopt;
    }
    size_t unit_start = i;
    while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i]))) ++i;
    std::string_view unit = text.substr(unit_start, i - unit_start);
    double scale = 0;
    if (unit == "ms")
      scale = 1;
    else if (unit == "s")
      scale = 1000;
    else if (unit == "m")
      scale = 60e3;
    else if (unit == "h")
      scale = 3600e3;
    else if (unit == "d")
      scale = 86400e3;
    else
      return std::nullopt;
    total_ms += value * scale;
  }
  if (!(total_ms >= 1) || total_ms > 1e15) return std::nullopt;
  return Duration(static_cast<std::int64_t>(std::llround(total_ms)));
}

std::string format_duration(Duration d) {
  std::int64_t ms = d.count();
  if (ms == 0) return "0s";
  std::string out;
  if (ms < 0) {
    out = "-";
    ms = -ms;
  }
  const std::pair<std::int64_t, const char*> units[] = {
      {86400000, "d"}, {3600000, "h"}, {60000, "m"}, {1000, "s"}, {1, "ms"}};
  for (auto [size, name] : units) {
    if (ms >= size) {
      out += std::to_string(ms / size) + name;
      ms %= size;
    }
  }
  return out;
}

std::optional<std::uint64_t> parse_size(std::string_view text) {
  size_t i = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  if (i == 0 || i > 15) return std::nullopt;
  std::uint64_t value = std::stoull(std::string(text.substr(0, i)));
  std::string unit(text.substr(i));
  if (!unit.empty() && unit.front() == ' ') unit.erase(0, 1);
  std::transform(unit.begin(), unit.end(), unit.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  std::uint64_t scale = 0;
  if (unit.empty() || unit == "b")
    scale = 1;
  else if (unit == "k" || unit == "kb")
    scale = 1000;
  else if (unit == "m" || unit == "mb")
    scale = 1000 * 1000;
  else if (unit == "g" || unit == "gb")
    scale = 1000ull * 1000 * 1000;
  else if (unit == "kib")
    scale = 1024;
  else if (unit == "mib")
    scale = 1024 * 1024;
  else if (unit == "gib")
    scale = 1024ull * 1024 * 1024;
  else
    return std::nullopt;
  return value * scale;
}

std::string_view to_string(SourceKind kind) {
  switch (kind) {
    case SourceKind::urls:
      return "urls";
    case SourceKind::ytdlp:
      return "ytdlp";
    case SourceKind::folder:
      return "folder";
    case SourceKind::command:
      return "command";
    case SourceKind::tiktok_research:
      return "tiktok-research";
    case SourceKind::zeeschuimer:
      return "zeeschuimer";
  }
  return "?";
}

std::string_view to_string(AlertKind kind) {
  switch (kind) {
    case AlertKind::webhook:
      return "webhook";
    case AlertKind::email:
      return "email";
    case AlertKind::command:
      return "command";
    case AlertKind::console:
      return "console";
  }
  return "?";
}

}  // namespace tw
