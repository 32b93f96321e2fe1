#include "core/policy/internal/condition.h"

#include <array>
#include <optional>
#include <utility>

#include "base/encoding.h"
#include "base/strings.h"

namespace coffer::policy::internal {
namespace {

struct OperatorName {
  std::string_view name;
  Operator op;
  bool negated;
};

constexpr std::array<OperatorName, 27> kOperators = {{
    {"StringEquals", Operator::kStringEquals, false},
    {"StringNotEquals", Operator::kStringEquals, true},
    {"StringEqualsIgnoreCase", Operator::kStringEqualsIgnoreCase, false},
    {"StringNotEqualsIgnoreCase", Operator::kStringEqualsIgnoreCase, true},
    {"StringLike", Operator::kStringLike, false},
    {"StringNotLike", Operator::kStringLike, true},
    {"NumericEquals", Operator::kNumericEquals, false},
    {"NumericNotEquals", Operator::kNumericEquals, true},
    {"NumericLessThan", Operator::kNumericLessThan, false},
    {"NumericLessThanEquals", Operator::kNumericLessThanEquals, false},
    {"NumericGreaterThan", Operator::kNumericGreaterThan, false},
    {"NumericGreaterThanEquals", Operator::kNumericGreaterThanEquals, false},
    {"DateEquals", Operator::kDateEquals, false},
    {"DateNotEquals", Operator::kDateEquals, true},
    {"DateLessThan", Operator::kDateLessThan, false},
    {"DateLessThanEquals", Operator::kDateLessThanEquals, false},
    {"DateGreaterThan", Operator::kDateGreaterThan, false},
    {"DateGreaterThanEquals", Operator::kDateGreaterThanEquals, false},
    {"Bool", Operator::kBool, false},
    {"BinaryEquals", Operator::kBinaryEquals, false},
    {"IpAddress", Operator::kIpAddress, false},
    {"NotIpAddress", Operator::kIpAddress, true},
    {"ArnEquals", Operator::kArnLike, false},
    {"ArnLike", Operator::kArnLike, false},
    {"ArnNotEquals", Operator::kArnLike, true},
    {"ArnNotLike", Operator::kArnLike, true},
    {"Null", Operator::kNull, false},
}};

bool IsNumeric(Operator op) {
  return op >= Operator::kNumericEquals && op <= Operator::kNumericGreaterThanEquals;
}
bool IsDate(Operator op) {
  return op >= Operator::kDateEquals && op <= Operator::kDateGreaterThanEquals;
}

// Splits an ARN (or ARN pattern) into its six fields; the last keeps any further colons. With
// `skip_variables`, colons inside ${...} do not split. False when there are fewer than six.
bool SplitArn(std::string_view s, bool skip_variables, std::array<std::string_view, 6>* out) {
  size_t field = 0;
  size_t start = 0;
  bool in_variable = false;
  for (size_t i = 0; i < s.size() && field < 5; ++i) {
    if (skip_variables && !in_variable && s.compare(i, 2, "${") == 0) {
      in_variable = true;
    } else if (in_variable && s[i] == '}') {
      in_variable = false;
    } else if (!in_variable && s[i] == ':') {
      (*out)[field++] = s.substr(start, i - start);
      start = i + 1;
    }
  }
  if (field < 5) return false;
  (*out)[5] = s.substr(start);
  return true;
}

template <class Cmp>
bool Compare(Operator op, Cmp a, Cmp b) {
  switch (op) {
    case Operator::kNumericEquals:
    case Operator::kDateEquals:
      return a == b;
    case Operator::kNumericLessThan:
    case Operator::kDateLessThan:
      return a < b;
    case Operator::kNumericLessThanEquals:
    case Operator::kDateLessThanEquals:
      return a <= b;
    case Operator::kNumericGreaterThan:
    case Operator::kDateGreaterThan:
      return a > b;
    case Operator::kNumericGreaterThanEquals:
    case Operator::kDateGreaterThanEquals:
      return a >= b;
    default:
      return false;
  }
}

bool ArnMatches(const ConditionValue& v, std::string_view arn, const RequestContext& ctx) {
  if (v.arn.empty()) return v.text.Matches(arn, ctx, /*ignore_case=*/false);
  std::array<std::string_view, 6> fields;
  if (!SplitArn(arn, /*skip_variables=*/false, &fields)) return false;
  for (size_t i = 0; i < 6; ++i) {
    if (!v.arn[i].Matches(fields[i], ctx, /*ignore_case=*/false)) return false;
  }
  return true;
}

// Whether request value `rv` matches at least one of the condition's policy values, in the
// operator's positive sense.
bool AnyPolicyValueMatches(const Condition& c, std::string_view rv, const RequestContext& ctx) {
  switch (c.op) {
    case Operator::kStringEquals:
    case Operator::kStringEqualsIgnoreCase: {
      bool fold = c.op == Operator::kStringEqualsIgnoreCase;
      for (const ConditionValue& v : c.values) {
        if (v.text.Equals(rv, ctx, fold)) return true;
      }
      return false;
    }
    case Operator::kStringLike:
      for (const ConditionValue& v : c.values) {
        if (v.text.Matches(rv, ctx, /*ignore_case=*/false)) return true;
      }
      return false;
    case Operator::kBool: {
      std::optional<bool> b = ParseBool(rv);
      if (!b) return false;
      for (const ConditionValue& v : c.values) {
        if (v.flag == *b) return true;
      }
      return false;
    }
    case Operator::kBinaryEquals:
      // Both sides are canonical base64 (strictly validated), so equal text is equal bytes.
      for (const ConditionValue& v : c.values) {
        if (v.text.raw() == rv) return true;
      }
      return false;
    case Operator::kIpAddress: {
      std::optional<IpNetwork> ip = ParseIpAddress(rv);
      if (!ip) return false;
      for (const ConditionValue& v : c.values) {
        if (NetworkContains(v.network, *ip)) return true;
      }
      return false;
    }
    case Operator::kArnLike:
      for (const ConditionValue& v : c.values) {
        if (ArnMatches(v, rv, ctx)) return true;
      }
      return false;
    case Operator::kNull:
      return false;
    default:
      break;
  }
  if (IsNumeric(c.op)) {
    std::optional<double> n = ParseNumber(rv);
    if (!n) return false;
    for (const ConditionValue& v : c.values) {
      if (Compare(c.op, *n, v.number)) return true;
    }
    return false;
  }
  if (IsDate(c.op)) {
    std::optional<int64_t> d = ParseDateMillis(rv);
    if (!d) return false;
    for (const ConditionValue& v : c.values) {
      if (Compare(c.op, *d, v.millis)) return true;
    }
    return false;
  }
  return false;
}

std::string Quote(std::string_view s) { return "\"" + std::string(s) + "\""; }

}  // namespace

Result<Condition> CompileCondition(std::string_view op, std::string_view key,
                                   const std::vector<std::string>& values, bool variables) {
  Condition c;
  std::string_view base = op;
  if (StartsWithIgnoreCase(base, "ForAnyValue:")) {
    c.qualifier = SetQualifier::kForAnyValue;
    base.remove_prefix(12);
  } else if (StartsWithIgnoreCase(base, "ForAllValues:")) {
    c.qualifier = SetQualifier::kForAllValues;
    base.remove_prefix(13);
  }
  constexpr std::string_view kIfExists = "IfExists";
  if (base.size() > kIfExists.size() &&
      EqualsIgnoreCase(base.substr(base.size() - kIfExists.size()), kIfExists)) {
    c.if_exists = true;
    base.remove_suffix(kIfExists.size());
  }
  const OperatorName* found = nullptr;
  for (const OperatorName& o : kOperators) {
    if (EqualsIgnoreCase(o.name, base)) found = &o;
  }
  if (found == nullptr) {
    return InvalidArgumentError("Invalid Condition type: " + Quote(op));
  }
  c.op = found->op;
  c.negated = found->negated;
  if (c.op == Operator::kNull && (c.if_exists || c.qualifier != SetQualifier::kNone)) {
    return InvalidArgumentError("Invalid Condition type: " + Quote(op) +
                                " (Null takes neither IfExists nor a set qualifier)");
  }
  size_t colon = key.find(':');
  if (key.empty() || colon == 0 || colon == std::string_view::npos || colon + 1 == key.size()) {
    return InvalidArgumentError("Condition key " + Quote(key) +
                                " must be prefaced by a vendor, e.g. \"aws:SourceIp\"");
  }
  c.key = AsciiLower(key);
  if (values.empty()) {
    return InvalidArgumentError("Condition " + std::string(found->name) + " " + Quote(key) +
                                " has no values");
  }
  c.values.reserve(values.size());
  for (const std::string& raw : values) {
    ConditionValue v;
    auto bad = [&](std::string_view what) {
      return InvalidArgumentError("Condition " + std::string(found->name) + " " + Quote(key) +
                                  ": " + Quote(raw) + " is not " + std::string(what));
    };
    switch (c.op) {
      case Operator::kStringEquals:
      case Operator::kStringEqualsIgnoreCase:
      case Operator::kStringLike: {
        auto p = Pattern::Compile(raw, variables);
        if (!p) return InvalidArgumentError("Condition " + Quote(key) + ": " + p.error().message);
        v.text = std::move(*p);
        break;
      }
      case Operator::kArnLike: {
        auto p = Pattern::Compile(raw, variables);
        if (!p) return InvalidArgumentError("Condition " + Quote(key) + ": " + p.error().message);
        v.text = std::move(*p);
        std::array<std::string_view, 6> fields;
        if (SplitArn(raw, variables, &fields)) {
          for (std::string_view f : fields) {
            auto fp = Pattern::Compile(f, variables);
            if (!fp) {
              return InvalidArgumentError("Condition " + Quote(key) + ": " + fp.error().message);
            }
            v.arn.push_back(std::move(*fp));
          }
        }
        break;
      }
      case Operator::kBool:
      case Operator::kNull: {
        std::optional<bool> b = ParseBool(raw);
        if (!b) return bad("\"true\" or \"false\"");
        v.flag = *b;
        break;
      }
      case Operator::kBinaryEquals: {
        if (!Base64Decode(raw)) return bad("base64");
        auto p = Pattern::Compile(raw, /*variables=*/false);
        v.text = std::move(*p);
        break;
      }
      case Operator::kIpAddress: {
        std::optional<IpNetwork> n = ParseIpNetwork(raw);
        if (!n) return bad("an IPv4 or IPv6 address or CIDR block");
        v.network = *n;
        break;
      }
      default:
        if (IsNumeric(c.op)) {
          std::optional<double> n = ParseNumber(raw);
          if (!n) return bad("a number");
          v.number = *n;
        } else if (IsDate(c.op)) {
          std::optional<int64_t> d = ParseDateMillis(raw);
          if (!d) return bad("an ISO 8601 date or epoch seconds");
          v.millis = *d;
        }
        break;
    }
    c.values.push_back(std::move(v));
  }
  return c;
}

bool EvaluateCondition(const Condition& c, const RequestContext& ctx) {
  const std::vector<std::string>* rvs = ctx.Find(c.key);
  if (c.op == Operator::kNull) {
    // "Null": true means the key must be absent, false that it must be present.
    const bool absent = rvs == nullptr;
    for (const ConditionValue& v : c.values) {
      if (v.flag == absent) return true;
    }
    return false;
  }
  if (rvs == nullptr) {
    if (c.if_exists) return true;
    switch (c.qualifier) {
      case SetQualifier::kForAllValues:
        return true;  // vacuously: every one of no values matches
      case SetQualifier::kForAnyValue:
        return false;
      case SetQualifier::kNone:
        return c.negated;
    }
  }
  switch (c.qualifier) {
    case SetQualifier::kNone: {
      // Without a qualifier, a multi-valued key matches when any of its values does; the
      // negated operators hold when none does.
      bool any = false;
      for (const std::string& rv : *rvs) {
        if (AnyPolicyValueMatches(c, rv, ctx)) {
          any = true;
          break;
        }
      }
      return any != c.negated;
    }
    case SetQualifier::kForAnyValue:
      for (const std::string& rv : *rvs) {
        if (AnyPolicyValueMatches(c, rv, ctx) != c.negated) return true;
      }
      return false;
    case SetQualifier::kForAllValues:
      for (const std::string& rv : *rvs) {
        if (AnyPolicyValueMatches(c, rv, ctx) == c.negated) return false;
      }
      return true;
  }
  return false;
}

}  // namespace coffer::policy::internal
