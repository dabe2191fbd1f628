// The outbox and the kinds of delivery: a trend surge's delivery is not taken
// for an appearance (trend alerts are sent once the trends work teaches the
// outbox how); it fails and backs off, and appearances still go out.
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "alerts/alert_test_support.h"
#include "alerts/outbox.h"
#include "alerts/sink.h"

namespace tw::alerts {
namespace {

TEST(OutboxKinds, ATrendDeliveryIsNotSentAsAnAppearance) {
  testing::StoreWithAppearances fixture({"console"});
  store::SurgeRecord surge;
  surge.id = fixture.appearance_ids.at(0) + "-surge";
  surge.target = "jesper";
  ASSERT_TRUE(fixture.store->start_surge(surge, {"console"}));
  std::ostringstream console;
  std::vector<std::unique_ptr<Sink>> sinks;
  sinks.push_back(make_console_sink("console", console));
  Outbox outbox(*fixture.store, std::move(sinks));

  DeliveryReport report = outbox.deliver_due();
  EXPECT_EQ(report.delivered, 1);
  EXPECT_EQ(report.failed, 1);
  std::string lines = console.str();
  EXPECT_EQ(std::count(lines.begin(), lines.end(), '\n'), 1);
  EXPECT_NE(lines.find("[" + fixture.appearance_ids[0] + "]"), std::string::npos);
  auto trend = fixture.store->deliveries_for(surge.id).at(0);
  EXPECT_EQ(trend.kind, store::kTrendDelivery);
  EXPECT_EQ(trend.state, store::DeliveryState::pending);
  EXPECT_EQ(trend.attempts, 1);
  EXPECT_NE(trend.last_error.find("'trend'"), std::string::npos) << trend.last_error;
  EXPECT_EQ(fixture.store->deliveries_for(fixture.appearance_ids[0]).at(0).state,
            store::DeliveryState::delivered);
}

}  // namespace
}  // namespace tw::alerts
