#include "server/page.h"

#include <array>

#include "core/hash.h"
#include "server/assets.h"

namespace tw::server {

namespace {

std::string base64(const std::string& bytes) {
  static constexpr char digits[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    unsigned n = (unsigned char)bytes[i] << 16 | (unsigned char)bytes[i + 1] << 8 |
                 (unsigned char)bytes[i + 2];
    out += {digits[n >> 18], digits[(n >> 12) & 63], digits[(n >> 6) & 63], digits[n & 63]};
  }
  if (i + 1 == bytes.size()) {
    unsigned n = (unsigned char)bytes[i] << 16;
    out += {digits[n >> 18], digits[(n >> 12) & 63], '=', '='};
  } else if (i + 2 == bytes.size()) {
    unsigned n = (unsigned char)bytes[i] << 16 | (unsigned char)bytes[i + 1] << 8;
    out += {digits[n >> 18], digits[(n >> 12) & 63], digits[(n >> 6) & 63], '='};
  }
  return out;
}

// The CSP source expression 'sha256-...' of an inline script or style.
std::string csp_hash(const std::string& text) {
  const std::string hex = sha256_hex(text);
  std::string digest;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    digest += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
  return "'sha256-" + base64(digest) + "'";
}

std::string policy(const std::string& script, const std::string& style) {
  return "default-src 'none'; script-src " + csp_hash(script) + "; style-src " + csp_hash(style) +
         "; img-src 'self' blob: data:; connect-src 'self'; form-action 'self'; base-uri 'none'; "
         "frame-ancestors 'none'";
}

std::string document(const std::string& title, const std::string& body, const std::string& script,
                     const std::string& style) {
  return "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
         "<link rel=\"icon\" href=\"data:,\">"
         "<title>" +
         title + "</title><style>" + style + "</style></head>\n<body>" + body + "<script>" +
         script + "</script></body></html>\n";
}

// An asset as the page holds it inline: on a line of its own after its
// opening tag.  The CSP hashes cover exactly this text, newline included.
std::string inline_text(std::string_view asset) {
  return "\n" + std::string(asset);
}

}  // namespace

// The dashboard (app.html, app.js): untrusted text (titles, authors, target
// and source names, errors) only ever reaches the document through
// textContent / createTextNode / setAttribute of harmless attributes; links
// to videos are kept only when they are http(s).
const std::string& app_page() {
  static const std::string page =
      document("trendwatch", inline_text(assets::app_html), inline_text(assets::app_js),
               inline_text(assets::style_css));
  return page;
}
const std::string& app_page_policy() {
  static const std::string value =
      policy(inline_text(assets::app_js), inline_text(assets::style_css));
  return value;
}
// Shown (with status 401) to a browser that opened the page without a token
// (login.html, login.js): a form that reloads the page with ?token=, or does
// so at once from the token this tab already keeps, unless that token was
// just refused.
const std::string& login_page() {
  static const std::string page =
      document("trendwatch: token needed", inline_text(assets::login_html),
               inline_text(assets::login_js), inline_text(assets::style_css));
  return page;
}
const std::string& login_page_policy() {
  static const std::string value =
      policy(inline_text(assets::login_js), inline_text(assets::style_css));
  return value;
}

}  // namespace tw::server
