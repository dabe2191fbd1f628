// The command sink: the configured argv gets the alert JSON on stdin; nothing
// in the alert is ever run by a shell; failures and hangs are reported.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "alerts/alert_test_support.h"
#include "alerts/outbox.h"
#include "alerts/sink.h"

namespace tw::alerts {
namespace {

using namespace std::chrono_literals;
using tw::test::read_file;

std::unique_ptr<Sink> command_sink(std::vector<std::string> argv,
                                   std::chrono::milliseconds timeout = 10s) {
  SinkConfig config;
  config.kind = "command";
  config.name = "cmd";
  config.command = std::move(argv);
  config.timeout = timeout;
  return make_sink(config);
}

Alert first_alert(testing::StoreWithAppearances& fixture) {
  return make_alert(*fixture.store->appearance(fixture.appearance_ids.at(0)));
}

TEST(CommandSink, GetsTheJsonOnStdinAndNeverRunsTheTitle) {
  testing::StoreWithAppearances fixture({"cmd"});
  auto out = fixture.dir / "received.json";
  // The user's configured argv may use a shell; the alert's text is only data.
  std::vector<std::unique_ptr<Sink>> sinks;
  sinks.push_back(
      command_sink({"sh", "-c", "cd \"$1\" && cat > received.json", "sh", fixture.dir.string()}));
  Outbox outbox(*fixture.store, std::move(sinks));
  EXPECT_EQ(outbox.deliver_due().delivered, 1);
  std::string received = read_file(out);
  EXPECT_EQ(received, first_alert(fixture).json);
  EXPECT_EQ(nlohmann::json::parse(received)["video"]["title"], testing::kNastyTitle);
  // The title holds $(touch PWNED): it must not have run, here or in the cwd.
  EXPECT_FALSE(std::filesystem::exists(fixture.dir / "PWNED"));
  EXPECT_FALSE(std::filesystem::exists("PWNED"));
}

TEST(CommandSink, ArgumentsArePassedAsIsWithoutAShell) {
  testing::StoreWithAppearances fixture({"cmd"});
  auto marker = fixture.dir / "marker";
  // Were this joined into a shell string, `;` would run touch.
  auto sink = command_sink({"printf", "%s", "x; touch " + marker.string()});
  sink->send(first_alert(fixture));
  EXPECT_FALSE(std::filesystem::exists(marker));
}

TEST(CommandSink, ANonZeroExitIsAFailureWithWhatItSaid) {
  testing::StoreWithAppearances fixture({"cmd"});
  auto sink = command_sink({"sh", "-c", "cat > /dev/null; echo 'receiver refused' >&2; exit 3"});
  try {
    sink->send(first_alert(fixture));
    FAIL() << "exit 3 counted as delivered";
  } catch (const DeliveryError& e) {
    EXPECT_EQ(std::string(e.what()), "sh: exit status 3: receiver refused");
  }
}

TEST(CommandSink, AHangingCommandIsKilledAtTheTimeout) {
  testing::StoreWithAppearances fixture({"cmd"});
  // sh starts sleep as its child: the whole process group must die.
  auto sink = command_sink({"sh", "-c", "sleep 30; echo late", "sh"}, 300ms);
  auto started = std::chrono::steady_clock::now();
  try {
    sink->send(first_alert(fixture));
    FAIL() << "a hanging command counted as delivered";
  } catch (const DeliveryError& e) {
    EXPECT_NE(std::string(e.what()).find("timed out after 300 ms"), std::string::npos) << e.what();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
}

TEST(CommandSink, AMissingProgramAndOneThatIgnoresStdinAreHandled) {
  testing::StoreWithAppearances fixture({"cmd"});
  try {
    command_sink({"/nonexistent/notify"})->send(first_alert(fixture));
    FAIL();
  } catch (const DeliveryError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/notify"), std::string::npos);
  }
  // `true` exits without reading: no SIGPIPE here, and exit 0 is delivered.
  Alert big = first_alert(fixture);
  big.json += std::string(1 << 20, ' ');
  EXPECT_NO_THROW(command_sink({"true"})->send(big));
}

}  // namespace
}  // namespace tw::alerts
