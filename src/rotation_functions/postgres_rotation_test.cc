// PostgresRotation against a real PostgreSQL server (testing::PostgresServer, Debian's binaries).
#include "rotation_functions/postgres_rotation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <memory>
#include <string>

#include "rotation_functions/postgres_secret.h"
#include "rotation_functions/testing/fake_secrets_access.h"
#include "rotation_functions/testing/postgres_server.h"

namespace coffer::rotation_functions {
namespace {

using rotation::Step;
using testing::FakeSecretsAccess;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::PostgresServer;
using ::testing::StartsWith;
using Strategy = PostgresRotation::Strategy;

constexpr char kId[] = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-app-AbCdEf";
constexpr char kMasterId[] = "arn:aws:secretsmanager:us-east-1:123456789012:secret:db-master-XyZ";
constexpr char kToken1[] = "11111111-aaaa-4bbb-8ccc-000000000001";
constexpr char kToken2[] = "22222222-aaaa-4bbb-8ccc-000000000002";
constexpr Step kSteps[] = {Step::kCreateSecret, Step::kSetSecret, Step::kTestSecret,
                           Step::kFinishSecret};

rotation::StepRequest Request(Step step, const std::string& token) {
  rotation::StepRequest r;
  r.step = step;
  r.secret_id = kId;
  r.client_request_token = token;
  r.rotation_token = "rotation-" + token;
  return r;
}

std::unique_ptr<PostgresRotation> Make(Strategy strategy) {
  PostgresRotation::Options options;
  options.strategy = strategy;
  auto f = PostgresRotation::Create(options);
  EXPECT_TRUE(f.has_value());
  return std::move(f).value();
}

Result<void> Rotate(rotation::RotationFunction& f, FakeSecretsAccess& fake,
                    const std::string& token) {
  for (Step s : kSteps) COFFER_RETURN_IF_ERROR(f.Run(Request(s, token), fake));
  return Ok();
}

// `json` (an object) with one more string member.
std::string With(const std::string& json, const std::string& key, const std::string& value) {
  return json.substr(0, json.size() - 1) + ",\"" + key + "\":\"" + value + "\"}";
}

PostgresSecret Staged(const FakeSecretsAccess& fake, std::string_view stage) {
  auto value = fake.ValueWithStage(kId, stage);
  EXPECT_TRUE(value.has_value()) << stage;
  auto parsed = ParsePostgresSecret(value.value_or(""));
  EXPECT_TRUE(parsed.has_value()) << stage;
  return std::move(parsed).value();
}

size_t Count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos;
       at = haystack.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

class PostgresRotationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    PostgresServer::Options options;
    options.log_statements = true;  // to check what reached the server
    auto server = PostgresServer::Start(options);
    if (server.has_value()) {
      shared_server = std::move(server).value();
    } else {
      start_error = server.error().message;
    }
  }
  static void TearDownTestSuite() { shared_server.reset(); }

  void SetUp() override {
    // Not skipped: these tests are part of every run, and scripts/setup installs PostgreSQL.
    ASSERT_NE(shared_server, nullptr) << "cannot start PostgreSQL: " << start_error;
    ASSERT_TRUE(shared_server->is_running());
  }

  // A login role and the secret (kId, AWSCURRENT) that holds its credentials.
  std::string AddUser(const std::string& user, const std::string& password,
                      const std::string& masterarn = "") {
    auto created = shared_server->CreateLoginRole(user, password);
    EXPECT_TRUE(created.has_value()) << created.error().message;
    std::string json = shared_server->SecretJson(user, password);
    if (!masterarn.empty()) json = With(json, "masterarn", masterarn);
    return fake_.AddSecret(kId, json);
  }

  void AddMaster() { fake_.AddSecret(kMasterId, shared_server->SecretJson("", "")); }

  // Whether `user` can read table `table` (the clone inherits the original user's grants).
  bool CanSelect(const std::string& user, std::string_view password, const std::string& table) {
    const std::string port = std::to_string(shared_server->port());
    const std::string pw(password);
    const char* keys[] = {"host", "port", "user", "password", "dbname", nullptr};
    const char* values[] = {
        shared_server->host().c_str(), port.c_str(), user.c_str(), pw.c_str(), "postgres", nullptr};
    PGconn* conn = PQconnectdbParams(keys, values, 0);
    bool ok = PQstatus(conn) == CONNECTION_OK;
    if (ok) {
      PGresult* r = PQexec(conn, ("SELECT * FROM " + table).c_str());
      ok = PQresultStatus(r) == PGRES_TUPLES_OK;
      PQclear(r);
    }
    PQfinish(conn);
    return ok;
  }

