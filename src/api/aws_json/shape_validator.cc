#include "api/aws_json/shape_validator.h"

#include <re2/re2.h>

#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "base/encoding.h"
#include "base/logging.h"

namespace coffer::api::aws_json {
namespace {

constexpr size_t kMaxEchoedValue = 256;

struct TypeError {
  std::string message;
};

// Java's String.length(): UTF-16 code units.
int64_t Utf16Length(std::string_view s) {
  int64_t n = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if ((c & 0xC0) == 0x80) continue;  // continuation byte
    n += (c >= 0xF0) ? 2 : 1;
  }
  return n;
}

// Model patterns, compiled once with RE2 (linear time on untrusted input). A pattern RE2 cannot
// compile (Java-only syntax) is not enforced, and logged once.
const re2::RE2* Pattern(const char* pattern) {
  static std::mutex mu;
  static std::map<const char*, std::unique_ptr<re2::RE2>> cache;
  std::lock_guard lock(mu);
  auto it = cache.find(pattern);
  if (it != cache.end()) return it->second.get();
  re2::RE2::Options options;
  options.set_log_errors(false);
  auto re = std::make_unique<re2::RE2>(pattern, options);
  if (!re->ok()) {
    log::Warn("model pattern not supported by RE2; not enforced", {{"pattern", pattern}});
    re.reset();
  }
  return (cache[pattern] = std::move(re)).get();
}

class Validator {
 public:
  std::optional<TypeError> type_error;
  std::vector<std::string> errors;

  void Check(const rapidjson::Value& v, const Shape& s, const std::string& path, bool sensitive) {
    if (type_error) return;
    sensitive = sensitive || s.sensitive;
    switch (s.type) {
      case Type::kStructure:
        return CheckStructure(v, s, path, sensitive);
      case Type::kList:
        return CheckList(v, s, path, sensitive);
      case Type::kMap:
        return CheckMap(v, s, path, sensitive);
      case Type::kString:
        return CheckString(v, s, path, sensitive);
      case Type::kBlob:
        return CheckBlob(v, s, path, sensitive);
      case Type::kBoolean:
        if (!v.IsBool()) Mismatch(v, "Boolean");
        return;
      case Type::kInteger:
      case Type::kLong:
        return CheckInteger(v, s, path, sensitive);
      case Type::kDouble:
      case Type::kTimestamp:
        if (!v.IsNumber()) Mismatch(v, s.type == Type::kDouble ? "Double" : "Timestamp");
        return;
    }
  }

 private:
  static std::string Token(const rapidjson::Value& v) {
    if (v.IsString()) return "STRING_VALUE";
    if (v.IsBool()) return v.GetBool() ? "TRUE_VALUE" : "FALSE_VALUE";
    if (v.IsNumber()) return v.IsDouble() ? "DECIMAL_VALUE" : "NUMBER_VALUE";
    return "VALUE";
  }

  void Mismatch(const rapidjson::Value& v, const char* expected) {
    if (v.IsObject()) {
      type_error = TypeError{"Start of structure or map found where not expected."};
    } else if (v.IsArray()) {
      type_error = TypeError{"Start of list found where not expected"};
    } else {
      std::string article = (expected[0] == 'I') ? "an " : "a ";
      type_error = TypeError{Token(v) + " can not be converted to " + article + expected};
    }
  }

  void Fail(const std::string& path, const std::string& shown, bool sensitive,
            const std::string& constraint) {
    std::string e = sensitive ? "Value at '" + path + "'" : "Value " + shown + " at '" + path + "'";
    errors.push_back(e + " failed to satisfy constraint: " + constraint);
  }

  static std::string Quote(std::string_view s) {
    if (s.size() > kMaxEchoedValue) return "'" + std::string(s.substr(0, kMaxEchoedValue)) + "...'";
    return "'" + std::string(s) + "'";
  }

  static std::string Show(const rapidjson::Value& v) {
    if (v.IsString()) return Quote(std::string_view(v.GetString(), v.GetStringLength()));
    if (v.IsInt64()) return "'" + std::to_string(v.GetInt64()) + "'";
    if (v.IsUint64()) return "'" + std::to_string(v.GetUint64()) + "'";
    if (v.IsArray()) {
      std::string out = "[";
      for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
        if (i > 0) out += ", ";
        out += v[i].IsString() ? std::string(v[i].GetString(), v[i].GetStringLength()) : "...";
        if (out.size() > kMaxEchoedValue) {
          out += "...";
          break;
        }
      }
      return "'" + out + "]'";
    }
    return "'...'";
  }

  void Length(const rapidjson::Value& v, const Shape& s, const std::string& path, bool sensitive,
              int64_t n) {
    if (s.has_min && n < s.min) {
      Fail(path, Show(v), sensitive,
           "Member must have length greater than or equal to " + std::to_string(s.min));
    }
    if (s.has_max && n > s.max) {
      Fail(path, Show(v), sensitive,
           "Member must have length less than or equal to " + std::to_string(s.max));
    }
  }

