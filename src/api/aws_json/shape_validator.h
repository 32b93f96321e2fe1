#ifndef COFFER_API_AWS_JSON_SHAPE_VALIDATOR_H_
#define COFFER_API_AWS_JSON_SHAPE_VALIDATOR_H_

#include <rapidjson/document.h>

#include <optional>
#include <string>

#include "api/aws_json/shape.h"
#include "api/common/api_error.h"

namespace coffer::api::aws_json {

// Checks a parsed request body against an operation's input shape the way AWS's Coral
// front end does: a JSON type that cannot be converted is a SerializationException; every
// violated constraint (required member, length, range, enum, pattern) is collected into one
// ValidationException ("2 validation errors detected: Value '...' at 'secretId' failed to
// satisfy constraint: ...; ..."). Sensitive values are never echoed. JSON null counts as absent;
// unknown members are ignored. Returns nullopt when the input is valid.
std::optional<ApiError> ValidateInput(const rapidjson::Value& body, const Shape& shape);

}  // namespace coffer::api::aws_json

#endif  // COFFER_API_AWS_JSON_SHAPE_VALIDATOR_H_
