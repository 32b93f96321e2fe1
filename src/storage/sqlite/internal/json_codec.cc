#include "storage/sqlite/internal/json_codec.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace coffer::storage::sqlite::internal {
namespace {

using rapidjson::SizeType;

void String(rapidjson::Writer<rapidjson::StringBuffer>& w, const std::string& s) {
  w.String(s.data(), static_cast<SizeType>(s.size()));
}

}  // namespace

std::string EncodeTags(const core::Tags& tags) {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  w.StartArray();
  for (const auto& t : tags) {
    w.StartArray();
    String(w, t.key);
    String(w, t.value);
    w.EndArray();
  }
  w.EndArray();
  return {sb.GetString(), sb.GetSize()};
}

Result<core::Tags> DecodeTags(const std::string& json) {
  rapidjson::Document d;
  d.Parse(json.data(), json.size());
  if (d.HasParseError() || !d.IsArray()) return DataLossError("stored tags are corrupt");
  core::Tags out;
  for (const auto& e : d.GetArray()) {
    if (!e.IsArray() || e.Size() != 2 || !e[0].IsString() || !e[1].IsString()) {
      return DataLossError("stored tags are corrupt");
    }
    out.push_back({std::string(e[0].GetString(), e[0].GetStringLength()),
                   std::string(e[1].GetString(), e[1].GetStringLength())});
  }
  return out;
}

std::string EncodeStringMap(const std::map<std::string, std::string>& m) {
  rapidjson::StringBuffer sb;
  rapidjson::Writer<rapidjson::StringBuffer> w(sb);
  w.StartObject();
  for (const auto& [k, v] : m) {
    String(w, k);
    String(w, v);
  }
  w.EndObject();
  return {sb.GetString(), sb.GetSize()};
}

Result<std::map<std::string, std::string>> DecodeStringMap(const std::string& json) {
  rapidjson::Document d;
  d.Parse(json.data(), json.size());
  if (d.HasParseError() || !d.IsObject()) return DataLossError("stored map is corrupt");
  std::map<std::string, std::string> out;
  for (const auto& m : d.GetObject()) {
    if (!m.value.IsString()) return DataLossError("stored map is corrupt");
    out.emplace(std::string(m.name.GetString(), m.name.GetStringLength()),
                std::string(m.value.GetString(), m.value.GetStringLength()));
  }
  return out;
}

}  // namespace coffer::storage::sqlite::internal
