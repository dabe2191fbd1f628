#pragma once
// What a source that remembers things between polls needs from its caller.
//
// The tiktok-research source keeps its paging cursor and counts its daily
// quota; the zeeschuimer source keeps how far it read each file.  Sources use
// only core, so the caller implements this: the monitor with the store
// (Store::source_state / set_source_state / consume_quota, keyed by the
// source's name), tests and one-off commands with MemoryLedger.
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace tw::sources {

struct QuotaUse {
  std::int64_t requests = 0;
  std::int64_t records = 0;
};

class SourceLedger {
 public:
  virtual ~SourceLedger() = default;

  // The source's saved state (a JSON object as text); "{}" when none.
  virtual std::string load_state() = 0;
  // Replaces it.  Called after the videos it accounts for were handed over.
  virtual void save_state(const std::string& json) = 0;

  // Adds `requests` and `records` to what the source used on `day` (UTC,
  // "YYYYMMDD") when the totals stay within `limits`; otherwise returns false
  // and adds nothing.  Negative records (giving back an unused reservation)
  // are always accepted.  Shared by every process that polls the source.
  virtual bool consume_quota(const std::string& day, std::int64_t requests, std::int64_t records,
                             const QuotaUse& limits) = 0;
  // What the source used on `day`.
  virtual QuotaUse quota_used(const std::string& day) = 0;
};

// A ledger in memory (thread-safe): for tests, `trendwatch import`, and a
// listing called without one (then nothing outlives the call).
class MemoryLedger : public SourceLedger {
 public:
  explicit MemoryLedger(std::string state = "{}") : state_(std::move(state)) {}

  std::string load_state() override {
    std::lock_guard lock(mutex_);
    return state_;
  }
  void save_state(const std::string& json) override {
    std::lock_guard lock(mutex_);
    state_ = json;
  }
  bool consume_quota(const std::string& day, std::int64_t requests, std::int64_t records,
                     const QuotaUse& limits) override {
    std::lock_guard lock(mutex_);
    QuotaUse& used = used_[day];
    const bool refund = requests <= 0 && records <= 0;
    if (!refund &&
        (used.requests + requests > limits.requests || used.records + records > limits.records))
      return false;
    used.requests += requests;
    used.records += records;
    return true;
  }
  QuotaUse quota_used(const std::string& day) override {
    std::lock_guard lock(mutex_);
    auto it = used_.find(day);
    return it == used_.end() ? QuotaUse{} : it->second;
  }

 private:
  std::mutex mutex_;
  std::string state_;
  std::map<std::string, QuotaUse> used_;
};

}  // namespace tw::sources
