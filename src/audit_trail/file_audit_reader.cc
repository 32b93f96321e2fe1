#include "audit_trail/file_audit_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <system_error>

#include "audit_trail/event_codec.h"
#include "audit_trail/internal/trail_files.h"
#include "base/encoding.h"
#include "base/strings.h"

namespace coffer::audit_trail {
namespace {

using audit::LookupKey;

constexpr size_t kChunk = size_t{1} << 20;

// Complete lines of a file, last first, read backwards in chunks (a lookup touches only the
// files and parts of files it needs). Bytes after the last newline are ignored: the writer may
// be in the middle of appending them.
class ReverseLines {
 public:
  static Result<ReverseLines> Open(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return UnavailableError("an audit trail file cannot be opened");
    ReverseLines r(fd);
    struct stat st {};
    if (::fstat(fd, &st) != 0) return UnavailableError("an audit trail file cannot be read");
    r.pos_ = static_cast<uint64_t>(st.st_size);
    // Find the last newline.
    while (true) {
      const size_t nl = r.data_.rfind('\n');
      if (nl != std::string::npos) {
        r.end_ = nl + 1;
        break;
      }
      if (r.pos_ == 0) break;
      COFFER_RETURN_IF_ERROR(r.ReadChunk());
    }
    return r;
  }

  ReverseLines(ReverseLines&& o) noexcept
      : fd_(std::exchange(o.fd_, -1)), pos_(o.pos_), data_(std::move(o.data_)), end_(o.end_) {}
  ReverseLines& operator=(ReverseLines&&) = delete;
  ~ReverseLines() {
    if (fd_ >= 0) ::close(fd_);
  }

  // The next line (newest first), or false at the start of the file. The view is valid until
  // the next call.
  Result<bool> Next(std::string_view* line) {
    if (end_ == 0) return false;
    while (true) {
      const size_t nl = end_ >= 2 ? data_.rfind('\n', end_ - 2) : std::string::npos;
      if (nl != std::string::npos) {
        *line = std::string_view(data_).substr(nl + 1, end_ - 1 - (nl + 1));
        end_ = nl + 1;
        return true;
      }
      if (pos_ == 0) {
        *line = std::string_view(data_).substr(0, end_ - 1);
        end_ = 0;
        return true;
      }
      COFFER_RETURN_IF_ERROR(ReadChunk());
    }
  }

 private:
  explicit ReverseLines(int fd) : fd_(fd) {}

  // Prepends the chunk before pos_ to the unconsumed bytes.
  Result<void> ReadChunk() {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(pos_, kChunk));
    std::string chunk(n, '\0');
    COFFER_RETURN_IF_ERROR(internal::ReadAt(fd_, pos_ - n, n, chunk.data()));
    pos_ -= n;
    chunk.append(data_, 0, end_ == 0 ? data_.size() : end_);
    end_ = end_ == 0 ? 0 : end_ + n;
    data_ = std::move(chunk);
    return Ok();
  }

  int fd_;
  uint64_t pos_ = 0;  // file offset of data_[0]
  std::string data_;
  size_t end_ = 0;  // data_[0, end_) is unconsumed and ends with a newline
};

uint64_t Fnv1a(std::string_view s, uint64_t h = 14695981039346656037ULL) {
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return h;
}

// A fingerprint of everything that selects events (not max_results), bound into next tokens.
uint64_t QueryHash(const audit::LookupQuery& q) {
  std::string canon = "lookup";
  canon += '\x1e';
  canon += q.start_time.has_value() ? std::to_string(ToUnixMillis(*q.start_time)) : "-";
  canon += '\x1e';
  canon += q.end_time.has_value() ? std::to_string(ToUnixMillis(*q.end_time)) : "-";
  for (const audit::LookupAttribute& a : q.attributes) {
    canon += '\x1e';
    canon += std::to_string(static_cast<int>(a.key));
    canon += '\x1f';
    canon += a.value;
  }
  return Fnv1a(canon);
}

std::string MakeToken(uint64_t resume_sequence, uint64_t query_hash) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "1.%llu.%016llx", static_cast<unsigned long long>(resume_sequence),
                static_cast<unsigned long long>(query_hash));
  return Base64UrlEncode(buf);
}

