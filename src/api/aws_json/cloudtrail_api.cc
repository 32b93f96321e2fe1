#include "api/aws_json/cloudtrail_api.h"

#include <cctype>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace coffer::api::aws_json {
namespace shapes::cloudtrail {
#include "api/aws_json/shapes/cloudtrail_shapes.inc"
}  // namespace shapes::cloudtrail

namespace {

namespace ct = shapes::cloudtrail;

// Domain reasons for CloudTrail's LookupEvents errors (see MapError).
constexpr std::string_view kInvalidLookupAttributes = "CLOUDTRAIL_INVALID_LOOKUP_ATTRIBUTES";
constexpr std::string_view kInvalidTimeRange = "CLOUDTRAIL_INVALID_TIME_RANGE";
constexpr std::string_view kInvalidMaxResults = "CLOUDTRAIL_INVALID_MAX_RESULTS";
constexpr std::string_view kInvalidEventCategory = "CLOUDTRAIL_INVALID_EVENT_CATEGORY";
constexpr std::string_view kUnsupportedOperation = "CLOUDTRAIL_UNSUPPORTED_OPERATION";

constexpr int kMaxResultsLimit = 50;
constexpr int64_t kMaxAttributeValueLength = 2000;
// 9999-12-31T23:59:59Z: the last instant an ISO 8601 eventTime can spell.
constexpr double kLatestEpochSeconds = 253402300799.0;

// LookupEvents' input as the model has it, but with JSON types only: CloudTrail reports a bad
// attribute, MaxResults or EventCategory with its own exceptions (QueryFrom), not with the
// generic ValidationException the model's constraints would give.
const Shape kAnyString = {.type = Type::kString, .name = "String"};
const Shape kAnyInteger = {.type = Type::kInteger, .name = "MaxResults"};
const Member kLookupAttributeMembers[] = {
    {"AttributeKey", &kAnyString, false, false},
    {"AttributeValue", &kAnyString, false, false},
};
const Shape kLookupAttribute = {.type = Type::kStructure,
                                .name = "LookupAttribute",
                                .members = kLookupAttributeMembers,
                                .member_count = 2};
const Shape kLookupAttributesList = {
    .type = Type::kList, .name = "LookupAttributesList", .element = &kLookupAttribute};
const Member kLookupEventsMembers[] = {
    {"LookupAttributes", &kLookupAttributesList, false, false},
    {"StartTime", &ct::kDate, false, false},
    {"EndTime", &ct::kDate, false, false},
    {"EventCategory", &kAnyString, false, false},
    {"MaxResults", &kAnyInteger, false, false},
    {"NextToken", &ct::kNextToken, false, false},
};
const Shape kLookupEventsInput = {.type = Type::kStructure,
                                  .name = "LookupEventsRequest",
                                  .members = kLookupEventsMembers,
                                  .member_count = 6};

std::vector<Operation> MakeOperations() {
  std::vector<Operation> ops(std::begin(ct::kOperations), std::end(ct::kOperations));
  for (Operation& op : ops) {
    if (std::string_view(op.name) == "LookupEvents") op.input = &kLookupEventsInput;
  }
  return ops;
}

std::optional<audit::LookupKey> ParseKey(std::string_view key) {
  using audit::LookupKey;
  if (key == "EventId") return LookupKey::kEventId;
  if (key == "EventName") return LookupKey::kEventName;
  if (key == "ReadOnly") return LookupKey::kReadOnly;
  if (key == "Username") return LookupKey::kUsername;
  if (key == "ResourceType") return LookupKey::kResourceType;
  if (key == "ResourceName") return LookupKey::kResourceName;
  if (key == "EventSource") return LookupKey::kEventSource;
  if (key == "AccessKeyId") return LookupKey::kAccessKeyId;
  return std::nullopt;
}

// CloudTrail's measure of an AttributeValue: UTF-16 code units, with '_', ' ', ',' and '\n'
// counting twice.
int64_t AttributeValueLength(std::string_view s) {
  int64_t n = 0;
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if ((c & 0xC0) == 0x80) continue;  // UTF-8 continuation byte
    // A surrogate pair, or one of the characters CloudTrail counts twice.
    bool counts_twice = c >= 0xF0 || c == '_' || c == ' ' || c == ',' || c == '\n';
    n += counts_twice ? 2 : 1;
  }
  return n;
}

