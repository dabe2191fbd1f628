#pragma once
// The machinery behind trendwatch.toml (internal to src/core/config_*.cpp).
//
// Every key is written once, as one `Key` row: its name, type, limits,
// default, one line of documentation and how its value is stored.  A section
// ([scan], [trend], ...) is a list of rows; a source or alert kind is a list
// of its own rows plus the shared keys it takes.  The rows drive parsing, the
// "unknown key" and "does not apply to a ... source" checks, every error
// message, and the key table of docs/sources.md (config_keys.h, checked by
// tests/core/config_keys_test.cpp).  Adding a key is adding a row; adding a
// source kind is one file (config_source_research.cpp is an example).
#include <toml++/toml.h>

#include <filesystem>
#include <functional>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "core/config.h"
#include "core/config_keys.h"

namespace tw::config {

enum class Type { string, strings, integer, number, boolean, duration, size, path, table };

// Bounds of an integer or a number, or the words a string may be.
struct Limits {
  double min = std::numeric_limits<double>::lowest();
  double max = std::numeric_limits<double>::max();
  bool min_excluded = false;
  std::string_view choices = {};  // space-separated; empty = any string
};
inline constexpr double kIntegerMax = 1'000'000'000;  // no count in a config needs more
constexpr Limits at_least(double min) {
  return {.min = min};
}
constexpr Limits above(double min, double max = std::numeric_limits<double>::max()) {
  return {.min = min, .max = max, .min_excluded = true};
}
constexpr Limits one_of(std::string_view choices) {
  return {.choices = choices};
}

// A key's default as shown in the docs: a TOML value (the parser's own
// default, which tests/core/config_keys_test.cpp checks), a note in words
// when the default is not a plain value, or "required".
struct Default {
  enum Kind { value, note, required } kind;
  std::string_view text;
};
// `text` as written after `=`, minus the quotes of a string, duration or size.
constexpr Default value(std::string_view text) {
  return {Default::value, text};
}
constexpr Default note(std::string_view text) {
  return {Default::note, text};
}
inline constexpr Default required{Default::required, "required"};

class Table;

// One key's value, of the key's type and within its limits.
class Value {
 public:
  using Data = std::variant<std::string, std::vector<std::string>, std::int64_t, double, bool,
                            Duration, std::uint64_t>;
  Value(const Table& table, std::string_view key, const toml::node& node, Data data)
      : table_(table), key_(key), node_(node), data_(std::move(data)) {}

  const std::string& text() const { return std::get<std::string>(data_); }  // also a path
  const std::vector<std::string>& strings() const {
    return std::get<std::vector<std::string>>(data_);
  }
  std::int64_t integer() const { return std::get<std::int64_t>(data_); }
  double number() const { return std::get<double>(data_); }
  bool boolean() const { return std::get<bool>(data_); }
  Duration duration() const { return std::get<Duration>(data_); }
  std::uint64_t size() const { return std::get<std::uint64_t>(data_); }

  void into(std::string& out) const { out = text(); }
  void into(std::filesystem::path& out) const { out = text(); }
  void into(std::vector<std::string>& out) const { out = strings(); }
  void into(std::int64_t& out) const { out = integer(); }
  void into(int& out) const { out = static_cast<int>(integer()); }  // within kIntegerMax
  void into(double& out) const { out = number(); }
  void into(bool& out) const { out = boolean(); }
  void into(Duration& out) const { out = duration(); }
  void into(std::uint64_t& out) const { out = size(); }
  template <class T>
  void into(std::optional<T>& out) const {
    into(out.emplace());
  }

  const toml::node& node() const { return node_; }  // a table's contents
  const Table& table() const { return table_; }
  int line() const { return static_cast<int>(node_.source().begin.line); }
  // The error "<file>:<line>: <table>.<key> <reason>".
  [[noreturn]] void fail(const std::string& reason) const;

 private:
  const Table& table_;
  std::string_view key_;
  const toml::node& node_;
  Data data_;
};

// The default way to store a value: into one member of the section's struct.
template <auto Member>
inline constexpr auto to = [](auto& target, const Value& value) { value.into(target.*Member); };

template <class T>
struct Key {
  std::string_view name;
  Type type;
  Default fallback;
  std::string_view doc;  // one line, Markdown, for docs/sources.md
  void (*apply)(T&, const Value&);
  Limits limits = {};
};

// One TOML table of the file ([scan], or one [[source]]), for reading keys and
// reporting errors at the right line.
class Table {
 public:
  Table(const toml::table& table, std::string label, std::string where, int line,
        std::filesystem::path base_dir)
      : table_(table),
        label_(std::move(label)),
        where_(std::move(where)),
        line_(line),
        base_dir_(std::move(base_dir)) {}