  static inline std::unique_ptr<PostgresServer> shared_server;
  static inline std::string start_error;
  FakeSecretsAccess fake_;
};

TEST_F(PostgresRotationTest, SingleUserNewPasswordLogsInAndTheOldOneDoesNot) {
  const std::string v0 = AddUser("su_basic", "initial-password-0");
  auto f = Make(Strategy::kSingleUser);
  ASSERT_TRUE(Rotate(*f, fake_, kToken1));

  EXPECT_EQ(fake_.VersionWithStage(kId, "AWSCURRENT"), kToken1);
  EXPECT_EQ(fake_.VersionWithStage(kId, "AWSPREVIOUS"), v0);
  const PostgresSecret current = Staged(fake_, "AWSCURRENT");
  EXPECT_EQ(current.username, "su_basic");
  EXPECT_EQ(current.password.size(), 32u);
  EXPECT_TRUE(shared_server->CanLogIn("su_basic", current.password.view()));
  EXPECT_FALSE(shared_server->CanLogIn("su_basic", "initial-password-0"));

  // And again: the first rotation's password becomes AWSPREVIOUS and stops working.
  ASSERT_TRUE(Rotate(*f, fake_, kToken2));
  const PostgresSecret next = Staged(fake_, "AWSCURRENT");
  EXPECT_TRUE(shared_server->CanLogIn("su_basic", next.password.view()));
  EXPECT_FALSE(shared_server->CanLogIn("su_basic", current.password.view()));
  EXPECT_EQ(fake_.VersionWithStage(kId, "AWSPREVIOUS"), kToken1);
}

TEST_F(PostgresRotationTest, SingleUserEveryStepTwiceIsIdempotent) {
  AddUser("su_idem", "initial-password-1");
  auto f = Make(Strategy::kSingleUser);
  for (Step s : kSteps) {
    ASSERT_TRUE(f->Run(Request(s, kToken1), fake_)) << rotation::StepName(s);
    auto again = f->Run(Request(s, kToken1), fake_);
    ASSERT_TRUE(again.has_value()) << rotation::StepName(s) << ": " << again.error().message;
  }
  EXPECT_EQ(fake_.CallCount(FakeSecretsAccess::Call::kPutSecretValue), 1);
  EXPECT_EQ(fake_.CallCount(FakeSecretsAccess::Call::kUpdateStage), 1);
  EXPECT_TRUE(shared_server->CanLogIn("su_idem", Staged(fake_, "AWSCURRENT").password.view()));
  // The second setSecret found the pending password already working and changed nothing.
  EXPECT_EQ(Count(shared_server->ReadLog(), "ALTER ROLE \"su_idem\""), 1u);
}

TEST_F(PostgresRotationTest, SingleUserPasswordReachesTheServerOnlyAsAScramVerifier) {
  AddUser("su_plain", "initial-password-2");
  const std::string marker = "Plaintext-Marker-7f3a9c";
  fake_.SetNextRandomPassword(marker);
  auto f = Make(Strategy::kSingleUser);
  ASSERT_TRUE(Rotate(*f, fake_, kToken1));
  EXPECT_TRUE(shared_server->CanLogIn("su_plain", marker));
  const std::string log = shared_server->ReadLog();
  EXPECT_THAT(log, HasSubstr("ALTER ROLE \"su_plain\" WITH PASSWORD 'SCRAM-SHA-256$4096:"));
  EXPECT_THAT(log, Not(HasSubstr(marker)));
}

TEST_F(PostgresRotationTest, SingleUserHandlesQuotesBackslashesAndUnicode) {
  const std::string user = "su_Odd\"Name'";
  const std::string initial = "it's \"quoted\" \\ back\\slash ünïcødé 🔑";
  const std::string next = "new'pw\"with\\\\back\\slashes ünïcødé 🔐 $1 ;-- DROP ROLE x";
  AddUser(user, initial);
  ASSERT_TRUE(shared_server->CanLogIn(user, initial));
  fake_.SetNextRandomPassword(next);
  auto f = Make(Strategy::kSingleUser);
  auto r = Rotate(*f, fake_, kToken1);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(Staged(fake_, "AWSCURRENT").password.view(), next);
  EXPECT_TRUE(shared_server->CanLogIn(user, next));
  EXPECT_FALSE(shared_server->CanLogIn(user, initial));
}

