#pragma once
// Secrets never leave their place: the one helper that hides them in
// everything a person, a log or the store may see (status, events, errors,
// stored errors, the dashboard).  A secret is a password in a URL (user:pass@
// or ?password=), a webhook URL's path and query (for Slack-style webhooks
// the URL is the secret), an SMTP password, an API key, a client secret, a
// token, an Authorization header's credentials.  Hidden parts read "***".
//
// Two layers: the functions below hide what looks like a secret wherever it
// appears; and the secrets a process knows (from its config and the
// environment variables the config names) are remembered once, so that
// redact_text() hides them even inside a library's error message that
// quoted them in some other shape.
#include <string>
#include <string_view>

namespace tw {

struct Config;

inline constexpr std::string_view kRedacted = "***";

// A URL with its password (user:***@host) and the values of query
// parameters that name a secret (password, token, key, secret, sig, ...)
// hidden; scheme, user, host, port and path kept.  Text that is not a URL
// gets redact_text()'s key=value rule ("host=db password=***").
std::string redact_url(std::string_view url);

// A URL whose path and query are themselves the secret (webhooks): only
// scheme://host[:port] is kept, then "/***" when anything followed; user
// information is dropped.  Text that is not a URL becomes "***".
std::string redact_webhook_url(std::string_view url);

// Free text (an error from libcurl, libpq or a child process, a log line):
// every remembered secret, every URL in it (as redact_url), the credentials
// after "Bearer " / "Basic ", and key=value or "key": "value" pairs whose key
// names a secret.
std::string redact_text(std::string_view text);

// Remembers a secret value for redact_text(), process-wide and thread-safe.
// `shown` replaces it (default "***").  Values shorter than 4 bytes are not
// remembered: hiding them would blank out ordinary words.
void remember_secret(std::string_view value, std::string_view shown = kRedacted);
// Remembers a URL's password and its secret query values (as written and
// percent-decoded), e.g. a store URL given with --db.
void remember_url_secrets(std::string_view url);
// Remembers the config's secrets: the store URL's password, each webhook URL
// (shown as redact_webhook_url), each SMTP URL's password, and the values of
// the environment variables a source names for its credentials or its
// credentials_file's client key and secret.
void remember_secrets(const Config& config);
// Forgets every remembered secret (tests).
void forget_secrets();

}  // namespace tw
