// The key table (core/config_keys.h) against docs/sources.md and against the
// parser itself: every documented default is the parser's default, every key
// is refused by the kinds it does not apply to, every required key is asked for.
#include "core/config_keys.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "core/config_test_util.h"
#include "support/test_support.h"

namespace fs = std::filesystem;

namespace {

// The smallest valid table of each kind: its required keys.
const std::map<std::string, std::string> kMinimalSource = {
    {"urls", "location = \"list.txt\"\n"},
    {"ytdlp", "location = \"https://www.tiktok.com/@someone\"\n"},
    {"folder", "location = \"videos\"\n"},
    {"command", "command = [\"true\"]\n"},
    {"tiktok-research", "client_key_env = \"K\"\nclient_secret_env = \"S\"\nhashtags = [\"x\"]\n"},
    {"zeeschuimer", "location = \"exports\"\n"},
};
const std::map<std::string, std::string> kMinimalAlert = {
    {"webhook", "url = \"http://127.0.0.1:9/hook\"\n"},
    {"email",
     "smtp = \"smtp://127.0.0.1:2525\"\nfrom = \"a@example.org\"\nto = [\"b@example.org\"]\n"},
    {"command", "command = [\"true\"]\n"},
    {"console", ""},
};

// A table of `kind` with its required keys, without `skip`, plus `extra`.
std::string table_of(const tw::ConfigKeyDoc& key, const std::string& kind,
                     const std::string& extra = "") {
  if (key.kinds.empty()) return key.table + "\n" + extra;
  const bool source = key.table == "[[source]]";
  const auto& minimal = source ? kMinimalSource : kMinimalAlert;
  const auto found = minimal.find(kind);
  if (found == minimal.end()) {
    ADD_FAILURE() << "no minimal " << key.table << " of kind " << kind << " in this test";
    return {};
  }
  std::string text =
      key.table + "\n" + (source ? "name = \"s\"\n" : "") + "kind = \"" + kind + "\"\n";
  std::istringstream lines(found->second);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind(key.key + " = ", 0) != 0) text += line + "\n";
  return text + extra;
}

void expect_same(const tw::Config& a, const tw::Config& b, const std::string& what) {
  EXPECT_TRUE(a.store == b.store) << what;
  EXPECT_TRUE(a.scan == b.scan) << what;
  EXPECT_TRUE(a.watch == b.watch) << what;
  EXPECT_TRUE(a.trend == b.trend) << what;
  EXPECT_TRUE(a.sources == b.sources) << what;
  EXPECT_TRUE(a.alerts == b.alerts) << what;
}

// The cells of the first Markdown table after the "## Config keys" heading.
std::vector<std::vector<std::string>> documented_rows() {
  std::istringstream doc(tw::test::read_file(tw::test::source_dir() / "docs" / "sources.md"));
  std::vector<std::vector<std::string>> rows;
  bool in_section = false;
  for (std::string line; std::getline(doc, line);) {
    if (line.rfind("## ", 0) == 0) in_section = line == "## Config keys";
    if (!in_section) continue;
    if (line.rfind("|", 0) != 0) {
      if (!rows.empty()) break;
      continue;
    }
    std::vector<std::string> cells;
    std::istringstream parts(line.substr(1));
    for (std::string cell; std::getline(parts, cell, '|');) {
      const auto first = cell.find_first_not_of(' '), last = cell.find_last_not_of(' ');
      cells.push_back(first == std::string::npos ? "" : cell.substr(first, last - first + 1));
    }
    rows.push_back(cells);
  }
  if (rows.size() >= 2) rows.erase(rows.begin(), rows.begin() + 2);  // header, separator
  return rows;
}

std::vector<std::string> cells_of(const tw::ConfigKeyDoc& key) {
  std::vector<std::string> cells;
  std::istringstream parts(tw::markdown_row(key).substr(1));
  for (std::string cell; std::getline(parts, cell, '|');) {
    const auto first = cell.find_first_not_of(' '), last = cell.find_last_not_of(' ');
    cells.push_back(first == std::string::npos ? "" : cell.substr(first, last - first + 1));
  }
  return cells;
}

