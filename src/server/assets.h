#pragma once
// The dashboard's files, src/server/assets/*, compiled into the binary by
// tw_embed_assets (cmake/embed_assets.cmake): edited, linted and diffed as
// HTML, CSS and JavaScript, yet nothing is read from disk at run time.  Each
// is named after its file (app.js -> app_js) and holds its bytes exactly.
#include <string_view>

namespace tw::server::assets {

extern const std::string_view app_html;    // the dashboard's <body>
extern const std::string_view app_js;      // the dashboard's script
extern const std::string_view login_html;  // the token form's <body>
extern const std::string_view login_js;    // the token form's script
extern const std::string_view style_css;   // both pages' style

}  // namespace tw::server::assets
