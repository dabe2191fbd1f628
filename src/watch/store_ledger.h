#pragma once
// A source's ledger kept in the store: its saved state and its daily quota,
// keyed by the source's name, so both survive restarts and are shared by
// every process on the same database (the monitor, workers, the refresher).
#include <string>

#include "sources/ledger.h"
#include "store/store.h"

namespace tw::watch {

class StoreLedger : public sources::SourceLedger {
 public:
  StoreLedger(store::Store& store, std::string source)
      : store_(store), source_(std::move(source)) {}

  std::string load_state() override;
  void save_state(const std::string& json) override;
  bool consume_quota(const std::string& day, std::int64_t requests, std::int64_t records,
                     const sources::QuotaUse& limits) override;
  sources::QuotaUse quota_used(const std::string& day) override;

  // The quota key of a source in the store's quota table.
  static std::string quota_key(const std::string& source) { return "source:" + source; }

 private:
  store::Store& store_;
  std::string source_;
};

}  // namespace tw::watch
