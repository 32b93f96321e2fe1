#include "core/rotation/rotation_schedule.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "core/secrets/errors.h"

namespace coffer::rotation {
namespace {

using std::chrono::hours;
using std::chrono::seconds;
using ::testing::HasSubstr;

// The Secrets Manager adapter maps secrets::reason; these must stay the same strings.
static_assert(reason::kValidation == secrets::reason::kValidation);
static_assert(reason::kInvalidParameter == secrets::reason::kInvalidParameter);

Timestamp T(const char* iso) {
  auto t = ParseIso8601(iso);
  EXPECT_TRUE(t.has_value()) << iso;
  return t.value_or(Timestamp{});
}

std::string Show(std::optional<Timestamp> t) { return t ? FormatIso8601(*t) : "none"; }

RotationRules Expr(std::string e, std::optional<std::string> duration = std::nullopt) {
  return {std::nullopt, std::move(e), std::move(duration)};
}
RotationRules Days(int64_t n, std::optional<std::string> duration = std::nullopt) {
  return {n, std::nullopt, std::move(duration)};
}

RotationSchedule MustParse(const RotationRules& rules) {
  auto s = RotationSchedule::Parse(rules);
  EXPECT_TRUE(s.has_value()) << rules.schedule_expression.value_or("(days)") << ": "
                             << (s ? "" : s.error().message);
  if (!s) std::abort();
  return *std::move(s);
}

struct NextCase {
  RotationRules rules;
  const char* after;
  const char* expected;  // "none" when no window starts by the end of 2199
};

TEST(RotationScheduleTest, NextWindowStartMatchesAwsArithmetic) {
  const std::vector<NextCase> cases = {
      // AutomaticallyAfterDays / rate(N days): N days after the last rotation's UTC day.
      {Days(1), "2024-03-10T15:00:00Z", "2024-03-11T00:00:00Z"},
      {Days(30), "2024-01-31T23:59:59.999Z", "2024-03-01T00:00:00Z"},  // leap February
      {Days(30), "2023-01-31T00:00:00Z", "2023-03-02T00:00:00Z"},
      {Days(1000), "2024-01-01T12:00:00Z", "2026-09-27T00:00:00Z"},
      {Expr("rate(10 days)"), "2024-02-25T12:00:00Z", "2024-03-06T00:00:00Z"},
      {Expr("rate(10 days)"), "2023-02-25T12:00:00Z", "2023-03-07T00:00:00Z"},
      {Expr("rate(1 day)"), "2024-12-31T23:30:00Z", "2025-01-01T00:00:00Z"},
      {Expr("rate(1 days)"), "2024-12-31T00:00:00Z", "2025-01-01T00:00:00Z"},
      {Expr("rate(999 days)"), "2199-01-01T00:00:00Z", "none"},
      // rate(N hours): N hours after the last rotation's hour.
      {Expr("rate(4 hours)"), "2024-03-10T10:30:00Z", "2024-03-10T14:00:00Z"},
      {Expr("rate(4 hours)"), "2024-03-10T10:00:00Z", "2024-03-10T14:00:00Z"},
      {Expr("rate(23 hours)"), "2024-12-31T05:10:00Z", "2025-01-01T04:00:00Z"},
      // cron: the next matching hour, strictly after.
      {Expr("cron(0 10 * * ? *)"), "2024-03-10T09:59:59.999Z", "2024-03-10T10:00:00Z"},
      {Expr("cron(0 10 * * ? *)"), "2024-03-10T10:00:00Z", "2024-03-11T10:00:00Z"},
      {Expr("cron(0 4/12 * * ? *)"), "2024-03-10T05:00:00Z", "2024-03-10T16:00:00Z"},
      {Expr("cron(0 4/12 * * ? *)"), "2024-03-10T16:00:00Z", "2024-03-11T04:00:00Z"},
      {Expr("cron(0 2/10 * * ? *)"), "2024-03-10T12:00:00Z", "2024-03-10T22:00:00Z"},
      {Expr("cron(0 2/10 * * ? *)"), "2024-03-10T22:00:00Z", "2024-03-11T02:00:00Z"},
      {Expr("cron(0 /8 * * ? *)"), "2024-03-10T08:00:00Z", "2024-03-10T16:00:00Z"},
      {Expr("cron(0 */6 * * ? *)"), "2024-03-10T19:00:00Z", "2024-03-11T00:00:00Z"},
      {Expr("cron(0 9-17/4 * * ? *)"), "2024-03-10T13:00:00Z", "2024-03-10T17:00:00Z"},
      // Month ends and leap years.
      {Expr("cron(0 8 L * ? *)"), "2024-02-10T00:00:00Z", "2024-02-29T08:00:00Z"},
      {Expr("cron(0 8 L * ? *)"), "2023-02-10T00:00:00Z", "2023-02-28T08:00:00Z"},
      {Expr("cron(0 8 L * ? *)"), "2024-04-30T08:00:00Z", "2024-05-31T08:00:00Z"},
      {Expr("cron(0 0 31 * ? *)"), "2024-04-01T00:00:00Z", "2024-05-31T00:00:00Z"},
      {Expr("cron(0 0 29 2 ? *)"), "2024-03-01T00:00:00Z", "2028-02-29T00:00:00Z"},
      {Expr("cron(0 0 29 FEB ? *)"), "2096-03-01T00:00:00Z", "2104-02-29T00:00:00Z"},  // 2100
      {Expr("cron(0 16 1,15 * ? *)"), "2024-03-01T16:00:00Z", "2024-03-15T16:00:00Z"},
      {Expr("cron(0 0 1 JAN,JUL ? *)"), "2024-07-01T00:00:00Z", "2025-01-01T00:00:00Z"},
      {Expr("cron(0 0 1-7 * ? *)"), "2024-01-07T00:00:00Z", "2024-02-01T00:00:00Z"},
      {Expr("cron(0 0 1/10 * ? *)"), "2024-01-21T00:00:00Z", "2024-01-31T00:00:00Z"},
      // Day-of-week: names, numbers (1 = SUN), #, L.
      {Expr("cron(0 18 ? * SAT *)"), "2024-03-10T00:00:00Z", "2024-03-16T18:00:00Z"},
      {Expr("cron(0 18 ? * 7 *)"), "2024-03-10T00:00:00Z", "2024-03-16T18:00:00Z"},
      {Expr("cron(0 0 ? * L *)"), "2024-03-10T00:00:00Z", "2024-03-16T00:00:00Z"},
      {Expr("cron(0 8 ? * MON-FRI *)"), "2024-03-08T09:00:00Z", "2024-03-11T08:00:00Z"},
      {Expr("cron(0 9 ? * mon *)"), "2024-03-10T00:00:00Z", "2024-03-11T09:00:00Z"},
      {Expr("cron(0 0 ? * SUN#1 *)"), "2024-03-04T00:00:00Z", "2024-04-07T00:00:00Z"},
      {Expr("cron(0 0 ? * 6#5 *)"), "2024-01-01T00:00:00Z", "2024-03-29T00:00:00Z"},
      {Expr("cron(0 21 ? * FRIL *)"), "2024-03-01T00:00:00Z", "2024-03-29T21:00:00Z"},
      {Expr("cron(0 21 ? * 6L *)"), "2024-03-29T21:00:00Z", "2024-04-26T21:00:00Z"},
      {Expr("cron(0 1 ? 1/3 SUN *)"), "2024-02-01T00:00:00Z", "2024-04-07T01:00:00Z"},
      {Expr("cron(0 10 ? FEB,MAY,AUG,NOV TUE#2 *)"), "2024-11-13T00:00:00Z",
       "2025-02-11T10:00:00Z"},
      // UTC only: daylight-saving changes (US 2024-03-10, EU 2024-03-31) change nothing.
      {Expr("cron(0 2 * * ? *)"), "2024-03-10T01:59:00Z", "2024-03-10T02:00:00Z"},
      {Expr("cron(0 2 * * ? *)"), "2024-03-31T01:00:00Z", "2024-03-31T02:00:00Z"},
      {Expr("cron(0 1 * * ? *)"), "2024-10-27T00:30:00Z", "2024-10-27T01:00:00Z"},
      // The horizon: nothing after 2199.
      {Expr("cron(0 12 31 12 ? *)"), "2199-12-31T11:00:00Z", "2199-12-31T12:00:00Z"},
      {Expr("cron(0 12 31 12 ? *)"), "2199-12-31T12:00:00Z", "none"},
      {Expr("cron(0 12 * * ? *)"), "9999-01-01T00:00:00Z", "none"},
      // Before 1970 counts as the start of 1970.
      {Expr("cron(0 0 * * ? *)"), "1900-01-01T00:00:00Z", "1970-01-01T00:00:00Z"},
  };
  for (const NextCase& c : cases) {
    RotationSchedule s = MustParse(c.rules);
    EXPECT_EQ(Show(s.NextWindowStart(T(c.after))), c.expected)
        << s.ToString() << " after " << c.after;
  }
}

// An independent oracle: walk hour by hour and test each hour with a plain predicate.
TEST(RotationScheduleTest, CronAgreesWithHourByHourSearch) {
  using Pred =
      std::function<bool(const std::chrono::year_month_day&, unsigned weekday, unsigned hour)>;
  auto last_day = [](const std::chrono::year_month_day& d) {
    return static_cast<unsigned>(
        std::chrono::year_month_day_last(d.year(), std::chrono::month_day_last(d.month())).day());
  };
  auto day = [](const std::chrono::year_month_day& d) { return static_cast<unsigned>(d.day()); };
  struct OracleCase {
    const char* expr;
    Pred pred;  // weekday: 0 = Sunday
  };
  const std::vector<OracleCase> cases = {
      {"cron(0 8 L * ? *)",
       [&](auto& d, unsigned, unsigned h) { return h == 8 && day(d) == last_day(d); }},
      {"cron(0 3,15 ? * TUE#3 *)",
       [&](auto& d, unsigned w, unsigned h) {
         return (h == 3 || h == 15) && w == 2 && (day(d) - 1) / 7 == 2;
       }},
      {"cron(0 23 ? * SUNL *)",
       [&](auto& d, unsigned w, unsigned h) {
         return h == 23 && w == 0 && day(d) + 7 > last_day(d);
       }},
      {"cron(0 0/5 29-31 * ? *)",
       [&](auto& d, unsigned, unsigned h) { return h % 5 == 0 && day(d) >= 29; }},
      {"cron(0 6 ? MAR-MAY MON,WED-FRI *)",
       [&](auto& d, unsigned w, unsigned h) {
         unsigned m = static_cast<unsigned>(d.month());
         return h == 6 && m >= 3 && m <= 5 && (w == 1 || (w >= 3 && w <= 5));
       }},
  };
  for (const OracleCase& c : cases) {
    RotationSchedule s = MustParse(Expr(c.expr));
    // Starting points every 37 hours plus 17 minutes across 2023-2025 (leap 2024 included).
    for (Timestamp after = T("2023-01-01T00:00:00Z"); after < T("2025-12-01T00:00:00Z");
         after += hours(37) + std::chrono::minutes(17)) {
      std::optional<Timestamp> expected;
      for (auto t = std::chrono::floor<hours>(after) + hours(1); t < after + hours(24 * 400);
           t += hours(1)) {
        auto d = std::chrono::floor<std::chrono::days>(t);
        std::chrono::year_month_day ymd(d);
        unsigned w = std::chrono::weekday(d).c_encoding();
        if (c.pred(ymd, w, static_cast<unsigned>((t - d).count()))) {
          expected = Timestamp(t);
          break;
        }
      }
      ASSERT_EQ(Show(s.NextWindowStart(after)), Show(expected))
          << c.expr << " after " << FormatIso8601(after, true);
    }
  }
}

struct WindowCase {
  RotationRules rules;
  seconds window;
};

TEST(RotationScheduleTest, WindowDefaultsAndDurations) {
  const std::vector<WindowCase> cases = {
      {Days(30), hours(24)},  // the whole UTC day
      {Days(30, "3h"), hours(3)},
      {Expr("rate(10 days)"), hours(24)},
      {Expr("rate(10 days)", "24h"), hours(24)},
      {Expr("rate(1 day)", "1h"), hours(1)},
      {Expr("rate(4 hours)"), hours(1)},  // schedules in hours: one hour
      {Expr("rate(4 hours)", "4h"), hours(4)},
      {Expr("rate(12 hours)", "12h"), hours(12)},
      {Expr("cron(0 10 * * ? *)"), hours(14)},  // from 10:00 to the end of the day
      {Expr("cron(0 0 * * ? *)"), hours(24)},
      {Expr("cron(0 23 L * ? *)"), hours(1)},
      {Expr("cron(0 16 1,15 * ? *)", "2h"), hours(2)},
      {Expr("cron(0 8/8 * * ? *)"), hours(1)},  // 8, 16: in hours
      {Expr("cron(0 8/8 * * ? *)", "8h"), hours(8)},
      {Expr("cron(0 0/8 * * ? *)", "8h"), hours(8)},
      {Expr("cron(0 4/12 * * ? *)", "8h"), hours(8)},
      {Expr("cron(0 20 * * ? *)", "4h"), hours(4)},
      {Expr("cron(0 20 * * ? *)", "04h"), hours(4)},
  };
  for (const WindowCase& c : cases) {
    RotationSchedule s = MustParse(c.rules);
    EXPECT_EQ(s.window().count(), c.window.count())
        << s.ToString() << " " << c.rules.duration.value_or("(no Duration)");
  }
}

TEST(RotationScheduleTest, NextRotationDateIsTheLastSecondOfTheNextWindow) {
  RotationSchedule days = MustParse(Days(30));
  EXPECT_EQ(Show(days.NextRotationDate(T("2024-01-15T13:45:00Z"), T("2020-01-01T00:00:00Z"))),
            "2024-02-14T23:59:59Z");
  // Never rotated: counted from `created`.
  EXPECT_EQ(Show(days.NextRotationDate(std::nullopt, T("2024-01-15T13:45:00Z"))),
            "2024-02-14T23:59:59Z");
  RotationSchedule short_window = MustParse(Expr("rate(7 days)", "3h"));
  EXPECT_EQ(
      Show(short_window.NextRotationDate(T("2024-02-26T08:00:00Z"), T("2024-01-01T00:00:00Z"))),
      "2024-03-04T02:59:59Z");
  RotationSchedule cron = MustParse(Expr("cron(0 16 1,15 * ? *)", "2h"));
  EXPECT_EQ(Show(cron.NextRotationDate(T("2024-03-01T16:20:00Z"), T("2024-01-01T00:00:00Z"))),
            "2024-03-15T17:59:59Z");
  RotationSchedule daily = MustParse(Expr("cron(0 10 * * ? *)"));
  EXPECT_EQ(Show(daily.NextRotationDate(std::nullopt, T("2024-03-10T09:00:00Z"))),
            "2024-03-10T23:59:59Z");
  RotationSchedule hourly = MustParse(Expr("rate(6 hours)"));
  EXPECT_EQ(Show(hourly.NextRotationDate(T("2024-03-10T22:15:00Z"), T("2024-01-01T00:00:00Z"))),
            "2024-03-11T04:59:59Z");
  // A rotation that never happened leaves a date in the past, as AWS reports it.
  EXPECT_EQ(Show(daily.NextRotationDate(T("2020-01-01T11:00:00Z"), T("2019-01-01T00:00:00Z"))),
            "2020-01-02T23:59:59Z");
  EXPECT_EQ(Show(daily.NextRotationDate(T("2300-01-01T00:00:00Z"), T("2019-01-01T00:00:00Z"))),
            "none");
}

struct CanonicalCase {
  RotationRules rules;
  RotationSchedule::Kind kind;
  const char* canonical;
};

TEST(RotationScheduleTest, ToStringIsCanonical) {
  using K = RotationSchedule::Kind;
  const std::vector<CanonicalCase> cases = {
      {Days(1), K::kAutomaticallyAfterDays, "rate(1 day)"},
      {Days(30), K::kAutomaticallyAfterDays, "rate(30 days)"},
      {Expr("rate(1 days)"), K::kRateDays, "rate(1 day)"},
      {Expr("rate(10 day)"), K::kRateDays, "rate(10 days)"},
      {Expr("rate(  12   hours )"), K::kRateHours, "rate(12 hours)"},
      {Expr("rate(004 hours)"), K::kRateHours, "rate(4 hours)"},
      {Expr("cron(0   8 l *  ? *)"), K::kCron, "cron(0 8 L * ? *)"},
      {Expr("cron(0 10 ? feb,may tue#2 *)"), K::kCron, "cron(0 10 ? FEB,MAY TUE#2 *)"},
  };
  for (const CanonicalCase& c : cases) {
    RotationSchedule s = MustParse(c.rules);
    EXPECT_EQ(s.ToString(), c.canonical);
    EXPECT_EQ(s.kind(), c.kind) << c.canonical;
    // The canonical form parses to the same schedule.
    EXPECT_EQ(MustParse(Expr(s.ToString())).ToString(), c.canonical);
  }
}

TEST(RotationScheduleTest, ToRotationRulesEchoesWhatWasGiven) {
  RotationRules days = MustParse(Days(30, "3h")).ToRotationRules();
  EXPECT_EQ(days.automatically_after_days, 30);
  EXPECT_EQ(days.schedule_expression, std::nullopt);
  EXPECT_EQ(days.duration, "3h");

  // The expression comes back verbatim; AutomaticallyAfterDays is computed for days.
  RotationRules rate = MustParse(Expr("rate(10  days)")).ToRotationRules();
  EXPECT_EQ(rate.schedule_expression, "rate(10  days)");
  EXPECT_EQ(rate.automatically_after_days, 10);
  EXPECT_EQ(rate.duration, std::nullopt);

  RotationRules cron = MustParse(Expr("cron(0 8/8 * * ? *)", "2h")).ToRotationRules();
  EXPECT_EQ(cron.schedule_expression, "cron(0 8/8 * * ? *)");
  EXPECT_EQ(cron.automatically_after_days, std::nullopt);
  EXPECT_EQ(cron.duration, "2h");
}

struct InvalidCase {
  RotationRules rules;
  std::string_view reason;
  const char* message;  // a substring of the message
};

TEST(RotationScheduleTest, RejectsWhatSecretsManagerRejects) {
  constexpr std::string_view kV = reason::kValidation;
  constexpr std::string_view kP = reason::kInvalidParameter;
  constexpr const char* kTooOften = "at most every four hours";
  const std::vector<InvalidCase> cases = {
      // Which members.
      {{30, "rate(30 days)", std::nullopt},
       kP,
       "You cannot specify both rotation frequency and schedule expression together."},
      {{std::nullopt, std::nullopt, "3h"},
       kP,
       "either AutomaticallyAfterDays or ScheduleExpression"},
      {{}, kP, "either AutomaticallyAfterDays or ScheduleExpression"},
      // Model constraints: ValidationException.
      {Days(0), kV,
       "1 validation error detected: Value '0' at 'rotationRules.automaticallyAfterDays' failed to "
       "satisfy constraint: Member must have value greater than or equal to 1"},
      {Days(-5), kV, "Value '-5' at 'rotationRules.automaticallyAfterDays'"},
      {Days(1001), kV, "Member must have value less than or equal to 1000"},
      {Expr(""), kV, "Member must have length greater than or equal to 1"},
      {Expr("rate(" + std::string(300, '1') + " days)"), kV,
       "Member must have length less than or equal to 256"},
      {Expr("rate(1 day);"), kV, "Member must satisfy regular expression pattern"},
      {Expr("rate(1.5 days)"), kV, "at 'rotationRules.scheduleExpression'"},
      {Expr("cron(0 10 * * ? *)\n"), kV, "Value at 'rotationRules.scheduleExpression'"},
      {Days(5, "3"), kV, "Member must have length greater than or equal to 2"},
      {Days(5, "100h"), kV, "Member must have length less than or equal to 3"},
      {Days(5, "3m"), kV, "Member must satisfy regular expression pattern: [0-9]+h"},
      {Days(5, "3H"), kV, "pattern: [0-9]+h"},
      {Days(5, "hh"), kV, "pattern: [0-9]+h"},
      {{0, std::nullopt, "xx"}, kV, "2 validation errors detected: "},
      {{0, std::nullopt, "x"}, kV, "3 validation errors detected: "},
      // Not a rate() or cron() expression.
      {Expr("rate 10 days"), kP, "Invalid ScheduleExpression 'rate 10 days': use rate(Value Unit)"},
      {Expr("CRON(0 10 * * ? *)"), kP, "use rate(Value Unit) or cron("},
      {Expr("at(2024)"), kP, "use rate(Value Unit)"},
      {Expr("rate(1 day"), kP, "use rate(Value Unit)"},
      {Expr("rate(1 day))"), kP, "unexpected parenthesis"},
      // rate(): units and values.
      {Expr("rate(10)"), kP, "rate(Value Unit)"},
      {Expr("rate(10 days 2)"), kP, "rate(Value Unit)"},
      {Expr("rate(5 minutes)"), kP, "must be hour, hours, day or days, not 'minutes'"},
      {Expr("rate(1 week)"), kP, "not 'week'"},
      {Expr("rate(10 Days)"), kP, "not 'Days'"},
      {Expr("rate(0 days)"), kP, "must be a positive integer, not '0'"},
      {Expr("rate(-1 days)"), kP, "must be a positive integer, not '-1'"},
      {Expr("rate(days 10)"), kP, "must be hour, hours, day or days"},
      {Expr("rate(99999 days)"), kP, "must be a positive integer"},
      {Expr("rate(1000 days)"), kP, "between 1 and 999 days"},
      {Expr("rate(3 hours)"), kP, kTooOften},
      {Expr("rate(1 hour)"), kP, kTooOften},
      {Expr("rate(24 hours)"), kP, "between 4 and 23 hours"},
      // cron(): fields.
      {Expr("cron(0 10 * * ?)"), kP,
       "has 6 fields (Minutes Hours Day-of-month Month "
       "Day-of-week Year), not 5"},
      {Expr("cron(0 0 10 * * ? *)"), kP, "not 7"},
      {Expr("cron()"), kP, "not 0"},
      {Expr("cron(5 10 * * ? *)"), kP, "the Minutes field must be 0"},
      {Expr("cron(* 10 * * ? *)"), kP, "the Minutes field must be 0"},
      {Expr("cron(0 10 * * ? 2024)"), kP, "the Year field must be *"},
      {Expr("cron(0 24 * * ? *)"), kP, "'24' is not a valid value in the Hours field (0-23)"},
      {Expr("cron(0 10 32 * ? *)"), kP, "'32' is not a valid value in the Day-of-month field"},
      {Expr("cron(0 10 0 * ? *)"), kP, "'0' is not a valid value in the Day-of-month field"},
      {Expr("cron(0 10 * 13 ? *)"), kP, "in the Month field (1-12 or JAN-DEC)"},
      {Expr("cron(0 10 * FOO ? *)"), kP, "'FOO' is not a valid value in the Month field"},
      {Expr("cron(0 10 ? * 8 *)"), kP, "in the Day-of-week field (1-7 or SUN-SAT)"},
      {Expr("cron(0 10 ? * MONDAY *)"), kP, "'MONDAY' is not a valid value"},
      {Expr("cron(0 10 * JAN-MON ? *)"), kP, "'MON' is not a valid value in the Month field"},
      {Expr("cron(0 18-6 * * ? *)"), kP, "the range 18-6 in the Hours field ends before it starts"},
      {Expr("cron(0 10 ? * FRI-MON *)"), kP, "ends before it starts"},
      {Expr("cron(0 0/0 * * ? *)"), kP, "the increment '0' in the Hours field must be between 1"},
      {Expr("cron(0 0/24 * * ? *)"), kP, "must be between 1 and 23"},
      {Expr("cron(0 0/ * * ? *)"), kP, "the increment '' in the Hours field"},
      {Expr("cron(0 10 1,,15 * ? *)"), kP, "the Day-of-month field has an empty value"},
      {Expr("cron(0 10 1-15-20 * ? *)"), kP, "'15-20' is not a valid value"},
      // '?' in exactly one of the day fields.
      {Expr("cron(0 10 * * * *)"), kP, "use ? in exactly one of the Day-of-month and Day-of-week"},
      {Expr("cron(0 10 ? * ? *)"), kP, "use ? in exactly one"},
      {Expr("cron(0 10 1 * MON *)"), kP, "use ? in exactly one"},
      {Expr("cron(0 ? * * ? *)"), kP, "? is only allowed in the Day-of-month and Day-of-week"},
      {Expr("cron(0 10 1,? * ? *)"), kP, "? must be the whole field"},
      // L, W, #.
      {Expr("cron(0 10 15W * ? *)"), kP, "W (nearest weekday) is not supported"},
      {Expr("cron(0 10 LW * ? *)"), kP, "W (nearest weekday) is not supported"},
      {Expr("cron(0 10 L-2 * ? *)"), kP, "'L-2' is not allowed in the Day-of-month field"},
      {Expr("cron(0 10 5L * ? *)"), kP, "not allowed in the Day-of-month field"},
      {Expr("cron(0 10 1#2 * ? *)"), kP, "# belongs in Day-of-week"},
      {Expr("cron(0 L * * ? *)"), kP, "'L' is not allowed in the Hours field"},
      {Expr("cron(0 10 * L ? *)"), kP, "'L' is not a valid value in the Month field"},
      {Expr("cron(0 10 ? * MON#6 *)"), kP, "its occurrence in the month (1-5), e.g. MON#2"},
      {Expr("cron(0 10 ? * MON#0 *)"), kP, "(1-5)"},
      {Expr("cron(0 10 ? * 8#1 *)"), kP, "'8' is not a valid value in the Day-of-week field"},
      {Expr("cron(0 10 ? * #2 *)"), kP, "'' is not a valid value in the Day-of-week field"},
      {Expr("cron(0 10 ? * L#2 *)"), kP, "'L' is not a valid value in the Day-of-week field"},
      {Expr("cron(0 10 ? * LL *)"), kP, "'L' is not a valid value in the Day-of-week field"},
      {Expr("cron(0 10 ? * 2-L *)"), kP, "'2-' is not a valid value in the Day-of-week field"},
      // Never fires.
      {Expr("cron(0 0 30 2 ? *)"), kP, "the schedule never matches a date"},
      {Expr("cron(0 0 31 APR,JUN,SEP,NOV ? *)"), kP, "never matches a date"},
      // More often than every four hours.
      {Expr("cron(0 * * * ? *)"), kP, kTooOften},
      {Expr("cron(0 0/2 * * ? *)"), kP, kTooOften},
      {Expr("cron(0 1,3 * * ? *)"), kP, kTooOften},
      {Expr("cron(0 0/3 1 * ? *)"), kP, kTooOften},
      {Expr("cron(0 0,22 * * ? *)"), kP, kTooOften},        // 22:00 then 00:00
      {Expr("cron(0 0,22 1,L * ? *)"), kP, kTooOften},      // last day, then the 1st
      {Expr("cron(0 1,22 ? * FRI,SAT *)"), kP, kTooOften},  // Friday 22:00, Saturday 01:00
      {Expr("cron(0 0,21 ? * SUN,SAT *)"), kP, kTooOften},  // Saturday 21:00, Sunday 00:00
      // Windows.
      {Days(5, "0h"), kP, "Invalid Duration '0h': the rotation window must be between 1h and 24h."},
      {Expr("rate(2 days)", "25h"), kP, "between 1h and 24h"},
      {Expr("rate(4 hours)", "5h"), kP,
       "Invalid Duration '5h': the rotation window must not extend into the next rotation "
       "window, 4 hours later."},
      {Expr("cron(0 4/12 * * ? *)", "13h"), kP, "next rotation window, 12 hours later"},
      {Expr("cron(0 20 * * ? *)", "5h"), kP,
       "must not extend into the next UTC day; it opens at 20:00."},
      {Expr("cron(0 2/10 * * ? *)", "3h"), kP, "next UTC day; it opens at 22:00"},
  };
  for (const InvalidCase& c : cases) {
    auto s = RotationSchedule::Parse(c.rules);
    std::string what = c.rules.schedule_expression.value_or(
        "days " + std::to_string(c.rules.automatically_after_days.value_or(0)));
    ASSERT_FALSE(s.has_value()) << what << " was accepted as " << s->ToString();
    EXPECT_EQ(s.error().code, ErrorCode::kInvalidArgument) << what;
    EXPECT_EQ(s.error().reason, c.reason) << what << ": " << s.error().message;
    EXPECT_THAT(s.error().message, HasSubstr(c.message)) << what;
  }
}

TEST(RotationScheduleTest, AcceptsTheBoundaries) {
  const std::vector<RotationRules> ok = {
      Days(1),
      Days(1000),
      Days(1000, "24h"),
      Expr("rate(999 days)"),
      Expr("rate(4 hours)"),
      Expr("rate(23 hours)", "23h"),
      Expr("cron(0 0/4 * * ? *)"),         // exactly every four hours
      Expr("cron(0 2/10 * * ? *)", "2h"),  // 22:00 + 2h = 24:00
      Expr("cron(0 0,22 1,15 * ? *)"),     // 22:00 and 00:00 never on consecutive days
      Expr("cron(0 0,21 ? * SUN *)"),
      Expr("cron(0 0 ? * 2#5 *)"),  // some months have a fifth Monday
      Expr("cron(0 0 29 2 ? *)"),
      Expr("cron(0 23 * * ? *)"),
      Expr(std::string("cron(0 10 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,"
                       "24,25,26,27,28,29,30,31 * ? *)")),
  };
  for (const RotationRules& r : ok) {
    auto s = RotationSchedule::Parse(r);
    EXPECT_TRUE(s.has_value()) << r.schedule_expression.value_or("days") << ": "
                               << (s ? "" : s.error().message);
  }
}

}  // namespace
}  // namespace coffer::rotation
