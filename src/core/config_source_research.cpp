// [[source]] kind "tiktok-research": the TikTok Research API's video query
// (docs/sources.md; credentials in core/config_credentials.h).
#include <nlohmann/json.hpp>

#include <cctype>

#include "core/config_credentials.h"
#include "core/config_source.h"
#include "core/errors.h"

namespace tw::config {

namespace {

void api_base(SourceConfig& source, const Value& value) {
  if (!is_remote_url(value.text())) value.fail("must be an http(s) URL");
  std::string base = value.text();
  while (base.size() > 1 && base.back() == '/') base.pop_back();  // paths are appended
  source.api_base = base;
}

// The key holds a variable's name, not the secret: a value that cannot be a
// name is refused without being echoed.
template <std::string SourceConfig::*Member>
void variable_name(SourceConfig& source, const Value& value) {
  const std::string& name = value.text();
  bool ok = !std::isdigit(static_cast<unsigned char>(name.front()));
  for (char c : name) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
  if (!ok) value.fail("must name an environment variable (letters, digits and _)");
  source.*Member = name;
}

void credentials_file(SourceConfig& source, const Value& value) {
  source.credentials_file = value.text();
  try {
    read_credentials_file(source.credentials_file);
  } catch (const InputError& e) {
    value.fail("'" + e.input() + "': " + e.reason());
  }
}

// A list of query words: none empty.
template <std::vector<std::string> SourceConfig::*Member>
void words(SourceConfig& source, const Value& value) {
  for (const std::string& word : value.strings())
    if (word.empty()) value.fail("holds an empty string");
  source.*Member = value.strings();
}

// The API's query object: {"and"|"or"|"not": [{"operation", "field_name",
// "field_values": [...]}, ...]}; checked here so that a mistake names its line.
nlohmann::json query_clause(const Value& value, const std::string& clause, const toml::node& node) {
  const int line = static_cast<int>(node.source().begin.line);
  const std::string where = value.table().where() + ".query." + clause;
  auto fail = [&](int at, const std::string& reason) { value.table().fail(at, where + reason); };
  if (!node.is_array() || node.as_array()->empty())
    fail(line, " must be a non-empty array of conditions");
  nlohmann::json conditions = nlohmann::json::array();
  for (const toml::node& item : *node.as_array()) {
    const int at = static_cast<int>(item.source().begin.line);
    if (!item.is_table())
      fail(at, ": a condition is a table {operation, field_name, field_values}");
    nlohmann::json condition = nlohmann::json::object();
    for (auto&& [key, field] : *item.as_table()) {
      const std::string name(key.str());
      if (name == "operation" || name == "field_name") {
        const std::string text = field.value_or(std::string());
        if (name == "operation" && text != "EQ" && text != "IN" && text != "GT" && text != "GTE" &&
            text != "LT" && text != "LTE")
          fail(at, ": operation must be EQ, IN, GT, GTE, LT or LTE");
        if (text.empty()) fail(at, ": " + name + " must be a non-empty string");
        condition[name] = text;
      } else if (name == "field_values") {
        const toml::array* given = field.as_array();
        nlohmann::json values = nlohmann::json::array();
        for (size_t i = 0; given && i < given->size(); ++i)
          if (given->get(i)->is_string()) values.push_back(given->get(i)->as_string()->get());
        if (!given || values.empty() || values.size() != given->size())
          fail(at, ": field_values must be a non-empty array of strings");
        condition[name] = values;
      } else {
        fail(at, ": unknown key '" + name + "' in a condition");
      }
    }
    for (const char* needed : {"operation", "field_name", "field_values"})
      if (!condition.contains(needed))
        fail(at, ": a condition needs '" + std::string(needed) + "'");
    conditions.push_back(std::move(condition));
  }
  return conditions;
}

void query(SourceConfig& source, const Value& value) {
  nlohmann::json query = nlohmann::json::object();
  for (auto&& [key, node] : *value.node().as_table()) {
    const std::string clause(key.str());
    if (clause != "and" && clause != "or" && clause != "not")
      value.table().fail(
          static_cast<int>(key.source().begin.line),
          value.table().where() + ".query: unknown key '" + clause + "' (use and, or, not)");
    query[clause] = query_clause(value, clause, node);
  }
  if (query.empty()) value.fail("is empty (give and, or or not)");
  source.query_json = query.dump();
}

constexpr Key<SourceConfig> kKeys[] = {
    {"api_base", Type::string, value("https://open.tiktokapis.com"),
     "the API's address (tests point it at 127.0.0.1)", api_base},
    {"client_key_env", Type::string, note("none"),
     "the environment variable holding the client key",
     variable_name<&SourceConfig::client_key_env>},
    {"client_secret_env", Type::string, note("none"),
     "the environment variable holding the client secret",
     variable_name<&SourceConfig::client_secret_env>},
    {"credentials_file", Type::path, note("none"),
     "instead of the two variables: a TOML file with `client_key` and `client_secret`, mode 0600",
     credentials_file},
    {"hashtags", Type::strings, note("none"), "hashtag names (without `#`)",
     words<&SourceConfig::hashtags>},
    {"keywords", Type::strings, note("none"), "words in the video description",
     words<&SourceConfig::keywords>},
    {"usernames", Type::strings, note("none"), "accounts", words<&SourceConfig::usernames>},
    {"regions", Type::strings, note("none"), "region codes, e.g. `DE`",
     words<&SourceConfig::regions>},
    {"query", Type::table, note("none"),
     "the API's own query (`and`, `or`, `not` lists of conditions), instead of the four lists",
     query},
    {"window", Type::duration, value("2d"), "how far back from now videos are asked for",
     to<&SourceConfig::window>},
    {"daily_requests", Type::integer, value("1000"), "API requests per UTC day, all machines",
     to<&SourceConfig::daily_requests>, at_least(1)},
    {"daily_records", Type::integer, value("100000"), "videos received per UTC day, all machines",
     to<&SourceConfig::daily_records>, at_least(1)},
};

void finish(SourceConfig& source, const Table& table) {
  const bool key_env = table.has("client_key_env"), secret_env = table.has("client_secret_env");
  const bool file = table.has("credentials_file");
  const std::string owner = table.where();
  if (file && (key_env || secret_env))
    table.fail_at("credentials_file", owner +
                                          ": give either client_key_env and "
                                          "client_secret_env, or credentials_file, not both");
  if (!file && !key_env && !secret_env)
    table.fail(table.line(),
               "a tiktok-research source needs credentials: client_key_env and client_secret_env "
               "(names of environment variables), or credentials_file");
  if (!file && !key_env)
    table.fail(table.line(), "a tiktok-research source needs 'client_key_env' too");
  if (!file && !secret_env)
    table.fail(table.line(), "a tiktok-research source needs 'client_secret_env' too");

  const bool lists = table.has("hashtags") || table.has("keywords") || table.has("usernames") ||
                     table.has("regions");
  if (table.has("query") && lists)
    table.fail_at("query", owner +
                               ".query cannot be combined with hashtags, keywords, "
                               "usernames or regions");
  if (source.query_json.empty() && source.hashtags.empty() && source.keywords.empty() &&
      source.usernames.empty() && source.regions.empty())
    table.fail(table.line(),
               "a tiktok-research source needs something to ask for: hashtags, "
               "keywords, usernames, regions or query");
}

}  // namespace

const SourceKindSpec kResearchKind{SourceKind::tiktok_research, "", "timeout ytdlp", kKeys, finish};

}  // namespace tw::config
