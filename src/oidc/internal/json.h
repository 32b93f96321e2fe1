#ifndef COFFER_OIDC_INTERNAL_JSON_H_
#define COFFER_OIDC_INTERNAL_JSON_H_

#include <rapidjson/document.h>

#include <optional>
#include <string>
#include <string_view>

namespace coffer::oidc::internal {

// Parses `text` as one JSON object: RapidJSON's iterative parser (no recursion, whatever the
// nesting), UTF-8 validated, nothing after the value. False when the text is malformed, is not an
// object, or the object repeats a member name (RFC 7515 section 5.2 lets a parser reject those;
// accepting them would let two parsers read different claims from one token).
bool ParseJsonObject(std::string_view text, rapidjson::Document& doc);

// True when object `v` has two members with the same name.
bool HasDuplicateMembers(const rapidjson::Value& v);

// The string member `name` of object `v`; nullopt when absent. `*wrong_type` is set when the
// member exists but is not a string.
std::optional<std::string> StringMember(const rapidjson::Value& v, const char* name,
                                        bool* wrong_type);

}  // namespace coffer::oidc::internal

#endif  // COFFER_OIDC_INTERNAL_JSON_H_
