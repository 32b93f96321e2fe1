#include "cli/commands/audit.h"

#include <rapidjson/document.h>

#include <cctype>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string_view>
#include <utility>
#include <vector>

#include "audit_trail/file_audit_reader.h"
#include "audit_trail/trail_verifier.h"
#include "base/clock.h"
#include "base/encoding.h"
#include "base/strings.h"
#include "crypto/openssl/openssl_asymmetric.h"
#include "crypto/openssl/openssl_hashes.h"
#include "storage/sqlite/sqlite_meta.h"

namespace coffer::cli {
namespace {

constexpr int kMaxPageSize = 1000;  // FileAuditReader's largest page

// "2026-11-22T13:38:31Z", "2026-11-22T15:38:31+02:00", or a date, "2026-11-22" (midnight UTC).
std::optional<Timestamp> ParseTime(std::string_view s) {
  if (s.size() == 10) return ParseIso8601(std::string(s) + "T00:00:00Z");
  return ParseIso8601(s);
}

bool IsHex(std::string_view s) {
  for (char c : s) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// A table cell: control characters (an attacker may have chosen the user agent or a name) are
// shown as '?' so they cannot drive the terminal.
std::string Cell(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) c = '?';
  }
  return out.empty() ? "-" : out;
}

std::string StringMember(const rapidjson::Value& v, const char* name) {
  if (!v.IsObject()) return {};
  auto it = v.FindMember(name);
  if (it == v.MemberEnd() || !it->value.IsString()) return {};
  return {it->value.GetString(), it->value.GetStringLength()};
}

struct Column {
  const char* title;
  size_t width;
};
constexpr Column kColumns[] = {{"TIME", 20},      {"EVENT", 26},  {"USER", 18},
                               {"SOURCE IP", 15}, {"RESULT", 22}, {"RESOURCE", 0}};

void PrintRow(std::ostream& out, const std::vector<std::string>& cells) {
  std::string line;
  for (size_t i = 0; i < cells.size(); ++i) {
    line += cells[i];
    if (i + 1 == cells.size()) break;
    size_t pad = cells[i].size() < kColumns[i].width ? kColumns[i].width - cells[i].size() : 0;
    line.append(pad + 2, ' ');
  }
  out << line << '\n';
}

void PrintTableRow(std::ostream& out, const audit::LookupEvent& e) {
  // Source IP and result are in the record only.
  rapidjson::Document record;
  record.Parse(e.cloudtrail_event.data(), e.cloudtrail_event.size());
  std::string error = record.HasParseError() ? "" : StringMember(record, "errorCode");
  std::string source_ip = record.HasParseError() ? "" : StringMember(record, "sourceIPAddress");
  std::string resource;
  if (!e.resources.empty()) {
    resource = e.resources.front().resource_name;
    if (e.resources.size() > 1) resource += " (+" + std::to_string(e.resources.size() - 1) + ")";
  }
  PrintRow(out, {FormatIso8601(e.event_time), Cell(e.event_name), Cell(e.username), Cell(source_ip),
                 error.empty() ? "OK" : Cell(error), Cell(resource)});
}

const char* KindName(audit_trail::Problem::Kind kind) {
  using Kind = audit_trail::Problem::Kind;
  switch (kind) {
    case Kind::kModified:
      return "modified";
    case Kind::kDeleted:
      return "deleted";
    case Kind::kInserted:
      return "inserted";
    case Kind::kReordered:
      return "reordered";
    case Kind::kTruncated:
      return "truncated";
    case Kind::kBadSignature:
      return "bad-signature";
    case Kind::kMalformed:
      return "malformed";
  }
  return "unknown";
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return UnavailableError("cannot read " + path);
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return UnavailableError("cannot read " + path);
  return data;
}

}  // namespace

std::filesystem::path AuditDir(const std::string& data_dir, const std::string& audit_dir) {
  if (!audit_dir.empty()) return audit_dir;
  return std::filesystem::path(data_dir) / "audit";
}

