#include "rotation_functions/postgres_secret.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace coffer::rotation_functions {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kPassword[] = "Sup3r-Secret-Pa55";

std::string Secret(const std::string& extra_members) {
  return std::string(R"({"engine":"postgres","host":"db.example.com","username":"app",)") +
         R"("password":")" + kPassword + "\"" + extra_members + "}";
}

Error ParseError(const std::string& json) {
  auto r = ParsePostgresSecret(json);
  EXPECT_FALSE(r.has_value()) << json;
  if (r.has_value()) return Error();
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(r.error().message, Not(HasSubstr(kPassword)));
  return r.error();
}

TEST(PostgresSecretTest, ParsesTheMinimalShapeWithDefaults) {
  auto s = ParsePostgresSecret(Secret(""));
  ASSERT_TRUE(s.has_value()) << s.error().message;
  EXPECT_EQ(s->engine, "postgres");
  EXPECT_EQ(s->host, "db.example.com");
  EXPECT_EQ(s->port, 5432);
  EXPECT_EQ(s->username, "app");
  EXPECT_EQ(s->password.view(), kPassword);
  EXPECT_EQ(s->dbname, "postgres");
  EXPECT_EQ(s->masterarn, "");
  EXPECT_EQ(s->sslmode, "");
}

TEST(PostgresSecretTest, ParsesEveryMember) {
  auto s = ParsePostgresSecret(
      R"({"engine":"aurora-postgresql","host":"10.0.0.7","port":6543,"username":"app",)"
      R"("password":"p","dbname":"orders","masterarn":"arn:aws:secretsmanager:x",)"
      R"("sslmode":"verify-full","dbInstanceIdentifier":"kept"})");
  ASSERT_TRUE(s.has_value()) << s.error().message;
  EXPECT_EQ(s->engine, "aurora-postgresql");
  EXPECT_EQ(s->host, "10.0.0.7");
  EXPECT_EQ(s->port, 6543);
  EXPECT_EQ(s->dbname, "orders");
  EXPECT_EQ(s->masterarn, "arn:aws:secretsmanager:x");
  EXPECT_EQ(s->sslmode, "verify-full");
}

TEST(PostgresSecretTest, PortMayBeANumberOrAString) {
  EXPECT_EQ(ParsePostgresSecret(Secret(R"(,"port":"6543")"))->port, 6543);
  EXPECT_EQ(ParsePostgresSecret(Secret(R"(,"port":1)"))->port, 1);
  EXPECT_EQ(ParsePostgresSecret(Secret(R"(,"port":65535)"))->port, 65535);
  for (const char* bad :
       {R"(,"port":0)", R"(,"port":65536)", R"(,"port":-1)", R"(,"port":5432.5)", R"(,"port":"")",
        R"(,"port":"54a")", R"(,"port":" 5432")", R"(,"port":"+5432")", R"(,"port":"123456")",
        R"(,"port":null)", R"(,"port":true)", R"(,"port":[5432])"}) {
    EXPECT_THAT(ParseError(Secret(bad)).message, HasSubstr("'port'")) << bad;
  }
}

TEST(PostgresSecretTest, RequiredMembersAreNamedWhenMissing) {
  EXPECT_THAT(ParseError(R"({"host":"h","username":"u","password":"p"})").message,
              HasSubstr("'engine' is missing"));
  EXPECT_THAT(ParseError(R"({"engine":"postgres","username":"u","password":"p"})").message,
              HasSubstr("'host' is missing"));
  EXPECT_THAT(ParseError(R"({"engine":"postgres","host":"h","password":"p"})").message,
              HasSubstr("'username' is missing"));
  EXPECT_THAT(ParseError(R"({"engine":"postgres","host":"h","username":"u"})").message,
              HasSubstr("'password' is missing"));
}

