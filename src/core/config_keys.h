#pragma once
// Every key trendwatch.toml knows, as documentation: the rows of the key table
// in docs/sources.md ("Config keys"), made from the same definitions the parser
// reads (src/core/config_table.h), so the two cannot drift apart.
#include <string>
#include <vector>

namespace tw {

struct ConfigKeyDoc {
  std::string table;               // "[scan]", "[[source]]"
  std::string key;                 // "fps"
  std::vector<std::string> kinds;  // source/alert kinds it applies to; empty: no kinds
  bool all_kinds = false;          // every kind of its table takes it
  std::string type;                // "integer >= 1", "duration", "\"hour\" or \"day\""
  std::string default_toml;        // the default as a TOML value; empty when not a value
  std::string fallback;            // the docs' default cell
  bool required = false;
  std::string meaning;  // one line (Markdown)
};

// In the docs' order: [store], [scan], [watch], [trend], [[source]], [[alert]].
std::vector<ConfigKeyDoc> config_keys();

// "| `[scan]` | `fps` |  | number in (0, 1000] | `5` | sampled frames per second |"
std::string markdown_row(const ConfigKeyDoc& key);
// The whole table, header included, as docs/sources.md holds it.
std::string config_keys_markdown();

}  // namespace tw
