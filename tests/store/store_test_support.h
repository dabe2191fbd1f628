#pragma once
// Helpers for the store tests: a clock the test moves by hand, sample rows,
// and raw SQLite reads that bypass the Store (to see what is really on disk).
#include <sqlite3.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include "store/store.h"

namespace tw::store::testing {

struct ManualClock {
  std::shared_ptr<std::atomic<Millis>> ms =
      std::make_shared<std::atomic<Millis>>(1'700'000'000'000);
  Millis now() const { return ms->load(); }
  void advance(std::chrono::milliseconds d) { ms->fetch_add(d.count()); }
  std::function<Millis()> function() const {
    auto shared = ms;
    return [shared] { return shared->load(); };
  }
};

inline VideoRef sample_video(const std::string& id, const std::string& title = "a video") {
  VideoRef v;
  v.platform = "tiktok";
  v.id = id;
  v.url = "https://www.tiktok.com/@someone/video/" + id;
  v.title = title;
  v.author = "someone";
  v.posted_at = "2026-11-20T10:00:00Z";
  v.source = "demo";
  return v;
}

inline Appearance sample_appearance(const std::string& target, double start, double end) {
  Appearance a;
  a.target = target;
  a.start = start;
  a.end = end;
  a.best_time = (start + end) / 2;
  a.best_score = 0.8f;
  a.best_distance = 0.4f;
  a.box = Box{10, 20, 30, 40};
  a.frames = 7;
  a.evidence_frame = "/evidence/" + target + "-frame.jpg";
  a.evidence_crop = "/evidence/" + target + "-crop.jpg";
  return a;
}

// A finished scan of `video_id` by `worker` with one Jesper appearance,
// for the console sink.
inline FinishedScan one_hit_scan(std::int64_t video_id, const std::string& worker) {
  FinishedScan result;
  result.video_id = video_id;
  result.worker = worker;
  result.target_set_version = "v1";
  result.appearances = {sample_appearance("jesper", 1, 2)};
  result.sinks = {"console"};
  return result;
}

// Opens the file with the bare sqlite3 API and returns one integer.
inline long long query_integer(const std::filesystem::path& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    throw std::runtime_error("cannot open " + db_path.string());
  }
  sqlite3_stmt* stmt = nullptr;
  long long value = -1;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW) {
    value = sqlite3_column_int64(stmt, 0);
  }
  std::string error = sqlite3_errmsg(db);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  if (value == -1) throw std::runtime_error(sql + ": " + error);
  return value;
}

inline std::string query_text(const std::filesystem::path& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr);
  sqlite3_stmt* stmt = nullptr;
  std::string value;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0)) {
    value = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return value;
}

// Runs SQL (several statements) on the file, creating it when missing.
inline void execute(const std::filesystem::path& db_path, const std::string& sql) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  char* error = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  std::string message = error ? error : "";
  sqlite3_free(error);
  sqlite3_close(db);
  if (rc != SQLITE_OK) throw std::runtime_error(sql + ": " + message);
}

}  // namespace tw::store::testing