void AddAuditLookupFlags(CLI::App& cmd, AuditLookupOptions& o) {
  cmd.add_option("--data-dir", o.data_dir, "Data directory")->capture_default_str();
  cmd.add_option("--audit-dir", o.audit_dir, "Trail directory (default <data-dir>/audit)");
  cmd.add_option("--event-name", o.event_name, "Operation, e.g. GetSecretValue");
  cmd.add_option("--username", o.username, "IAM user name, role session name, or root");
  cmd.add_option("--resource-name", o.resource_name, "Resource ARN or name");
  cmd.add_option("--resource-type", o.resource_type, "e.g. AWS::SecretsManager::Secret");
  cmd.add_option("--access-key-id", o.access_key_id, "Access key that signed the call");
  cmd.add_option("--event-source", o.event_source, "e.g. secretsmanager.amazonaws.com");
  cmd.add_option("--event-id", o.event_id, "One event's eventID");
  cmd.add_option("--read-only", o.read_only, "true: reads only; false: writes only")
      ->check(CLI::IsMember({"true", "false"}, CLI::ignore_case));
  cmd.add_option("--start-time", o.start_time,
                 "Events at or after this time (ISO 8601, e.g. 2026-11-22T13:00:00Z, or a date)");
  cmd.add_option("--end-time", o.end_time, "Events at or before this time (ISO 8601 or a date)");
  cmd.add_option("--max-results", o.max_results, "Events per page (1-1000)")->capture_default_str();
  cmd.add_flag("--all", o.all, "Page through every matching event");
  cmd.add_option("--output", o.output, "table | json (one CloudTrail record per line)")
      ->check(CLI::IsMember({"table", "json"}))
      ->capture_default_str();
}

void AddAuditVerifyFlags(CLI::App& cmd, AuditVerifyOptions& o) {
  cmd.add_option("--data-dir", o.data_dir, "Data directory")->capture_default_str();
  cmd.add_option("--audit-dir", o.audit_dir, "Trail directory (default <data-dir>/audit)");
  cmd.add_option("--public-key", o.public_key,
                 "The digest signing key's public key: PEM or DER file, or the output of `aws "
                 "kms get-public-key` (checks every digest signature)");
  cmd.add_option("--expect-last-sequence", o.expect_last_sequence,
                 "Sequence of the last event the trail must reach (a stored checkpoint)");
  cmd.add_option("--expect-last-hash", o.expect_last_hash, "SHA-256 (hex) of that event's line");
}

Result<audit::LookupQuery> LookupQueryFrom(const AuditLookupOptions& o) {
  audit::LookupQuery q;
  using audit::LookupKey;
  const std::pair<LookupKey, const std::string*> filters[] = {
      {LookupKey::kEventId, &o.event_id},           {LookupKey::kEventName, &o.event_name},
      {LookupKey::kUsername, &o.username},          {LookupKey::kResourceName, &o.resource_name},
      {LookupKey::kResourceType, &o.resource_type}, {LookupKey::kEventSource, &o.event_source},
      {LookupKey::kAccessKeyId, &o.access_key_id},
  };
  for (const auto& [key, value] : filters) {
    if (!value->empty()) q.attributes.push_back({key, *value});
  }
  if (!o.read_only.empty()) {
    std::string v = Lower(o.read_only);
    if (v != "true" && v != "false") {
      return InvalidArgumentError("--read-only must be true or false");
    }
    q.attributes.push_back({LookupKey::kReadOnly, v});
  }
  if (!o.start_time.empty()) {
    q.start_time = ParseTime(o.start_time);
    if (!q.start_time) {
      return InvalidArgumentError("--start-time is not an ISO 8601 time: " + o.start_time);
    }
  }
  if (!o.end_time.empty()) {
    q.end_time = ParseTime(o.end_time);
    if (!q.end_time) {
      return InvalidArgumentError("--end-time is not an ISO 8601 time: " + o.end_time);
    }
  }
  if (q.start_time && q.end_time && *q.start_time > *q.end_time) {
    return InvalidArgumentError("--start-time is after --end-time");
  }
  if (o.max_results < 1 || o.max_results > kMaxPageSize) {
    return InvalidArgumentError("--max-results must be 1 to " + std::to_string(kMaxPageSize));
  }
  q.max_results = o.max_results;
  return q;
}

