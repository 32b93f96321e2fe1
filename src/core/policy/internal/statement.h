#ifndef COFFER_CORE_POLICY_INTERNAL_STATEMENT_H_
#define COFFER_CORE_POLICY_INTERNAL_STATEMENT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/policy/internal/pattern.h"
#include "core/policy/internal/values.h"

// The compiled form of a policy statement, built by PolicyBuilder and read by the evaluator.
namespace coffer::policy::internal {

enum class Effect : uint8_t { kAllow, kDeny };

// The condition operators, with the negated ones (StringNotEquals, NotIpAddress, ...) folded
// into their positive form plus Condition::negated. ArnEquals and ArnLike behave the same.
enum class Operator : uint8_t {
  kStringEquals,
  kStringEqualsIgnoreCase,
  kStringLike,
  kNumericEquals,
  kNumericLessThan,
  kNumericLessThanEquals,
  kNumericGreaterThan,
  kNumericGreaterThanEquals,
  kDateEquals,
  kDateLessThan,
  kDateLessThanEquals,
  kDateGreaterThan,
  kDateGreaterThanEquals,
  kBool,
  kBinaryEquals,
  kIpAddress,
  kArnLike,
  kNull,
};

enum class SetQualifier : uint8_t { kNone, kForAnyValue, kForAllValues };

// One policy value of a condition, pre-parsed for its operator.
struct ConditionValue {
  Pattern text;              // string and binary operators; Arn* with fewer than six fields
  std::vector<Pattern> arn;  // Arn*: the six colon-separated fields, when the value has them
  double number = 0;         // Numeric*
  int64_t millis = 0;        // Date*
  IpNetwork network;         // IpAddress
  bool flag = false;         // Bool, Null
};

struct Condition {
  Operator op = Operator::kStringEquals;
  bool negated = false;
  bool if_exists = false;
  SetQualifier qualifier = SetQualifier::kNone;
  std::string key;  // lower case
  std::vector<ConditionValue> values;
};

// Principal / NotPrincipal.
struct PrincipalSet {
  bool any = false;                    // "*" or {"AWS": "*"}
  std::vector<std::string> accounts;   // 12-digit ids, from "<id>" or "arn:...:iam::<id>:root"
  std::vector<std::string> arns;       // users, roles, sessions, unique ids
  std::vector<std::string> federated;  // identity providers
  std::vector<std::string> services;   // service principals
  std::vector<std::string> canonical_users;
};

struct Statement {
  std::string sid;
  Effect effect = Effect::kAllow;
  bool not_action = false;
  std::vector<Glob> actions;  // lower case; matched case-insensitively
  bool has_resource = false;  // false: the statement covers every resource (trust policies)
  bool not_resource = false;
  std::vector<Pattern> resources;
  bool has_principal = false;
  bool not_principal = false;
  PrincipalSet principals;
  std::vector<Condition> conditions;
};

}  // namespace coffer::policy::internal

#endif  // COFFER_CORE_POLICY_INTERNAL_STATEMENT_H_
