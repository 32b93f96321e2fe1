#include "audit_trail/file_audit_log.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>

#include "audit_trail/event_codec.h"
#include "audit_trail/internal/log_file.h"
#include "audit_trail/testing/ecdsa_test_signer.h"
#include "audit_trail/testing/sample_events.h"
#include "audit_trail/testing/temp_dir.h"
#include "audit_trail/trail_verifier.h"
#include "base/testing/fake_clock.h"
#include "crypto/openssl/openssl_hashes.h"

namespace coffer::audit_trail {
namespace {

using testing::ReadFile;
using testing::ReadLines;
using testing::SampleEvent;
using testing::TempDir;
using testing::TrailFiles;

// Wraps POSIX files and fails writes, syncs or truncations on demand, like a full or broken disk.
class FaultyFiles final : public internal::LogFiles {
 public:
  std::atomic<bool> fail_append{false};
  std::atomic<bool> fail_sync{false};
  std::atomic<bool> fail_truncate{false};
  std::atomic<bool> hold_appends{false};  // Append blocks until release()
  std::atomic<int> appends_waiting{0};

  void release() {
    std::lock_guard lock(mu_);
    hold_appends = false;
    cv_.notify_all();
  }
  void WaitWhileHeld() {
    std::unique_lock lock(mu_);
    ++appends_waiting;
    cv_.wait(lock, [this] { return !hold_appends.load(); });
    --appends_waiting;
  }

  Result<std::unique_ptr<internal::LogFile>> Open(const std::filesystem::path& path) override;

 private:
  std::mutex mu_;
  std::condition_variable cv_;
};

class FaultyFile final : public internal::LogFile {
 public:
  FaultyFile(FaultyFiles& owner, std::unique_ptr<internal::LogFile> inner)
      : owner_(owner), inner_(std::move(inner)) {}
  Result<void> Append(std::string_view data) override {
    if (owner_.hold_appends) owner_.WaitWhileHeld();
    if (owner_.fail_append) {
      // A full disk takes part of the write, then refuses the rest.
      (void)inner_->Append(data.substr(0, data.size() / 2));
      return UnavailableError("write: No space left on device");
    }
    return inner_->Append(data);
  }
  Result<void> Sync() override {
    if (owner_.fail_sync) return UnavailableError("fdatasync: Input/output error");
    return inner_->Sync();
  }
  Result<void> Truncate(uint64_t size) override {
    if (owner_.fail_truncate) return UnavailableError("ftruncate: Input/output error");
    return inner_->Truncate(size);
  }
  Result<uint64_t> Size() override { return inner_->Size(); }

 private:
  FaultyFiles& owner_;
  std::unique_ptr<internal::LogFile> inner_;
};

Result<std::unique_ptr<internal::LogFile>> FaultyFiles::Open(const std::filesystem::path& path) {
  COFFER_ASSIGN_OR_RETURN(std::unique_ptr<internal::LogFile> inner,
                          internal::PosixLogFiles().Open(path));
  return std::unique_ptr<internal::LogFile>(new FaultyFile(*this, std::move(inner)));
}

class FileAuditLogTest : public ::testing::Test {
 protected:
  FileAuditLog::Options Options() {
    FileAuditLog::Options o;
    o.dir = dir_.path() / "audit";
    o.metrics = &registry_;
    return o;
  }
  std::unique_ptr<FileAuditLog> Open(FileAuditLog::Options o) {
    auto log = FileAuditLog::Create(std::move(o), hashes_, clock_);
    EXPECT_TRUE(log.has_value()) << log.error().message;
    return log.has_value() ? std::move(log).value() : nullptr;
  }
  audit::Event Event(int i) { return SampleEvent(i, clock_.Now()); }
  VerifyReport Verify(const DigestVerifier* verifier = nullptr,
                      std::optional<Checkpoint> head = std::nullopt) {
    VerifyOptions o;
    o.dir = dir_.path() / "audit";
    o.verifier = verifier;
    o.expected_head = std::move(head);
    Result<VerifyReport> r = VerifyTrail(o, hashes_);
    EXPECT_TRUE(r.has_value());
    return r.has_value() ? *r : VerifyReport{};
  }
  std::string AllLines() {
    std::string all;
    for (const auto& f : TrailFiles(dir_.path() / "audit")) all += ReadFile(f);
    return all;
  }
  uint64_t Counter(const std::string& name) {
    const std::string text = registry_.Render();
    const size_t at = text.find("\n" + name + " ");
    if (at == std::string::npos) return 0;
    return std::stoull(text.substr(at + name.size() + 2));
  }

