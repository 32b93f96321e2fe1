#include "core/policy/internal/pattern.h"

#include <utility>

#include "base/strings.h"

namespace coffer::policy::internal {
namespace {

char Fold(char c, bool ignore_case) {
  return ignore_case && c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

void AppendEscaped(std::string_view s, std::string* out) {
  for (char c : s) {
    if (c == '*' || c == '?' || c == '\\') out->push_back('\\');
    out->push_back(c);
  }
}

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view text, bool ignore_case, bool escaped) {
  // Greedy matching with one backtrack point (the last '*'): when a later literal fails, the
  // last star absorbs one more character. Correct for globs with only '*' and '?', and never
  // recursive, so no input can exhaust the stack.
  size_t p = 0;
  size_t t = 0;
  size_t star_p = std::string_view::npos;
  size_t star_t = 0;
  while (t < text.size()) {
    if (p < pattern.size()) {
      char c = pattern[p];
      size_t width = 1;
      bool literal = false;
      if (escaped && c == '\\' && p + 1 < pattern.size()) {
        c = pattern[p + 1];
        width = 2;
        literal = true;
      }
      if (!literal && c == '*') {
        star_p = ++p;
        star_t = t;
        continue;
      }
      if ((!literal && c == '?') || Fold(c, ignore_case) == Fold(text[t], ignore_case)) {
        p += width;
        ++t;
        continue;
      }
    }
    if (star_p == std::string_view::npos) return false;
    p = star_p;
    t = ++star_t;
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

Glob::Glob(std::string_view text, bool lower_case)
    : text_(lower_case ? AsciiLower(text) : std::string(text)) {
  size_t stars = 0;
  size_t questions = 0;
  for (char c : text_) {
    stars += c == '*' ? 1 : 0;
    questions += c == '?' ? 1 : 0;
  }
  if (stars == 0 && questions == 0) {
    shape_ = Shape::kExact;
  } else if (stars == text_.size()) {
    shape_ = Shape::kAny;
  } else if (stars == 1 && questions == 0 && text_.back() == '*') {
    shape_ = Shape::kPrefix;
  } else {
    shape_ = Shape::kGeneral;
  }
}

bool Glob::Matches(std::string_view text, bool ignore_case) const {
  switch (shape_) {
    case Shape::kAny:
      return true;
    case Shape::kExact:
      return ignore_case ? EqualsIgnoreCase(text_, text) : text_ == text;
    case Shape::kPrefix: {
      std::string_view prefix(text_.data(), text_.size() - 1);
      return ignore_case ? StartsWithIgnoreCase(text, prefix)
                         : text.substr(0, prefix.size()) == prefix;
    }
    case Shape::kGeneral:
      return GlobMatch(text_, text, ignore_case, false);
  }
  return false;
}

Result<Pattern> Pattern::Compile(std::string_view raw, bool variables) {
  Pattern p;
  p.raw_ = std::string(raw);
  if (!variables || raw.find("${") == std::string_view::npos) {
    p.glob_ = Glob(raw);
    return p;
  }
  size_t i = 0;
  std::string text;
  while (i < raw.size()) {
    if (raw.compare(i, 2, "${") != 0) {
      text.push_back(raw[i++]);
      continue;
    }
    if (!text.empty()) {
      p.parts_.push_back({TemplatePart::Kind::kText, std::move(text), std::nullopt});
      text.clear();
    }
    i += 2;
    size_t key_end = raw.find_first_of(",}", i);
    if (key_end == std::string_view::npos) {
      return InvalidArgumentError(
          "unterminated policy variable \"${\" (write ${$} for a literal $)");
    }
    std::string_view key = TrimWhitespace(raw.substr(i, key_end - i));
    if (key.empty()) return InvalidArgumentError("empty policy variable \"${}\"");
    TemplatePart part;
    if (key == "*" || key == "?" || key == "$") {
      part.kind = TemplatePart::Kind::kLiteral;
      part.text = std::string(key);
    } else {
      part.kind = TemplatePart::Kind::kVariable;
      part.text = AsciiLower(key);
    }
    i = key_end;
    if (raw[i] == ',') {
      // ${key, 'default'}: whitespace around the quoted default is ignored; '' is a quote.
      ++i;
      while (i < raw.size() && raw[i] == ' ') ++i;
      if (i >= raw.size() || raw[i] != '\'') {
        return InvalidArgumentError("a policy variable's default must be in single quotes: ${" +
                                    std::string(key) + ", 'default'}");
      }
      ++i;
      std::string fallback;
      bool closed = false;
      while (i < raw.size()) {
        if (raw[i] == '\'') {
          if (i + 1 < raw.size() && raw[i + 1] == '\'') {
            fallback.push_back('\'');
            i += 2;
            continue;
          }
          ++i;
          closed = true;
          break;
        }
        fallback.push_back(raw[i++]);
      }
      while (i < raw.size() && raw[i] == ' ') ++i;
      if (!closed || i >= raw.size() || raw[i] != '}') {
        return InvalidArgumentError("unterminated default in policy variable ${" +
                                    std::string(key) + ", ...}");
      }
      if (part.kind == TemplatePart::Kind::kLiteral) {
        return InvalidArgumentError("${" + std::string(key) + "} takes no default");
      }
      part.fallback = std::move(fallback);
    }
    ++i;  // '}'
    p.parts_.push_back(std::move(part));
  }
  if (!text.empty()) {
    p.parts_.push_back({TemplatePart::Kind::kText, std::move(text), std::nullopt});
  }
  return p;
}

bool Pattern::Expand(const RequestContext& ctx, bool escape, std::string* out) const {
  out->clear();
  for (const TemplatePart& part : parts_) {
    switch (part.kind) {
      case TemplatePart::Kind::kText:
        if (!escape) {
          out->append(part.text);
        } else {
          // '*' and '?' stay wildcards; only a literal backslash needs escaping.
          for (char c : part.text) {
            if (c == '\\') out->push_back('\\');
            out->push_back(c);
          }
        }
        break;
      case TemplatePart::Kind::kLiteral:
        if (escape) {
          AppendEscaped(part.text, out);
        } else {
          out->append(part.text);
        }
        break;
      case TemplatePart::Kind::kVariable: {
        // A multi-valued key cannot be substituted (AWS), and falls back like an absent one.
        const std::vector<std::string>* values = ctx.Find(part.text);
        std::string_view value;
        if (values != nullptr && values->size() == 1) {
          value = values->front();
        } else if (part.fallback) {
          value = *part.fallback;
        } else {
          return false;
        }
        if (escape) {
          AppendEscaped(value, out);
        } else {
          out->append(value);
        }
        break;
      }
    }
  }
  return true;
}

bool Pattern::Matches(std::string_view text, const RequestContext& ctx, bool ignore_case) const {
  if (parts_.empty()) return glob_.Matches(text, ignore_case);
  std::string expanded;
  if (!Expand(ctx, /*escape=*/true, &expanded)) return false;
  return GlobMatch(expanded, text, ignore_case, /*escaped=*/true);
}

bool Pattern::Equals(std::string_view text, const RequestContext& ctx, bool ignore_case) const {
  if (parts_.empty()) return ignore_case ? EqualsIgnoreCase(raw_, text) : raw_ == text;
  std::string expanded;
  if (!Expand(ctx, /*escape=*/false, &expanded)) return false;
  return ignore_case ? EqualsIgnoreCase(expanded, text) : expanded == text;
}

}  // namespace coffer::policy::internal
