#include "api/common/policy_document_parser.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include <algorithm>
#include <charconv>
#include <string>
#include <vector>

#include "core/policy/policy_builder.h"

namespace coffer::api {
namespace {

using policy::PolicyBuilder;
using rapidjson::Value;

constexpr unsigned kParseFlags =
    rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;

// Forwards the reader's events to the document while counting nesting, so that a deeply nested
// input is refused while parsing rather than walked later.
class DepthLimitedHandler {
 public:
  explicit DepthLimitedHandler(rapidjson::Document* d) : d_(d) {}

  bool Null() { return d_->Null(); }
  bool Bool(bool b) { return d_->Bool(b); }
  bool Int(int i) { return d_->Int(i); }
  bool Uint(unsigned i) { return d_->Uint(i); }
  bool Int64(int64_t i) { return d_->Int64(i); }
  bool Uint64(uint64_t i) { return d_->Uint64(i); }
  bool Double(double v) { return d_->Double(v); }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool copy) {
    return d_->RawNumber(s, n, copy);
  }
  bool String(const char* s, rapidjson::SizeType n, bool copy) { return d_->String(s, n, copy); }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) { return d_->Key(s, n, copy); }
  bool StartObject() { return Enter() && d_->StartObject(); }
  bool EndObject(rapidjson::SizeType n) {
    --depth_;
    return d_->EndObject(n);
  }
  bool StartArray() { return Enter() && d_->StartArray(); }
  bool EndArray(rapidjson::SizeType n) {
    --depth_;
    return d_->EndArray(n);
  }

  bool too_deep() const { return too_deep_; }

 private:
  bool Enter() {
    if (++depth_ > JsonPolicyParser::kMaxDepth) too_deep_ = true;
    return !too_deep_;
  }

  rapidjson::Document* d_;
  unsigned depth_ = 0;
  bool too_deep_ = false;
};

std::string_view Str(const Value& v) { return {v.GetString(), v.GetStringLength()}; }

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

const char* TypeName(const Value& v) {
  switch (v.GetType()) {
    case rapidjson::kNullType:
      return "null";
    case rapidjson::kFalseType:
    case rapidjson::kTrueType:
      return "a boolean";
    case rapidjson::kObjectType:
      return "an object";
    case rapidjson::kArrayType:
      return "an array";
    case rapidjson::kStringType:
      return "a string";
    case rapidjson::kNumberType:
      return "a number";
  }
  return "a value";
}

// AWS's parser takes the last of repeated keys; a policy that says two things must say one.
Result<void> CheckNoDuplicates(const Value& object, const PolicyBuilder& b,
                               std::string_view where) {
  std::vector<std::string_view> names;
  names.reserve(object.MemberCount());
  for (auto m = object.MemberBegin(); m != object.MemberEnd(); ++m) names.push_back(Str(m->name));
  std::sort(names.begin(), names.end());
  auto dup = std::adjacent_find(names.begin(), names.end());
  if (dup != names.end()) {
    return b.Malformed("Duplicate field " + Quote(*dup) +
                       (where.empty() ? std::string() : " in " + std::string(where)));
  }
  return Ok();
}

// A string, or an array of strings (Action, Resource, principal values).
Result<std::vector<std::string>> StringList(const Value& v, const PolicyBuilder& b,
                                            std::string_view field) {
  std::vector<std::string> out;
  if (v.IsString()) {
    out.emplace_back(Str(v));
    return out;
  }
  if (v.IsArray()) {
    out.reserve(v.Size());
    for (const Value& e : v.GetArray()) {
      if (!e.IsString()) {
        return b.Malformed(std::string(field) + " must be a string or an array of strings, not " +
                           "an array holding " + TypeName(e));
      }
      out.emplace_back(Str(e));
    }
    return out;
  }
  return b.Malformed(std::string(field) + " must be a string or an array of strings, not " +
                     TypeName(v));
}

// A condition value as text: strings as they are, numbers in their shortest exact form.
bool ConditionScalar(const Value& v, std::string* out) {
  if (v.IsString()) {
    *out = std::string(Str(v));
  } else if (v.IsBool()) {
    *out = v.GetBool() ? "true" : "false";
  } else if (v.IsInt64()) {
    *out = std::to_string(v.GetInt64());
  } else if (v.IsUint64()) {
    *out = std::to_string(v.GetUint64());
  } else if (v.IsNumber()) {
    char buf[64];
    auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v.GetDouble());
    if (ec != std::errc()) return false;
    *out = std::string(buf, end);
  } else {
    return false;
  }
  return true;
}

