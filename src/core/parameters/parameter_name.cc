#include "core/parameters/parameter_name.h"

#include "base/strings.h"
#include "core/parameters/errors.h"

namespace coffer::parameters {
namespace {

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

Error Invalid(std::string_view m) {
  return InvalidArgumentError(std::string(m), reason::kValidation);
}

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// True when `path` ("/seg/seg") has only non-empty segments of name characters.
bool IsWellFormedPath(std::string_view path) {
  if (path.size() < 2 || path[0] != '/' || path.back() == '/') return false;
  char prev = '/';
  for (size_t i = 1; i < path.size(); ++i) {
    char c = path[i];
    if (c == '/') {
      if (prev == '/') return false;
    } else if (!IsNameChar(c)) {
      return false;
    }
    prev = c;
  }
  return true;
}

}  // namespace

std::string_view TypeName(ParameterType type) {
  switch (type) {
    case ParameterType::kString:
      return "String";
    case ParameterType::kStringList:
      return "StringList";
    case ParameterType::kSecureString:
      return "SecureString";
  }
  return "String";
}

std::optional<ParameterType> ParseType(std::string_view name) {
  if (name == "String") return ParameterType::kString;
  if (name == "StringList") return ParameterType::kStringList;
  if (name == "SecureString") return ParameterType::kSecureString;
  return std::nullopt;
}

std::string_view TierName(Tier tier) {
  switch (tier) {
    case Tier::kStandard:
      return "Standard";
    case Tier::kAdvanced:
      return "Advanced";
    case Tier::kIntelligentTiering:
      return "Intelligent-Tiering";
  }
  return "Standard";
}

std::optional<Tier> ParseTier(std::string_view name) {
  if (name == "Standard") return Tier::kStandard;
  if (name == "Advanced") return Tier::kAdvanced;
  if (name == "Intelligent-Tiering") return Tier::kIntelligentTiering;
  return std::nullopt;
}

Result<std::string> NormalizeName(std::string_view raw) {
  std::string_view name = TrimSpaces(raw);
  if (name.empty()) return Invalid(kInvalidNameMessage);
  if (name.find('/') != std::string_view::npos && name[0] != '/') {
    return Invalid("Parameter name must be a fully qualified name.");
  }
  std::string path = name[0] == '/' ? std::string(name) : "/" + std::string(name);
  if (!IsWellFormedPath(path)) return Invalid(kInvalidNameMessage);
  return path;
}

Result<std::string> CheckNewName(std::string_view raw) {
  COFFER_ASSIGN_OR_RETURN(std::string path, NormalizeName(raw));
  std::string_view first = std::string_view(path).substr(1);
  bool hierarchical = first.find('/') != std::string_view::npos;
  if (StartsWithIgnoreCase(first, "aws") || StartsWithIgnoreCase(first, "ssm")) {
    if (!hierarchical) {
      return Invalid(
          "Parameter name: can't be prefixed with \"aws\" or \"ssm\" (case-insensitive).");
    }
    if (StartsWithIgnoreCase(first, "aws/")) {
      return PermissionDeniedError(
          "No access to reserved parameter name: " + std::string(TrimSpaces(raw)) + ".",
          reason::kAccessDenied);
    }
    if (StartsWithIgnoreCase(first, "ssm/") || !hierarchical) return Invalid(kInvalidNameMessage);
  }
  size_t levels = 0;
  for (char c : path) levels += c == '/' ? 1 : 0;
  if (levels > kMaxLevels) {
    return InvalidArgumentError(
        "Parameter name " + path + " has " + std::to_string(levels) +
            " levels. A parameter name hierarchy can have a maximum of 15 levels.",
        reason::kHierarchyLevelLimit);
  }
  return path;
}

Result<NameReference> ParseReference(std::string_view input, const core::Account& account) {
  std::string_view s = TrimSpaces(input);
  NameReference out;
  if (s.starts_with("arn:")) {
    core::ParsedArn arn;
    if (!core::ParseArn(s, &arn) || arn.service != "ssm" ||
        !arn.resource.starts_with("parameter/") || arn.account != account.account_id ||
        arn.region != account.region || arn.partition != account.partition) {
      return Invalid(kInvalidNameMessage);
    }
    s = arn.resource.substr(9);  // keep the '/' of "parameter/"
  }
  size_t colon = s.rfind(':');
  std::string_view name = s;
  if (colon != std::string_view::npos) {
    name = s.substr(0, colon);
    std::string_view sel = s.substr(colon + 1);
    if (sel.empty()) return Invalid(kInvalidNameMessage);
    out.selector_text = ":" + std::string(sel);
    if (sel[0] >= '0' && sel[0] <= '9') {
      auto v = ParseInt64(sel);
      if (!v || *v < 1) return Invalid(kInvalidNameMessage);
      out.selector.version = *v;
    } else {
      out.selector.label = std::string(sel);
    }
  }
  COFFER_ASSIGN_OR_RETURN(out.path, NormalizeName(name));
  return out;
}

Result<std::string> NormalizePath(std::string_view raw) {
  std::string_view path = TrimSpaces(raw);
  if (path == "/") return std::string("/");
  if (path.empty() || path[0] != '/') return Invalid(kInvalidPathMessage);
  std::string_view body = path;
  if (body.size() > 1 && body.back() == '/') body.remove_suffix(1);
  if (!IsWellFormedPath(body)) return Invalid(kInvalidPathMessage);
  return std::string(body) + "/";
}

std::string ParameterArn(const core::Account& account, std::string_view path) {
  return account.Arn("ssm", "parameter" + std::string(path));
}

std::string ParentOf(std::string_view path) {
  size_t slash = path.rfind('/');
  if (slash == std::string_view::npos || slash == 0) return "/";
  return std::string(path.substr(0, slash + 1));
}

bool IsValidLabel(std::string_view label) {
  if (label.empty() || label.size() > 100) return false;
  if (label[0] >= '0' && label[0] <= '9') return false;
  if (StartsWithIgnoreCase(label, "aws") || StartsWithIgnoreCase(label, "ssm")) return false;
  for (char c : label) {
    if (!IsNameChar(c)) return false;
  }
  return true;
}

std::vector<std::string> Parameter::LabelsOf(int64_t v) const {
  std::vector<std::string> out;
  for (const auto& [label, labelled] : labels) {
    if (labelled == v) out.push_back(label);
  }
  return out;
}

}  // namespace coffer::parameters
