#ifndef COFFER_API_AWS_JSON_SHAPE_H_
#define COFFER_API_AWS_JSON_SHAPE_H_

#include <cstddef>
#include <cstdint>

// Input shapes of AWS JSON operations, generated from botocore's service models by
// tools/gen_aws_shapes.py (see shapes/*.inc).
namespace coffer::api::aws_json {

enum class Type : uint8_t {
  kStructure,
  kList,
  kMap,
  kString,
  kInteger,
  kLong,
  kBoolean,
  kBlob,
  kTimestamp,
  kDouble
};

struct Shape;

struct Member {
  const char* name;
  const Shape* shape;
  bool required;
  bool sensitive;
};

struct Shape {
  Type type = Type::kString;
  const char* name = "";
  bool has_min = false;
  int64_t min = 0;
  bool has_max = false;
  int64_t max = 0;
  const char* pattern = nullptr;
  bool sensitive = false;
  const char* const* enum_values = nullptr;
  size_t enum_count = 0;
  const Member* members = nullptr;
  size_t member_count = 0;
  const Shape* element = nullptr;  // list
  const Shape* key = nullptr;      // map
  const Shape* value = nullptr;    // map
};

struct Operation {
  const char* name;
  const Shape* input;  // nullptr: the operation takes no input
};

}  // namespace coffer::api::aws_json

#endif  // COFFER_API_AWS_JSON_SHAPE_H_
