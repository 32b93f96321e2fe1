#include "core/policy/policy_builder.h"

#include <utility>

#include "base/strings.h"
#include "core/policy/internal/condition.h"

namespace coffer::policy {
namespace {

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

bool IsAllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool IsAccountId(std::string_view s) { return s.size() == 12 && IsAllDigits(s); }

bool HasWildcard(std::string_view s) { return s.find_first_of("*?") != std::string_view::npos; }

// "*" or "<vendor>:<action>", the vendor made of letters, digits and dashes.
bool IsValidAction(std::string_view a) {
  if (a == "*") return true;
  size_t colon = a.find(':');
  if (colon == 0 || colon == std::string_view::npos || colon + 1 == a.size()) return false;
  for (char c : a.substr(0, colon)) {
    bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
    if (!ok) return false;
  }
  for (char c : a.substr(colon + 1)) {
    if (c == ':' || static_cast<unsigned char>(c) <= ' ') return false;
  }
  return true;
}

// "*", or "arn:..." with the six ARN fields (a wildcard may stand for the missing ones).
bool IsValidResource(std::string_view r) {
  if (r == "*") return true;
  if (r.substr(0, 4) != "arn:") return false;
  size_t colons = 0;
  for (char c : r) colons += c == ':' ? 1 : 0;
  return colons >= 5 || HasWildcard(r);
}

// IAM unique ids (AIDA..., AROA...), which AWS shows in place of deleted principals.
bool IsUniqueId(std::string_view s) {
  if (s.size() < 16 || s.size() > 128 || s[0] != 'A') return false;
  for (char c : s) {
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) return false;
  }
  return true;
}

}  // namespace

PolicyBuilder::PolicyBuilder(PolicyKind kind)
    : kind_(kind), policy_(std::shared_ptr<Policy>(new Policy())) {
  policy_->kind_ = kind;
}

PolicyBuilder::~PolicyBuilder() = default;

Error PolicyBuilder::Malformed(std::string_view what) const {
  std::string m;
  if (in_statement_) {
    m = "Statement[" + std::to_string(policy_->statements_.size()) + "]";
    if (!current_.sid.empty()) m += " (Sid " + Quote(current_.sid) + ")";
    m += ": ";
  }
  m += what;
  return InvalidArgumentError(std::move(m), reason::kMalformedPolicy);
}

Result<void> PolicyBuilder::SetVersion(std::string_view version) {
  COFFER_CHECK(policy_ != nullptr, "PolicyBuilder used after Build");
  if (has_version_) return Malformed("Version given twice");
  if (in_statement_ || !policy_->statements_.empty()) {
    return Malformed("Version must come before the statements");  // a parser bug, not user input
  }
  if (version == "2012-10-17") {
    policy_->version_ = PolicyVersion::kV2012;
  } else if (version == "2008-10-17") {
    policy_->version_ = PolicyVersion::kV2008;
  } else {
    return Malformed("The policy must contain a valid version string: " + Quote(version) +
                     " is not \"2012-10-17\" or \"2008-10-17\"");
  }
  has_version_ = true;
  return Ok();
}

Result<void> PolicyBuilder::SetId(std::string_view id) {
  COFFER_CHECK(policy_ != nullptr, "PolicyBuilder used after Build");
  policy_->id_ = std::string(id);
  return Ok();
}

Result<void> PolicyBuilder::BeginStatement() {
  COFFER_CHECK(policy_ != nullptr, "PolicyBuilder used after Build");
  if (in_statement_) return Malformed("statement not ended");
  if (policy_->statements_.size() >= kMaxStatements) {
    return Malformed("Policy has too many statements (at most " + std::to_string(kMaxStatements) +
                     ")");
  }
  in_statement_ = true;
  current_ = internal::Statement{};
  has_sid_ = has_effect_ = has_action_ = false;
  principal_is_not_.reset();
  return Ok();
}

Result<void> PolicyBuilder::RequireStatement(std::string_view element) {
  if (!in_statement_) return Malformed(std::string(element) + " outside a statement");
  return Ok();
}

