// The four listing kinds of [[source]]: urls, ytdlp (alias tiktok), folder
// and command (docs/sources.md).
#include "core/config_source.h"

namespace tw::config {

namespace {

void urls_location(SourceConfig& source, const Table& table) {
  if (!is_remote_url(source.location)) resolve_location(source, table);
}

void command_argv(SourceConfig& source, const Value& value) {
  source.command = argv_of(value);
}

constexpr Key<SourceConfig> kFolderKeys[] = {
    {"recursive", Type::boolean, value("false"), "descend into sub-folders",
     to<&SourceConfig::recursive>},
};

constexpr Key<SourceConfig> kCommandKeys[] = {
    {"command", Type::strings, required,
     "argv, run without a shell in the config's folder; prints JSON lines", command_argv},
};

}  // namespace

const SourceKindSpec kUrlsKind{SourceKind::urls, "", "location timeout", {}, urls_location};
const SourceKindSpec kYtdlpKind{SourceKind::ytdlp, "tiktok", "location timeout ytdlp", {}, nullptr};
const SourceKindSpec kFolderKind{SourceKind::folder, "", "location timeout", kFolderKeys,
                                 resolve_location};
const SourceKindSpec kCommandKind{SourceKind::command, "", "timeout ytdlp", kCommandKeys, nullptr};

}  // namespace tw::config
