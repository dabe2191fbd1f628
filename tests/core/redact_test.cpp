// core/redact.h: every kind of secret hidden, everything else kept, and the
// remembered secrets of a config hidden wherever they turn up.
#include "core/redact.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "core/config.h"

namespace {

using tw::redact_text;
using tw::redact_url;
using tw::redact_webhook_url;

class Redact : public ::testing::Test {
 protected:
  void SetUp() override { tw::forget_secrets(); }
  void TearDown() override { tw::forget_secrets(); }
};

TEST_F(Redact, StoreUrlPasswordHiddenUserHostAndDatabaseKept) {
  EXPECT_EQ(redact_url("postgresql://tw:s3cret@db.example:5432/trendwatch"),
            "postgresql://tw:***@db.example:5432/trendwatch");
  EXPECT_EQ(redact_url("postgresql://tw@db/trendwatch?password=s3cret&sslmode=require"),
            "postgresql://tw@db/trendwatch?password=***&sslmode=require");
  // An '@' inside the password: the last one ends the user information.
  EXPECT_EQ(redact_url("postgresql://tw:p@ss@db/x"), "postgresql://tw:***@db/x");
  // Nothing secret: unchanged.
  EXPECT_EQ(redact_url("sqlite:///var/lib/trendwatch/trendwatch.db"),
            "sqlite:///var/lib/trendwatch/trendwatch.db");
  EXPECT_EQ(redact_url("postgresql://tw@db/trendwatch"), "postgresql://tw@db/trendwatch");
}

TEST_F(Redact, SecretQueryParametersHiddenOthersKept) {
  EXPECT_EQ(redact_url("https://api.example/list?user=a&token=t0k&api_key=k3y&page=2#x"),
            "https://api.example/list?user=a&token=***&api_key=***&page=2#x");
  EXPECT_EQ(redact_url("https://cdn.example/v.mp4?Signature=abc&Expires=1"),
            "https://cdn.example/v.mp4?Signature=***&Expires=1");
  EXPECT_EQ(redact_url("https://app.example/cb#access_token=abc&state=1"),
            "https://app.example/cb#access_token=***&state=1");
  // A libpq key/value string rather than a URL.
  EXPECT_EQ(redact_url("host=db user=tw password=s3cret"), "host=db user=tw password=***");
}

TEST_F(Redact, WebhookUrlKeepsOnlySchemeHostAndPort) {
  EXPECT_EQ(redact_webhook_url("https://hooks.slack.com/services/T000/B000/XXXX"),
            "https://hooks.slack.com/***");
  EXPECT_EQ(redact_webhook_url("http://127.0.0.1:9000/hook/abc?key=1"),
            "http://127.0.0.1:9000/***");
  EXPECT_EQ(redact_webhook_url("http://user:pw@127.0.0.1:9000"), "http://127.0.0.1:9000");
  EXPECT_EQ(redact_webhook_url("not a url"), "***");
}

TEST_F(Redact, FreeTextHidesUrlsAuthorizationAndSecretKeys) {
  EXPECT_EQ(redact_text("cannot connect to smtp://me:hunter22@mail:25: refused"),
            "cannot connect to smtp://me:***@mail:25: refused");
  EXPECT_EQ(redact_text("sent Authorization: Bearer abc.def.ghi.jkl to the API"),
            "sent Authorization: Bearer *** to the API");
  EXPECT_EQ(redact_text("curl -H 'Authorization: Basic dXNlcjpwYXNzd29yZA=='"),
            "curl -H 'Authorization: Basic ***'");
  EXPECT_EQ(redact_text("token=abc123&next=1"), "token=***&next=1");
  EXPECT_EQ(redact_text(R"({"client_secret": "sh!h", "client_key": "ck", "id": 7})"),
            R"({"client_secret": "***", "client_key": "***", "id": 7})");
  EXPECT_EQ(redact_text("api_key=abc123 failed"), "api_key=*** failed");
  // Ordinary prose and figures are left alone.
  EXPECT_EQ(redact_text("password authentication failed for user \"tw\""),
            "password authentication failed for user \"tw\"");
  EXPECT_EQ(redact_text("HTTP 500: listed 3 videos in 2.5 s"),
            "HTTP 500: listed 3 videos in 2.5 s");
  for (const char* title : {"author: someone", "Monkey: the movie", "The Bearer of bad news",
                            "Basic instincts: a remake", "keynote: secrets of the trade"})
    EXPECT_EQ(redact_text(title), title);
}

TEST_F(Redact, RememberedSecretsHiddenInAnyShape) {
  tw::remember_secret("ab");  // too short: ordinary words would vanish
  EXPECT_EQ(redact_text("about"), "about");
  tw::remember_secret("zq-very-secret-token");
  EXPECT_EQ(redact_text("child said: zq-very-secret-token rejected"), "child said: *** rejected");
}

TEST_F(Redact, ConfigSecretsRemembered) {
  ::setenv("TW_REDACT_TEST_CLIENT_SECRET", "cs-0123456789", 1);
  tw::Config config;
  config.store.url = "postgresql://tw:pg%21pass@db/trendwatch";
  tw::AlertConfig webhook;
  webhook.kind = tw::AlertKind::webhook;
  webhook.url = "https://hooks.example/services/T1/B2/secretpath?sig=qq";
  tw::AlertConfig email;
  email.kind = tw::AlertKind::email;
  email.smtp = "smtp://desk:mailpass9@127.0.0.1:2525";
  config.alerts = {webhook, email};
  tw::SourceConfig research;
  research.client_secret_env = "TW_REDACT_TEST_CLIENT_SECRET";
  config.sources = {research};
  tw::remember_secrets(config);
  ::unsetenv("TW_REDACT_TEST_CLIENT_SECRET");

  // Shapes no URL rule would catch: a decoded password, the webhook URL
  // quoted whole and its path alone, a password and a client secret in prose.
  const std::string leaked =
      "libpq: pg!pass; POST https://hooks.example/services/T1/B2/secretpath?sig=qq; path "
      "/services/T1/B2/secretpath?sig=qq; smtp said mailpass9; env cs-0123456789";
  const std::string shown = redact_text(leaked);
  for (const char* secret : {"pg!pass", "secretpath", "mailpass9", "cs-0123456789", "T1/B2"})
    EXPECT_EQ(shown.find(secret), std::string::npos) << secret << " in " << shown;
  EXPECT_NE(shown.find("https://hooks.example/***"), std::string::npos) << shown;
}

}  // namespace
