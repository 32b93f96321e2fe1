#ifndef COFFER_API_AWS_QUERY_QUERY_MODEL_H_
#define COFFER_API_AWS_QUERY_QUERY_MODEL_H_

#include <span>
#include <string_view>

#include "api/aws_json/shape.h"

// The model of an AWS query-protocol service (IAM, STS), generated from botocore's service models
// by tools/gen_aws_shapes.py (shapes/*.inc). Input and output shapes are aws_json's Shape tables,
// so aws_json::ValidateInput checks decoded requests; what the query wire format needs beyond
// them is here.
namespace coffer::api::aws_query {

using aws_json::Member;
using aws_json::Shape;
using aws_json::Type;

struct QueryOperation {
  const char* name;
  const Shape* input;          // nullptr: the operation takes no input
  const Shape* output;         // nullptr: the response has only ResponseMetadata
  const char* result_wrapper;  // "<Op>Result" element around the output; nullptr: none
  bool is_unsigned;            // authtype none: served without a signature
};

// A name on the wire that differs from the model's member name: a structure member's
// locationName ("member" is the member name), a list's element name ("member" → e.g. "item"),
// a map's key or value element ("key"/"value" → the locationName).
struct WireName {
  const Shape* shape;
  const char* member;
  const char* wire_name;
};

struct QueryModel {
  const char* api_version;    // "2010-05-08": requests must carry Version=<it>
  const char* xml_namespace;  // "https://iam.amazonaws.com/doc/2010-05-08/"
  std::span<const QueryOperation> operations;
  std::span<const WireName> wire_names;
  // Lists serialized as Name.N / repeated <Name> elements, and maps as Name.N.key / repeated
  // <Name><key/><value/></Name>, instead of Name.member.N and Name.entry.N.
  std::span<const Shape* const> flattened;

  const QueryOperation* Find(std::string_view operation) const;
};

// The generated models of IAM (2010-05-08) and STS (2011-06-15).
const QueryModel& IamModel();
const QueryModel& StsModel();

}  // namespace coffer::api::aws_query

#endif  // COFFER_API_AWS_QUERY_QUERY_MODEL_H_
