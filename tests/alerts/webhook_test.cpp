// The webhook sink and the outbox against a real HTTP receiver (cpp-httplib)
// on 127.0.0.1: exact JSON, a receiver that is down then up, 500s retried,
// timeouts, and each appearance delivered once per sink.
#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>

#include "alerts/alert_test_support.h"
#include "alerts/outbox.h"
#include "alerts/sink.h"
#include "core/errors.h"

namespace tw::alerts {
namespace {

using namespace std::chrono_literals;

// Records every POST to /hook and answers with the status the test sets.
class Receiver {
 public:
  explicit Receiver(int port = 0) {
    server_.Post("/hook", [this](const httplib::Request& request, httplib::Response& response) {
      std::lock_guard lock(mutex_);
      bodies_.push_back(request.body);
      content_types_.push_back(request.get_header_value("Content-Type"));
      response.status = status_;
      response.set_content(status_ == 200 ? "ok" : "receiver says no", "text/plain");
      if (delay_.count() > 0) std::this_thread::sleep_for(delay_);
    });
    port_ = port ? (server_.bind_to_port("127.0.0.1", port) ? port : -1)
                 : server_.bind_to_any_port("127.0.0.1");
    if (port_ <= 0) throw std::runtime_error("cannot bind the test receiver");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // httplib's stop() does nothing until the accept loop runs.
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (!server_.is_running() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(1ms);
    }
  }
  ~Receiver() { stop(); }
  void stop() {
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }
  void answer(int status) {
    std::lock_guard lock(mutex_);
    status_ = status;
  }
  void delay(std::chrono::milliseconds d) { delay_ = d; }
  std::vector<std::string> bodies() {
    std::lock_guard lock(mutex_);
    return bodies_;
  }
  std::vector<std::string> content_types() {
    std::lock_guard lock(mutex_);
    return content_types_;
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mutex_;
  int status_ = 200;
  std::chrono::milliseconds delay_{0};
  std::vector<std::string> bodies_, content_types_;
};

std::vector<std::unique_ptr<Sink>> webhook(const std::string& url,
                                           std::chrono::milliseconds timeout = 5s) {
  SinkConfig config;
  config.kind = "webhook";
  config.name = "hook";
  config.url = url;
  config.timeout = timeout;
  std::vector<std::unique_ptr<Sink>> sinks;
  sinks.push_back(make_sink(config));
  return sinks;
}

TEST(Webhook, PostsTheExactJsonOfTheContract) {
  Receiver receiver;
  testing::StoreWithAppearances fixture({"hook"});
  Outbox outbox(*fixture.store, webhook(receiver.url()));
  EXPECT_EQ(outbox.sink_names(), std::vector<std::string>{"hook"});
  DeliveryReport report = outbox.deliver_due();
  EXPECT_EQ(report.delivered, 1);
  EXPECT_EQ(report.failed, 0);

  auto bodies = receiver.bodies();
  ASSERT_EQ(bodies.size(), 1u);
  EXPECT_EQ(receiver.content_types()[0], "application/json");
  auto body = nlohmann::json::parse(bodies[0]);
  nlohmann::json video = {{"id", "7300000000000000001"},
                          {"url", "https://www.tiktok.com/@someone/video/7300000000000000001"},
                          {"title", testing::kNastyTitle},
                          {"author", "some<one>"},
                          {"source", "demo"},
                          {"stats", testing::fixture_stats_json()},
                          {"hashtags", {"news", "Jesper"}}};
  EXPECT_EQ(body.size(), 9u);
  EXPECT_EQ(body["id"], fixture.appearance_ids[0]);
  EXPECT_EQ(body["type"], "appearance");
  EXPECT_EQ(body["target"], "jesper");
  EXPECT_EQ(body["video"], video);
  EXPECT_EQ(body["start"], 3.0);
  EXPECT_EQ(body["end"], 5.25);
  EXPECT_EQ(body["score"], 0.8125);
  EXPECT_EQ(body["evidence"], (fixture.dir / "frame0.jpg").string());
  std::string text = body["text"];
  EXPECT_EQ(text.find('\n'), std::string::npos);
  EXPECT_NE(text.find("jesper seen at 0:03.0-0:05.3"), std::string::npos) << text;

  auto deliveries = fixture.store->deliveries_for(fixture.appearance_ids[0]);
  ASSERT_EQ(deliveries.size(), 1u);
  EXPECT_EQ(deliveries[0].state, store::DeliveryState::delivered);
  fixture.advance(1h);
  EXPECT_EQ(outbox.deliver_due().delivered, 0);  // once
  EXPECT_EQ(receiver.bodies().size(), 1u);
}

TEST(Webhook, AReceiverThatIsDownGetsTheAlertWhenItIsBackExactlyOnce) {
  int port = 0;
  {
    Receiver probe;  // learn a free port, then close it: the receiver is "down"
    port = probe.port();
  }
  testing::StoreWithAppearances fixture({"hook"}, 3);
  Outbox outbox(*fixture.store, webhook("http://127.0.0.1:" + std::to_string(port) + "/hook"));
  DeliveryReport down = outbox.deliver_due();
  EXPECT_EQ(down.delivered, 0);
  EXPECT_EQ(down.failed, 1);
  EXPECT_EQ(down.skipped, 2);  // one probe per round, not one timeout per alert
  auto pending = fixture.store->deliveries_for(fixture.appearance_ids[0]);
  EXPECT_EQ(pending[0].state, store::DeliveryState::pending);
  EXPECT_EQ(pending[0].attempts, 1);
  EXPECT_NE(pending[0].last_error.find("POST http://127.0.0.1:"), std::string::npos);

  Receiver receiver(port);                       // back up
  EXPECT_EQ(outbox.deliver_due().delivered, 2);  // the failed one waits for its backoff
  fixture.advance(10s);
  EXPECT_EQ(outbox.deliver_due().delivered, 1);
  fixture.advance(1h);
  EXPECT_EQ(outbox.deliver_due().delivered, 0);
  auto bodies = receiver.bodies();
  ASSERT_EQ(bodies.size(), 3u);
  std::set<std::string> ids;
  for (const auto& b : bodies) ids.insert(nlohmann::json::parse(b)["id"].get<std::string>());
  EXPECT_EQ(ids,
            std::set<std::string>(fixture.appearance_ids.begin(), fixture.appearance_ids.end()));
  EXPECT_EQ(fixture.store->queue_depth().deliveries_delivered, 3);
}

TEST(Webhook, ServerErrorsAreRetriedWithBackoff) {
  Receiver receiver;
  receiver.answer(500);
  testing::StoreWithAppearances fixture({"hook"});
  Outbox outbox(*fixture.store, webhook(receiver.url()));
  EXPECT_EQ(outbox.deliver_due().failed, 1);
  auto d = fixture.store->deliveries_for(fixture.appearance_ids[0])[0];
  EXPECT_NE(d.last_error.find("HTTP 500: receiver says no"), std::string::npos) << d.last_error;
  EXPECT_EQ(d.next_attempt_at, fixture.store->now() + 10'000);
  fixture.advance(10s);
  receiver.answer(404);
  EXPECT_EQ(outbox.deliver_due().failed, 1);
  d = fixture.store->deliveries_for(fixture.appearance_ids[0])[0];
  EXPECT_EQ(d.next_attempt_at, fixture.store->now() + 20'000);
  fixture.advance(19s);
  EXPECT_EQ(outbox.deliver_due().delivered + outbox.deliver_due().failed, 0);  // not yet
  fixture.advance(1s);
  receiver.answer(200);
  EXPECT_EQ(outbox.deliver_due().delivered, 1);
  auto bodies = receiver.bodies();
  ASSERT_EQ(bodies.size(), 3u);
  EXPECT_EQ(bodies[0], bodies[2]);  // the same alert, same id, each time
  EXPECT_EQ(fixture.store->deliveries_for(fixture.appearance_ids[0])[0].attempts, 3);
}

TEST(Webhook, ASlowReceiverTimesOut) {
  Receiver receiver;
  receiver.delay(1500ms);
  testing::StoreWithAppearances fixture({"hook"});
  Outbox outbox(*fixture.store, webhook(receiver.url(), 300ms));
  auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(outbox.deliver_due().failed, 1);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1200ms);
  auto d = fixture.store->deliveries_for(fixture.appearance_ids[0])[0];
  EXPECT_NE(d.last_error.find("timed out"), std::string::npos) << d.last_error;
}

TEST(Webhook, AFailingSinkDoesNotHoldUpAnother) {
  std::ostringstream console;
  int port = 0;
  {
    Receiver probe;
    port = probe.port();
  }
  testing::StoreWithAppearances fixture({"hook", "console"}, 2);
  auto sinks = webhook("http://127.0.0.1:" + std::to_string(port) + "/hook");
  sinks.push_back(make_console_sink("console", console));
  Outbox outbox(*fixture.store, std::move(sinks));
  DeliveryReport report = outbox.deliver_due();
  EXPECT_EQ(report.delivered, 2);
  EXPECT_EQ(report.failed + report.skipped, 2);
  std::string lines = console.str();
  EXPECT_EQ(std::count(lines.begin(), lines.end(), '\n'), 2);
  EXPECT_NE(lines.find("[" + fixture.appearance_ids[0] + "]"), std::string::npos);
}

// A receiver that takes connections (the kernel completes the handshake on
// its backlog) and never reads nor answers: a hung process behind the port.
class SilentReceiver {
 public:
  SilentReceiver() : port_(testing::free_port()) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int yes = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(static_cast<std::uint16_t>(port_));
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(fd_, 16) != 0)
      throw std::runtime_error("cannot bind the silent receiver");
  }
  ~SilentReceiver() { close(); }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }

