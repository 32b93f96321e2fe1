#include "core/rotation/rotation_schedule.h"

#include <algorithm>
#include <array>
#include <bit>
#include <utility>
#include <vector>

#include "base/strings.h"

namespace coffer::rotation {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::sys_days;

constexpr int64_t kMinAfterDays = 1;
constexpr int64_t kMaxAfterDays = 1000;
constexpr int64_t kMinRateHours = 4;
constexpr int64_t kMaxRateHours = 23;
constexpr int64_t kMaxRateDays = 999;
constexpr unsigned kMinGapHours = 4;
constexpr size_t kMaxExpressionLength = 256;
constexpr size_t kMaxDigits = 4;  // enough for every valid number; keeps parsing overflow-free
constexpr std::string_view kExpressionPattern = "[0-9A-Za-z\\(\\)#\\?\\*\\-\\/, ]+";
constexpr std::string_view kDurationPattern = "[0-9]+h";
constexpr std::string_view kFrequencyLimit =
    "Secrets Manager rotates a secret at most every four hours";

constexpr std::array<std::string_view, 12> kMonthNames = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                                          "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
constexpr std::array<std::string_view, 7> kDayNames = {"SUN", "MON", "TUE", "WED",
                                                       "THU", "FRI", "SAT"};

// The cron fields Secrets Manager lets vary, with their ranges and names.
struct Field {
  std::string_view name;
  unsigned min;
  unsigned max;
  const std::string_view* names;  // names[i] is the value min + i; nullptr when none
};
constexpr Field kHours{"Hours", 0, 23, nullptr};
constexpr Field kDayOfMonth{"Day-of-month", 1, 31, nullptr};
constexpr Field kMonth{"Month", 1, 12, kMonthNames.data()};
constexpr Field kDayOfWeek{"Day-of-week", 1, 7, kDayNames.data()};

// Midnight UTC of 2200-01-01: no window starts at or after it (kLastYear).
constexpr Timestamp kHorizonEnd =
    sys_days(std::chrono::year(RotationSchedule::kLastYear + 1) / std::chrono::January / 1);

Error InvalidParameter(std::string message) {
  return InvalidArgumentError(std::move(message), reason::kInvalidParameter);
}

// Collects model-constraint violations into one ValidationException message, worded like AWS's
// front end (and api/aws_json/shape_validator): "1 validation error detected: Value '0' at
// 'rotationRules.automaticallyAfterDays' failed to satisfy constraint: Member must ...".
class Violations {
 public:
  void Add(std::string_view path, std::string_view value, std::string_view constraint) {
    std::string e = "Value ";
    // Echo only printable text, and not too much of it.
    if (IsPrintableAscii(value)) {
      e += "'";
      e += value.substr(0, kMaxExpressionLength);
      e += value.size() > kMaxExpressionLength ? "...' " : "' ";
    }
    e += "at '";
    e += path;
    e += "' failed to satisfy constraint: ";
    e += constraint;
    items_.push_back(std::move(e));
  }
  std::optional<Error> ToError() const {
    if (items_.empty()) return std::nullopt;
    std::string m =
        std::to_string(items_.size()) +
        (items_.size() == 1 ? " validation error detected: " : " validation errors detected: ");
    for (size_t i = 0; i < items_.size(); ++i) {
      if (i > 0) m += "; ";
      m += items_[i];
    }
    return InvalidArgumentError(std::move(m), reason::kValidation);
  }