TEST(PostgresSecretTest, RejectsWrongTypesAndValuesWithoutEchoingThePassword) {
  EXPECT_THAT(ParseError(Secret(R"(,"dbname":7)")).message, HasSubstr("'dbname' must be a string"));
  EXPECT_THAT(ParseError(Secret(R"(,"sslmode":"sometimes")")).message, HasSubstr("'sslmode'"));
  EXPECT_THAT(ParseError(Secret(R"(,"masterarn":"")")).message, HasSubstr("'masterarn'"));
  EXPECT_THAT(ParseError(Secret(R"(,"dbname":"")")).message, HasSubstr("'dbname'"));
  EXPECT_THAT(ParseError(R"({"engine":"mysql","host":"h","username":"u","password":"x"})").message,
              HasSubstr("'engine'"));
  EXPECT_THAT(ParseError(R"({"engine":"postgres","host":"h","username":"u","password":1})").message,
              HasSubstr("'password' must be a string"));
  EXPECT_THAT(ParseError(std::string(R"({"engine":"postgres","host":"h","username":"u",)") +
                         R"("password":")" + kPassword + R"(\u0000tail"})")
                  .message,
              HasSubstr("'password' must not contain NUL"));
  EXPECT_THAT(
      ParseError(R"({"engine":"postgres","host":"h","username":"","password":"p"})").message,
      HasSubstr("'username' must not be empty"));
  EXPECT_THAT(ParseError(Secret(R"(,"password":"again")")).message, HasSubstr("duplicate"));
  ParseError(std::string(R"({"engine":"postgres","host":"h","username":"u","password":")") +
             kPassword + "\"");  // truncated JSON
  ParseError("[]");
  ParseError("");
  ParseError("\"postgres\"");
  ParseError("{\"engine\":\"postgres\",\"host\":\"\xff\"}");
}

TEST(PostgresSecretTest, HostMustBeANameOrAddressNotASocketOrList) {
  // As JSON string bodies: "h\n" is a newline.
  for (const char* host :
       {"/var/run/postgresql", "@abstract", "a,b", "h host=evil", R"(h\n)", "h'", ""}) {
    const std::string json = R"({"engine":"postgres","host":")" + std::string(host) +
                             R"(","username":"u","password":"p"})";
    EXPECT_THAT(ParseError(json).message, HasSubstr("'host'")) << host;
  }
  for (const char* host : {"db-1.internal", "127.0.0.1", "::1", "fe80::1%eth0", "my_host"}) {
    EXPECT_TRUE(ParsePostgresSecret(R"({"engine":"postgres","host":")" + std::string(host) +
                                    R"(","username":"u","password":"p"})")
                    .has_value())
        << host;
  }
}

TEST(PostgresSecretTest, NamesLongerThanPostgresAllowsAreRejected) {
  const std::string name63(63, 'u');
  EXPECT_TRUE(ParsePostgresSecret(R"({"engine":"postgres","host":"h","username":")" + name63 +
                                  R"(","password":"p"})")
                  .has_value());
  EXPECT_THAT(ParseError(R"({"engine":"postgres","host":"h","username":")" + name63 +
                         R"(u","password":"p"})")
                  .message,
              HasSubstr("63 bytes"));
}

TEST(PostgresSecretTest, AlternateUsernameFlipsTheCloneSuffix) {
  EXPECT_EQ(AlternateUsername("app").value(), "app_clone");
  EXPECT_EQ(AlternateUsername("app_clone").value(), "app");
  EXPECT_EQ(AlternateUsername("app_clone_clone").value(), "app_clone");
  EXPECT_EQ(AlternateUsername(std::string(57, 'a')).value(), std::string(57, 'a') + "_clone");
  auto too_long = AlternateUsername(std::string(58, 'a'));
  ASSERT_FALSE(too_long.has_value());
  EXPECT_EQ(too_long.error().code, ErrorCode::kInvalidArgument);
  EXPECT_FALSE(AlternateUsername("_clone").has_value());
}

}  // namespace
}  // namespace coffer::rotation_functions
