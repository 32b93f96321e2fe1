#include "core/parameters/parameter_filter.h"

#include <algorithm>
#include <set>

#include "base/strings.h"
#include "core/parameters/errors.h"
#include "core/parameters/parameter_name.h"

namespace coffer::parameters {
namespace {

Error BadKey(std::string m) {
  return InvalidArgumentError(std::move(m), reason::kInvalidFilterKey);
}
Error BadOption(std::string m) {
  return InvalidArgumentError(std::move(m), reason::kInvalidFilterOption);
}
Error BadValue(std::string m) {
  return InvalidArgumentError(std::move(m), reason::kInvalidFilterValue);
}

std::optional<FilterKey> KeyOf(std::string_view key) {
  if (key == "Name") return FilterKey::kName;
  if (key == "Path") return FilterKey::kPath;
  if (key == "Type") return FilterKey::kType;
  if (key == "KeyId") return FilterKey::kKeyId;
  if (key == "Label") return FilterKey::kLabel;
  if (key == "Tier") return FilterKey::kTier;
  if (key == "DataType") return FilterKey::kDataType;
  if (key.starts_with("tag:") && key.size() > 4) return FilterKey::kTag;
  return std::nullopt;
}

std::optional<FilterOption> OptionOf(std::string_view o) {
  if (o == "Equals") return FilterOption::kEquals;
  if (o == "BeginsWith") return FilterOption::kBeginsWith;
  if (o == "Contains") return FilterOption::kContains;
  if (o == "Recursive") return FilterOption::kRecursive;
  if (o == "OneLevel") return FilterOption::kOneLevel;
  return std::nullopt;
}

std::string WithSlash(std::string_view v) {
  return v.starts_with('/') ? std::string(v) : "/" + std::string(v);
}

bool MatchText(std::string_view what, FilterOption option, const std::vector<std::string>& values) {
  for (const std::string& v : values) {
    switch (option) {
      case FilterOption::kEquals:
        if (what == v) return true;
        break;
      case FilterOption::kBeginsWith:
        if (what.starts_with(v)) return true;
        break;
      case FilterOption::kContains:
        if (what.find(v) != std::string_view::npos) return true;
        break;
      default:
        break;
    }
  }
  return false;
}

bool MatchOne(const Parameter& p, const ParameterFilter& f) {
  const VersionAttributes& a = p.latest;
  switch (f.key) {
    case FilterKey::kName:
      return MatchText(p.path, f.option, f.values);
    case FilterKey::kPath:
      for (const std::string& v : f.values) {
        std::string prefix = v == "/" ? "/" : v + "/";
        if (!p.path.starts_with(prefix)) continue;
        if (f.option == FilterOption::kRecursive) return true;
        if (ParentOf(p.path) == prefix) return true;
      }
      return false;
    case FilterKey::kType:
      return MatchText(TypeName(a.type), f.option, f.values);
    case FilterKey::kKeyId:
      return a.type == ParameterType::kSecureString && a.key_id &&
             MatchText(*a.key_id, f.option, f.values);
    case FilterKey::kLabel:
      for (const auto& [label, version] : p.labels) {
        if (std::find(f.values.begin(), f.values.end(), label) != f.values.end()) return true;
      }
      return false;
    case FilterKey::kTier:
      return MatchText(TierName(a.tier), f.option, f.values);
    case FilterKey::kDataType:
      return MatchText(a.data_type, f.option, f.values);
    case FilterKey::kTag:
      for (const core::Tag& t : p.tags) {
        if (t.key != f.tag_key) continue;
        if (f.values.empty()) return true;
        return MatchText(t.value, f.option, f.values);
      }
      return false;
  }
  return false;
}

}  // namespace

Result<std::vector<ParameterFilter>> ParseFilters(const std::vector<RawFilter>& raw,
                                                  FilterUse use) {
  std::vector<ParameterFilter> out;
  std::set<std::string> seen;
  for (const RawFilter& r : raw) {
    auto key = KeyOf(r.key);
    if (!key) {
      return BadKey("The following filter key is not valid: " + r.key +
                    ". Valid filter keys include: [Path, Name, Type, KeyId, Tier, DataType, tag].");
    }
    bool by_path = use == FilterUse::kByPath;
    if (by_path && (*key == FilterKey::kName || *key == FilterKey::kPath ||
                    *key == FilterKey::kTier || *key == FilterKey::kDataType)) {
      return BadKey("The following filter key is not valid: " + r.key +
                    ". Valid filter keys include: [Type, KeyId, Label, tag].");
    }
    if (!by_path && *key == FilterKey::kLabel) {
      return BadKey(
          "The following filter key is not valid: Label. Valid filter keys include: [Path, Name, "
          "Type, KeyId, Tier, DataType, tag].");
    }
    if (!seen.insert(r.key).second) {
      return BadKey("The following filter is duplicated in the request: " + r.key +
                    ". A request can contain only one occurrence of a specific filter.");
    }
    ParameterFilter f;
    f.key = *key;
    if (*key == FilterKey::kTag) f.tag_key = r.key.substr(4);
    std::string option_name = r.option.value_or(*key == FilterKey::kPath ? "OneLevel" : "Equals");
    auto option = OptionOf(option_name);
    if (*key == FilterKey::kPath) {
      if (option != FilterOption::kRecursive && option != FilterOption::kOneLevel) {
        return BadOption("The following filter option is not valid: " + option_name +
                         ". Valid options include: [Recursive, OneLevel].");
      }
    } else if (*key == FilterKey::kLabel) {
      if (option != FilterOption::kEquals) {
        return BadOption("The following filter option is not valid: " + option_name +
                         ". Valid options include: [Equals].");
      }
    } else if (option != FilterOption::kEquals && option != FilterOption::kBeginsWith &&
               !(option == FilterOption::kContains && *key == FilterKey::kName)) {
      return BadOption("The following filter option is not valid: " + option_name +
                       ". Valid options include: [BeginsWith, Equals].");
    }
    f.option = *option;
    if (r.values.empty() && *key != FilterKey::kTag) {
      return BadValue("The following filter values are missing : null for filter key " + r.key +
                      ".");
    }
    for (const std::string& v : r.values) {
      if (v.empty() || v.size() > 1024) {
        return BadValue("The following filter value is not valid: " + v + ".");
      }
      switch (*key) {
        case FilterKey::kName:
          f.values.push_back(f.option == FilterOption::kContains ? v : WithSlash(v));
          break;
        case FilterKey::kPath: {
          auto prefix = NormalizePath(v);
          if (!prefix) return std::move(prefix).error();
          std::string_view first = std::string_view(*prefix).substr(1);
          if (StartsWithIgnoreCase(first, "aws") || StartsWithIgnoreCase(first, "ssm")) {
            return InvalidArgumentError(
                "Filters for common parameters can't be prefixed with \"aws\" or \"ssm\" "
                "(case-insensitive). When using global parameters, please specify within a "
                "global namespace.",
                reason::kValidation);
          }
          // Stored without the trailing '/': "/" or "/a/b".
          f.values.push_back(*prefix == "/" ? "/" : prefix->substr(0, prefix->size() - 1));
          break;
        }
        case FilterKey::kType:
          if (!ParseType(v)) {
            return BadValue("The following filter value is not valid: " + v +
                            ". Valid values include: [String, StringList, SecureString].");
          }
          f.values.push_back(v);
          break;
        case FilterKey::kTier:
          if (!ParseTier(v)) {
            return BadValue("The following filter value is not valid: " + v +
                            ". Valid values include: [Standard, Advanced, Intelligent-Tiering].");
          }
          f.values.push_back(v);
          break;
        default:
          f.values.push_back(v);
      }
    }
    out.push_back(std::move(f));
  }
  return out;
}

Result<std::vector<ParameterFilter>> ParseLegacyFilters(const std::vector<RawFilter>& raw) {
  std::vector<RawFilter> converted;
  for (const RawFilter& r : raw) {
    if (r.key != "Name" && r.key != "Type" && r.key != "KeyId") {
      return BadKey("The following filter key is not valid: " + r.key +
                    ". Valid filter keys include: [Name, Type, KeyId].");
    }
    converted.push_back({r.key, r.key == "Name" ? "BeginsWith" : "Equals", r.values});
  }
  return ParseFilters(converted, FilterUse::kDescribe);
}

bool MatchesAll(const Parameter& p, const std::vector<ParameterFilter>& filters) {
  return std::all_of(filters.begin(), filters.end(),
                     [&](const ParameterFilter& f) { return MatchOne(p, f); });
}

}  // namespace coffer::parameters
