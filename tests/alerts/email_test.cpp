// The e-mail sink against a real SMTP server: Debian's python3-aiosmtpd,
// started by the test on 127.0.0.1 and writing what it receives to a Maildir,
// read back with Python's email package.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <opencv2/imgcodecs.hpp>
#include <thread>

#include "alerts/alert_test_support.h"
#include "alerts/outbox.h"
#include "alerts/sink.h"
#include "alerts/smtp_server.h"
#include "core/hash.h"

namespace tw::alerts {
namespace {

using namespace std::chrono_literals;

SinkConfig email_config(const std::string& smtp) {
  SinkConfig config;
  config.kind = "email";
  config.name = "mail";
  config.smtp = smtp;
  config.from = "trendwatch@example.org";
  config.to = {"desk@example.org", "editor@example.org"};
  config.timeout = 10s;
  return config;
}

TEST(EmailSink, SendsTheFactsAndTheThumbnail) {
  if (!std::filesystem::exists(kPython))
    GTEST_SKIP() << "needs Debian's python3 (scripts/install-deps.sh)";
  testing::StoreWithAppearances fixture({"mail"});
  auto thumbnail = fixture.dir / "frame0.jpg";
  cv::Mat image(48, 64, CV_8UC3, cv::Scalar(40, 120, 200));
  ASSERT_TRUE(cv::imwrite(thumbnail.string(), image));
  auto maildir = fixture.dir / "maildir";
  SmtpServer smtp(maildir);
  std::vector<std::unique_ptr<Sink>> sinks;
  sinks.push_back(make_sink(email_config(smtp.url())));
  Outbox outbox(*fixture.store, std::move(sinks));
  DeliveryReport report = outbox.deliver_due();
  ASSERT_EQ(report.delivered, 1)
      << fixture.store->deliveries_for(fixture.appearance_ids[0])[0].last_error;

  nlohmann::json messages = read_maildir(maildir);
  ASSERT_EQ(messages.size(), 1u);
  const auto& m = messages[0];
  EXPECT_EQ(m["subject"],
            "[trendwatch] jesper in \"Jesper's \"big\" day $(touch PWNED) `id` <!channel> & '; "
            "DROP TABLE videos; --\"");
  EXPECT_EQ(m["from"], "trendwatch@example.org");
  EXPECT_EQ(m["to"], "desk@example.org, editor@example.org");
  EXPECT_EQ(m["message_id"], "<" + fixture.appearance_ids[0] + "@trendwatch>");
  std::string text = m["text"];
  EXPECT_NE(text.find("Target:   jesper\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Video:    Jesper's \"big\" day"), std::string::npos) << text;
  EXPECT_NE(text.find("URL:      https://www.tiktok.com/@someone/video/7300000000000000001\n"),
            std::string::npos);
  EXPECT_NE(text.find("On screen 0:03.0 to 0:05.3, best at 0:04.0, score 0.81"), std::string::npos);
  EXPECT_NE(text.find("Reach:    12345 views\n"), std::string::npos) << text;  // no likes given
  EXPECT_NE(text.find("Alert id: " + fixture.appearance_ids[0]), std::string::npos);
  ASSERT_EQ(m["attachments"].size(), 1u);
  EXPECT_EQ(m["attachments"][0]["content_type"], "image/jpeg");
  EXPECT_EQ(m["attachments"][0]["filename"], "frame0.jpg");
  EXPECT_EQ(m["attachments"][0]["sha256"], sha256_file(thumbnail));
  EXPECT_FALSE(std::filesystem::exists(fixture.dir / "PWNED"));
}

TEST(EmailSink, WithoutTheThumbnailFileTheMailStillGoes) {
  if (!std::filesystem::exists(kPython)) GTEST_SKIP() << "needs Debian's python3";
  testing::StoreWithAppearances fixture({"mail"}, 1, "plain title");
  auto maildir = fixture.dir / "maildir";
  SmtpServer smtp(maildir);
  auto sink = make_sink(email_config(smtp.url()));
  sink->send(make_alert(*fixture.store->appearance(fixture.appearance_ids[0])));
  nlohmann::json messages = read_maildir(maildir);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_EQ(messages[0]["subject"], "[trendwatch] jesper in \"plain title\"");
  EXPECT_TRUE(messages[0]["attachments"].empty());
}

TEST(EmailSink, AServerThatIsDownIsADeliveryError) {
  testing::StoreWithAppearances fixture({"mail"});
  auto sink = make_sink(email_config("smtp://127.0.0.1:" + std::to_string(testing::free_port())));
  EXPECT_THROW(sink->send(make_alert(*fixture.store->appearance(fixture.appearance_ids[0]))),
               DeliveryError);
}

}  // namespace
}  // namespace tw::alerts