Error AttributeError(std::string m) {
  return InvalidArgumentError(std::move(m), kInvalidLookupAttributes);
}

Result<audit::LookupAttribute> ParseAttribute(const JsonIn& a) {
  auto key = a.Str("AttributeKey");
  auto value = a.Str("AttributeValue");
  if (!key) return AttributeError("A lookup attribute must have an AttributeKey.");
  auto parsed = ParseKey(*key);
  if (!parsed) {
    return AttributeError(
        "AttributeKey must be one of EventId, EventName, ReadOnly, Username, ResourceType, "
        "ResourceName, EventSource or AccessKeyId.");
  }
  if (!value || value->empty()) {
    return AttributeError("A lookup attribute must have a non-empty AttributeValue.");
  }
  if (AttributeValueLength(*value) > kMaxAttributeValueLength) {
    return AttributeError("AttributeValue must be at most 2000 characters long.");
  }
  if (*parsed == audit::LookupKey::kReadOnly) {
    std::string lower = *value;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (lower != "true" && lower != "false") {
      return AttributeError("The value of the ReadOnly lookup attribute must be true or false.");
    }
    *value = std::move(lower);
  }
  return audit::LookupAttribute{*parsed, std::move(*value)};
}

// An AWS JSON timestamp (epoch seconds, possibly fractional).
Result<std::optional<Timestamp>> TimeFrom(const JsonIn& in, const char* member) {
  auto seconds = in.Double(member);
  if (!seconds) return std::optional<Timestamp>();
  if (!std::isfinite(*seconds) || *seconds < 0 || *seconds > kLatestEpochSeconds) {
    return InvalidArgumentError(std::string(member) + " is outside the range of possible values.",
                                kInvalidTimeRange);
  }
  return std::optional<Timestamp>(
      FromUnixMillis(static_cast<int64_t>(std::llround(*seconds * 1000.0))));
}

void WriteEvent(JsonOut& out, const audit::LookupEvent& e) {
  out.StartObject();
  out.Field("EventId", e.event_id);
  out.Field("EventName", e.event_name);
  out.Field("ReadOnly", e.read_only);
  if (!e.access_key_id.empty()) out.Field("AccessKeyId", e.access_key_id);
  out.FieldTime("EventTime", e.event_time);
  out.Field("EventSource", e.event_source);
  if (!e.username.empty()) out.Field("Username", e.username);
  out.Key("Resources");
  out.StartArray();
  for (const audit::LookupResource& r : e.resources) {
    out.StartObject();
    if (!r.resource_type.empty()) out.Field("ResourceType", r.resource_type);
    out.Field("ResourceName", r.resource_name);
    out.EndObject();
  }
  out.EndArray();
  out.Field("CloudTrailEvent", e.cloudtrail_event);
  out.EndObject();
}

}  // namespace

std::span<const Operation> CloudTrailApi::operations() const {
  static const std::vector<Operation> kOperations = MakeOperations();
  return kOperations;
}

bool CloudTrailApi::Implements(std::string_view op) const { return op == "LookupEvents"; }

bool CloudTrailApi::MayBlock(std::string_view op) const { return op == "LookupEvents"; }

bool CloudTrailApi::Deferrable(std::string_view /*operation*/) const { return false; }

