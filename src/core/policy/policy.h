#ifndef COFFER_CORE_POLICY_POLICY_H_
#define COFFER_CORE_POLICY_POLICY_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "core/policy/errors.h"
#include "core/policy/internal/statement.h"

namespace coffer::policy {

// What a policy document is attached to, which decides the grammar it must follow:
//   kIdentity  a user's or role's policy (inline or managed), or a session policy: no Principal,
//              Resource required;
//   kResource  a resource policy (Secrets Manager) or a KMS key policy: Principal and Resource
//              required;
//   kTrust     a role's assume-role policy: Principal required, Resource prohibited.
enum class PolicyKind { kIdentity, kResource, kTrust };

enum class PolicyVersion {
  kV2008,  // "2008-10-17", also what an absent Version means: no policy variables
  kV2012,  // "2012-10-17"
};

// Limits, applied by PolicyBuilder.
inline constexpr size_t kMaxStatements = 256;

// A parsed, validated, compiled policy document. Immutable once built (PolicyBuilder), so one
// instance is shared by any number of threads and evaluations.
class Policy {
 public:
  PolicyKind kind() const { return kind_; }
  PolicyVersion version() const { return version_; }
  const std::string& id() const { return id_; }
  size_t statement_count() const { return statements_.size(); }
  // The statements' Sids, in document order ("" for a statement without one).
  std::vector<std::string_view> Sids() const;

  // The compiled statements, for the evaluator.
  const std::vector<internal::Statement>& statements() const { return statements_; }

 private:
  friend class PolicyBuilder;
  Policy() = default;

  PolicyKind kind_ = PolicyKind::kIdentity;
  PolicyVersion version_ = PolicyVersion::kV2008;
  std::string id_;
  std::vector<internal::Statement> statements_;
};

using PolicyPtr = std::shared_ptr<const Policy>;

// Port: turns a policy document (JSON text) into a Policy. Implemented outside core, where a JSON
// library may be used (api/common/policy_document_parser.h). Implementations are thread-safe.
class PolicyParser {
 public:
  virtual ~PolicyParser() = default;
  // kInvalidArgument with reason kMalformedPolicy and a message that points at the problem (which
  // statement, which field), in the spirit of IAM's MalformedPolicyDocument texts.
  virtual Result<PolicyPtr> Parse(std::string_view document, PolicyKind kind) const = 0;
};

}  // namespace coffer::policy

#endif  // COFFER_CORE_POLICY_POLICY_H_
