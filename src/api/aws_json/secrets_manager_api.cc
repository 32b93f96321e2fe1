#include "api/aws_json/secrets_manager_api.h"

#include <map>
#include <set>

#include "core/keys/errors.h"
#include "core/secrets/errors.h"

namespace coffer::api::aws_json {
namespace shapes::secretsmanager {
#include "api/aws_json/shapes/secretsmanager_shapes.inc"
}  // namespace shapes::secretsmanager

namespace {

using secrets::SecretDescription;
constexpr std::string_view kPublicPolicyReason = "PUBLIC_POLICY";

Result<std::optional<secrets::SecretValue>> ValueFrom(const JsonIn& in) {
  auto str = in.SecretStr("SecretString");
  auto bin = in.SecretBlob("SecretBinary");
  if (str && bin) {
    return InvalidArgumentError(
        "You can't specify both a binary secret value and a string "
        "secret value in the same secret.",
        secrets::reason::kInvalidParameter);
  }
  if (str) return std::optional(secrets::SecretValue{false, std::move(*str)});
  if (bin) return std::optional(secrets::SecretValue{true, std::move(*bin)});
  return std::optional<secrets::SecretValue>();
}

void WriteStagesMap(JsonOut& out, std::string_view key, const secrets::Secret& s) {
  if (s.stages.empty()) return;
  std::map<std::string, std::vector<std::string>> by_version;
  for (const auto& [stage, vid] : s.stages) by_version[vid].push_back(stage);
  out.Key(key);
  out.StartObject();
  for (const auto& [vid, stages] : by_version) {
    out.Key(vid);
    out.StringList(stages);
  }
  out.EndObject();
}

// DescribeSecret's body, or one SecretListEntry of ListSecrets.
void WriteSecret(JsonOut& out, const SecretDescription& d, bool list_entry) {
  const secrets::Secret& s = d.secret;
  out.StartObject();
  out.Field("ARN", s.arn);
  out.Field("Name", s.name);
  if (s.type) out.Field("Type", *s.type);
  if (s.description) out.Field("Description", *s.description);
  if (!d.kms_key_id.empty()) out.Field("KmsKeyId", d.kms_key_id);
  out.FieldTime("LastChangedDate", s.last_changed);
  if (s.last_accessed) out.FieldTime("LastAccessedDate", *s.last_accessed);
  if (s.deleted) out.FieldTime("DeletedDate", *s.deleted);
  if (s.tags) out.FieldTags("Tags", *s.tags);
  WriteStagesMap(out, list_entry ? "SecretVersionsToStages" : "VersionIdsToStages", s);
  out.FieldTime("CreatedDate", s.created);
  out.EndObject();
}

void WriteValue(JsonOut& out, const secrets::SecretValueResult& v) {
  out.StartObject();
  out.Field("ARN", v.ref.arn);
  out.Field("Name", v.ref.name);
  out.Field("VersionId", v.version_id);
  if (v.value.is_binary) {
    out.Key("SecretBinary");
    out.Blob(v.value.bytes.view());
  } else {
    out.Field("SecretString", v.value.bytes.view());
  }
  out.Key("VersionStages");
  out.StringList(v.stages);
  out.FieldTime("CreatedDate", v.created);
  out.EndObject();
}

std::optional<std::vector<secrets::SecretFilter>> FiltersFrom(const JsonIn& in) {
  const rapidjson::Value* list = in.Get("Filters");
  if (list == nullptr) return std::nullopt;
  std::vector<secrets::SecretFilter> out;
  for (const auto& f : list->GetArray()) {
    JsonIn fi(&f);
    std::string key = fi.StrOr("Key");
    secrets::SecretFilter filter;
    if (key == "description")
      filter.key = secrets::FilterKey::kDescription;
    else if (key == "name")
      filter.key = secrets::FilterKey::kName;
    else if (key == "tag-key")
      filter.key = secrets::FilterKey::kTagKey;
    else if (key == "tag-value")
      filter.key = secrets::FilterKey::kTagValue;
    else if (key == "primary-region")
      filter.key = secrets::FilterKey::kPrimaryRegion;
    else if (key == "owning-service")
      filter.key = secrets::FilterKey::kOwningService;
    else
      filter.key = secrets::FilterKey::kAll;
    filter.values = fi.StrList("Values").value_or(std::vector<std::string>{});
    out.push_back(std::move(filter));
  }
  return out;
}

}  // namespace

std::span<const Operation> SecretsManagerApi::operations() const {
  return shapes::secretsmanager::kOperations;
}

bool SecretsManagerApi::Implements(std::string_view op) const {
  static const std::set<std::string_view> kImplemented = {
      "CreateSecret",         "GetSecretValue",
      "BatchGetSecretValue",  "DescribeSecret",
      "ListSecrets",          "PutSecretValue",
      "UpdateSecret",         "UpdateSecretVersionStage",
      "ListSecretVersionIds", "DeleteSecret",
      "RestoreSecret",        "TagResource",
      "UntagResource",        "GetRandomPassword",
      "GetResourcePolicy",    "PutResourcePolicy",
      "DeleteResourcePolicy", "ValidateResourcePolicy"};
  return kImplemented.count(op) > 0;
}

bool SecretsManagerApi::MayBlock(std::string_view op) const {
  static const std::set<std::string_view> kWrites = {
      "CreateSecret",      "PutSecretValue",      "UpdateSecret", "UpdateSecretVersionStage",
      "DeleteSecret",      "RestoreSecret",       "TagResource",  "UntagResource",
      "PutResourcePolicy", "DeleteResourcePolicy"};
  return kWrites.count(op) > 0;
}

Result<void> SecretsManagerApi::Invoke(std::string_view op, Call& c) {
  if (!c.ctx.unrestricted()) COFFER_RETURN_IF_ERROR(AuthorizeCall(op, c));
  if (op == "GetSecretValue") return GetSecretValue(c);
  if (op == "DescribeSecret") return DescribeSecret(c);
  if (op == "ListSecrets") return ListSecrets(c);
  if (op == "PutSecretValue") return PutSecretValue(c);
  if (op == "CreateSecret") return CreateSecret(c);
  if (op == "BatchGetSecretValue") return BatchGetSecretValue(c);
  if (op == "UpdateSecret") return UpdateSecret(c);
  if (op == "UpdateSecretVersionStage") return UpdateSecretVersionStage(c);
  if (op == "ListSecretVersionIds") return ListSecretVersionIds(c);
  if (op == "DeleteSecret") return DeleteSecret(c);
  if (op == "RestoreSecret") return RestoreSecret(c);
  if (op == "TagResource") return TagResource(c);
  if (op == "UntagResource") return UntagResource(c);
  if (op == "GetRandomPassword") return GetRandomPassword(c);
  if (op == "GetResourcePolicy") return GetResourcePolicy(c);
  if (op == "PutResourcePolicy") return PutResourcePolicy(c);
  if (op == "DeleteResourcePolicy") return DeleteResourcePolicy(c);
  if (op == "ValidateResourcePolicy") return ValidateResourcePolicy(c);
  return UnimplementedError("not implemented");
}

namespace {

using ConditionKeys = std::vector<std::pair<std::string, std::vector<std::string>>>;

// aws:RequestTag/<key> and aws:TagKeys for operations that set or remove tags.
void AddTagKeys(const JsonIn& in, std::string_view op, ConditionKeys& keys) {
  if (op == "UntagResource") {
    if (auto ks = in.StrList("TagKeys")) keys.push_back({"aws:TagKeys", *ks});
    return;
  }
  auto tags = in.Tags("Tags");
  if (!tags || tags->empty()) return;
  std::vector<std::string> names;
  for (const core::Tag& t : *tags) {
    keys.push_back({"aws:RequestTag/" + t.key, {t.value}});
    names.push_back(t.key);
  }
  keys.push_back({"aws:TagKeys", std::move(names)});
}

// A policy that grants access to everyone: an Allow statement for any principal, without
// conditions (what BlockPublicPolicy refuses).
bool IsPublic(const policy::Policy& p) {
  for (const auto& st : p.statements()) {
    if (st.effect != policy::internal::Effect::kAllow || !st.conditions.empty()) continue;
    if (st.not_principal || (st.has_principal && st.principals.any)) return true;
  }
  return false;
}

}  // namespace

Result<policy::PolicyPtr> SecretsManagerApi::ResourcePolicy(const secrets::Secret& secret) {
  if (!secret.resource_policy || policies_ == nullptr) return policy::PolicyPtr();
  return policies_->Get(*secret.resource_policy, policy::PolicyKind::kResource);
}

Result<void> SecretsManagerApi::AuthorizeSecret(const CallContext& ctx, std::string_view action,
                                                const secrets::Secret& secret, ConditionKeys keys) {
  if (ctx.unrestricted()) return Ok();
  identity::AccessRequest req;
  req.action = action;
  req.resource = secret.arn;
  COFFER_ASSIGN_OR_RETURN(req.resource_policy, ResourcePolicy(secret));
  static const core::Tags kNoTags;
  req.resource_tags = secret.tags ? &*secret.tags : &kNoTags;
  req.service_tag_prefix = "secretsmanager";
  keys.push_back({"secretsmanager:SecretId", {secret.arn}});
  req.keys = std::move(keys);
  return ctx.Authorize(req);
}

Result<void> SecretsManagerApi::AuthorizeMissing(const CallContext& ctx, std::string_view action,
                                                 std::string_view secret_id, ConditionKeys keys) {
  if (ctx.unrestricted()) return Ok();
  // The ARN the secret would have: its six random characters are unknown, so they are '?',
  // which "name-*" and "name-??????" patterns match.
  std::string arn = secret_id.starts_with("arn:")
                        ? std::string(secret_id)
                        : secrets_.account().Arn("secretsmanager",
                                                 "secret:" + std::string(secret_id) + "-??????");
  identity::AccessRequest req;
  req.action = action;
  req.resource = arn;
  keys.push_back({"secretsmanager:SecretId", {arn}});
  req.keys = std::move(keys);
  return ctx.Authorize(req);
}

Result<void> SecretsManagerApi::AuthorizeCall(std::string_view op, Call& c) {
  std::string action = "secretsmanager:" + std::string(op);
  // Read per secret, as the secret is read (see GetSecretValue and BatchGetSecretValue).
  if (op == "GetSecretValue") return Ok();
  if (op == "ListSecrets" || op == "GetRandomPassword" || op == "BatchGetSecretValue" ||
      (op == "ValidateResourcePolicy" && !c.in.Has("SecretId"))) {
    identity::AccessRequest req;
    req.action = action;
    return c.ctx.Authorize(req);
  }
  ConditionKeys keys;
  AddTagKeys(c.in, op, keys);
  if (op == "CreateSecret") {
    std::string name = c.in.StrOr("Name");
    keys.push_back({"secretsmanager:Name", {name}});
    if (auto k = c.in.Str("KmsKeyId")) keys.push_back({"secretsmanager:KmsKeyId", {*k}});
    return AuthorizeMissing(c.ctx, action, name, std::move(keys));
  }
  if (auto stage = c.in.Str("VersionStage")) {
    keys.push_back({"secretsmanager:VersionStage", {*stage}});
  }
  std::string id = c.in.StrOr("SecretId");
  auto secret = secrets_.Lookup(id);
  if (!secret.has_value()) {
    // The operation itself reports a missing secret, if the caller may know.
    if (secret.error().code != ErrorCode::kNotFound) return Ok();
    return AuthorizeMissing(c.ctx, action, id, std::move(keys));
  }
  return AuthorizeSecret(c.ctx, action, *secret, std::move(keys));
}

Result<void> SecretsManagerApi::GetResourcePolicy(Call& c) {
  COFFER_ASSIGN_OR_RETURN(secrets::Secret s, secrets_.Lookup(c.in.StrOr("SecretId")));
  c.out.StartObject();
  c.out.Field("ARN", s.arn);
  c.out.Field("Name", s.name);
  if (s.resource_policy) c.out.Field("ResourcePolicy", *s.resource_policy);
  c.out.EndObject();
  return Ok();
}

namespace {
Error MalformedPolicy(Error e) {
  return InvalidArgumentError(std::move(e.message), policy::reason::kMalformedPolicy);
}
}  // namespace

Result<void> SecretsManagerApi::PutResourcePolicy(Call& c) {
  if (policies_ == nullptr) return UnimplementedError("resource policies are not enabled");
  std::string text = c.in.StrOr("ResourcePolicy");
  auto parsed = policies_->parser().Parse(text, policy::PolicyKind::kResource);
  if (!parsed.has_value()) return MalformedPolicy(std::move(parsed).error());
  if (c.in.Bool("BlockPublicPolicy").value_or(false) && IsPublic(**parsed)) {
    return InvalidArgumentError(
        "The BlockPublicPolicy parameter is set to true, and the resource policy that you "
        "attempted to attach grants broad access to the secret.",
        kPublicPolicyReason);
  }
  COFFER_ASSIGN_OR_RETURN(auto ref, secrets_.PutResourcePolicy(c.in.StrOr("SecretId"), text));
  c.out.StartObject();
  c.out.Field("ARN", ref.arn);
  c.out.Field("Name", ref.name);
  c.out.EndObject();
  return Ok();
}

Result<void> SecretsManagerApi::DeleteResourcePolicy(Call& c) {
  COFFER_ASSIGN_OR_RETURN(auto ref, secrets_.DeleteResourcePolicy(c.in.StrOr("SecretId")));
  c.out.StartObject();
  c.out.Field("ARN", ref.arn);
  c.out.Field("Name", ref.name);
  c.out.EndObject();
  return Ok();
}

Result<void> SecretsManagerApi::ValidateResourcePolicy(Call& c) {
  if (policies_ == nullptr) return UnimplementedError("resource policies are not enabled");
  if (auto id = c.in.Str("SecretId")) {
    COFFER_RETURN_IF_ERROR(secrets_.Lookup(*id));  // ResourceNotFoundException
  }
  auto parsed =
      policies_->parser().Parse(c.in.StrOr("ResourcePolicy"), policy::PolicyKind::kResource);
  c.out.StartObject();
  c.out.FieldBool("PolicyValidationPassed", parsed.has_value());
  c.out.Key("ValidationErrors");
  c.out.StartArray();
  if (!parsed.has_value()) {
    c.out.StartObject();
    c.out.Field("CheckName", "SYNTAX_CHECK");
    c.out.Field("ErrorMessage", parsed.error().message);
    c.out.EndObject();
  } else if (IsPublic(**parsed)) {
    c.out.StartObject();
    c.out.Field("CheckName", "PUBLIC_ACCESS_CHECK");
    c.out.Field("ErrorMessage",
                "The resource policy grants broad access to the secret (a wildcard principal "
                "without conditions).");
    c.out.EndObject();
  }
  c.out.EndArray();
  c.out.EndObject();
  return Ok();
}

ApiError SecretsManagerApi::MapError(const Error& e) const {
  namespace r = secrets::reason;
  const std::string& m = e.message;
  if (e.reason == r::kNotFound) return {400, "ResourceNotFoundException", m};
  if (e.reason == r::kExists) return {400, "ResourceExistsException", m};
  if (e.reason == r::kInvalidRequest) return {400, "InvalidRequestException", m};
  if (e.reason == r::kInvalidParameter) return {400, "InvalidParameterException", m};
  if (e.reason == r::kValidation) return {400, "ValidationException", m};
  if (e.reason == r::kLimitExceeded) return {400, "LimitExceededException", m};
  if (e.reason == r::kEncryptionFailure) return {400, "EncryptionFailure", m};
  if (e.reason == r::kDecryptionFailure) return {400, "DecryptionFailure", m};
  if (e.reason == r::kInvalidNextToken) return {400, "InvalidNextTokenException", m};
  if (e.reason == r::kThrottled) return {400, "ThrottlingException", m};
  if (e.reason == policy::reason::kMalformedPolicy) {
    return {400, "MalformedPolicyDocumentException", m};
  }
  if (e.reason == kPublicPolicyReason) return {400, "PublicPolicyException", m};
  switch (e.code) {
    case ErrorCode::kUnavailable:
      return {503, "ServiceUnavailable", m};
    case ErrorCode::kPermissionDenied:
      return {400, "AccessDeniedException", m};
    case ErrorCode::kNotFound:
      return {400, "ResourceNotFoundException", m};
    case ErrorCode::kAlreadyExists:
      return {400, "ResourceExistsException", m};
    case ErrorCode::kInvalidArgument:
      return {400, "InvalidParameterException", m};
    case ErrorCode::kFailedPrecondition:
      return {400, "InvalidRequestException", m};
    case ErrorCode::kResourceExhausted:
      return {400, "LimitExceededException", m};
    default:
      return {500, "InternalServiceError", "An error occurred on the server side."};
  }
}

Result<void> SecretsManagerApi::CreateSecret(Call& c) {
  secrets::CreateSecretRequest req;
  req.name = c.in.StrOr("Name");
  req.client_request_token = c.in.Str("ClientRequestToken");
  req.description = c.in.Str("Description");
  req.kms_key_id = c.in.Str("KmsKeyId");
  req.type = c.in.Str("Type");
  req.tags = c.in.Tags("Tags");
  COFFER_ASSIGN_OR_RETURN(req.value, ValueFrom(c.in));
  COFFER_ASSIGN_OR_RETURN(auto r, secrets_.CreateSecret(std::move(req)));
  c.out.StartObject();
  c.out.Field("ARN", r.ref.arn);
  c.out.Field("Name", r.ref.name);
  if (r.version_id) c.out.Field("VersionId", *r.version_id);
  c.out.EndObject();
  return Ok();
}

Result<void> SecretsManagerApi::GetSecretValue(Call& c) {
  secrets::GetSecretValueRequest req{c.in.StrOr("SecretId"), c.in.Str("VersionId"),
                                     c.in.Str("VersionStage"), nullptr};
  if (!c.ctx.unrestricted()) {
    req.authorize = [this, &c, &req](const secrets::Secret& s) {
      ConditionKeys keys;
      keys.push_back({"secretsmanager:VersionStage",
                      {req.version_stage.value_or(req.version_id ? "" : "AWSCURRENT")}});
      if (req.version_id) keys.push_back({"secretsmanager:VersionId", {*req.version_id}});
      return AuthorizeSecret(c.ctx, "secretsmanager:GetSecretValue", s, std::move(keys));
    };
  }
  auto v = secrets_.GetSecretValue(req);
  if (!v.has_value()) {
    if (v.error().code == ErrorCode::kNotFound && !c.ctx.unrestricted()) {
      COFFER_RETURN_IF_ERROR(
          AuthorizeMissing(c.ctx, "secretsmanager:GetSecretValue", req.secret_id, {}));
    }
    return std::move(v).error();
  }
  WriteValue(c.out, *v);
  return Ok();
}

Result<void> SecretsManagerApi::BatchGetSecretValue(Call& c) {
  secrets::BatchGetRequest req;
  req.secret_ids = c.in.StrList("SecretIdList");
  req.filters = FiltersFrom(c.in);
  req.max_results = c.in.Int("MaxResults");
  req.next_token = c.in.Str("NextToken");
  if (!c.ctx.unrestricted()) {
    req.authorize = [this, &c](const secrets::Secret& s) {
      return AuthorizeSecret(c.ctx, "secretsmanager:GetSecretValue", s,
                             {{"secretsmanager:VersionStage", {"AWSCURRENT"}}});
    };
  }
  COFFER_ASSIGN_OR_RETURN(auto r, secrets_.BatchGetSecretValue(req));
  c.out.StartObject();
  c.out.Key("SecretValues");
  c.out.StartArray();
  for (const auto& v : r.values) WriteValue(c.out, v);
  c.out.EndArray();
  if (r.next_token) c.out.Field("NextToken", *r.next_token);
  c.out.Key("Errors");
  c.out.StartArray();
  for (const auto& e : r.errors) {
    ApiError wire = MapError(e.error);
    c.out.StartObject();
    c.out.Field("SecretId", e.secret_id);
    c.out.Field("ErrorCode", wire.code);
    c.out.Field("Message", wire.message);
    c.out.EndObject();
  }
  c.out.EndArray();
  c.out.EndObject();
  return Ok();
}

Result<void> SecretsManagerApi::DescribeSecret(Call& c) {
  COFFER_ASSIGN_OR_RETURN(auto d, secrets_.DescribeSecret(c.in.StrOr("SecretId")));
  WriteSecret(c.out, d, false);
  return Ok();
}

Result<void> SecretsManagerApi::ListSecrets(Call& c) {
  secrets::ListSecretsRequest req;
  if (auto f = FiltersFrom(c.in)) req.filters = std::move(*f);
  req.max_results = c.in.Int("MaxResults");
  req.next_token = c.in.Str("NextToken");
  req.include_planned_deletion = c.in.Bool("IncludePlannedDeletion").value_or(false);
  std::string sort = c.in.StrOr("SortBy", "created-date");
  if (sort == "name")
    req.sort = secrets::SortKey::kName;
  else if (sort == "last-changed-date")
    req.sort = secrets::SortKey::kLastChanged;
  else if (sort == "last-accessed-date")
    req.sort = secrets::SortKey::kLastAccessed;
  else
    req.sort = secrets::SortKey::kCreated;
  req.descending = c.in.StrOr("SortOrder", "asc") == "desc";
  COFFER_ASSIGN_OR_RETURN(auto r, secrets_.ListSecrets(req));
  c.out.StartObject();
  c.out.Key("SecretList");
  c.out.StartArray();
  for (const auto& d : r.secrets) WriteSecret(c.out, d, true);
  c.out.EndArray();
  if (r.next_token) c.out.Field("NextToken", *r.next_token);
  c.out.EndObject();
  return Ok();
}

Result<void> SecretsManagerApi::PutSecretValue(Call& c) {
  secrets::PutSecretValueRequest req;
  req.secret_id = c.in.StrOr("SecretId");
  req.client_request_token = c.in.Str("ClientRequestToken");
  req.version_stages = c.in.StrList("VersionStages");
  COFFER_ASSIGN_OR_RETURN(req.value, ValueFrom(c.in));
  COFFER_ASSIGN_OR_RETURN(auto r, secrets_.PutSecretValue(std::move(req)));
  c.out.StartObject();
  c.out.Field("ARN", r.ref.arn);
  c.out.Field("Name", r.ref.name);
  c.out.Field("VersionId", r.version_id);
  c.out.Key("VersionStages");
  c.out.StringList(r.stages);
  c.out.EndObject();
  return Ok();
}

Result<void> SecretsManagerApi::UpdateSecret(Call& c) {
  secrets::UpdateSecretRequest req;
  req.secret_id = c.in.StrOr("SecretId");
  req.client_request_token = c.in.Str("ClientRequestToken");
  req.description = c.in.Str("Description");
  req.kms_key_id = c.in.Str("KmsKeyId");
  req.type = c.in.Str("Type");
  COFFER_ASSIGN_OR_RETURN(req.value, ValueFrom(c.in));
  COFFER_ASSIGN_OR_RETURN(auto r, secrets_.UpdateSecret(std::move(req)));
  c.out.StartObject();
  c.out.Field("ARN", r.ref.arn);
  c.out.Field("Name", r.ref.name);
  if (r.version_id) c.out.Field("VersionId", *r.version_id);
  c.out.EndObject();
  return Ok();
}

Result<void> SecretsManagerApi::UpdateSecretVersionStage(Call& c) {
  COFFER_ASSIGN_OR_RETURN(
      auto r, secrets_.UpdateSecretVersionStage({c.in.StrOr("SecretId"), c.in.StrOr("VersionStage"),
                                                 c.in.Str("RemoveFromVersionId"),
                                                 c.in.Str("MoveToVersionId")}));
  c.out.StartObject();
  c.out.Field("ARN", r.arn);
  c.out.Field("Name", r.name);
  c.out.EndObject();
  return Ok();
}

Result<void> SecretsManagerApi::ListSecretVersionIds(Call& c) {
  COFFER_ASSIGN_OR_RETURN(
      auto r, secrets_.ListSecretVersionIds({c.in.StrOr("SecretId"), c.in.Int("MaxResults"),
                                             c.in.Str("NextToken"),
                                             c.in.Bool("IncludeDeprecated").value_or(false)}));
  c.out.StartObject();
  c.out.Key("Versions");
  c.out.StartArray();
  for (const auto& v : r.versions) {
    c.out.StartObject();
    c.out.Field("VersionId", v.version_id);
    if (!v.stages.empty()) {
      c.out.Key("VersionStages");
      c.out.StringList(v.stages);
    }
    if (v.last_accessed) c.out.FieldTime("LastAccessedDate", *v.last_accessed);
    c.out.FieldTime("CreatedDate", v.created);
    c.out.Key("KmsKeyIds");
    c.out.StringList({v.kms_key_id});
    c.out.EndObject();
  }
  c.out.EndArray();
  if (r.next_token) c.out.Field("NextToken", *r.next_token);
  c.out.Field("ARN", r.ref.arn);
  c.out.Field("Name", r.ref.name);
  c.out.EndObject();
  return Ok();
}

Result<void> SecretsManagerApi::DeleteSecret(Call& c) {
  COFFER_ASSIGN_OR_RETURN(
      auto r, secrets_.DeleteSecret({c.in.StrOr("SecretId"), c.in.Int("RecoveryWindowInDays"),
                                     c.in.Bool("ForceDeleteWithoutRecovery")}));
  c.out.StartObject();
  c.out.Field("ARN", r.ref.arn);
  c.out.Field("Name", r.ref.name);
  c.out.FieldTime("DeletionDate", r.deletion_date);
  c.out.EndObject();
  return Ok();
}

Result<void> SecretsManagerApi::RestoreSecret(Call& c) {
  COFFER_ASSIGN_OR_RETURN(auto r, secrets_.RestoreSecret(c.in.StrOr("SecretId")));
  c.out.StartObject();
  c.out.Field("ARN", r.arn);
  c.out.Field("Name", r.name);
  c.out.EndObject();
  return Ok();
}

Result<void> SecretsManagerApi::TagResource(Call& c) {
  return secrets_.TagResource(c.in.StrOr("SecretId"), c.in.Tags("Tags").value_or(core::Tags{}));
}

Result<void> SecretsManagerApi::UntagResource(Call& c) {
  return secrets_.UntagResource(c.in.StrOr("SecretId"),
                                c.in.StrList("TagKeys").value_or(std::vector<std::string>{}));
}

Result<void> SecretsManagerApi::GetRandomPassword(Call& c) {
  secrets::PasswordOptions o;
  o.length = c.in.Int("PasswordLength").value_or(32);
  o.exclude_characters = c.in.StrOr("ExcludeCharacters");
  o.exclude_numbers = c.in.Bool("ExcludeNumbers").value_or(false);
  o.exclude_punctuation = c.in.Bool("ExcludePunctuation").value_or(false);
  o.exclude_uppercase = c.in.Bool("ExcludeUppercase").value_or(false);
  o.exclude_lowercase = c.in.Bool("ExcludeLowercase").value_or(false);
  o.include_space = c.in.Bool("IncludeSpace").value_or(false);
  o.require_each_included_type = c.in.Bool("RequireEachIncludedType").value_or(true);
  COFFER_ASSIGN_OR_RETURN(SecretBytes pw, secrets_.GetRandomPassword(o));
  c.out.StartObject();
  c.out.Field("RandomPassword", pw.view());
  c.out.EndObject();
  return Ok();
}

}  // namespace coffer::api::aws_json
