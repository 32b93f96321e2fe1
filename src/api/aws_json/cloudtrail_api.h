#ifndef COFFER_API_AWS_JSON_CLOUDTRAIL_API_H_
#define COFFER_API_AWS_JSON_CLOUDTRAIL_API_H_

#include <span>
#include <string_view>

#include "api/aws_json/service.h"
#include "core/audit/audit_reader.h"

namespace coffer::api::aws_json {

// AWS CloudTrail's LookupEvents over Coffer's audit trail (awsJson1_1, signing name
// "cloudtrail"). X-Amz-Target is "<target_prefix()>.LookupEvents" with the prefix botocore's
// model gives and every SDK sends ("com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101").
// Every other operation of the CloudTrail model is routed and refused as not implemented.
//
// The caller needs cloudtrail:LookupEvents on "*" (the account root always may). LookupEvents'
// input is checked here rather than by the model's constraints, so that errors carry CloudTrail's
// codes: InvalidLookupAttributesException (more than one attribute, an unknown key, an empty or
// too long value, ReadOnly other than true/false), InvalidTimeRangeException (StartTime after
// EndTime, or out of range), InvalidMaxResultsException (not 1..50),
// InvalidEventCategoryException (not "insight"), UnsupportedOperationException (EventCategory
// "insight": Coffer records no Insights events) and InvalidNextTokenException (a token the
// reader refuses). `reader` must outlive this. Thread-safe.
class CloudTrailApi final : public Service {
 public:
  explicit CloudTrailApi(const audit::AuditReader& reader) : reader_(reader) {}

  static constexpr std::string_view kTargetPrefix =
      "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101";

  std::string_view target_prefix() const override { return kTargetPrefix; }
  std::string_view signing_name() const override { return "cloudtrail"; }
  std::span<const Operation> operations() const override;
  bool Implements(std::string_view operation) const override;
  // LookupEvents scans trail files, so it runs off the I/O threads (and writes nothing).
  bool MayBlock(std::string_view operation) const override;
  bool Deferrable(std::string_view operation) const override;
  Result<void> Invoke(std::string_view operation, Call& call) override;
  ApiError MapError(const Error& error) const override;

  // The reader's query for a LookupEvents input that ValidateInput accepted against
  // operations()' shape; kInvalidArgument (with the reason MapError turns into CloudTrail's
  // error code) for a value CloudTrail refuses.
  static Result<audit::LookupQuery> QueryFrom(const JsonIn& in);

 private:
  Result<void> LookupEvents(Call& c);

  const audit::AuditReader& reader_;
};

}  // namespace coffer::api::aws_json

#endif  // COFFER_API_AWS_JSON_CLOUDTRAIL_API_H_
