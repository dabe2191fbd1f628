// The outbox and the kinds of delivery: a trend surge's delivery is sent as
// the surge's alert (a row without a payload, from its figures), never taken
// for an appearance, and appearances still go out.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "alerts/alert_test_support.h"
#include "alerts/outbox.h"
#include "alerts/sink.h"

namespace tw::alerts {
namespace {

TEST(OutboxKinds, ATrendDeliveryIsSentAsItsSurgeNotAsAnAppearance) {
  testing::StoreWithAppearances fixture({"console"});
  store::SurgeRecord surge;
  surge.id = fixture.appearance_ids.at(0) + "-surge";
  surge.target = "jesper";
  surge.reason = "7 videos in the last 6h";
  surge.window_ms = 6 * 3600 * 1000;
  ASSERT_TRUE(fixture.store->start_surge(surge, {"console"}));
  std::ostringstream console;
  std::vector<std::unique_ptr<Sink>> sinks;
  sinks.push_back(make_console_sink("console", console));
  Outbox outbox(*fixture.store, std::move(sinks));

  DeliveryReport report = outbox.deliver_due();
  EXPECT_EQ(report.delivered, 2);
  EXPECT_EQ(report.failed, 0);
  std::string lines = console.str();
  EXPECT_EQ(std::count(lines.begin(), lines.end(), '\n'), 2);
  EXPECT_NE(lines.find("[" + fixture.appearance_ids[0] + "]"), std::string::npos);
  EXPECT_NE(lines.find("trendwatch: jesper is surging: 7 videos in the last 6h [" + surge.id + "]"),
            std::string::npos)
      << lines;
  EXPECT_EQ(fixture.store->deliveries_for(surge.id).at(0).state, store::DeliveryState::delivered);
}

}  // namespace
}  // namespace tw::alerts
