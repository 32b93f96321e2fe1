#ifndef COFFER_CORE_PARAMETERS_PARAMETER_NAME_H_
#define COFFER_CORE_PARAMETERS_PARAMETER_NAME_H_

#include <optional>
#include <string>
#include <string_view>

#include "base/result.h"
#include "core/common/account.h"
#include "core/parameters/parameter.h"

namespace coffer::parameters {

inline constexpr size_t kMaxLevels = 15;
inline constexpr size_t kMaxArnLength = 1011;
inline constexpr std::string_view kSecretsManagerReference = "/aws/reference/secretsmanager/";

// AWS's text for a name with characters outside a-zA-Z0-9_.-/ (or a bad hierarchy).
inline constexpr std::string_view kInvalidNameMessage =
    "Parameter name: can't be prefixed with \"ssm\" (case-insensitive). If formed as a path, it "
    "can consist of sub-paths divided by slash symbol; each sub-path can be formed as a mix of "
    "letters, numbers and the following 3 symbols .-_";
inline constexpr std::string_view kInvalidPathMessage =
    "The parameter doesn't meet the parameter name requirements. The parameter name must begin "
    "with a forward slash \"/\". It can't be prefixed with \"aws\" or \"ssm\" (case-insensitive). "
    "It must use only letters, numbers, or the following symbols: . (period), - (hyphen), _ "
    "(underscore). Special characters are not allowed. All sub-paths, if specified, must use the "
    "forward slash symbol \"/\". Valid example: /get/parameters2-/by1./path0_.";

// The lookup key of a parameter name: surrounding spaces removed and a leading '/' added, so
// "x" and "/x" are one parameter. kInvalidArgument (reason VALIDATION) when the name is not a
// valid parameter name. Reserved prefixes are not checked here (reads may name them).
Result<std::string> NormalizeName(std::string_view name);
// As NormalizeName, plus the rules for creating a parameter: no "aws"/"ssm" prefix (reason
// VALIDATION, or ACCESS_DENIED under /aws/), at most 15 levels (HIERARCHY_LEVEL_LIMIT).
Result<std::string> CheckNewName(std::string_view name);

// A reference as GetParameter takes it: a name or ARN, optionally with ":<version>" or
// ":<label>".
struct NameReference {
  std::string path;  // normalized
  Selector selector;
  std::string selector_text;  // ":3" or ":label", empty without a selector
};
Result<NameReference> ParseReference(std::string_view input, const core::Account& account);

// A GetParametersByPath path: "/" or "/a/b" (a trailing '/' is accepted). Returns the prefix
// every name under it starts with ("/" or "/a/b/"). kInvalidArgument (VALIDATION) otherwise.
Result<std::string> NormalizePath(std::string_view path);

// "arn:<partition>:ssm:<region>:<account>:parameter/a/b" for path "/a/b".
std::string ParameterArn(const core::Account& account, std::string_view path);
// The parent of a path, with its trailing '/': "/a/" for "/a/b", "/" for "/x".
std::string ParentOf(std::string_view path);

// AWS's label rules: 1-100 characters from a-zA-Z0-9_.-, not starting with a digit, "aws" or
// "ssm" (case-insensitive).
bool IsValidLabel(std::string_view label);

}  // namespace coffer::parameters

#endif  // COFFER_CORE_PARAMETERS_PARAMETER_NAME_H_
