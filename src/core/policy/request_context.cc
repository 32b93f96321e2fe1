#include "core/policy/request_context.h"

#include <utility>

#include "base/strings.h"

namespace coffer::policy {

RequestContext::Entry* RequestContext::FindEntry(std::string_view key) {
  for (Entry& e : entries_) {
    if (e.key.size() == key.size() && EqualsIgnoreCase(e.key, key)) return &e;
  }
  return nullptr;
}

void RequestContext::Set(std::string_view key, std::string value) {
  std::vector<std::string> values;
  values.push_back(std::move(value));
  Set(key, std::move(values));
}

void RequestContext::Set(std::string_view key, std::initializer_list<std::string> values) {
  Set(key, std::vector<std::string>(values));
}

void RequestContext::Set(std::string_view key, std::vector<std::string> values) {
  if (Entry* e = FindEntry(key)) {
    e->values = std::move(values);
    return;
  }
  entries_.push_back(Entry{AsciiLower(key), std::move(values)});
}

void RequestContext::Erase(std::string_view key) {
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->key.size() == key.size() && EqualsIgnoreCase(it->key, key)) {
      entries_.erase(it);
      return;
    }
  }
}

const std::vector<std::string>* RequestContext::Find(std::string_view key) const {
  // Policies store their keys lower-cased, so the common comparison is between two lower-case
  // strings of equal length; EqualsIgnoreCase is still needed for callers' spellings.
  for (const Entry& e : entries_) {
    if (e.key.size() == key.size() && EqualsIgnoreCase(e.key, key)) {
      return e.values.empty() ? nullptr : &e.values;
    }
  }
  return nullptr;
}

void RequestContext::AddPrincipalKeys() {
  auto set_default = [this](std::string_view key, std::string_view value) {
    if (!value.empty() && FindEntry(key) == nullptr) Set(key, std::string(value));
  };
  const std::string_view arn = principal.arn;
  // "arn:<partition>:<service>:<account>:<resource>" pieces, without core/common's parser so this
  // module keeps to base.
  std::string_view arn_resource;
  std::string_view service;
  {
    std::vector<std::string_view> f = Split(arn, ':');
    if (f.size() >= 6 && f[0] == "arn") {
      service = f[2];
      arn_resource =
          arn.substr(f[0].size() + f[1].size() + f[2].size() + f[3].size() + f[4].size() + 5);
    }
  }
  set_default("aws:PrincipalArn", principal.role_arn.empty() ? arn : principal.role_arn);
  set_default("aws:PrincipalAccount", principal.account_id);
  if (service == "iam" && arn_resource == "root") {
    set_default("aws:PrincipalType", "Account");
  } else if (service == "iam" && arn_resource.substr(0, 5) == "user/") {
    set_default("aws:PrincipalType", "User");
    set_default("aws:username", arn_resource.substr(arn_resource.rfind('/') + 1));
  } else if (service == "sts" && arn_resource.substr(0, 13) == "assumed-role/") {
    set_default("aws:PrincipalType", "AssumedRole");
  } else if (service == "sts" && arn_resource.substr(0, 15) == "federated-user/") {
    set_default("aws:PrincipalType", "FederatedUser");
  }
}

}  // namespace coffer::policy
