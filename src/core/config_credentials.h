#pragma once
// The client key and secret of a TikTok Research API source, from the
// environment variables its config names (client_key_env, client_secret_env)
// or from its credentials_file: a TOML file, readable by its owner only
// (mode 0600 or 0400), holding exactly
//
//   client_key = "..."
//   client_secret = "..."
//
// Errors name the source, the variable or the file and the reason, never a
// secret (or any text of the file, which could hold one).
#include <filesystem>
#include <string>

#include "core/config.h"

namespace tw {

struct ResearchCredentials {
  std::string client_key;
  std::string client_secret;
};

// InputError("source NAME", reason) when a variable is unset or the file bad.
ResearchCredentials research_credentials(const SourceConfig& source);

// InputError(file, reason): unreadable, group/other may access it, not TOML,
// a key missing, empty or unknown.
ResearchCredentials read_credentials_file(const std::filesystem::path& file);

}  // namespace tw
