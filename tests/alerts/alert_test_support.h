#pragma once
// A store on disk holding one scanned video with appearances, for the alert
// tests; the clock is moved by hand so that retries come when the test says.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "store/store.h"
#include "support/test_support.h"

namespace tw::alerts::testing {

// Quotes, a newline, a command substitution and SQL: must arrive verbatim.
inline const std::string kNastyTitle =
    "Jesper's \"big\" day\n$(touch PWNED) `id` <!channel> & '; DROP TABLE videos; --";

// A TCP port on 127.0.0.1 that was free a moment ago.
inline int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

struct StoreWithAppearances {
  std::filesystem::path dir = tw::test::fresh_dir("alerts");
  std::shared_ptr<std::atomic<store::Millis>> clock =
      std::make_shared<std::atomic<store::Millis>>(1'700'000'000'000);
  std::unique_ptr<store::Store> store;
  std::vector<std::string> appearance_ids;

  StoreWithAppearances(const std::vector<std::string>& sinks, int appearances = 1,
                       const std::string& title = kNastyTitle) {
    store::StoreOptions options;
    auto shared = clock;
    options.clock = [shared] { return shared->load(); };
    options.retry.delivery_retry_base = std::chrono::seconds(10);
    options.retry.delivery_retry_cap = std::chrono::minutes(5);
    store = store::open_store((dir / "trendwatch.db").string(), options);
    VideoRef video;
    video.platform = "tiktok";
    video.id = "7300000000000000001";
    video.url = "https://www.tiktok.com/@someone/video/7300000000000000001";
    video.title = title;
    video.author = "some<one>";
    video.source = "demo";
    auto queued = store->enqueue_video(video);
    store->claim_video("worker", std::chrono::minutes(1));
    store::FinishedScan result;
    result.video_id = queued.video_id;
    result.worker = "worker";
    result.target_set_version = "v1";
    for (int i = 0; i < appearances; ++i) {
      Appearance a;
      a.target = "jesper";
      a.start = 3.0 + 10 * i;
      a.end = 5.25 + 10 * i;
      a.best_time = 4.0 + 10 * i;
      a.best_score = 0.8125f;
      a.box = Box{10, 20, 30, 40};
      a.frames = 11;
      a.evidence_frame = (dir / ("frame" + std::to_string(i) + ".jpg")).string();
      result.appearances.push_back(a);
    }
    result.sinks = sinks;
    appearance_ids = store->complete_scan(result).appearance_ids;
  }

  void advance(std::chrono::milliseconds d) { clock->fetch_add(d.count()); }
};

}  // namespace tw::alerts::testing
