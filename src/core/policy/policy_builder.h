#ifndef COFFER_CORE_POLICY_POLICY_BUILDER_H_
#define COFFER_CORE_POLICY_POLICY_BUILDER_H_

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "core/policy/policy.h"

namespace coffer::policy {

// Assembles a Policy element by element, validating and compiling each value as it arrives, so
// that a PolicyParser owns only the wire syntax (field names, JSON types) and every grammar rule
// of the IAM policy language lives here. Single-use, not thread-safe.
//
// Call order: SetVersion and SetId (optional, before any statement), then per statement
// BeginStatement, SetSid first if there is one (so later errors can name it), any of the element
// setters, EndStatement; finally Build.
//
// Every method returns kInvalidArgument with reason::kMalformedPolicy and a message that names
// the statement ("Statement[2] (Sid \"ReadOnly\"): ...") and the element at fault. After an error
// the builder must not be used further.
class PolicyBuilder {
 public:
  explicit PolicyBuilder(PolicyKind kind);
  PolicyBuilder(const PolicyBuilder&) = delete;
  PolicyBuilder& operator=(const PolicyBuilder&) = delete;
  ~PolicyBuilder();

  PolicyKind kind() const { return kind_; }

  // "2012-10-17" or "2008-10-17". Without a call the policy is 2008-10-17: policy variables are
  // not substituted.
  Result<void> SetVersion(std::string_view version);
  Result<void> SetId(std::string_view id);

  Result<void> BeginStatement();
  Result<void> SetSid(std::string_view sid);
  // "Allow" or "Deny".
  Result<void> SetEffect(std::string_view effect);
  // Action (is_not false) or NotAction: "*" or "<vendor>:<action pattern>".
  Result<void> SetActions(const std::vector<std::string>& actions, bool is_not = false);
  // Resource or NotResource: "*" or ARN patterns, with policy variables in 2012-10-17.
  Result<void> SetResources(const std::vector<std::string>& resources, bool is_not = false);
  // Principal (or NotPrincipal) "*".
  Result<void> SetAnyPrincipal(bool is_not = false);
  // One member of a Principal (or NotPrincipal) object: `type` is "AWS", "Federated", "Service"
  // or "CanonicalUser". Call once per member.
  Result<void> AddPrincipals(std::string_view type, const std::vector<std::string>& values,
                             bool is_not = false);
  // One "operator": {"key": values} entry of the Condition block.
  Result<void> AddCondition(std::string_view op, std::string_view key,
                            const std::vector<std::string>& values);
  Result<void> EndStatement();

  Result<PolicyPtr> Build();

  // A kMalformedPolicy error located at the current statement, for the parser's own syntax
  // checks (wrong JSON type, unknown field, ...).
  Error Malformed(std::string_view what) const;

 private:
  Result<void> RequireStatement(std::string_view element);
  Result<void> SetPrincipalMode(bool is_not);

  PolicyKind kind_;
  std::shared_ptr<Policy> policy_;
  bool has_version_ = false;
  bool in_statement_ = false;
  internal::Statement current_;
  bool has_sid_ = false;
  bool has_effect_ = false;
  bool has_action_ = false;
  std::optional<bool> principal_is_not_;  // set once Principal or NotPrincipal was seen
};

}  // namespace coffer::policy

#endif  // COFFER_CORE_POLICY_POLICY_BUILDER_H_
