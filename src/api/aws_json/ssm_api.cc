#include "api/aws_json/ssm_api.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <map>
#include <set>

#include "core/parameters/errors.h"

namespace coffer::api::aws_json {
namespace shapes::ssm {
#include "api/aws_json/shapes/ssm_shapes.inc"
}  // namespace shapes::ssm

namespace {

namespace p = parameters;

Error PolicyError(std::string m) {
  return InvalidArgumentError(std::move(m), p::reason::kInvalidPolicyAttribute);
}

// Policies: a JSON array of {"Type", "Version", "Attributes"} objects. Each is kept as its
// compact JSON text; Coffer stores and returns policies but does not act on them.
Result<std::vector<p::ParameterPolicy>> ParsePolicies(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(text.data(), text.size());
  if (doc.HasParseError() || !doc.IsArray()) {
    return PolicyError("The parameter policy is not a valid JSON array of policies.");
  }
  std::vector<p::ParameterPolicy> out;
  for (const auto& item : doc.GetArray()) {
    if (!item.IsObject()) return PolicyError("Each parameter policy must be a JSON object.");
    auto type = item.FindMember("Type");
    if (type == item.MemberEnd() || !type->value.IsString()) {
      return PolicyError("A parameter policy must have a Type.");
    }
    auto attrs = item.FindMember("Attributes");
    if (attrs != item.MemberEnd() && !attrs->value.IsObject()) {
      return PolicyError("The Attributes of a parameter policy must be a JSON object.");
    }
    rapidjson::StringBuffer sb;
    rapidjson::Writer<rapidjson::StringBuffer> w(sb);
    item.Accept(w);
    out.push_back({type->value.GetString(), std::string(sb.GetString(), sb.GetSize())});
  }
  return out;
}

void WritePolicies(JsonOut& out, const std::vector<p::ParameterPolicy>& policies) {
  out.Key("Policies");
  out.StartArray();
  for (const auto& pol : policies) {
    out.StartObject();
    out.Field("PolicyText", pol.text);
    out.Field("PolicyType", pol.type);
    out.Field("PolicyStatus", "Pending");
    out.EndObject();
  }
  out.EndArray();
}

// DescribeSecret's body, as the SourceResult of a /aws/reference/secretsmanager/ parameter.
std::string SourceResult(const secrets::SecretDescription& d) {
  const secrets::Secret& s = d.secret;
  JsonOut out;
  out.StartObject();
  out.Field("ARN", s.arn);
  out.Field("Name", s.name);
  if (s.description) out.Field("Description", *s.description);
  if (!d.kms_key_id.empty()) out.Field("KmsKeyId", d.kms_key_id);
  out.FieldTime("LastChangedDate", s.last_changed);
  if (s.last_accessed) out.FieldTime("LastAccessedDate", *s.last_accessed);
  if (!s.tags.value_or(core::Tags{}).empty()) out.FieldTags("Tags", *s.tags);
  std::map<std::string, std::vector<std::string>> by_version;
  for (const auto& [stage, vid] : s.stages) by_version[vid].push_back(stage);
  out.Key("VersionIdsToStages");
  out.StartObject();
  for (const auto& [vid, stages] : by_version) {
    out.Key(vid);
    out.StringList(stages);
  }
  out.EndObject();
  out.FieldTime("CreatedDate", s.created);
  out.EndObject();
  return out.Take();
}

void WriteParameter(JsonOut& out, const p::ParameterValue& v) {
  out.StartObject();
  out.Field("Name", v.name);
  out.Field("Type", p::TypeName(v.type));
  out.Field("Value", v.value.view());
  out.FieldInt("Version", v.version);
  if (!v.selector.empty()) out.Field("Selector", v.selector);
  if (v.source) out.Field("SourceResult", SourceResult(*v.source));
  out.FieldTime("LastModifiedDate", v.last_modified);
  out.Field("ARN", v.arn);
  out.Field("DataType", v.data_type);
  out.EndObject();
}

void WriteHistoryEntry(JsonOut& out, const p::ParameterValue& v) {
  const p::VersionAttributes& a = v.attributes;
  out.StartObject();
  out.Field("Name", v.name);
  out.Field("Type", p::TypeName(a.type));
  if (a.key_id) out.Field("KeyId", *a.key_id);
  out.FieldTime("LastModifiedDate", a.last_modified);
  out.Field("LastModifiedUser", a.last_modified_user);
  if (a.description) out.Field("Description", *a.description);
  out.Field("Value", v.value.view());
  if (a.allowed_pattern) out.Field("AllowedPattern", *a.allowed_pattern);
  out.FieldInt("Version", v.version);
  out.Key("Labels");
  out.StringList(v.labels);
  out.Field("Tier", p::TierName(a.tier));
  WritePolicies(out, a.policies);
  out.Field("DataType", a.data_type);
  out.EndObject();
}

void WriteMetadata(JsonOut& out, const p::Parameter& param) {
  const p::VersionAttributes& a = param.latest;
  out.StartObject();
  out.Field("Name", param.name);
  out.Field("ARN", param.arn);
  out.Field("Type", p::TypeName(a.type));
  if (a.type == p::ParameterType::kSecureString && a.key_id) out.Field("KeyId", *a.key_id);
  out.FieldTime("LastModifiedDate", a.last_modified);
  out.Field("LastModifiedUser", a.last_modified_user);
  if (a.description) out.Field("Description", *a.description);
  if (a.allowed_pattern) out.Field("AllowedPattern", *a.allowed_pattern);
  out.FieldInt("Version", param.version);
  out.Field("Tier", p::TierName(a.tier));
  WritePolicies(out, a.policies);
  out.Field("DataType", a.data_type);
  out.EndObject();
}

std::vector<p::RawFilter> FiltersFrom(const JsonIn& in, const char* member) {
  std::vector<p::RawFilter> out;
  const rapidjson::Value* list = in.Get(member);
  if (list == nullptr) return out;
  for (const auto& f : list->GetArray()) {
    JsonIn fi(&f);
    out.push_back({fi.StrOr("Key"), fi.Str("Option"),
                   fi.StrList("Values").value_or(std::vector<std::string>{})});
  }
  return out;
}

void WriteList(JsonOut& out, std::string_view key, const std::vector<std::string>& items) {
  out.Key(key);
  out.StringList(items);
}

}  // namespace

std::span<const Operation> SsmApi::operations() const { return shapes::ssm::kOperations; }

bool SsmApi::Implements(std::string_view op) const {
  static const std::set<std::string_view> kImplemented = {
      "PutParameter",          "GetParameter",
      "GetParameters",         "GetParametersByPath",
      "DeleteParameter",       "DeleteParameters",
      "DescribeParameters",    "GetParameterHistory",
      "LabelParameterVersion", "UnlabelParameterVersion",
      "AddTagsToResource",     "ListTagsForResource",
      "RemoveTagsFromResource"};
  return kImplemented.count(op) > 0;
}

bool SsmApi::MayBlock(std::string_view op) const {
  static const std::set<std::string_view> kWrites = {
      "PutParameter",          "DeleteParameter",         "DeleteParameters",
      "LabelParameterVersion", "UnlabelParameterVersion", "AddTagsToResource",
      "RemoveTagsFromResource"};
  return kWrites.count(op) > 0;
}

bool SsmApi::Deferrable(std::string_view op) const {
  return MayBlock(op) && op != "DeleteParameters";
}

namespace {

// The ARN IAM policies see for a parameter name (or path): "arn:…:parameter/a/b" for "/a/b" and
// "parameter/a" for "a". A name given as an ARN is used as it is; a ":version" or ":label"
// selector is not part of the resource.
std::string ParameterArn(const core::Account& account, std::string_view name) {
  if (name.starts_with("arn:")) return std::string(name);
  if (size_t colon = name.find(':'); colon != std::string_view::npos) name = name.substr(0, colon);
  if (name.starts_with("/")) name.remove_prefix(1);
  return account.Arn("ssm", "parameter/" + std::string(name));
}

}  // namespace

Result<void> SsmApi::AuthorizeCall(std::string_view op, Call& c) {
  identity::AccessRequest req;
  std::string action = "ssm:" + std::string(op);
  req.action = action;
  std::vector<std::string> names;
  if (op == "GetParameters" || op == "DeleteParameters") {
    names = c.in.StrList("Names").value_or(std::vector<std::string>{});
  } else if (op == "GetParametersByPath") {
    names.push_back(c.in.StrOr("Path"));
  } else if (op == "AddTagsToResource" || op == "ListTagsForResource" ||
             op == "RemoveTagsFromResource") {
    names.push_back(c.in.StrOr("ResourceId"));
  } else if (c.in.Has("Name")) {
    names.push_back(c.in.StrOr("Name"));
  }
  if (auto tags = c.in.Tags("Tags"); tags && !tags->empty()) {
    std::vector<std::string> keys;
    for (const core::Tag& t : *tags) {
      req.keys.push_back({"aws:RequestTag/" + t.key, {t.value}});
      keys.push_back(t.key);
    }
    req.keys.push_back({"aws:TagKeys", std::move(keys)});
  } else if (auto ks = c.in.StrList("TagKeys")) {
    req.keys.push_back({"aws:TagKeys", *ks});
  }
  if (names.empty()) return c.ctx.Authorize(req);  // DescribeParameters: every parameter
  for (const std::string& name : names) {
    std::string arn = ParameterArn(parameters_.account(), name);
    req.resource = arn;
    COFFER_RETURN_IF_ERROR(c.ctx.Authorize(req));
  }
  return Ok();
}

Result<void> SsmApi::Invoke(std::string_view op, Call& c) {
  if (!c.ctx.unrestricted()) COFFER_RETURN_IF_ERROR(AuthorizeCall(op, c));
  if (op == "GetParameter") return GetParameter(c);
  if (op == "GetParameters") return GetParameters(c);
  if (op == "GetParametersByPath") return GetParametersByPath(c);
  if (op == "PutParameter") return PutParameter(c);
  if (op == "DescribeParameters") return DescribeParameters(c);
  if (op == "GetParameterHistory") return GetParameterHistory(c);
  if (op == "DeleteParameter") return DeleteParameter(c);
  if (op == "DeleteParameters") return DeleteParameters(c);
  if (op == "LabelParameterVersion") return LabelParameterVersion(c);
  if (op == "UnlabelParameterVersion") return UnlabelParameterVersion(c);
  if (op == "AddTagsToResource") return AddTagsToResource(c);
  if (op == "ListTagsForResource") return ListTagsForResource(c);
  if (op == "RemoveTagsFromResource") return RemoveTagsFromResource(c);
  return UnimplementedError("not implemented");
}

ApiError SsmApi::MapError(const Error& e) const {
  namespace r = p::reason;
  const std::string& m = e.message;
  // SSM's error shapes spell the member "message", except the four below that use "Message".
  auto lower = [&](const char* code, int status = 400) { return ApiError{status, code, m, true}; };
  auto upper = [&](const char* code, int status = 400) { return ApiError{status, code, m, false}; };
  if (e.reason == r::kNotFound) return lower("ParameterNotFound");
  if (e.reason == r::kVersionNotFound) return lower("ParameterVersionNotFound");
  if (e.reason == r::kAlreadyExists) return lower("ParameterAlreadyExists");
  if (e.reason == r::kValidation) return lower("ValidationException");
  if (e.reason == r::kInvalidKeyId) return lower("InvalidKeyId");
  if (e.reason == r::kHierarchyLevelLimit) return lower("HierarchyLevelLimitExceededException");
  if (e.reason == r::kHierarchyTypeMismatch) return lower("HierarchyTypeMismatchException");
  if (e.reason == r::kInvalidAllowedPattern) return lower("InvalidAllowedPatternException");
  if (e.reason == r::kPatternMismatch) return lower("ParameterPatternMismatchException");
  if (e.reason == r::kMaxVersionLimit) return lower("ParameterMaxVersionLimitExceeded");
  if (e.reason == r::kLabelLimit) return lower("ParameterVersionLabelLimitExceeded");
  if (e.reason == r::kUnsupportedType) return lower("UnsupportedParameterType");
  if (e.reason == r::kPoliciesLimit) return lower("PoliciesLimitExceededException");
  if (e.reason == r::kInvalidPolicyType) return lower("InvalidPolicyTypeException");
  if (e.reason == r::kInvalidPolicyAttribute) return lower("InvalidPolicyAttributeException");
  if (e.reason == r::kIncompatiblePolicy) return lower("IncompatiblePolicyException");
  if (e.reason == r::kInvalidFilterKey) return lower("InvalidFilterKey");
  if (e.reason == r::kInvalidFilterOption) return lower("InvalidFilterOption");
  if (e.reason == r::kInvalidFilterValue) return upper("InvalidFilterValue");
  if (e.reason == r::kInvalidNextToken) return upper("InvalidNextToken");
  if (e.reason == r::kInvalidResourceType) return lower("InvalidResourceType");
  if (e.reason == r::kInvalidResourceId) return lower("InvalidResourceId");
  if (e.reason == r::kTooManyTags) return lower("TooManyTagsError");
  if (e.reason == r::kTooManyUpdates) return upper("TooManyUpdates");
  if (e.reason == r::kAccessDenied) return lower("AccessDeniedException");
  switch (e.code) {
    case ErrorCode::kUnavailable:
      return upper("ServiceUnavailable", 503);
    case ErrorCode::kPermissionDenied:
      return lower("AccessDeniedException");
    case ErrorCode::kNotFound:
      return lower("ParameterNotFound");
    case ErrorCode::kAlreadyExists:
      return lower("ParameterAlreadyExists");
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kFailedPrecondition:
      return lower("ValidationException");
    case ErrorCode::kAborted:
    case ErrorCode::kResourceExhausted:
      return upper("TooManyUpdates");
    default:
      return {500, "InternalServerError", "An error occurred on the server side.", false};
  }
}

Result<void> SsmApi::PutParameter(Call& c) {
  p::PutParameterRequest req;
  req.name = c.in.StrOr("Name");
  req.value = c.in.SecretStr("Value").value_or(SecretBytes());
  if (auto type = c.in.Str("Type")) {
    req.type = p::ParseType(*type);
    if (!req.type) {
      return InvalidArgumentError("The parameter type " + *type + " isn't supported.",
                                  p::reason::kUnsupportedType);
    }
  }
  req.description = c.in.Str("Description");
  req.key_id = c.in.Str("KeyId");
  req.overwrite = c.in.Bool("Overwrite").value_or(false);
  req.allowed_pattern = c.in.Str("AllowedPattern");
  req.tags = c.in.Tags("Tags");
  if (auto tier = c.in.Str("Tier")) req.tier = p::ParseTier(*tier);
  if (auto policies = c.in.Str("Policies")) {
    COFFER_ASSIGN_OR_RETURN(req.policies, ParsePolicies(*policies));
  }
  req.data_type = c.in.Str("DataType");
  if (req.data_type && req.data_type->empty()) req.data_type.reset();
  req.caller_arn = c.ctx.principal().arn;
  COFFER_ASSIGN_OR_RETURN(auto r, parameters_.PutParameter(std::move(req)));
  c.out.StartObject();
  c.out.FieldInt("Version", r.version);
  c.out.Field("Tier", p::TierName(r.tier));
  c.out.EndObject();
  return Ok();
}

Result<void> SsmApi::GetParameter(Call& c) {
  COFFER_ASSIGN_OR_RETURN(
      auto v,
      parameters_.GetParameter(c.in.StrOr("Name"), c.in.Bool("WithDecryption").value_or(false)));
  c.out.StartObject();
  c.out.Key("Parameter");
  WriteParameter(c.out, v);
  c.out.EndObject();
  return Ok();
}

Result<void> SsmApi::GetParameters(Call& c) {
  COFFER_ASSIGN_OR_RETURN(
      auto r, parameters_.GetParameters(c.in.StrList("Names").value_or(std::vector<std::string>{}),
                                        c.in.Bool("WithDecryption").value_or(false)));
  c.out.StartObject();
  c.out.Key("Parameters");
  c.out.StartArray();
  for (const auto& v : r.parameters) WriteParameter(c.out, v);
  c.out.EndArray();
  WriteList(c.out, "InvalidParameters", r.invalid);
  c.out.EndObject();
  return Ok();
}

Result<void> SsmApi::GetParametersByPath(Call& c) {
  p::GetByPathRequest req;
  req.path = c.in.StrOr("Path");
  req.recursive = c.in.Bool("Recursive").value_or(false);
  req.filters = FiltersFrom(c.in, "ParameterFilters");
  req.with_decryption = c.in.Bool("WithDecryption").value_or(false);
  req.max_results = c.in.Int("MaxResults");
  req.next_token = c.in.Str("NextToken");
  COFFER_ASSIGN_OR_RETURN(auto r, parameters_.GetParametersByPath(req));
  c.out.StartObject();
  c.out.Key("Parameters");
  c.out.StartArray();
  for (const auto& v : r.parameters) WriteParameter(c.out, v);
  c.out.EndArray();
  if (r.next_token) c.out.Field("NextToken", *r.next_token);
  c.out.EndObject();
  return Ok();
}

Result<void> SsmApi::DescribeParameters(Call& c) {
  p::DescribeRequest req;
  req.filters = FiltersFrom(c.in, "Filters");
  req.parameter_filters = FiltersFrom(c.in, "ParameterFilters");
  req.max_results = c.in.Int("MaxResults");
  req.next_token = c.in.Str("NextToken");
  COFFER_ASSIGN_OR_RETURN(auto r, parameters_.DescribeParameters(req));
  c.out.StartObject();
  c.out.Key("Parameters");
  c.out.StartArray();
  for (const auto& param : r.parameters) WriteMetadata(c.out, param);
  c.out.EndArray();
  if (r.next_token) c.out.Field("NextToken", *r.next_token);
  c.out.EndObject();
  return Ok();
}

Result<void> SsmApi::GetParameterHistory(Call& c) {
  COFFER_ASSIGN_OR_RETURN(
      auto r, parameters_.GetParameterHistory({c.in.StrOr("Name"),
                                               c.in.Bool("WithDecryption").value_or(false),
                                               c.in.Int("MaxResults"), c.in.Str("NextToken")}));
  c.out.StartObject();
  c.out.Key("Parameters");
  c.out.StartArray();
  for (const auto& v : r.parameters) WriteHistoryEntry(c.out, v);
  c.out.EndArray();
  if (r.next_token) c.out.Field("NextToken", *r.next_token);
  c.out.EndObject();
  return Ok();
}

Result<void> SsmApi::DeleteParameter(Call& c) {
  return parameters_.DeleteParameter(c.in.StrOr("Name"));
}

Result<void> SsmApi::DeleteParameters(Call& c) {
  COFFER_ASSIGN_OR_RETURN(auto r, parameters_.DeleteParameters(
                                      c.in.StrList("Names").value_or(std::vector<std::string>{})));
  c.out.StartObject();
  WriteList(c.out, "DeletedParameters", r.deleted);
  WriteList(c.out, "InvalidParameters", r.invalid);
  c.out.EndObject();
  return Ok();
}

Result<void> SsmApi::LabelParameterVersion(Call& c) {
  COFFER_ASSIGN_OR_RETURN(auto r, parameters_.LabelParameterVersion(
                                      c.in.StrOr("Name"), c.in.Int("ParameterVersion"),
                                      c.in.StrList("Labels").value_or(std::vector<std::string>{})));
  c.out.StartObject();
  WriteList(c.out, "InvalidLabels", r.invalid_labels);
  c.out.FieldInt("ParameterVersion", r.version);
  c.out.EndObject();
  return Ok();
}

Result<void> SsmApi::UnlabelParameterVersion(Call& c) {
  COFFER_ASSIGN_OR_RETURN(auto r, parameters_.UnlabelParameterVersion(
                                      c.in.StrOr("Name"), c.in.Int("ParameterVersion").value_or(0),
                                      c.in.StrList("Labels").value_or(std::vector<std::string>{})));
  c.out.StartObject();
  WriteList(c.out, "RemovedLabels", r.removed);
  WriteList(c.out, "InvalidLabels", r.invalid);
  c.out.EndObject();
  return Ok();
}

Result<void> SsmApi::AddTagsToResource(Call& c) {
  return parameters_.AddTags(c.in.StrOr("ResourceType"), c.in.StrOr("ResourceId"),
                             c.in.Tags("Tags").value_or(core::Tags{}));
}

Result<void> SsmApi::ListTagsForResource(Call& c) {
  COFFER_ASSIGN_OR_RETURN(
      auto tags, parameters_.ListTags(c.in.StrOr("ResourceType"), c.in.StrOr("ResourceId")));
  c.out.StartObject();
  c.out.FieldTags("TagList", tags);
  c.out.EndObject();
  return Ok();
}

Result<void> SsmApi::RemoveTagsFromResource(Call& c) {
  return parameters_.RemoveTags(c.in.StrOr("ResourceType"), c.in.StrOr("ResourceId"),
                                c.in.StrList("TagKeys").value_or(std::vector<std::string>{}));
}

}  // namespace coffer::api::aws_json
