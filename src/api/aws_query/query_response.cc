#include "api/aws_query/query_response.h"

#include <rapidjson/document.h>

#include <charconv>
#include <cmath>

#include "base/clock.h"
#include "base/secret_bytes.h"
#include "base/strings.h"

namespace coffer::api::aws_query {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// The length of the UTF-8 sequence a lead byte starts (0 for a continuation or invalid byte).
size_t SequenceLength(unsigned char c) {
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return 2;
  if (c >= 0xE0 && c <= 0xEF) return 3;
  if (c >= 0xF0 && c <= 0xF4) return 4;
  return 0;
}

const char* TypeName(const rapidjson::Value& v) {
  if (v.IsObject()) return "object";
  if (v.IsArray()) return "array";
  if (v.IsString()) return "string";
  if (v.IsBool()) return "boolean";
  if (v.IsNumber()) return "number";
  return "null";
}

class Encoder {
 public:
  Encoder(const ShapeNames& names, std::string& out) : names_(names), out_(out) {}

  std::string error;

  void Structure(const rapidjson::Value& v, const Shape& s, std::string_view where) {
    if (!v.IsObject()) return Mismatch(v, "a structure", where);
    for (size_t i = 0; i < s.member_count && error.empty(); ++i) {
      const Member& m = s.members[i];
      auto it = v.FindMember(m.name);
      if (it == v.MemberEnd() || it->value.IsNull()) continue;
      const rapidjson::Value& mv = it->value;
      std::string_view wire = names_.MemberName(s, m);
      const Shape& ms = *m.shape;
      if ((ms.type == Type::kList || ms.type == Type::kMap) && names_.IsFlattened(ms)) {
        // Repeated <wire> elements, no wrapper.
        if (ms.type == Type::kList) {
          if (!mv.IsArray()) return Mismatch(mv, "a list", m.name);
          for (const auto& e : mv.GetArray()) {
            if (e.IsNull()) continue;
            Open(wire);
            Value(e, *ms.element, m.name);
            Close(wire);
          }
        } else {
          if (!mv.IsObject()) return Mismatch(mv, "a map", m.name);
          for (const auto& e : mv.GetObject()) {
            if (e.value.IsNull()) continue;
            Open(wire);
            Entry(e, ms, m.name);
            Close(wire);
          }
        }
        continue;
      }
      Open(wire);
      Value(mv, ms, m.name);
      Close(wire);
    }
  }

  void Value(const rapidjson::Value& v, const Shape& s, std::string_view where) {
    if (!error.empty()) return;
    switch (s.type) {
      case Type::kStructure:
        return Structure(v, s, where);
      case Type::kList: {
        if (!v.IsArray()) return Mismatch(v, "a list", where);
        std::string_view item = names_.ListMemberName(s);
        for (const auto& e : v.GetArray()) {
          if (e.IsNull()) continue;
          Open(item);
          Value(e, *s.element, where);
          Close(item);
        }
        return;
      }
      case Type::kMap:
        if (!v.IsObject()) return Mismatch(v, "a map", where);
        for (const auto& e : v.GetObject()) {
          if (e.value.IsNull()) continue;
          Open("entry");
          Entry(e, s, where);
          Close("entry");
        }
        return;
      case Type::kString:
      case Type::kBlob:
        if (!v.IsString()) return Mismatch(v, "a string", where);
        return AppendXmlEscaped(out_, std::string_view(v.GetString(), v.GetStringLength()));
      case Type::kBoolean:
        if (!v.IsBool()) return Mismatch(v, "a boolean", where);
        out_ += v.GetBool() ? "true" : "false";
        return;
      case Type::kInteger:
      case Type::kLong:
        if (v.IsInt64()) {
          out_ += std::to_string(v.GetInt64());
        } else if (v.IsUint64()) {
          out_ += std::to_string(v.GetUint64());
        } else {
          Mismatch(v, "an integer", where);
        }
        return;
      case Type::kDouble: {
        if (!v.IsNumber()) return Mismatch(v, "a number", where);
        char buf[32];
        auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, v.GetDouble());
        if (ec != std::errc()) return Mismatch(v, "a number", where);
        out_.append(buf, ptr);
        return;
      }
      case Type::kTimestamp: {
        // JsonOut::Time wrote epoch seconds, with milliseconds when not whole.
        if (!v.IsNumber()) return Mismatch(v, "a timestamp (epoch seconds)", where);
        double ms = std::round(v.GetDouble() * 1000.0);
        // Years 0000-9999: what ISO 8601's four-digit year (and AWS) can carry.
        if (!(ms >= -62167219200000.0 && ms <= 253402300799999.0)) {
          return Mismatch(v, "a timestamp in years 0-9999", where);
        }
        auto millis = static_cast<int64_t>(ms);
        out_ += FormatIso8601(FromUnixMillis(millis), millis % 1000 != 0);
        return;
      }
    }
  }