Result<audit::LookupQuery> CloudTrailApi::QueryFrom(const JsonIn& in) {
  audit::LookupQuery q;
  if (const rapidjson::Value* list = in.Get("LookupAttributes")) {
    // CloudTrail accepts at most one attribute per lookup.
    if (list->Size() > 1) {
      return AttributeError("You can specify at most one lookup attribute.");
    }
    for (const auto& a : list->GetArray()) {
      if (a.IsNull()) continue;
      COFFER_ASSIGN_OR_RETURN(audit::LookupAttribute attr, ParseAttribute(JsonIn(&a)));
      q.attributes.push_back(std::move(attr));
    }
  }
  COFFER_ASSIGN_OR_RETURN(q.start_time, TimeFrom(in, "StartTime"));
  COFFER_ASSIGN_OR_RETURN(q.end_time, TimeFrom(in, "EndTime"));
  if (q.start_time && q.end_time && *q.start_time > *q.end_time) {
    return InvalidArgumentError("The start time must not be after the end time.",
                                kInvalidTimeRange);
  }
  if (auto category = in.Str("EventCategory")) {
    if (*category != "insight") {
      return InvalidArgumentError("EventCategory must be insight.", kInvalidEventCategory);
    }
    return InvalidArgumentError(
        "Coffer does not record CloudTrail Insights events; omit EventCategory to look up "
        "management events.",
        kUnsupportedOperation);
  }
  if (auto max = in.Int("MaxResults")) {
    if (*max < 1 || *max > kMaxResultsLimit) {
      return InvalidArgumentError(
          "Value " + std::to_string(*max) + " for MaxResults is invalid; it must be 1 to 50.",
          kInvalidMaxResults);
    }
    q.max_results = static_cast<int>(*max);
  } else {
    q.max_results = kMaxResultsLimit;
  }
  q.next_token = in.StrOr("NextToken");
  return q;
}

Result<void> CloudTrailApi::Invoke(std::string_view op, Call& c) {
  if (op != "LookupEvents") return UnimplementedError("not implemented");
  if (!c.ctx.unrestricted()) {
    identity::AccessRequest req;
    req.action = "cloudtrail:LookupEvents";
    COFFER_RETURN_IF_ERROR(c.ctx.Authorize(req));
  }
  return LookupEvents(c);
}

Result<void> CloudTrailApi::LookupEvents(Call& c) {
  COFFER_ASSIGN_OR_RETURN(audit::LookupQuery query, QueryFrom(c.in));
  COFFER_ASSIGN_OR_RETURN(audit::LookupPage page, reader_.Lookup(query));
  c.out.StartObject();
  c.out.Key("Events");
  c.out.StartArray();
  for (const audit::LookupEvent& e : page.events) WriteEvent(c.out, e);
  c.out.EndArray();
  if (!page.next_token.empty()) c.out.Field("NextToken", page.next_token);
  c.out.EndObject();
  return Ok();
}

ApiError CloudTrailApi::MapError(const Error& e) const {
  const std::string& m = e.message;
  if (e.reason == kInvalidLookupAttributes) return {400, "InvalidLookupAttributesException", m};
  if (e.reason == kInvalidTimeRange) return {400, "InvalidTimeRangeException", m};
  if (e.reason == kInvalidMaxResults) return {400, "InvalidMaxResultsException", m};
  if (e.reason == kInvalidEventCategory) return {400, "InvalidEventCategoryException", m};
  if (e.reason == kUnsupportedOperation) return {400, "UnsupportedOperationException", m};
  switch (e.code) {
    case ErrorCode::kPermissionDenied:
      return {400, "AccessDeniedException", m};
    case ErrorCode::kInvalidArgument:
      // The reader refuses only a NextToken it did not issue for this query.
      return {400, "InvalidNextTokenException",
              "The NextToken is not valid, or it was issued for a different query."};
    case ErrorCode::kUnavailable:
      return {503, "ServiceUnavailable", "The audit trail cannot be read right now."};
    case ErrorCode::kUnimplemented:
      return {400, "UnsupportedOperationException", "Coffer does not implement this operation."};
    default:
      return {500, "InternalFailure", "An error occurred on the server side."};
  }
}

}  // namespace coffer::api::aws_json
