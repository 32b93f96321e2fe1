#ifndef COFFER_CORE_IDENTITY_AUTHORIZER_H_
#define COFFER_CORE_IDENTITY_AUTHORIZER_H_

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/result.h"
#include "core/common/tag.h"
#include "core/identity/iam_service.h"
#include "core/identity/principal.h"
#include "core/policy/policy.h"
#include "core/policy/policy_evaluator.h"
#include "core/policy/request_context.h"

namespace coffer::identity {

// Facts about the request itself, for global condition keys.
struct RequestFacts {
  std::string_view source_ip;   // aws:SourceIp
  bool secure = false;          // aws:SecureTransport
  Timestamp now;                // aws:CurrentTime, aws:EpochTime
  std::string_view region;      // aws:RequestedRegion
  std::string_view user_agent;  // aws:UserAgent
};

// One permission check: an action on a resource, with what the resource and the request add to
// the condition context.
struct AccessRequest {
  std::string_view action;            // "secretsmanager:GetSecretValue"
  std::string_view resource = "*";    // the resource ARN, "*" for actions on no resource
  policy::PolicyPtr resource_policy;  // a secret's resource policy, a KMS key policy; may be null
  bool resource_policy_required = false;      // KMS key policies
  const core::Tags* resource_tags = nullptr;  // → aws:ResourceTag/<key> (+ service alias)
  // When set, resource tags are also exposed as "<prefix>:ResourceTag/<key>".
  std::string_view service_tag_prefix;
  // Service keys ("secretsmanager:SecretId", "kms:EncryptionContext:<k>") and request keys
  // (aws:RequestTag/<k>, aws:TagKeys).
  std::vector<std::pair<std::string, std::vector<std::string>>> keys;
};

// Decides whether a principal may perform an action, by IAM policy evaluation over the
// principal's identity policies (from IamService), its session policies, and the resource's
// policy. The account root is always allowed. Thread-safe.
class Authorizer {
 public:
  explicit Authorizer(const IamService& iam) : iam_(iam) {}

  // Ok, or kPermissionDenied with AWS's AccessDenied message ("User: <arn> is not authorized to
  // perform: <action> on resource: <resource> because …").
  Result<void> Authorize(const Credential& who, const RequestFacts& facts,
                         const AccessRequest& request) const;

  // The same decision for a principal without a credential (e.g. the caller of AssumeRole), with
  // explicit session policies.
  Result<void> Authorize(const Principal& who,
                         const std::vector<policy::PolicyPtr>& session_policies,
                         const RequestFacts& facts, const AccessRequest& request) const;

  // The condition context for a request (global keys, principal and resource tags, and
  // request.keys). Exposed for trust-policy evaluation.
  policy::RequestContext Context(const Principal& who, const PrincipalAuthz* authz,
                                 const RequestFacts& facts, const AccessRequest& request) const;

  // The identity policies and tags of a principal; nullptr for the root and for principals
  // that no longer exist.
  std::shared_ptr<const PrincipalAuthz> AuthzOf(const Principal& who) const;

 private:
  const IamService& iam_;
};

}  // namespace coffer::identity

#endif  // COFFER_CORE_IDENTITY_AUTHORIZER_H_