Result<void> PolicyBuilder::SetSid(std::string_view sid) {
  COFFER_RETURN_IF_ERROR(RequireStatement("Sid"));
  if (has_sid_) return Malformed("Sid given twice");
  has_sid_ = true;
  // IAM (identity and trust policies) requires unique Sids; resource policies (S3, KMS, Secrets
  // Manager) do not check.
  if (!sid.empty() && kind_ != PolicyKind::kResource) {
    for (const internal::Statement& s : policy_->statements_) {
      if (s.sid == sid) {
        return Malformed("Statement IDs (SID) in a single policy must be unique: " + Quote(sid) +
                         " is used twice");
      }
    }
  }
  current_.sid = std::string(sid);
  return Ok();
}

Result<void> PolicyBuilder::SetEffect(std::string_view effect) {
  COFFER_RETURN_IF_ERROR(RequireStatement("Effect"));
  if (has_effect_) return Malformed("Effect given twice");
  if (effect == "Allow") {
    current_.effect = internal::Effect::kAllow;
  } else if (effect == "Deny") {
    current_.effect = internal::Effect::kDeny;
  } else {
    return Malformed("Effect " + Quote(effect) + " must be \"Allow\" or \"Deny\"");
  }
  has_effect_ = true;
  return Ok();
}

Result<void> PolicyBuilder::SetActions(const std::vector<std::string>& actions, bool is_not) {
  const char* name = is_not ? "NotAction" : "Action";
  COFFER_RETURN_IF_ERROR(RequireStatement(name));
  if (has_action_) {
    return Malformed(current_.not_action == is_not
                         ? std::string(name) + " given twice"
                         : std::string("Statement must not contain both Action and NotAction"));
  }
  if (actions.empty())
    return Malformed("Policy statement must contain actions: " + std::string(name) + " is empty");
  current_.actions.reserve(actions.size());
  for (const std::string& a : actions) {
    if (!IsValidAction(a)) {
      return Malformed(std::string(name) + " " + Quote(a) +
                       " must be \"*\" or prefaced by a vendor, e.g. "
                       "\"secretsmanager:GetSecretValue\"");
    }
    current_.actions.emplace_back(a, /*lower_case=*/true);
  }
  current_.not_action = is_not;
  has_action_ = true;
  return Ok();
}

Result<void> PolicyBuilder::SetResources(const std::vector<std::string>& resources, bool is_not) {
  const char* name = is_not ? "NotResource" : "Resource";
  COFFER_RETURN_IF_ERROR(RequireStatement(name));
  if (kind_ == PolicyKind::kTrust) return Malformed(std::string("Has prohibited field ") + name);
  if (current_.has_resource) {
    return Malformed(current_.not_resource == is_not
                         ? std::string(name) + " given twice"
                         : std::string("Statement must not contain both Resource and NotResource"));
  }
  if (resources.empty())
    return Malformed("Policy statement must contain resources: " + std::string(name) + " is empty");
  const bool variables = policy_->version_ == PolicyVersion::kV2012;
  current_.resources.reserve(resources.size());
  for (const std::string& r : resources) {
    if (!IsValidResource(r)) {
      return Malformed(std::string(name) + " " + Quote(r) +
                       " must be \"*\" or an ARN (\"arn:partition:service:region:account:"
                       "resource\")");
    }
    auto p = internal::Pattern::Compile(r, variables);
    if (!p) return Malformed(std::string(name) + " " + Quote(r) + ": " + p.error().message);
    current_.resources.push_back(std::move(*p));
  }
  current_.has_resource = true;
  current_.not_resource = is_not;
  return Ok();
}

Result<void> PolicyBuilder::SetPrincipalMode(bool is_not) {
  const char* name = is_not ? "NotPrincipal" : "Principal";
  COFFER_RETURN_IF_ERROR(RequireStatement(name));
  if (kind_ == PolicyKind::kIdentity) {
    return Malformed("Policy document should not specify a principal.");
  }
  if (principal_is_not_ && *principal_is_not_ != is_not) {
    return Malformed("Statement must not contain both Principal and NotPrincipal");
  }
  principal_is_not_ = is_not;
  current_.has_principal = true;
  current_.not_principal = is_not;
  return Ok();
}