TEST_F(PostgresRotationTest, SingleUserFallsBackToThePreviousPassword) {
  const std::string v0 = AddUser("su_prev", "initial-password-3");
  // Someone put a wrong password as AWSCURRENT; the working one is now AWSPREVIOUS.
  ASSERT_TRUE(fake_.PutSecretValue(
      kId, "manual", SecretBytes::CopyFrom(shared_server->SecretJson("su_prev", "wrong-password")),
      {"AWSCURRENT"}));
  ASSERT_EQ(fake_.VersionWithStage(kId, "AWSPREVIOUS"), v0);
  auto f = Make(Strategy::kSingleUser);
  ASSERT_TRUE(Rotate(*f, fake_, kToken1));
  EXPECT_TRUE(shared_server->CanLogIn("su_prev", Staged(fake_, "AWSCURRENT").password.view()));
}

TEST_F(PostgresRotationTest, SingleUserServerDownDuringSetSecretLeavesAwsCurrent) {
  const std::string v0 = AddUser("su_down", "initial-password-4");
  auto f = Make(Strategy::kSingleUser);
  ASSERT_TRUE(f->Run(Request(Step::kCreateSecret, kToken1), fake_));
  const std::string pending = std::string(Staged(fake_, "AWSPENDING").password.view());

  ASSERT_TRUE(shared_server->Stop());
  auto r = f->Run(Request(Step::kSetSecret, kToken1), fake_);
  ASSERT_TRUE(shared_server->Restart());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_THAT(r.error().message, StartsWith("setSecret: "));
  EXPECT_THAT(r.error().message, HasSubstr("127.0.0.1:" + std::to_string(shared_server->port())));
  EXPECT_THAT(r.error().message, Not(HasSubstr("initial-password-4")));
  EXPECT_THAT(r.error().message, Not(HasSubstr(pending)));
  EXPECT_EQ(fake_.VersionWithStage(kId, "AWSCURRENT"), v0);
  EXPECT_TRUE(shared_server->CanLogIn("su_down", "initial-password-4"));

  // The engine's retry, once the server is back, completes the rotation.
  for (Step s : {Step::kSetSecret, Step::kTestSecret, Step::kFinishSecret}) {
    ASSERT_TRUE(f->Run(Request(s, kToken1), fake_)) << rotation::StepName(s);
  }
  EXPECT_TRUE(shared_server->CanLogIn("su_down", pending));
}

TEST_F(PostgresRotationTest, SingleUserFailingTestSecretLeavesAwsCurrent) {
  const std::string v0 = AddUser("su_test", "initial-password-5");
  auto f = Make(Strategy::kSingleUser);
  ASSERT_TRUE(f->Run(Request(Step::kCreateSecret, kToken1), fake_));
  ASSERT_TRUE(f->Run(Request(Step::kSetSecret, kToken1), fake_));
  // The password changes behind the rotation's back, so the pending one no longer works.
  ASSERT_TRUE(shared_server->Execute("ALTER ROLE su_test PASSWORD 'changed-elsewhere'"));
  auto r = f->Run(Request(Step::kTestSecret, kToken1), fake_);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_THAT(r.error().message, StartsWith("testSecret: "));
  EXPECT_EQ(fake_.VersionWithStage(kId, "AWSCURRENT"), v0);
  EXPECT_EQ(fake_.VersionWithStage(kId, "AWSPENDING"), kToken1);
}

TEST_F(PostgresRotationTest, SingleUserRefusesToChangeAnotherUsersPassword) {
  const std::string v0 = AddUser("su_victim_owner", "initial-password-6");
  ASSERT_TRUE(shared_server->CreateLoginRole("su_victim", "victim-password"));
  // A pending version naming someone else (put by hand, not by createSecret).
  ASSERT_TRUE(fake_.PutSecretValue(
      kId, kToken1, SecretBytes::CopyFrom(shared_server->SecretJson("su_victim", "taken-over")),
      {"AWSPENDING"}));
  auto f = Make(Strategy::kSingleUser);
  auto r = f->Run(Request(Step::kSetSecret, kToken1), fake_);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(shared_server->CanLogIn("su_victim", "victim-password"));
  EXPECT_EQ(fake_.VersionWithStage(kId, "AWSCURRENT"), v0);
}

