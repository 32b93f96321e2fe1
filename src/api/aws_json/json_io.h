#ifndef COFFER_API_AWS_JSON_JSON_IO_H_
#define COFFER_API_AWS_JSON_JSON_IO_H_

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/secret_bytes.h"
#include "core/common/tag.h"

namespace coffer::api::aws_json {

// Read access to a request body that ValidateInput has accepted, so types are known to match.
class JsonIn {
 public:
  explicit JsonIn(const rapidjson::Value* object) : v_(object) {}

  // The member, or nullptr when absent or null.
  const rapidjson::Value* Get(const char* name) const;
  bool Has(const char* name) const { return Get(name) != nullptr; }
  std::optional<std::string> Str(const char* name) const;
  std::string StrOr(const char* name, std::string fallback = {}) const;
  std::optional<int64_t> Int(const char* name) const;
  std::optional<bool> Bool(const char* name) const;
  std::optional<double> Double(const char* name) const;
  // A blob member, base64-decoded.
  std::optional<std::string> Blob(const char* name) const;
  // A secret string or blob member, copied straight into wiped storage.
  std::optional<SecretBytes> SecretStr(const char* name) const;
  std::optional<SecretBytes> SecretBlob(const char* name) const;
  std::optional<std::vector<std::string>> StrList(const char* name) const;
  // A list of {Key, Value} structures (AWS's Tag shape).
  std::optional<core::Tags> Tags(const char* name, const char* key = "Key",
                                 const char* value = "Value") const;
  // A map of string to string.
  std::optional<std::vector<std::pair<std::string, std::string>>> StrMap(const char* name) const;
  JsonIn Child(const rapidjson::Value* object) const { return JsonIn(object); }

 private:
  const rapidjson::Value* v_;
};

// Writes a JSON response body.
class JsonOut {
 public:
  JsonOut() : w_(sb_) {}
  ~JsonOut();
  JsonOut(const JsonOut&) = delete;
  JsonOut& operator=(const JsonOut&) = delete;

  void StartObject() { w_.StartObject(); }
  void EndObject() { w_.EndObject(); }
  void StartArray() { w_.StartArray(); }
  void EndArray() { w_.EndArray(); }
  void Key(std::string_view k) { w_.Key(k.data(), static_cast<rapidjson::SizeType>(k.size())); }
  void String(std::string_view s) {
    w_.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  }
  void Int(int64_t n) { w_.Int64(n); }
  void Bool(bool b) { w_.Bool(b); }
  void Double(double d) { w_.Double(d); }
  // An AWS JSON timestamp: epoch seconds, with milliseconds.
  void Time(Timestamp t);
  void Blob(std::string_view bytes);
  void StringList(const std::vector<std::string>& items);

  // Convenience: a member with a value.
  void Field(std::string_view k, std::string_view v) { Key(k), String(v); }
  void FieldInt(std::string_view k, int64_t v) { Key(k), Int(v); }
  void FieldBool(std::string_view k, bool v) { Key(k), Bool(v); }
  void FieldTime(std::string_view k, Timestamp v) { Key(k), Time(v); }
  void FieldTags(std::string_view k, const core::Tags& tags);

  bool empty() const { return sb_.GetSize() == 0; }
  // Moves the text out and wipes the writer's buffer (responses can carry secret values).
  std::string Take();

 private:
  rapidjson::StringBuffer sb_;
  rapidjson::Writer<rapidjson::StringBuffer> w_;
};

}  // namespace coffer::api::aws_json

#endif  // COFFER_API_AWS_JSON_JSON_IO_H_
