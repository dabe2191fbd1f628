// Secrets never leave their place (issue 19 item 4): every kind of secret is
// seeded into a real set-up, every path by which one could leak is made to
// run for real (a failing listing, a webhook receiver that fails and echoes
// the URL it was called on, an SMTP server that is not there, a PostgreSQL
// URL with a password), and every output is searched for each secret: the
// binary's stdout and stderr (the event log), `status` as text and JSON, the
// dashboard API's JSON, and the SQLite database's bytes.
#include <gtest/gtest.h>
#include <httplib.h>

#include <map>
#include <thread>

#include "alerts/alert_test_support.h"
#include "server/serve_process.h"
#include "store/postgres_server.h"
#include "support/test_support.h"

namespace fs = std::filesystem;
using namespace tw::test;

namespace {

// The secrets, each one unique text so that a find is a leak.
const std::string kListPassword = "listpass-Ll12";
const std::string kListToken = "listtoken-Qq99";
const std::string kHookPath = "/services/T0SECRET/B0SECRET/hookpath-Zz81";
const std::string kHookQuery = "hookquery-Kk42";
const std::string kSmtpPassword = "smtppass-Mm55";
const std::string kStorePassword = "pgpass-7Qx9";
const std::string kResearchSecret = "research-secret-Rr77";
const std::string kResearchToken = "research-token-Tt66";
const std::string kResearchFileSecret = "research-filesecret-Ff44";
const std::string kDashboardToken = "dash-token-Dd33";

// What must never be found anywhere.
const std::vector<std::string> kSecretTexts = {kListPassword,   kListToken,         "T0SECRET",
                                               "hookpath-Zz81", kHookQuery,         kSmtpPassword,
                                               kStorePassword,  kResearchSecret,    kResearchToken,
                                               kDashboardToken, kResearchFileSecret};

// A web server that fails everything, quoting the address it was called on
// (as some do): GET (a listing) 404, POST (a webhook) 500.
class FailingReceiver {
 public:
  FailingReceiver() {
    // The Research API: a token for the right client secret, else a refusal
    // quoting the secret it was sent; every query refused quoting the
    // Authorization header (the token) and the body.
    server_.Post("/v2/oauth/token/", [](const httplib::Request& req, httplib::Response& res) {
      if (req.body.find(kResearchSecret) != std::string::npos) {
        res.set_content("{\"access_token\": \"" + kResearchToken + "\", \"expires_in\": 7200}",
                        "application/json");
        return;
      }
      res.status = 401;
      res.set_content(
          "{\"error\": \"invalid_client\", \"error_description\": \"bad form " + req.body + "\"}",
          "application/json");
    });
    server_.Post(
        "/v2/research/video/query/", [](const httplib::Request& req, httplib::Response& res) {
          res.status = 400;
          res.set_content("{\"error\": {\"code\": \"invalid_params\", \"message\": \"" +
                              req.get_header_value("Authorization") + " may not ask this\"}}",
                          "application/json");
        });
    server_.Get(".*", [](const httplib::Request& req, httplib::Response& res) {
      res.status = 404;
      res.set_content("no listing at " + req.target, "text/plain");
    });
    server_.Post(".*", [this](const httplib::Request& req, httplib::Response& res) {
      ++posts_;
      res.status = 500;
      res.set_content("no hook at " + req.target, "text/plain");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 500 && !server_.is_running(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ~FailingReceiver() {
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int posts() const { return posts_; }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<int> posts_{0};
};

// The research API's credentials of the environment (the other source's are
// in a file).
std::vector<std::string> secret_environment(const fs::path& home) {
  return {"TRENDWATCH_HOME=" + home.string(), "TW_TEST_RESEARCH_CLIENT_SECRET=" + kResearchSecret,
          "TW_TEST_RESEARCH_CLIENT_KEY=research-key"};
}

// "postgresql://user@host:port/db" with a password added.
std::string with_password(const std::string& url, const std::string& password) {
  const size_t authority = url.find("://") + 3;
  const size_t at = url.find('@', authority);
  const size_t slash = url.find('/', authority);
  if (at != std::string::npos && at < slash)
    return url.substr(0, at) + ":" + password + url.substr(at);
  return url.substr(0, authority) + "postgres:" + password + "@" + url.substr(authority);
}

class Secrets : public ::testing::Test {
 protected:
  // Every output, by what it is, for the report of a leak.
  std::map<std::string, std::string> outputs_;

  void keep(const std::string& what, const RunResult& run) {
    outputs_[what + " stdout"] = run.out;
    outputs_[what + " stderr"] = run.err;
  }

  void expect_no_secret_anywhere() {
    ASSERT_FALSE(outputs_.empty());
    for (const auto& [what, text] : outputs_)
      for (const auto& secret : kSecretTexts)
        EXPECT_EQ(text.find(secret), std::string::npos)
            << "'" << secret << "' leaked in " << what << ":\n"
            << text;
  }
};

TEST_F(Secrets, NoOutputAndNoStoredByteHoldsOne) {
  FailingReceiver receiver;
  // A scanned video whose appearance waits for the two sinks of the config.
  tw::alerts::testing::StoreWithAppearances seeded({"webhook-1", "email-2"});
  const fs::path db = seeded.dir / "trendwatch.db";
  const std::string appearance = seeded.appearance_ids.at(0);
  seeded.store.reset();
  const fs::path home = fresh_dir("secrets-home");
  const std::string hook_url = receiver.base() + kHookPath + "?sig=" + kHookQuery;
  const fs::path config = seeded.dir / "trendwatch.toml";
  const fs::path credentials = seeded.dir / "research.toml";
  write_file(credentials,
             "client_key = \"file-key\"\nclient_secret = \"" + kResearchFileSecret + "\"\n");
  fs::permissions(credentials, fs::perms::owner_read | fs::perms::owner_write);
  write_file(config,
             "[store]\nurl = \"sqlite://" + db.string() +
                 "\"\n\n"
                 "[watch]\ncache_dir = \"" +
                 (seeded.dir / "cache").string() +
                 "\"\n\n"
                 "[[source]]\nname = \"feed\"\nkind = \"urls\"\nlocation = \"http://lister:" +
                 kListPassword + "@127.0.0.1:" + std::to_string(receiver.port()) +
                 "/feeds/list.txt?token=" + kListToken +
                 "\"\ntimeout = \"10s\"\n\n"
                 "[[source]]\nname = \"research\"\nkind = \"tiktok-research\"\napi_base = \"" +
                 receiver.base() +
                 "\"\nclient_key_env = \"TW_TEST_RESEARCH_CLIENT_KEY\"\n"
                 "client_secret_env = \"TW_TEST_RESEARCH_CLIENT_SECRET\"\n"
                 "hashtags = [\"news\"]\ntimeout = \"10s\"\n\n"
                 "[[source]]\nname = \"research-file\"\nkind = \"tiktok-research\"\n"
                 "api_base = \"" +
                 receiver.base() + "\"\ncredentials_file = \"" + credentials.string() +
                 "\"\nhashtags = [\"news\"]\ntimeout = \"10s\"\n\n"
                 "[[alert]]\nkind = \"webhook\"\nurl = \"" +
                 hook_url +
                 "\"\ntimeout = \"5s\"\n\n"
                 "[[alert]]\nkind = \"email\"\nsmtp = \"smtp://desk:" +
                 kSmtpPassword + "@127.0.0.1:" + std::to_string(tw::alerts::testing::free_port()) +
                 "\"\nfrom = \"tw@example.org\"\nto = [\"desk@example.org\"]\n"
                 "timeout = \"5s\"\n");
  const auto env = secret_environment(home);

  // The monitor: the listing fails, both deliveries fail.
  RunResult watch =
      run_trendwatch({"watch", "--config", config.string(), "--once", "--no-scan"}, env, 120);
  keep("watch", watch);
  EXPECT_EQ(watch.exit_code, 0) << watch.err;
  EXPECT_GE(receiver.posts(), 1) << "the webhook was never called: nothing was tested";

  // What was stored: the failures, redacted, but still saying what failed.
  {
    auto store = tw::store::open_store("sqlite://" + db.string());
    auto deliveries = store->deliveries_for(appearance);
    ASSERT_EQ(deliveries.size(), 2u);
    for (const auto& d : deliveries) {
      SCOPED_TRACE(d.sink);
      EXPECT_EQ(d.attempts, 1);
      if (d.sink == "webhook-1")
        EXPECT_NE(d.last_error.find("POST " + receiver.base() + "/***: HTTP 500"),
                  std::string::npos)
            << d.last_error;
      else
        EXPECT_NE(d.last_error.find("SMTP smtp://desk:***@127.0.0.1:"), std::string::npos)
            << d.last_error;
    }
    std::map<std::string, std::string> errors;
    for (const auto& source : store->sources()) {
      EXPECT_EQ(source.consecutive_failures, 1) << source.config.name;
      errors[source.config.name] = source.last_error;
    }
    ASSERT_EQ(errors.size(), 3u);
    EXPECT_NE(errors["feed"].find("404"), std::string::npos) << errors["feed"];
    // The research sources failed where the secrets were echoed back.
    EXPECT_NE(errors["research"].find("invalid_params"), std::string::npos) << errors["research"];
    EXPECT_NE(errors["research-file"].find("invalid_client"), std::string::npos)
        << errors["research-file"];
  }

  RunResult status_text = run_trendwatch({"status", "--config", config.string()}, env, 60);
  keep("status", status_text);
  EXPECT_EQ(status_text.exit_code, 0) << status_text.err;
  EXPECT_NE(status_text.out.find("FAIL"), std::string::npos) << status_text.out;
  RunResult status_json =
      run_trendwatch({"status", "--config", config.string(), "--format", "json"}, env, 60);
  keep("status --format json", status_json);
  EXPECT_EQ(status_json.exit_code, 0) << status_json.err;
  EXPECT_NE(status_json.out.find("http://lister:***@127.0.0.1:"), std::string::npos)
      << status_json.out;

  // The dashboard, behind a token, and its API.
  {
    ServeProcess serve(
        {"--config", config.string(), "--listen", "127.0.0.1:0", "--token", kDashboardToken}, env);
    httplib::Client client("127.0.0.1", serve.port());
    client.set_connection_timeout(5);
    client.set_read_timeout(10);
    const httplib::Headers auth = {{"Authorization", "Bearer " + kDashboardToken}};
    for (const std::string& path : std::vector<std::string>{"/api/sources", "/api/appearances",
                                                            "/api/appearances/" + appearance,
                                                            "/api/videos/1", "/api/targets", "/"}) {
      auto res = client.Get(path.c_str(), auth);
      ASSERT_TRUE(res) << path;
      EXPECT_EQ(res->status, 200) << path;
      outputs_["dashboard " + path] = res->body;
    }
    EXPECT_NE(outputs_["dashboard /api/sources"].find("HTTP status 404"), std::string::npos)
        << outputs_["dashboard /api/sources"];
    EXPECT_EQ(serve.stop(), 0);
    outputs_["serve output"] = serve.output();
  }

  // A PostgreSQL URL with a password that cannot connect: the error names it
  // without the password.
  const std::string unreachable = "postgresql://tw:" + kStorePassword +
                                  "@127.0.0.1:" + std::to_string(tw::alerts::testing::free_port()) +
                                  "/tw";
  RunResult refused = run_trendwatch({"status", "--db", unreachable}, env, 60);
  keep("status --db (unreachable)", refused);
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("postgresql://tw:***@127.0.0.1:"), std::string::npos) << refused.err;

  // The database's bytes, write-ahead log included.
  for (const char* suffix : {"", "-wal", "-shm"}) {
    fs::path file = db.string() + suffix;
    if (fs::exists(file)) outputs_["database file " + file.filename().string()] = read_file(file);
  }
  expect_no_secret_anywhere();
}

// With a PostgreSQL store whose URL holds a password: the monitor's start
// event, status (text and JSON) print it redacted.
TEST_F(Secrets, StorePasswordNeverPrinted) {
  TW_POSTGRES_DATABASE_OR_SKIP(url);
  const std::string secret_url = with_password(url, kStorePassword);
  const fs::path home = fresh_dir("secrets-pg-home");
  const auto env = secret_environment(home);

  RunResult watch = run_trendwatch({"watch", "--db", secret_url, "--once", "--no-scan"}, env, 120);
  keep("watch --db", watch);
  EXPECT_EQ(watch.exit_code, 0) << watch.err;
  EXPECT_NE(watch.err.find("\"event\":\"start\""), std::string::npos) << watch.err;
  EXPECT_NE(watch.err.find(":***@"), std::string::npos) << watch.err;

  RunResult text = run_trendwatch({"status", "--db", secret_url}, env, 60);
  keep("status --db", text);
  EXPECT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("store: postgresql://"), std::string::npos) << text.out;
  RunResult json = run_trendwatch({"status", "--db", secret_url, "--format", "json"}, env, 60);
  keep("status --db --format json", json);
  EXPECT_EQ(json.exit_code, 0) << json.err;
  EXPECT_NE(json.out.find(":***@"), std::string::npos) << json.out;
  expect_no_secret_anywhere();
}

}  // namespace