Result<std::optional<audit_trail::Checkpoint>> StoredCheckpoint(
    const std::filesystem::path& data_dir) {
  // The server keeps the chain's head at its latest digest in its database ("<sequence> <hash>
  // <unix millis>"), outside the trail, so a trail cut back past it is detected.
  auto stored =
      storage::sqlite::ReadMetaFromFile((data_dir / "coffer.db").string(), "audit_checkpoint");
  if (!stored.has_value()) {
    if (stored.error().code == ErrorCode::kNotFound)
      return std::optional<audit_trail::Checkpoint>();
    return Error{stored.error().code, "cannot read the audit checkpoint from " +
                                          (data_dir / "coffer.db").string() + ": " +
                                          stored.error().message};
  }
  if (!stored->has_value()) return std::optional<audit_trail::Checkpoint>();
  std::istringstream in(**stored);
  audit_trail::Checkpoint head;
  int64_t millis = 0;
  if (!(in >> head.last_sequence >> head.last_event_hash >> millis) ||
      head.last_event_hash.size() != 64 || !IsHex(head.last_event_hash)) {
    return DataLossError("the stored audit checkpoint is malformed");
  }
  head.time = FromUnixMillis(millis);
  return std::optional<audit_trail::Checkpoint>(std::move(head));
}

Result<std::optional<audit_trail::Checkpoint>> ExpectedHead(const AuditVerifyOptions& o) {
  bool has_hash = !o.expect_last_hash.empty();
  if (o.expect_last_sequence.has_value() != has_hash) {
    return InvalidArgumentError("--expect-last-sequence and --expect-last-hash are given together");
  }
  if (!has_hash) return StoredCheckpoint(o.data_dir);
  if (o.expect_last_hash.size() != 64 || !IsHex(o.expect_last_hash)) {
    return InvalidArgumentError("--expect-last-hash must be 64 hex digits (a SHA-256)");
  }
  if (*o.expect_last_sequence == 0) {
    return InvalidArgumentError("--expect-last-sequence starts at 1");
  }
  audit_trail::Checkpoint head;
  head.last_sequence = *o.expect_last_sequence;
  head.last_event_hash = Lower(o.expect_last_hash);
  return std::optional<audit_trail::Checkpoint>(std::move(head));
}

std::string PublicKeyFromFile(std::string contents) {
  std::string_view text = TrimWhitespace(contents);
  if (text.starts_with("-----BEGIN")) return contents;
  if (text.starts_with("{")) {
    // `aws kms get-public-key` JSON output: {"KeyId": …, "PublicKey": "<base64 DER>", …}.
    rapidjson::Document doc;
    doc.Parse(text.data(), text.size());
    if (!doc.HasParseError()) {
      std::string b64 = StringMember(doc, "PublicKey");
      if (auto der = Base64Decode(b64); der && !der->empty()) return *der;
    }
    return contents;
  }
  bool base64 = !text.empty();
  for (char c : text) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '=')) {
      base64 = false;
      break;
    }
  }
  if (base64) {
    if (auto der = Base64Decode(text); der && !der->empty()) return *der;
  }
  return contents;
}

int RunAuditLookup(const AuditLookupOptions& o, std::ostream& out, std::ostream& err) {
  auto query = LookupQueryFrom(o);
  if (!query.has_value()) {
    err << "coffer: " << query.error().message << std::endl;
    return kAuditUsageError;
  }
  std::filesystem::path dir = AuditDir(o.data_dir, o.audit_dir);
  auto reader = audit_trail::FileAuditReader::Open(dir);
  if (!reader.has_value()) {
    err << "coffer: cannot open the audit trail in " << dir.string() << ": "
        << reader.error().message << std::endl;
    return kAuditUsageError;
  }
  bool table = o.output != "json";
  if (table) {
    std::vector<std::string> titles;
    for (const Column& c : kColumns) titles.emplace_back(c.title);
    PrintRow(out, titles);
  }
  size_t shown = 0;
  for (;;) {
    auto page = (*reader)->Lookup(*query);
    if (!page.has_value()) {
      out.flush();
      err << "coffer: cannot read the audit trail: " << page.error().message << std::endl;
      return 1;
    }
    for (const audit::LookupEvent& e : page->events) {
      if (table) {
        PrintTableRow(out, e);
      } else {
        out << e.cloudtrail_event << '\n';
      }
    }
    shown += page->events.size();
    if (page->next_token.empty()) break;
    if (!o.all) {
      out.flush();
      err << "(more events match: use --all to page through all of them)" << std::endl;
      break;
    }
    query->next_token = std::move(page->next_token);
  }
  out.flush();
  if (table && shown == 0) err << "(no events match)" << std::endl;
  return kAuditOk;
}

