// Fuzzes the awsJson1_1 request decoder: the first byte picks an operation of the Secrets Manager
// model, the rest is the request body, which is parsed (iteratively, UTF-8 validated) and
// checked against the operation's input shape. Must never crash, hang or exhaust the stack.
#include <rapidjson/document.h>

#include <cstdint>
#include <span>

#include "api/aws_json/shape_validator.h"

namespace coffer::api::aws_json::shapes::secretsmanager {
#include "api/aws_json/shapes/secretsmanager_shapes.inc"
}  // namespace coffer::api::aws_json::shapes::secretsmanager

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace coffer::api::aws_json;
  if (size == 0) return 0;
  std::span<const Operation> ops = shapes::secretsmanager::kOperations;
  const Operation& op = ops[data[0] % ops.size()];
  rapidjson::Document d;
  d.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(
      reinterpret_cast<const char*>(data + 1), size - 1);
  if (d.HasParseError() || op.input == nullptr) return 0;
  (void)ValidateInput(d, *op.input);
  return 0;
}