TEST_F(PostgresRotationTest, AlternatingCreatesTheCloneAndTheOldUserKeepsWorking) {
  AddMaster();
  AddUser("alt_app", "app-password-0", kMasterId);
  ASSERT_TRUE(shared_server->Execute("CREATE TABLE alt_orders (id int)"));
  ASSERT_TRUE(shared_server->Execute("GRANT SELECT ON alt_orders TO alt_app"));
  auto f = Make(Strategy::kAlternatingUsers);

  auto first = Rotate(*f, fake_, kToken1);
  ASSERT_TRUE(first.has_value()) << first.error().message;
  const PostgresSecret clone = Staged(fake_, "AWSCURRENT");
  EXPECT_EQ(clone.username, "alt_app_clone");
  EXPECT_EQ(clone.masterarn, kMasterId);
  EXPECT_TRUE(shared_server->RoleExists("alt_app_clone"));
  EXPECT_TRUE(shared_server->CanLogIn("alt_app_clone", clone.password.view()));
  EXPECT_TRUE(shared_server->CanLogIn("alt_app", "app-password-0")) << "old user stops too early";
  EXPECT_TRUE(CanSelect("alt_app_clone", clone.password.view(), "alt_orders"))
      << "the clone should have the original user's grants";
  EXPECT_FALSE(CanSelect("alt_app_clone", clone.password.view(), "pg_authid"));

  // The next rotation flips back to the original user, whose password changes; the clone keeps
  // its password until the rotation after.
  auto second = Rotate(*f, fake_, kToken2);
  ASSERT_TRUE(second.has_value()) << second.error().message;
  const PostgresSecret original = Staged(fake_, "AWSCURRENT");
  EXPECT_EQ(original.username, "alt_app");
  EXPECT_TRUE(shared_server->CanLogIn("alt_app", original.password.view()));
  EXPECT_FALSE(shared_server->CanLogIn("alt_app", "app-password-0"));
  EXPECT_TRUE(shared_server->CanLogIn("alt_app_clone", clone.password.view()));
  EXPECT_EQ(Staged(fake_, "AWSPREVIOUS").username, "alt_app_clone");
}

TEST_F(PostgresRotationTest, AlternatingEveryStepTwiceIsIdempotent) {
  AddMaster();
  AddUser("alt_idem", "app-password-1", kMasterId);
  auto f = Make(Strategy::kAlternatingUsers);
  for (Step s : kSteps) {
    ASSERT_TRUE(f->Run(Request(s, kToken1), fake_)) << rotation::StepName(s);
    auto again = f->Run(Request(s, kToken1), fake_);
    ASSERT_TRUE(again.has_value()) << rotation::StepName(s) << ": " << again.error().message;
  }
  EXPECT_EQ(fake_.CallCount(FakeSecretsAccess::Call::kPutSecretValue), 1);
  EXPECT_TRUE(
      shared_server->CanLogIn("alt_idem_clone", Staged(fake_, "AWSCURRENT").password.view()));
  EXPECT_EQ(Count(shared_server->ReadLog(), "CREATE ROLE \"alt_idem_clone\""), 1u);
}

TEST_F(PostgresRotationTest, AlternatingWrongMasterPasswordLeavesAwsCurrent) {
  fake_.AddSecret(kMasterId,
                  shared_server->SecretJson(shared_server->superuser(), "not-the-master-password"));
  const std::string v0 = AddUser("alt_badmaster", "app-password-2", kMasterId);
  auto f = Make(Strategy::kAlternatingUsers);
  ASSERT_TRUE(f->Run(Request(Step::kCreateSecret, kToken1), fake_));
  auto r = f->Run(Request(Step::kSetSecret, kToken1), fake_);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_THAT(r.error().message, StartsWith("setSecret: master credentials: "));
  EXPECT_THAT(r.error().message, HasSubstr("127.0.0.1:"));
  EXPECT_THAT(r.error().message, Not(HasSubstr("not-the-master-password")));
  EXPECT_FALSE(shared_server->RoleExists("alt_badmaster_clone"));
  EXPECT_FALSE(f->Run(Request(Step::kTestSecret, kToken1), fake_).has_value());
  EXPECT_EQ(fake_.VersionWithStage(kId, "AWSCURRENT"), v0);
  EXPECT_TRUE(shared_server->CanLogIn("alt_badmaster", "app-password-2"));
}