TEST(ConfigKeys, DocsTableIsTheKeyTable) {
  const auto rows = documented_rows();
  ASSERT_FALSE(rows.empty()) << "docs/sources.md has no table under '## Config keys'";
  std::map<std::string, std::vector<std::string>> documented;
  for (const auto& cells : rows) {
    if (cells.size() != 6u) {
      ADD_FAILURE() << "a row of the config key table has " << cells.size() << " cells, not 6";
      continue;
    }
    EXPECT_TRUE(documented.emplace(cells[0] + " " + cells[1], cells).second)
        << cells[0] << " " << cells[1] << " is documented twice";
  }
  std::set<std::string> known;
  for (const tw::ConfigKeyDoc& key : tw::config_keys()) {
    const auto expected = cells_of(key);
    const std::string id = expected[0] + " " + expected[1];
    EXPECT_TRUE(known.insert(id).second) << id << " is defined twice";
    const auto found = documented.find(id);
    if (found == documented.end()) {
      ADD_FAILURE() << id << " is not in docs/sources.md's key table";
      continue;
    }
    EXPECT_EQ(found->second, expected) << id << " differs from its definition";
  }
  for (const auto& [id, cells] : documented)
    EXPECT_TRUE(known.count(id)) << "docs/sources.md documents an unknown key: " << id;
  if (HasFailure())
    ADD_FAILURE() << "the table docs/sources.md should hold:\n" << tw::config_keys_markdown();
}

TEST(ConfigKeys, DocumentedDefaultsAreTheParsersDefaults) {
  int checked = 0;
  for (const tw::ConfigKeyDoc& key : tw::config_keys()) {
    if (key.default_toml.empty()) continue;
    const std::vector<std::string> kinds =
        key.kinds.empty() ? std::vector<std::string>{""} : key.kinds;
    for (const std::string& kind : kinds) {
      const std::string without = table_of(key, kind);
      const std::string with = table_of(key, kind, key.key + " = " + key.default_toml + "\n");
      expect_same(tw::test::parse_config_text(with), tw::test::parse_config_text(without), with);
      ++checked;
    }
  }
  EXPECT_GT(checked, 30);
}

TEST(ConfigKeys, KeysAreRefusedByTheKindsTheyDoNotApplyTo) {
  for (const tw::ConfigKeyDoc& key : tw::config_keys()) {
    const bool source = key.table == "[[source]]";
    const auto& minimal = source ? kMinimalSource : kMinimalAlert;
    if (key.kinds.empty()) continue;
    for (const auto& [kind, unused] : minimal) {
      if (std::find(key.kinds.begin(), key.kinds.end(), kind) != key.kinds.end()) continue;
      const std::string text = table_of(key, kind, key.key + " = true\n");
      auto [where, why] = tw::test::config_error(text);
      const std::string expected = "key '" + key.key + "' does not apply to " +
                                   (kind == "email" ? "an " : "a ") + kind +
                                   (source ? " source" : " alert");
      EXPECT_EQ(why, expected) << text;
    }
  }
}

TEST(ConfigKeys, RequiredKeysAreAskedFor) {
  int checked = 0;
  for (const tw::ConfigKeyDoc& key : tw::config_keys()) {
    if (!key.required || key.key == "name" || key.key == "kind") continue;
    for (const std::string& kind : key.kinds) {
      const std::string text = table_of(key, kind);
      auto [where, why] = tw::test::config_error(text);
      EXPECT_EQ(where, "tw.toml:1") << text;
      EXPECT_NE(why.find("needs '" + key.key + "'"), std::string::npos) << why;
      ++checked;
    }
  }
  EXPECT_GE(checked, 9);  // location (4 kinds), command (2), url, smtp, from, to
}

TEST(ConfigKeys, EveryKindHasAMinimalTableHere) {
  std::set<std::string> source_kinds, alert_kinds;
  for (const tw::ConfigKeyDoc& key : tw::config_keys())
    for (const std::string& kind : key.kinds)
      (key.table == "[[source]]" ? source_kinds : alert_kinds).insert(kind);
  for (const std::string& kind : source_kinds) EXPECT_TRUE(kMinimalSource.count(kind)) << kind;
  for (const std::string& kind : alert_kinds) EXPECT_TRUE(kMinimalAlert.count(kind)) << kind;
  for (const auto& [kind, text] : kMinimalSource)
    EXPECT_NO_THROW(
        tw::test::parse_config_text("[[source]]\nname = \"s\"\nkind = \"" + kind + "\"\n" + text))
        << kind;
}

}  // namespace
