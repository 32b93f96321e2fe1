#include "audit_trail/file_audit_reader.h"

#include <gtest/gtest.h>

#include "audit_trail/event_codec.h"
#include "audit_trail/file_audit_log.h"
#include "audit_trail/testing/ecdsa_test_signer.h"
#include "audit_trail/testing/sample_events.h"
#include "audit_trail/testing/temp_dir.h"
#include "base/testing/fake_clock.h"
#include "crypto/openssl/openssl_hashes.h"

namespace coffer::audit_trail {
namespace {

using audit::LookupAttribute;
using audit::LookupKey;
using audit::LookupPage;
using audit::LookupQuery;

// Twelve events one second apart: odd ones GetSecretValue by alice (IAM user), even ones
// PutSecretValue by an assumed-role session "pod-7", on secrets db-1 … db-12; digests every 4
// and files of about three events.
class FileAuditReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FileAuditLog::Options o;
    o.dir = dir_.path();
    o.signer = &signer_;
    o.digest_every_events = 4;
    o.max_file_bytes = 2500;
    auto log = FileAuditLog::Create(o, hashes_, clock_);
    ASSERT_TRUE(log.has_value());
    for (int i = 1; i <= 12; ++i) {
      audit::Event e = testing::SampleEvent(i, clock_.Now());
      if (i % 2 == 0) {
        e.event_name = "PutSecretValue";
        e.read_only = false;
        e.user_identity.type = "AssumedRole";
        e.user_identity.arn = "arn:aws:sts::111122223333:assumed-role/writer/pod-7";
        e.user_identity.user_name.clear();
        e.user_identity.access_key_id = "ASIASESSION";
      }
      ASSERT_TRUE((*log)->AppendAndWait(std::move(e)).has_value());
      clock_.Advance(std::chrono::seconds(1));
    }
    (*log)->Shutdown();
    auto reader = FileAuditReader::Open(dir_.path());
    ASSERT_TRUE(reader.has_value());
    reader_ = std::move(reader).value();
  }

  Timestamp TimeOf(int i) const { return start_ + std::chrono::seconds(i - 1); }

  std::vector<std::string> Ids(const LookupQuery& q) {
    Result<LookupPage> page = reader_->Lookup(q);
    EXPECT_TRUE(page.has_value()) << page.error().message;
    std::vector<std::string> ids;
    if (!page.has_value()) return ids;
    for (const auto& e : page->events) ids.push_back(e.event_id);
    return ids;
  }
  std::vector<std::string> IdsWith(LookupKey key, std::string value) {
    LookupQuery q;
    q.attributes.push_back({key, std::move(value)});
    return Ids(q);
  }

  testing::TempDir dir_;
  crypto::OpensslHashes hashes_;
  const Timestamp start_ = *ParseIso8601("2026-11-22T13:38:31Z");
  coffer::testing::FakeClock clock_{start_};
  testing::EcdsaTestSigner signer_;
  std::unique_ptr<FileAuditReader> reader_;
};

TEST_F(FileAuditReaderTest, ReturnsEventsNewestFirstWithTheirRecords) {
  ASSERT_GT(testing::TrailFiles(dir_.path()).size(), 2u);
  Result<LookupPage> page = reader_->Lookup(LookupQuery{});
  ASSERT_TRUE(page.has_value());
  ASSERT_EQ(page->events.size(), 12u);
  EXPECT_TRUE(page->next_token.empty());
  for (int i = 0; i < 12; ++i) {
    EXPECT_EQ(page->events[i].event_id, "event-" + std::to_string(12 - i));
  }
  const audit::LookupEvent& newest = page->events[0];
  EXPECT_EQ(newest.event_name, "PutSecretValue");
  EXPECT_EQ(newest.read_only, "false");
  EXPECT_EQ(newest.username, "pod-7");
  EXPECT_EQ(newest.access_key_id, "ASIASESSION");
  EXPECT_EQ(newest.event_time, TimeOf(12));
  EXPECT_EQ(newest.event_source, "secretsmanager.amazonaws.com");
  ASSERT_EQ(newest.resources.size(), 1u);
  EXPECT_EQ(newest.resources[0].resource_type, "AWS::SecretsManager::Secret");
  EXPECT_EQ(newest.resources[0].resource_name,
            "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-12-AbCdEf");
  Result<TrailLine> raw = DecodeLine(newest.cloudtrail_event);
  ASSERT_TRUE(raw.has_value());
  EXPECT_EQ(raw->event().sequence, 12u);
}

