#include "audit_trail/trail_verifier.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>
#include <vector>

#include "audit_trail/event_codec.h"
#include "audit_trail/internal/trail_files.h"

namespace coffer::audit_trail {
namespace {

using Kind = Problem::Kind;

struct Line {
  size_t file = 0;      // index into the file list
  uint64_t number = 0;  // 1-based
  std::string_view text;
  bool partial = false;  // a non-last file ends without a newline here
};

// Every line of every file, in order. Copies share the loaded file, so lookaheads are cheap.
class Cursor {
 public:
  explicit Cursor(const std::vector<internal::TrailFile>& files) : files_(&files) {}

  // False at the end of the trail.
  Result<bool> Next(Line* line) {
    while (data_ == nullptr || pos_ >= data_->size()) {
      if (data_ != nullptr) ++file_;
      if (file_ >= files_->size()) return false;
      COFFER_RETURN_IF_ERROR(Load());
    }
    const size_t nl = data_->find('\n', pos_);
    line->file = file_;
    line->number = ++number_;
    line->partial = nl == std::string::npos;
    const size_t end = line->partial ? data_->size() : nl;
    line->text = std::string_view(*data_).substr(pos_, end - pos_);
    pos_ = line->partial ? data_->size() : nl + 1;
    return true;
  }

 private:
  Result<void> Load() {
    const internal::TrailFile& f = (*files_)[file_];
    const int fd = ::open(f.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return UnavailableError("an audit trail file cannot be opened");
    struct stat st {};
    auto data = std::make_shared<std::string>();
    Result<void> r = Ok();
    if (::fstat(fd, &st) != 0) {
      r = UnavailableError("an audit trail file cannot be read");
    } else {
      data->resize(static_cast<size_t>(st.st_size));
      r = internal::ReadAt(fd, 0, data->size(), data->data());
    }
    ::close(fd);
    COFFER_RETURN_IF_ERROR(r);
    // A partial last line of the last file is a write in progress (or a crash the writer cuts
    // off at start-up): never acknowledged, so not a problem. Anywhere else it is.
    if (file_ + 1 == files_->size()) {
      const size_t nl = data->rfind('\n');
      data->resize(nl == std::string::npos ? 0 : nl + 1);
    }
    data_ = std::move(data);
    pos_ = 0;
    number_ = 0;
    return Ok();
  }

  const std::vector<internal::TrailFile>* files_;
  size_t file_ = 0;
  std::shared_ptr<const std::string> data_;
  size_t pos_ = 0;
  uint64_t number_ = 0;
};

// The next event after the cursor's position (digests and undecodable lines skipped).
Result<std::optional<EventRecord>> PeekEvent(Cursor c) {
  Line l;
  while (true) {
    COFFER_ASSIGN_OR_RETURN(bool more, c.Next(&l));
    if (!more) return std::optional<EventRecord>();
    Result<TrailLine> d = DecodeLine(l.text);
    if (d.has_value() && !d->is_digest()) {
      EventRecord e = d->event();
      e.raw = {};
      return std::optional<EventRecord>(std::move(e));
    }
  }
}

class Verifier {
 public:
  Verifier(const VerifyOptions& options, const crypto::Hashes& hashes,
           const std::vector<internal::TrailFile>& files)
      : options_(options), hashes_(hashes), files_(files) {}

  Result<VerifyReport> Run();

 private:
  void Report(Kind kind, const Line& at, uint64_t sequence, std::string message) {
    report_.first_problem =
        Problem{kind, files_[at.file].name, at.number, sequence, std::move(message)};
  }
  // Returns true when a problem was reported.
  Result<bool> CheckEvent(const Cursor& after, const Line& line, const EventRecord& e,
                          std::string_view hash);
  Result<bool> CheckDigest(const Cursor& after, const Line& line, const DigestRecord& d);
  Result<bool> ClassifyGap(const Cursor& after, const Line& line, const EventRecord& e);

  const VerifyOptions& options_;
  const crypto::Hashes& hashes_;
  const std::vector<internal::TrailFile>& files_;
  VerifyReport report_;

