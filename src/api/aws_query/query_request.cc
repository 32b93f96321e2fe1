#include "api/aws_query/query_request.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <map>
#include <memory>

#include "api/aws_json/shape_validator.h"
#include "base/clock.h"
#include "base/encoding.h"
#include "base/strings.h"

namespace coffer::api::aws_query {
namespace {

constexpr size_t kMaxEchoedValue = 256;

ApiError Malformed(std::string message) {
  return ApiError{400, "MalformedQueryString", std::move(message), false};
}

std::string Echo(std::string_view s) {
  if (s.size() > kMaxEchoedValue) return std::string(s.substr(0, kMaxEchoedValue)) + "...";
  return std::string(s);
}

// The path ValidateInput reports: member names with a lower-case first letter, lists as
// "name.N.member".
std::string MemberPath(const std::string& parent, const char* name) {
  std::string n(name);
  if (!n.empty() && n[0] >= 'A' && n[0] <= 'Z') n[0] = static_cast<char>(n[0] + 32);
  return parent.empty() ? n : parent + "." + n;
}

// A list index or map entry number: 1-9 followed by digits, no sign, no leading zero.
// Returns 0 when `s` is not one (the parameter is then unknown and ignored), and SIZE_MAX when it
// is one but larger than any valid request can reach.
size_t ParseIndex(std::string_view s) {
  if (s.empty() || s[0] < '1' || s[0] > '9') return 0;
  size_t n = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return 0;
    if (n > kMaxParameters) continue;  // keep scanning for non-digits; the value is too big
    n = n * 10 + static_cast<size_t>(c - '0');
  }
  return n > kMaxParameters ? SIZE_MAX : n;
}

// The decoded parameters as a tree shaped like the input shape.
struct Node {
  const Shape* shape = nullptr;
  std::string path;
  bool sensitive = false;
  const std::string* value = nullptr;  // scalars; for lists and maps the "Name=" (empty) marker
  // Structures: by member index; lists: by N; maps: by N, each an entry with `key`/`val`.
  std::map<size_t, std::unique_ptr<Node>> children;
  std::unique_ptr<Node> key, val;  // a map entry's parts
};

Node* Child(std::unique_ptr<Node>& slot, const Shape* shape, std::string path, bool sensitive) {
  if (!slot) {
    slot = std::make_unique<Node>();
    slot->shape = shape;
    slot->path = std::move(path);
    slot->sensitive = sensitive || (shape != nullptr && shape->sensitive);
  }
  return slot.get();
}

class Decoder {
 public:
  explicit Decoder(const ShapeNames& names) : names_(names) {}

  std::vector<std::string> errors;

