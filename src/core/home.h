#pragma once
// The one home directory that holds all state: models/, targets/,
// trendwatch.db, evidence/, cache/.  $TRENDWATCH_HOME, else
// ~/.local/share/trendwatch.
#include <filesystem>

namespace tw {

struct Home {
  std::filesystem::path root;

  static Home resolve();  // from the environment; does not create anything
  std::filesystem::path models() const { return root / "models"; }
  std::filesystem::path targets() const { return root / "targets"; }
  std::filesystem::path database() const { return root / "trendwatch.db"; }
  std::filesystem::path evidence() const { return root / "evidence"; }
  std::filesystem::path cache() const { return root / "cache"; }
  std::filesystem::path config() const { return root / "trendwatch.toml"; }
};

}  // namespace tw
