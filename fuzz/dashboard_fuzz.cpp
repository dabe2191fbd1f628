// The dashboard's HTTP requests (server/dashboard.h): request line, headers,
// query parameters (limit, offset, verdict, video, target, token) and JSON
// bodies (verdicts), through httplib's parser and every route, answered by
// two servers over one SQLite store: one without a token (loopback Host and
// same-origin checks) and one with.  A request must never be a 5xx.
#include <memory>

#include "fuzz/fuzz_support.h"
#include "server/dashboard.h"
#include "store/store.h"

namespace {

struct Dashboards {
  std::unique_ptr<tw::store::Store> store;
  std::unique_ptr<tw::server::DashboardServer> open, with_token;
};

Dashboards& dashboards() {
  static Dashboards d = [] {
    Dashboards made;
    const auto dir = tw::fuzz::scratch_dir();
    made.store = tw::store::open_store("sqlite://" + (dir / "dashboard.db").string());
    auto& db = *made.store;
    db.upsert_source({"feed", "urls", "http://127.0.0.1:8000/list.txt"});
    db.record_poll_failure("feed", "listing failed: <b>HTTP 500</b>", std::chrono::minutes(5));
    tw::VideoRef video;
    video.platform = "tiktok";
    video.id = "7301234567890123456";
    video.url = "https://www.tiktok.com/@a/video/1";
    video.title = "a \"title\" <script>";
    video.author = "@a";
    video.posted_at = "2026-11-19T18:02:11Z";
    video.source = "feed";
    db.enqueue_video(video);
    tw::server::ServerOptions options;
    options.evidence_root = dir / "evidence";
    made.open = std::make_unique<tw::server::DashboardServer>(db, options);
    options.token = "fuzz-token";
    made.with_token = std::make_unique<tw::server::DashboardServer>(db, options);
    return made;
  }();
  return d;
}

void check(const std::string& response) {
  // "HTTP/1.1 500 ..." is an unexpected exception in a handler.
  if (response.rfind("HTTP/1.1 5", 0) == 0) tw::fuzz::fail("a 5xx answer: " + response);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string request = tw::fuzz::text_of(data, size);
  check(dashboards().open->respond(request));
  check(dashboards().with_token->respond(request));
  return 0;
}