  uint64_t expected_ = 1;
  std::string prev_hash_ = std::string(kZeroHash);
  Line prev_line_;
  uint64_t last_digest_sequence_ = 0;
  std::string last_digest_hash_ = std::string(kZeroHash);
  std::optional<std::string> head_hash_;
  Line head_line_;
  size_t events_in_file_ = 0;
  size_t current_file_ = SIZE_MAX;
};

Result<bool> Verifier::ClassifyGap(const Cursor& after, const Line& line, const EventRecord& e) {
  // Sequence e.sequence arrived while expected_ was due. Look ahead: is expected_ somewhere
  // later (a reorder, or an extra line), or gone (a deletion)?
  Cursor c = after;
  Line l;
  bool found_expected = false;
  bool sequence_again = false;
  std::optional<std::string> hash_before;  // of the first line with sequence e.sequence - 1
  while (true) {
    COFFER_ASSIGN_OR_RETURN(bool more, c.Next(&l));
    if (!more) break;
    Result<TrailLine> d = DecodeLine(l.text);
    if (!d.has_value() || d->is_digest()) continue;
    const uint64_t s = d->event().sequence;
    if (s == expected_) found_expected = true;
    if (s == e.sequence) sequence_again = true;
    if (s == e.sequence - 1 && !hash_before.has_value()) hash_before = LineHash(hashes_, l.text);
  }
  if (!found_expected) {
    Report(Kind::kDeleted, line, expected_,
           "event " + std::to_string(expected_) + " is missing (the next event present is " +
               std::to_string(e.sequence) + ")");
  } else if (!sequence_again && hash_before.has_value() && *hash_before == e.previous_hash) {
    Report(Kind::kReordered, line, expected_,
           "event " + std::to_string(expected_) + " appears after event " +
               std::to_string(e.sequence));
  } else {
    Report(Kind::kInserted, line, e.sequence,
           "an extra line with sequence " + std::to_string(e.sequence) +
               " was inserted where event " + std::to_string(expected_) + " belongs");
  }
  return true;
}

Result<bool> Verifier::CheckEvent(const Cursor& after, const Line& line, const EventRecord& e,
                                  std::string_view hash) {
  const uint64_t s = e.sequence;
  if (s < expected_) {
    Report(Kind::kInserted, line, s,
           "sequence " + std::to_string(s) + " appears a second time (an inserted line)");
    return true;
  }
  if (s > expected_) return ClassifyGap(after, line, e);
  if (e.previous_hash != prev_hash_) {
    COFFER_ASSIGN_OR_RETURN(std::optional<EventRecord> next, PeekEvent(after));
    if (next.has_value() && next->sequence == s) {
      Report(Kind::kInserted, line, s,
             "an extra line with sequence " + std::to_string(s) + " breaks the chain");
    } else if (s == 1) {
      Report(Kind::kModified, line, 1, "event 1 was modified (its previous hash is not zero)");
    } else {
      Report(Kind::kModified, prev_line_, s - 1,
             "event " + std::to_string(s - 1) + " was modified: event " + std::to_string(s) +
                 " records a different hash for it (or event " + std::to_string(s) +
                 "'s previous hash was edited)");
    }
    return true;
  }
  if (events_in_file_ == 1 && files_[line.file].first_sequence != s) {
    Report(Kind::kMalformed, line, s,
           "the file's name says it starts at event " +
               std::to_string(files_[line.file].first_sequence) + ", not " + std::to_string(s));
    return true;
  }
  prev_hash_ = std::string(hash);
  prev_line_ = line;
  ++expected_;
  if (options_.expected_head.has_value() && options_.expected_head->last_sequence == s) {
    head_hash_ = prev_hash_;
    head_line_ = line;
  }
  return false;
}

Result<bool> Verifier::CheckDigest(const Cursor& after, const Line& line, const DigestRecord& d) {
  const uint64_t seen = expected_ - 1;
  const std::string range =
      std::to_string(d.first_sequence) + ".." + std::to_string(d.last_sequence);
  if (options_.verifier != nullptr) {
    Result<bool> valid = options_.verifier->Verify(DigestSigningText(d), d.signature);
    if (!valid.has_value() || !*valid) {
      Report(Kind::kBadSignature, line, d.last_sequence,
             "the signature of the digest over events " + range + " does not verify" +
                 (valid.has_value() ? "" : ": " + valid.error().message));
      return true;
    }
  }
  if (d.previous_digest_hash != last_digest_hash_) {
    if (d.first_sequence > last_digest_sequence_ + 1) {
      Report(Kind::kDeleted, line, last_digest_sequence_ + 1,
             "a digest record before this one (over events from " +
                 std::to_string(last_digest_sequence_ + 1) + ") is missing");
    } else {
      Report(Kind::kModified, line, last_digest_sequence_,
             "the previous digest record was modified (its hash differs from the one recorded "
             "here)");
    }
    return true;
  }
  if (d.first_sequence != last_digest_sequence_ + 1) {
    Report(Kind::kModified, line, d.first_sequence,
           "the digest over events " + range + " does not follow the previous one");
    return true;
  }
  if (d.last_sequence > seen) {
    COFFER_ASSIGN_OR_RETURN(std::optional<EventRecord> next, PeekEvent(after));
    Report(next.has_value() ? Kind::kDeleted : Kind::kTruncated, line, seen + 1,
           "the digest covers events up to " + std::to_string(d.last_sequence) +
               " but the trail has them only up to " + std::to_string(seen));
    return true;
  }
  if (d.last_sequence < seen) {
    Report(Kind::kInserted, line, d.last_sequence + 1,
           "events after " + std::to_string(d.last_sequence) +
               " appear before the digest that ends there (inserted lines)");
    return true;
  }
  if (d.last_event_hash != prev_hash_) {
    Report(Kind::kModified, line, d.last_sequence,
           "the events " + range +
               " do not match the digest sealing them: one was modified (and the chain "
               "rewritten after it)");
    return true;
  }
  last_digest_sequence_ = d.last_sequence;
  last_digest_hash_ = LineHash(hashes_, line.text);
  return false;
}

Result<VerifyReport> Verifier::Run() {
  report_.files = files_.size();
  report_.signatures_checked = options_.verifier != nullptr;
  Cursor cursor(files_);
  Line line;
  Line last_line;
  bool any_line = false;
  while (true) {
    COFFER_ASSIGN_OR_RETURN(bool more, cursor.Next(&line));
    if (!more) break;
    any_line = true;
    last_line = line;
    if (line.file != current_file_) {
      current_file_ = line.file;
      events_in_file_ = 0;
    }
    if (line.partial) {
      Report(Kind::kMalformed, line, 0, "the file ends in a partial line");
      break;
    }
    Result<TrailLine> decoded = DecodeLine(line.text);
    if (!decoded.has_value()) {
      Report(Kind::kMalformed, line, 0, decoded.error().message);
      break;
    }
    bool problem = false;
    if (decoded->is_digest()) {
      ++report_.digests;
      COFFER_ASSIGN_OR_RETURN(problem, CheckDigest(cursor, line, decoded->digest()));
    } else {
      ++report_.events;
      ++events_in_file_;
      COFFER_ASSIGN_OR_RETURN(
          problem, CheckEvent(cursor, line, decoded->event(), LineHash(hashes_, line.text)));
    }
    if (problem) break;
  }
  report_.last_sequence = expected_ - 1;
  report_.unsealed_events = report_.last_sequence - last_digest_sequence_;
  if (!report_.first_problem.has_value() && options_.expected_head.has_value()) {
    const Checkpoint& head = *options_.expected_head;
    if (head.last_sequence > report_.last_sequence) {
      Line at = last_line;
      if (!any_line) at = Line{};
      ++at.number;
      if (files_.empty()) {
        report_.first_problem = Problem{Kind::kTruncated, "", 0, report_.last_sequence + 1,
                                        "the audit trail has no files"};
      } else {
        Report(Kind::kTruncated, at, report_.last_sequence + 1,
               "the trail ends at event " + std::to_string(report_.last_sequence) +
                   " but the checkpoint records event " + std::to_string(head.last_sequence));
      }
    } else if (head.last_sequence > 0 && head_hash_ != head.last_event_hash) {
      Report(Kind::kModified, head_line_, head.last_sequence,
             "event " + std::to_string(head.last_sequence) +
                 " differs from the checkpoint's hash of it (the chain was rewritten)");
    }
  }
  report_.ok = !report_.first_problem.has_value();
  return report_;
}

}  // namespace

Result<VerifyReport> VerifyTrail(const VerifyOptions& options, const crypto::Hashes& hashes) {
  COFFER_ASSIGN_OR_RETURN(std::vector<internal::TrailFile> files,
                          internal::ListTrailFiles(options.dir));
  Verifier verifier(options, hashes, files);
  return verifier.Run();
}

}  // namespace coffer::audit_trail