Result<void> PolicyBuilder::SetAnyPrincipal(bool is_not) {
  COFFER_RETURN_IF_ERROR(SetPrincipalMode(is_not));
  current_.principals.any = true;
  return Ok();
}

Result<void> PolicyBuilder::AddPrincipals(std::string_view type,
                                          const std::vector<std::string>& values, bool is_not) {
  COFFER_RETURN_IF_ERROR(SetPrincipalMode(is_not));
  const std::string name = std::string(is_not ? "NotPrincipal" : "Principal") + " " + Quote(type);
  if (values.empty()) return Malformed(name + " is empty");
  internal::PrincipalSet& set = current_.principals;
  auto invalid = [&](std::string_view v) {
    return Malformed("Invalid principal in policy: " + Quote(type) + ": " + Quote(v));
  };
  if (type == "AWS") {
    for (const std::string& v : values) {
      if (v == "*") {
        set.any = true;
      } else if (IsAccountId(v)) {
        set.accounts.push_back(v);
      } else if (v.substr(0, 4) == "arn:") {
        // arn:<partition>:(iam|sts)::<account>:<resource>, no wildcards: AWS names principals
        // exactly.
        std::vector<std::string_view> f = Split(v, ':');
        if (f.size() < 6 || f[1].empty() || (f[2] != "iam" && f[2] != "sts") || !f[3].empty() ||
            !IsAccountId(f[4]) || HasWildcard(v)) {
          return invalid(v);
        }
        std::string_view resource = std::string_view(v).substr(
            f[0].size() + f[1].size() + f[2].size() + f[3].size() + f[4].size() + 5);
        if (resource.empty()) return invalid(v);
        if (f[2] == "iam" && resource == "root") {
          set.accounts.emplace_back(f[4]);
        } else {
          set.arns.push_back(v);
        }
      } else if (IsUniqueId(v)) {
        set.arns.push_back(v);
      } else {
        return invalid(v);
      }
    }
  } else if (type == "Federated" || type == "Service" || type == "CanonicalUser") {
    std::vector<std::string>& out = type == "Federated" ? set.federated
                                    : type == "Service" ? set.services
                                                        : set.canonical_users;
    for (const std::string& v : values) {
      if (v.empty() || HasWildcard(v)) return invalid(v);
      out.push_back(v);
    }
  } else {
    return Malformed("Principal type " + Quote(type) +
                     " must be one of \"AWS\", \"Federated\", \"Service\", \"CanonicalUser\"");
  }
  return Ok();
}

Result<void> PolicyBuilder::AddCondition(std::string_view op, std::string_view key,
                                         const std::vector<std::string>& values) {
  COFFER_RETURN_IF_ERROR(RequireStatement("Condition"));
  auto c = internal::CompileCondition(op, key, values, policy_->version_ == PolicyVersion::kV2012);
  if (!c) return Malformed(c.error().message);
  current_.conditions.push_back(std::move(*c));
  return Ok();
}

Result<void> PolicyBuilder::EndStatement() {
  COFFER_RETURN_IF_ERROR(RequireStatement("end of statement"));
  if (!has_effect_) return Malformed("Missing required field Effect");
  if (!has_action_) return Malformed("Missing required field Action (or NotAction)");
  if (!current_.has_resource && kind_ != PolicyKind::kTrust) {
    return Malformed("Missing required field Resource (or NotResource)");
  }
  if (!current_.has_principal && kind_ != PolicyKind::kIdentity) {
    return Malformed("Missing required field Principal (or NotPrincipal)");
  }
  policy_->statements_.push_back(std::move(current_));
  current_ = internal::Statement{};
  in_statement_ = false;
  return Ok();
}

Result<PolicyPtr> PolicyBuilder::Build() {
  if (in_statement_) return Malformed("statement not ended");
  if (policy_ == nullptr) return Malformed("policy already built");
  if (policy_->statements_.empty()) {
    return Malformed("Policy document must contain at least one statement");
  }
  PolicyPtr built = std::move(policy_);
  policy_ = nullptr;
  return built;
}

}  // namespace coffer::policy