int RunAuditVerify(const AuditVerifyOptions& o, std::ostream& out, std::ostream& err) {
  auto head = ExpectedHead(o);
  if (!head.has_value()) {
    err << "coffer: " << head.error().message << std::endl;
    return kAuditUsageError;
  }
  audit_trail::VerifyOptions options;
  options.dir = AuditDir(o.data_dir, o.audit_dir);
  options.expected_head = *head;

  crypto::OpensslHashes hashes;
  crypto::OpensslAsymmetric asymmetric;
  std::unique_ptr<audit_trail::PublicKeyDigestVerifier> verifier;
  if (!o.public_key.empty()) {
    auto contents = ReadFile(o.public_key);
    if (!contents.has_value()) {
      err << "coffer: " << contents.error().message << std::endl;
      return kAuditUsageError;
    }
    auto created = audit_trail::PublicKeyDigestVerifier::Create(
        PublicKeyFromFile(std::move(*contents)), asymmetric);
    if (!created.has_value()) {
      err << "coffer: " << o.public_key
          << " is not a usable public key: " << created.error().message << std::endl;
      return kAuditUsageError;
    }
    verifier = std::move(*created);
    options.verifier = verifier.get();
  }

  auto report = audit_trail::VerifyTrail(options, hashes);
  if (!report.has_value()) {
    err << "coffer: cannot verify the audit trail in " << options.dir.string() << ": "
        << report.error().message << std::endl;
    return kAuditUsageError;
  }
  const audit_trail::VerifyReport& r = *report;
  out << "Trail:          " << options.dir.string() << "\n"
      << "Files:          " << r.files << "\n"
      << "Events:         " << r.events << " (last sequence " << r.last_sequence << ")\n"
      << "Digests:        " << r.digests << "\n"
      << "Unsealed:       " << r.unsealed_events << " event(s) after the last digest\n"
      << "Signatures:     "
      << (r.signatures_checked ? "checked"
                               : "NOT checked (give --public-key to check digest signatures)")
      << "\n"
      << "Head:           ";
  if (options.expected_head) {
    out << "expected sequence " << options.expected_head->last_sequence << "\n";
  } else {
    out << "no checkpoint given (a cut-off tail after the last digest goes unnoticed)\n";
  }
  if (r.ok && !r.first_problem) {
    out << "Result:         intact" << std::endl;
    return kAuditOk;
  }
  out << "Result:         PROBLEM FOUND" << std::endl;
  if (r.first_problem) {
    const audit_trail::Problem& p = *r.first_problem;
    out << "Problem:        " << KindName(p.kind) << "\n"
        << "File:           " << Cell(p.file) << ", line " << p.line << "\n";
    if (p.sequence != 0) out << "Sequence:       " << p.sequence << "\n";
    out << "Detail:         " << Cell(p.message) << std::endl;
  }
  return kAuditProblemFound;
}

std::function<int()> AddAuditCommand(CLI::App& app) {
  auto lookup_options = std::make_shared<AuditLookupOptions>();
  auto verify_options = std::make_shared<AuditVerifyOptions>();
  CLI::App* audit = app.add_subcommand("audit", "Query and verify the audit trail (offline).");
  audit->require_subcommand(1);
  CLI::App* lookup = audit->add_subcommand(
      "lookup",
      "Find audit events, newest first, by the LookupEvents attributes (several filters are "
      "ANDed) and time range.");
  AddAuditLookupFlags(*lookup, *lookup_options);
  CLI::App* verify = audit->add_subcommand(
      "verify",
      "Check the trail's hash chain and signed digests; exit status 0 when intact, 1 when a "
      "problem is found, 2 when the trail cannot be checked.");
  AddAuditVerifyFlags(*verify, *verify_options);
  return [=]() -> int {
    if (!audit->parsed()) return -1;
    if (lookup->parsed()) return RunAuditLookup(*lookup_options, std::cout, std::cerr);
    if (verify->parsed()) return RunAuditVerify(*verify_options, std::cout, std::cerr);
    return kAuditUsageError;
  };
}

}  // namespace coffer::cli
