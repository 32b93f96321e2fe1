#include "oidc/internal/json.h"

#include <algorithm>
#include <vector>

namespace coffer::oidc::internal {

bool ParseJsonObject(std::string_view text, rapidjson::Document& doc) {
  constexpr unsigned kFlags =
      rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;
  if (text.empty()) return false;
  doc.Parse<kFlags>(text.data(), text.size());
  return !doc.HasParseError() && doc.IsObject() && !HasDuplicateMembers(doc);
}

bool HasDuplicateMembers(const rapidjson::Value& v) {
  if (!v.IsObject()) return false;
  std::vector<std::string_view> names;
  names.reserve(v.MemberCount());
  for (const auto& m : v.GetObject()) {
    names.emplace_back(m.name.GetString(), m.name.GetStringLength());
  }
  std::sort(names.begin(), names.end());
  return std::adjacent_find(names.begin(), names.end()) != names.end();
}

std::optional<std::string> StringMember(const rapidjson::Value& v, const char* name,
                                        bool* wrong_type) {
  auto it = v.FindMember(name);
  if (it == v.MemberEnd()) return std::nullopt;
  if (!it->value.IsString()) {
    *wrong_type = true;
    return std::nullopt;
  }
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

}  // namespace coffer::oidc::internal
