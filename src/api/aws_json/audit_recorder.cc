#include "api/aws_json/audit_recorder.h"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <array>
#include <memory>
#include <mutex>
#include <utility>

#include "api/common/request_id.h"
#include "base/logging.h"
#include "base/uuid.h"

namespace coffer::api::aws_json {
namespace {

constexpr std::string_view kHidden = "HIDDEN_DUE_TO_SECURITY_REASONS";
// Bigger parameters are not recorded (CloudTrail caps whole records at 256 KB).
constexpr size_t kMaxRecordedJson = size_t{64} * 1024;
constexpr size_t kMaxUserAgent = 1024;

// Members that carry secret material whatever their model says: values, keys, tokens.
bool IsSecretMemberName(std::string_view name) {
  // (SSM parameter values are covered by their model: PSParameterValue is sensitive.)
  static constexpr std::array<std::string_view, 15> kNames = {
      "SecretString",           "SecretBinary",  "Plaintext",      "SecretAccessKey",
      "SessionToken",           "Password",      "RandomPassword", "PrivateKeyPlaintext",
      "WebIdentityToken",       "SAMLAssertion", "CiphertextBlob", "PrivateKeyCiphertextBlob",
      "CiphertextForRecipient", "Mac",           "Signature"};
  for (std::string_view n : kNames) {
    if (n == name) return true;
  }
  return false;
}

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

// CloudTrail's member names: the model's with a lower-case first letter (SecretId → secretId).
void CamelKey(Writer& w, std::string_view name) {
  char small[64];
  if (!name.empty() && name.size() <= sizeof(small)) {
    name.copy(small, name.size());
    if (small[0] >= 'A' && small[0] <= 'Z') small[0] = static_cast<char>(small[0] - 'A' + 'a');
    w.Key(small, static_cast<rapidjson::SizeType>(name.size()), true);
    return;
  }
  w.Key(name.data(), static_cast<rapidjson::SizeType>(name.size()), true);
}

void WriteHidden(Writer& w) {
  w.String(kHidden.data(), static_cast<rapidjson::SizeType>(kHidden.size()));
}

// Re-encodes `v` following `shape` (may be null: names decide alone).
void WriteRedacted(Writer& w, const rapidjson::Value& v, const Shape* shape, int depth) {
  if (depth > 32) {
    w.Null();
    return;
  }
  if (v.IsObject()) {
    w.StartObject();
    bool is_map = shape != nullptr && shape->type == Type::kMap;
    for (const auto& m : v.GetObject()) {
      std::string_view name(m.name.GetString(), m.name.GetStringLength());
      const Shape* member_shape = nullptr;
      bool sensitive = false;
      if (is_map) {
        member_shape = shape->value;
        sensitive = member_shape != nullptr && member_shape->sensitive;
        // Map keys are data (encryption context keys, tag keys): kept as they are.
        w.Key(name.data(), static_cast<rapidjson::SizeType>(name.size()), true);
      } else {
        if (shape != nullptr && shape->type == Type::kStructure) {
          for (size_t i = 0; i < shape->member_count; ++i) {
            if (name == shape->members[i].name) {
              member_shape = shape->members[i].shape;
              sensitive = shape->members[i].sensitive ||
                          (member_shape != nullptr && member_shape->sensitive);
              break;
            }
          }
        }
        if (IsSecretMemberName(name)) sensitive = true;
        CamelKey(w, name);
      }
      if (sensitive || (member_shape != nullptr && member_shape->type == Type::kBlob)) {
        WriteHidden(w);
      } else {
        WriteRedacted(w, m.value, member_shape, depth + 1);
      }
    }
    w.EndObject();
    return;
  }
  if (v.IsArray()) {
    const Shape* element = shape != nullptr ? shape->element : nullptr;
    w.StartArray();
    for (const auto& e : v.GetArray()) {
      if (element != nullptr && (element->sensitive || element->type == Type::kBlob)) {
        WriteHidden(w);
      } else {
        WriteRedacted(w, e, element, depth + 1);
      }
    }
    w.EndArray();
    return;
  }
  v.Accept(w);
}

std::string Finish(rapidjson::StringBuffer& sb) {
  if (sb.GetSize() > kMaxRecordedJson) return R"({"omitted":"too large to record"})";
  return std::string(sb.GetString(), sb.GetSize());
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.substr(0, prefix.size()) == prefix;
}

// Every string value of `"<key>":"…"` in compact JSON written by JsonOut.
template <class F>
void ScanStringMembers(std::string_view json, std::string_view quoted_key, F&& f) {
  size_t pos = 0;
  while ((pos = json.find(quoted_key, pos)) != std::string_view::npos) {
    pos += quoted_key.size();
    if (pos >= json.size() || json[pos] != ':' || pos + 1 >= json.size() || json[pos + 1] != '"') {
      continue;
    }
    size_t begin = pos + 2;
    size_t end = json.find('"', begin);
    if (end == std::string_view::npos) return;
    f(json.substr(begin, end - begin));
    pos = end;
  }
}

std::string_view InputString(const rapidjson::Value* input, const char* name) {
  if (input == nullptr || !input->IsObject()) return {};
  auto it = input->FindMember(name);
  if (it == input->MemberEnd() || !it->value.IsString()) return {};
  return {it->value.GetString(), it->value.GetStringLength()};
}

void AddResource(audit::Event& e, std::string arn, std::string_view type) {
  for (const audit::Resource& r : e.resources) {
    if (r.arn == arn) return;
  }
  e.resources.push_back({std::move(arn), std::string(type), e.recipient_account_id});
}

// The resources a call touched, as far as the request and its answer name them.
void AddResources(const AuditedCall& call, audit::Event& e) {
  const std::string& account = e.recipient_account_id;
  const std::string& region = e.aws_region;
  std::string_view svc = call.service;
  const rapidjson::Value* in = call.input;
  if (svc == "secretsmanager") {
    constexpr std::string_view kType = "AWS::SecretsManager::Secret";
    if (call.operation != "ListSecrets" && !call.output.empty()) {
      ScanStringMembers(call.output, "\"ARN\"",
                        [&](std::string_view arn) { AddResource(e, std::string(arn), kType); });
    }
    std::string_view id = InputString(in, "SecretId");
    if (e.resources.empty() && StartsWith(id, "arn:")) AddResource(e, std::string(id), kType);
  } else if (svc == "kms") {
    constexpr std::string_view kType = "AWS::KMS::Key";
    if (!StartsWith(call.operation, "List") && !call.output.empty()) {
      auto add = [&](std::string_view arn) {
        if (StartsWith(arn, "arn:")) AddResource(e, std::string(arn), kType);
      };
      ScanStringMembers(call.output, "\"KeyId\"", add);
      ScanStringMembers(call.output, "\"Arn\"", add);
    }
    if (e.resources.empty()) {
      for (const char* member : {"KeyId", "DestinationKeyId", "TargetKeyId"}) {
        std::string_view id = InputString(in, member);
        if (id.empty()) continue;
        if (StartsWith(id, "arn:")) {
          AddResource(e, std::string(id), kType);
        } else {
          std::string arn = "arn:aws:kms:" + region;
          arn += ":";
          arn += account;
          arn += StartsWith(id, "alias/") ? ":" : ":key/";
          arn += id;
          AddResource(e, std::move(arn), kType);
        }
      }
    }
  } else if (svc == "ssm") {
    constexpr std::string_view kType = "AWS::SSM::Parameter";
    auto add = [&](std::string_view name) {
      if (name.empty()) return;
      if (StartsWith(name, "arn:")) return AddResource(e, std::string(name), kType);
      AddResource(e,
                  "arn:aws:ssm:" + region + ":" + account + ":parameter" +
                      (StartsWith(name, "/") ? "" : "/") + std::string(name),
                  kType);
    };
    add(InputString(in, "Name"));
    if (in != nullptr && in->IsObject()) {
      auto it = in->FindMember("Names");
      if (it != in->MemberEnd() && it->value.IsArray()) {
        for (const auto& n : it->value.GetArray()) {
          if (n.IsString()) add({n.GetString(), n.GetStringLength()});
        }
      }
    }
  } else if (svc == "iam") {
    std::string_view user = InputString(in, "UserName");
    if (!user.empty()) {
      AddResource(e, "arn:aws:iam::" + account + ":user/" + std::string(user), "AWS::IAM::User");
    }
    std::string_view role = InputString(in, "RoleName");
    if (!role.empty()) {
      AddResource(e, "arn:aws:iam::" + account + ":role/" + std::string(role), "AWS::IAM::Role");
    }
    std::string_view policy = InputString(in, "PolicyArn");
    if (!policy.empty()) AddResource(e, std::string(policy), "AWS::IAM::Policy");
    std::string_view provider = InputString(in, "OpenIDConnectProviderArn");
    if (!provider.empty()) {
      AddResource(e, std::string(provider), "AWS::IAM::OIDCProvider");
    }
  } else if (svc == "sts") {
    std::string_view role = InputString(in, "RoleArn");
    if (!role.empty()) AddResource(e, std::string(role), "AWS::IAM::Role");
  }
}

}  // namespace

AuditRecorder::AuditRecorder(audit::AuditLog& log, crypto::Random& random, std::string account_id,
                             std::string region)
    : log_(log), random_(random), account_id_(std::move(account_id)), region_(std::move(region)) {}

bool AuditRecorder::IsReadOnly(std::string_view op) {
  static constexpr std::array<std::string_view, 10> kPrefixes = {
      "Get",      "List",    "Describe", "BatchGet", "Lookup",
      "Validate", "Encrypt", "Decrypt",  "Verify",   "Generate"};
  for (std::string_view p : kPrefixes) {
    if (StartsWith(op, p)) return true;
  }
  return op == "ReEncrypt" || op == "Sign";
}

audit::UserIdentity AuditIdentity(const identity::Credential* credential,
                                  std::string_view access_key_id) {
  audit::UserIdentity u;
  if (credential == nullptr) {
    u.type = "Unknown";
    u.access_key_id = std::string(access_key_id.substr(0, 128));
    return u;
  }
  const identity::Principal& p = credential->principal;
  u.principal_id = p.principal_id;
  u.arn = p.arn;
  u.account_id = p.account_id;
  u.access_key_id = credential->access_key_id;
  switch (p.type) {
    case identity::PrincipalType::kRoot:
      u.type = "Root";
      break;
    case identity::PrincipalType::kUser:
      u.type = "IAMUser";
      u.user_name = p.name;
      break;
    case identity::PrincipalType::kAssumedRole: {
      u.type = "AssumedRole";
      u.has_session_context = true;
      u.session_issuer_type = "Role";
      std::string_view pid = p.principal_id;
      u.session_issuer_principal_id = std::string(pid.substr(0, pid.find(':')));
      u.session_issuer_arn = p.role_arn;
      u.session_issuer_account_id = p.account_id;
      u.session_issuer_user_name = p.role_name;
      u.web_id_federated_provider = p.federated_provider;
      break;
    }
  }
  if (!credential->session_token.empty()) {
    u.has_session_context = true;
    u.session_creation_date = p.issued;
  }
  return u;
}

std::string AuditRequestParameters(const rapidjson::Value& input, const Shape* shape) {
  if (!input.IsObject() || input.MemberCount() == 0) return {};
  rapidjson::StringBuffer sb;
  Writer w(sb);
  WriteRedacted(w, input, shape, 0);
  return Finish(sb);
}

std::string AuditResponseElements(std::string_view output) {
  if (output.empty() || output == "{}") return {};
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(output.data(), output.size());
  if (doc.HasParseError() || !doc.IsObject()) return {};
  rapidjson::StringBuffer sb;
  Writer w(sb);
  WriteRedacted(w, doc, nullptr, 0);
  return Finish(sb);
}

audit::Event AuditRecorder::Build(const AuditedCall& call) const {
  audit::Event e;
  const CallContext* ctx = call.ctx;
  e.event_time = ctx->received;
  // Operator calls (/sys/) are Coffer's own; everything else is an AWS service's.
  e.event_source =
      call.service == "sys"
          ? std::string("sys.coffer")
          : std::string(call.service.empty() ? "unknown" : call.service) + ".amazonaws.com";
  e.event_name = std::string(call.operation.empty() ? "Unknown" : call.operation);
  e.aws_region = ctx->region.empty() ? region_ : ctx->region;
  if (ctx->http != nullptr) {
    e.source_ip_address = ctx->http->remote_address;
    e.user_agent = std::string(ctx->http->HeaderValue("user-agent").substr(0, kMaxUserAgent));
  }
  std::string_view claimed_key;
  if (!ctx->credential && ctx->http != nullptr) {
    // An unauthenticated call: record which key it claimed to sign with, for forensics.
    std::string_view auth = ctx->http->HeaderValue("authorization");
    size_t at = auth.find("Credential=");
    if (at != std::string_view::npos) {
      std::string_view rest = auth.substr(at + 11);
      claimed_key = rest.substr(0, rest.find('/'));
    }
  }
  e.user_identity = AuditIdentity(ctx->credential.get(), claimed_key);
  if (e.user_identity.account_id.empty() && ctx->credential) {
    e.user_identity.account_id = account_id_;
  }
  if (call.input != nullptr)
    e.request_parameters = AuditRequestParameters(*call.input, call.input_shape);
  e.read_only = IsReadOnly(call.operation);
  if (call.error == nullptr && !e.read_only)
    e.response_elements = AuditResponseElements(call.output);
  e.request_id = ctx->request_id;
  e.event_id = NewRequestId(random_);
  e.recipient_account_id = account_id_;
  if (call.error != nullptr) {
    e.error_code = call.error->code;
    e.error_message = call.error->message;
  }
  AddResources(call, e);
  return e;
}

http::Response AuditRecorder::Seal(audit::Event event, http::Response response,
                                   const UnavailableResponse& unavailable) {
  // The response is held until its event is durable. If the event cannot be made durable the
  // caller gets the `unavailable` answer instead (fail-closed): the HTTP layer sends
  // http::Response::substitute when it has been filled in by then.
  auto substitute = std::make_shared<http::Response>();
  substitute->status = 0;
  response.substitute = substitute;
  auto append = [this, substitute, unavailable](audit::Event e, std::function<void(bool)> confirm) {
    std::string request_id = e.request_id;
    log_.Append(std::move(e), [substitute, unavailable, request_id = std::move(request_id),
                               confirm = std::move(confirm)](const Result<void>& r) {
      if (!r.has_value()) *substitute = unavailable(request_id);
      confirm(true);
    });
  };
  if (!response.await) {
    response.await = [append = std::move(append),
                      event = std::move(event)](std::function<void(bool)> confirm) mutable {
      append(std::move(event), std::move(confirm));
    };
    return response;
  }
  // A provisional response whose write is still in flight: audit it once the write is known to
  // have committed. If it did not, the request runs again and that run is audited instead.
  response.await = [write_await = std::move(response.await), append = std::move(append),
                    event = std::move(event)](std::function<void(bool)> confirm) mutable {
    write_await([append = std::move(append), event = std::move(event),
                 confirm = std::move(confirm)](bool committed) mutable {
      if (!committed) return confirm(false);
      append(std::move(event), std::move(confirm));
    });
  };
  return response;
}

}  // namespace coffer::api::aws_json