  // Adds one parameter to the tree under `root`; unknown names are ignored.
  void Add(Node& root, const FormParam& param) {
    std::vector<std::string_view> segs = Split(param.name, '.');
    if (segs.size() > kMaxNameSegments) return;
    // Resolve the whole name first, so a parameter that turns out to be unknown leaves no empty
    // structure or list behind.
    struct Step {
      enum Kind { kMember, kElement, kEntryKey, kEntryValue } kind;
      size_t index;
    };
    std::vector<Step> steps;
    const Shape* s = root.shape;
    std::string path = root.path;
    bool marker = false;  // "Name=" for a list or map
    size_t i = 0;
    for (;;) {
      if (s->type == Type::kStructure) {
        if (i == segs.size()) return;
        size_t m = 0;
        while (m < s->member_count && names_.MemberName(*s, s->members[m]) != segs[i]) ++m;
        if (m == s->member_count) return;
        path = MemberPath(path, s->members[m].name);
        steps.push_back({Step::kMember, m});
        s = s->members[m].shape;
        ++i;
      } else if (s->type == Type::kList || s->type == Type::kMap) {
        if (i == segs.size()) {
          if (!param.value.empty()) return;
          marker = true;
          break;
        }
        bool is_list = s->type == Type::kList;
        if (!names_.IsFlattened(*s)) {
          if (segs[i] != (is_list ? names_.ListMemberName(*s) : std::string_view("entry"))) return;
          if (++i == segs.size()) return;
        }
        size_t n = ParseIndex(segs[i]);
        if (n == 0) return;
        if (n == SIZE_MAX) {
          errors.push_back("Value at '" + path +
                           "' failed to satisfy constraint: Member must have length less than or "
                           "equal to " +
                           std::to_string(kMaxParameters));
          return;
        }
        ++i;
        if (is_list) {
          path += "." + std::to_string(n) + ".member";
          steps.push_back({Step::kElement, n});
          s = s->element;
          continue;
        }
        if (i == segs.size()) return;
        path += "." + std::to_string(n);
        if (segs[i] == names_.MapKeyName(*s)) {
          path += ".key";
          steps.push_back({Step::kEntryKey, n});
          s = s->key;
        } else if (segs[i] == names_.MapValueName(*s)) {
          path += ".value";
          steps.push_back({Step::kEntryValue, n});
          s = s->value;
        } else {
          return;
        }
        ++i;
      } else {
        if (i != segs.size()) return;
        break;
      }
    }
    // Materialize the nodes along the resolved steps.
    Node* node = &root;
    for (const Step& step : steps) {
      const Shape& cur = *node->shape;
      switch (step.kind) {
        case Step::kMember: {
          const Member& m = cur.members[step.index];
          node = Child(node->children[step.index], m.shape, MemberPath(node->path, m.name),
                       node->sensitive || m.sensitive);
          break;
        }
        case Step::kElement:
          node = Child(node->children[step.index], cur.element,
                       node->path + "." + std::to_string(step.index) + ".member", node->sensitive);
          break;
        case Step::kEntryKey:
        case Step::kEntryValue: {
          Node* entry = Child(node->children[step.index], nullptr,
                              node->path + "." + std::to_string(step.index), node->sensitive);
          node = step.kind == Step::kEntryKey
                     ? Child(entry->key, cur.key, entry->path + ".key", entry->sensitive)
                     : Child(entry->val, cur.value, entry->path + ".value", entry->sensitive);
          break;
        }
      }
    }
    if (marker || node->shape->type != Type::kStructure) node->value = &param.value;
  }

  void Build(const Node& node, rapidjson::Value& out, rapidjson::Document::AllocatorType& alloc) {
    const Shape& s = *node.shape;
    switch (s.type) {
      case Type::kStructure:
        out.SetObject();
        for (const auto& [index, child] : node.children) {
          rapidjson::Value v;
          Build(*child, v, alloc);
          out.AddMember(rapidjson::StringRef(s.members[index].name), v, alloc);
        }
        return;
      case Type::kList: {
        out.SetArray();
        if (!Contiguous(node, "member")) return;
        out.Reserve(static_cast<rapidjson::SizeType>(node.children.size()), alloc);
        for (const auto& [index, child] : node.children) {
          rapidjson::Value v;
          Build(*child, v, alloc);
          out.PushBack(v, alloc);
        }
        return;
      }
      case Type::kMap:
        out.SetObject();
        if (!Contiguous(node, "entry")) return;
        for (const auto& [index, entry] : node.children) {
          if (!entry->key || entry->key->value == nullptr) {
            errors.push_back("Value at '" + entry->path +
                             "' failed to satisfy constraint: Map entry must have a key");
            continue;
          }
          const std::string& k = *entry->key->value;
          rapidjson::Value key;
          Build(*entry->key, key, alloc);
          if (!key.IsString()) continue;
          if (out.FindMember(key) != out.MemberEnd()) {
            errors.push_back(Shown(*entry->key, k) +
                             " failed to satisfy constraint: Map keys must be unique");
            continue;
          }
          rapidjson::Value v;
          if (entry->val) Build(*entry->val, v, alloc);
          out.AddMember(key, v, alloc);
        }
        return;
      default:
        return Scalar(node, out, alloc);
    }
  }

