#include "audit_trail/trail_verifier.h"

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

using testing::ReadLines;
using testing::WriteLines;
using Kind = Problem::Kind;

// A trail of 12 events sealed every 5, in one file:
//   index 0-4 events 1-5, 5 digest 1..5, 6-10 events 6-10, 11 digest 6..10,
//   12-13 events 11-12, 14 digest 11..12 (at shutdown).
class TrailVerifierTest : public ::testing::Test {
 protected:
  void SetUp() override { Build(SIZE_MAX / 2); }

  void Build(size_t max_file_bytes) {
    FileAuditLog::Options o;
    o.dir = dir_.path();
    o.signer = &signer_;
    o.digest_every_events = 5;
    o.max_file_bytes = max_file_bytes;
    o.on_checkpoint = [this](const Checkpoint& c) { head_ = c; };
    auto log = FileAuditLog::Create(o, hashes_, clock_);
    ASSERT_TRUE(log.has_value());
    for (int i = 1; i <= 12; ++i) {
      ASSERT_TRUE((*log)->AppendAndWait(testing::SampleEvent(i, clock_.Now())).has_value());
      clock_.Advance(std::chrono::seconds(1));
    }
    (*log)->Shutdown();
    verifier_ = signer_.Verifier();
  }

  std::filesystem::path File() const { return dir_.path() / "audit-00000000000000000001.jsonl"; }

  VerifyReport Verify(bool with_key = true, bool with_head = false) {
    VerifyOptions o;
    o.dir = dir_.path();
    if (with_key) o.verifier = verifier_.get();
    if (with_head) o.expected_head = head_;
    Result<VerifyReport> r = VerifyTrail(o, hashes_);
    EXPECT_TRUE(r.has_value());
    return r.has_value() ? *r : VerifyReport{};
  }

  // Rewrites the chain from line index `from` on, as an attacker without the key would.
  void Rechain(std::vector<std::string>& lines, size_t from) {
    std::string previous = LineHash(hashes_, lines[from - 1]);
    for (size_t i = from; i < lines.size(); ++i) {
      Result<TrailLine> l = DecodeLine(lines[i]);
      if (l->is_digest()) continue;
      const size_t at = lines[i].rfind(R"("cofferPreviousHash":")");
      lines[i].replace(at + 22, 64, previous);
      previous = LineHash(hashes_, lines[i]);
    }
  }

  static void ExpectProblem(const VerifyReport& r, Kind kind, uint64_t sequence) {
    EXPECT_FALSE(r.ok);
    ASSERT_TRUE(r.first_problem.has_value());
    EXPECT_EQ(r.first_problem->kind, kind) << r.first_problem->message;
    EXPECT_EQ(r.first_problem->sequence, sequence) << r.first_problem->message;
  }

  testing::TempDir dir_;
  crypto::OpensslHashes hashes_;
  coffer::testing::FakeClock clock_{*ParseIso8601("2026-11-22T13:38:31Z")};
  testing::EcdsaTestSigner signer_;
  std::unique_ptr<PublicKeyDigestVerifier> verifier_;
  Checkpoint head_;
};

TEST_F(TrailVerifierTest, CleanTrailVerifies) {
  VerifyReport r = Verify(true, true);
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.events, 12u);
  EXPECT_EQ(r.digests, 3u);
  EXPECT_EQ(r.last_sequence, 12u);
  EXPECT_TRUE(r.signatures_checked);
  EXPECT_EQ(r.unsealed_events, 0u);
  EXPECT_FALSE(Verify(false).signatures_checked);
}

TEST_F(TrailVerifierTest, EditedFieldIsModified) {
  auto lines = ReadLines(File());
  const size_t at = lines[2].find("GetSecretValue");
  lines[2].replace(at, 14, "PutSecretValue");
  WriteLines(File(), lines);
  VerifyReport r = Verify();
  ExpectProblem(r, Kind::kModified, 3);
  EXPECT_EQ(r.first_problem->line, 3u);
  EXPECT_EQ(r.first_problem->file, "audit-00000000000000000001.jsonl");
}

TEST_F(TrailVerifierTest, EditedLastSealedEventIsModified) {
  auto lines = ReadLines(File());
  lines[13].replace(lines[13].find("10.0.0.7"), 8, "10.6.6.6");
  WriteLines(File(), lines);
  ExpectProblem(Verify(), Kind::kModified, 12);
}

TEST_F(TrailVerifierTest, DeletedLineIsDeleted) {
  auto lines = ReadLines(File());
  lines.erase(lines.begin() + 3);
  WriteLines(File(), lines);
  ExpectProblem(Verify(), Kind::kDeleted, 4);
}

TEST_F(TrailVerifierTest, DeletedDigestIsDeleted) {
  auto lines = ReadLines(File());
  lines.erase(lines.begin() + 5);
  WriteLines(File(), lines);
  ExpectProblem(Verify(), Kind::kDeleted, 1);
}

TEST_F(TrailVerifierTest, InsertedForgedLineThatChainsIsInserted) {
  auto lines = ReadLines(File());
  audit::Event forged = testing::SampleEvent(99, clock_.Now());
  lines.insert(lines.begin() + 3, EncodeEvent(forged, 4, LineHash(hashes_, lines[2])));
  WriteLines(File(), lines);
  ExpectProblem(Verify(), Kind::kInserted, 4);
}

TEST_F(TrailVerifierTest, InsertedLineThatBreaksTheChainIsInserted) {
  auto lines = ReadLines(File());
  audit::Event forged = testing::SampleEvent(99, clock_.Now());
  lines.insert(lines.begin() + 3, EncodeEvent(forged, 4, std::string(64, 'e')));
  WriteLines(File(), lines);
  ExpectProblem(Verify(), Kind::kInserted, 4);
}