  const std::string& label() const { return label_; }  // the file, as named in errors
  const std::string& where() const { return where_; }  // "[scan]", "[[source]]"
  int line() const { return line_; }
  const std::filesystem::path& base_dir() const { return base_dir_; }
  const toml::table& toml() const { return table_; }
  bool has(std::string_view key) const { return table_.contains(key); }

  [[noreturn]] void fail(int line, const std::string& reason) const;
  // At the key's line, or the table's when the key is not there.
  [[noreturn]] void fail_at(std::string_view key, const std::string& reason) const;

  // Refuses the first key (in file order) that `allowed` rejects, with the
  // reason `why(key)`.
  void refuse_keys(const std::function<bool(std::string_view)>& allowed,
                   const std::function<std::string(std::string_view)>& why) const;

  // The key's value checked against its type and limits; nullopt when absent.
  std::optional<Value> read(std::string_view key, Type type, const Limits& limits) const;

 private:
  const toml::table& table_;
  std::string label_;
  std::string where_;
  int line_;
  std::filesystem::path base_dir_;
};

// "a folder source", "an email alert": who needs a missing key.
std::string with_article(std::string_view words);
// How the docs and the errors name a type: "integer >= 1", "\"hour\" or \"day\"".
std::string describe(Type type, const Limits& limits);

// Reads every key of `keys` that the table has into `target`; a missing
// required key is "<owner> needs '<key>' (<type>)" at the table's line.
template <class T>
void read_keys(const Table& table, std::span<const Key<T>> keys, T& target,
               std::string_view owner) {
  for (const Key<T>& key : keys) {
    if (auto value = table.read(key.name, key.type, key.limits))
      key.apply(target, *value);
    else if (key.fallback.kind == Default::required)
      table.fail(table.line(), std::string(owner) + " needs '" + std::string(key.name) + "' (" +
                                   describe(key.type, key.limits) + ")");
  }
}

template <class T>
bool has_key(std::span<const Key<T>> keys, std::string_view name) {
  for (const Key<T>& key : keys)
    if (key.name == name) return true;
  return false;
}

// A [section] with a fixed set of keys: unknown ones are refused.
template <class T>
void read_section(const Table& table, std::span<const Key<T>> keys, T& target) {
  table.refuse_keys([&](std::string_view key) { return has_key(keys, key); },
                    [&](std::string_view key) {
                      return "unknown key '" + std::string(key) + "' in " + table.where();
                    });
  read_keys(table, keys, target, table.where());
}

// The docs row of a key; `kinds` is empty for a section without kinds.
template <class T>
ConfigKeyDoc document(std::string_view table, const Key<T>& key, std::vector<std::string> kinds) {
  ConfigKeyDoc doc;
  doc.table = std::string(table);
  doc.key = std::string(key.name);
  doc.kinds = std::move(kinds);
  doc.type = describe(key.type, key.limits);
  doc.required = key.fallback.kind == Default::required;
  if (key.fallback.kind == Default::value) {
    const bool quoted = key.type == Type::string || key.type == Type::duration ||
                        key.type == Type::size || key.type == Type::path;
    doc.default_toml =
        quoted ? "\"" + std::string(key.fallback.text) + "\"" : std::string(key.fallback.text);
  }
  doc.fallback =
      doc.default_toml.empty() ? std::string(key.fallback.text) : "`" + doc.default_toml + "`";
  doc.meaning = std::string(key.doc);
  return doc;
}

// A section of the file: [name] read once, or [[name]] read per table.
struct Section {
  std::string_view name;
  bool repeated;
  void (*read)(const Table& table, Config& config);
  // Appends its keys' docs rows; `heading` is "[name]" or "[[name]]".
  void (*document)(std::string_view heading, std::vector<ConfigKeyDoc>& out);
};

// A [section] that is its keys, stored into one member of Config, and then
// checked across keys by `Check(const T&, const Table&)` when given.
template <auto Member, const auto& Keys, auto Check = nullptr>
constexpr Section plain_section(std::string_view name) {
  using T = std::remove_reference_t<decltype(std::declval<Config&>().*Member)>;
  return {name, false,
          [](const Table& table, Config& config) {
            T& target = config.*Member;
            read_section<T>(table, Keys, target);
            if constexpr (Check != nullptr) Check(target, table);
          },
          [](std::string_view heading, std::vector<ConfigKeyDoc>& out) {
            for (const Key<T>& key : Keys) out.push_back(document(heading, key, {}));
          }};
}

extern const Section kStoreSection, kScanSection, kWatchSection, kTrendSection, kSourceSection,
    kAlertSection;

// An argv array (`command`): it must name a program.
std::vector<std::string> argv_of(const Value& value);

// Paths in the file are relative to its folder.
std::filesystem::path resolve_path(const std::filesystem::path& base_dir, const std::string& path);
bool is_remote_url(std::string_view text);  // http:// or https://, any case
std::string sqlite_url(const std::filesystem::path& file);

}  // namespace tw::config