TEST_F(FileAuditReaderTest, FiltersByEachAttribute) {
  using V = std::vector<std::string>;
  EXPECT_EQ(IdsWith(LookupKey::kEventId, "event-5"), V{"event-5"});
  EXPECT_EQ(IdsWith(LookupKey::kEventName, "PutSecretValue").size(), 6u);
  EXPECT_EQ(IdsWith(LookupKey::kReadOnly, "true").size(), 6u);
  EXPECT_EQ(IdsWith(LookupKey::kReadOnly, "false")[0], "event-12");
  EXPECT_EQ(IdsWith(LookupKey::kUsername, "alice").size(), 6u);
  EXPECT_EQ(IdsWith(LookupKey::kUsername, "pod-7").size(), 6u);
  EXPECT_EQ(IdsWith(LookupKey::kResourceType, "AWS::SecretsManager::Secret").size(), 12u);
  EXPECT_TRUE(IdsWith(LookupKey::kResourceType, "AWS::KMS::Key").empty());
  EXPECT_EQ(IdsWith(LookupKey::kResourceName, "db-1"), V{"event-1"});
  EXPECT_EQ(IdsWith(LookupKey::kResourceName, "db-1-AbCdEf"), V{"event-1"});
  EXPECT_EQ(IdsWith(LookupKey::kResourceName,
                    "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-11-AbCdEf"),
            V{"event-11"});
  EXPECT_EQ(IdsWith(LookupKey::kEventSource, "secretsmanager.amazonaws.com").size(), 12u);
  EXPECT_TRUE(IdsWith(LookupKey::kEventSource, "kms.amazonaws.com").empty());
  EXPECT_EQ(IdsWith(LookupKey::kAccessKeyId, "AKIAEXAMPLE").size(), 6u);
}

TEST_F(FileAuditReaderTest, CombinesAttributesAndTimeRange) {
  LookupQuery q;
  q.start_time = TimeOf(3);
  q.end_time = TimeOf(9);
  EXPECT_EQ(Ids(q), (std::vector<std::string>{"event-9", "event-8", "event-7", "event-6", "event-5",
                                              "event-4", "event-3"}));
  q.attributes.push_back({LookupKey::kUsername, "alice"});
  q.attributes.push_back({LookupKey::kReadOnly, "true"});
  EXPECT_EQ(Ids(q), (std::vector<std::string>{"event-9", "event-7", "event-5", "event-3"}));
}

TEST_F(FileAuditReaderTest, PagesWithOpaqueTokens) {
  LookupQuery q;
  q.max_results = 5;
  std::vector<std::string> all;
  int pages = 0;
  do {
    Result<LookupPage> page = reader_->Lookup(q);
    ASSERT_TRUE(page.has_value()) << page.error().message;
    EXPECT_LE(page->events.size(), 5u);
    for (const auto& e : page->events) all.push_back(e.event_id);
    q.next_token = page->next_token;
    ++pages;
  } while (!q.next_token.empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  ASSERT_EQ(all.size(), 12u);
  EXPECT_EQ(all.front(), "event-12");
  EXPECT_EQ(all.back(), "event-1");
}

TEST_F(FileAuditReaderTest, RejectsTokensOfOtherQueriesAndGarbage) {
  LookupQuery q;
  q.max_results = 2;
  Result<LookupPage> first = reader_->Lookup(q);
  ASSERT_TRUE(first.has_value());
  ASSERT_FALSE(first->next_token.empty());
  LookupQuery other = q;
  other.attributes.push_back({LookupKey::kEventName, "GetSecretValue"});
  other.next_token = first->next_token;
  EXPECT_EQ(reader_->Lookup(other).error().code, ErrorCode::kInvalidArgument);
  for (const char* bad : {"garbage", "MS4xMi4w", "", "=="}) {
    LookupQuery g = q;
    g.next_token = bad;
    if (g.next_token.empty()) continue;
    EXPECT_EQ(reader_->Lookup(g).error().code, ErrorCode::kInvalidArgument) << bad;
  }
}

TEST_F(FileAuditReaderTest, IgnoresAPartialLineBeingWritten) {
  const auto files = testing::TrailFiles(dir_.path());
  const std::string last = testing::ReadFile(files.back());
  testing::WriteFile(files.back(), last + R"({"eventVersion":"1.09","userIden)");
  Result<LookupPage> page = reader_->Lookup(LookupQuery{});
  ASSERT_TRUE(page.has_value());
  EXPECT_EQ(page->events.size(), 12u);
}

TEST_F(FileAuditReaderTest, OpenFailsForAMissingDirectory) {
  EXPECT_EQ(FileAuditReader::Open(dir_.path() / "nope").error().code, ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace coffer::audit_trail
