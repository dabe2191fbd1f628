// [[source]] kind "zeeschuimer": NDJSON exports of Zeeschuimer or 4CAT, from a
// file or a folder of *.ndjson files (docs/sources.md).
#include "core/config_source.h"

namespace tw::config {

namespace {

constexpr Key<SourceConfig> kKeys[] = {
    {"download_media", Type::boolean, value("true"),
     "try an item's media URL before its page (the URL expires)",
     to<&SourceConfig::download_media>},
};

}  // namespace

const SourceKindSpec kZeeschuimerKind{SourceKind::zeeschuimer, "", "location ytdlp", kKeys,
                                      resolve_location};

}  // namespace tw::config
