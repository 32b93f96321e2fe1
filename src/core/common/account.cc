#include "core/common/account.h"

namespace coffer::core {

std::string PartitionForRegion(std::string_view region) {
  if (region.starts_with("cn-")) return "aws-cn";
  if (region.starts_with("us-gov-")) return "aws-us-gov";
  if (region.starts_with("us-isob-")) return "aws-iso-b";
  if (region.starts_with("us-iso-")) return "aws-iso";
  if (region.starts_with("eu-isoe-")) return "aws-iso-e";
  if (region.starts_with("us-isof-")) return "aws-iso-f";
  return "aws";
}

bool IsValidAccountId(std::string_view id) {
  if (id.size() != 12) return false;
  for (char c : id) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool IsValidRegionName(std::string_view region) {
  // ^([a-z]+-)+\d+$
  if (region.empty() || region.size() > 128) return false;
  size_t i = 0;
  int groups = 0;
  while (true) {
    size_t start = i;
    while (i < region.size() && region[i] >= 'a' && region[i] <= 'z') ++i;
    if (i == start || i >= region.size() || region[i] != '-') break;
    ++i;
    ++groups;
    if (i < region.size() && region[i] >= '0' && region[i] <= '9') {
      while (i < region.size() && region[i] >= '0' && region[i] <= '9') ++i;
      return i == region.size() && groups > 0;
    }
  }
  return false;
}

Account Account::Make(std::string account_id, std::string region) {
  Account a;
  a.partition = PartitionForRegion(region);
  a.account_id = std::move(account_id);
  a.region = std::move(region);
  return a;
}

std::string Account::Arn(std::string_view service, std::string_view resource) const {
  std::string out;
  out.reserve(16 + partition.size() + service.size() + region.size() + resource.size());
  out.append("arn:").append(partition).append(":").append(service).append(":").append(region);
  out.append(":").append(account_id).append(":").append(resource);
  return out;
}

std::string Account::GlobalArn(std::string_view service, std::string_view resource) const {
  std::string out;
  out.append("arn:").append(partition).append(":").append(service).append("::");
  out.append(account_id).append(":").append(resource);
  return out;
}

bool ParseArn(std::string_view arn, ParsedArn* out) {
  if (!arn.starts_with("arn:")) return false;
  std::string_view rest = arn.substr(4);
  std::string_view parts[4];
  for (auto& p : parts) {
    size_t c = rest.find(':');
    if (c == std::string_view::npos) return false;
    p = rest.substr(0, c);
    rest = rest.substr(c + 1);
  }
  out->partition = parts[0];
  out->service = parts[1];
  out->region = parts[2];
  out->account = parts[3];
  out->resource = rest;
  return !out->partition.empty() && !out->service.empty();
}

}  // namespace coffer::core