Result<uint64_t> ParseToken(std::string_view token, uint64_t query_hash) {
  const Error invalid = InvalidArgumentError("The NextToken is not valid for this query.");
  if (token.size() > 128) return invalid;
  std::optional<std::string> text = Base64UrlDecode(token);
  if (!text.has_value()) return invalid;
  const std::vector<std::string_view> parts = Split(*text, '.');
  if (parts.size() != 3 || parts[0] != "1" || parts[2].size() != 16) return invalid;
  std::optional<int64_t> seq = ParseInt64(parts[1]);
  if (!seq.has_value() || *seq <= 0) return invalid;
  uint64_t hash = 0;
  auto r = std::from_chars(parts[2].data(), parts[2].data() + parts[2].size(), hash, 16);
  if (r.ec != std::errc() || r.ptr != parts[2].data() + parts[2].size() || hash != query_hash) {
    return invalid;
  }
  return static_cast<uint64_t>(*seq);
}

// ResourceName matches the ARN itself or the resource's name: the ARN's last ':' or '/' part
// (a leading '/' of an SSM parameter name is optional), or a secret's name without the
// "-XXXXXX" suffix Secrets Manager adds.
bool ResourceNameMatches(std::string_view arn, std::string_view value) {
  if (arn == value) return true;
  if (!value.empty() && value.front() == '/') value.remove_prefix(1);
  if (value.empty() || arn.size() <= value.size()) return false;
  const char before = arn[arn.size() - value.size() - 1];
  if (arn.substr(arn.size() - value.size()) == value && (before == ':' || before == '/')) {
    return true;
  }
  constexpr std::string_view kSecret = ":secret:";
  const size_t s = arn.find(kSecret);
  if (s == std::string_view::npos) return false;
  const std::string_view name = arn.substr(s + kSecret.size());
  return name.size() == value.size() + 7 && name[value.size()] == '-' &&
         name.substr(0, value.size()) == value;
}

bool Matches(const EventRecord& e, const audit::LookupAttribute& a) {
  switch (a.key) {
    case LookupKey::kEventId:
      return e.event_id == a.value;
    case LookupKey::kEventName:
      return e.event_name == a.value;
    case LookupKey::kReadOnly:
      return EqualsIgnoreCase(e.read_only ? "true" : "false", a.value);
    case LookupKey::kUsername:
      return e.username == a.value;
    case LookupKey::kResourceType:
      return std::any_of(e.resources.begin(), e.resources.end(),
                         [&](const audit::Resource& r) { return r.type == a.value; });
    case LookupKey::kResourceName:
      return std::any_of(e.resources.begin(), e.resources.end(), [&](const audit::Resource& r) {
        return ResourceNameMatches(r.arn, a.value);
      });
    case LookupKey::kEventSource:
      return e.event_source == a.value;
    case LookupKey::kAccessKeyId:
      return e.access_key_id == a.value;
  }
  return false;
}

// A cheap necessary condition: the line holds each attribute's text (when the value needs no
// JSON escaping), so most lines are rejected without parsing.
bool MayMatch(std::string_view line, const audit::LookupQuery& q) {
  for (const audit::LookupAttribute& a : q.attributes) {
    if (a.key == LookupKey::kReadOnly || a.key == LookupKey::kUsername) continue;
    std::string_view v = a.value;
    if (a.key == LookupKey::kResourceName && !v.empty() && v.front() == '/') v.remove_prefix(1);
    const bool plain = std::none_of(v.begin(), v.end(), [](char c) {
      return c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20;
    });
    if (plain && line.find(v) == std::string_view::npos) return false;
  }
  return true;
}

