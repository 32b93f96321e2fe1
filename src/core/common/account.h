#ifndef COFFER_CORE_COMMON_ACCOUNT_H_
#define COFFER_CORE_COMMON_ACCOUNT_H_

#include <string>
#include <string_view>

namespace coffer::core {

// The account and region this Coffer instance serves; every ARN it makes is built from these.
struct Account {
  std::string account_id;  // 12 digits
  std::string region;      // e.g. "us-east-1"
  std::string partition;   // "aws", "aws-cn", "aws-us-gov", ...

  static Account Make(std::string account_id, std::string region);

  // "arn:<partition>:<service>:<region>:<account>:<resource>"
  std::string Arn(std::string_view service, std::string_view resource) const;
  // Same, without a region (IAM, STS assumed-role ARNs).
  std::string GlobalArn(std::string_view service, std::string_view resource) const;
};

// AWS's partition for a region name.
std::string PartitionForRegion(std::string_view region);
bool IsValidAccountId(std::string_view id);
// Lower-case letters, digits and dashes, like "us-east-1" (AWS's RegionType pattern).
bool IsValidRegionName(std::string_view region);

// The pieces of an ARN "arn:partition:service:region:account:resource".
struct ParsedArn {
  std::string_view partition, service, region, account, resource;
};
// nullopt-like: returns false when `arn` does not have six colon-separated fields.
bool ParseArn(std::string_view arn, ParsedArn* out);

}  // namespace coffer::core

#endif  // COFFER_CORE_COMMON_ACCOUNT_H_
