#include "watch/store_ledger.h"

namespace tw::watch {

std::string StoreLedger::load_state() {
  return store_.source_state(source_);
}

void StoreLedger::save_state(const std::string& json) {
  store_.set_source_state(source_, json);
}

bool StoreLedger::consume_quota(const std::string& day, std::int64_t requests, std::int64_t records,
                                const sources::QuotaUse& limits) {
  return store_.consume_quota(quota_key(source_), day, requests, records,
                              store::QuotaUsage{limits.requests, limits.records});
}

sources::QuotaUse StoreLedger::quota_used(const std::string& day) {
  const store::QuotaUsage used = store_.quota_usage(quota_key(source_), day);
  return sources::QuotaUse{used.requests, used.records};
}

}  // namespace tw::watch
