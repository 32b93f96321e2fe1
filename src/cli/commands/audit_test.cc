#include "cli/commands/audit.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "audit_trail/file_audit_log.h"
#include "base/encoding.h"
#include "base/testing/fake_clock.h"
#include "crypto/openssl/openssl_hashes.h"

namespace coffer::cli {
namespace {

using audit::LookupKey;

// Parses `args` (after the subcommand name) into `o` with the real flag definitions.
template <class Options>
void Parse(std::vector<std::string> args, Options& o, void (*add)(CLI::App&, Options&)) {
  CLI::App app;
  add(app, o);
  std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 pops from the back
  app.parse(reversed);
}

AuditLookupOptions LookupFlags(std::vector<std::string> args) {
  AuditLookupOptions o;
  Parse(std::move(args), o, &AddAuditLookupFlags);
  return o;
}

AuditVerifyOptions VerifyFlags(std::vector<std::string> args) {
  AuditVerifyOptions o;
  Parse(std::move(args), o, &AddAuditVerifyFlags);
  return o;
}

TEST(AuditLookupTest, EveryFilterFlagBecomesALookupAttribute) {
  const std::pair<const char*, LookupKey> flags[] = {
      {"--event-id", LookupKey::kEventId},           {"--event-name", LookupKey::kEventName},
      {"--username", LookupKey::kUsername},          {"--resource-name", LookupKey::kResourceName},
      {"--resource-type", LookupKey::kResourceType}, {"--event-source", LookupKey::kEventSource},
      {"--access-key-id", LookupKey::kAccessKeyId},
  };
  for (const auto& [flag, key] : flags) {
    auto q = LookupQueryFrom(LookupFlags({flag, "value-of-" + std::string(flag)}));
    ASSERT_TRUE(q.has_value()) << flag;
    ASSERT_EQ(q->attributes.size(), 1u) << flag;
    EXPECT_EQ(q->attributes[0].key, key) << flag;
    EXPECT_EQ(q->attributes[0].value, "value-of-" + std::string(flag));
  }
  auto q = LookupQueryFrom(LookupFlags({"--read-only", "FALSE"}));
  ASSERT_TRUE(q.has_value());
  ASSERT_EQ(q->attributes.size(), 1u);
  EXPECT_EQ(q->attributes[0].key, LookupKey::kReadOnly);
  EXPECT_EQ(q->attributes[0].value, "false");
}

TEST(AuditLookupTest, CombinedFiltersTimesAndPagingMapToOneQuery) {
  AuditLookupOptions o =
      LookupFlags({"--data-dir", "/srv/coffer", "--event-name", "GetSecretValue", "--username",
                   "alice", "--read-only", "true", "--start-time", "2026-11-22", "--end-time",
                   "2026-11-22T15:38:31+02:00", "--max-results", "7", "--all", "--output", "json"});
  auto q = LookupQueryFrom(o);
  ASSERT_TRUE(q.has_value()) << q.error().message;
  ASSERT_EQ(q->attributes.size(), 3u);  // ANDed by the reader
  EXPECT_EQ(q->attributes[0].key, LookupKey::kEventName);
  EXPECT_EQ(q->attributes[1].key, LookupKey::kUsername);
  EXPECT_EQ(q->attributes[1].value, "alice");
  EXPECT_EQ(q->attributes[2].key, LookupKey::kReadOnly);
  ASSERT_TRUE(q->start_time && q->end_time);
  EXPECT_EQ(FormatIso8601(*q->start_time), "2026-11-22T00:00:00Z");  // a date is midnight UTC
  EXPECT_EQ(FormatIso8601(*q->end_time), "2026-11-22T13:38:31Z");
  EXPECT_EQ(q->max_results, 7);
  EXPECT_TRUE(q->next_token.empty());
  EXPECT_TRUE(o.all);
  EXPECT_EQ(o.output, "json");
  EXPECT_EQ(AuditDir(o.data_dir, o.audit_dir), std::filesystem::path("/srv/coffer/audit"));

  o = LookupFlags({"--audit-dir", "/var/log/coffer-audit"});
  EXPECT_EQ(AuditDir(o.data_dir, o.audit_dir), std::filesystem::path("/var/log/coffer-audit"));
  q = LookupQueryFrom(o);
  ASSERT_TRUE(q.has_value());
  EXPECT_TRUE(q->attributes.empty());
  EXPECT_FALSE(q->start_time.has_value());
  EXPECT_EQ(q->max_results, 50);
  EXPECT_EQ(o.output, "table");
}

TEST(AuditLookupTest, RefusesBadValues) {
  EXPECT_THROW(LookupFlags({"--read-only", "maybe"}), CLI::ValidationError);
  EXPECT_THROW(LookupFlags({"--output", "yaml"}), CLI::ValidationError);
  EXPECT_THROW(LookupFlags({"--max-results", "many"}), CLI::ConversionError);
  for (std::vector<std::string> args : {
           std::vector<std::string>{"--start-time", "yesterday"},
           std::vector<std::string>{"--end-time", "2026-13-45T00:00:00Z"},
           std::vector<std::string>{"--start-time", "2026-11-23", "--end-time", "2026-11-22"},
           std::vector<std::string>{"--max-results", "0"},
           std::vector<std::string>{"--max-results", "1001"},
       }) {
    auto q = LookupQueryFrom(LookupFlags(args));
    ASSERT_FALSE(q.has_value()) << args[0] << " " << args[1];
    EXPECT_EQ(q.error().code, ErrorCode::kInvalidArgument);
  }
  // Options set in code (not through CLI11) are checked too.
  AuditLookupOptions o;
  o.read_only = "yes";
  EXPECT_FALSE(LookupQueryFrom(o).has_value());
}

TEST(AuditVerifyTest, ExpectedHeadFromFlags) {
  auto head = ExpectedHead(VerifyFlags({}));
  ASSERT_TRUE(head.has_value());
  EXPECT_FALSE(head->has_value());  // no flags and no stored checkpoint yet

  std::string hash(64, 'A');
  head = ExpectedHead(VerifyFlags({"--expect-last-sequence", "42", "--expect-last-hash", hash}));
  ASSERT_TRUE(head.has_value()) << head.error().message;
  ASSERT_TRUE(head->has_value());
  EXPECT_EQ((*head)->last_sequence, 42u);
  EXPECT_EQ((*head)->last_event_hash, std::string(64, 'a'));

  EXPECT_FALSE(ExpectedHead(VerifyFlags({"--expect-last-sequence", "42"})).has_value());
  EXPECT_FALSE(ExpectedHead(VerifyFlags({"--expect-last-hash", hash})).has_value());
  EXPECT_FALSE(ExpectedHead(VerifyFlags({"--expect-last-sequence", "42", "--expect-last-hash",
                                         std::string(63, 'a')}))
                   .has_value());
  EXPECT_FALSE(ExpectedHead(VerifyFlags({"--expect-last-sequence", "42", "--expect-last-hash",
                                         std::string(63, 'a') + "g"}))
                   .has_value());
  EXPECT_FALSE(
      ExpectedHead(VerifyFlags({"--expect-last-sequence", "0", "--expect-last-hash", hash}))
          .has_value());
}

TEST(AuditVerifyTest, PublicKeyFilesInEveryFormKmsGives) {
  const std::string der("\x30\x59\x30\x13\x06\x07\x2a\x86\x48\xce\x3d\x02\x01", 13);
  const std::string b64 = Base64Encode(der);
  const std::string pem = "-----BEGIN PUBLIC KEY-----\n" + b64 + "\n-----END PUBLIC KEY-----\n";
  EXPECT_EQ(PublicKeyFromFile(pem), pem);
  EXPECT_EQ(PublicKeyFromFile(der), der);
  EXPECT_EQ(PublicKeyFromFile(b64 + "\n"), der);  // --query PublicKey --output text
  EXPECT_EQ(PublicKeyFromFile(R"({"KeyId":"arn:aws:kms:us-east-1:123456789012:key/k",
                                  "PublicKey":")" +
                              b64 + R"(","KeySpec":"ECC_NIST_P256"})"),
            der);
}

TEST(AuditCommandTest, UsageErrorsAfterAuditAreRecognisable) {
  CLI::App app;
  (void)AddAuditCommand(app);
  std::vector<std::string> args = {"--no-such-flag", "verify", "audit"};  // reversed
  EXPECT_THROW(app.parse(args), CLI::ParseError);
  // main() turns a refused `coffer audit …` command line into kAuditUsageError this way.
  EXPECT_TRUE(app.got_subcommand("audit"));

  CLI::App other;
  auto unused = AddAuditCommand(other);
  other.add_subcommand("server", "");
  std::vector<std::string> server = {"server"};
  other.parse(server);
  EXPECT_FALSE(other.got_subcommand("audit"));
  EXPECT_EQ(unused(), -1);
}

// Lookup and verify over a trail FileAuditLog wrote.
class AuditTrailCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/coffer-audit-cli-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    data_dir_ = tmpl;
    audit_trail::FileAuditLog::Options options;
    options.dir = data_dir_ / "audit";
    options.sync = false;
    auto log = audit_trail::FileAuditLog::Create(options, hashes_, clock_);
    ASSERT_TRUE(log.has_value()) << log.error().message;
    const char* names[] = {"GetSecretValue", "PutSecretValue", "GetSecretValue"};
    const char* users[] = {"alice", "bob", "bob"};
    for (int i = 0; i < 3; ++i) {
      audit::Event e;
      e.event_time = clock_.Now();
      e.event_source = "secretsmanager.amazonaws.com";
      e.event_name = names[i];
      e.aws_region = "us-east-1";
      e.source_ip_address = "10.0.0." + std::to_string(i + 1);
      e.user_identity.type = "IAMUser";
      e.user_identity.user_name = users[i];
      e.user_identity.access_key_id = "AKIAEXAMPLE" + std::to_string(i);
      e.event_id = "00000000-0000-4000-8000-00000000000" + std::to_string(i);
      e.read_only = i != 1;
      if (i == 2) {
        e.error_code = "AccessDenied";
        e.error_message = "User: bob is not authorized\x1b[2J";
      }
      e.resources.push_back({"arn:aws:secretsmanager:us-east-1:123456789012:secret:db-AbCdEf",
                             "AWS::SecretsManager::Secret", "123456789012"});
      ASSERT_TRUE((*log)->AppendAndWait(std::move(e)).has_value());
      clock_.Advance(std::chrono::seconds(1));
    }
    (*log)->Shutdown();
  }
  void TearDown() override { std::filesystem::remove_all(data_dir_); }

  std::filesystem::path TrailFile() {
    for (const auto& f : std::filesystem::directory_iterator(data_dir_ / "audit")) {
      if (f.path().extension() == ".jsonl") return f.path();
    }
    return {};
  }

  crypto::OpensslHashes hashes_;
  coffer::testing::FakeClock clock_;
  std::filesystem::path data_dir_;
};

