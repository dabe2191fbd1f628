#include "core/config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "core/config_keys.h"
#include "core/config_table.h"
#include "core/errors.h"

namespace fs = std::filesystem;

namespace tw {

namespace {

using config::Section;

// The sections in the order they are read ([watch] before [[source]]: its
// defaults are the sources') and documented.
constexpr const Section* kSections[] = {&config::kStoreSection,  &config::kScanSection,
                                        &config::kWatchSection,  &config::kTrendSection,
                                        &config::kSourceSection, &config::kAlertSection};

const Section* section_named(std::string_view name) {
  for (const Section* section : kSections)
    if (section->name == name) return section;
  return nullptr;
}

std::string at_line(const std::string& label, const toml::node& node) {
  return label + ":" + std::to_string(node.source().begin.line);
}

}  // namespace

const SourceConfig* Config::find_source(std::string_view name) const {
  for (const auto& source : sources)
    if (source.name == name) return &source;
  return nullptr;
}

Config default_config(const Home& home) {
  Config config;
  config.store.url = config::sqlite_url(fs::absolute(home.database()));
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
  config::Table(root, label, "the config", 1, base)
      .refuse_keys([](std::string_view key) { return section_named(key) != nullptr; },
                   [](std::string_view key) {
                     return "unknown key '" + std::string(key) + "' in the config";
                   });
  for (const Section* section : kSections) {
    const toml::node* node = root.get(section->name);
    if (!node) continue;
    const std::string name(section->name);
    if (!section->repeated) {
      if (!node->is_table())
        throw InputError(at_line(label, *node), "'" + name + "' must be a table: [" + name + "]");
      section->read(config::Table(*node->as_table(), label, "[" + name + "]",
                                  static_cast<int>(node->source().begin.line), base),
                    config);
      continue;
    }
    if (!node->is_array_of_tables())
      throw InputError(at_line(label, *node),
                       "'" + name + "' must be written as [[" + name + "]] tables");
    for (const toml::node& item : *node->as_array())
      section->read(config::Table(*item.as_table(), label, "[[" + name + "]]",
                                  static_cast<int>(item.source().begin.line), base),
                    config);
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

std::vector<ConfigKeyDoc> config_keys() {
  std::vector<ConfigKeyDoc> out;
  for (const Section* section : kSections) {
    const std::string name(section->name);
    section->document(section->repeated ? "[[" + name + "]]" : "[" + name + "]", out);
  }
  return out;
}

std::string markdown_row(const ConfigKeyDoc& key) {
  std::string kinds;
  if (key.all_kinds) {
    kinds = "all";
  } else {
    for (const std::string& kind : key.kinds) kinds += (kinds.empty() ? "" : ", ") + kind;
  }
  return "| `" + key.table + "` | `" + key.key + "` | " + kinds + " | " + key.type + " | " +
         key.fallback + " | " + key.meaning + " |";
}

std::string config_keys_markdown() {
  std::string out =
      "| table | key | kinds | type | default | meaning |\n"
      "|---|---|---|---|---|---|\n";
  for (const ConfigKeyDoc& key : config_keys()) out += markdown_row(key) + "\n";
  return out;
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
