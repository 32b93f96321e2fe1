#include "api/aws_query/sts_api.h"

#include <string>
#include <vector>

#include "core/identity/identity_service.h"
#include "core/identity/web_identity.h"
#include "core/policy/policy.h"

namespace coffer::api::aws_query {
namespace {

using aws_json::Call;
using aws_json::JsonIn;
using aws_json::JsonOut;

identity::AssumeRoleInput InputFrom(const JsonIn& in) {
  identity::AssumeRoleInput input;
  input.role_arn = in.StrOr("RoleArn");
  input.session_name = in.StrOr("RoleSessionName");
  input.duration_seconds = in.Int("DurationSeconds");
  input.policy = in.Str("Policy");
  if (const rapidjson::Value* arns = in.Get("PolicyArns"); arns != nullptr && arns->IsArray()) {
    for (const auto& descriptor : arns->GetArray()) {
      if (auto arn = in.Child(&descriptor).Str("arn")) input.policy_arns.push_back(*arn);
    }
  }
  return input;
}

// AWS shows expirations in whole seconds; rounding down keeps clients refreshing in time.
Timestamp WholeSeconds(Timestamp t) { return FromUnixMillis(ToUnixMillis(t) / 1000 * 1000); }

void WriteCredentials(JsonOut& out, const identity::IdentityService::SessionCredentials& c) {
  out.Key("Credentials");
  out.StartObject();
  out.Field("AccessKeyId", c.access_key_id);
  out.Field("SecretAccessKey", c.secret_access_key.view());
  out.Field("SessionToken", c.session_token);
  out.FieldTime("Expiration", WholeSeconds(c.expiration));
  out.EndObject();
}

// AssumeRole's and AssumeRoleWithWebIdentity's common members. PackedPolicySize is reported
// only when the request passed session policies, as STS does.
void WriteAssumedRole(JsonOut& out, const identity::AssumeRoleOutput& r,
                      const identity::AssumeRoleInput& input) {
  WriteCredentials(out, r.credentials);
  out.Key("AssumedRoleUser");
  out.StartObject();
  out.Field("AssumedRoleId", r.assumed_role_id);
  out.Field("Arn", r.arn);
  out.EndObject();
  if (input.policy || !input.policy_arns.empty()) {
    out.FieldInt("PackedPolicySize", r.packed_policy_size);
  }
}

}  // namespace

bool StsApi::Implements(std::string_view operation) const {
  return operation == "AssumeRoleWithWebIdentity" || operation == "AssumeRole" ||
         operation == "GetCallerIdentity" || operation == "GetSessionToken";
}

bool StsApi::MayBlock(std::string_view operation) const {
  return operation == "AssumeRoleWithWebIdentity";
}

Result<void> StsApi::Invoke(std::string_view operation, Call& c) {
  c.ctx.authorizer = &authorizer_;
  if (operation == "AssumeRoleWithWebIdentity") return AssumeRoleWithWebIdentity(c);
  // Every other operation is signed: the protocol served it only after SigV4 verification.
  if (!c.ctx.credential) {
    return PermissionDeniedError("Request is missing Authentication Token");
  }
  if (operation == "AssumeRole") return AssumeRole(c);
  if (operation == "GetCallerIdentity") return GetCallerIdentity(c);
  if (operation == "GetSessionToken") return GetSessionToken(c);
  return UnimplementedError("not implemented");
}

ApiError StsApi::MapError(const Error& e) const {
  namespace r = identity::reason;
  const std::string& m = e.message;
  if (e.reason == r::kInvalidIdentityToken) return {400, "InvalidIdentityToken", m};
  if (e.reason == r::kExpiredToken) return {400, "ExpiredTokenException", m};
  if (e.reason == r::kIdpRejectedClaim) return {403, "IDPRejectedClaim", m};
  if (e.reason == r::kIdpCommunicationError) return {400, "IDPCommunicationError", m};
  if (e.reason == r::kPackedPolicyTooLarge) return {400, "PackedPolicyTooLarge", m};
  if (e.reason == policy::reason::kMalformedPolicy) return {400, "MalformedPolicyDocument", m};
  switch (e.code) {
    case ErrorCode::kPermissionDenied:
      return {403, "AccessDenied", m};
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kNotFound:
    case ErrorCode::kOutOfRange:
      return {400, "ValidationError", m};
    case ErrorCode::kResourceExhausted:
      return {400, "PackedPolicyTooLarge", m};
    case ErrorCode::kUnavailable:
      return {503, "ServiceUnavailable", "The service is unavailable. Please try again later."};
    default:
      return {500, "InternalFailure",
              "The request processing has failed because of an unknown error, exception or "
              "failure."};
  }
}

Result<void> StsApi::AssumeRoleWithWebIdentity(Call& c) {
  identity::AssumeRoleInput input = InputFrom(c.in);
  std::string token = c.in.StrOr("WebIdentityToken");
  auto r = sts_.AssumeRoleWithWebIdentity(input, token, c.ctx.Facts());
  if (!r.has_value()) {
    Error e = std::move(r).error();
    // The token is a bearer credential: whatever a verifier put in its message, it must not be
    // echoed (responses and logs are not secret).
    if (!token.empty() && e.message.find(token) != std::string::npos) {
      e.message = "The web identity token that was passed could not be validated.";
    }
    return e;
  }
  c.out.StartObject();
  WriteAssumedRole(c.out, *r, input);
  c.out.Field("SubjectFromWebIdentityToken", r->subject);
  c.out.Field("Provider", r->provider);
  c.out.Field("Audience", r->audience);
  c.out.EndObject();
  return Ok();
}

Result<void> StsApi::AssumeRole(Call& c) {
  identity::AssumeRoleInput input = InputFrom(c.in);
  COFFER_ASSIGN_OR_RETURN(identity::AssumeRoleOutput r,
                          sts_.AssumeRole(*c.ctx.credential, input, c.ctx.Facts()));
  c.out.StartObject();
  WriteAssumedRole(c.out, r, input);
  c.out.EndObject();
  return Ok();
}

Result<void> StsApi::GetCallerIdentity(Call& c) {
  const identity::Principal& who = c.ctx.principal();
  std::string account = who.account_id.empty() ? account_.account_id : who.account_id;
  c.out.StartObject();
  if (who.is_root()) {
    // The root's UserId is the account id.
    c.out.Field("UserId", account);
    c.out.Field("Account", account);
    c.out.Field("Arn", who.arn.empty() ? account_.GlobalArn("iam", "root") : who.arn);
  } else {
    // Users: AIDA…; role sessions: AROA…:<session name>.
    c.out.Field("UserId", who.principal_id);
    c.out.Field("Account", account);
    c.out.Field("Arn", who.arn);
  }
  c.out.EndObject();
  return Ok();
}

Result<void> StsApi::GetSessionToken(Call& c) {
  COFFER_ASSIGN_OR_RETURN(identity::IdentityService::SessionCredentials creds,
                          sts_.GetSessionToken(*c.ctx.credential, c.in.Int("DurationSeconds")));
  c.out.StartObject();
  WriteCredentials(c.out, creds);
  c.out.EndObject();
  return Ok();
}

}  // namespace coffer::api::aws_query