 private:
  int port_;
  int fd_ = -1;
};

// Fault injection (issue 19): the webhook hangs.  One timeout per round (not
// one per alert), the console sink delivers meanwhile, and once a receiver
// answers on that port each alert arrives there exactly once.
TEST(Webhook, AReceiverThatAcceptsAndNeverAnswersCostsOneTimeoutNotTheOtherSinks) {
  SilentReceiver silent;
  std::ostringstream console;
  testing::StoreWithAppearances fixture({"hook", "console"}, 3);
  auto sinks = webhook(silent.url(), 500ms);
  sinks.push_back(make_console_sink("console", console));
  Outbox outbox(*fixture.store, std::move(sinks));
  const auto started = std::chrono::steady_clock::now();
  DeliveryReport report = outbox.deliver_due();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
  EXPECT_EQ(report.delivered, 3);
  EXPECT_EQ(report.failed, 1);
  EXPECT_EQ(report.skipped, 2);
  const std::string lines = console.str();
  EXPECT_EQ(std::count(lines.begin(), lines.end(), '\n'), 3);
  for (const auto& id : fixture.appearance_ids) {
    for (const auto& d : fixture.store->deliveries_for(id)) {
      if (d.sink != "hook") continue;
      EXPECT_EQ(d.state, store::DeliveryState::pending);
      if (d.attempts > 0) {
        EXPECT_NE(d.last_error.find("timed out"), std::string::npos) << d.last_error;
      }
    }
  }

  silent.close();
  Receiver receiver(silent.port());
  for (int round = 0; round < 3; ++round) {
    fixture.advance(1h);
    outbox.deliver_due();
  }
  std::set<std::string> ids;
  for (const auto& body : receiver.bodies())
    ids.insert(nlohmann::json::parse(body)["id"].get<std::string>());
  EXPECT_EQ(receiver.bodies().size(), 3u);
  EXPECT_EQ(ids,
            std::set<std::string>(fixture.appearance_ids.begin(), fixture.appearance_ids.end()));
  EXPECT_EQ(fixture.store->queue_depth().deliveries_delivered, 6);
}

TEST(Sinks, BadConfigsAreRefusedWithTheReason) {
  SinkConfig config;
  config.kind = "pager";
  EXPECT_THROW(make_sink(config), InputError);
  config.kind = "webhook";
  config.url = "ftp://x";
  EXPECT_THROW(make_sink(config), InputError);
  config.kind = "email";
  config.smtp = "smtp://127.0.0.1:25";
  config.from = "a@example.org";
  EXPECT_THROW(make_sink(config), InputError);  // no `to`
  config.to = {"b@example.org\r\nBcc: c@example.org"};
  EXPECT_THROW(make_sink(config), InputError);
  config.kind = "command";
  EXPECT_THROW(make_sink(config), InputError);  // no argv
  config.kind = "console";
  EXPECT_EQ(make_sink(config)->name(), "console");
}

TEST(Sinks, AreMadeFromTheConfigFile) {
  Config config = parse_config(R"toml(
[[alert]]
kind = "webhook"
url = "http://127.0.0.1:9/hook"
timeout = "3s"

[[alert]]
kind = "command"
name = "notify"
command = ["notify-send", "trendwatch"]

[[alert]]
kind = "console"
)toml",
                               "test.toml", "/tmp", Home{"/tmp"});
  auto sinks = make_sinks(config.alerts);
  ASSERT_EQ(sinks.size(), 3u);
  EXPECT_EQ(sinks[0]->name(), config.alerts[0].name);
  EXPECT_EQ(sinks[1]->name(), "notify");
  EXPECT_EQ(sink_config(config.alerts[0]).timeout, 3s);
  EXPECT_EQ(sink_config(config.alerts[1]).command,
            (std::vector<std::string>{"notify-send", "trendwatch"}));
  config.alerts[2].name = "notify";
  EXPECT_THROW(make_sinks(config.alerts), InputError);
}

}  // namespace
}  // namespace tw::alerts