 private:
  std::vector<std::string> items_;
};

void CheckLength(Violations& v, std::string_view path, std::string_view s, size_t min, size_t max) {
  if (s.size() < min) {
    v.Add(path, s, "Member must have length greater than or equal to " + std::to_string(min));
  } else if (s.size() > max) {
    v.Add(path, s, "Member must have length less than or equal to " + std::to_string(max));
  }
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }

bool MatchesExpressionPattern(std::string_view s) {
  for (char c : s) {
    bool ok = IsDigit(c) || IsUpper(c) || (c >= 'a' && c <= 'z') ||
              std::string_view("()#?*-/, ").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return !s.empty();
}

bool MatchesDurationPattern(std::string_view s) {
  if (s.size() < 2 || s.back() != 'h') return false;
  for (char c : s.substr(0, s.size() - 1)) {
    if (!IsDigit(c)) return false;
  }
  return true;
}

// A non-negative decimal of 1..kMaxDigits digits.
std::optional<unsigned> Digits(std::string_view s) {
  if (s.empty() || s.size() > kMaxDigits) return std::nullopt;
  unsigned v = 0;
  for (char c : s) {
    if (!IsDigit(c)) return std::nullopt;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  return v;
}

std::vector<std::string_view> Words(std::string_view s) {
  std::vector<std::string_view> out;
  for (std::string_view w : Split(s, ' ')) {
    if (!w.empty()) out.push_back(w);
  }
  return out;
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return out;
}

// Bits lo..hi (inclusive, hi <= 31) every `step`.
uint32_t Bits(unsigned lo, unsigned hi, unsigned step) {
  uint32_t mask = 0;
  for (unsigned v = lo; v <= hi; v += step) mask |= 1u << v;
  return mask;
}

std::string FieldRange(const Field& f) {
  std::string r = std::to_string(f.min) + "-" + std::to_string(f.max);
  if (f.names != nullptr) {
    r += " or ";
    r += f.names[0];
    r += "-";
    r += f.names[f.max - f.min];
  }
  return r;
}

// One value of a field: a number in range or, for Month and Day-of-week, a three-letter name.
Result<unsigned> ParseValue(std::string_view s, const Field& f) {
  if (auto n = Digits(s)) {
    if (*n >= f.min && *n <= f.max) return *n;
  } else if (f.names != nullptr) {
    for (unsigned i = 0; i <= f.max - f.min; ++i) {
      if (f.names[i] == s) return f.min + i;
    }
  }
  return InvalidParameter("'" + std::string(s) + "' is not a valid value in the " +
                          std::string(f.name) + " field (" + FieldRange(f) + ")");
}

// "*", "v", "a-b", each optionally followed by "/step"; "/step" alone starts at the minimum.
Result<uint32_t> ParseRange(std::string_view item, const Field& f) {
  std::string_view base = item;
  std::optional<std::string_view> step_text;
  if (size_t slash = item.find('/'); slash != std::string_view::npos) {
    base = item.substr(0, slash);
    step_text = item.substr(slash + 1);
  }
  unsigned lo = f.min;
  unsigned hi = f.max;
  if (base.empty() && !step_text) {
    return InvalidParameter("the " + std::string(f.name) + " field has an empty value");
  }
  if (!base.empty() && base != "*") {
    size_t dash = base.find('-');
    COFFER_ASSIGN_OR_RETURN(lo, ParseValue(base.substr(0, dash), f));
    if (dash != std::string_view::npos) {
      COFFER_ASSIGN_OR_RETURN(hi, ParseValue(base.substr(dash + 1), f));
      if (lo > hi) {
        return InvalidParameter("the range " + std::string(base) + " in the " +
                                std::string(f.name) + " field ends before it starts");
      }
    } else if (!step_text) {
      hi = lo;
    }
  }
  unsigned step = 1;
  if (step_text) {
    auto n = Digits(*step_text);
    if (!n || *n < 1 || *n > f.max) {
      return InvalidParameter("the increment '" + std::string(*step_text) + "' in the " +
                              std::string(f.name) + " field must be between 1 and " +
                              std::to_string(f.max));
    }
    step = *n;
  }
  return Bits(lo, hi, step);
}

Result<uint32_t> ParsePlainField(std::string_view text, const Field& f) {
  uint32_t mask = 0;
  for (std::string_view item : Split(text, ',')) {
    if (item.find_first_of("?L#") != std::string_view::npos && item != "?" && f.names == nullptr) {
      return InvalidParameter("'" + std::string(item) + "' is not allowed in the " +
                              std::string(f.name) +
                              " field: ? and L belong in Day-of-month or Day-of-week, # in "
                              "Day-of-week");
    }
    if (item == "?") {
      return InvalidParameter("? is only allowed in the Day-of-month and Day-of-week fields");
    }
    COFFER_ASSIGN_OR_RETURN(uint32_t bits, ParseRange(item, f));
    mask |= bits;
  }
  return mask;
}

std::string ExpressionError(std::string_view expression, std::string_view detail) {
  return "Invalid ScheduleExpression '" + std::string(expression) + "': " + std::string(detail) +
         ".";
}

// The "N unit" inside rate(...).
Result<std::pair<RotationSchedule::Kind, int64_t>> ParseRate(std::string_view inner) {
  std::vector<std::string_view> words = Words(inner);
  if (words.size() != 2) {
    return InvalidParameter("a rate expression is rate(Value Unit), e.g. rate(10 days)");
  }
  std::string_view unit = words[1];
  bool in_hours = unit == "hour" || unit == "hours";
  bool in_days = unit == "day" || unit == "days";
  if (!in_hours && !in_days) {
    return InvalidParameter(
        "the unit of a rate expression must be hour, hours, day or days, not '" +
        std::string(unit) + "'");
  }
  auto value = Digits(words[0]);
  if (!value || *value == 0) {
    return InvalidParameter("the value of a rate expression must be a positive integer, not '" +
                            std::string(words[0]) + "'");
  }
  if (in_hours && *value < kMinRateHours) return InvalidParameter(std::string(kFrequencyLimit));
  if (in_hours && *value > kMaxRateHours) {
    return InvalidParameter(
        "a rate in hours must be between 4 and 23 hours; use days for longer "
        "intervals");
  }
  if (in_days && *value > kMaxRateDays) {
    return InvalidParameter("a rate in days must be between 1 and 999 days");
  }
  return std::pair{
      in_hours ? RotationSchedule::Kind::kRateHours : RotationSchedule::Kind::kRateDays,
      static_cast<int64_t>(*value)};
}

unsigned DaysInMonth(int year, unsigned month) {
  std::chrono::year_month_day_last last{std::chrono::year(year),
                                        std::chrono::month_day_last{std::chrono::month(month)}};
  return static_cast<unsigned>(last.day());
}

}  // namespace

uint32_t RotationSchedule::CronDays(int year, unsigned month) const {
  const unsigned last = DaysInMonth(year, month);
  if (!cron_.by_weekday) {
    uint32_t mask = cron_.days & Bits(1, last, 1);
    if (cron_.last_day) mask |= 1u << last;
    return mask;
  }
  const sys_days first = std::chrono::year(year) / std::chrono::month(month) / 1;
  const unsigned first_weekday = std::chrono::weekday(first).c_encoding();  // 0 = Sunday
  uint32_t mask = 0;
  for (unsigned d = 1; d <= last; ++d) {
    const unsigned w = (first_weekday + d - 1) % 7 + 1;  // 1 = SUN, as in cron
    const unsigned nth = (d - 1) / 7 + 1;
    const bool hit = (cron_.weekdays >> w & 1u) != 0 || (cron_.nth[w] >> nth & 1u) != 0 ||
                     ((cron_.last_weekdays >> w & 1u) != 0 && d + 7 > last);
    if (hit) mask |= 1u << d;
  }
  return mask;
}

Result<RotationSchedule> RotationSchedule::Parse(const RotationRules& rules) {
  // Model constraints first, as AWS's front end checks them before the service sees the call.
  Violations v;
  if (rules.automatically_after_days) {
    int64_t d = *rules.automatically_after_days;
    std::string shown = std::to_string(d);
    if (d < kMinAfterDays) {
      v.Add("rotationRules.automaticallyAfterDays", shown,
            "Member must have value greater than or equal to 1");
    } else if (d > kMaxAfterDays) {
      v.Add("rotationRules.automaticallyAfterDays", shown,
            "Member must have value less than or equal to 1000");
    }
  }
  if (rules.duration) {
    const std::string& d = *rules.duration;
    CheckLength(v, "rotationRules.duration", d, 2, 3);
    if (!MatchesDurationPattern(d)) {
      v.Add("rotationRules.duration", d,
            "Member must satisfy regular expression pattern: " + std::string(kDurationPattern));
    }
  }
  if (rules.schedule_expression) {
    const std::string& e = *rules.schedule_expression;
    CheckLength(v, "rotationRules.scheduleExpression", e, 1, kMaxExpressionLength);
    if (!e.empty() && !MatchesExpressionPattern(e)) {
      v.Add("rotationRules.scheduleExpression", e,
            "Member must satisfy regular expression pattern: " + std::string(kExpressionPattern));
    }
  }
  if (auto e = v.ToError()) return *std::move(e);

  // AWS's own words for this case (seen from terraform-provider-aws#33329).
  if (rules.automatically_after_days && rules.schedule_expression) {
    return InvalidParameter(
        "You cannot specify both rotation frequency and schedule expression together.");
  }
  if (!rules.automatically_after_days && !rules.schedule_expression) {
    return InvalidParameter(
        "RotationRules must contain either AutomaticallyAfterDays or ScheduleExpression.");
  }

  RotationSchedule s;
  s.rules_ = rules;
  bool in_hours = false;       // a schedule in hours: several windows a day
  unsigned latest_hour = 0;    // the hour the day's last window opens (UTC-day check)
  unsigned spacing_hours = 0;  // hours between windows, for schedules in hours
  if (rules.automatically_after_days) {
    s.kind_ = Kind::kAutomaticallyAfterDays;
    s.count_ = *rules.automatically_after_days;
  } else {
    const std::string& expr = *rules.schedule_expression;
    const bool is_rate = expr.rfind("rate(", 0) == 0;
    const bool is_cron = expr.rfind("cron(", 0) == 0;
    if ((!is_rate && !is_cron) || expr.back() != ')') {
      return InvalidParameter(ExpressionError(expr,
                                              "use rate(Value Unit) or cron(Minutes Hours "
                                              "Day-of-month Month Day-of-week Year)"));
    }
    std::string_view inner = std::string_view(expr).substr(5, expr.size() - 6);
    if (inner.find_first_of("()") != std::string_view::npos) {
      return InvalidParameter(ExpressionError(expr, "unexpected parenthesis"));
    }
    if (is_rate) {
      auto rate = ParseRate(inner);
      if (!rate) return InvalidParameter(ExpressionError(expr, rate.error().message));
      s.kind_ = rate->first;
      s.count_ = rate->second;
      in_hours = s.kind_ == Kind::kRateHours;
      spacing_hours = static_cast<unsigned>(s.count_);
    } else {
      s.kind_ = Kind::kCron;
      auto checked = s.ParseCron(inner);
      if (!checked) return InvalidParameter(ExpressionError(expr, checked.error().message));
      in_hours = std::popcount(s.cron_.hours) > 1;
      latest_hour = 31 - static_cast<unsigned>(std::countl_zero(s.cron_.hours));
      spacing_hours = *checked;
    }
  }

  // The window: Duration, else one hour (schedules in hours) or the rest of the UTC day.
  unsigned window_hours = in_hours ? 1 : 24 - latest_hour;
  if (rules.duration) {
    const std::string& d = *rules.duration;
    unsigned h = *Digits(std::string_view(d).substr(0, d.size() - 1));
    if (h < 1 || h > 24) {
      return InvalidParameter("Invalid Duration '" + d +
                              "': the rotation window must be between 1h and 24h.");
    }
    if (in_hours && h > spacing_hours) {
      return InvalidParameter("Invalid Duration '" + d +
                              "': the rotation window must not extend into the next rotation "
                              "window, " +
                              std::to_string(spacing_hours) + " hours later.");
    }
    // rate(N hours) windows follow the last rotation, not the clock, so only the rule above
    // applies to them.
    if (s.kind_ != Kind::kRateHours && latest_hour + h > 24) {
      return InvalidParameter("Invalid Duration '" + d +
                              "': the rotation window must not extend into the next UTC day; it "
                              "opens at " +
                              std::to_string(latest_hour) + ":00.");
    }
    window_hours = h;
  }
  s.window_ = hours(window_hours);

  switch (s.kind_) {
    case Kind::kAutomaticallyAfterDays:
    case Kind::kRateDays:
      s.canonical_ = s.count_ == 1 ? "rate(1 day)" : "rate(" + std::to_string(s.count_) + " days)";
      break;
    case Kind::kRateHours:
      s.canonical_ = "rate(" + std::to_string(s.count_) + " hours)";
      break;
    case Kind::kCron:
      break;  // ParseCron set it
  }
  return s;
}

Result<unsigned> RotationSchedule::ParseCron(std::string_view inner) {
  std::vector<std::string_view> words = Words(inner);
  if (words.size() != 6) {
    return InvalidParameter(
        "a cron expression has 6 fields (Minutes Hours Day-of-month Month Day-of-week Year), "
        "not " +
        std::to_string(words.size()));
  }
  // Names and L are case-insensitive; the canonical form is upper case.
  std::vector<std::string> tokens;
  for (std::string_view w : words) tokens.push_back(Upper(w));
  const std::string& dom = tokens[2];
  const std::string& dow = tokens[4];
  if (auto m = Digits(tokens[0]); !m || *m != 0) {
    return InvalidParameter(
        "the Minutes field must be 0, because rotation windows open on the "
        "hour");
  }
  if (tokens[5] != "*") return InvalidParameter("the Year field must be *");
  COFFER_ASSIGN_OR_RETURN(cron_.hours, ParsePlainField(tokens[1], kHours));
  COFFER_ASSIGN_OR_RETURN(cron_.months, ParsePlainField(tokens[3], kMonth));
  if ((dom == "?") == (dow == "?")) {
    return InvalidParameter("use ? in exactly one of the Day-of-month and Day-of-week fields");
  }
  cron_.by_weekday = dom == "?";
  if (!cron_.by_weekday) {
    for (std::string_view item : Split(dom, ',')) {
      if (item.find('W') != std::string_view::npos) {
        return InvalidParameter("W (nearest weekday) is not supported in Day-of-month");
      }
      if (item == "L") {
        cron_.last_day = true;
        continue;
      }
      if (item.find_first_of("L#?") != std::string_view::npos) {
        return InvalidParameter("'" + std::string(item) +
                                "' is not allowed in the Day-of-month field: L (last day of the "
                                "month) stands alone, # belongs in Day-of-week and ? must be the "
                                "whole field");
      }
      COFFER_ASSIGN_OR_RETURN(uint32_t bits, ParseRange(item, kDayOfMonth));
      cron_.days |= bits;
    }
  } else {
    for (std::string_view item : Split(dow, ',')) {
      if (item == "L") {
        cron_.weekdays |= 1u << kDayOfWeek.max;  // L alone: the last day of the week, SAT
        continue;
      }
      if (size_t hash = item.find('#'); hash != std::string_view::npos) {
        COFFER_ASSIGN_OR_RETURN(unsigned w, ParseValue(item.substr(0, hash), kDayOfWeek));
        auto n = Digits(item.substr(hash + 1));
        if (!n || *n < 1 || *n > 5) {
          return InvalidParameter("'" + std::string(item) +
                                  "' must name a day of the week and its occurrence in the month "
                                  "(1-5), e.g. MON#2");
        }
        cron_.nth[w] |= 1u << *n;
        continue;
      }
      if (item.size() > 1 && item.back() == 'L') {
        COFFER_ASSIGN_OR_RETURN(unsigned w,
                                ParseValue(item.substr(0, item.size() - 1), kDayOfWeek));
        cron_.last_weekdays |= 1u << w;
        continue;
      }
      if (item.find_first_of("L?") != std::string_view::npos) {
        return InvalidParameter("'" + std::string(item) +
                                "' is not allowed in the Day-of-week field: L stands alone or "
                                "after a day (FRIL) and ? must be the whole field");
      }
      COFFER_ASSIGN_OR_RETURN(uint32_t bits, ParseRange(item, kDayOfWeek));
      cron_.weekdays |= bits;
    }
  }

  // Gaps between windows: within a day, and overnight from the day's last to the next day's first.
  const unsigned first = static_cast<unsigned>(std::countr_zero(cron_.hours));
  const unsigned last = 31 - static_cast<unsigned>(std::countl_zero(cron_.hours));
  unsigned within_day = 24;
  for (unsigned h = first + 1, prev = first; h <= last; ++h) {
    if ((cron_.hours >> h & 1u) != 0) {
      within_day = std::min(within_day, h - prev);
      prev = h;
    }
  }
  if (within_day < kMinGapHours) return InvalidParameter(std::string(kFrequencyLimit));
  // The overnight gap only counts when the schedule selects two consecutive days somewhere.
  const bool overnight_too_short = first != last && 24 - last + first < kMinGapHours;

  // The pattern of days repeats every 400 years (146097 days, a whole number of weeks), so one
  // cycle decides whether the schedule ever fires and whether it fires on consecutive days. The
  // scan stops as soon as both questions are answered.
  constexpr int kCycleStart = 2000;
  constexpr int kCycleEnd = 2400;  // its January closes the cycle (December 31 -> January 1)
  bool fires = false;
  bool consecutive_days = false;
  bool previous_last_day = false;
  for (int y = kCycleStart; y <= kCycleEnd; ++y) {
    for (unsigned m = 1; m <= (y == kCycleEnd ? 1u : 12u); ++m) {
      const uint32_t mask = (cron_.months >> m & 1u) != 0 ? CronDays(y, m) : 0;
      fires = fires || mask != 0;
      consecutive_days =
          consecutive_days || (mask & (mask >> 1)) != 0 || (previous_last_day && (mask & 2u) != 0);
      previous_last_day = (mask >> DaysInMonth(y, m) & 1u) != 0;
      if (fires && (consecutive_days || !overnight_too_short)) break;
    }
    if (fires && (consecutive_days || !overnight_too_short)) break;
  }
  if (!fires) return InvalidParameter("the schedule never matches a date");
  if (overnight_too_short && consecutive_days) {
    return InvalidParameter(std::string(kFrequencyLimit));
  }
  canonical_ = "cron(" + Join(tokens, " ") + ")";
  return within_day;
}

std::optional<Timestamp> RotationSchedule::NextCronStart(Timestamp after) const {
  // Windows open at HH:00:00.000, so the first candidate is the next whole hour.
  const auto start = std::chrono::floor<hours>(after) + hours(1);
  const sys_days day0 = std::chrono::floor<days>(start);
  const std::chrono::year_month_day ymd0(day0);
  const int y0 = static_cast<int>(ymd0.year());
  const unsigned m0 = static_cast<unsigned>(ymd0.month());
  const unsigned d0 = static_cast<unsigned>(ymd0.day());
  const unsigned h0 = static_cast<unsigned>((start - day0).count());
  // At most (kLastYear - y0 + 1) * 12 months of at most 31 days each: bounded.
  for (int y = y0; y <= kLastYear; ++y) {
    for (unsigned m = (y == y0 ? m0 : 1); m <= 12; ++m) {
      if ((cron_.months >> m & 1u) == 0) continue;
      const bool first_month = y == y0 && m == m0;
      uint32_t mask = CronDays(y, m);
      if (first_month) mask &= ~((1u << d0) - 1);  // days d0..31
      for (; mask != 0; mask &= mask - 1) {
        const unsigned d = static_cast<unsigned>(std::countr_zero(mask));
        uint32_t hrs = cron_.hours;
        if (first_month && d == d0) hrs &= ~((1u << h0) - 1);  // hours h0..23
        if (hrs == 0) continue;
        const sys_days day = std::chrono::year(y) / std::chrono::month(m) / std::chrono::day(d);
        return Timestamp(day + hours(std::countr_zero(hrs)));
      }
    }
  }
  return std::nullopt;
}

std::optional<Timestamp> RotationSchedule::NextWindowStart(Timestamp after) const {
  const Timestamp floor_time = FromUnixMillis(-1);
  if (after < floor_time) after = floor_time;
  if (after >= kHorizonEnd) return std::nullopt;
  Timestamp next;
  switch (kind_) {
    case Kind::kAutomaticallyAfterDays:
    case Kind::kRateDays:
      // AWS counts days from the last rotation's UTC day; the window opens at midnight.
      next = Timestamp(std::chrono::floor<days>(after) + days(count_));
      break;
    case Kind::kRateHours:
      next = Timestamp(std::chrono::floor<hours>(after) + hours(count_));
      break;
    case Kind::kCron:
      return NextCronStart(after);
  }
  if (next >= kHorizonEnd) return std::nullopt;
  return next;
}

std::optional<Timestamp> RotationSchedule::NextRotationDate(std::optional<Timestamp> last_rotated,
                                                            Timestamp created) const {
  auto start = NextWindowStart(last_rotated.value_or(created));
  if (!start) return std::nullopt;
  return *start + window_ - std::chrono::seconds(1);
}

std::string RotationSchedule::ToString() const { return canonical_; }

RotationRules RotationSchedule::ToRotationRules() const {
  RotationRules out = rules_;
  // "In DescribeSecret and ListSecrets, this value is calculated from the rotation schedule".
  if (kind_ == Kind::kRateDays) out.automatically_after_days = count_;
  return out;
}

}  // namespace coffer::rotation
