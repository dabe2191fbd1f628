#pragma once
// [[source]] kinds (internal to src/core/config_source*.cpp).  A kind is one
// `SourceKind` value, the shared keys it takes beyond those every kind takes,
// its own keys and a last check; config_source.cpp lists the kinds.
#include <span>
#include <string_view>

#include "core/config_table.h"

namespace tw::config {

struct SourceKindSpec {
  SourceKind kind;         // its name is to_string(kind)
  std::string_view alias;  // another name it goes by ("tiktok"), or empty
  std::string_view takes;  // shared keys that only some kinds take: "location timeout ytdlp"
  std::span<const Key<SourceConfig>> keys;  // its own keys
  // After every key is read: paths, checks across keys.  May be null.
  void (*finish)(SourceConfig& source, const Table& table);
};

extern const SourceKindSpec kUrlsKind, kYtdlpKind, kFolderKind, kCommandKind, kResearchKind,
    kZeeschuimerKind;

// `location` taken as a path relative to the config's folder.
void resolve_location(SourceConfig& source, const Table& table);

}  // namespace tw::config
