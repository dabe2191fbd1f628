#include "core/config_credentials.h"

#include <toml++/toml.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "core/errors.h"

namespace fs = std::filesystem;

namespace tw {

namespace {

std::string octal(fs::perms perms) {
  std::ostringstream out;
  out << std::oct << (static_cast<unsigned>(perms) & 0777u);
  return out.str();
}

}  // namespace

ResearchCredentials read_credentials_file(const fs::path& file) {
  const std::string name = file.string();
  std::error_code ec;
  const fs::file_status status = fs::status(file, ec);
  if (ec || !fs::exists(status)) throw InputError(name, "no such credentials file");
  if (!fs::is_regular_file(status)) throw InputError(name, "the credentials file is not a file");
  const fs::perms others = fs::perms::group_all | fs::perms::others_all;
  if ((status.permissions() & others) != fs::perms::none)
    throw InputError(name, "the credentials file may be read by others (mode " +
                               octal(status.permissions()) + "): chmod 600 it");
  std::ifstream in(file, std::ios::binary);
  if (!in.is_open()) throw InputError(name, "cannot read the credentials file");
  std::stringstream text;
  text << in.rdbuf();
  if (in.bad()) throw InputError(name, "cannot read the credentials file");
  toml::table root;
  try {
    root = toml::parse(text.str(), name);
  } catch (const toml::parse_error& e) {
    // The parser's description may quote the text, and the text is a secret.
    throw InputError(name + ":" + std::to_string(e.source().begin.line),
                     "not a TOML file (client_key = \"...\", client_secret = \"...\")");
  }
  ResearchCredentials out;
  for (auto&& [key, node] : root) {
    std::string* field = key.str() == "client_key"      ? &out.client_key
                         : key.str() == "client_secret" ? &out.client_secret
                                                        : nullptr;
    const std::string line = name + ":" + std::to_string(key.source().begin.line);
    if (!field)  // not named: a misplaced secret could be the key
      throw InputError(line, "a key other than client_key and client_secret");
    if (!node.is_string() || node.as_string()->get().empty())
      throw InputError(line, std::string(key.str()) + " must be a non-empty string");
    *field = node.as_string()->get();
  }
  if (out.client_key.empty()) throw InputError(name, "no client_key in the credentials file");
  if (out.client_secret.empty()) throw InputError(name, "no client_secret in the credentials file");
  return out;
}

ResearchCredentials research_credentials(const SourceConfig& source) {
  const std::string who = "source " + source.name;
  if (!source.credentials_file.empty()) {
    try {
      return read_credentials_file(source.credentials_file);
    } catch (const InputError& e) {
      throw InputError(who, e.what());
    }
  }
  auto variable = [&](const std::string& env, const char* key) {
    if (env.empty()) throw InputError(who, std::string("no ") + key + " (or credentials_file)");
    const char* text = std::getenv(env.c_str());
    if (!text || !*text)
      throw InputError(who, "the environment variable " + env + " (" + key + ") is not set");
    return std::string(text);
  };
  return {variable(source.client_key_env, "client_key_env"),
          variable(source.client_secret_env, "client_secret_env")};
}

}  // namespace tw
