#ifndef COFFER_CORE_POLICY_INTERNAL_CONDITION_H_
#define COFFER_CORE_POLICY_INTERNAL_CONDITION_H_

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "core/policy/internal/statement.h"
#include "core/policy/request_context.h"

namespace coffer::policy::internal {

// Compiles one condition: `op` as written ("ForAnyValue:StringLikeIfExists"), the condition key
// and its policy values (numbers and booleans already as text). `variables` enables policy
// variables in string and ARN values. kInvalidArgument, with a message naming the operator, key
// or value (no statement location), for an unknown operator or a value the operator cannot use.
Result<Condition> CompileCondition(std::string_view op, std::string_view key,
                                   const std::vector<std::string>& values, bool variables);

// Whether `condition` holds for `ctx`, with AWS's semantics for absent keys, negated operators,
// ...IfExists and the ForAnyValue/ForAllValues qualifiers. Allocates only to substitute policy
// variables.
bool EvaluateCondition(const Condition& condition, const RequestContext& ctx);

}  // namespace coffer::policy::internal

#endif  // COFFER_CORE_POLICY_INTERNAL_CONDITION_H_