 private:
  // "Value 'x' at 'path'", or "Value at 'path'" for sensitive members.
  static std::string Shown(const Node& node, std::string_view value) {
    if (node.sensitive) return "Value at '" + node.path + "'";
    return "Value '" + Echo(value) + "' at '" + node.path + "'";
  }

  bool Contiguous(const Node& node, const char* what) {
    size_t expected = 1;
    for (const auto& [index, child] : node.children) {
      if (index != expected) {
        errors.push_back("Value at '" + node.path +
                         "' failed to satisfy constraint: Member must be numbered from 1 without "
                         "gaps (" +
                         what + "." + std::to_string(expected) + " is missing)");
        return false;
      }
      ++expected;
    }
    return true;
  }

  void TypeError(const Node& node, std::string_view value, const char* expected) {
    errors.push_back(Shown(node, value) + " failed to satisfy constraint: Member must be " +
                     expected);
  }

  void Scalar(const Node& node, rapidjson::Value& out, rapidjson::Document::AllocatorType& alloc) {
    std::string_view v = *node.value;
    switch (node.shape->type) {
      case Type::kString:
      case Type::kBlob:
        out.SetString(v.data(), static_cast<rapidjson::SizeType>(v.size()), alloc);
        return;
      case Type::kInteger:
      case Type::kLong: {
        auto n = ParseInt64(v);
        bool is_int = node.shape->type == Type::kInteger;
        if (!n || (is_int && (*n < INT32_MIN || *n > INT32_MAX))) {
          return TypeError(node, v, is_int ? "an Integer" : "a Long");
        }
        out.SetInt64(*n);
        return;
      }
      case Type::kBoolean:
        if (EqualsIgnoreCase(v, "true")) {
          out.SetBool(true);
        } else if (EqualsIgnoreCase(v, "false")) {
          out.SetBool(false);
        } else {
          TypeError(node, v, "a Boolean (true or false)");
        }
        return;
      case Type::kDouble: {
        double d = 0;
        auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
        if (v.empty() || ec != std::errc() || ptr != v.data() + v.size() || !std::isfinite(d)) {
          return TypeError(node, v, "a Double");
        }
        out.SetDouble(d);
        return;
      }
      case Type::kTimestamp: {
        auto t = ParseIso8601(v);
        if (!t) return TypeError(node, v, "a Timestamp (ISO 8601, e.g. 2026-11-22T05:25:40Z)");
        // JsonIn reads timestamps as epoch seconds, as awsJson1_1 sends them.
        int64_t ms = ToUnixMillis(*t);
        if (ms % 1000 == 0) {
          out.SetInt64(ms / 1000);
        } else {
          out.SetDouble(static_cast<double>(ms) / 1000.0);
        }
        return;
      }
      case Type::kStructure:
      case Type::kList:
      case Type::kMap:
        return;
    }
  }

  const ShapeNames& names_;
};

}  // namespace

std::variant<std::vector<FormParam>, ApiError> ParseForm(std::string_view form) {
  std::vector<FormParam> params;
  params.reserve(std::min<size_t>(
      static_cast<size_t>(std::count(form.begin(), form.end(), '&')) + 1, kMaxParameters));
  for (std::string_view piece : Split(form, '&')) {
    if (piece.empty()) continue;
    if (params.size() == kMaxParameters) {
      return Malformed("The request has more than " + std::to_string(kMaxParameters) +
                       " parameters.");
    }
    size_t eq = piece.find('=');
    std::string_view raw_name = piece.substr(0, eq);
    std::string_view raw_value =
        eq == std::string_view::npos ? std::string_view() : piece.substr(eq + 1);
    auto name = UriDecode(raw_name, /*plus_as_space=*/true);
    auto value = UriDecode(raw_value, /*plus_as_space=*/true);
    if (!name || !value) {
      return Malformed("The query string has a malformed percent-escape in parameter '" +
                       Echo(raw_name) + "'.");
    }
    if (!IsValidUtf8(*name) || !IsValidUtf8(*value)) {
      return Malformed("The query string is not valid UTF-8 (parameter '" + Echo(raw_name) + "').");
    }
    if (name->empty()) continue;
    params.push_back({std::move(*name), std::move(*value)});
  }
  // A repeated parameter is ambiguous (which value would a handler see?): refuse it.
  std::vector<std::string_view> sorted;
  sorted.reserve(params.size());
  for (const FormParam& p : params) sorted.push_back(p.name);
  std::sort(sorted.begin(), sorted.end());
  auto dup = std::adjacent_find(sorted.begin(), sorted.end());
  if (dup != sorted.end()) {
    // The name is valid UTF-8 here, but may hold markup: it is escaped when the error is encoded.
    return Malformed("The parameter '" + Echo(*dup) + "' appears more than once.");
  }
  return params;
}

