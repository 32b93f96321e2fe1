// Fuzzes RotationSchedule::Parse and the window arithmetic. Input lines: the ScheduleExpression
// (or "@N" for AutomaticallyAfterDays = N), then optionally the Duration, then optionally a time
// in Unix milliseconds to search from. Every input must end in an error with an AWS reason or in
// a schedule whose answers keep the invariants checked below; never a crash, a hang or a trap.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "base/strings.h"
#include "core/rotation/rotation_schedule.h"

namespace {

using coffer::Timestamp;
using coffer::rotation::RotationRules;
using coffer::rotation::RotationSchedule;

void Check(bool ok) {
  if (!ok) std::abort();
}

void CheckAnswers(const RotationSchedule& s, Timestamp after) {
  auto start = s.NextWindowStart(after);
  if (!start) return;
  Check(*start > after);
  Check(coffer::ToUnixMillis(*start) % 3'600'000 == 0);  // windows open on the hour
  auto again = s.NextWindowStart(*start);
  Check(!again || *again > *start);
  auto date = s.NextRotationDate(after, coffer::FromUnixMillis(0));
  Check(date.has_value() && *date == *start + s.window() - std::chrono::seconds(1));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string_view lines[3];
  for (int i = 0; i < 3 && !in.empty(); ++i) {
    size_t nl = in.find('\n');
    lines[i] = in.substr(0, nl);
    in = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
  }
  RotationRules rules;
  if (!lines[0].empty() && lines[0][0] == '@') {
    rules.automatically_after_days = coffer::ParseInt64(lines[0].substr(1)).value_or(0);
  } else {
    rules.schedule_expression = std::string(lines[0]);
  }
  if (!lines[1].empty()) rules.duration = std::string(lines[1]);

  auto parsed = RotationSchedule::Parse(rules);
  if (!parsed) {
    const coffer::Error& e = parsed.error();
    Check(e.code == coffer::ErrorCode::kInvalidArgument);
    Check(e.reason == coffer::rotation::reason::kValidation ||
          e.reason == coffer::rotation::reason::kInvalidParameter);
    Check(!e.message.empty());
    return 0;
  }
  const RotationSchedule& s = *parsed;
  Check(s.window() >= std::chrono::hours(1) && s.window() <= std::chrono::hours(24));
  if (s.kind() != RotationSchedule::Kind::kAutomaticallyAfterDays) {
    // The canonical form is itself a valid expression for the same schedule.
    auto again = RotationSchedule::Parse({std::nullopt, s.ToString(), rules.duration});
    Check(again.has_value() && again->ToString() == s.ToString() && again->window() == s.window());
  }
  auto rules_out = s.ToRotationRules();
  Check(rules_out.schedule_expression == rules.schedule_expression);

  int64_t from = coffer::ParseInt64(lines[2]).value_or(1'700'000'000'123);
  CheckAnswers(s, coffer::FromUnixMillis(from));
  CheckAnswers(s, coffer::FromUnixMillis(1'709'251'200'000));  // 2024-03-01T00:00:00Z
  CheckAnswers(s, coffer::FromUnixMillis(7'258'118'399'999));  // 2199-12-31T23:59:59.999Z
  return 0;
}
