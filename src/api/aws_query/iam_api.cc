#include "api/aws_query/iam_api.h"

#include <algorithm>
#include <cstddef>
#include <optional>
#include <utility>
#include <vector>

#include "base/encoding.h"
#include "base/strings.h"
#include "core/policy/policy.h"

namespace coffer::api::aws_query {
namespace {

using aws_json::JsonIn;
using aws_json::JsonOut;
using identity::IamService;
using Holder = identity::IamService::Holder;
using ConditionKeys = std::vector<std::pair<std::string, std::vector<std::string>>>;

// Query-protocol ValidationError (e.g. an operation that needs a user, called by a role session).
constexpr std::string_view kValidationReason = "IAM_VALIDATION";

constexpr int64_t kDefaultMaxItems = 100;

// IAM returns policy documents URL-encoded (RFC 3986: everything but A-Z a-z 0-9 - _ . ~ as %XX);
// botocore (handlers.py json_decode_policies, for every policyDocumentType member) and the aws
// CLI unquote them and parse the JSON.
std::string EncodedDocument(std::string_view document) { return UriEncode(document); }

// "https://host/path/" → "host/path": how IAM names a provider in its ARN and shows its Url.
std::string ProviderResource(std::string_view url) {
  if (url.starts_with("https://")) url.remove_prefix(8);
  while (!url.empty() && url.back() == '/') url.remove_suffix(1);
  return std::string(url);
}

// The part of a list after Marker, at most MaxItems long. `keys` are the items' sort keys, in
// order and unique; the Marker is the base64 of the last key of the previous page, so a page
// boundary survives items being added or removed in between.
struct Page {
  size_t begin = 0;
  size_t end = 0;
  std::optional<std::string> next_marker;  // set when the list is truncated
};

Result<Page> Paginate(const JsonIn& in, const std::vector<std::string>& keys) {
  Page page;
  if (auto marker = in.Str("Marker")) {
    auto last = Base64Decode(*marker);
    if (!last) return InvalidArgumentError("Invalid Marker.");
    page.begin =
        static_cast<size_t>(std::upper_bound(keys.begin(), keys.end(), *last) - keys.begin());
  }
  // The model allows 1-1000 (DecodeInput enforces it); clamped anyway, as the sum below must
  // not overflow.
  int64_t max_items = std::clamp<int64_t>(in.Int("MaxItems").value_or(kDefaultMaxItems), 1, 1000);
  page.end = std::min(keys.size(), page.begin + static_cast<size_t>(max_items));
  if (page.end < keys.size()) page.next_marker = Base64Encode(keys[page.end - 1]);
  return page;
}

// Sorts `items` by `key` and returns the page the request asks for, with the sorted keys.
template <class T, class KeyFn>
Result<Page> SortAndPaginate(const JsonIn& in, std::vector<T>& items, KeyFn key) {
  std::vector<std::pair<std::string, T>> keyed;
  keyed.reserve(items.size());
  for (T& item : items) keyed.emplace_back(key(item), std::move(item));
  std::sort(keyed.begin(), keyed.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  // Keys are unique for every list IAM pages; if two were equal, the Marker would skip one.
  keyed.erase(std::unique(keyed.begin(), keyed.end(),
                          [](const auto& a, const auto& b) { return a.first == b.first; }),
              keyed.end());
  std::vector<std::string> keys;
  keys.reserve(keyed.size());
  items.clear();
  for (auto& [k, item] : keyed) {
    keys.push_back(std::move(k));
    items.push_back(std::move(item));
  }
  return Paginate(in, keys);
}

void WritePageEnd(JsonOut& out, const Page& page) {
  out.FieldBool("IsTruncated", page.next_marker.has_value());
  if (page.next_marker) out.Field("Marker", *page.next_marker);
}

// A list of tags, paged by key.
Result<void> WriteTagPage(aws_json::Call& c, core::Tags tags) {
  COFFER_ASSIGN_OR_RETURN(Page page,
                          SortAndPaginate(c.in, tags, [](const core::Tag& t) { return t.key; }));
  c.out.StartObject();
  c.out.FieldTags("Tags", core::Tags(tags.begin() + static_cast<std::ptrdiff_t>(page.begin),
                                     tags.begin() + static_cast<std::ptrdiff_t>(page.end)));
  WritePageEnd(c.out, page);
  c.out.EndObject();
  return Ok();
}

enum class View { kFull, kListed };

// IAM's User structure; lists leave tags out, as IAM's ListUsers does.
void WriteUser(JsonOut& out, const identity::User& u, View view) {
  out.StartObject();
  out.Field("Path", u.path);
  out.Field("UserName", u.name);
  out.Field("UserId", u.user_id);
  out.Field("Arn", u.arn);
  out.FieldTime("CreateDate", u.created);
  if (view == View::kFull && !u.tags.empty()) out.FieldTags("Tags", u.tags);
  out.EndObject();
}

// IAM's Role structure. GetRole alone adds RoleLastUsed (Coffer does not track it: empty).
void WriteRole(JsonOut& out, const identity::Role& r, View view, bool last_used) {
  out.StartObject();
  out.Field("Path", r.path);
  out.Field("RoleName", r.name);
  out.Field("RoleId", r.role_id);
  out.Field("Arn", r.arn);
  out.FieldTime("CreateDate", r.created);
  out.Field("AssumeRolePolicyDocument", EncodedDocument(r.assume_role_policy));
  if (!r.description.empty()) out.Field("Description", r.description);
  out.FieldInt("MaxSessionDuration", r.max_session_duration_seconds);
  if (view == View::kFull && !r.tags.empty()) out.FieldTags("Tags", r.tags);
  if (last_used) {
    out.Key("RoleLastUsed");
    out.StartObject();
    out.EndObject();
  }
  out.EndObject();
}

// IAM's Policy structure. Lists carry neither the description nor the tags, as in IAM.
void WritePolicy(JsonOut& out, const identity::ManagedPolicy& p, int64_t attachments, View view) {
  out.StartObject();
  out.Field("PolicyName", p.name);
  out.Field("PolicyId", p.policy_id);
  out.Field("Arn", p.arn);
  out.Field("Path", p.path);
  out.Field("DefaultVersionId", p.default_version_id);
  out.FieldInt("AttachmentCount", attachments);
  out.FieldInt("PermissionsBoundaryUsageCount", 0);
  out.FieldBool("IsAttachable", true);
  if (view == View::kFull && !p.description.empty()) out.Field("Description", p.description);
  out.FieldTime("CreateDate", p.created);
  out.FieldTime("UpdateDate", p.updated);
  if (view == View::kFull && !p.tags.empty()) out.FieldTags("Tags", p.tags);
  out.EndObject();
}

// "v12" sorts after "v9": the key is the number, zero-padded.
std::string VersionKey(std::string_view version_id) {
  std::string digits(version_id.substr(std::min<size_t>(1, version_id.size())));
  if (digits.size() < 12) digits.insert(0, 12 - digits.size(), '0');
  return digits;
}

// aws:RequestTag/<key> and aws:TagKeys for operations that set or remove tags.
void AddTagKeys(const JsonIn& in, ConditionKeys& keys) {
  if (auto removed = in.StrList("TagKeys")) {
    keys.push_back({"aws:TagKeys", *removed});
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

bool ActsOnCallerByDefault(std::string_view op) {
  return op == "GetUser" || op == "CreateAccessKey" || op == "ListAccessKeys" ||
         op == "UpdateAccessKey" || op == "DeleteAccessKey";
}

}  // namespace

const std::map<std::string_view, IamApi::Handler, std::less<>>& IamApi::Handlers() {
  static const auto* handlers = new std::map<std::string_view, Handler, std::less<>>{
      {"CreateUser", &IamApi::CreateUser},
      {"GetUser", &IamApi::GetUser},
      {"ListUsers", &IamApi::ListUsers},
      {"DeleteUser", &IamApi::DeleteUser},
      {"TagUser", &IamApi::TagUser},
      {"UntagUser", &IamApi::UntagUser},
      {"ListUserTags", &IamApi::ListUserTags},
      {"CreateAccessKey", &IamApi::CreateAccessKey},
      {"ListAccessKeys", &IamApi::ListAccessKeys},
      {"UpdateAccessKey", &IamApi::UpdateAccessKey},
      {"DeleteAccessKey", &IamApi::DeleteAccessKey},
      {"CreateRole", &IamApi::CreateRole},
      {"GetRole", &IamApi::GetRole},
      {"ListRoles", &IamApi::ListRoles},
      {"DeleteRole", &IamApi::DeleteRole},
      {"UpdateRole", &IamApi::UpdateRole},
      {"UpdateAssumeRolePolicy", &IamApi::UpdateAssumeRolePolicy},
      {"TagRole", &IamApi::TagRole},
      {"UntagRole", &IamApi::UntagRole},
      {"ListRoleTags", &IamApi::ListRoleTags},
      {"PutUserPolicy", [](IamApi& a, Call& c) { return a.PutInlinePolicy(c, Holder::kUser); }},
      {"GetUserPolicy", [](IamApi& a, Call& c) { return a.GetInlinePolicy(c, Holder::kUser); }},
      {"DeleteUserPolicy",
       [](IamApi& a, Call& c) { return a.DeleteInlinePolicy(c, Holder::kUser); }},
      {"ListUserPolicies",
       [](IamApi& a, Call& c) { return a.ListInlinePolicies(c, Holder::kUser); }},
      {"PutRolePolicy", [](IamApi& a, Call& c) { return a.PutInlinePolicy(c, Holder::kRole); }},
      {"GetRolePolicy", [](IamApi& a, Call& c) { return a.GetInlinePolicy(c, Holder::kRole); }},
      {"DeleteRolePolicy",
       [](IamApi& a, Call& c) { return a.DeleteInlinePolicy(c, Holder::kRole); }},
      {"ListRolePolicies",
       [](IamApi& a, Call& c) { return a.ListInlinePolicies(c, Holder::kRole); }},
      {"CreatePolicy", &IamApi::CreatePolicy},
      {"GetPolicy", &IamApi::GetPolicy},
      {"DeletePolicy", &IamApi::DeletePolicy},
      {"ListPolicies", &IamApi::ListPolicies},
      {"CreatePolicyVersion", &IamApi::CreatePolicyVersion},
      {"GetPolicyVersion", &IamApi::GetPolicyVersion},
      {"ListPolicyVersions", &IamApi::ListPolicyVersions},
      {"DeletePolicyVersion", &IamApi::DeletePolicyVersion},
      {"SetDefaultPolicyVersion", &IamApi::SetDefaultPolicyVersion},
      {"AttachUserPolicy", [](IamApi& a, Call& c) { return a.AttachPolicy(c, Holder::kUser); }},
      {"DetachUserPolicy", [](IamApi& a, Call& c) { return a.DetachPolicy(c, Holder::kUser); }},
      {"ListAttachedUserPolicies",
       [](IamApi& a, Call& c) { return a.ListAttachedPolicies(c, Holder::kUser); }},
      {"AttachRolePolicy", [](IamApi& a, Call& c) { return a.AttachPolicy(c, Holder::kRole); }},
      {"DetachRolePolicy", [](IamApi& a, Call& c) { return a.DetachPolicy(c, Holder::kRole); }},
      {"ListAttachedRolePolicies",
       [](IamApi& a, Call& c) { return a.ListAttachedPolicies(c, Holder::kRole); }},
      {"CreateOpenIDConnectProvider", &IamApi::CreateOpenIDConnectProvider},
      {"GetOpenIDConnectProvider", &IamApi::GetOpenIDConnectProvider},
      {"ListOpenIDConnectProviders", &IamApi::ListOpenIDConnectProviders},
      {"DeleteOpenIDConnectProvider", &IamApi::DeleteOpenIDConnectProvider},
      {"AddClientIDToOpenIDConnectProvider", &IamApi::AddClientIDToOpenIDConnectProvider},
      {"RemoveClientIDFromOpenIDConnectProvider", &IamApi::RemoveClientIDFromOpenIDConnectProvider},
      {"UpdateOpenIDConnectProviderThumbprint", &IamApi::UpdateOpenIDConnectProviderThumbprint},
      {"TagOpenIDConnectProvider", &IamApi::TagOpenIDConnectProvider},
      {"UntagOpenIDConnectProvider", &IamApi::UntagOpenIDConnectProvider},
      {"ListOpenIDConnectProviderTags", &IamApi::ListOpenIDConnectProviderTags},
  };
  return *handlers;
}

bool IamApi::Implements(std::string_view operation) const { return Handlers().contains(operation); }

bool IamApi::MayBlock(std::string_view operation) const {
  // Reads come from IamService's in-memory snapshot, except access keys, which live in the
  // access-key store. Every write waits for the store to make it durable.
  if (operation == "ListAccessKeys") return true;
  return Implements(operation) && !operation.starts_with("Get") && !operation.starts_with("List");
}

Result<void> IamApi::Invoke(std::string_view operation, Call& c) {
  // The query protocol does not know about policies; IAM decides them here.
  c.ctx.authorizer = &authorizer_;
  auto it = Handlers().find(operation);
  if (it == Handlers().end()) return UnimplementedError("not implemented");
  COFFER_RETURN_IF_ERROR(AuthorizeCall(operation, c));
  return it->second(*this, c);
}

ApiError IamApi::MapError(const Error& e) const {
  const std::string& m = e.message;
  if (e.reason == policy::reason::kMalformedPolicy) return {400, "MalformedPolicyDocument", m};
  if (e.reason == identity::reason::kDeleteConflict) return {409, "DeleteConflict", m};
  if (e.reason == identity::reason::kUnmodifiable) return {400, "UnmodifiableEntity", m};
  if (e.reason == kValidationReason) return {400, "ValidationError", m};
  switch (e.code) {
    case ErrorCode::kNotFound:
      return {404, "NoSuchEntity", m};
    case ErrorCode::kAlreadyExists:
      return {409, "EntityAlreadyExists", m};
    case ErrorCode::kFailedPrecondition:
      return {409, "DeleteConflict", m};
    case ErrorCode::kResourceExhausted:
      return {409, "LimitExceeded", m};
    case ErrorCode::kInvalidArgument:
      return {400, "InvalidInput", m};
    case ErrorCode::kPermissionDenied:
      return {403, "AccessDenied", m};
    default:
      return {500, "ServiceFailure",
              "The request processing has failed because of an unknown error, exception or "
              "failure."};
  }
}

// ---------------------------------------------------------------------------------------------
// Authorization

std::string IamApi::ResourceArn(std::string_view op, const Call& c) const {
  const core::Account& account = iam_.account();
  if (op == "CreateUser") {
    return account.GlobalArn("iam", "user" + c.in.StrOr("Path", "/") + c.in.StrOr("UserName"));
  }
  if (op == "CreateRole") {
    return account.GlobalArn("iam", "role" + c.in.StrOr("Path", "/") + c.in.StrOr("RoleName"));
  }
  if (op == "CreatePolicy") {
    return account.GlobalArn("iam", "policy" + c.in.StrOr("Path", "/") + c.in.StrOr("PolicyName"));
  }
  if (op == "CreateOpenIDConnectProvider") {
    return account.GlobalArn("iam", "oidc-provider/" + ProviderResource(c.in.StrOr("Url")));
  }
  if (auto name = c.in.Str("UserName")) {
    auto user = iam_.GetUser(*name);
    return user.has_value() ? user->arn : account.GlobalArn("iam", "user/" + *name);
  }
  if (ActsOnCallerByDefault(op)) return c.ctx.credential ? c.ctx.principal().arn : "*";
  if (auto name = c.in.Str("RoleName")) {
    auto role = iam_.GetRole(*name);
    return role.has_value() ? role->arn : account.GlobalArn("iam", "role/" + *name);
  }
  if (auto arn = c.in.Str("PolicyArn")) return *arn;
  if (auto arn = c.in.Str("OpenIDConnectProviderArn")) return *arn;
  return "*";
}

Result<void> IamApi::AuthorizeCall(std::string_view op, Call& c) const {
  if (c.ctx.unrestricted()) return Ok();
  std::string action = "iam:" + std::string(op);
  std::string resource = ResourceArn(op, c);
  identity::AccessRequest req;
  req.action = action;
  req.resource = resource;
  // iam:ResourceTag/<key> (and aws:ResourceTag) for users and roles that exist.
  core::Tags tags;
  bool tagged = false;
  if (auto name = c.in.Str("UserName"); name && op != "CreateUser") {
    if (auto u = iam_.GetUser(*name); u.has_value()) tags = std::move(u->tags), tagged = true;
  } else if (auto role = c.in.Str("RoleName"); role && op != "CreateRole") {
    if (auto r = iam_.GetRole(*role); r.has_value()) tags = std::move(r->tags), tagged = true;
  }
  if (tagged) {
    req.resource_tags = &tags;
    req.service_tag_prefix = "iam";
  }
  AddTagKeys(c.in, req.keys);
  if (auto arn = c.in.Str("PolicyArn");
      arn && (op.starts_with("Attach") || op.starts_with("Detach"))) {
    req.keys.push_back({"iam:PolicyARN", {*arn}});
  }
  return c.ctx.Authorize(req);
}

Result<std::string> IamApi::TargetUser(const Call& c) const {
  if (auto name = c.in.Str("UserName")) return std::move(*name);
  if (!c.ctx.credential) return PermissionDeniedError("The request is not signed.");
  const identity::Principal& who = c.ctx.principal();
  if (who.type == identity::PrincipalType::kUser) return who.name;
  if (who.is_root()) {
    return InvalidArgumentError(
        "The account root's access key is set when Coffer starts; name a user (UserName).",
        kValidationReason);
  }
  return InvalidArgumentError("Must specify userName when calling with non-User credentials",
                              kValidationReason);
}

// ---------------------------------------------------------------------------------------------
// Users

Result<void> IamApi::CreateUser(Call& c) {
  COFFER_ASSIGN_OR_RETURN(identity::User u,
                          iam_.CreateUser(c.in.StrOr("UserName"), c.in.StrOr("Path", "/"),
                                          c.in.Tags("Tags").value_or(core::Tags{})));
  c.out.StartObject();
  c.out.Key("User");
  WriteUser(c.out, u, View::kFull);
  c.out.EndObject();
  return Ok();
}

Result<void> IamApi::GetUser(Call& c) {
  if (!c.in.Has("UserName") && c.ctx.credential && c.ctx.principal().is_root()) {
    // IAM answers the root's GetUser with the account itself (no name, path or date).
    const identity::Principal& root = c.ctx.principal();
    c.out.StartObject();
    c.out.Key("User");
    c.out.StartObject();
    c.out.Field("UserId", root.account_id.empty() ? iam_.account().account_id : root.account_id);
    c.out.Field("Arn", root.arn);
    c.out.EndObject();
    c.out.EndObject();
    return Ok();
  }
  COFFER_ASSIGN_OR_RETURN(std::string name, TargetUser(c));
  COFFER_ASSIGN_OR_RETURN(identity::User u, iam_.GetUser(name));
  c.out.StartObject();
  c.out.Key("User");
  WriteUser(c.out, u, View::kFull);
  c.out.EndObject();
  return Ok();
}

Result<void> IamApi::ListUsers(Call& c) {
  COFFER_ASSIGN_OR_RETURN(std::vector<identity::User> users,
                          iam_.ListUsers(c.in.StrOr("PathPrefix")));
  COFFER_ASSIGN_OR_RETURN(Page page, SortAndPaginate(c.in, users, [](const identity::User& u) {
                            return AsciiLower(u.name);
                          }));
  c.out.StartObject();
  c.out.Key("Users");
  c.out.StartArray();
  for (size_t i = page.begin; i < page.end; ++i) WriteUser(c.out, users[i], View::kListed);
  c.out.EndArray();
  WritePageEnd(c.out, page);
  c.out.EndObject();
  return Ok();
}

Result<void> IamApi::DeleteUser(Call& c) { return iam_.DeleteUser(c.in.StrOr("UserName")); }

Result<void> IamApi::TagUser(Call& c) {
  return iam_.TagUser(c.in.StrOr("UserName"), c.in.Tags("Tags").value_or(core::Tags{}));
}

Result<void> IamApi::UntagUser(Call& c) {
  return iam_.UntagUser(c.in.StrOr("UserName"),
                        c.in.StrList("TagKeys").value_or(std::vector<std::string>{}));
}

Result<void> IamApi::ListUserTags(Call& c) {
  COFFER_ASSIGN_OR_RETURN(identity::User u, iam_.GetUser(c.in.StrOr("UserName")));
  return WriteTagPage(c, std::move(u.tags));
}

// ---------------------------------------------------------------------------------------------
// Access keys

namespace {
std::string_view StatusOf(bool active) { return active ? "Active" : "Inactive"; }
}  // namespace

Result<void> IamApi::CreateAccessKey(Call& c) {
  COFFER_ASSIGN_OR_RETURN(std::string user, TargetUser(c));
  COFFER_ASSIGN_OR_RETURN(identity::NewAccessKey key, iam_.CreateAccessKey(user));
  c.out.StartObject();
  c.out.Key("AccessKey");
  c.out.StartObject();
  c.out.Field("UserName", key.record.principal.name);
  c.out.Field("AccessKeyId", key.record.access_key_id);
  c.out.Field("Status", StatusOf(key.record.active));
  c.out.Field("SecretAccessKey", key.secret.view());
  c.out.FieldTime("CreateDate", key.record.created);
  c.out.EndObject();
  c.out.EndObject();
  return Ok();
}

Result<void> IamApi::ListAccessKeys(Call& c) {
  COFFER_ASSIGN_OR_RETURN(std::string user, TargetUser(c));
  COFFER_ASSIGN_OR_RETURN(std::vector<identity::AccessKeyRecord> keys, iam_.ListAccessKeys(user));
  COFFER_ASSIGN_OR_RETURN(Page page,
                          SortAndPaginate(c.in, keys, [](const identity::AccessKeyRecord& k) {
                            return k.access_key_id;
                          }));
  c.out.StartObject();
  c.out.Key("AccessKeyMetadata");
  c.out.StartArray();
  for (size_t i = page.begin; i < page.end; ++i) {
    const identity::AccessKeyRecord& k = keys[i];
    c.out.StartObject();
    c.out.Field("UserName", k.principal.name);
    c.out.Field("AccessKeyId", k.access_key_id);
    c.out.Field("Status", StatusOf(k.active));
    c.out.FieldTime("CreateDate", k.created);
    c.out.EndObject();
  }
  c.out.EndArray();
  WritePageEnd(c.out, page);
  c.out.EndObject();
  return Ok();
}

Result<void> IamApi::UpdateAccessKey(Call& c) {
  COFFER_ASSIGN_OR_RETURN(std::string user, TargetUser(c));
  return iam_.UpdateAccessKey(user, c.in.StrOr("AccessKeyId"), c.in.StrOr("Status") == "Active");
}

Result<void> IamApi::DeleteAccessKey(Call& c) {
  COFFER_ASSIGN_OR_RETURN(std::string user, TargetUser(c));
  return iam_.DeleteAccessKey(user, c.in.StrOr("AccessKeyId"));
}

// ---------------------------------------------------------------------------------------------
// Roles

Result<void> IamApi::CreateRole(Call& c) {
  IamService::RoleSpec spec;
  spec.name = c.in.StrOr("RoleName");
  spec.path = c.in.StrOr("Path", "/");
  spec.assume_role_policy = c.in.StrOr("AssumeRolePolicyDocument");
  spec.description = c.in.StrOr("Description");
  if (auto d = c.in.Int("MaxSessionDuration")) spec.max_session_duration_seconds = *d;
  spec.tags = c.in.Tags("Tags").value_or(core::Tags{});
  COFFER_ASSIGN_OR_RETURN(identity::Role r, iam_.CreateRole(std::move(spec)));
  c.out.StartObject();
  c.out.Key("Role");
  WriteRole(c.out, r, View::kFull, false);
  c.out.EndObject();
  return Ok();
}

Result<void> IamApi::GetRole(Call& c) {
  COFFER_ASSIGN_OR_RETURN(identity::Role r, iam_.GetRole(c.in.StrOr("RoleName")));
  c.out.StartObject();
  c.out.Key("Role");
  WriteRole(c.out, r, View::kFull, true);
  c.out.EndObject();
  return Ok();
}

Result<void> IamApi::ListRoles(Call& c) {
  COFFER_ASSIGN_OR_RETURN(std::vector<identity::Role> roles,
                          iam_.ListRoles(c.in.StrOr("PathPrefix")));
  COFFER_ASSIGN_OR_RETURN(Page page, SortAndPaginate(c.in, roles, [](const identity::Role& r) {
                            return AsciiLower(r.name);
                          }));
  c.out.StartObject();
  c.out.Key("Roles");
  c.out.StartArray();
  for (size_t i = page.begin; i < page.end; ++i) WriteRole(c.out, roles[i], View::kListed, false);
  c.out.EndArray();
  WritePageEnd(c.out, page);
  c.out.EndObject();
  return Ok();
}

Result<void> IamApi::DeleteRole(Call& c) { return iam_.DeleteRole(c.in.StrOr("RoleName")); }

Result<void> IamApi::UpdateRole(Call& c) {
  COFFER_RETURN_IF_ERROR(iam_.UpdateRole(c.in.StrOr("RoleName"), c.in.Str("Description"),
                                         c.in.Int("MaxSessionDuration")));
  c.out.StartObject();
  c.out.EndObject();
  return Ok();
}

Result<void> IamApi::UpdateAssumeRolePolicy(Call& c) {
  return iam_.UpdateAssumeRolePolicy(c.in.StrOr("RoleName"), c.in.StrOr("PolicyDocument"));
}

Result<void> IamApi::TagRole(Call& c) {
  return iam_.TagRole(c.in.StrOr("RoleName"), c.in.Tags("Tags").value_or(core::Tags{}));
}

Result<void> IamApi::UntagRole(Call& c) {
  return iam_.UntagRole(c.in.StrOr("RoleName"),
                        c.in.StrList("TagKeys").value_or(std::vector<std::string>{}));
}

Result<void> IamApi::ListRoleTags(Call& c) {
  COFFER_ASSIGN_OR_RETURN(identity::Role r, iam_.GetRole(c.in.StrOr("RoleName")));
  return WriteTagPage(c, std::move(r.tags));
}

// ---------------------------------------------------------------------------------------------
// Inline policies

namespace {
const char* HolderMember(Holder kind) { return kind == Holder::kUser ? "UserName" : "RoleName"; }
}  // namespace

Result<void> IamApi::PutInlinePolicy(Call& c, Holder kind) {
  return iam_.PutInlinePolicy(kind, c.in.StrOr(HolderMember(kind)), c.in.StrOr("PolicyName"),
                              c.in.StrOr("PolicyDocument"));
}

Result<void> IamApi::GetInlinePolicy(Call& c, Holder kind) {
  std::string holder = c.in.StrOr(HolderMember(kind));
  std::string name = c.in.StrOr("PolicyName");
  COFFER_ASSIGN_OR_RETURN(std::string document, iam_.GetInlinePolicy(kind, holder, name));
  // IAM answers with the names as stored.
  if (kind == Holder::kUser) {
    if (auto u = iam_.GetUser(holder); u.has_value()) holder = u->name;
  } else if (auto r = iam_.GetRole(holder); r.has_value()) {
    holder = r->name;
  }
  if (auto names = iam_.ListInlinePolicies(kind, holder); names.has_value()) {
    for (const std::string& n : *names) {
      if (EqualsIgnoreCase(n, name)) name = n;
    }
  }
  c.out.StartObject();
  c.out.Field(HolderMember(kind), holder);
  c.out.Field("PolicyName", name);
  c.out.Field("PolicyDocument", EncodedDocument(document));
  c.out.EndObject();
  return Ok();
}

Result<void> IamApi::DeleteInlinePolicy(Call& c, Holder kind) {
  return iam_.DeleteInlinePolicy(kind, c.in.StrOr(HolderMember(kind)), c.in.StrOr("PolicyName"));
}

Result<void> IamApi::ListInlinePolicies(Call& c, Holder kind) {
  COFFER_ASSIGN_OR_RETURN(std::vector<std::string> names,
                          iam_.ListInlinePolicies(kind, c.in.StrOr(HolderMember(kind))));
  COFFER_ASSIGN_OR_RETURN(Page page,
                          SortAndPaginate(c.in, names, [](const std::string& n) { return n; }));
  c.out.StartObject();
  c.out.Key("PolicyNames");
  c.out.StringList(std::vector<std::string>(names.begin() + static_cast<std::ptrdiff_t>(page.begin),
                                            names.begin() + static_cast<std::ptrdiff_t>(page.end)));
  WritePageEnd(c.out, page);
  c.out.EndObject();
  return Ok();
}

// ---------------------------------------------------------------------------------------------
// Managed policies

Result<void> IamApi::CreatePolicy(Call& c) {
  COFFER_ASSIGN_OR_RETURN(identity::ManagedPolicy p,
                          iam_.CreatePolicy(c.in.StrOr("PolicyName"), c.in.StrOr("Path", "/"),
                                            c.in.StrOr("PolicyDocument"), c.in.StrOr("Description"),
                                            c.in.Tags("Tags").value_or(core::Tags{})));
  c.out.StartObject();
  c.out.Key("Policy");
  WritePolicy(c.out, p, 0, View::kFull);
  c.out.EndObject();
  return Ok();
}

Result<void> IamApi::GetPolicy(Call& c) {
  std::string arn = c.in.StrOr("PolicyArn");
  COFFER_ASSIGN_OR_RETURN(identity::ManagedPolicy p, iam_.GetPolicy(arn));
  c.out.StartObject();
  c.out.Key("Policy");
  WritePolicy(c.out, p, iam_.AttachmentCount(arn), View::kFull);
  c.out.EndObject();
  return Ok();
}

Result<void> IamApi::DeletePolicy(Call& c) { return iam_.DeletePolicy(c.in.StrOr("PolicyArn")); }

Result<void> IamApi::ListPolicies(Call& c) {
  std::vector<identity::ManagedPolicy> policies;
  // Scope AWS lists AWS managed policies, which do not exist here; Coffer does not use policies
  // as permissions boundaries.
  if (c.in.StrOr("Scope", "All") != "AWS" &&
      c.in.StrOr("PolicyUsageFilter") != "PermissionsBoundary") {
    COFFER_ASSIGN_OR_RETURN(policies, iam_.ListPolicies(c.in.StrOr("PathPrefix"),
                                                        c.in.Bool("OnlyAttached").value_or(false)));
  }
  COFFER_ASSIGN_OR_RETURN(Page page,
                          SortAndPaginate(c.in, policies, [](const identity::ManagedPolicy& p) {
                            return AsciiLower(p.name);
                          }));
  c.out.StartObject();
  c.out.Key("Policies");
  c.out.StartArray();
  for (size_t i = page.begin; i < page.end; ++i) {
    WritePolicy(c.out, policies[i], iam_.AttachmentCount(policies[i].arn), View::kListed);
  }
  c.out.EndArray();
  WritePageEnd(c.out, page);
  c.out.EndObject();
  return Ok();
}

Result<void> IamApi::CreatePolicyVersion(Call& c) {
  bool set_as_default = c.in.Bool("SetAsDefault").value_or(false);
  COFFER_ASSIGN_OR_RETURN(identity::PolicyVersion v,
                          iam_.CreatePolicyVersion(c.in.StrOr("PolicyArn"),
                                                   c.in.StrOr("PolicyDocument"), set_as_default));
  c.out.StartObject();
  c.out.Key("PolicyVersion");
  c.out.StartObject();
  c.out.Field("VersionId", v.version_id);
  c.out.FieldBool("IsDefaultVersion", set_as_default);
  c.out.FieldTime("CreateDate", v.created);
  c.out.EndObject();
  c.out.EndObject();
  return Ok();
}

Result<void> IamApi::GetPolicyVersion(Call& c) {
  std::string arn = c.in.StrOr("PolicyArn");
  COFFER_ASSIGN_OR_RETURN(identity::ManagedPolicy p, iam_.GetPolicy(arn));
  COFFER_ASSIGN_OR_RETURN(identity::PolicyVersion v,
                          iam_.GetPolicyVersion(arn, c.in.StrOr("VersionId")));
  c.out.StartObject();
  c.out.Key("PolicyVersion");
  c.out.StartObject();
  c.out.Field("Document", EncodedDocument(v.document));
  c.out.Field("VersionId", v.version_id);
  c.out.FieldBool("IsDefaultVersion", v.version_id == p.default_version_id);
  c.out.FieldTime("CreateDate", v.created);
  c.out.EndObject();
  c.out.EndObject();
  return Ok();
}

Result<void> IamApi::ListPolicyVersions(Call& c) {
  COFFER_ASSIGN_OR_RETURN(identity::ManagedPolicy p, iam_.GetPolicy(c.in.StrOr("PolicyArn")));
  std::vector<identity::PolicyVersion> versions = p.versions;
  COFFER_ASSIGN_OR_RETURN(Page page,
                          SortAndPaginate(c.in, versions, [](const identity::PolicyVersion& v) {
                            return VersionKey(v.version_id);
                          }));
  c.out.StartObject();
  c.out.Key("Versions");
  c.out.StartArray();
  for (size_t i = page.begin; i < page.end; ++i) {
    // As in IAM, the list leaves the documents out (GetPolicyVersion returns them).
    c.out.StartObject();
    c.out.Field("VersionId", versions[i].version_id);
    c.out.FieldBool("IsDefaultVersion", versions[i].version_id == p.default_version_id);
    c.out.FieldTime("CreateDate", versions[i].created);
    c.out.EndObject();
  }
  c.out.EndArray();
  WritePageEnd(c.out, page);
  c.out.EndObject();
  return Ok();
}

Result<void> IamApi::DeletePolicyVersion(Call& c) {
  return iam_.DeletePolicyVersion(c.in.StrOr("PolicyArn"), c.in.StrOr("VersionId"));
}

Result<void> IamApi::SetDefaultPolicyVersion(Call& c) {
  return iam_.SetDefaultPolicyVersion(c.in.StrOr("PolicyArn"), c.in.StrOr("VersionId"));
}

Result<void> IamApi::AttachPolicy(Call& c, Holder kind) {
  return iam_.AttachPolicy(kind, c.in.StrOr(HolderMember(kind)), c.in.StrOr("PolicyArn"));
}

Result<void> IamApi::DetachPolicy(Call& c, Holder kind) {
  return iam_.DetachPolicy(kind, c.in.StrOr(HolderMember(kind)), c.in.StrOr("PolicyArn"));
}

Result<void> IamApi::ListAttachedPolicies(Call& c, Holder kind) {
  COFFER_ASSIGN_OR_RETURN(auto attached,
                          iam_.ListAttachedPolicies(kind, c.in.StrOr(HolderMember(kind))));
  std::string prefix = c.in.StrOr("PathPrefix");
  if (!prefix.empty()) {
    std::erase_if(attached, [&](const std::pair<std::string, std::string>& a) {
      auto p = iam_.GetPolicy(a.second);
      return !p.has_value() || !p->path.starts_with(prefix);
    });
  }
  COFFER_ASSIGN_OR_RETURN(
      Page page, SortAndPaginate(c.in, attached, [](const std::pair<std::string, std::string>& a) {
        return a.second;
      }));
  c.out.StartObject();
  c.out.Key("AttachedPolicies");
  c.out.StartArray();
  for (size_t i = page.begin; i < page.end; ++i) {
    c.out.StartObject();
    c.out.Field("PolicyName", attached[i].first);
    c.out.Field("PolicyArn", attached[i].second);
    c.out.EndObject();
  }
  c.out.EndArray();
  WritePageEnd(c.out, page);
  c.out.EndObject();
  return Ok();
}

// ---------------------------------------------------------------------------------------------
// OIDC providers

Result<void> IamApi::CreateOpenIDConnectProvider(Call& c) {
  core::Tags tags = c.in.Tags("Tags").value_or(core::Tags{});
  COFFER_ASSIGN_OR_RETURN(
      identity::OidcProvider p,
      iam_.CreateOidcProvider(
          c.in.StrOr("Url"), c.in.StrList("ClientIDList").value_or(std::vector<std::string>{}),
          c.in.StrList("ThumbprintList").value_or(std::vector<std::string>{}), tags));
  c.out.StartObject();
  c.out.Field("OpenIDConnectProviderArn", p.arn);
  if (!p.tags.empty()) c.out.FieldTags("Tags", p.tags);
  c.out.EndObject();
  return Ok();
}

Result<void> IamApi::GetOpenIDConnectProvider(Call& c) {
  COFFER_ASSIGN_OR_RETURN(identity::OidcProvider p,
                          iam_.GetOidcProvider(c.in.StrOr("OpenIDConnectProviderArn")));
  c.out.StartObject();
  // IAM shows the Url without its scheme.
  c.out.Field("Url", ProviderResource(p.url));
  c.out.Key("ClientIDList");
  c.out.StringList(p.client_ids);
  c.out.Key("ThumbprintList");
  c.out.StringList(p.thumbprints);
  c.out.FieldTime("CreateDate", p.created);
  if (!p.tags.empty()) c.out.FieldTags("Tags", p.tags);
  c.out.EndObject();
  return Ok();
}

Result<void> IamApi::ListOpenIDConnectProviders(Call& c) {
  COFFER_ASSIGN_OR_RETURN(std::vector<identity::OidcProvider> providers, iam_.ListOidcProviders());
  c.out.StartObject();
  c.out.Key("OpenIDConnectProviderList");
  c.out.StartArray();
  for (const identity::OidcProvider& p : providers) {
    c.out.StartObject();
    c.out.Field("Arn", p.arn);
    c.out.EndObject();
  }
  c.out.EndArray();
  c.out.EndObject();
  return Ok();
}

Result<void> IamApi::DeleteOpenIDConnectProvider(Call& c) {
  return iam_.DeleteOidcProvider(c.in.StrOr("OpenIDConnectProviderArn"));
}

Result<void> IamApi::AddClientIDToOpenIDConnectProvider(Call& c) {
  return iam_.AddClientId(c.in.StrOr("OpenIDConnectProviderArn"), c.in.StrOr("ClientID"));
}

Result<void> IamApi::RemoveClientIDFromOpenIDConnectProvider(Call& c) {
  return iam_.RemoveClientId(c.in.StrOr("OpenIDConnectProviderArn"), c.in.StrOr("ClientID"));
}

Result<void> IamApi::UpdateOpenIDConnectProviderThumbprint(Call& c) {
  return iam_.UpdateThumbprints(
      c.in.StrOr("OpenIDConnectProviderArn"),
      c.in.StrList("ThumbprintList").value_or(std::vector<std::string>{}));
}

Result<void> IamApi::TagOpenIDConnectProvider(Call& c) {
  return iam_.TagOidcProvider(c.in.StrOr("OpenIDConnectProviderArn"),
                              c.in.Tags("Tags").value_or(core::Tags{}));
}

Result<void> IamApi::UntagOpenIDConnectProvider(Call& c) {
  return iam_.UntagOidcProvider(c.in.StrOr("OpenIDConnectProviderArn"),
                                c.in.StrList("TagKeys").value_or(std::vector<std::string>{}));
}

Result<void> IamApi::ListOpenIDConnectProviderTags(Call& c) {
  COFFER_ASSIGN_OR_RETURN(identity::OidcProvider p,
                          iam_.GetOidcProvider(c.in.StrOr("OpenIDConnectProviderArn")));
  return WriteTagPage(c, std::move(p.tags));
}

}  // namespace coffer::api::aws_query
