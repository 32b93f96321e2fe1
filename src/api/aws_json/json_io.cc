#include "api/aws_json/json_io.h"

#include "base/encoding.h"

namespace coffer::api::aws_json {

const rapidjson::Value* JsonIn::Get(const char* name) const {
  if (v_ == nullptr || !v_->IsObject()) return nullptr;
  auto it = v_->FindMember(name);
  if (it == v_->MemberEnd() || it->value.IsNull()) return nullptr;
  return &it->value;
}

std::optional<std::string> JsonIn::Str(const char* name) const {
  const auto* v = Get(name);
  if (v == nullptr || !v->IsString()) return std::nullopt;
  return std::string(v->GetString(), v->GetStringLength());
}

std::string JsonIn::StrOr(const char* name, std::string fallback) const {
  auto s = Str(name);
  return s ? *s : std::move(fallback);
}

std::optional<int64_t> JsonIn::Int(const char* name) const {
  const auto* v = Get(name);
  if (v == nullptr || !v->IsInt64()) return std::nullopt;
  return v->GetInt64();
}

std::optional<bool> JsonIn::Bool(const char* name) const {
  const auto* v = Get(name);
  if (v == nullptr || !v->IsBool()) return std::nullopt;
  return v->GetBool();
}

std::optional<double> JsonIn::Double(const char* name) const {
  const auto* v = Get(name);
  if (v == nullptr || !v->IsNumber()) return std::nullopt;
  return v->GetDouble();
}

std::optional<std::string> JsonIn::Blob(const char* name) const {
  const auto* v = Get(name);
  if (v == nullptr || !v->IsString()) return std::nullopt;
  return Base64Decode(std::string_view(v->GetString(), v->GetStringLength()));
}

std::optional<SecretBytes> JsonIn::SecretStr(const char* name) const {
  const auto* v = Get(name);
  if (v == nullptr || !v->IsString()) return std::nullopt;
  return SecretBytes::CopyFrom(std::string_view(v->GetString(), v->GetStringLength()));
}

std::optional<SecretBytes> JsonIn::SecretBlob(const char* name) const {
  auto b = Blob(name);
  if (!b) return std::nullopt;
  return SecretBytes::TakeFrom(*b);
}

std::optional<std::vector<std::string>> JsonIn::StrList(const char* name) const {
  const auto* v = Get(name);
  if (v == nullptr || !v->IsArray()) return std::nullopt;
  std::vector<std::string> out;
  for (const auto& e : v->GetArray()) {
    if (e.IsString()) out.emplace_back(e.GetString(), e.GetStringLength());
  }
  return out;
}

std::optional<core::Tags> JsonIn::Tags(const char* name, const char* key, const char* value) const {
  const auto* v = Get(name);
  if (v == nullptr || !v->IsArray()) return std::nullopt;
  core::Tags out;
  for (const auto& e : v->GetArray()) {
    JsonIn t(&e);
    out.push_back({t.StrOr(key), t.StrOr(value)});
  }
  return out;
}

std::optional<std::vector<std::pair<std::string, std::string>>> JsonIn::StrMap(
    const char* name) const {
  const auto* v = Get(name);
  if (v == nullptr || !v->IsObject()) return std::nullopt;
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& m : v->GetObject()) {
    if (!m.value.IsString()) continue;
    out.emplace_back(std::string(m.name.GetString(), m.name.GetStringLength()),
                     std::string(m.value.GetString(), m.value.GetStringLength()));
  }
  return out;
}

JsonOut::~JsonOut() {
  // The buffer may hold a secret value; wipe whatever is left in it.
  if (sb_.GetSize() > 0) SecureWipe(const_cast<char*>(sb_.GetString()), sb_.GetSize());
}

void JsonOut::Time(Timestamp t) {
  int64_t ms = ToUnixMillis(t);
  if (ms % 1000 == 0) {
    w_.Int64(ms / 1000);
  } else {
    w_.Double(static_cast<double>(ms) / 1000.0);
  }
}

void JsonOut::Blob(std::string_view bytes) { String(Base64Encode(bytes)); }

void JsonOut::StringList(const std::vector<std::string>& items) {
  StartArray();
  for (const auto& s : items) String(s);
  EndArray();
}

void JsonOut::FieldTags(std::string_view k, const core::Tags& tags) {
  Key(k);
  StartArray();
  for (const auto& t : tags) {
    StartObject();
    Field("Key", t.key);
    Field("Value", t.value);
    EndObject();
  }
  EndArray();
}

std::string JsonOut::Take() {
  std::string out(sb_.GetString(), sb_.GetSize());
  SecureWipe(const_cast<char*>(sb_.GetString()), sb_.GetSize());
  sb_.Clear();
  return out;
}

}  // namespace coffer::api::aws_json
