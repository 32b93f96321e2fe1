#ifndef COFFER_CORE_POLICY_INTERNAL_PATTERN_H_
#define COFFER_CORE_POLICY_INTERNAL_PATTERN_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "core/policy/request_context.h"

namespace coffer::policy::internal {

// Glob matching: '*' matches any run of characters (including none), '?' exactly one. With
// `escaped`, a backslash makes the next pattern character literal (used for patterns built by
// substituting policy variables, whose values must never act as wildcards). ASCII case folding
// when `ignore_case`. Linear memory, O(|pattern| * |text|) time at worst.
bool GlobMatch(std::string_view pattern, std::string_view text, bool ignore_case, bool escaped);

// A glob compiled at parse time: the common shapes ("*", "exact", "prefix*") skip the general
// matcher. Matching never allocates.
class Glob {
 public:
  enum class Shape : uint8_t { kAny, kExact, kPrefix, kGeneral };

  Glob() = default;
  // `lower_case` stores the text folded to lower case (patterns matched with ignore_case).
  explicit Glob(std::string_view text, bool lower_case = false);

  bool Matches(std::string_view text, bool ignore_case) const;
  const std::string& text() const { return text_; }
  Shape shape() const { return shape_; }

 private:
  std::string text_;
  Shape shape_ = Shape::kExact;
};

// One piece of a value that contains policy variables.
struct TemplatePart {
  enum class Kind : uint8_t {
    kText,      // policy text; '*' and '?' are wildcards where the value is a pattern
    kLiteral,   // ${*}, ${?} or ${$}: the character itself, never a wildcard
    kVariable,  // ${key} or ${key, 'default'}
  };
  Kind kind = Kind::kText;
  std::string text;  // kText/kLiteral: the characters; kVariable: the key, lower-cased
  std::optional<std::string> fallback;  // kVariable: the default value
};

// A Resource entry or a condition value: text that may hold policy variables (Version
// 2012-10-17 only). Without variables, matching never allocates.
class Pattern {
 public:
  Pattern() = default;

  // Splits `raw` into text and variables when `variables` is true. kInvalidArgument (message
  // without location) for an unterminated or empty variable or a malformed default.
  static Result<Pattern> Compile(std::string_view raw, bool variables);

  // Glob match of `text` against this pattern, variables substituted from `ctx` (their values
  // are literal). False when a variable cannot be resolved.
  bool Matches(std::string_view text, const RequestContext& ctx, bool ignore_case) const;
  // Exact (case-folded with ignore_case) comparison, variables substituted.
  bool Equals(std::string_view text, const RequestContext& ctx, bool ignore_case) const;

  bool has_variables() const { return !parts_.empty(); }
  // The value as written in the policy.
  const std::string& raw() const { return raw_; }
  const Glob& glob() const { return glob_; }

 private:
  // Builds the substituted value into `out`; with `escape`, literal characters and variable
  // values are backslash-escaped for GlobMatch(escaped=true). False when a variable is
  // unresolvable (absent without a default, or multi-valued).
  bool Expand(const RequestContext& ctx, bool escape, std::string* out) const;

  std::string raw_;
  Glob glob_;                        // raw_ compiled, when there are no variables
  std::vector<TemplatePart> parts_;  // empty when there are no variables
};

}  // namespace coffer::policy::internal

#endif  // COFFER_CORE_POLICY_INTERNAL_PATTERN_H_