Result<void> AddPrincipal(PolicyBuilder& b, const Value& v, bool is_not) {
  const char* field = is_not ? "NotPrincipal" : "Principal";
  if (v.IsString()) {
    if (Str(v) == "*") return b.SetAnyPrincipal(is_not);
    return b.Malformed(std::string(field) +
                       " must be \"*\" or an object such as {\"AWS\": " + Quote(Str(v)) + "}");
  }
  if (!v.IsObject()) {
    return b.Malformed(std::string(field) + " must be \"*\" or an object, not " + TypeName(v));
  }
  if (v.MemberCount() == 0) return b.Malformed(std::string(field) + " must not be empty");
  COFFER_RETURN_IF_ERROR(CheckNoDuplicates(v, b, field));
  for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
    std::string where = std::string(field) + "." + std::string(Str(m->name));
    COFFER_ASSIGN_OR_RETURN(std::vector<std::string> values, StringList(m->value, b, where));
    COFFER_RETURN_IF_ERROR(b.AddPrincipals(Str(m->name), values, is_not));
  }
  return Ok();
}

Result<void> AddConditions(PolicyBuilder& b, const Value& v) {
  if (!v.IsObject())
    return b.Malformed(std::string("Condition must be an object, not ") + TypeName(v));
  COFFER_RETURN_IF_ERROR(CheckNoDuplicates(v, b, "Condition"));
  for (auto op = v.MemberBegin(); op != v.MemberEnd(); ++op) {
    std::string where = "Condition." + std::string(Str(op->name));
    if (!op->value.IsObject()) {
      return b.Malformed(where + " must be an object of condition keys, not " +
                         TypeName(op->value));
    }
    COFFER_RETURN_IF_ERROR(CheckNoDuplicates(op->value, b, where));
    for (auto key = op->value.MemberBegin(); key != op->value.MemberEnd(); ++key) {
      std::vector<std::string> values;
      std::string text;
      auto bad = [&](const Value& e) {
        return b.Malformed(where + " " + Quote(Str(key->name)) +
                           ": values must be strings, numbers or booleans, not " + TypeName(e));
      };
      if (key->value.IsArray()) {
        values.reserve(key->value.Size());
        for (const Value& e : key->value.GetArray()) {
          if (!ConditionScalar(e, &text)) return bad(e);
          values.push_back(std::move(text));
        }
      } else {
        if (!ConditionScalar(key->value, &text)) return bad(key->value);
        values.push_back(std::move(text));
      }
      COFFER_RETURN_IF_ERROR(b.AddCondition(Str(op->name), Str(key->name), values));
    }
  }
  return Ok();
}

Result<void> AddStatement(PolicyBuilder& b, const Value& s) {
  COFFER_RETURN_IF_ERROR(b.BeginStatement());
  if (!s.IsObject()) {
    return b.Malformed(std::string("a statement must be an object, not ") + TypeName(s));
  }
  // Sid first, so that errors in the other fields can name the statement.
  auto sid = s.FindMember("Sid");
  if (sid != s.MemberEnd()) {
    if (!sid->value.IsString()) {
      return b.Malformed(std::string("Sid must be a string, not ") + TypeName(sid->value));
    }
    COFFER_RETURN_IF_ERROR(b.SetSid(Str(sid->value)));
  }
  COFFER_RETURN_IF_ERROR(CheckNoDuplicates(s, b, ""));
  for (auto m = s.MemberBegin(); m != s.MemberEnd(); ++m) {
    const std::string_view name = Str(m->name);
    const Value& v = m->value;
    if (name == "Sid") continue;
    if (name == "Effect") {
      if (!v.IsString())
        return b.Malformed(std::string("Effect must be a string, not ") + TypeName(v));
      COFFER_RETURN_IF_ERROR(b.SetEffect(Str(v)));
    } else if (name == "Action" || name == "NotAction") {
      COFFER_ASSIGN_OR_RETURN(std::vector<std::string> list, StringList(v, b, name));
      COFFER_RETURN_IF_ERROR(b.SetActions(list, name == "NotAction"));
    } else if (name == "Resource" || name == "NotResource") {
      COFFER_ASSIGN_OR_RETURN(std::vector<std::string> list, StringList(v, b, name));
      COFFER_RETURN_IF_ERROR(b.SetResources(list, name == "NotResource"));
    } else if (name == "Principal" || name == "NotPrincipal") {
      COFFER_RETURN_IF_ERROR(AddPrincipal(b, v, name == "NotPrincipal"));
    } else if (name == "Condition") {
      COFFER_RETURN_IF_ERROR(AddConditions(b, v));
    } else {
      return b.Malformed("Unknown field " + Quote(name));
    }
  }
  return b.EndStatement();
}

