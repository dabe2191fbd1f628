// [[alert]]: where alerts go.  Each kind is its own keys; `kind`, `name`,
// `timeout` and `types` apply to all.
#include <algorithm>

#include "core/config_table.h"

namespace tw::config {

namespace {

void webhook_url(AlertConfig& alert, const Value& value) {
  if (!is_remote_url(value.text())) value.fail("must be an http(s) URL");
  alert.url = value.text();
}

void smtp_url(AlertConfig& alert, const Value& value) {
  if (value.text().rfind("smtp://", 0) != 0 && value.text().rfind("smtps://", 0) != 0)
    value.fail("must start with smtp:// or smtps://");
  alert.smtp = value.text();
}

void recipients(AlertConfig& alert, const Value& value) {
  if (value.strings().empty()) value.fail("is empty");
  alert.to = value.strings();
}

void command_argv(AlertConfig& alert, const Value& value) {
  alert.command = argv_of(value);
}

constexpr Key<AlertConfig> kWebhookKeys[] = {
    {"url", Type::string, required, "http(s) URL that gets one JSON POST per alert", webhook_url},
};
constexpr Key<AlertConfig> kEmailKeys[] = {
    {"smtp", Type::string, required, "`smtp://host:port` or `smtps://...`", smtp_url},
    {"from", Type::string, required, "sender address", to<&AlertConfig::from>},
    {"to", Type::strings, required, "recipient addresses", recipients},
};
constexpr Key<AlertConfig> kCommandKeys[] = {
    {"command", Type::strings, required, "argv; the alert JSON on standard input", command_argv},
};

struct AlertKindSpec {
  AlertKind kind;
  std::span<const Key<AlertConfig>> keys;
};
constexpr AlertKindSpec kKinds[] = {{AlertKind::webhook, kWebhookKeys},
                                    {AlertKind::email, kEmailKeys},
                                    {AlertKind::command, kCommandKeys},
                                    {AlertKind::console, {}}};

std::string kind_names(bool quoted) {
  std::string out;
  for (const AlertKindSpec& spec : kKinds) {
    if (!out.empty()) out += ", ";
    const std::string name(to_string(spec.kind));
    out += quoted ? "\"" + name + "\"" : name;
  }
  return out;
}

void alert_kind(AlertConfig& alert, const Value& value) {
  for (const AlertKindSpec& spec : kKinds)
    if (to_string(spec.kind) == value.text()) {
      alert.kind = spec.kind;
      return;
    }
  value.table().fail(value.line(),
                     "unknown alert kind '" + value.text() + "' (use " + kind_names(false) + ")");
}

void alert_types(AlertConfig& alert, const Value& value) {
  if (value.strings().empty()) value.fail("is empty (give \"appearance\", \"trend\" or both)");
  alert.types.clear();
  for (const std::string& type : value.strings())
    if (std::find(alert.types.begin(), alert.types.end(), type) == alert.types.end())
      alert.types.push_back(type);
}

// Keys every kind takes; `kind` first (it is read first).
constexpr Key<AlertConfig> kEveryKind[] = {
    {"kind", Type::string, required, "where the alert goes", alert_kind},
    {"name", Type::string, note("`<kind>-<position>`"), "unique; names the sink in the store",
     to<&AlertConfig::name>},
    {"timeout", Type::duration, value("10s"), "one delivery", to<&AlertConfig::timeout>},
    {"types", Type::strings, value(R"(["appearance", "trend"])"), "the alerts this sink takes",
     alert_types, one_of("appearance trend")},
};

bool applies(const AlertKindSpec& spec, std::string_view key) {
  return has_key<AlertConfig>(kEveryKind, key) || has_key(spec.keys, key);
}

void read(const Table& table, Config& config) {
  table.refuse_keys(
      [](std::string_view key) {
        return std::any_of(std::begin(kKinds), std::end(kKinds),
                           [&](const AlertKindSpec& spec) { return applies(spec, key); });
      },
      [&](std::string_view key) {
        return "unknown key '" + std::string(key) + "' in " + table.where();
      });
  AlertConfig alert;
  alert.line = table.line();
  const std::span<const Key<AlertConfig>> every_kind(kEveryKind);
  read_keys(table, every_kind.first(1), alert, table.where());
  const AlertKindSpec& spec =
      *std::find_if(std::begin(kKinds), std::end(kKinds),
                    [&](const AlertKindSpec& kind) { return kind.kind == alert.kind; });
  const std::string owner = with_article(std::string(to_string(alert.kind)) + " alert");
  table.refuse_keys([&](std::string_view key) { return applies(spec, key); },
                    [&](std::string_view key) {
                      return "key '" + std::string(key) + "' does not apply to " + owner;
                    });
  read_keys(table, spec.keys, alert, owner);
  read_keys(table, every_kind.subspan(1), alert, owner);
  if (alert.name.empty())
    alert.name =
        std::string(to_string(alert.kind)) + "-" + std::to_string(config.alerts.size() + 1);
  for (const AlertConfig& other : config.alerts)
    if (other.name == alert.name)
      table.fail_at("name", "duplicate alert name '" + alert.name + "'");
  config.alerts.push_back(std::move(alert));
}

void document(std::string_view heading, std::vector<ConfigKeyDoc>& out) {
  std::vector<std::string> all;
  for (const AlertKindSpec& spec : kKinds) all.emplace_back(to_string(spec.kind));
  for (const Key<AlertConfig>& key : kEveryKind) {
    out.push_back(config::document(heading, key, all));
    out.back().all_kinds = true;
    if (key.name == "kind") out.back().type = kind_names(true);
  }
  for (const AlertKindSpec& spec : kKinds)
    for (const Key<AlertConfig>& key : spec.keys)
      out.push_back(config::document(heading, key, {std::string(to_string(spec.kind))}));
}

}  // namespace

const Section kAlertSection{"alert", true, read, document};

}  // namespace tw::config