TEST_F(AuditTrailCommandTest, LookupPrintsATableOrRecordsNewestFirst) {
  AuditLookupOptions o;
  o.data_dir = data_dir_.string();
  o.username = "bob";
  std::ostringstream out, err;
  ASSERT_EQ(RunAuditLookup(o, out, err), kAuditOk) << err.str();
  std::istringstream lines(out.str());
  std::string header, first, second, extra;
  std::getline(lines, header);
  std::getline(lines, first);
  std::getline(lines, second);
  EXPECT_FALSE(std::getline(lines, extra));
  EXPECT_EQ(header.rfind("TIME", 0), 0u);
  EXPECT_NE(first.find("GetSecretValue"), std::string::npos) << first;
  EXPECT_NE(first.find("10.0.0.3"), std::string::npos) << first;
  EXPECT_NE(first.find("AccessDenied"), std::string::npos) << first;
  EXPECT_NE(second.find("PutSecretValue"), std::string::npos) << second;
  EXPECT_NE(second.find("  OK  "), std::string::npos) << second;
  EXPECT_NE(second.find("secret:db-AbCdEf"), std::string::npos) << second;
  EXPECT_EQ(out.str().find('\x1b'), std::string::npos);

  o.output = "json";
  o.max_results = 1;
  std::ostringstream json, json_err;
  ASSERT_EQ(RunAuditLookup(o, json, json_err), kAuditOk);
  EXPECT_EQ(json.str().find("PutSecretValue"), std::string::npos);  // one page only
  EXPECT_NE(json_err.str().find("--all"), std::string::npos);
  o.all = true;
  std::ostringstream all, all_err;
  ASSERT_EQ(RunAuditLookup(o, all, all_err), kAuditOk);
  std::istringstream records(all.str());
  int n = 0;
  for (std::string line; std::getline(records, line); ++n) {
    EXPECT_EQ(line.rfind(R"({"eventVersion":)", 0), 0u) << line;
  }
  EXPECT_EQ(n, 2);

  o.data_dir = (data_dir_ / "missing").string();
  std::ostringstream none, none_err;
  EXPECT_EQ(RunAuditLookup(o, none, none_err), kAuditUsageError);
}