TEST_F(TrailVerifierTest, InsertedLineWithAFarSequenceIsInserted) {
  auto lines = ReadLines(File());
  audit::Event forged = testing::SampleEvent(99, clock_.Now());
  lines.insert(lines.begin() + 3, EncodeEvent(forged, 99, LineHash(hashes_, lines[2])));
  WriteLines(File(), lines);
  ExpectProblem(Verify(), Kind::kInserted, 99);
}

TEST_F(TrailVerifierTest, DuplicatedLineIsInserted) {
  auto lines = ReadLines(File());
  lines.insert(lines.begin() + 3, lines[2]);
  WriteLines(File(), lines);
  ExpectProblem(Verify(), Kind::kInserted, 3);
}

TEST_F(TrailVerifierTest, SwappedLinesAreReordered) {
  auto lines = ReadLines(File());
  std::swap(lines[2], lines[3]);
  WriteLines(File(), lines);
  ExpectProblem(Verify(), Kind::kReordered, 3);
}

TEST_F(TrailVerifierTest, TruncationAfterTheLastDigestNeedsTheCheckpoint) {
  auto lines = ReadLines(File());
  lines.resize(8);  // events 1-7 and the first digest
  WriteLines(File(), lines);
  VerifyReport without = Verify();
  EXPECT_TRUE(without.ok);  // the documented limit
  EXPECT_EQ(without.last_sequence, 7u);
  EXPECT_EQ(without.unsealed_events, 2u);
  ExpectProblem(Verify(true, true), Kind::kTruncated, 8);
}

TEST_F(TrailVerifierTest, ATrailingPartialLineIsIgnored) {
  std::string data = testing::ReadFile(File());
  data.resize(data.size() - 40);  // cut into the final digest
  testing::WriteFile(File(), data);
  VerifyReport r = Verify();
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.digests, 2u);
  EXPECT_EQ(r.unsealed_events, 2u);
}

TEST_F(TrailVerifierTest, DigestCoveringMissingEventsAtTheEndIsTruncated) {
  auto lines = ReadLines(File());
  lines.erase(lines.begin() + 12, lines.begin() + 14);  // events 11-12, keeping their digest
  WriteLines(File(), lines);
  ExpectProblem(Verify(), Kind::kTruncated, 11);
}

TEST_F(TrailVerifierTest, RewrittenChainIsCaughtByTheDigest) {
  auto lines = ReadLines(File());
  lines[7].replace(lines[7].find("10.0.0.7"), 8, "10.6.6.6");  // event 7
  Rechain(lines, 8);
  WriteLines(File(), lines);
  VerifyReport r = Verify();
  ExpectProblem(r, Kind::kModified, 10);
  EXPECT_NE(r.first_problem->message.find("6..10"), std::string::npos);
}

TEST_F(TrailVerifierTest, ForgedDigestHasABadSignature) {
  auto lines = ReadLines(File());
  lines[7].replace(lines[7].find("10.0.0.7"), 8, "10.6.6.6");
  Rechain(lines, 8);
  // Re-seal digests 2 and 3 with a key the attacker has (not the audit key).
  testing::EcdsaTestSigner attacker;
  std::string previous_digest = LineHash(hashes_, lines[5]);
  for (size_t i : {size_t{11}, size_t{14}}) {
    DigestRecord d = DecodeLine(lines[i])->digest();
    d.last_event_hash = LineHash(hashes_, lines[i - 1]);
    d.previous_digest_hash = previous_digest;
    d.signature = *attacker.Sign(DigestSigningText(d));
    lines[i] = EncodeDigest(d);
    previous_digest = LineHash(hashes_, lines[i]);
  }
  WriteLines(File(), lines);
  ExpectProblem(Verify(), Kind::kBadSignature, 10);
  // Without the public key the forgery passes, unless the checkpoint kept outside disagrees.
  EXPECT_TRUE(Verify(false).ok);
  ExpectProblem(Verify(false, true), Kind::kModified, 12);
}

TEST_F(TrailVerifierTest, GarbageLineIsMalformed) {
  auto lines = ReadLines(File());
  lines[4] = "{\"not\": \"an event\"}";
  WriteLines(File(), lines);
  VerifyReport r = Verify();
  ExpectProblem(r, Kind::kMalformed, 0);
  EXPECT_EQ(r.first_problem->line, 5u);
}

class RotatedTrailVerifierTest : public TrailVerifierTest {
 protected:
  void SetUp() override { Build(2500); }
};

TEST_F(RotatedTrailVerifierTest, CleanTrailAcrossFilesVerifies) {
  VerifyReport r = Verify(true, true);
  EXPECT_TRUE(r.ok) << r.first_problem->message;
  EXPECT_GT(r.files, 2u);
  EXPECT_EQ(r.events, 12u);
  EXPECT_EQ(r.digests, 3u);
}

TEST_F(RotatedTrailVerifierTest, DeletedMiddleFileIsDeleted) {
  const auto files = testing::TrailFiles(dir_.path());
  ASSERT_GT(files.size(), 2u);
  const uint64_t first = DecodeLine(ReadLines(files[1])[0])->event().sequence;
  std::filesystem::remove(files[1]);
  ExpectProblem(Verify(), Kind::kDeleted, first);
}

TEST_F(RotatedTrailVerifierTest, RenamedFileIsMalformed) {
  const auto files = testing::TrailFiles(dir_.path());
  ASSERT_GT(files.size(), 2u);
  const auto renamed = dir_.path() / ("audit-" + std::string(19, '0') + "2.jsonl");
  if (files[1] != renamed) {
    std::filesystem::rename(files[1], renamed);
    EXPECT_EQ(Verify().first_problem->kind, Kind::kMalformed);
  }
}

}  // namespace
}  // namespace coffer::audit_trail
