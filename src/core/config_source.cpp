// [[source]]: the keys every kind shares, and reading a source of any kind.
#include "core/config_source.h"

namespace tw::config {

namespace {

// The kinds, in the order the docs list them.
constexpr const SourceKindSpec* kKinds[] = {&kUrlsKind,    &kYtdlpKind,    &kFolderKind,
                                            &kCommandKind, &kResearchKind, &kZeeschuimerKind};

const SourceKindSpec* kind_named(std::string_view name) {
  for (const SourceKindSpec* spec : kKinds)
    if (to_string(spec->kind) == name || (!spec->alias.empty() && spec->alias == name)) return spec;
  return nullptr;
}

const SourceKindSpec& spec_of(SourceKind kind) {
  for (const SourceKindSpec* spec : kKinds)
    if (spec->kind == kind) return *spec;
  throw std::logic_error("a source kind without a SourceKindSpec");
}

// "urls, ytdlp, tiktok, ..." for errors; quoted for the docs' type column.
std::string kind_names(bool quoted) {
  std::string out;
  for (const SourceKindSpec* spec : kKinds)
    for (std::string_view name : {to_string(spec->kind), spec->alias}) {
      if (name.empty()) continue;
      if (!out.empty()) out += ", ";
      out += quoted ? "\"" + std::string(name) + "\"" : std::string(name);
    }
  return out;
}

void source_kind(SourceConfig& source, const Value& value) {
  const SourceKindSpec* spec = kind_named(value.text());
  if (!spec)
    value.table().fail(
        value.line(), "unknown source kind '" + value.text() + "' (use " + kind_names(false) + ")");
  source.kind = spec->kind;
}

void ytdlp_program(SourceConfig& source, const Value& value) {
  // A path with a slash is relative to the config; a bare name is looked up in PATH.
  source.ytdlp = value.text().find('/') == std::string::npos
                     ? value.text()
                     : resolve_path(value.table().base_dir(), value.text()).string();
}

// Keys every kind takes; `name` and `kind` come first (they are read first).
constexpr Key<SourceConfig> kEveryKind[] = {
    {"name", Type::string, required, "unique", to<&SourceConfig::name>},
    {"kind", Type::string, required, "what the source is; `tiktok` is `ytdlp`", source_kind},
    {"every", Type::duration, note("`[watch] every`"), "poll interval", to<&SourceConfig::every>},
    {"max_videos", Type::integer, note("`[watch] max_videos`"), "videos listed per poll at most",
     to<&SourceConfig::max_videos>, at_least(1)},
    {"enabled", Type::boolean, value("true"), "false: the source is not polled",
     to<&SourceConfig::enabled>},
};
// Keys only the kinds that name them in `takes` take.
constexpr Key<SourceConfig> kSomeKinds[] = {
    {"location", Type::string, required,
     "what to list: a URL, a file or a folder (relative to the config's folder), per kind",
     to<&SourceConfig::location>},
    {"timeout", Type::duration, note("`[watch] source_timeout`"),
     "one listing; a program is killed after it", to<&SourceConfig::timeout>},
    {"ytdlp", Type::string, value("yt-dlp"),
     "the yt-dlp program that lists or downloads (a path is relative to the config's folder)",
     ytdlp_program},
};

bool takes(const SourceKindSpec& spec, std::string_view key) {
  for (size_t start = 0; start < spec.takes.size();) {
    size_t end = spec.takes.find(' ', start);
    if (end == std::string_view::npos) end = spec.takes.size();
    if (spec.takes.substr(start, end - start) == key) return true;
    start = end + 1;
  }
  return false;
}

bool applies(const SourceKindSpec& spec, std::string_view key) {
  return has_key<SourceConfig>(kEveryKind, key) || has_key(spec.keys, key) ||
         (has_key<SourceConfig>(kSomeKinds, key) && takes(spec, key));
}

void read(const Table& table, Config& config) {
  table.refuse_keys(
      [](std::string_view key) {
        if (has_key<SourceConfig>(kSomeKinds, key)) return true;
        for (const SourceKindSpec* spec : kKinds)
          if (applies(*spec, key)) return true;
        return false;
      },
      [&](std::string_view key) {
        return "unknown key '" + std::string(key) + "' in " + table.where();
      });
  SourceConfig source;
  source.line = table.line();
  source.base_dir = table.base_dir();
  source.every = config.watch.every;
  source.timeout = config.watch.source_timeout;
  source.max_videos = config.watch.max_videos;
  const std::span<const Key<SourceConfig>> every_kind(kEveryKind);
  read_keys(table, every_kind.first(2), source, table.where());  // name, kind
  const SourceKindSpec& spec = spec_of(source.kind);
  const std::string owner = with_article(std::string(to_string(source.kind)) + " source");
  table.refuse_keys([&](std::string_view key) { return applies(spec, key); },
                    [&](std::string_view key) {
                      return "key '" + std::string(key) + "' does not apply to " + owner;
                    });
  read_keys(table, every_kind.subspan(2), source, owner);
  for (const Key<SourceConfig>& key : kSomeKinds)
    if (takes(spec, key.name)) read_keys(table, std::span(&key, 1), source, owner);
  read_keys(table, spec.keys, source, owner);
  if (spec.finish) spec.finish(source, table);
  if (config.find_source(source.name))
    table.fail_at("name", "duplicate source name '" + source.name + "'");
  config.sources.push_back(std::move(source));
}

void document(std::string_view heading, std::vector<ConfigKeyDoc>& out) {
  std::vector<std::string> all;
  for (const SourceKindSpec* spec : kKinds) all.emplace_back(to_string(spec->kind));
  for (const Key<SourceConfig>& key : kEveryKind) {
    out.push_back(config::document(heading, key, all));
    out.back().all_kinds = true;
    if (key.name == "kind") out.back().type = kind_names(true);
  }
  for (const Key<SourceConfig>& key : kSomeKinds) {
    std::vector<std::string> kinds;
    for (const SourceKindSpec* spec : kKinds)
      if (takes(*spec, key.name)) kinds.emplace_back(to_string(spec->kind));
    out.push_back(config::document(heading, key, kinds));
  }
  for (const SourceKindSpec* spec : kKinds)
    for (const Key<SourceConfig>& key : spec->keys)
      out.push_back(config::document(heading, key, {std::string(to_string(spec->kind))}));
}

}  // namespace

void resolve_location(SourceConfig& source, const Table& table) {
  source.location = resolve_path(table.base_dir(), source.location).string();
}

const Section kSourceSection{"source", true, read, document};

}  // namespace tw::config