  void CheckStructure(const rapidjson::Value& v, const Shape& s, const std::string& path,
                      bool sensitive) {
    if (!v.IsObject()) return Mismatch(v, "Structure");
    for (size_t i = 0; i < s.member_count; ++i) {
      const Member& m = s.members[i];
      std::string child = MemberPath(path, m.name);
      auto it = v.FindMember(m.name);
      bool present = it != v.MemberEnd() && !it->value.IsNull();
      if (!present) {
        if (m.required)
          errors.push_back("Value null at '" + child +
                           "' failed to satisfy constraint: Member must not be null");
        continue;
      }
      Check(it->value, *m.shape, child, sensitive || m.sensitive);
      if (type_error) return;
    }
  }

  void CheckList(const rapidjson::Value& v, const Shape& s, const std::string& path,
                 bool sensitive) {
    if (!v.IsArray()) return Mismatch(v, "List");
    Length(v, s, path, sensitive, v.Size());
    for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
      if (v[i].IsNull()) continue;
      Check(v[i], *s.element, path + "." + std::to_string(i + 1) + ".member", sensitive);
      if (type_error) return;
    }
  }

  void CheckMap(const rapidjson::Value& v, const Shape& s, const std::string& path,
                bool sensitive) {
    if (!v.IsObject()) return Mismatch(v, "Map");
    Length(v, s, path, sensitive, v.MemberCount());
    for (const auto& m : v.GetObject()) {
      std::string key(m.name.GetString(), m.name.GetStringLength());
      std::string prefix = path;
      prefix.append(".").append(key);
      Check(m.name, *s.key, prefix + ".key", sensitive);
      if (type_error) return;
      if (!m.value.IsNull()) Check(m.value, *s.value, prefix + ".value", sensitive);
      if (type_error) return;
    }
  }

  void CheckString(const rapidjson::Value& v, const Shape& s, const std::string& path,
                   bool sensitive) {
    if (!v.IsString()) return Mismatch(v, "String");
    std::string_view str(v.GetString(), v.GetStringLength());
    Length(v, s, path, sensitive, Utf16Length(str));
    if (s.enum_count > 0) {
      bool ok = false;
      for (size_t i = 0; i < s.enum_count && !ok; ++i) ok = str == s.enum_values[i];
      if (!ok) {
        std::string set = "[";
        for (size_t i = 0; i < s.enum_count; ++i) {
          if (i > 0) set += ", ";
          set += s.enum_values[i];
        }
        Fail(path, Show(v), sensitive, "Member must satisfy enum value set: " + set + "]");
      }
    }
    if (s.pattern != nullptr && (!s.has_max || Utf16Length(str) <= s.max)) {
      if (const re2::RE2* re = Pattern(s.pattern)) {
        // AWS anchors some model patterns and not others; like Coral, require a match of the
        // whole value.
        if (!re2::RE2::FullMatch(re2::StringPiece(str.data(), str.size()), *re)) {
          Fail(path, Show(v), sensitive,
               std::string("Member must satisfy regular expression pattern: ") + s.pattern);
        }
      }
    }
  }

  void CheckBlob(const rapidjson::Value& v, const Shape& s, const std::string& path,
                 bool sensitive) {
    if (!v.IsString()) return Mismatch(v, "Blob");
    auto decoded = Base64Decode(std::string_view(v.GetString(), v.GetStringLength()));
    if (!decoded) {
      type_error = TypeError{"Base64 encoded binary value could not be decoded"};
      return;
    }
    if (s.has_min && static_cast<int64_t>(decoded->size()) < s.min) {
      Fail(path, "", true,
           "Member must have length greater than or equal to " + std::to_string(s.min));
    }
    if (s.has_max && static_cast<int64_t>(decoded->size()) > s.max) {
      Fail(path, "", true,
           "Member must have length less than or equal to " + std::to_string(s.max));
    }
    (void)sensitive;
  }

  void CheckInteger(const rapidjson::Value& v, const Shape& s, const std::string& path,
                    bool sensitive) {
    const char* name = s.type == Type::kInteger ? "Integer" : "Long";
    if (!v.IsInt64() || (s.type == Type::kInteger && !v.IsInt())) return Mismatch(v, name);
    int64_t n = v.GetInt64();
    if (s.has_min && n < s.min) {
      Fail(path, Show(v), sensitive,
           "Member must have value greater than or equal to " + std::to_string(s.min));
    }
    if (s.has_max && n > s.max) {
      Fail(path, Show(v), sensitive,
           "Member must have value less than or equal to " + std::to_string(s.max));
    }
  }

  static std::string MemberPath(const std::string& parent, const char* name) {
    std::string n(name);
    if (!n.empty() && n[0] >= 'A' && n[0] <= 'Z') n[0] = static_cast<char>(n[0] + 32);
    return parent.empty() ? n : parent + "." + n;
  }
};

}  // namespace

std::optional<ApiError> ValidateInput(const rapidjson::Value& body, const Shape& shape) {
  Validator v;
  v.Check(body, shape, "", false);
  if (v.type_error) return ApiError{400, "SerializationException", v.type_error->message, false};
  if (v.errors.empty()) return std::nullopt;
  std::string msg =
      std::to_string(v.errors.size()) +
      (v.errors.size() == 1 ? " validation error detected: " : " validation errors detected: ");
  for (size_t i = 0; i < v.errors.size(); ++i) {
    if (i > 0) msg += "; ";
    msg += v.errors[i];
  }
  return ApiError{400, "ValidationException", std::move(msg), false};
}

}  // namespace coffer::api::aws_json
