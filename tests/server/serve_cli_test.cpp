// `trendwatch serve` as a user runs it: addresses, tokens, signals.  Only
// 127.0.0.1 is ever connected to (a 0.0.0.0 listener is reached over loopback).
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <nlohmann/json.hpp>

#include "server/demo_store.h"
#include "server/serve_process.h"
#include "support/test_support.h"

namespace {

using tw::test::ServeProcess;

class ServeCli : public ::testing::Test {
 protected:
  void SetUp() override {
    demo_ = tw::test::make_demo_store(tw::test::fresh_dir("serve-cli"));
    db_ = "sqlite://" + demo_.database.string();
  }
  std::vector<std::string> args(std::vector<std::string> extra) const {
    std::vector<std::string> all{"--db", db_, "--evidence", demo_.evidence_root.string()};
    all.insert(all.end(), extra.begin(), extra.end());
    return all;
  }
  static httplib::Client client(int port) {
    httplib::Client c("127.0.0.1", port);
    c.set_connection_timeout(5);
    c.set_read_timeout(10);
    return c;
  }

  tw::test::DemoStore demo_;
  std::string db_;
};

TEST_F(ServeCli, ServesTheStoreOnLoopbackAndStopsOnSigterm) {
  ServeProcess serve(args({"--listen", "127.0.0.1:0"}), {"TRENDWATCH_TOKEN="});
  EXPECT_EQ(serve.printed_url(), serve.loopback_url());
  auto c = client(serve.port());
  auto res = c.Get("/api/targets");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200);
  EXPECT_EQ(nlohmann::json::parse(res->body)["targets"].size(), 3u);
  EXPECT_EQ(serve.stop(), 0) << serve.output();
  EXPECT_NE(serve.output().find("stopped"), std::string::npos);
}

TEST_F(ServeCli, RefusesToListenBeyondLoopbackWithoutAToken) {
  auto r = tw::test::run_trendwatch({"serve", "--db", db_, "--listen", "0.0.0.0:0"},
                                    {"TRENDWATCH_TOKEN="}, 30);
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("--listen 0.0.0.0:0"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("token"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("http://"), std::string::npos) << "it must not have listened";
}

TEST_F(ServeCli, NamesBadListenAddressesAndStoreUrls) {
  auto r = tw::test::run_trendwatch({"serve", "--db", db_, "--listen", "localhost"}, {}, 30);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--listen localhost"), std::string::npos) << r.err;
  r = tw::test::run_trendwatch({"serve", "--db", "mysql://db/x", "--listen", "127.0.0.1:0"}, {},
                               30);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("mysql://db/x"), std::string::npos) << r.err;
}

TEST_F(ServeCli, TakesTheTokenFromTheEnvironmentAndEnforcesItOnAnOpenListen) {
  ServeProcess serve(args({"--listen", "0.0.0.0:0"}), {"TRENDWATCH_TOKEN=from-env-7d1e"});
  EXPECT_NE(serve.output().find("token required"), std::string::npos);
  auto c = client(serve.port());
  auto refused = c.Get("/api/appearances");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 401);
  auto image = c.Get(("/evidence/" + demo_.movie_appearance + "/frame").c_str());
  ASSERT_TRUE(image);
  EXPECT_EQ(image->status, 401);
  c.set_bearer_token_auth("from-env-7d1e");
  auto ok = c.Get("/api/appearances");
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(nlohmann::json::parse(ok->body)["appearances"].size(), 6u);
  EXPECT_EQ(serve.stop(), 0) << serve.output();
}

TEST_F(ServeCli, StopsOnSigintToo) {
  ServeProcess serve(args({"--listen", "127.0.0.1:0"}), {"TRENDWATCH_TOKEN="});
  auto c = client(serve.port());
  ASSERT_TRUE(c.Get("/"));
  EXPECT_EQ(serve.signal_and_wait(SIGINT), 0) << serve.output();
}

}  // namespace