Result<policy::PolicyPtr> BuildPolicy(const Value& root, policy::PolicyKind kind) {
  PolicyBuilder b(kind);
  if (!root.IsObject()) {
    return b.Malformed(std::string("Policy document must be a JSON object, not ") + TypeName(root));
  }
  COFFER_RETURN_IF_ERROR(CheckNoDuplicates(root, b, ""));
  const Value* statement = nullptr;
  for (auto m = root.MemberBegin(); m != root.MemberEnd(); ++m) {
    const std::string_view name = Str(m->name);
    if (name == "Statement") {
      statement = &m->value;
    } else if (name != "Version" && name != "Id") {
      return b.Malformed("Unknown field " + Quote(name) +
                         " (a policy has Version, Id and Statement)");
    }
  }
  // Version before the statements: it decides whether policy variables are substituted.
  auto version = root.FindMember("Version");
  if (version != root.MemberEnd()) {
    if (!version->value.IsString()) {
      return b.Malformed(std::string("Version must be a string, not ") + TypeName(version->value));
    }
    COFFER_RETURN_IF_ERROR(b.SetVersion(Str(version->value)));
  }
  auto id = root.FindMember("Id");
  if (id != root.MemberEnd()) {
    if (!id->value.IsString()) {
      return b.Malformed(std::string("Id must be a string, not ") + TypeName(id->value));
    }
    COFFER_RETURN_IF_ERROR(b.SetId(Str(id->value)));
  }
  if (statement == nullptr) return b.Malformed("Missing required field Statement");
  if (statement->IsArray()) {
    if (statement->Empty()) return b.Malformed("Statement must not be empty");
    if (statement->Size() > policy::kMaxStatements) {
      return b.Malformed("Policy has too many statements (at most " +
                         std::to_string(policy::kMaxStatements) + ")");
    }
    for (const Value& s : statement->GetArray()) COFFER_RETURN_IF_ERROR(AddStatement(b, s));
  } else if (statement->IsObject()) {
    COFFER_RETURN_IF_ERROR(AddStatement(b, *statement));
  } else {
    return b.Malformed(std::string("Statement must be an object or an array of objects, not ") +
                       TypeName(*statement));
  }
  return b.Build();
}

}  // namespace

Result<policy::PolicyPtr> JsonPolicyParser::Parse(std::string_view document,
                                                  policy::PolicyKind kind) const {
  auto malformed = [](std::string m) {
    return InvalidArgumentError(std::move(m), policy::reason::kMalformedPolicy);
  };
  if (document.size() > kMaxDocumentBytes) {
    return malformed("Policy document is " + std::to_string(document.size()) +
                     " bytes; the limit is " + std::to_string(kMaxDocumentBytes));
  }
  // RapidJSON reads a NUL byte as the end of input, which would ignore whatever follows it.
  if (document.find('\0') != std::string_view::npos) {
    return malformed("Syntax errors in policy: the document contains a NUL byte");
  }
  rapidjson::Document d;
  DepthLimitedHandler handler(&d);
  rapidjson::MemoryStream stream(document.data(), document.size());
  rapidjson::Reader reader;
  rapidjson::ParseResult parsed;
  auto generate = [&](rapidjson::Document& /*unused*/) {
    parsed = reader.Parse<kParseFlags>(stream, handler);
    return !parsed.IsError();
  };
  d.Populate(generate);
  if (handler.too_deep()) {
    return malformed("Syntax errors in policy: JSON nested deeper than " +
                     std::to_string(kMaxDepth) + " levels");
  }
  if (parsed.IsError()) {
    return malformed(std::string("Syntax errors in policy: ") +
                     rapidjson::GetParseError_En(parsed.Code()) + " (at byte " +
                     std::to_string(parsed.Offset()) + ")");
  }
  return BuildPolicy(d, kind);
}

}  // namespace coffer::api
