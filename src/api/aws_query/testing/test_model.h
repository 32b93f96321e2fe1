#ifndef COFFER_API_AWS_QUERY_TESTING_TEST_MODEL_H_
#define COFFER_API_AWS_QUERY_TESTING_TEST_MODEL_H_

#include "api/aws_query/query_model.h"

// A hand-written query model with every shape type and the serialization details IAM and STS
// do not use (locationName, list member names, map key/value names, flattened lists and maps),
// for tests. One structure serves as both input and output.
namespace coffer::api::aws_query::testing {

inline const Shape kStr = {.type = Type::kString, .name = "Str"};
inline const Shape kCount = {.type = Type::kInteger,
                             .name = "Count",
                             .has_min = true,
                             .min = 1,
                             .has_max = true,
                             .max = 100};
inline const Shape kLong = {.type = Type::kLong, .name = "Long"};
inline const Shape kBool = {.type = Type::kBoolean, .name = "Bool"};
inline const Shape kDouble = {.type = Type::kDouble, .name = "Double"};
inline const Shape kTime = {.type = Type::kTimestamp, .name = "Time"};
inline const Shape kBlob = {.type = Type::kBlob, .name = "Blob"};
inline const Shape kSecret = {
    .type = Type::kString, .name = "Secret", .has_min = true, .min = 8, .sensitive = true};
inline const Shape kStrList = {.type = Type::kList, .name = "StrList", .element = &kStr};
inline const Member kPairMembers[] = {{"Key", &kStr, true, false}, {"Value", &kStr, false, false}};
inline const Shape kPair = {
    .type = Type::kStructure, .name = "Pair", .members = kPairMembers, .member_count = 2};
inline const Shape kPairList = {.type = Type::kList, .name = "PairList", .element = &kPair};
inline const Shape kStrMap = {.type = Type::kMap, .name = "StrMap", .key = &kStr, .value = &kStr};
inline const Shape kPairMap = {
    .type = Type::kMap, .name = "PairMap", .key = &kStr, .value = &kPair};
inline const Shape kFlatList = {.type = Type::kList, .name = "FlatList", .element = &kStr};
inline const Shape kFlatMap = {.type = Type::kMap, .name = "FlatMap", .key = &kStr, .value = &kStr};
inline const Shape kItemList = {.type = Type::kList, .name = "ItemList", .element = &kStr};
inline const Shape kNamedMap = {
    .type = Type::kMap, .name = "NamedMap", .key = &kStr, .value = &kStr};
inline const Member kAllMembers[] = {
    {"Name", &kStr, false, false},          {"Count", &kCount, false, false},
    {"Big", &kLong, false, false},          {"Flag", &kBool, false, false},
    {"Ratio", &kDouble, false, false},      {"When", &kTime, false, false},
    {"Data", &kBlob, false, false},         {"Password", &kSecret, false, false},
    {"Names", &kStrList, false, false},     {"Tags", &kPairList, false, false},
    {"Attributes", &kStrMap, false, false}, {"Objects", &kPairMap, false, false},
    {"Flat", &kFlatList, false, false},     {"FlatAttributes", &kFlatMap, false, false},
    {"Items", &kItemList, false, false},    {"Renamed", &kStr, false, false},
    {"Named", &kNamedMap, false, false},    {"Nested", &kPair, false, false},
};
inline const Shape kAll = {
    .type = Type::kStructure, .name = "All", .members = kAllMembers, .member_count = 18};
inline const Member kRequiredMembers[] = {{"Id", &kStr, true, false}};
inline const Shape kRequired = {
    .type = Type::kStructure, .name = "Required", .members = kRequiredMembers, .member_count = 1};

inline const WireName kWireNames[] = {
    {&kAll, "Renamed", "OtherName"},
    {&kItemList, "member", "item"},
    {&kNamedMap, "key", "Name"},
    {&kNamedMap, "value", "Val"},
};
inline const Shape* const kFlattened[] = {&kFlatList, &kFlatMap};
inline const QueryOperation kOperations[] = {
    {"Everything", &kAll, &kAll, "EverythingResult", false},
    {"NeedsId", &kRequired, nullptr, nullptr, false},
    {"NoInput", nullptr, &kAll, "NoInputResult", false},
    {"Anonymous", &kRequired, &kRequired, "AnonymousResult", true},
};
inline const QueryModel kModel = {"2020-01-01", "https://example.com/doc/2020-01-01/", kOperations,
                                  kWireNames, kFlattened};

}  // namespace coffer::api::aws_query::testing

#endif  // COFFER_API_AWS_QUERY_TESTING_TEST_MODEL_H_