TEST_F(AuditTrailCommandTest, VerifyExitsZeroWhenIntactAndOneAfterAnEdit) {
  AuditVerifyOptions o;
  o.data_dir = data_dir_.string();
  std::ostringstream out, err;
  ASSERT_EQ(RunAuditVerify(o, out, err), kAuditOk) << out.str() << err.str();
  EXPECT_NE(out.str().find("intact"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("NOT checked"), std::string::npos) << out.str();

  // Edit one byte of the second event (alice's IP in the first stays).
  std::filesystem::path file = TrailFile();
  std::string text;
  {
    std::ifstream in(file, std::ios::binary);
    text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  size_t at = text.find("10.0.0.2");
  ASSERT_NE(at, std::string::npos);
  text[at + 7] = '9';
  {
    std::ofstream rewrite(file, std::ios::binary | std::ios::trunc);
    rewrite << text;
  }
  std::ostringstream bad, bad_err;
  EXPECT_EQ(RunAuditVerify(o, bad, bad_err), kAuditProblemFound) << bad.str() << bad_err.str();
  EXPECT_NE(bad.str().find("PROBLEM"), std::string::npos) << bad.str();
  EXPECT_NE(bad.str().find(file.filename().string()), std::string::npos) << bad.str();

  // Usage and I/O errors are 2.
  o.expect_last_sequence = 3;
  std::ostringstream usage, usage_err;
  EXPECT_EQ(RunAuditVerify(o, usage, usage_err), kAuditUsageError);
  o.expect_last_sequence.reset();
  o.public_key = (data_dir_ / "no-such-key.pem").string();
  EXPECT_EQ(RunAuditVerify(o, usage, usage_err), kAuditUsageError);
}

TEST_F(AuditTrailCommandTest, VerifyReportsATruncatedTailAgainstTheExpectedHead) {
  AuditVerifyOptions o;
  o.data_dir = data_dir_.string();
  o.expect_last_sequence = 4;  // one more event than the trail holds
  o.expect_last_hash = std::string(64, 'a');
  std::ostringstream out, err;
  EXPECT_EQ(RunAuditVerify(o, out, err), kAuditProblemFound) << out.str() << err.str();
  EXPECT_NE(out.str().find("truncated"), std::string::npos) << out.str();
}

}  // namespace
}  // namespace coffer::cli
