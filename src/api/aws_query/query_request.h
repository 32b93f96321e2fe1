#ifndef COFFER_API_AWS_QUERY_QUERY_REQUEST_H_
#define COFFER_API_AWS_QUERY_QUERY_REQUEST_H_

#include <rapidjson/document.h>

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "api/aws_query/query_model.h"
#include "api/common/api_error.h"

namespace coffer::api::aws_query {

// Hostile-input limits: parameters per request, and so the largest list index (Name.member.N)
// and map entry number that can be valid.
inline constexpr size_t kMaxParameters = 5000;
// Segments in one parameter name ("A.member.1.B" has four).
inline constexpr size_t kMaxNameSegments = 32;

// One form parameter, percent-decoded ('+' is a space), valid UTF-8.
struct FormParam {
  std::string name;
  std::string value;
};

// Parses an application/x-www-form-urlencoded body or a URL query string ("a=1&b=x%20y"). Empty
// pieces ("a=1&&b=2") are skipped and a piece without '=' has an empty value. Errors (400
// MalformedQueryString): a malformed %-escape, bytes that are not UTF-8, a parameter given twice,
// more than kMaxParameters parameters.
std::variant<std::vector<FormParam>, ApiError> ParseForm(std::string_view form);

// The first value of parameter `name` in a form without decoding the rest (cheap enough for the
// I/O thread); nullopt when absent or malformed.
std::optional<std::string> FindFormValue(std::string_view form, std::string_view name);

// How a model names things on the wire where it differs from the member names (see WireName and
// QueryModel::flattened). Immutable after construction; thread-safe.
class ShapeNames {
 public:
  ShapeNames() = default;
  explicit ShapeNames(const QueryModel& model);

  // A structure member's element/parameter name: its locationName, else its member name.
  std::string_view MemberName(const Shape& structure, const Member& member) const;
  // A list's element name ("member") and a map's key and value names ("key", "value").
  std::string_view ListMemberName(const Shape& list) const;
  std::string_view MapKeyName(const Shape& map) const;
  std::string_view MapValueName(const Shape& map) const;
  bool IsFlattened(const Shape& shape) const;

 private:
  std::string_view Find(const Shape& shape, std::string_view member,
                        std::string_view fallback) const;
  std::span<const WireName> wire_names_;
  std::span<const Shape* const> flattened_;
};

// Turns a query request's parameters into the JSON document an aws_json-style handler reads
// (JsonIn), guided by the operation's input shape, then checks it with aws_json::ValidateInput:
//   structure members by wire name, nested with '.'       Role.Path=/x/      →
//   {"Role":{"Path":"/x/"}} lists as Name.member.N (N from 1, no gaps), or Name=   → [..] / [] maps
//   as Name.entry.N.key / Name.entry.N.value          → {"k":"v"} integers, longs, booleans
//   ("true"/"false"), doubles parsed; timestamps ISO 8601 (→ epoch seconds, as JsonIn expects);
//   blobs stay base64 text (ValidateInput checks them)
// Parameters the shape does not know (and Action, Version) are ignored, as AWS ignores them.
// On failure returns AWS's query error: 400 ValidationError ("2 validation errors detected:
// Value 'x' at 'durationSeconds' failed to satisfy constraint: Member must be an Integer; ...").
// Sensitive values are never echoed. `input` nullptr: an operation without input ({}).
// `doc` is replaced; on success it holds the decoded object.
std::optional<ApiError> DecodeInput(std::span<const FormParam> params, const Shape* input,
                                    const ShapeNames& names, rapidjson::Document& doc);

}  // namespace coffer::api::aws_query

#endif  // COFFER_API_AWS_QUERY_QUERY_REQUEST_H_