TEST_F(PostgresRotationTest, AlternatingMasterWithoutRightsFailsAsAStatementError) {
  ASSERT_TRUE(shared_server->CreateLoginRole("alt_weak_master", "weak-master-password"));
  fake_.AddSecret(kMasterId, shared_server->SecretJson("alt_weak_master", "weak-master-password"));
  const std::string v0 = AddUser("alt_weak", "app-password-3", kMasterId);
  auto f = Make(Strategy::kAlternatingUsers);
  ASSERT_TRUE(f->Run(Request(Step::kCreateSecret, kToken1), fake_));
  auto r = f->Run(Request(Step::kSetSecret, kToken1), fake_);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_THAT(r.error().message, HasSubstr("CREATE ROLE"));
  EXPECT_THAT(r.error().message, HasSubstr("SQLSTATE 42501"));
  EXPECT_THAT(r.error().message, Not(HasSubstr("SCRAM")));
  EXPECT_FALSE(shared_server->RoleExists("alt_weak_clone"));
  EXPECT_EQ(fake_.VersionWithStage(kId, "AWSCURRENT"), v0);
}

TEST_F(PostgresRotationTest, AlternatingCurrentCredentialsMustStillWork) {
  AddMaster();
  ASSERT_TRUE(shared_server->CreateLoginRole("alt_deputy", "real-password"));
  // The secret claims a user it cannot log in as: the master must not create its clone.
  const std::string v0 = fake_.AddSecret(
      kId,
      With(shared_server->SecretJson("alt_deputy", "guessed-password"), "masterarn", kMasterId));
  auto f = Make(Strategy::kAlternatingUsers);
  ASSERT_TRUE(f->Run(Request(Step::kCreateSecret, kToken1), fake_));
  auto r = f->Run(Request(Step::kSetSecret, kToken1), fake_);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kUnavailable);
  EXPECT_THAT(r.error().message, HasSubstr("AWSCURRENT credentials"));
  EXPECT_FALSE(shared_server->RoleExists("alt_deputy_clone"));
  EXPECT_EQ(fake_.VersionWithStage(kId, "AWSCURRENT"), v0);
}

TEST_F(PostgresRotationTest, AlternatingRefusesAMasterOnAnotherServer) {
  fake_.AddSecret(kMasterId, R"({"engine":"postgres","host":"127.0.0.1","port":1,)"
                             R"("username":"x","password":"y"})");
  AddUser("alt_elsewhere", "app-password-4", kMasterId);
  auto f = Make(Strategy::kAlternatingUsers);
  ASSERT_TRUE(f->Run(Request(Step::kCreateSecret, kToken1), fake_));
  auto r = f->Run(Request(Step::kSetSecret, kToken1), fake_);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kFailedPrecondition);
  EXPECT_FALSE(shared_server->RoleExists("alt_elsewhere_clone"));
}

TEST_F(PostgresRotationTest, AlternatingWithoutMasterarnFailsInCreateSecret) {
  const std::string v0 = AddUser("alt_nomaster", "app-password-5");
  auto f = Make(Strategy::kAlternatingUsers);
  auto r = f->Run(Request(Step::kCreateSecret, kToken1), fake_);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(r.error().message, HasSubstr("masterarn"));
  EXPECT_EQ(fake_.CallCount(FakeSecretsAccess::Call::kPutSecretValue), 0);
  EXPECT_EQ(fake_.VersionWithStage(kId, "AWSCURRENT"), v0);
}

// Needs no server: parsing fails before any connection.
TEST(PostgresRotationSecretTest, MalformedSecretIsInvalidArgumentWithoutThePassword) {
  FakeSecretsAccess fake;
  const std::string v0 =
      fake.AddSecret(kId, R"({"engine":"postgres","host":"127.0.0.1","port":"http",)"
                          R"("username":"u","password":"do-not-print-me"})");
  auto f = Make(Strategy::kSingleUser);
  auto r = f->Run(Request(Step::kCreateSecret, kToken1), fake);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_THAT(r.error().message, StartsWith("createSecret: AWSCURRENT: "));
  EXPECT_THAT(r.error().message, HasSubstr("'port'"));
  EXPECT_THAT(r.error().message, Not(HasSubstr("do-not-print-me")));
  EXPECT_EQ(fake.VersionWithStage(kId, "AWSCURRENT"), v0);
  EXPECT_EQ(fake.CallCount(FakeSecretsAccess::Call::kPutSecretValue), 0);
}

}  // namespace
}  // namespace coffer::rotation_functions