std::optional<std::string> FindFormValue(std::string_view form, std::string_view name) {
  for (std::string_view piece : Split(form, '&')) {
    size_t eq = piece.find('=');
    std::string_view raw_name = piece.substr(0, eq);
    std::string_view raw_value =
        eq == std::string_view::npos ? std::string_view() : piece.substr(eq + 1);
    if (raw_name == name) return UriDecode(raw_value, true);
    if (raw_name.find_first_of("%+") != std::string_view::npos) {
      auto decoded = UriDecode(raw_name, true);
      if (decoded && *decoded == name) return UriDecode(raw_value, true);
    }
  }
  return std::nullopt;
}

ShapeNames::ShapeNames(const QueryModel& model)
    : wire_names_(model.wire_names), flattened_(model.flattened) {}

std::string_view ShapeNames::Find(const Shape& shape, std::string_view member,
                                  std::string_view fallback) const {
  for (const WireName& w : wire_names_) {
    if (w.shape == &shape && w.member == member) return w.wire_name;
  }
  return fallback;
}

std::string_view ShapeNames::MemberName(const Shape& structure, const Member& member) const {
  if (wire_names_.empty()) return member.name;
  return Find(structure, member.name, member.name);
}

std::string_view ShapeNames::ListMemberName(const Shape& list) const {
  if (wire_names_.empty()) return "member";
  return Find(list, "member", "member");
}

std::string_view ShapeNames::MapKeyName(const Shape& map) const {
  if (wire_names_.empty()) return "key";
  return Find(map, "key", "key");
}

std::string_view ShapeNames::MapValueName(const Shape& map) const {
  if (wire_names_.empty()) return "value";
  return Find(map, "value", "value");
}

bool ShapeNames::IsFlattened(const Shape& shape) const {
  return std::find(flattened_.begin(), flattened_.end(), &shape) != flattened_.end();
}

std::optional<ApiError> DecodeInput(std::span<const FormParam> params, const Shape* input,
                                    const ShapeNames& names, rapidjson::Document& doc) {
  doc.SetObject();
  if (input == nullptr) return std::nullopt;
  Node root;
  root.shape = input;
  root.sensitive = input->sensitive;
  Decoder decoder(names);
  for (const FormParam& p : params) {
    if (p.name == "Action" || p.name == "Version") continue;
    decoder.Add(root, p);
  }
  decoder.Build(root, doc, doc.GetAllocator());
  std::vector<std::string>& errors = decoder.errors;
  if (errors.empty()) {
    auto invalid = aws_json::ValidateInput(doc, *input);
    if (!invalid) return std::nullopt;
    if (invalid->code == "ValidationException") {
      invalid->code = "ValidationError";
      return invalid;
    }
    // A type ValidateInput could not convert; the decoder produced the JSON types, so this is a
    // blob that is not base64.
    errors.push_back(invalid->message);
  }
  std::string msg =
      std::to_string(errors.size()) +
      (errors.size() == 1 ? " validation error detected: " : " validation errors detected: ");
  for (size_t i = 0; i < errors.size(); ++i) {
    if (i > 0) msg += "; ";
    msg += errors[i];
  }
  return ApiError{400, "ValidationError", std::move(msg), false};
}

}  // namespace coffer::api::aws_query
