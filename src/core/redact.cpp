#include "core/redact.h"

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <utility>
#include <vector>

#include "core/config.h"
#include "core/config_credentials.h"

namespace tw {
namespace {

char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool is_key_char(char c) {
  return is_alnum(c) || c == '_' || c == '-' || c == '.';
}

bool is_scheme_char(char c) {
  return is_alnum(c) || c == '+' || c == '-' || c == '.';
}

// Where a URL (or a bare word) ends inside free text.
bool ends_token(char c) {
  return static_cast<unsigned char>(c) <= ' ' || c == '"' || c == '\'' || c == '<' || c == '>' ||
         c == '`' || c == 0x7f;
}

// Keys whose value is a secret: password, passwd, pwd, secret, client_secret,
// token, access_token, api_key, apikey, key, client_key, sig, signature,
// auth, authorization, credentials, session, cookie.  Case, dashes, dots and
// underscores are ignored.  Not "author", not "monkey": free text (titles in
// events) keeps its ordinary words.
bool names_a_secret(std::string_view key) {
  std::string k;
  for (char c : key)
    if (c != '_' && c != '-' && c != '.') k += lower(c);
  if (k.empty()) return false;
  for (std::string_view word : {"password", "passwd", "passphrase", "secret", "token", "apikey",
                                "accesskey", "privatekey", "clientkey", "credential", "signature"})
    if (k.find(word) != std::string::npos) return true;
  for (std::string_view word :
       {"pass", "pwd", "key", "sig", "auth", "authorization", "session", "sessionid", "cookie"})
    if (k == word) return true;
  return false;
}

// What a credential after "Bearer " or "Basic " looks like: 12 or more
// token characters with a digit or a symbol in them (not a word of prose,
// as in "the Bearer of bad news").
bool looks_like_credential(std::string_view word) {
  if (word.size() < 12) return false;
  bool mixed = false;
  for (char c : word) {
    if (!is_alnum(c) && std::string_view("._~+/=-").find(c) == std::string_view::npos) return false;
    if (!(lower(c) >= 'a' && lower(c) <= 'z')) mixed = true;
  }
  return mixed;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = lower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

std::string percent_decoded(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 &&
        hex_value(text[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

// The parts of "scheme://[user[:password]@]host[:port][/path][?query][#fragment]".
struct UrlParts {
  std::string_view scheme, user, password, host_port, rest;  // rest: from the first / ? or #
  bool has_userinfo = false, has_password = false;
};

std::optional<UrlParts> split_url(std::string_view url) {
  size_t sep = url.find("://");
  if (sep == std::string_view::npos || sep == 0) return std::nullopt;
  if (!(lower(url[0]) >= 'a' && lower(url[0]) <= 'z')) return std::nullopt;
  for (size_t i = 0; i < sep; ++i)
    if (!is_scheme_char(url[i])) return std::nullopt;
  UrlParts parts;
  parts.scheme = url.substr(0, sep);
  std::string_view after = url.substr(sep + 3);
  size_t authority_end = after.find_first_of("/?#");
  std::string_view authority = after.substr(0, authority_end);
  parts.rest =
      authority_end == std::string_view::npos ? std::string_view{} : after.substr(authority_end);
  size_t at = authority.rfind('@');
  if (at != std::string_view::npos) {
    parts.has_userinfo = true;
    std::string_view userinfo = authority.substr(0, at);
    size_t colon = userinfo.find(':');
    parts.user = userinfo.substr(0, colon);
    if (colon != std::string_view::npos) {
      parts.has_password = true;
      parts.password = userinfo.substr(colon + 1);
    }
    parts.host_port = authority.substr(at + 1);
  } else {
    parts.host_port = authority;
  }
  return parts;
}

// "a=1&password=x#token=y": the values of secret keys hidden, in the query
// and in the fragment (OAuth puts tokens there).
std::string redact_parameters(std::string_view rest) {
  std::string out;
  size_t i = 0;
  // The path is kept as it is.
  size_t params = rest.find_first_of("?#");
  out.append(rest.substr(0, params));
  if (params == std::string_view::npos) return out;
  i = params;
  while (i < rest.size()) {
    out += rest[i];  // the separator: ? # & ;
    ++i;
    size_t end = rest.find_first_of("&;#", i);
    if (end == std::string_view::npos) end = rest.size();
    std::string_view pair = rest.substr(i, end - i);
    size_t eq = pair.find('=');
    if (eq != std::string_view::npos && names_a_secret(percent_decoded(pair.substr(0, eq)))) {
      out.append(pair.substr(0, eq + 1));
      out.append(kRedacted);
    } else {
      out.append(pair);
    }
    i = end;
  }
  return out;
}

// key=value, key: value, "key": "value" with a secret key: the value hidden.
// "Authorization: Bearer X" hides X (the scheme word is kept).
std::string redact_key_values(std::string_view text) {
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    if (!is_key_char(text[i]) || (i > 0 && is_key_char(text[i - 1]))) {
      out += text[i++];
      continue;
    }
    size_t key_end = i;
    while (key_end < text.size() && is_key_char(text[key_end])) ++key_end;
    std::string_view key = text.substr(i, key_end - i);
    out.append(key);
    i = key_end;
    // Credentials after an authorization scheme word.
    std::string lowered;
    for (char c : key) lowered += lower(c);
    const bool scheme_word = lowered == "bearer" || lowered == "basic" || lowered == "token";
    size_t j = i;
    if (j < text.size() && (text[j] == '"' || text[j] == '\'')) ++j;  // "key": ...
    while (j < text.size() && text[j] == ' ') ++j;
    bool separated = false;
    if (j < text.size() && (text[j] == '=' || text[j] == ':')) {
      separated = true;
      ++j;
      while (j < text.size() && text[j] == ' ') ++j;
    }
    // "password=x", "token: x"; or "Bearer x" (a scheme word, then a space).
    const bool after_scheme = !separated && scheme_word && j > i && j < text.size();
    if (!after_scheme && !(separated && names_a_secret(key))) continue;
    // The value: a quoted string, or a word.
    size_t value = j;
    char quote = 0;
    if (value < text.size() && (text[value] == '"' || text[value] == '\'')) quote = text[value++];
    size_t value_end = value;
    if (quote) {
      while (value_end < text.size() && text[value_end] != quote) {
        if (text[value_end] == '\\' && value_end + 1 < text.size()) ++value_end;
        ++value_end;
      }
    } else {
      while (value_end < text.size() && !ends_token(text[value_end]) && text[value_end] != '&' &&
             text[value_end] != ',' && text[value_end] != ';')
        ++value_end;
    }
    std::string_view word = text.substr(value, value_end - value);
    std::string lowered_word;
    for (char c : word) lowered_word += lower(c);
    if (!after_scheme && (lowered_word == "bearer" || lowered_word == "basic")) {
      // "Authorization: Bearer X": the scheme word is kept, and read next
      // as a key of its own, which hides X.
      out.append(text.substr(i, value - i));
      i = value;
      continue;
    }
    if (word.empty() || word == kRedacted) continue;
    if (after_scheme && !looks_like_credential(word)) continue;
    out.append(text.substr(i, value - i));
    out.append(kRedacted);
    i = value_end;
  }
  return out;
}

struct RememberedSecret {
  std::string value, shown;
};

struct SecretRegistry {
  std::shared_mutex mutex;
  std::vector<RememberedSecret> secrets;  // longest first
};

SecretRegistry& registry() {
  static SecretRegistry instance;
  return instance;
}

std::string replace_remembered(std::string_view text) {
  std::string out(text);
  auto& reg = registry();
  std::shared_lock lock(reg.mutex);
  for (const auto& secret : reg.secrets) {
    size_t at = 0;
    while ((at = out.find(secret.value, at)) != std::string::npos) {
      out.replace(at, secret.value.size(), secret.shown);
      at += secret.shown.size();
    }
  }
  return out;
}

std::string redact_urls_in(std::string_view text) {
  std::string out;
  size_t copied = 0;
  size_t search = 0;
  while (true) {
    size_t sep = text.find("://", search);
    if (sep == std::string_view::npos) break;
    size_t begin = sep;
    while (begin > copied && is_scheme_char(text[begin - 1])) --begin;
    size_t end = sep + 3;
    while (end < text.size() && !ends_token(text[end])) ++end;
    if (begin == sep) {  // "://" with no scheme before it
      search = sep + 3;
      continue;
    }
    out.append(text.substr(copied, begin - copied));
    out.append(redact_url(text.substr(begin, end - begin)));
    copied = search = end;
  }
  out.append(text.substr(copied));
  return out;
}

}  // namespace

std::string redact_url(std::string_view url) {
  auto parts = split_url(url);
  if (!parts) return redact_key_values(url);
  std::string out(parts->scheme);
  out += "://";
  if (parts->has_userinfo) {
    out.append(parts->user);
    if (parts->has_password) {
      out += ':';
      out.append(kRedacted);
    }
    out += '@';
  }
  out.append(parts->host_port);
  out += redact_parameters(parts->rest);
  return out;
}

std::string redact_webhook_url(std::string_view url) {
  auto parts = split_url(url);
  if (!parts) return std::string(kRedacted);
  std::string out(parts->scheme);
  out += "://";
  out.append(parts->host_port);
  if (!parts->rest.empty()) {
    out += '/';
    out.append(kRedacted);
  }
  return out;
}

std::string redact_text(std::string_view text) {
  return redact_key_values(redact_urls_in(replace_remembered(text)));
}

void remember_secret(std::string_view value, std::string_view shown) {
  if (value.size() < 4) return;
  auto& reg = registry();
  std::unique_lock lock(reg.mutex);
  for (const auto& known : reg.secrets)
    if (known.value == value) return;
  reg.secrets.push_back({std::string(value), std::string(shown)});
  std::stable_sort(reg.secrets.begin(), reg.secrets.end(),
                   [](const auto& a, const auto& b) { return a.value.size() > b.value.size(); });
}

void forget_secrets() {
  auto& reg = registry();
  std::unique_lock lock(reg.mutex);
  reg.secrets.clear();
}

void remember_url_secrets(std::string_view url) {
  auto parts = split_url(url);
  if (!parts) return;
  if (parts->has_password) {
    remember_secret(parts->password);
    remember_secret(percent_decoded(parts->password));
  }
  std::string_view rest = parts->rest;
  size_t i = rest.find_first_of("?#");
  while (i != std::string_view::npos && i < rest.size()) {
    size_t end = rest.find_first_of("&;#", i + 1);
    std::string_view pair =
        rest.substr(i + 1, (end == std::string_view::npos ? rest.size() : end) - i - 1);
    size_t eq = pair.find('=');
    if (eq != std::string_view::npos && names_a_secret(percent_decoded(pair.substr(0, eq)))) {
      remember_secret(pair.substr(eq + 1));
      remember_secret(percent_decoded(pair.substr(eq + 1)));
    }
    i = end;
  }
}

namespace {

void remember_environment_value(const std::string& variable) {
  if (variable.empty()) return;
  if (const char* value = std::getenv(variable.c_str())) remember_secret(value);
}

}  // namespace

void remember_secrets(const Config& config) {
  remember_url_secrets(config.store.url);
  for (const AlertConfig& alert : config.alerts) {
    if (!alert.url.empty()) {
      remember_secret(alert.url, redact_webhook_url(alert.url));
      remember_url_secrets(alert.url);
      // The path and query alone (a library may quote them without the host).
      if (auto parts = split_url(alert.url); parts && parts->rest.size() >= 8)
        remember_secret(parts->rest, "/" + std::string(kRedacted));
    }
    remember_url_secrets(alert.smtp);
  }
  for (const SourceConfig& source : config.sources) {
    remember_url_secrets(source.location);
    remember_url_secrets(source.api_base);
    remember_environment_value(source.client_key_env);
    remember_environment_value(source.client_secret_env);
    if (!source.credentials_file.empty()) {
      try {
        const ResearchCredentials credentials = read_credentials_file(source.credentials_file);
        remember_secret(credentials.client_key);
        remember_secret(credentials.client_secret);
      } catch (const std::exception&) {
        // Unreadable now: the source fails with its own error, which quotes
        // nothing of the file.
      }
    }
  }
}

}  // namespace tw
