#include "audit_trail/event_codec.h"

#include <rapidjson/document.h>
#include <rapidjson/encodedstream.h>
#include <rapidjson/memorystream.h>

#include <charconv>
#include <chrono>

#include "audit_trail/internal/event_encoder.h"
#include "audit_trail/internal/json.h"
#include "base/encoding.h"

namespace coffer::audit_trail {
namespace internal {
namespace {

// Appends `,"name":"value"` when value is not empty (userIdentity omits empty strings).
void OptionalString(std::string& out, std::string_view name_with_comma, std::string_view value) {
  if (value.empty()) return;
  out.append(name_with_comma);
  AppendJsonString(out, value);
}

void AppendUint(std::string& out, uint64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

}  // namespace

void FormatEventTime(Timestamp t, char (&buf)[20]) {
  using std::chrono::days;
  using std::chrono::seconds;
  // Keep years within 0000..9999 so the text is always 20 bytes.
  constexpr int64_t kMin = -62167219200;  // 0000-01-01T00:00:00Z
  constexpr int64_t kMax = 253402300799;  // 9999-12-31T23:59:59Z
  int64_t s = std::chrono::floor<seconds>(t).time_since_epoch().count();
  s = std::max(kMin, std::min(kMax, s));
  const std::chrono::sys_seconds tp{seconds(s)};
  const auto day = std::chrono::floor<days>(tp);
  const std::chrono::year_month_day ymd(day);
  const std::chrono::hh_mm_ss hms(tp - day);
  const auto put = [&](int pos, unsigned v, int width) {
    for (int i = width - 1; i >= 0; --i) {
      buf[pos + i] = static_cast<char>('0' + v % 10);
      v /= 10;
    }
  };
  put(0, static_cast<unsigned>(static_cast<int>(ymd.year())), 4);
  buf[4] = '-';
  put(5, static_cast<unsigned>(ymd.month()), 2);
  buf[7] = '-';
  put(8, static_cast<unsigned>(ymd.day()), 2);
  buf[10] = 'T';
  put(11, static_cast<unsigned>(hms.hours().count()), 2);
  buf[13] = ':';
  put(14, static_cast<unsigned>(hms.minutes().count()), 2);
  buf[16] = ':';
  put(17, static_cast<unsigned>(hms.seconds().count()), 2);
  buf[19] = 'Z';
}

void EventEncoder::AppendTime(std::string& out, Timestamp t) {
  const int64_t second = std::chrono::floor<std::chrono::seconds>(t).time_since_epoch().count();
  if (second != cached_second_) {
    FormatEventTime(t, cached_time_);
    cached_second_ = second;
  }
  out.push_back('"');
  out.append(cached_time_, sizeof cached_time_);
  out.push_back('"');
}

int EventEncoder::AppendObjectOrNull(std::string& out, std::string_view json) {
  if (json.empty()) {
    out.append("null");
    return 0;
  }
  if (copier_.Append(out, json)) return 0;
  out.append("null");
  return 1;
}

int EventEncoder::Append(std::string& out, const audit::Event& e, uint64_t sequence,
                         std::string_view previous_hash_hex) {
  int invalid = 0;
  const audit::UserIdentity& u = e.user_identity;
  out.append(R"({"eventVersion":"1.09","userIdentity":{"type":)");
  AppendJsonString(out, u.type);
  OptionalString(out, R"(,"principalId":)", u.principal_id);
  OptionalString(out, R"(,"arn":)", u.arn);
  OptionalString(out, R"(,"accountId":)", u.account_id);
  OptionalString(out, R"(,"accessKeyId":)", u.access_key_id);
  OptionalString(out, R"(,"userName":)", u.user_name);
  OptionalString(out, R"(,"invokedBy":)", u.invoked_by);
  if (u.has_session_context) {
    out.append(R"(,"sessionContext":{)");
    bool comma = false;
    if (!u.session_issuer_type.empty() || !u.session_issuer_arn.empty()) {
      out.append(R"("sessionIssuer":{"type":)");
      AppendJsonString(out, u.session_issuer_type);
      OptionalString(out, R"(,"principalId":)", u.session_issuer_principal_id);
      OptionalString(out, R"(,"arn":)", u.session_issuer_arn);
      OptionalString(out, R"(,"accountId":)", u.session_issuer_account_id);
      OptionalString(out, R"(,"userName":)", u.session_issuer_user_name);
      out.push_back('}');
      comma = true;
    }
    if (!u.web_id_federated_provider.empty()) {
      if (comma) out.push_back(',');
      out.append(R"("webIdFederationData":{"federatedProvider":)");
      AppendJsonString(out, u.web_id_federated_provider);
      out.append(R"(,"attributes":{}})");
      comma = true;
    }
    if (comma) out.push_back(',');
    out.append(R"("attributes":{)");
    if (u.session_creation_date.has_value()) {
      out.append(R"("creationDate":)");
      AppendTime(out, *u.session_creation_date);
      out.push_back(',');
    }
    out.append(R"("mfaAuthenticated":"false"}})");
  }
  out.append(R"(},"eventTime":)");
  AppendTime(out, e.event_time);
  out.append(R"(,"eventSource":)");
  AppendJsonString(out, e.event_source);
  out.append(R"(,"eventName":)");
  AppendJsonString(out, e.event_name);
  out.append(R"(,"awsRegion":)");
  AppendJsonString(out, e.aws_region);
  out.append(R"(,"sourceIPAddress":)");
  AppendJsonString(out, e.source_ip_address);
  out.append(R"(,"userAgent":)");
  AppendJsonString(out, e.user_agent);
  OptionalString(out, R"(,"errorCode":)", e.error_code);
  OptionalString(out, R"(,"errorMessage":)", e.error_message);
  out.append(R"(,"requestParameters":)");
  invalid += AppendObjectOrNull(out, e.request_parameters);
  out.append(R"(,"responseElements":)");
  invalid += AppendObjectOrNull(out, e.response_elements);
  if (!e.additional_event_data.empty()) {
    const size_t mark = out.size();
    out.append(R"(,"additionalEventData":)");
    if (!copier_.Append(out, e.additional_event_data)) {
      out.resize(mark);
      ++invalid;
    }
  }
  out.append(R"(,"requestID":)");
  AppendJsonString(out, e.request_id);
  out.append(R"(,"eventID":)");
  AppendJsonString(out, e.event_id);
  out.append(e.read_only ? R"(,"readOnly":true)" : R"(,"readOnly":false)");
  if (!e.resources.empty()) {
    out.append(R"(,"resources":[)");
    bool first = true;
    for (const audit::Resource& r : e.resources) {
      out.append(first ? "{" : ",{");
      first = false;
      if (!r.account_id.empty()) {
        out.append(R"("accountId":)");
        AppendJsonString(out, r.account_id);
        out.push_back(',');
      }
      out.append(R"("type":)");
      AppendJsonString(out, r.type);
      out.append(R"(,"ARN":)");
      AppendJsonString(out, r.arn);
      out.push_back('}');
    }
    out.push_back(']');
  }
  out.append(R"(,"eventType":)");
  AppendJsonString(out, e.event_type);
  out.append(e.management_event ? R"(,"managementEvent":true)" : R"(,"managementEvent":false)");
  out.append(R"(,"recipientAccountId":)");
  AppendJsonString(out, e.recipient_account_id);
  out.append(R"(,"eventCategory":"Management","cofferSequence":)");
  AppendUint(out, sequence);
  out.append(R"(,"cofferPreviousHash":")");
  out.append(previous_hash_hex);
  out.append("\"}");
  return invalid;
}

}  // namespace internal

std::string EncodeEvent(const audit::Event& e, uint64_t sequence,
                        std::string_view previous_hash_hex, int* invalid_fields) {
  internal::EventEncoder encoder;
  std::string out;
  out.reserve(1024);
  const int invalid = encoder.Append(out, e, sequence, previous_hash_hex);
  if (invalid_fields != nullptr) *invalid_fields += invalid;
  return out;
}

std::string LineHash(const crypto::Hashes& hashes, std::string_view line) {
  return HexEncode(hashes.Sha256(line));
}

namespace {

using rapidjson::Value;

Error Malformed(std::string_view what) {
  return InvalidArgumentError("malformed trail line: " + std::string(what));
}

bool IsLowerHex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool HasControl(std::string_view s) {
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return true;
  }
  return false;
}

// The member's string, or empty when absent or not a string.
std::string_view Str(const Value& object, const char* name) {
  auto it = object.FindMember(name);
  if (it == object.MemberEnd() || !it->value.IsString()) return {};
  return {it->value.GetString(), it->value.GetStringLength()};
}

std::optional<uint64_t> Uint(const Value& object, const char* name) {
  auto it = object.FindMember(name);
  if (it == object.MemberEnd() || !it->value.IsUint64()) return std::nullopt;
  return it->value.GetUint64();
}

// Strict "YYYY-MM-DDTHH:MM:SSZ", as the writer formats it.
std::optional<Timestamp> ParseEventTime(std::string_view s) {
  if (s.size() != 20 || s.back() != 'Z') return std::nullopt;
  std::optional<Timestamp> t = ParseIso8601(s);
  if (!t.has_value()) return std::nullopt;
  char check[20];
  internal::FormatEventTime(*t, check);
  if (std::string_view(check, sizeof check) != s) return std::nullopt;
  return t;
}

std::string Username(const Value& identity) {
  const std::string_view type = Str(identity, "type");
  if (type == "IAMUser") return std::string(Str(identity, "userName"));
  if (type == "Root") return "root";
  if (type == "AssumedRole") {
    const std::string_view arn = Str(identity, "arn");
    const size_t slash = arn.rfind('/');
    if (slash != std::string_view::npos) return std::string(arn.substr(slash + 1));
  }
  return std::string(Str(identity, "principalId"));
}

Result<TrailLine> DecodeDigest(const Value& d) {
  if (!d.IsObject()) return Malformed("cofferDigest is not an object");
  DigestRecord r;
  const std::optional<uint64_t> version = Uint(d, "version");
  if (!version.has_value() || *version != 1) return Malformed("unknown digest version");
  const std::optional<uint64_t> first = Uint(d, "firstSequence");
  const std::optional<uint64_t> last = Uint(d, "lastSequence");
  if (!first.has_value() || !last.has_value() || *first == 0 || *last < *first) {
    return Malformed("bad digest sequence range");
  }
  r.first_sequence = *first;
  r.last_sequence = *last;
  r.last_event_hash = std::string(Str(d, "lastEventHash"));
  r.previous_digest_hash = std::string(Str(d, "previousDigestHash"));
  if (!IsLowerHex64(r.last_event_hash) || !IsLowerHex64(r.previous_digest_hash)) {
    return Malformed("bad digest hash");
  }
  std::optional<Timestamp> time = ParseEventTime(Str(d, "digestTime"));
  if (!time.has_value()) return Malformed("bad digestTime");
  r.digest_time = *time;
  r.key_arn = std::string(Str(d, "keyArn"));
  r.signing_algorithm = std::string(Str(d, "signingAlgorithm"));
  if (HasControl(r.key_arn) || HasControl(r.signing_algorithm)) {
    return Malformed("control characters in a digest field");
  }
  std::optional<std::string> signature = Base64Decode(Str(d, "signature"));
  if (!signature.has_value()) return Malformed("bad digest signature encoding");
  r.signature = std::move(*signature);
  return TrailLine{std::move(r)};
}

}  // namespace

Result<TrailLine> DecodeLine(std::string_view line) {
  if (line.find('\n') != std::string_view::npos) return Malformed("holds a newline");
  rapidjson::Document doc;
  rapidjson::MemoryStream ms(line.data(), line.size());
  rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream> is(ms);
  constexpr unsigned kFlags =
      rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;
  doc.ParseStream<kFlags>(is);
  if (doc.HasParseError()) return Malformed("not JSON");
  if (!doc.IsObject()) return Malformed("not a JSON object");
  auto digest = doc.FindMember("cofferDigest");
  if (digest != doc.MemberEnd()) {
    if (doc.MemberCount() != 1) return Malformed("extra members beside cofferDigest");
    return DecodeDigest(digest->value);
  }
  EventRecord r;
  const std::optional<uint64_t> sequence = Uint(doc, "cofferSequence");
  if (!sequence.has_value() || *sequence == 0) return Malformed("no cofferSequence");
  r.sequence = *sequence;
  r.previous_hash = std::string(Str(doc, "cofferPreviousHash"));
  if (!IsLowerHex64(r.previous_hash)) return Malformed("bad cofferPreviousHash");
  std::optional<Timestamp> time = ParseEventTime(Str(doc, "eventTime"));
  if (!time.has_value()) return Malformed("bad eventTime");
  r.event_time = *time;
  r.event_id = std::string(Str(doc, "eventID"));
  r.event_name = std::string(Str(doc, "eventName"));
  r.event_source = std::string(Str(doc, "eventSource"));
  auto read_only = doc.FindMember("readOnly");
  r.read_only =
      read_only != doc.MemberEnd() && read_only->value.IsBool() && read_only->value.GetBool();
  auto identity = doc.FindMember("userIdentity");
  if (identity != doc.MemberEnd() && identity->value.IsObject()) {
    r.access_key_id = std::string(Str(identity->value, "accessKeyId"));
    r.username = Username(identity->value);
  }
  auto resources = doc.FindMember("resources");
  if (resources != doc.MemberEnd() && resources->value.IsArray()) {
    for (const Value& v : resources->value.GetArray()) {
      if (!v.IsObject()) continue;
      audit::Resource res;
      res.arn = std::string(Str(v, "ARN"));
      res.type = std::string(Str(v, "type"));
      res.account_id = std::string(Str(v, "accountId"));
      r.resources.push_back(std::move(res));
    }
  }
  r.raw = line;
  return TrailLine{std::move(r)};
}

}  // namespace coffer::audit_trail