 private:
  void Entry(const rapidjson::Value::Member& e, const Shape& map, std::string_view where) {
    std::string_view k = names_.MapKeyName(map), val = names_.MapValueName(map);
    Open(k);
    AppendXmlEscaped(out_, std::string_view(e.name.GetString(), e.name.GetStringLength()));
    Close(k);
    Open(val);
    Value(e.value, *map.value, where);
    Close(val);
  }

  void Open(std::string_view name) {
    out_ += '<';
    out_ += name;
    out_ += '>';
  }
  void Close(std::string_view name) {
    out_ += "</";
    out_ += name;
    out_ += '>';
  }

  void Mismatch(const rapidjson::Value& v, const char* expected, std::string_view where) {
    if (!error.empty()) return;
    error = "output member '" + std::string(where) + "' is a JSON " + TypeName(v) +
            ", the model wants " + expected;
  }

  const ShapeNames& names_;
  std::string& out_;
};

void AppendRequestMetadata(std::string& out, std::string_view request_id) {
  out += "<ResponseMetadata><RequestId>";
  AppendXmlEscaped(out, request_id);
  out += "</RequestId></ResponseMetadata>";
}

void AppendRootStart(std::string& out, std::string_view name, std::string_view xml_namespace) {
  out += '<';
  out += name;
  if (!xml_namespace.empty()) {
    out += " xmlns=\"";
    AppendXmlEscaped(out, xml_namespace);
    out += '"';
  }
  out += '>';
}

}  // namespace

void AppendXmlEscaped(std::string& out, std::string_view text) {
  bool valid = IsValidUtf8(text);
  for (size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    switch (c) {
      case '&':
        out += "&amp;";
        continue;
      case '<':
        out += "&lt;";
        continue;
      case '>':
        out += "&gt;";
        continue;
      case '"':
        out += "&quot;";
        continue;
      case '\r':
        out += "&#xD;";
        continue;
      case '\t':
      case '\n':
        out += static_cast<char>(c);
        continue;
      default:
        break;
    }
    if (c < 0x20) {
      out += kReplacement;
      continue;
    }
    if (c < 0x80) {
      out += static_cast<char>(c);
      continue;
    }
    size_t n = SequenceLength(c);
    // A caller's bug must not make the document unparseable: bytes that are not UTF-8 become
    // U+FFFD one at a time.
    if (n == 0 || i + n > text.size() || (!valid && !IsValidUtf8(text.substr(i, n)))) {
      out += kReplacement;
      continue;
    }
    std::string_view seq = text.substr(i, n);
    if (seq == "\xEF\xBF\xBE" || seq == "\xEF\xBF\xBF") {
      out += kReplacement;  // U+FFFE and U+FFFF are not XML characters
    } else {
      out += seq;
    }
    i += n - 1;
  }
}

Result<std::string> EncodeResponse(std::string& json, const QueryOperation& op,
                                   const ShapeNames& names, std::string_view xml_namespace,
                                   std::string_view request_id) {
  std::string out;
  out.reserve(json.size() * 2 + 256);
  std::string root = std::string(op.name) + "Response";
  AppendRootStart(out, root, xml_namespace);
  std::string error;
  if (op.output != nullptr) {
    rapidjson::Document doc;
    // In place: string values stay in `json`, which is wiped below, not copied into the pool.
    doc.ParseInsitu<rapidjson::kParseIterativeFlag>(json.data());
    if (doc.HasParseError()) {
      error = "the output is not valid JSON";
    } else {
      std::string_view wrapper = op.result_wrapper != nullptr ? op.result_wrapper : "";
      if (!wrapper.empty()) out += "<" + std::string(wrapper) + ">";
      Encoder encoder(names, out);
      encoder.Structure(doc, *op.output, op.output->name);
      error = std::move(encoder.error);
      if (!wrapper.empty()) out += "</" + std::string(wrapper) + ">";
    }
  }
  SecureWipe(json.data(), json.size());
  if (!error.empty()) {
    SecureWipe(out.data(), out.size());
    return InternalError(std::string(op.name) + ": " + error);
  }
  AppendRequestMetadata(out, request_id);
  out += "</" + root + ">";
  return out;
}

std::string EncodeError(const ApiError& error, std::string_view xml_namespace,
                        std::string_view request_id) {
  std::string out;
  out.reserve(256 + error.message.size());
  AppendRootStart(out, "ErrorResponse", xml_namespace);
  out += "<Error><Type>";
  out += error.status >= 500 ? "Receiver" : "Sender";
  out += "</Type><Code>";
  AppendXmlEscaped(out, error.code);
  out += "</Code><Message>";
  AppendXmlEscaped(out, error.message);
  out += "</Message></Error><RequestId>";
  AppendXmlEscaped(out, request_id);
  out += "</RequestId></ErrorResponse>";
  return out;
}

}  // namespace coffer::api::aws_query
