#ifndef COFFER_CORE_POLICY_REQUEST_CONTEXT_H_
#define COFFER_CORE_POLICY_REQUEST_CONTEXT_H_

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace coffer::policy {

// Who is asking. All strings may be empty when not applicable.
struct PrincipalInfo {
  std::string arn;  // user ARN, root ARN (arn:aws:iam::<acct>:root), or session ARN
                    // (arn:aws:sts::<acct>:assumed-role/<role>/<session>)
  std::string account_id;
  std::string role_arn;   // for role sessions: arn:aws:iam::<acct>:role[/path]/<role>
  std::string federated;  // when evaluating a trust policy for web identity: the OIDC provider ARN
  std::string service;    // a service principal ("lambda.amazonaws.com"), rarely used
};

// The request being authorized: action ("secretsmanager:GetSecretValue"), resource ARN (or "*"),
// principal and condition keys. Condition key names are case-insensitive; values are
// multi-valued, and a key set to no values counts as absent. Not thread-safe to mutate; const
// access (what Evaluate does) may be shared.
//
// The caller supplies the global keys its policies may test, e.g. aws:SourceIp,
// aws:CurrentTime (ISO 8601), aws:EpochTime, aws:SecureTransport ("true"/"false"),
// aws:PrincipalTag/<key>, aws:RequestTag/<key>, aws:TagKeys, and the service's own keys
// (kms:ViaService, secretsmanager:ResourceTag/<key>, <oidc issuer>:sub, ...).
// AddPrincipalKeys() derives the aws:Principal* keys and aws:username from `principal`.
class RequestContext {
 public:
  std::string action;
  std::string resource;
  PrincipalInfo principal;

  void Set(std::string_view key, std::string value);  // replaces
  void Set(std::string_view key, std::vector<std::string> values);
  void Set(std::string_view key, std::initializer_list<std::string> values);
  void Erase(std::string_view key);
  // The values of `key` (any case), or nullptr when absent or set to no values.
  const std::vector<std::string>* Find(std::string_view key) const;

  // Sets, unless already set: aws:PrincipalArn (the role ARN for role sessions),
  // aws:PrincipalAccount, aws:PrincipalType (Account, User, AssumedRole, FederatedUser) and, for
  // IAM users, aws:username.
  void AddPrincipalKeys();

 private:
  struct Entry {
    std::string key;  // lower case
    std::vector<std::string> values;
  };
  Entry* FindEntry(std::string_view key);

  std::vector<Entry> entries_;
};

}  // namespace coffer::policy

#endif  // COFFER_CORE_POLICY_REQUEST_CONTEXT_H_
