#include "core/config_table.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <sstream>

#include "core/errors.h"

namespace fs = std::filesystem;

namespace tw::config {

namespace {

int line_of(const toml::node& node) {
  return static_cast<int>(node.source().begin.line);
}

std::vector<std::string_view> words(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    const size_t space = text.find(' ');
    if (space != 0) out.push_back(text.substr(0, space));
    if (space == std::string_view::npos) break;
    text.remove_prefix(space + 1);
  }
  return out;
}

// "\"hour\" or \"day\"", "\"a\", \"b\" or \"c\"".
std::string choice_text(std::string_view choices) {
  const auto all = words(choices);
  std::string out;
  for (size_t i = 0; i < all.size(); ++i) {
    if (i > 0) out += i + 1 == all.size() ? " or " : ", ";
    out += "\"" + std::string(all[i]) + "\"";
  }
  return out;
}

bool is_choice(std::string_view choices, std::string_view text) {
  const auto all = words(choices);
  return std::find(all.begin(), all.end(), text) != all.end();
}

std::string number_text(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

bool has_max(Type type, const Limits& limits) {
  return limits.max < (type == Type::integer ? kIntegerMax : std::numeric_limits<double>::max());
}

// "in (0, 1000]", ">= 1", "> 0"; empty when unbounded.
std::string range_text(Type type, const Limits& limits) {
  const bool has_min = limits.min > std::numeric_limits<double>::lowest();
  if (has_min && has_max(type, limits))
    return "in " + std::string(limits.min_excluded ? "(" : "[") + number_text(limits.min) + ", " +
           number_text(limits.max) + "]";
  if (has_min) return (limits.min_excluded ? "> " : ">= ") + number_text(limits.min);
  if (has_max(type, limits)) return "<= " + number_text(limits.max);
  return {};
}

bool within(double value, const Limits& limits) {
  if (limits.min_excluded ? value <= limits.min : value < limits.min) return false;
  return value <= limits.max;
}

}  // namespace

void Value::fail(const std::string& reason) const {
  table_.fail(line_of(node_), table_.where() + "." + std::string(key_) + " " + reason);
}

void Table::fail(int line, const std::string& reason) const {
  throw InputError(label_ + ":" + std::to_string(line > 0 ? line : line_), reason);
}

void Table::fail_at(std::string_view key, const std::string& reason) const {
  for (auto&& [name, node] : table_)
    if (name.str() == key) fail(static_cast<int>(name.source().begin.line), reason);
  fail(line_, reason);
}

void Table::refuse_keys(const std::function<bool(std::string_view)>& allowed,
                        const std::function<std::string(std::string_view)>& why) const {
  const toml::key* first = nullptr;
  for (auto&& [key, node] : table_) {
    if (allowed(key.str())) continue;
    if (!first || key.source().begin.line < first->source().begin.line) first = &key;
  }
  if (first) fail(static_cast<int>(first->source().begin.line), why(first->str()));
}

std::optional<Value> Table::read(std::string_view key, Type type, const Limits& limits) const {
  const toml::node* node = table_.get(key);
  if (!node) return std::nullopt;
  const int line = line_of(*node);
  const std::string name = where_ + "." + std::string(key);
  auto value = [&](Value::Data data) { return Value(*this, key, *node, std::move(data)); };
  switch (type) {
    case Type::string:
    case Type::path: {
      if (!node->is_string()) fail(line, name + " must be a string");
      std::string text = node->as_string()->get();
      if (text.empty()) fail(line, name + " is empty");
      if (!limits.choices.empty() && !is_choice(limits.choices, text))
        fail(line, name + " must be " + choice_text(limits.choices));
      if (type == Type::path) text = resolve_path(base_dir_, text).string();
      return value(std::move(text));
    }
    case Type::strings: {
      const std::string what = name + " must be an array of " +
                               (limits.choices.empty() ? "strings" : choice_text(limits.choices));
      if (!node->is_array()) fail(line, what);
      std::vector<std::string> items;
      for (const toml::node& item : *node->as_array()) {
        if (!item.is_string()) fail(line_of(item), what);
        const std::string& text = item.as_string()->get();
        if (!limits.choices.empty() && !is_choice(limits.choices, text)) fail(line_of(item), what);
        items.push_back(text);
      }
      return value(std::move(items));
    }
    case Type::integer: {
      if (!node->is_integer()) fail(line, name + " must be an integer");
      const std::int64_t number = node->as_integer()->get();
      const double max = std::min(limits.max, kIntegerMax);
      if (!within(static_cast<double>(number), {limits.min, max, limits.min_excluded}))
        fail(line, name + " must be between " +
                       std::to_string(static_cast<std::int64_t>(limits.min)) + " and " +
                       std::to_string(static_cast<std::int64_t>(max)));
      return value(number);
    }
    case Type::number: {
      double number = 0;
      if (node->is_integer())
        number = static_cast<double>(node->as_integer()->get());
      else if (node->is_floating_point() && std::isfinite(node->as_floating_point()->get()))
        number = node->as_floating_point()->get();
      else
        fail(line, name + " must be a number");
      if (!within(number, limits)) fail(line, name + " must be " + range_text(type, limits));
      return value(number);
    }
    case Type::boolean:
      if (!node->is_boolean()) fail(line, name + " must be true or false");
      return value(node->as_boolean()->get());
    case Type::duration: {
      // A string with units ("5m") or a number of seconds; always > 0.
      std::optional<Duration> duration;
      std::string shown = "(not a string)";
      if (node->is_string()) {
        shown = "'" + node->as_string()->get() + "'";
        duration = parse_duration(node->as_string()->get());
      } else if (node->is_integer() || node->is_floating_point()) {
        const double seconds = node->is_integer() ? static_cast<double>(node->as_integer()->get())
                                                  : node->as_floating_point()->get();
        shown = std::to_string(seconds);
        if (std::isfinite(seconds) && seconds > 0 && seconds < 1e12)
          duration = Duration(static_cast<std::int64_t>(std::llround(seconds * 1000)));
      }
      if (!duration || duration->count() <= 0)
        fail(line,
             name + ": bad duration " + shown + " (use e.g. \"30s\", \"5m\", \"1h\", \"1d\")");
      return value(*duration);
    }
    case Type::size: {
      // Bytes as an integer or a string with units ("200MB", "2GiB"); always > 0.
      std::optional<std::uint64_t> bytes;
      if (node->is_string()) bytes = parse_size(node->as_string()->get());
      if (node->is_integer() && node->as_integer()->get() > 0)
        bytes = static_cast<std::uint64_t>(node->as_integer()->get());
      if (!bytes || *bytes == 0)
        fail(line, name + ": bad size (use bytes or e.g. \"200MB\", \"2GiB\")");
      return value(*bytes);
    }
    case Type::table:
      if (!node->is_table()) fail(line, name + " must be a table");
      return value(std::string());
  }
  fail(line, name + " has a type the config cannot read");
}

std::string with_article(std::string_view words) {
  // "an email alert", but "a urls source": no kind starts with a vowel sound
  // written with a 'u'.
  const bool vowel =
      !words.empty() && std::string_view("aeioAEIO").find(words.front()) != std::string_view::npos;
  return (vowel ? "an " : "a ") + std::string(words);
}

std::string describe(Type type, const Limits& limits) {
  const std::string range = range_text(type, limits);
  auto ranged = [&](std::string what) { return range.empty() ? what : what + " " + range; };
  switch (type) {
    case Type::string:
      return limits.choices.empty() ? "string" : choice_text(limits.choices);
    case Type::strings:
      return limits.choices.empty() ? "array of strings"
                                    : "array of " + choice_text(limits.choices);
    case Type::integer:
      return ranged("integer");
    case Type::number:
      return ranged("number");
    case Type::boolean:
      return "bool";
    case Type::duration:
      return "duration";
    case Type::size:
      return "size";
    case Type::path:
      return "path";
    case Type::table:
      return "table";
  }
  return "?";
}

std::vector<std::string> argv_of(const Value& value) {
  if (value.strings().empty() || value.strings().front().empty())
    value.fail("must name a program (an array: program and arguments)");
  return value.strings();
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

std::string sqlite_url(const fs::path& file) {
  return "sqlite://" + file.lexically_normal().string();
}

}  // namespace tw::config
