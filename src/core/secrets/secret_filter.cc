#include "core/secrets/secret_filter.h"

#include "base/strings.h"

namespace coffer::secrets {
namespace {

enum class CharClass { kLower, kUpper, kDigit, kOther };

CharClass ClassOf(char c) {
  if (c >= 'a' && c <= 'z') return CharClass::kLower;
  if (c >= 'A' && c <= 'Z') return CharClass::kUpper;
  if (c >= '0' && c <= '9') return CharClass::kDigit;
  return CharClass::kOther;
}

bool PrefixMatch(std::string_view s, std::string_view prefix, bool ignore_case) {
  return ignore_case ? StartsWithIgnoreCase(s, prefix) : s.starts_with(prefix);
}

// Does one (non-negated) value match the secret under `key`?
bool ValueMatches(const Secret& s, FilterKey key, std::string_view value) {
  switch (key) {
    case FilterKey::kName:
      return PrefixMatch(s.name, value, false);
    case FilterKey::kDescription:
      return s.description.has_value() && PrefixMatch(*s.description, value, true);
    case FilterKey::kTagKey:
      if (!s.tags) return false;
      for (const auto& t : *s.tags) {
        if (PrefixMatch(t.key, value, false)) return true;
      }
      return false;
    case FilterKey::kTagValue:
      if (!s.tags) return false;
      for (const auto& t : *s.tags) {
        if (PrefixMatch(t.value, value, false)) return true;
      }
      return false;
    case FilterKey::kPrimaryRegion:
    case FilterKey::kOwningService:
      return false;  // Coffer has no replicated or service-owned secrets
    case FilterKey::kAll: {
      std::vector<std::string> attrs = SplitWords(s.name);
      if (s.description) {
        for (auto& w : SplitWords(*s.description)) attrs.push_back(std::move(w));
      }
      if (s.tags) {
        for (const auto& t : *s.tags) {
          for (auto& w : SplitWords(t.key)) attrs.push_back(std::move(w));
          for (auto& w : SplitWords(t.value)) attrs.push_back(std::move(w));
        }
      }
      for (const std::string& word : SplitWords(value)) {
        for (const std::string& a : attrs) {
          if (a.starts_with(word)) return true;
        }
      }
      return false;
    }
  }
  return false;
}

}  // namespace

std::vector<std::string> SplitWords(std::string_view s) {
  std::vector<std::string> words;
  std::string cur;
  CharClass prev = CharClass::kOther;
  for (char c : s) {
    CharClass cls = ClassOf(c);
    if (cls == CharClass::kOther) {
      if (!cur.empty()) words.push_back(std::move(cur));
      cur.clear();
    } else {
      bool boundary = !cur.empty() && ((prev == CharClass::kDigit) != (cls == CharClass::kDigit) ||
                                       (prev == CharClass::kLower && cls == CharClass::kUpper));
      if (boundary) {
        words.push_back(std::move(cur));
        cur.clear();
      }
      cur.push_back((c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c);
    }
    prev = cls;
  }
  if (!cur.empty()) words.push_back(std::move(cur));
  return words;
}

bool MatchesFilters(const Secret& secret, const std::vector<SecretFilter>& filters) {
  for (const SecretFilter& f : filters) {
    bool has_positive = false, any_positive = false;
    for (const std::string& v : f.values) {
      if (!v.empty() && v[0] == '!') {
        if (ValueMatches(secret, f.key, std::string_view(v).substr(1))) return false;
      } else {
        has_positive = true;
        if (!any_positive && ValueMatches(secret, f.key, v)) any_positive = true;
      }
    }
    if (has_positive && !any_positive) return false;
  }
  return true;
}

}  // namespace coffer::secrets
