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
      "CreateSecret",         "GetSecretValue",   "BatchGetSecretValue", "DescribeSecret",
      "ListSecrets",          "PutSecretValue",   "UpdateSecret",        "UpdateSecretVersionStage",
      "ListSecretVersionIds", "DeleteSecret",     "RestoreSecret",       "TagResource",
      "UntagResource",        "GetRandomPassword"};
  return kImplemented.count(op) > 0;
}

bool SecretsManagerApi::MayBlock(std::string_view op) const {
  static const std::set<std::string_view> kWrites = {
      "CreateSecret", "PutSecretValue", "UpdateSecret", "UpdateSecretVersionStage",
      "DeleteSecret", "RestoreSecret",  "TagResource",  "UntagResource"};
  return kWrites.count(op) > 0;
}

Result<void> SecretsManagerApi::Invoke(std::string_view op, Call& c) {
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
  return UnimplementedError("not implemented");
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
  COFFER_ASSIGN_OR_RETURN(
      auto v, secrets_.GetSecretValue(
                  {c.in.StrOr("SecretId"), c.in.Str("VersionId"), c.in.Str("VersionStage")}));
  WriteValue(c.out, v);
  return Ok();
}

Result<void> SecretsManagerApi::BatchGetSecretValue(Call& c) {
  secrets::BatchGetRequest req;
  req.secret_ids = c.in.StrList("SecretIdList");
  req.filters = FiltersFrom(c.in);
  req.max_results = c.in.Int("MaxResults");
  req.next_token = c.in.Str("NextToken");
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
