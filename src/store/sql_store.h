#pragma once
// The Store written once over a Connection: every query, transaction and
// retry rule, for SQLite and PostgreSQL alike.  A back end only opens its
// Connection (sqlite_store.cpp, postgres_store.cpp); the dialect differences
// are tokens in the statement text (dialect.h).
//
// The methods are defined in sql_store.cpp (sources, the video queue),
// sql_store_outbox.cpp (deliveries, dashboard queries), sql_store_figures.cpp
// (observations, refreshes, quotas, source state, listings) and
// sql_store_trends.cpp (trend counts, surges).
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "store/connection.h"
#include "store/store.h"

namespace tw::store {

class SqlStore final : public Store {
 public:
  // Migrates the database to the latest schema (throws InputError, naming
  // the database, when its schema is newer than this build knows).
  SqlStore(std::unique_ptr<Connection> connection, const StoreOptions& options);

  Millis now() const override;
  int schema_version() const override;

  void upsert_source(const SourceIdentity& source) override;
  void record_poll_success(const std::string& source, std::chrono::milliseconds next_in,
                           const std::vector<std::string>& warnings) override;
  void record_poll_failure(const std::string& source, const std::string& error,
                           std::chrono::milliseconds next_in) override;
  std::vector<SourceRecord> sources() const override;
  std::vector<std::string> due_sources() const override;
  std::string source_state(const std::string& source) const override;
  void set_source_state(const std::string& source, const std::string& json) override;

  EnqueueResult enqueue_video(const VideoRef& video) override;
  int rescan(const std::string& target_set_version) override;
  std::optional<VideoRecord> claim_video(const std::string& owner,
                                         std::chrono::milliseconds lease) override;
  bool renew_lease(std::int64_t video_id, const std::string& owner,
                   std::chrono::milliseconds lease) override;
  bool release_video(std::int64_t video_id, const std::string& owner) override;
  bool expire_lease(std::int64_t video_id, const std::string& owner) override;
  CompletedScan complete_scan(const FinishedScan& result) override;
  VideoState fail_scan(std::int64_t video_id, const std::string& worker, const std::string& error,
                       Millis started_at, ScanFailure kind = ScanFailure::error) override;

  void record_observation(std::int64_t video_id, const VideoStats& stats) override;
  std::vector<VideoStats> observations(std::int64_t video_id) const override;
  void mark_refreshed(std::int64_t video_id) override;
  std::vector<VideoRecord> videos_to_refresh(std::chrono::milliseconds refresh_every,
                                             std::chrono::milliseconds refresh_for,
                                             int limit) const override;

  QuotaUsage quota_usage(const std::string& key, const std::string& day) const override;
  bool consume_quota(const std::string& key, const std::string& day, std::int64_t requests,
                     std::int64_t records, const QuotaUsage& max) override;

  std::vector<TrendVideo> trend_videos(const std::string& target, Millis since,
                                       Millis until) const override;
  std::optional<SurgeRecord> open_surge(const std::string& target) const override;
  bool start_surge(const SurgeRecord& surge, const std::vector<std::string>& sinks) override;
  void end_surge(const std::string& id, Millis ended_at) override;
  std::optional<SurgeRecord> surge(const std::string& id) const override;
  std::vector<SurgeRecord> surges(const std::string& target, Millis since) const override;

  std::vector<DeliveryRecord> due_deliveries(const std::vector<std::string>& sinks,
                                             int limit) override;
  void mark_delivered(std::int64_t delivery_id) override;
  DeliveryRecord mark_delivery_failed(std::int64_t delivery_id, const std::string& error) override;
  std::vector<DeliveryRecord> deliveries_for(const std::string& appearance_id) const override;

  std::vector<AppearanceRecord> appearances(const AppearanceFilter& filter) const override;
  std::optional<AppearanceRecord> appearance(const std::string& id) const override;
  bool set_verdict(const std::string& appearance_id, Verdict verdict) override;
  std::optional<VideoRecord> find_video(const std::string& platform,
                                        const std::string& id) const override;
  std::optional<VideoDetail> video(std::int64_t video_id) const override;
  std::vector<VideoRecord> videos(std::optional<VideoState> state, int limit,
                                  int offset) const override;
  std::vector<VideoRecord> list_videos(const VideoQuery& query) const override;
  std::vector<TargetSummary> targets() const override;
  QueueDepth queue_depth() const override;

 private:
  // Runs `body` as one transaction of `access`, with this object's calls
  // serialized; the fault-injection hook runs just before a write commits.
  template <class Body>
  auto transact(std::string_view operation, Access access, Body&& body) const {
    using Value = decltype(body());
    std::lock_guard lock(mutex_);
    if constexpr (std::is_void_v<Value>) {
      connection_->transaction(access, [&] {
        body();
        before_commit(operation, access);
      });
    } else {
      std::optional<Value> value;
      connection_->transaction(access, [&] {
        value.emplace(body());
        before_commit(operation, access);
      });
      return std::move(*value);
    }
  }
  void before_commit(std::string_view operation, Access access) const;

  // One statement written in the shared text (dialect.h), inside transact.
  Result run(std::string_view sql, const SqlValues& parameters = {}) const;

  void migrate();
  int current_version() const;
  std::optional<VideoRecord> load_video(std::int64_t id, bool lock) const;
  std::optional<DeliveryRecord> load_delivery(std::int64_t id, bool lock) const;
  // The videos a query of select_videos() lists, in a read transaction.
  std::vector<VideoRecord> read_videos(std::string_view operation, const std::string& sql,
                                       const SqlValues& parameters) const;
  // Inside enqueue_video's transaction: returns the known video's id.
  std::int64_t gain_metadata(const VideoRef& video, const std::vector<std::string>& hashtags,
                             std::optional<Millis> posted_ms);
  // Inside a write transaction: false when this video, source and instant
  // already have one.  Moves the latest figures when it is the newest.
  bool add_observation(std::int64_t video_id, const VideoStats& stats, Millis now);

  StoreOptions options_;
  std::unique_ptr<Connection> connection_;
  mutable std::mutex mutex_;
};

}  // namespace tw::store