// The cofferSequence of an event line the writer produced, without parsing all of it; the full
// decode confirms it.
std::optional<uint64_t> QuickSequence(std::string_view line) {
  constexpr std::string_view kKey = R"(,"cofferSequence":)";
  const size_t at = line.rfind(kKey);
  if (at == std::string_view::npos) return std::nullopt;
  const char* begin = line.data() + at + kKey.size();
  uint64_t v = 0;
  auto r = std::from_chars(begin, line.data() + line.size(), v);
  if (r.ec != std::errc()) return std::nullopt;
  return v;
}

audit::LookupEvent ToLookupEvent(EventRecord e) {
  audit::LookupEvent out;
  out.event_id = std::move(e.event_id);
  out.event_name = std::move(e.event_name);
  out.read_only = e.read_only ? "true" : "false";
  out.access_key_id = std::move(e.access_key_id);
  out.event_time = e.event_time;
  out.event_source = std::move(e.event_source);
  out.username = std::move(e.username);
  for (audit::Resource& r : e.resources) {
    out.resources.push_back({std::move(r.type), std::move(r.arn)});
  }
  out.cloudtrail_event = std::string(e.raw);
  return out;
}

}  // namespace

Result<std::unique_ptr<FileAuditReader>> FileAuditReader::Open(std::filesystem::path dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return UnavailableError("the audit trail directory cannot be read");
  }
  return std::unique_ptr<FileAuditReader>(new FileAuditReader(std::move(dir)));
}

Result<audit::LookupPage> FileAuditReader::Lookup(const audit::LookupQuery& query) const {
  const uint64_t query_hash = QueryHash(query);
  uint64_t resume = UINT64_MAX;
  if (!query.next_token.empty()) {
    COFFER_ASSIGN_OR_RETURN(resume, ParseToken(query.next_token, query_hash));
  }
  const size_t max_results =
      query.max_results < 1 ? 50 : static_cast<size_t>(std::min(query.max_results, 1000));
  COFFER_ASSIGN_OR_RETURN(std::vector<internal::TrailFile> files, internal::ListTrailFiles(dir_));
  audit::LookupPage page;
  for (auto f = files.rbegin(); f != files.rend(); ++f) {
    if (f->first_sequence > resume) continue;
    Result<ReverseLines> lines = ReverseLines::Open(f->path);
    if (!lines.has_value()) {
      // Rotation cannot remove files, but an operator may archive old ones meanwhile.
      std::error_code ec;
      if (!std::filesystem::exists(f->path, ec)) continue;
      return std::move(lines).error();
    }
    std::string_view line;
    while (true) {
      COFFER_ASSIGN_OR_RETURN(bool more, lines->Next(&line));
      if (!more) break;
      if (line.substr(0, 15) == R"({"cofferDigest")") continue;
      const std::optional<uint64_t> quick = QuickSequence(line);
      if (quick.has_value() && *quick > resume) continue;
      if (!MayMatch(line, query)) continue;
      Result<TrailLine> decoded = DecodeLine(line);
      if (!decoded.has_value() || decoded->is_digest()) continue;
      const EventRecord& e = decoded->event();
      if (e.sequence > resume) continue;
      if (query.start_time.has_value() && e.event_time < *query.start_time) continue;
      if (query.end_time.has_value() && e.event_time > *query.end_time) continue;
      if (!std::all_of(query.attributes.begin(), query.attributes.end(),
                       [&](const audit::LookupAttribute& a) { return Matches(e, a); })) {
        continue;
      }
      if (page.events.size() == max_results) {
        page.next_token = MakeToken(e.sequence, query_hash);
        return page;
      }
      page.events.push_back(ToLookupEvent(std::move(std::get<0>(decoded->record))));
    }
  }
  return page;
}

}  // namespace coffer::audit_trail
