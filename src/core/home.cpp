#include "core/home.h"

#include <cstdlib>

namespace tw {

Home Home::resolve() {
  if (const char* env = std::getenv("TRENDWATCH_HOME"); env && *env) return Home{env};
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg)
    return Home{std::filesystem::path(xdg) / "trendwatch"};
  const char* home = std::getenv("HOME");
  return Home{std::filesystem::path(home && *home ? home : ".") / ".local" / "share" / "trendwatch"};
}

}  // namespace tw
