#include "audit_trail/internal/json.h"

#include <rapidjson/encodedstream.h>
#include <rapidjson/error/error.h>
#include <rapidjson/memorystream.h>

#include <array>
#include <cstdint>

namespace coffer::audit_trail::internal {
namespace {

constexpr char kHex[] = "0123456789abcdef";
constexpr std::string_view kReplacement = "\xef\xbf\xbd";

// Bytes that need more than a copy: control characters, '"', '\\' and non-ASCII (checked as
// UTF-8).
constexpr auto kSpecial = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 256; ++c) t[c] = c < 0x20 || c == '"' || c == '\\' || c >= 0x80;
  return t;
}();

// Length of the well-formed UTF-8 sequence at s[i] (RFC 3629: no overlongs, no surrogates,
// at most U+10FFFF), or 0 when the bytes there are not one.
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const auto cont = [&](size_t k) { return i + k < s.size() && (b(k) & 0xc0) == 0x80; };
  const unsigned char c = b(0);
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xe0 && b(1) < 0xa0) return 0;   // overlong
    if (c == 0xed && b(1) >= 0xa0) return 0;  // surrogate
    return 3;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xf0 && b(1) < 0x90) return 0;   // overlong
    if (c == 0xf4 && b(1) >= 0x90) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

// A rapidjson SAX handler writing the compact form of what it is given.
class MinifyHandler {
 public:
  MinifyHandler(std::string& out, std::vector<char>& first) : out_(out), first_(first) {}

  bool Null() { return Raw("null"); }
  bool Bool(bool b) { return Raw(b ? "true" : "false"); }
  // With kParseNumbersAsStringsFlag every number arrives as RawNumber; these are unused.
  bool Int(int) { return false; }
  bool Uint(unsigned) { return false; }
  bool Int64(int64_t) { return false; }
  bool Uint64(uint64_t) { return false; }
  bool Double(double) { return false; }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool) { return Raw({s, n}); }
  bool String(const char* s, rapidjson::SizeType n, bool) {
    Separate();
    AppendJsonString(out_, {s, n});
    return true;
  }
  bool Key(const char* s, rapidjson::SizeType n, bool) {
    Separate();
    AppendJsonString(out_, {s, n});
    out_.push_back(':');
    after_key_ = true;
    return true;
  }
  bool StartObject() { return Open('{'); }
  bool EndObject(rapidjson::SizeType) { return Close('}'); }
  bool StartArray() { return Open('['); }
  bool EndArray(rapidjson::SizeType) { return Close(']'); }

 private:
  void Separate() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (first_.empty()) return;
    if (first_.back() != 0) {
      first_.back() = 0;
    } else {
      out_.push_back(',');
    }
  }
  bool Raw(std::string_view s) {
    Separate();
    out_.append(s);
    return true;
  }
  bool Open(char c) {
    Separate();
    out_.push_back(c);
    first_.push_back(1);
    return true;
  }
  bool Close(char c) {
    first_.pop_back();
    out_.push_back(c);
    return true;
  }

  std::string& out_;
  std::vector<char>& first_;
  bool after_key_ = false;
};

}  // namespace

void AppendJsonString(std::string& out, std::string_view s) {
  out.push_back('"');
  size_t run = 0;  // start of the bytes not yet copied
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (!kSpecial[c]) {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      const size_t n = Utf8SequenceLength(s, i);
      if (n != 0) {
        i += n;
        continue;
      }
    }
    out.append(s.data() + run, i - run);
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      default:
        if (c < 0x20) {
          const char esc[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
          out.append(esc, sizeof esc);
        } else {
          out.append(kReplacement);
        }
    }
    ++i;
    run = i;
  }
  out.append(s.data() + run, s.size() - run);
  out.push_back('"');
}

bool ObjectCopier::Append(std::string& out, std::string_view json) {
  size_t start = 0;
  while (start < json.size() && (json[start] == ' ' || json[start] == '\t' || json[start] == '\n' ||
                                 json[start] == '\r')) {
    ++start;
  }
  if (start == json.size() || json[start] != '{') return false;
  // A NUL is never valid JSON text, and the reader would take it for the end of the input.
  if (json.find('\0') != std::string_view::npos) return false;
  constexpr unsigned kFlags = rapidjson::kParseIterativeFlag |
                              rapidjson::kParseValidateEncodingFlag |
                              rapidjson::kParseNumbersAsStringsFlag;
  // Strings cannot hold raw control characters, so a newline is whitespace between tokens:
  // without one the text can go into the line as it is, once it is known to be valid.
  if (json.find_first_of("\n\r") == std::string_view::npos) {
    rapidjson::MemoryStream ms(json.data(), json.size());
    rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream> is(ms);
    rapidjson::BaseReaderHandler<rapidjson::UTF8<>> validate;
    if (reader_.Parse<kFlags>(is, validate).IsError()) return false;
    out.append(json);
    return true;
  }
  const size_t mark = out.size();
  first_.clear();
  MinifyHandler handler(out, first_);
  rapidjson::MemoryStream ms(json.data(), json.size());
  rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream> is(ms);
  if (reader_.Parse<kFlags>(is, handler).IsError()) {
    out.resize(mark);
    return false;
  }
  return true;
}

}  // namespace coffer::audit_trail::internal