  TempDir dir_;
  crypto::OpensslHashes hashes_;
  coffer::testing::FakeClock clock_{*ParseIso8601("2026-11-22T13:38:31Z")};
  metrics::Registry registry_;
};

TEST_F(FileAuditLogTest, AppendsChainedEventsThatVerify) {
  testing::EcdsaTestSigner signer;
  FileAuditLog::Options o = Options();
  o.signer = &signer;
  auto log = Open(o);
  for (int i = 1; i <= 5; ++i) ASSERT_TRUE(log->AppendAndWait(Event(i)).has_value());
  EXPECT_TRUE(log->Accepting());
  log->Shutdown();
  EXPECT_EQ(log->AppendAndWait(Event(6)).error().code, ErrorCode::kUnavailable);

  const std::vector<std::string> lines =
      ReadLines(dir_.path() / "audit" / "audit-00000000000000000001.jsonl");
  ASSERT_EQ(lines.size(), 6u);  // five events and the final digest
  std::string previous(kZeroHash);
  for (int i = 0; i < 5; ++i) {
    Result<TrailLine> line = DecodeLine(lines[i]);
    ASSERT_TRUE(line.has_value());
    EXPECT_EQ(line->event().sequence, static_cast<uint64_t>(i + 1));
    EXPECT_EQ(line->event().previous_hash, previous);
    EXPECT_EQ(line->event().event_id, "event-" + std::to_string(i + 1));
    previous = LineHash(hashes_, lines[i]);
  }
  Result<TrailLine> digest = DecodeLine(lines[5]);
  ASSERT_TRUE(digest.has_value() && digest->is_digest());
  EXPECT_EQ(digest->digest().first_sequence, 1u);
  EXPECT_EQ(digest->digest().last_sequence, 5u);
  EXPECT_EQ(digest->digest().last_event_hash, previous);

  auto verifier = signer.Verifier();
  VerifyReport report = Verify(verifier.get());
  EXPECT_TRUE(report.ok);
  EXPECT_TRUE(report.signatures_checked);
  EXPECT_EQ(report.events, 5u);
  EXPECT_EQ(report.digests, 1u);
  EXPECT_EQ(report.unsealed_events, 0u);
  EXPECT_EQ(Counter("coffer_audit_events_total"), 5u);
}

TEST_F(FileAuditLogTest, FilesAreOwnerOnly) {
  auto log = Open(Options());
  ASSERT_TRUE(log->AppendAndWait(Event(1)).has_value());
  struct stat st {};
  ASSERT_EQ(::stat((dir_.path() / "audit").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(::stat((dir_.path() / "audit" / "audit-00000000000000000001.jsonl").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(FileAuditLogTest, ConcurrentAppendsAreAllAcknowledgedAndChained) {
  auto log = Open(Options());
  constexpr int kThreads = 8;
  constexpr int kPerThread = 300;
  std::atomic<int> ok{0};
  std::atomic<int> done{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        log->Append(Event(t * kPerThread + i), [&](const Result<void>& r) {
          if (r.has_value()) ok.fetch_add(1);
          done.fetch_add(1);
        });
      }
    });
  }
  for (std::thread& t : threads) t.join();
  log->Shutdown();  // drains the queue
  EXPECT_EQ(done.load(), kThreads * kPerThread);
  EXPECT_EQ(ok.load(), kThreads * kPerThread);
  VerifyReport report = Verify();
  EXPECT_TRUE(report.ok);
  EXPECT_EQ(report.events, static_cast<uint64_t>(kThreads * kPerThread));
  EXPECT_NE(registry_.Render().find("coffer_audit_batch_size_count"), std::string::npos);
}

TEST_F(FileAuditLogTest, RotatesWhenAFileExceedsTheLimit) {
  FileAuditLog::Options o = Options();
  o.max_file_bytes = 2000;
  auto log = Open(o);
  for (int i = 1; i <= 12; ++i) ASSERT_TRUE(log->AppendAndWait(Event(i)).has_value());
  log->Shutdown();
  const auto files = TrailFiles(dir_.path() / "audit");
  ASSERT_GT(files.size(), 2u);
  for (const auto& f : files) {
    const std::vector<std::string> lines = ReadLines(f);
    ASSERT_FALSE(lines.empty());
    // Each file is named after its first event, and rotation happens once the limit is passed.
    EXPECT_EQ(
        f.filename().string(),
        "audit-" +
            std::string(20 - std::to_string(DecodeLine(lines[0])->event().sequence).size(), '0') +
            std::to_string(DecodeLine(lines[0])->event().sequence) + ".jsonl");
    EXPECT_LT(ReadFile(f).size(), 2000u + 1500u);
  }
  VerifyReport report = Verify();
  EXPECT_TRUE(report.ok) << report.first_problem->message;
  EXPECT_EQ(report.events, 12u);
  EXPECT_EQ(report.files, files.size());
}

TEST_F(FileAuditLogTest, RestartContinuesBothChains) {
  testing::EcdsaTestSigner signer;
  FileAuditLog::Options o = Options();
  o.signer = &signer;
  {
    auto log = Open(o);
    for (int i = 1; i <= 3; ++i) ASSERT_TRUE(log->AppendAndWait(Event(i)).has_value());
  }
  {
    auto log = Open(o);
    for (int i = 4; i <= 5; ++i) ASSERT_TRUE(log->AppendAndWait(Event(i)).has_value());
  }
  auto verifier = signer.Verifier();
  VerifyReport report = Verify(verifier.get());
  EXPECT_TRUE(report.ok) << report.first_problem->message;
  EXPECT_EQ(report.last_sequence, 5u);
  EXPECT_EQ(report.digests, 2u);
}

TEST_F(FileAuditLogTest, RestartCutsATornLastLine) {
  {
    auto log = Open(Options());
    for (int i = 1; i <= 3; ++i) ASSERT_TRUE(log->AppendAndWait(Event(i)).has_value());
  }
  const auto file = dir_.path() / "audit" / "audit-00000000000000000001.jsonl";
  const std::string before = ReadFile(file);
  testing::WriteFile(file, before + R"({"eventVersion":"1.09","userIdenti)");
  auto log = Open(Options());
  EXPECT_EQ(ReadFile(file), before);
  ASSERT_TRUE(log->AppendAndWait(Event(4)).has_value());
  log->Shutdown();
  VerifyReport report = Verify();
  EXPECT_TRUE(report.ok);
  EXPECT_EQ(report.last_sequence, 4u);
}

TEST_F(FileAuditLogTest, RefusesToStartAfterAnUnreadableLastEvent) {
  {
    auto log = Open(Options());
    ASSERT_TRUE(log->AppendAndWait(Event(1)).has_value());
  }
  const auto file = dir_.path() / "audit" / "audit-00000000000000000001.jsonl";
  testing::WriteFile(file, ReadFile(file) + "not json\n");
  auto log = FileAuditLog::Create(Options(), hashes_, clock_);
  ASSERT_FALSE(log.has_value());
  EXPECT_EQ(log.error().code, ErrorCode::kDataLoss);
}

TEST_F(FileAuditLogTest, FailClosedRefusesCutsBackAndRecovers) {
  FaultyFiles files;
  FileAuditLog::Options o = Options();
  o.files = &files;
  auto log = Open(o);
  ASSERT_TRUE(log->AppendAndWait(Event(1)).has_value());
  ASSERT_TRUE(log->AppendAndWait(Event(2)).has_value());
  const std::string before = AllLines();

  files.fail_append = true;
  Result<void> refused = log->AppendAndWait(Event(3));
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(refused.error().message, "The audit trail cannot be written; the request was refused.");
  EXPECT_FALSE(log->Accepting());
  EXPECT_EQ(AllLines(), before);  // the half-written line is gone

  files.fail_append = false;
  files.fail_sync = true;
  EXPECT_EQ(log->AppendAndWait(Event(3)).error().code, ErrorCode::kUnavailable);
  EXPECT_EQ(AllLines(), before);

  files.fail_sync = false;
  ASSERT_TRUE(log->AppendAndWait(Event(3)).has_value());
  EXPECT_TRUE(log->Accepting());
  log->Shutdown();
  VerifyReport report = Verify();
  EXPECT_TRUE(report.ok);
  EXPECT_EQ(report.last_sequence, 3u);
  EXPECT_EQ(Counter("coffer_audit_write_failures_total"), 2u);
}

TEST_F(FileAuditLogTest, AFailedCutBackIsRepairedBeforeTheNextWrite) {
  FaultyFiles files;
  FileAuditLog::Options o = Options();
  o.files = &files;
  auto log = Open(o);
  ASSERT_TRUE(log->AppendAndWait(Event(1)).has_value());
  files.fail_append = true;
  files.fail_truncate = true;
  EXPECT_FALSE(log->AppendAndWait(Event(2)).has_value());
  files.fail_append = false;
  EXPECT_FALSE(log->AppendAndWait(Event(2)).has_value());  // still cannot cut back
  files.fail_truncate = false;
  ASSERT_TRUE(log->AppendAndWait(Event(2)).has_value());
  log->Shutdown();
  VerifyReport report = Verify();
  EXPECT_TRUE(report.ok) << report.first_problem->message;
  EXPECT_EQ(report.last_sequence, 2u);
}

TEST_F(FileAuditLogTest, NonBlockingModeAnswersAtOnceAndCountsDrops) {
  FaultyFiles files;
  FileAuditLog::Options o = Options();
  o.files = &files;
  o.fail_closed = false;
  auto log = Open(o);
  // Non-blocking AppendAndWait answers before the write: wait for the writer where it matters.
  auto wait_for = [&](const char* counter) {
    for (int i = 0; i < 500 && Counter(counter) == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  };
  ASSERT_TRUE(log->AppendAndWait(Event(1)).has_value());
  wait_for("coffer_audit_events_total");
  files.fail_append = true;
  EXPECT_TRUE(log->AppendAndWait(Event(2)).has_value());  // Ok although it cannot be written
  wait_for("coffer_audit_write_failures_total");
  EXPECT_TRUE(log->Accepting());  // non-blocking mode never refuses
  files.fail_append = false;
  EXPECT_TRUE(log->AppendAndWait(Event(3)).has_value());
  log->Shutdown();
  EXPECT_EQ(Counter("coffer_audit_dropped_events_total"), 1u);
  VerifyReport report = Verify();
  EXPECT_TRUE(report.ok);
  EXPECT_EQ(report.events, 2u);
}

TEST_F(FileAuditLogTest, NonBlockingQueueIsBounded) {
  FaultyFiles files;
  FileAuditLog::Options o = Options();
  o.files = &files;
  o.fail_closed = false;
  o.max_queued_events = 2;
  auto log = Open(o);
  files.hold_appends = true;
  int answered = 0;
  log->Append(Event(1), [&](const Result<void>& r) { answered += r.has_value(); });
  // Wait until the writer holds event 1 in its (blocked) write, so the queue is empty.
  for (int i = 0; i < 500 && files.appends_waiting.load() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_EQ(files.appends_waiting.load(), 1);
  for (int i = 2; i <= 5; ++i) {
    log->Append(Event(i), [&](const Result<void>& r) { answered += r.has_value(); });
  }
  EXPECT_EQ(answered, 5);
  EXPECT_EQ(Counter("coffer_audit_dropped_events_total"), 2u);
  files.release();
  log->Shutdown();
  EXPECT_EQ(Verify().events, 3u);
}

TEST_F(FileAuditLogTest, DigestsEveryNEventsAndReportsCheckpoints) {
  testing::EcdsaTestSigner signer;
  std::mutex mu;
  std::vector<Checkpoint> checkpoints;
  FileAuditLog::Options o = Options();
  o.signer = &signer;
  o.digest_every_events = 3;
  o.on_checkpoint = [&](const Checkpoint& c) {
    std::lock_guard lock(mu);
    checkpoints.push_back(c);
  };
  auto log = Open(o);
  for (int i = 1; i <= 7; ++i) ASSERT_TRUE(log->AppendAndWait(Event(i)).has_value());
  log->Shutdown();
  ASSERT_EQ(checkpoints.size(), 3u);
  EXPECT_EQ(checkpoints[0].last_sequence, 3u);
  EXPECT_EQ(checkpoints[1].last_sequence, 6u);
  EXPECT_EQ(checkpoints[2].last_sequence, 7u);
  EXPECT_EQ(checkpoints[2].time, std::chrono::floor<std::chrono::seconds>(clock_.Now()));
  auto verifier = signer.Verifier();
  VerifyReport report = Verify(verifier.get(), checkpoints.back());
  EXPECT_TRUE(report.ok) << report.first_problem->message;
  EXPECT_EQ(report.digests, 3u);
}

TEST_F(FileAuditLogTest, DigestsAfterTheIntervalWithoutShutdown) {
  testing::EcdsaTestSigner signer;
  std::atomic<uint64_t> sealed{0};
  FileAuditLog::Options o = Options();
  o.signer = &signer;
  o.digest_interval = std::chrono::seconds(60);
  o.on_checkpoint = [&](const Checkpoint& c) { sealed = c.last_sequence; };
  auto log = Open(o);
  ASSERT_TRUE(log->AppendAndWait(Event(1)).has_value());
  EXPECT_EQ(sealed.load(), 0u);
  clock_.Advance(std::chrono::seconds(61));
  ASSERT_TRUE(log->AppendAndWait(Event(2)).has_value());
  // The writer seals after the batch (or on its idle tick): wait for it, bounded.
  for (int i = 0; i < 300 && sealed.load() < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_GE(sealed.load(), 1u);
}

TEST_F(FileAuditLogTest, AFailedSignatureDoesNotFailRequestsAndIsRetried) {
  testing::EcdsaTestSigner signer;
  signer.set_failing(true);
  std::atomic<uint64_t> sealed{0};
  FileAuditLog::Options o = Options();
  o.signer = &signer;
  o.digest_every_events = 2;
  o.on_checkpoint = [&](const Checkpoint& c) { sealed = c.last_sequence; };
  auto log = Open(o);
  for (int i = 1; i <= 3; ++i) ASSERT_TRUE(log->AppendAndWait(Event(i)).has_value());
  EXPECT_EQ(sealed.load(), 0u);
  signer.set_failing(false);
  clock_.Advance(std::chrono::seconds(2));  // past the retry back-off
  // The writer retries on its own (idle tick, at most a second apart).
  for (int i = 0; i < 500 && sealed.load() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(sealed.load(), 3u);
  log->Shutdown();
  auto verifier = signer.Verifier();
  VerifyReport report = Verify(verifier.get());
  EXPECT_TRUE(report.ok);
  EXPECT_EQ(report.digests, 1u);  // 1..3; nothing new for a final one
  EXPECT_EQ(report.unsealed_events, 0u);
  EXPECT_GE(Counter("coffer_audit_digest_failures_total"), 1u);
}

TEST_F(FileAuditLogTest, MirrorsToStdout) {
  FileAuditLog::Options o = Options();
  o.mirror_stdout = true;
  auto log = Open(o);
  ::testing::internal::CaptureStdout();
  ASSERT_TRUE(log->AppendAndWait(Event(1)).has_value());
  const std::string out = ::testing::internal::GetCapturedStdout();
  EXPECT_EQ(out, AllLines());
}

TEST_F(FileAuditLogTest, RejectsBadOptions) {
  FileAuditLog::Options o = Options();
  o.dir.clear();
  EXPECT_EQ(FileAuditLog::Create(o, hashes_, clock_).error().code, ErrorCode::kInvalidArgument);
  o = Options();
  o.digest_every_events = 0;
  EXPECT_EQ(FileAuditLog::Create(o, hashes_, clock_).error().code, ErrorCode::kInvalidArgument);
}

// A real full file system: a 256 KiB tmpfs (needs CAP_SYS_ADMIN; skipped otherwise).
TEST_F(FileAuditLogTest, FullDiskRefusesThenRecovers) {
  const std::filesystem::path mnt = dir_.path() / "mnt";
  std::filesystem::create_directories(mnt);
  if (::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=256k,mode=0700") != 0) {
    const int err = errno;
    GTEST_SKIP() << "cannot mount a tmpfs: " << std::strerror(err);
  }
  struct Unmount {
    std::filesystem::path p;
    ~Unmount() { ::umount2(p.c_str(), MNT_DETACH); }
  } unmount{mnt};

  FileAuditLog::Options o = Options();
  o.dir = mnt / "audit";
  auto log = Open(o);
  // A big event (about 12 KiB), so a write needs fresh pages whatever slack the file has.
  auto big = [&](int i) {
    audit::Event e = Event(i);
    e.request_parameters = R"({"filler":")" + std::string(size_t{12} * 1024, 'x') + R"("})";
    return e;
  };
  ASSERT_TRUE(log->AppendAndWait(big(1)).has_value());

  // Fill the file system.
  const std::filesystem::path filler = mnt / "filler";
  const int fd = ::open(filler.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ASSERT_GE(fd, 0);
  const std::string block(4096, 'f');
  while (::write(fd, block.data(), block.size()) > 0) {
  }
  ASSERT_EQ(errno, ENOSPC);
  ::close(fd);

  Result<void> refused = log->AppendAndWait(big(2));
  ASSERT_FALSE(refused.has_value());
  EXPECT_EQ(refused.error().code, ErrorCode::kUnavailable);
  EXPECT_FALSE(log->Accepting());
  const std::string content = ReadFile(o.dir / "audit-00000000000000000001.jsonl");
  ASSERT_FALSE(content.empty());
  EXPECT_EQ(content.back(), '\n');  // no partial line
  EXPECT_EQ(ReadLines(o.dir / "audit-00000000000000000001.jsonl").size(), 1u);

  std::filesystem::remove(filler);
  ASSERT_TRUE(log->AppendAndWait(big(2)).has_value());
  EXPECT_TRUE(log->Accepting());
  log->Shutdown();
  VerifyOptions v;
  v.dir = o.dir;
  Result<VerifyReport> report = VerifyTrail(v, hashes_);
  ASSERT_TRUE(report.has_value());
  EXPECT_TRUE(report->ok);
  EXPECT_EQ(report->last_sequence, 2u);
}

}  // namespace
}  // namespace coffer::audit_trail
