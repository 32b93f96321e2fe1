#include "grpc/kms_plugin/credentials.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <vector>

#include "base/encoding.h"
#include "base/testing/fake_clock.h"

namespace coffer::kmsplugin {
namespace {

using std::chrono::milliseconds;

EnvLookup Env(const std::map<std::string, std::string>& vars) {
  return [vars](const char* name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

HttpTransport NoSts() {
  return [](const http::Request&, milliseconds) -> Result<http::Response> {
    return UnavailableError("no STS here");
  };
}

TEST(CredentialsFromEnvironmentTest, PrefersAccessKeys) {
  testing::FakeClock clock;
  auto p = CredentialsFromEnvironment(Env({{"AWS_ACCESS_KEY_ID", "AKIA1"},
                                           {"AWS_SECRET_ACCESS_KEY", "s3cret"},
                                           {"AWS_SESSION_TOKEN", "tok"},
                                           {"AWS_ROLE_ARN", "arn:aws:iam::1:role/r"},
                                           {"AWS_WEB_IDENTITY_TOKEN_FILE", "/nonexistent"}}),
                                      NoSts(), clock);
  ASSERT_TRUE(p.has_value()) << p.error().message;
  auto c = (*p)->Get(milliseconds(100));
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->access_key_id, "AKIA1");
  EXPECT_EQ(c->secret_access_key.view(), "s3cret");
  EXPECT_EQ(c->session_token, "tok");
  EXPECT_EQ((*p)->Describe().find("s3cret"), std::string::npos);
}

TEST(CredentialsFromEnvironmentTest, RefusesHalfPairsAndNothing) {
  testing::FakeClock clock;
  for (const auto& vars :
       std::vector<std::map<std::string, std::string>>{{{"AWS_ACCESS_KEY_ID", "AKIA1"}},
                                                       {{"AWS_SECRET_ACCESS_KEY", "s"}},
                                                       {{"AWS_ROLE_ARN", "arn:aws:iam::1:role/r"}},
                                                       {{"AWS_WEB_IDENTITY_TOKEN_FILE", "/t"}},
                                                       {}}) {
    auto p = CredentialsFromEnvironment(Env(vars), NoSts(), clock);
    ASSERT_FALSE(p.has_value());
    EXPECT_EQ(p.error().code, ErrorCode::kFailedPrecondition);
  }
}

std::string StsAnswer(const std::string& key_id, Timestamp expiration) {
  return "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials>"
         "<AccessKeyId>" +
         key_id + "</AccessKeyId><SecretAccessKey>secret-" + key_id +
         "</SecretAccessKey><SessionToken>token-" + key_id + "</SessionToken><Expiration>" +
         FormatIso8601(expiration) +
         "</Expiration></Credentials></AssumeRoleWithWebIdentityResult>"
         "</AssumeRoleWithWebIdentityResponse>";
}

class WebIdentityCredentialsProviderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/coffer-webid-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    token_file_ = dir_ + "/token";
    WriteToken("eyJ.first.token\n");
  }
  void TearDown() override {
    std::remove(token_file_.c_str());
    ::rmdir(dir_.c_str());
  }
  void WriteToken(const std::string& t) { std::ofstream(token_file_) << t; }

  std::unique_ptr<CredentialsProvider> Provider() {
    auto p = CredentialsFromEnvironment(
        Env({{"AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/k8s-kms"},
             {"AWS_WEB_IDENTITY_TOKEN_FILE", token_file_},
             {"AWS_ROLE_SESSION_NAME", "kms-plugin-test"}}),
        [this](const http::Request& req, milliseconds) -> Result<http::Response> {
          requests_.push_back(req);
          if (sts_down_) return UnavailableError("connection refused");
          http::Response res;
          res.body = StsAnswer("ASIA" + std::to_string(requests_.size()),
                               clock_.Now() + std::chrono::hours(1));
          return res;
        },
        clock_);
    EXPECT_TRUE(p.has_value());
    return std::move(*p);
  }

  std::string dir_, token_file_;
  testing::FakeClock clock_;
  std::vector<http::Request> requests_;
  bool sts_down_ = false;
};

TEST_F(WebIdentityCredentialsProviderTest, ExchangesTheTokenFileAtSts) {
  auto p = Provider();
  auto c = p->Get(milliseconds(1000));
  ASSERT_TRUE(c.has_value()) << c.error().message;
  EXPECT_EQ(c->access_key_id, "ASIA1");
  EXPECT_EQ(c->secret_access_key.view(), "secret-ASIA1");
  EXPECT_EQ(c->session_token, "token-ASIA1");
  ASSERT_EQ(requests_.size(), 1u);
  const http::Request& req = requests_[0];
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.target, "/");
  EXPECT_EQ(req.HeaderValue("content-type"), "application/x-www-form-urlencoded; charset=utf-8");
  EXPECT_FALSE(req.HasHeader("authorization"));  // AssumeRoleWithWebIdentity is unsigned
  EXPECT_EQ(req.body,
            "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A"
            "123456789012%3Arole%2Fk8s-kms&RoleSessionName=kms-plugin-test&WebIdentityToken="
            "eyJ.first.token");
}

TEST_F(WebIdentityCredentialsProviderTest, KeepsCredentialsUntilFifteenMinutesBeforeExpiry) {
  auto p = Provider();
  ASSERT_TRUE(p->Get(milliseconds(1000)).has_value());
  clock_.Advance(std::chrono::minutes(44));
  auto same = p->Get(milliseconds(1000));
  ASSERT_TRUE(same.has_value());
  EXPECT_EQ(same->access_key_id, "ASIA1");
  EXPECT_EQ(requests_.size(), 1u);

  WriteToken("eyJ.rotated.token");  // the kubelet rotated the projected token
  clock_.Advance(std::chrono::minutes(2));
  auto fresh = p->Get(milliseconds(1000));
  ASSERT_TRUE(fresh.has_value());
  EXPECT_EQ(fresh->access_key_id, "ASIA2");
  ASSERT_EQ(requests_.size(), 2u);
  EXPECT_NE(requests_[1].body.find("WebIdentityToken=eyJ.rotated.token"), std::string::npos);
}

TEST_F(WebIdentityCredentialsProviderTest, UsesCurrentCredentialsWhileStsIsDownUntilExpiry) {
  auto p = Provider();
  ASSERT_TRUE(p->Get(milliseconds(1000)).has_value());
  sts_down_ = true;
  clock_.Advance(std::chrono::minutes(50));
  auto c = p->Get(milliseconds(1000));
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->access_key_id, "ASIA1");
  clock_.Advance(std::chrono::minutes(10));  // 0 minutes left
  auto expired = p->Get(milliseconds(1000));
  ASSERT_FALSE(expired.has_value());
  EXPECT_EQ(expired.error().code, ErrorCode::kUnavailable);
  sts_down_ = false;
  auto back = p->Get(milliseconds(1000));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->access_key_id, "ASIA4");
}

TEST_F(WebIdentityCredentialsProviderTest, MissingOrEmptyTokenFileIsAPreconditionFailure) {
  auto p = Provider();
  WriteToken("  \n");
  auto empty = p->Get(milliseconds(1000));
  ASSERT_FALSE(empty.has_value());
  EXPECT_EQ(empty.error().code, ErrorCode::kFailedPrecondition);
  std::remove(token_file_.c_str());
  auto missing = p->Get(milliseconds(1000));
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(requests_.empty());
}

}  // namespace
}  // namespace coffer::kmsplugin
