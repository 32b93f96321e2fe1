#ifndef COFFER_CORE_PARAMETERS_ERRORS_H_
#define COFFER_CORE_PARAMETERS_ERRORS_H_

#include <string_view>

// Error reasons (Error::reason) the parameters domain returns; protocol adapters map them (the
// comments give the canonical code and the SSM error each becomes).
namespace coffer::parameters::reason {
inline constexpr std::string_view kNotFound = "PARAMETER_NOT_FOUND";                 // kNotFound
inline constexpr std::string_view kVersionNotFound = "PARAMETER_VERSION_NOT_FOUND";  // kNotFound
inline constexpr std::string_view kAlreadyExists = "PARAMETER_EXISTS";  // kAlreadyExists
inline constexpr std::string_view kValidation = "VALIDATION";           // kInvalidArgument
inline constexpr std::string_view kInvalidKeyId = "INVALID_KEY_ID";     // kInvalidArgument
inline constexpr std::string_view kHierarchyLevelLimit = "HIERARCHY_LEVEL_LIMIT";
inline constexpr std::string_view kHierarchyTypeMismatch = "HIERARCHY_TYPE_MISMATCH";
inline constexpr std::string_view kInvalidAllowedPattern = "INVALID_ALLOWED_PATTERN";
inline constexpr std::string_view kPatternMismatch = "PARAMETER_PATTERN_MISMATCH";
inline constexpr std::string_view kMaxVersionLimit = "MAX_VERSION_LIMIT";  // kFailedPrecondition
inline constexpr std::string_view kLabelLimit = "LABEL_LIMIT";             // kResourceExhausted
inline constexpr std::string_view kUnsupportedType = "UNSUPPORTED_PARAMETER_TYPE";
inline constexpr std::string_view kPoliciesLimit = "POLICIES_LIMIT";
inline constexpr std::string_view kInvalidPolicyType = "INVALID_POLICY_TYPE";
inline constexpr std::string_view kInvalidPolicyAttribute = "INVALID_POLICY_ATTRIBUTE";
inline constexpr std::string_view kIncompatiblePolicy = "INCOMPATIBLE_POLICY";
inline constexpr std::string_view kInvalidFilterKey = "INVALID_FILTER_KEY";
inline constexpr std::string_view kInvalidFilterOption = "INVALID_FILTER_OPTION";
inline constexpr std::string_view kInvalidFilterValue = "INVALID_FILTER_VALUE";
inline constexpr std::string_view kInvalidNextToken = "INVALID_NEXT_TOKEN";
inline constexpr std::string_view kInvalidResourceType = "INVALID_RESOURCE_TYPE";
inline constexpr std::string_view kInvalidResourceId = "INVALID_RESOURCE_ID";
inline constexpr std::string_view kTooManyTags = "TOO_MANY_TAGS";
inline constexpr std::string_view kTooManyUpdates = "TOO_MANY_UPDATES";  // kAborted
inline constexpr std::string_view kAccessDenied = "ACCESS_DENIED";       // kPermissionDenied
}  // namespace coffer::parameters::reason

#endif  // COFFER_CORE_PARAMETERS_ERRORS_H_
