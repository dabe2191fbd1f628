#pragma once
// The dashboard's one page (HTML, CSS and JS embedded in the binary; nothing
// from a CDN) and the small page shown to a browser that has no token yet.
// Each comes with a Content-Security-Policy that admits exactly its own inline
// script and style (by hash), so injected markup could not run even if some
// untrusted text slipped past the page's text-only rendering.
#include <string>

namespace tw::server {

const std::string& app_page();
const std::string& app_page_policy();
const std::string& login_page();
const std::string& login_page_policy();

}  // namespace tw::server
